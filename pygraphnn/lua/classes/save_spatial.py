"""``save_t7`` savers for the convolutional half of the zoo: each module is written with
Lua nn's class name and the fields Lua's code reads (sizes, strides, padding, modes,
weights and their gradients, running statistics), so Lua's ``torch.load`` gives a module
that computes the same. Imported by :mod:`pygraphnn.lua.classes.save`.

Spatial{Subtractive,Divisive,Contrastive}Normalization are written with the
sub-networks Lua's constructors build (estimators of padding, convolutions and
Replicate), holding the module's kernels.
"""

from __future__ import annotations

import torch

from ... import nn
from ..format.t7 import LuaTable, TorchObject
from .save import _TYPE_NAMES, _long_storage, register_saver


def _f(v) -> float:
    return float(v)


def _nums(m, *names: str) -> dict[str, float]:
    """Lua number fields named as the module's attributes: ``{"kW": float(m.kW), ...}``."""
    return {k: float(getattr(m, k)) for k in names}


@register_saver(nn.SpatialConvolution, nn.SpatialConvolutionMM, nn.SpatialDilatedConvolution)
def _spatial_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(_nums(m, "nInputPlane", "nOutputPlane", "kW", "kH", "dW", "dH", "padW", "padH"))
    dt = S.dtype_of(m)
    f.update(finput=torch.empty(0, dtype=dt), fgradInput=torch.empty(0, dtype=dt))
    if isinstance(m, nn.SpatialDilatedConvolution):
        f.update(**_nums(m, "dilationW", "dilationH"))
    if m.groups != 1:  # only cudnn.SpatialConvolution reads it
        f["groups"] = _f(m.groups)
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialFullConvolution)
def _full_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(
        _nums(m, "nInputPlane", "nOutputPlane", "kW", "kH", "dW", "dH", "padW", "padH", "adjW", "adjH"),
        ones=torch.empty(0, dtype=S.dtype_of(m)),
    )
    return S.base(m, "nn.SpatialFullConvolution", f)


@register_saver(nn.TemporalConvolution)
def _temporal_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(**_nums(m, "inputFrameSize", "outputFrameSize", "kW", "dW"))
    return S.base(m, "nn.TemporalConvolution", f)


@register_saver(nn.SpatialConvolutionMap)
def _conv_map(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(
        _nums(m, "kW", "kH", "dW", "dH", "nInputPlane", "nOutputPlane"),
        connTable=m.connTable.detach().cpu().to(S.dtype_of(m)),
    )
    return S.base(m, "nn.SpatialConvolutionMap", f)


@register_saver(nn.SpatialSubSampling)
def _subsampling(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(**_nums(m, "nInputPlane", "kW", "kH", "dW", "dH"))
    return S.base(m, "nn.SpatialSubSampling", f)


@register_saver(nn.TemporalSubSampling)
def _temporal_subsampling(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(**_nums(m, "inputFrameSize", "kW", "dW"))
    return S.base(m, "nn.TemporalSubSampling", f)


@register_saver(nn.SpatialLPPooling)
def _lp_pooling(S, m):
    return S.base(
        m,
        "nn.SpatialLPPooling",
        {"modules": [S.module(c) for c in m], "kW": _f(m.kW), "kH": _f(m.kH), "dW": _f(m.dW), "dH": _f(m.dH)},
    )


@register_saver(nn.VolumetricConvolution, nn.VolumetricFullConvolution)  # and VolumetricDilatedConvolution
def _volumetric_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(_nums(m, "nInputPlane", "nOutputPlane", "kT", "kW", "kH", "dT", "dW", "dH", "padT", "padW", "padH"))
    dt = S.dtype_of(m)
    f.update(finput=torch.empty(0, dtype=dt), fgradInput=torch.empty(0, dtype=dt))
    if isinstance(m, nn.VolumetricFullConvolution):
        f.update(**_nums(m, "adjT", "adjW", "adjH"), ones=torch.empty(0, dtype=dt))
    if isinstance(m, nn.VolumetricDilatedConvolution):
        f.update(**_nums(m, "dilationT", "dilationW", "dilationH"))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialMaxPooling)  # and SpatialDilatedMaxPooling
def _max_pool(S, m):
    f = dict(
        **_nums(m, "kW", "kH", "dW", "dH", "padW", "padH"),
        ceil_mode=bool(m.ceil_mode),
        indices=torch.empty(0, dtype=torch.int64),
    )
    if isinstance(m, nn.SpatialDilatedMaxPooling):
        f.update(**_nums(m, "dilationW", "dilationH"))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialAveragePooling)
def _avg_pool(S, m):
    return S.base(
        m,
        "nn.SpatialAveragePooling",
        dict(
            **_nums(m, "kW", "kH", "dW", "dH", "padW", "padH"),
            ceil_mode=bool(m.ceil_mode),
            count_include_pad=bool(m.count_include_pad),
            divide=bool(m.divide),
        ),
    )


@register_saver(nn.SpatialAdaptiveMaxPooling)  # and SpatialAdaptiveAveragePooling
def _adaptive_pool(S, m):
    f = {"W": _f(m.W), "H": _f(m.H)}
    if isinstance(m, nn.SpatialAdaptiveMaxPooling) and not isinstance(m, nn.SpatialAdaptiveAveragePooling):
        f["indices"] = torch.empty(0, dtype=torch.int64)
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialMaxUnpooling)
def _unpool(S, m):
    return S.base(m, "nn.SpatialMaxUnpooling", {"pooling": S.module(m.pooling)})


