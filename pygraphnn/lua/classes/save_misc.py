"""Savers for the classes :mod:`.load_misc` loads (the same fields, from
:data:`~pygraphnn.lua.classes.misc_fields.SCALAR_CLASSES` where they are plain scalars)."""

from __future__ import annotations

import torch

from ... import nn
from ...module import Criterion
from ...nn.passthrough import TENSOR_TYPES
from ..format.t7 import Storage, TorchObject
from .cudnn import InstanceSoftMax
from .misc_fields import SCALAR_CLASSES
from .save import SAVERS, _Saver, register_saver

# Classes whose Lua gradInput is a table (their input is one) and criterions (output is a number)
_TABLE_INPUT = (
    nn.MaskedSelect,
    nn.Index,
    nn.CosineDistance,
    nn.PairwiseDistance,
    nn.DotProduct,
    nn.MV,
    nn.CMaxTable,
    nn.CMinTable,
    nn.MixtureTable,
    nn.Bilinear,
    nn.CosineEmbeddingCriterion,
    nn.MarginRankingCriterion,
    nn.L1HingeEmbeddingCriterion,
    nn.ParallelCriterion,
    nn.CAddTensorTable,
    nn.ZipTable,
    nn.ZipTableOneToMany,
    nn.MapTable,
)
_TABLE_OUTPUT = (nn.CAddTensorTable, nn.ZipTable, nn.ZipTableOneToMany, nn.MapTable)


def _empty(dtype=torch.float64, *size) -> torch.Tensor:
    return torch.zeros(*size, dtype=dtype) if size else torch.empty(0, dtype=dtype)


def _lua_buffers(S: _Saver, m: torch.nn.Module) -> dict:
    """The buffers Lua's constructor creates and its methods use without checking (a
    module written without them loads in Lua but fails at its first forward/backward)."""
    dt = S.dtype_of(m)
    pair = [_empty(dt), _empty(dt)]
    if isinstance(m, (nn.Index, nn.MV, nn.CosineEmbeddingCriterion, nn.L1HingeEmbeddingCriterion)):
        return {"gradInput": pair}
    if isinstance(m, nn.MarginRankingCriterion):
        return {"gradInput": [_empty(dt, 1), _empty(dt, 1)]}
    if isinstance(m, nn.CMinTable):
        return {k: _empty(dt) for k in ("minIdx", "mask", "minVals", "gradMaxVals")}
    if isinstance(m, nn.CMaxTable):
        return {k: _empty(dt) for k in ("maxIdx", "mask", "maxVals", "gradMaxVals")}
    if isinstance(m, nn.Euclidean) and not isinstance(m, nn.WeightedEuclidean):
        return {"fastBackward": True}
    if isinstance(m, nn.PairwiseDistance):
        return {"diff": _empty(dt)}
    if isinstance(m, nn.RReLU):
        return {"noise": _empty(dt)}
    if isinstance(m, nn.Padding):
        return {"outputSize": Storage(torch.empty(0, dtype=torch.int64))}
    if isinstance(m, nn.Bottle):
        return {"inShape": _empty(dt, m.nInputDim), "outShape": _empty(dt, m.nOutputDim)}
    if isinstance(m, nn.MaskedSelect):
        return {
            "_maskIndices": _empty(torch.int64),
            "_maskIndexBuffer": _empty(torch.int64),
            "_maskIndexBufferCPU": _empty(torch.float32),
            "_gradBuffer": _empty(dt),
            "_gradMask": _empty(torch.uint8),
        }
    if isinstance(m, nn.MixtureTable):
        return {
            "size": Storage(torch.empty(0, dtype=torch.int64)),
            "size2": Storage(torch.empty(0, dtype=torch.int64)),
            "batchSize": 0.0,
            "backwardSetup": False,
        }
    if isinstance(m, nn.MultiLabelMarginCriterion):
        return {"isTarget": _empty(dt)}
    if isinstance(m, nn.MultiLabelSoftMarginCriterion):
        return {"sigmoid": S.base(m, "nn.Sigmoid")}
    if isinstance(m, nn.TanhShrink):
        return {"tanh": S.base(m, "nn.Tanh")}
    if isinstance(m, nn.ZipTableOneToMany):
        return {"gradInputEl": _empty(dt)}
    if isinstance(m, nn.ClassSimplexCriterion):
        return {"_target": _empty(dt, m.nClasses), "simplex": S.tensor(m.simplex.to(dt))}
    if isinstance(m, nn.SpatialClassNLLCriterion):
        return {
            "output_tensor": _empty(dt, 1),
            "total_weight_tensor": torch.ones(1, dtype=dt),
            "target": _empty(torch.int64, 1),
        }
    return {}


# Lua classes with a class version above 1 (their read() converts older files)
_VERSIONS: dict[type, int] = {nn.GradientReversal: 2}


def _base(S: _Saver, m: torch.nn.Module, fields: dict) -> TorchObject:
    o = S.base(
        m,
        "nn." + type(m).__name__,
        fields,
        table_grad=isinstance(m, _TABLE_INPUT),
        table_output=isinstance(m, _TABLE_OUTPUT),
    )
    for k, v in _lua_buffers(S, m).items():
        o.state[k] = v
    if isinstance(m, Criterion):
        o.state["output"] = 0.0
    if type(m) in _VERSIONS:
        o = TorchObject(o.class_name, o.state, _VERSIONS[type(m)])
    return o


