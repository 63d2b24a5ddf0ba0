"""Loaders for the activation, distance, table-combining, pass-through and margin /
regression criterion classes (:mod:`pygraphnn.nn.activation` and its siblings).

The classes that are a constructor call on a few scalar fields are loaded from the
table in :mod:`.misc_fields`; classes with parameters or children have a loader here.
"""

from __future__ import annotations

import torch

from ... import nn
from ..format.t7 import LuaTable, Storage, TorchObject
from .cudnn import InstanceSoftMax
from .load import LOADERS, _fail, _Loader, _weights, register_loader
from .misc_fields import SCALAR_CLASSES


def _scalar_loader(cls: type):
    ctor, extra = SCALAR_CLASSES[cls]

    def load(L: _Loader, obj: TorchObject, path: list) -> torch.nn.Module:
        args = [L.field(obj, name, path, kind, default) for name, kind, default, _ in ctor]
        try:
            m = cls(*args)
        except (TypeError, ValueError) as e:  # the constructor's own checks (Threshold's in-place rule...)
            raise _fail(f"{obj.class_name}: {e}", path) from e
        for name, kind, default, attr in extra:
            setattr(m, attr, L.field(obj, name, path, kind, default))
        return m

    return load


for _cls in SCALAR_CLASSES:
    LOADERS["nn." + _cls.__name__] = _scalar_loader(_cls)


def _vector_of(L: _Loader, obj: TorchObject, name: str, path: list) -> torch.Tensor:
    t = L.field(obj, name, path, "tensor")
    if t.dim() != 1:
        raise _fail(f"{obj.class_name}.{name} should be a vector, got shape {tuple(t.shape)}", path + [name])
    return t


@register_loader("nn.PReLU")
def _prelu(L, obj, path):
    n = L.field(obj, "nOutputPlane", path, "int", 0)
    m = nn.PReLU(n)
    m.weight = L.param(obj, "weight", path, (n or 1,), "gradWeight")
    return m