@register_saver(nn.TemporalMaxPooling)
def _temporal_pool(S, m):
    return S.base(m, "nn.TemporalMaxPooling", {"kW": _f(m.kW), "dW": _f(m.dW)})


@register_saver(nn.VolumetricMaxPooling, nn.VolumetricAveragePooling)  # and VolumetricDilatedMaxPooling
def _volumetric_pool(S, m):
    f = dict(
        **_nums(m, "kT", "kW", "kH", "dT", "dW", "dH", "padT", "padW", "padH"),
        ceil_mode=bool(m.ceil_mode),
    )
    if isinstance(m, nn.VolumetricMaxPooling):
        f["indices"] = torch.empty(0, dtype=torch.int64)
    else:
        f["count_include_pad"] = bool(m.count_include_pad)
    if isinstance(m, nn.VolumetricDilatedMaxPooling):
        f.update(**_nums(m, "dilationT", "dilationW", "dilationH"))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialZeroPadding, nn.SpatialReflectionPadding, nn.SpatialReplicationPadding)
def _padding(S, m):
    return S.base(m, "nn." + type(m).__name__, dict(**_nums(m, "pad_l", "pad_r", "pad_t", "pad_b")))


@register_saver(nn.SpatialUpSamplingNearest)
def _upsampling_nearest(S, m):
    return S.base(m, "nn.SpatialUpSamplingNearest", {"scale_factor": _f(m.scale_factor), **_size_buffers()})


def _size_buffers() -> dict:
    """The LongStorage(4) fields Lua's up-sampling constructors allocate and forward fills."""
    return {"inputSize": _long_storage([0] * 4), "outputSize": _long_storage([0] * 4)}


@register_saver(nn.SpatialUpSamplingBilinear)
def _upsampling_bilinear(S, m):
    if m.scale_factor is not None:
        return S.base(m, "nn.SpatialUpSamplingBilinear", {"scale_factor": _f(m.scale_factor), **_size_buffers()})
    return S.base(
        m, "nn.SpatialUpSamplingBilinear", {"oheight": _f(m.oheight), "owidth": _f(m.owidth), **_size_buffers()}
    )


@register_saver(nn.BatchNormalization)  # and SpatialBatchNormalization
def _batchnorm(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(
        _nums(m, "eps", "momentum"),
        running_mean=m.running_mean.detach().cpu().clone(),
        running_var=m.running_var.detach().cpu().clone(),
        affine=bool(m.affine),
    )
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialDropout)
def _spatial_dropout(S, m):
    noise = m.noise if isinstance(m.noise, torch.Tensor) else torch.empty(0)
    return S.base(
        m,
        "nn.SpatialDropout",
        {"p": _f(m.p), "stochastic_inference": bool(m.stochastic_inference), "noise": noise.detach().cpu()},
    )


@register_saver(nn.SpatialCrossMapLRN)
def _lrn(S, m):
    return S.base(m, "nn.SpatialCrossMapLRN", {"size": _f(m.size), "alpha": m.alpha, "beta": m.beta, "k": m.k})


@register_saver(nn.SpatialSoftMax)
def _spatial_softmax(S, m):
    return S.base(m, "nn.SpatialSoftMax")


@register_saver(nn.Normalize)
def _normalize(S, m):
    return S.base(m, "nn.Normalize", {"p": m.p, "eps": m.eps})


@register_saver(nn.DepthConcat)
def _depth_concat(S, m):
    return S.base(m, "nn.DepthConcat", {"modules": [S.module(c) for c in m], "dimension": _f(m.dimension)})