def _lua_value(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _scalar_saver(S: _Saver, m: torch.nn.Module) -> TorchObject:
    ctor, extra = SCALAR_CLASSES[type(m)]
    return _base(S, m, {name: _lua_value(getattr(m, attr)) for name, _, _, attr in ctor + extra})


def _register_scalars() -> None:
    for cls in SCALAR_CLASSES:
        SAVERS[cls] = _scalar_saver


_register_scalars()


@register_saver(nn.PReLU)
def _prelu(S, m):
    f = S.param_fields(m, {"weight": "gradWeight"})
    f["nOutputPlane"] = float(m.nOutputPlane)
    return _base(S, m, f)


@register_saver(nn.Euclidean, nn.WeightedEuclidean, nn.Cosine)
def _templates(S, m):
    names = {"weight": "gradWeight"}
    if isinstance(m, nn.WeightedEuclidean):
        names["diagCov"] = "gradDiagCov"
    return _base(S, m, S.param_fields(m, names))


@register_saver(nn.Bilinear)
def _bilinear(S, m):
    return _base(S, m, S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"}))


@register_saver(nn.Bottle)
def _bottle(S, m):
    return _base(
        S,
        m,
        {
            "modules": [S.module(m.module)],
            "nInputDim": float(m.nInputDim),
            "nOutputDim": float(m.nOutputDim),
            "dimDelta": float(m.nInputDim - m.nOutputDim),
        },
    )


@register_saver(nn.Copy)
def _copy(S, m):
    o = _base(S, m, {"dontCast": bool(m.dontCast)})
    o.state["gradInput"] = torch.empty(0, dtype=TENSOR_TYPES[m.intype])
    o.state["output"] = torch.empty(0, dtype=TENSOR_TYPES[m.outtype])
    return o


@register_saver(nn.MultiMarginCriterion)
def _multimargin(S, m):
    f = {"p": float(m.p), "margin": m.margin, "sizeAverage": bool(m.sizeAverage)}
    if m.weights is not None:
        f["weights"] = S.tensor(m.weights)
    return _base(S, m, f)


@register_saver(nn.MultiLabelSoftMarginCriterion, nn.SpatialClassNLLCriterion)
def _weighted(S, m):
    f = {"sizeAverage": bool(m.sizeAverage)}
    if m.weights is not None:
        f["weights"] = S.tensor(m.weights)
    return _base(S, m, f)


@register_saver(nn.ParallelCriterion, nn.MultiCriterion)
def _combined(S, m):
    f = {"criterions": [S.module(c) for c in m.criterions]}
    if isinstance(m, nn.ParallelCriterion):
        f["weights"] = list(m.weights)
        f["repeatTarget"] = m.repeatTarget or None
    else:
        f["weights"] = Storage(torch.tensor(m.weights, dtype=torch.float64))
    return _base(S, m, f)


@register_saver(nn.Constant)
def _constant(S, m):
    return _base(S, m, {"value": S.tensor(m.value), "nInputDim": m.nInputDim})


@register_saver(nn.MapTable)
def _map_table(S, m):
    inner = S.module(m.module)
    return _base(
        S,
        m,
        {
            "module": inner,
            "modules": [inner],
            "shared": m.shared,
            "sharedparams": ["weight", "bias", "gradWeight", "gradBias"],
        },
    )


@register_saver(nn.Parallel)
def _parallel(S, m):
    return _base(
        S,
        m,
        {
            "modules": [S.module(c) for c in m],
            "inputDimension": float(m.inputDimension),
            "outputDimension": float(m.outputDimension),
        },
    )


@register_saver(InstanceSoftMax)
def _instance_softmax(S, m):
    # only Lua with cudnn.torch reads this back (as nn.SoftMax it would normalise 3-D/4-D differently)
    return S.base(
        m,
        m.lua_label(),
        {
            "mode": "CUDNN_SOFTMAX_MODE_INSTANCE",
            "algorithm": "CUDNN_SOFTMAX_LOG" if m.log else "CUDNN_SOFTMAX_ACCURATE",
        },
    )


@register_saver(nn.WeightedMSECriterion)
def _weighted_mse(S, m):
    return _base(S, m, {"weight": S.tensor(m.weight), "sizeAverage": bool(m.sizeAverage)})


@register_saver(nn.CReLU)
def _crelu(S, m):
    # an nn.Sequential subclass in Lua: its children do the work
    branches = nn.ConcatTable().add(nn.Identity()).add(nn.MulConstant(-1))
    children = [S.module(c) for c in (branches, nn.JoinTable(2), nn.ReLU(m.inplace))]
    return _base(S, m, {"nInputDims": float(m.nInputDims), "inplace": bool(m.inplace), "modules": children})


@register_saver(nn.LinearWeightNorm)
def _linear_weight_norm(S, m):
    f = S.param_fields(m, {"v": "gradV", "g": "gradG", "bias": "gradBias"})
    with torch.no_grad():
        norm = m.v.norm(dim=1, keepdim=True).clamp(min=m.eps)
        f.update(
            weight=m.weight().detach().cpu(),
            norm=norm.cpu(),
            scale=(m.g / norm).detach().cpu(),
            eps=m.eps,
            inputSize=float(m.v.shape[1]),
            outputSize=float(m.v.shape[0]),
            addBuffer=_empty(S.dtype_of(m)),
        )
    return _base(S, m, f)