@register_loader("nn.Euclidean", "nn.WeightedEuclidean")
def _euclidean(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    if w.dim() != 2:
        raise _fail(
            f"{obj.class_name}.weight should be 2-D (inputSize x outputSize), got shape {tuple(w.shape)}",
            path + ["weight"],
        )
    cls = nn.Euclidean if obj.class_name == "nn.Euclidean" else nn.WeightedEuclidean
    m = cls(1, 1)
    m.weight = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
    if cls is nn.WeightedEuclidean:
        m.diagCov = L.param(obj, "diagCov", path, tuple(w.shape), "gradDiagCov")
    return m


@register_loader("nn.Cosine")
def _cosine(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    if w.dim() != 2:
        raise _fail(
            f"nn.Cosine.weight should be 2-D (outputSize x inputSize), got shape {tuple(w.shape)}", path + ["weight"]
        )
    m = nn.Cosine(1, 1)
    m.weight = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
    return m


@register_loader("nn.Bilinear")
def _bilinear(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    if w.dim() != 3:
        raise _fail(
            f"nn.Bilinear.weight should be 3-D (outputSize x inputSize1 x inputSize2), got shape {tuple(w.shape)}",
            path + ["weight"],
        )
    has_bias = obj.state.get("bias") is not None
    m = nn.Bilinear(1, 1, 1, has_bias)
    m.weight = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
    if has_bias:
        m.bias = L.param(obj, "bias", path, (w.shape[0],), "gradBias")
    return m


@register_loader("nn.Bottle")
def _bottle(L, obj, path):
    mods = L.modules_list(obj, path)
    if len(mods) != 1:
        raise _fail(f"nn.Bottle should hold one module, it holds {len(mods)}", path + ["modules"])
    n_in = L.field(obj, "nInputDim", path, "int", 2)
    return nn.Bottle(mods[0], n_in, L.field(obj, "nOutputDim", path, "int", n_in))


_TYPE_NAMES = {
    torch.float64: "torch.DoubleTensor",
    torch.float32: "torch.FloatTensor",
    torch.float16: "torch.HalfTensor",
}


@register_loader("nn.Copy")
def _copy(L, obj, path):
    # Lua keeps no type names: the types are those of the empty output/gradInput tensors it made
    names = []
    for name in ("gradInput", "output"):
        t = L.field(obj, name, path, "tensor")
        if t.dtype not in _TYPE_NAMES:
            raise _fail(f"nn.Copy.{name} is a {t.dtype} tensor; only floating types are supported", path + [name])
        names.append(_TYPE_NAMES[t.dtype])
    # equal types without forceCopy would have stored Lua functions (refused before this point)
    return nn.Copy(names[0], names[1], names[0] == names[1], L.field(obj, "dontCast", path, "bool", False))


@register_loader("nn.MultiMarginCriterion")
def _multimargin(L, obj, path):
    w = _weights(L, obj, path)
    m = nn.MultiMarginCriterion(L.field(obj, "p", path, "int", 1), w, L.field(obj, "margin", path, "num", 1.0))
    m.sizeAverage = L.field(obj, "sizeAverage", path, "bool", True)
    return m


@register_loader("nn.MultiLabelSoftMarginCriterion", "nn.SpatialClassNLLCriterion")
def _weighted(L, obj, path):
    cls = getattr(nn, obj.class_name[3:])
    return cls(_weights(L, obj, path), L.field(obj, "sizeAverage", path, "bool", True))


def _criterion_list(L, obj, path) -> list:
    crits = L.field(obj, "criterions", path, "table", LuaTable())
    if not crits.is_list():
        raise _fail(f"{obj.class_name}.criterions is not a list 1..n", path + ["criterions"])
    out = []
    for i, c in enumerate(crits.to_list(), 1):
        m = L.value(c, path + ["criterions", i])
        if not isinstance(m, torch.nn.Module):
            raise _fail(f"{obj.class_name}.criterions[{i}] should be a criterion", path + ["criterions", i])
        out.append(m)
    return out


def _weight_list(L, obj, path, n: int) -> list[float]:
    w = obj.state.get("weights")
    if isinstance(w, Storage):
        vals = w.tensor.tolist()
    elif isinstance(w, torch.Tensor):
        vals = w.reshape(-1).tolist()
    elif isinstance(w, LuaTable) and w.is_list():
        vals = w.to_list()
    elif w is None:
        vals = [1.0] * n
    else:
        raise _fail(f"{obj.class_name}.weights should be a list of numbers", path + ["weights"])
    if len(vals) != n or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        raise _fail(f"{obj.class_name}.weights should hold {n} numbers, got {vals!r:.60}", path + ["weights"])
    return [float(v) for v in vals]


@register_loader("nn.ParallelCriterion", "nn.MultiCriterion")
def _combined(L, obj, path):
    crits = _criterion_list(L, obj, path)
    if obj.class_name == "nn.ParallelCriterion":
        m = nn.ParallelCriterion(L.field(obj, "repeatTarget", path, "bool", False))
    else:
        m = nn.MultiCriterion()
    for c, w in zip(crits, _weight_list(L, obj, path, len(crits))):
        m.add(c, w)
    return m


@register_loader("nn.Constant")
def _constant(L, obj, path):
    value = L.field(obj, "value", path, "tensor")
    return nn.Constant(value, L.field(obj, "nInputDim", path, "int", None))


@register_loader("nn.MapTable")
def _map_table(L, obj, path):
    mods = L.modules_list(obj, path)
    shared = L.field(obj, "shared", path, "bool", True)
    if not mods:
        raise _fail("nn.MapTable holds no module", path + ["modules"])
    if not shared and len(mods) > 1:
        raise _fail(
            f"nn.MapTable with shared = false holds {len(mods)} clones with weights of their own; "
            f"pygraphnn's MapTable applies one module to every entry",
            path + ["modules"],
        )
    return nn.MapTable(mods[0], shared)  # the other modules are clones sharing its weights


@register_loader("nn.Parallel")
def _parallel(L, obj, path):
    m = nn.Parallel(L.field(obj, "inputDimension", path, "int"), L.field(obj, "outputDimension", path, "int"))
    for child in L.modules_list(obj, path):
        m.add(child)
    return m


@register_loader("cudnn.SoftMax", "cudnn.LogSoftMax")
def _cudnn_softmax(L, obj, path):
    # cudnn.torch sets mode INSTANCE in both constructors (the CHANNEL-mode classes are
    # cudnn.SpatialSoftMax / SpatialLogSoftMax, aliases of the nn ones)
    mode = obj.state.get("mode", "CUDNN_SOFTMAX_MODE_INSTANCE")
    if mode != "CUDNN_SOFTMAX_MODE_INSTANCE":
        raise _fail(
            f"{obj.class_name} with mode {mode!r}: only CUDNN_SOFTMAX_MODE_INSTANCE is supported", path + ["mode"]
        )
    return InstanceSoftMax(log=obj.class_name == "cudnn.LogSoftMax")


@register_loader("nn.Maxout")
def _sequential_subclass(L, obj, path):
    # an nn.Sequential subclass that only builds its children: its forward is Sequential's
    seq = nn.Sequential()
    for child in L.modules_list(obj, path):
        seq.add(child)
    return seq


@register_loader("nn.Decorator", "nn.NaN")
def _decorator(L, obj, path):
    # these decorators run their one module unchanged (NaN also checks for NaNs)
    mods = L.modules_list(obj, path)
    if len(mods) != 1:
        raise _fail(f"{obj.class_name} should decorate one module, it holds {len(mods)}", path + ["modules"])
    return mods[0]


@register_loader("nn.PrintSize")
def _print_size(L, obj, path):
    return nn.Identity()


@register_loader("nn.WeightedMSECriterion")
def _weighted_mse(L, obj, path):
    m = nn.WeightedMSECriterion(L.field(obj, "weight", path, "tensor"))
    m.sizeAverage = L.field(obj, "sizeAverage", path, "bool", True)
    return m


@register_loader("nn.CReLU")
def _crelu(L, obj, path):
    # the children Lua builds (ConcatTable(Identity, MulConstant(-1)), JoinTable, ReLU) are what CReLU computes
    return nn.CReLU(L.field(obj, "nInputDims", path, "int"), L.field(obj, "inplace", path, "bool", False))


@register_loader("nn.LinearWeightNorm")
def _linear_weight_norm(L, obj, path):
    v = L.field(obj, "v", path, "tensor")
    if v.dim() != 2:
        raise _fail(
            f"nn.LinearWeightNorm.v should be 2-D (outputSize x inputSize), got shape {tuple(v.shape)}", path + ["v"]
        )
    has_bias = obj.state.get("bias") is not None
    m = nn.LinearWeightNorm(1, 1, has_bias, L.field(obj, "eps", path, "num", 1e-16))
    m.v = L.param(obj, "v", path, tuple(v.shape), "gradV")
    m.g = L.param(obj, "g", path, (v.shape[0], 1), "gradG")
    if has_bias:
        m.bias = L.param(obj, "bias", path, (v.shape[0],), "gradBias")
    return m
