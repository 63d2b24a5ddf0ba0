"""Class names from GPU stacks and older packages that stand for modules pygraphnn has.

A model saved from a GPU holds ``cudnn.SpatialConvolution``, ``cudnn.ReLU``,
``nn.SpatialConvolutionMM``, ``inn.SpatialMaxPooling``... objects. Their fields are those
of the plain ``nn`` class (cudnn.torch declares most of its layers as subclasses of the
``nn`` ones, and ``cudnn.convert(net, nn)`` turns them into ``nn`` modules by copying
their fields), plus backend state (``iSize``, ``workspace``, algorithm choices,
descriptors) that the ``nn`` loader never reads. (``cudnn.SoftMax``/``cudnn.LogSoftMax``
are not aliases: they normalise 3-D/4-D inputs differently from ``nn.SoftMax`` and load
as :class:`pygraphnn.lua.classes.cudnn.InstanceSoftMax`.) :func:`resolve` gives the ``nn`` object
the loader of the target class reads: same fields, the target's class name, with the few
fields an alias fixes or renames.

>>> resolve('cudnn.Tanh', {'nn.Tanh'}).target
'nn.Tanh'

Facts used (from the packages' sources): cudnn.torch's ``torch.class`` declarations and
``convert.lua`` (which also maps ``nn.SpatialConvolutionMM`` and
``inn.SpatialCrossResponseNormalization``); imagine-nn's ``inn.*`` classes (subclasses of
the ``nn`` ones; ``inn.SpatialMaxPooling`` always pools in ceil mode); fbcunn's
``fbnn.*`` batch normalisation (``running_std`` layout of older nn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..format.t7 import LuaTable, TorchObject

__all__ = ["ALIASES", "Alias", "as_target", "resolve"]


@dataclass(frozen=True)
class Alias:
    """``target``: the ``nn`` class name; ``fixed``: fields set whatever the file says;
    ``renamed``: ``{nn field: field name in the aliased class}``; ``note``: for the docs."""

    target: str
    fixed: dict = field(default_factory=dict)
    renamed: dict = field(default_factory=dict)
    note: str = ""


def _same(prefix: str, names: Iterable[str], note: str = "") -> dict[str, Alias]:
    return {f"{prefix}.{n}": Alias(f"nn.{n}", note=note) for n in names}


#: alias class name -> :class:`Alias`
ALIASES: dict[str, Alias] = {
    # cudnn.torch: subclasses of nn classes, or nn.Module subclasses with the nn fields
    **_same(
        "cudnn",
        [
            "SpatialConvolution",
            "SpatialFullConvolution",
            "VolumetricConvolution",
            "VolumetricFullConvolution",
            "TemporalConvolution",
            "SpatialMaxPooling",
            "SpatialAveragePooling",
            "VolumetricMaxPooling",
            "VolumetricAveragePooling",
            "BatchNormalization",
            "SpatialBatchNormalization",
            "VolumetricBatchNormalization",
            "SpatialCrossMapLRN",
            "SpatialSoftMax",
            "SpatialLogSoftMax",
            "ReLU",
            "Tanh",
            "Sigmoid",
        ],
    ),
    "cudnn.ClippedReLU": Alias(
        "nn.HardTanh", fixed={"min_val": 0.0}, renamed={"max_val": "ceiling"}, note="min(max(x, 0), ceiling)"
    ),
    # nn's own older / backend-specific spellings
    "nn.SpatialConvolutionCUDA": Alias("nn.SpatialConvolution"),
    # imagine-nn (inn): subclasses of the nn classes
    "inn.SpatialMaxPooling": Alias("nn.SpatialMaxPooling", fixed={"ceil_mode": True}, note="always ceil mode"),
    "inn.SpatialAveragePooling": Alias("nn.SpatialAveragePooling"),
    "inn.SpatialCrossResponseNormalization": Alias("nn.SpatialCrossMapLRN"),
    # fbcunn: batch normalisation with the older running_std field
    "fbnn.BatchNormalization": Alias("nn.BatchNormalization", note="running_std layout"),
    "fbnn.SpatialBatchNormalization": Alias("nn.SpatialBatchNormalization", note="running_std layout"),
    "fbnn.SpatialConvolution": Alias(
        "nn.SpatialConvolution",
        renamed={"nInputPlane": "inputPlanes", "nOutputPlane": "outputPlanes", "padW": "padLeft", "padH": "padUp"},
        note="fields renamed; cudnnModuleInst ignored",
    ),
}


def resolve(class_name: str, known: Any) -> Alias | None:
    """The :class:`Alias` of ``class_name`` if its target is in ``known`` (the loader's
    registry), else None; :func:`as_target` gives the object the target's loader reads."""
    alias = ALIASES.get(class_name)
    if alias is None or alias.target not in known:
        return None
    return alias


def as_target(obj: TorchObject, alias: Alias) -> TorchObject:
    """``obj`` as an object of ``alias.target``: the same field values (shared, not
    copied), renamed and fixed fields applied."""
    state = LuaTable()
    for k, v in obj.state.items():
        dict.__setitem__(state, k, v)
    for nn_name, own_name in alias.renamed.items():
        if own_name in obj.state and nn_name not in obj.state:
            state[nn_name] = obj.state[own_name]
    for k, v in alias.fixed.items():
        state[k] = v
    return TorchObject(alias.target, state)
