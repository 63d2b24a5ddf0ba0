"""Lua nn modules as ``torch.nn.Module`` subclasses, with Lua semantics.

1-based dimensions and indices, Lua's batch-mode rules, tables as Python lists,
Lua's default initialisation. Every module is callable on tensors (PyTorch
idiom), on nodes (graph declaration) and through ``forward``/``backward`` (Lua idiom).
"""

from ..adapters import JustElement, JustTable, ModuleFromCriterion  # noqa: F401 - nngraph puts them in nn
from ..gmodule import gModule  # noqa: F401 - nn.gModule, as in Lua
from .activation import *  # noqa: F403
from .bottle import *  # noqa: F403
from .containers import *  # noqa: F403
from .containers_apply import *  # noqa: F403
from .conv import *  # noqa: F403
from .conv_local import *  # noqa: F403
from .criterion import *  # noqa: F403
from .criterion_combine import *  # noqa: F403
from .criterion_margin import *  # noqa: F403
from .criterion_regression import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .linear import *  # noqa: F403
from .linear_weight_norm import *  # noqa: F403
from .local_normalization import *  # noqa: F403
from .normalization import *  # noqa: F403
from .onehot import *  # noqa: F403
from .padding import *  # noqa: F403
from .padding_dim import *  # noqa: F403
from .passthrough import *  # noqa: F403
from .pooling import *  # noqa: F403
from .pooling_fractional import *  # noqa: F403
from .reduce import *  # noqa: F403
from .shape import *  # noqa: F403
from .simple import *  # noqa: F403
from .table import *  # noqa: F403
from .table_combine import *  # noqa: F403
from .upsampling import *  # noqa: F403