def _estimator(S, m, prefix: str, square: bool) -> TorchObject:
    """Lua's mean/std estimator: an nn.Sequential of [Square,] SpatialZeroPadding, the
    convolution(s) holding ``m``'s weights, Replicate over the planes[, Sqrt]."""
    n = m.nInputPlane
    w1, w2 = getattr(m, f"{prefix}1"), getattr(m, f"{prefix}2")
    seq = nn.Sequential()
    if square:
        seq.add(nn.Square())
    seq.add(nn.SpatialZeroPadding(*m._pads()))
    with torch.no_grad():
        if w2 is None:  # one 2-D kernel
            conv = nn.SpatialConvolution(n, 1, w1.shape[3], w1.shape[2]).to(w1.dtype)
            conv.weight.copy_(w1)
            conv.bias.zero_()
            seq.add(conv)
        else:  # rows per plane (oneToOne map), then columns over the planes
            k = w1.shape[3]
            rows = nn.SpatialConvolutionMap(torch.arange(1, n + 1).repeat_interleave(2).view(n, 2), k, 1)
            rows = rows.to(w1.dtype)
            rows.weight.copy_(w1.view(n, 1, k))
            rows.bias.zero_()
            cols = nn.SpatialConvolution(n, 1, 1, w2.shape[2]).to(w2.dtype)
            cols.weight.copy_(w2)
            cols.bias.zero_()
            seq.add(rows).add(cols)
    seq.add(nn.Replicate(n, 1, 3))
    if square:
        seq.add(nn.Sqrt())
    return S.module(seq)


def _kernel(m, prefix: str) -> torch.Tensor:
    w1, w2 = getattr(m, f"{prefix}1"), getattr(m, f"{prefix}2")
    return (w1[0, 0] if w2 is None else w1[0, 0, 0]).detach().cpu().clone()


@register_saver(nn.SpatialSubtractiveNormalization)
def _subtractive(S, m):
    dt = S.dtype_of(m)
    return S.base(
        m,
        "nn.SpatialSubtractiveNormalization",
        {
            "nInputPlane": _f(m.nInputPlane),
            "kernel": _kernel(m, "mean").to(dt),
            "meanestimator": _estimator(S, m, "mean", False),
            "subtractor": S.module(nn.CSubTable()),
            "divider": S.module(nn.CDivTable()),
            "coef": torch.zeros(1, 1, 1, dtype=dt),
        },
    )


@register_saver(nn.SpatialDivisiveNormalization)
def _divisive(S, m):
    dt = S.dtype_of(m)
    # nn.Threshold is written directly: it is not part of this module's zoo
    thresholder = TorchObject(
        "nn.Threshold",
        LuaTable(
            threshold=m.threshold,
            val=m.thresval,
            inplace=False,
            output=torch.empty(0, dtype=dt),
            gradInput=torch.empty(0, dtype=dt),
            train=bool(m.training),
            _type=_TYPE_NAMES.get(dt, "torch.DoubleTensor"),
        ),
    )
    return S.base(
        m,
        "nn.SpatialDivisiveNormalization",
        {
            "nInputPlane": _f(m.nInputPlane),
            "kernel": _kernel(m, "std").to(dt),
            "threshold": m.threshold,
            "thresval": m.thresval,
            "meanestimator": _estimator(S, m, "mean", False),
            "stdestimator": _estimator(S, m, "std", True),
            "normalizer": S.module(nn.CDivTable()),
            "divider": S.module(nn.CDivTable()),
            "thresholder": thresholder,
            "coef": torch.zeros(1, 1, 1, dtype=dt),
        },
    )


@register_saver(nn.SpatialContrastiveNormalization)
def _contrastive(S, m):
    sub = m.normalizer[0]
    return S.base(
        m,
        "nn.SpatialContrastiveNormalization",
        {
            "nInputPlane": _f(m.nInputPlane),
            "kernel": _kernel(sub, "mean").to(S.dtype_of(m)),
            "threshold": m.threshold,
            "thresval": m.thresval,
            "normalizer": S.module(m.normalizer),
        },
    )


@register_saver(nn.SpatialConvolutionLocal)
def _conv_local(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(
        {
            k: _f(getattr(m, k))
            for k in ("nInputPlane", "nOutputPlane", "iW", "iH", "kW", "kH", "dW", "dH", "padW", "padH", "oW", "oH")
        }
    )
    return S.base(m, "nn.SpatialConvolutionLocal", f)


@register_saver(nn.VolumetricReplicationPadding)
def _volumetric_replication_padding(S, m):
    return S.base(
        m,
        "nn.VolumetricReplicationPadding",
        _nums(m, "pleft", "pright", "ptop", "pbottom", "pfront", "pback"),
    )


@register_saver(nn.SpatialFractionalMaxPooling)
def _fractional_max_pool(S, m):
    f = {"poolSizeW": _f(m.poolSizeW), "poolSizeH": _f(m.poolSizeH), "newRandomPool": m.newRandomPool}
    if m.outW is not None:
        f.update(**_nums(m, "outW", "outH"))
    else:
        f.update(ratioW=m.ratioW, ratioH=m.ratioH)
    if m.randomSamples is not None:
        f["randomSamples"] = m.randomSamples.detach().cpu().clone()
    return S.base(m, "nn.SpatialFractionalMaxPooling", f)
