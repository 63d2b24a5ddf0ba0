"""Lua classes <-> pygraphnn modules: what a ``.t7`` object of class ``nn.Linear`` becomes.

:mod:`.load` and :mod:`.save` hold the two registries (``LOADERS``, ``SAVERS``) and the
``nn``/``nngraph`` core; :mod:`.load_misc`, :mod:`.load_spatial`, :mod:`.save_misc` and
:mod:`.save_spatial` add the rest of the zoo; :mod:`.aliases` maps other packages' class
names (``cudnn.*``, ``rnn.*``) onto ``nn`` ones; :mod:`.cudnn`, :mod:`.unknown` and
:mod:`.charrnn` are the foreign classes (cuDNN's instance softmax, any class we do not
know, char-rnn's ``OneHot`` and its checkpoints).
"""

# load/save hold the registries and the core; the zoo modules import them and register
# the rest, so importing the package (as any import of a module in it does) fills both
from . import load_misc, load_spatial, save_misc, save_spatial  # noqa: F401 - for their registrations
from .load import LOADERS, from_lua, load_t7, supported_classes  # noqa: F401
from .save import SAVERS, SaveError, save_t7, to_lua, to_torch_object  # noqa: F401
