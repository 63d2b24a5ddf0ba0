"""``load_t7`` loaders for the convolutional half of Lua nn: convolutions, pooling,
padding, up-sampling, batch/local normalisation, SpatialDropout, DepthConcat.

Imported by :mod:`pygraphnn.lua.classes.load` (which registers every loader); each reads the
Lua fields, checks the weights' shapes against them and builds the module without
drawing random numbers (it is built small, then given the file's values). Old field
layouts load as Lua's own back-compatibility code reads them: a 2-D
SpatialConvolution weight, ``padding`` for ``padW``/``padH``, BatchNormalization's
``running_std``, VolumetricFullConvolution's pre-``adj`` weight layout, pooling
modules saved before ``ceil_mode`` existed.
"""

from __future__ import annotations

import torch

from ... import nn
from ..format.t7 import LuaTable, TorchObject
from .load import _fail, register_loader


def _int(L, obj, path, name, default=...):
    return L.field(obj, name, path, "int", default)


def _conv_params(L, obj, path, m, weight_shape: tuple, n_out: int, accept_2d: bool = False):
    """Give ``m`` the file's weight (shape ``weight_shape``; a 2-D weight of as many
    elements too when ``accept_2d``) and optional bias (``n_out``)."""
    w = L.field(obj, "weight", path, "tensor")
    if accept_2d and w.dim() == 2 and w.numel() == torch.Size(weight_shape).numel():
        p = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
        grad = p.grad
        p = torch.nn.Parameter(p.detach().reshape(weight_shape))
        if grad is not None:
            p.grad = grad.reshape(weight_shape)
        m.weight = p
    else:
        m.weight = L.param(obj, "weight", path, weight_shape, "gradWeight")
    if obj.state.get("bias") is not None:
        m.bias = L.param(obj, "bias", path, (n_out,), "gradBias")
    else:
        m.bias = None
    return m


def _spatial_pads(L, obj, path) -> tuple[int, int]:
    if obj.state.get("padding") is not None:  # nn before padW/padH
        pad = _int(L, obj, path, "padding")
        return pad, pad
    return _int(L, obj, path, "padW", 0), _int(L, obj, path, "padH", 0)


@register_loader("nn.SpatialConvolution", "nn.SpatialConvolutionMM", "nn.SpatialDilatedConvolution")
def _spatial_conv(L, obj, path):
    cls = getattr(nn, obj.class_name[3:])
    n_in, n_out = _int(L, obj, path, "nInputPlane"), _int(L, obj, path, "nOutputPlane")
    kW, kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m = cls(1, 1, 1, 1)
    m.nInputPlane, m.nOutputPlane, m.kW, m.kH = n_in, n_out, kW, kH
    m.dW, m.dH = _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1)
    m.padW, m.padH = _spatial_pads(L, obj, path)
    m.groups = _int(L, obj, path, "groups", 1)  # cudnn.SpatialConvolution's grouped convolution
    if n_in % m.groups or n_out % m.groups:
        raise _fail(
            f"{obj.class_name}: nInputPlane {n_in} and nOutputPlane {n_out} are not multiples of groups {m.groups}",
            path + ["groups"],
        )
    if cls is nn.SpatialDilatedConvolution:
        m.dilationW, m.dilationH = _int(L, obj, path, "dilationW", 1), _int(L, obj, path, "dilationH", 1)
    return _conv_params(L, obj, path, m, m._weight_shape(), n_out, accept_2d=cls is not nn.SpatialConvolutionMM)


@register_loader("nn.SpatialFullConvolution")
def _full_conv(L, obj, path):
    m = nn.SpatialFullConvolution(1, 1, 1, 1)
    m.nInputPlane, m.nOutputPlane = _int(L, obj, path, "nInputPlane"), _int(L, obj, path, "nOutputPlane")
    m.kW, m.kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m.dW, m.dH = _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1)
    m.padW, m.padH = _int(L, obj, path, "padW", 0), _int(L, obj, path, "padH", 0)
    m.adjW, m.adjH = _int(L, obj, path, "adjW", 0), _int(L, obj, path, "adjH", 0)
    return _conv_params(L, obj, path, m, (m.nInputPlane, m.nOutputPlane, m.kH, m.kW), m.nOutputPlane)


@register_loader("nn.TemporalConvolution")
def _temporal_conv(L, obj, path):
    m = nn.TemporalConvolution(1, 1, 1)
    m.inputFrameSize, m.outputFrameSize = _int(L, obj, path, "inputFrameSize"), _int(L, obj, path, "outputFrameSize")
    m.kW, m.dW = _int(L, obj, path, "kW"), _int(L, obj, path, "dW", 1)
    return _conv_params(L, obj, path, m, (m.outputFrameSize, m.kW * m.inputFrameSize), m.outputFrameSize)


def _volumetric_sizes(L, obj, path, m, pad_names=("padT", "padW", "padH")):
    m.nInputPlane, m.nOutputPlane = _int(L, obj, path, "nInputPlane"), _int(L, obj, path, "nOutputPlane")
    m.kT, m.kW, m.kH = _int(L, obj, path, "kT"), _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m.dT, m.dW, m.dH = _int(L, obj, path, "dT", 1), _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1)
    m.padT, m.padW, m.padH = (_int(L, obj, path, n, 0) for n in pad_names)


@register_loader("nn.VolumetricConvolution")
def _volumetric_conv(L, obj, path):
    m = nn.VolumetricConvolution(1, 1, 1, 1, 1)
    _volumetric_sizes(L, obj, path, m)
    return _conv_params(
        L, obj, path, m, (m.nOutputPlane, m.nInputPlane, m.kT, m.kH, m.kW), m.nOutputPlane, accept_2d=True
    )


@register_loader("nn.VolumetricDilatedConvolution")
def _volumetric_dilated_conv(L, obj, path):
    m = nn.VolumetricDilatedConvolution(1, 1, 1, 1, 1)
    _volumetric_sizes(L, obj, path, m)
    m.dilationT, m.dilationW, m.dilationH = (_int(L, obj, path, n, 1) for n in ("dilationT", "dilationW", "dilationH"))
    return _conv_params(L, obj, path, m, (m.nOutputPlane, m.nInputPlane, m.kT, m.kH, m.kW), m.nOutputPlane)


@register_loader("nn.SpatialConvolutionMap")
def _conv_map(L, obj, path):
    table = L.field(obj, "connTable", path, "tensor")
    if table.dim() != 2 or table.shape[1] != 2 or table.numel() == 0:
        raise _fail(
            f"nn.SpatialConvolutionMap.connTable should be an nConnections x 2 tensor, got shape {tuple(table.shape)}",
            path + ["connTable"],
        )
    kW, kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m = nn.SpatialConvolutionMap(torch.ones(1, 2), 1, 1, _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1))
    m.connTable = table.detach().double().clone()
    m.kW, m.kH = kW, kH
    m.nInputPlane, m.nOutputPlane = int(table[:, 0].max()), int(table[:, 1].max())
    m.weight = L.param(obj, "weight", path, (table.shape[0], kH, kW), "gradWeight")
    m.bias = L.param(obj, "bias", path, (m.nOutputPlane,), "gradBias")
    return m


@register_loader("nn.SpatialSubSampling")
def _subsampling(L, obj, path):
    n = _int(L, obj, path, "nInputPlane")
    m = nn.SpatialSubSampling(1, 1, 1)
    m.nInputPlane = n
    m.kW, m.kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m.dW, m.dH = _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1)
    return _conv_params(L, obj, path, m, (n,), n)


@register_loader("nn.TemporalSubSampling")
def _temporal_subsampling(L, obj, path):
    n = _int(L, obj, path, "inputFrameSize")
    m = nn.TemporalSubSampling(1, 1)
    m.inputFrameSize, m.kW, m.dW = n, _int(L, obj, path, "kW"), _int(L, obj, path, "dW", 1)
    return _conv_params(L, obj, path, m, (n,), n)


@register_loader("nn.VolumetricFullConvolution")
def _volumetric_full_conv(L, obj, path):
    m = nn.VolumetricFullConvolution(1, 1, 1, 1, 1)
    old = obj.state.get("adjW") is None  # files before adj: weight stored nOut x nIn x ...
    _volumetric_sizes(
        L, obj, path, m, ("padT", "padW", "padH") if obj.state.get("padW") is not None else ("pT", "pW", "pH")
    )
    m.adjT, m.adjW, m.adjH = (_int(L, obj, path, n, 0) for n in ("adjT", "adjW", "adjH"))
    shape = (m.nInputPlane, m.nOutputPlane, m.kT, m.kH, m.kW)
    if old:
        w = L.field(obj, "weight", path, "tensor")
        swapped = (shape[1], shape[0]) + shape[2:]
        if tuple(w.shape) != swapped:
            raise _fail(
                f"nn.VolumetricFullConvolution.weight has shape {tuple(w.shape)}, expected {swapped} "
                f"(an old file without adjW)",
                path + ["weight"],
            )
        m.weight = torch.nn.Parameter(w.detach().transpose(0, 1).contiguous())
        has_bias = obj.state.get("bias") is not None
        m.bias = L.param(obj, "bias", path, (m.nOutputPlane,), "gradBias") if has_bias else None
        return m
    return _conv_params(L, obj, path, m, shape, m.nOutputPlane)


# ---------------------------------------------------------------------------- pooling


def _ceil(L, obj, path, m):
    m.ceil_mode = L.field(obj, "ceil_mode", path, "bool", False)
    return m


@register_loader("nn.SpatialMaxPooling")
def _max_pool(L, obj, path):
    kW, kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m = nn.SpatialMaxPooling(
        kW, kH, _int(L, obj, path, "dW", kW), _int(L, obj, path, "dH", kH), *_spatial_pads(L, obj, path)
    )
    return _ceil(L, obj, path, m)


@register_loader("nn.SpatialDilatedMaxPooling")
def _dilated_max_pool(L, obj, path):
    m = _max_pool(L, obj, path)
    d = nn.SpatialDilatedMaxPooling(
        m.kW, m.kH, m.dW, m.dH, m.padW, m.padH, _int(L, obj, path, "dilationW", 1), _int(L, obj, path, "dilationH", 1)
    )
    d.ceil_mode = m.ceil_mode
    return d


@register_loader("nn.SpatialLPPooling")
def _lp_pooling(L, obj, path):
    kW, kH = _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m = nn.SpatialLPPooling(1, 2, kW, kH, _int(L, obj, path, "dW", kW), _int(L, obj, path, "dH", kH))
    m._reset_children(L.modules_list(obj, path))  # Lua's own Square/Power, pooling, ... as stored
    return m


@register_loader("nn.SpatialAveragePooling")
def _avg_pool(L, obj, path):
    old = obj.state.get("ceil_mode") is None  # Lua resets padding for files from before ceil_mode
    m = nn.SpatialAveragePooling(
        _int(L, obj, path, "kW"),
        _int(L, obj, path, "kH"),
        _int(L, obj, path, "dW", 1),
        _int(L, obj, path, "dH", 1),
        *((0, 0) if old else _spatial_pads(L, obj, path)),
    )
    _ceil(L, obj, path, m)
    m.count_include_pad = True if old else L.field(obj, "count_include_pad", path, "bool", True)
    m.divide = L.field(obj, "divide", path, "bool", True)
    return m


@register_loader("nn.SpatialAdaptiveMaxPooling", "nn.SpatialAdaptiveAveragePooling")
def _adaptive_pool(L, obj, path):
    return getattr(nn, obj.class_name[3:])(_int(L, obj, path, "W"), _int(L, obj, path, "H"))


@register_loader("nn.SpatialMaxUnpooling")
def _unpool(L, obj, path):
    pool = L.field(obj, "pooling", path, "module")
    if not isinstance(pool, nn.SpatialMaxPooling):
        raise _fail(
            f"nn.SpatialMaxUnpooling.pooling should be an nn.SpatialMaxPooling, got {type(pool).__name__}",
            path + ["pooling"],
        )
    return nn.SpatialMaxUnpooling(pool)


@register_loader("nn.TemporalMaxPooling")
def _temporal_pool(L, obj, path):
    kW = _int(L, obj, path, "kW")
    return nn.TemporalMaxPooling(kW, _int(L, obj, path, "dW", kW))


@register_loader("nn.VolumetricMaxPooling", "nn.VolumetricAveragePooling", "nn.VolumetricDilatedMaxPooling")
def _volumetric_pool(L, obj, path):
    kT, kW, kH = _int(L, obj, path, "kT"), _int(L, obj, path, "kW"), _int(L, obj, path, "kH")
    m = getattr(nn, obj.class_name[3:])(
        kT,
        kW,
        kH,
        _int(L, obj, path, "dT", kT),
        _int(L, obj, path, "dW", kW),
        _int(L, obj, path, "dH", kH),
        _int(L, obj, path, "padT", 0),
        _int(L, obj, path, "padW", 0),
        _int(L, obj, path, "padH", 0),
    )
    _ceil(L, obj, path, m)
    if isinstance(m, nn.VolumetricAveragePooling):
        m.count_include_pad = L.field(obj, "count_include_pad", path, "bool", True)
    if isinstance(m, nn.VolumetricDilatedMaxPooling):
        m.dilationT, m.dilationW, m.dilationH = (
            _int(L, obj, path, n, 1) for n in ("dilationT", "dilationW", "dilationH")
        )
    return m


# ------------------------------------------------------------------ padding, up-sampling


@register_loader("nn.SpatialZeroPadding", "nn.SpatialReflectionPadding", "nn.SpatialReplicationPadding")
def _padding(L, obj, path):
    left = _int(L, obj, path, "pad_l")
    return getattr(nn, obj.class_name[3:])(
        left, _int(L, obj, path, "pad_r", left), _int(L, obj, path, "pad_t", left), _int(L, obj, path, "pad_b", left)
    )


@register_loader("nn.SpatialUpSamplingNearest")
def _upsampling_nearest(L, obj, path):
    return nn.SpatialUpSamplingNearest(_int(L, obj, path, "scale_factor"))


@register_loader("nn.SpatialUpSamplingBilinear")
def _upsampling_bilinear(L, obj, path):
    scale = _int(L, obj, path, "scale_factor", None)
    if scale is not None:
        return nn.SpatialUpSamplingBilinear(scale)
    return nn.SpatialUpSamplingBilinear(oheight=_int(L, obj, path, "oheight"), owidth=_int(L, obj, path, "owidth"))


# --------------------------------------------------------------------- normalisation


@register_loader("nn.BatchNormalization", "nn.SpatialBatchNormalization")
def _batchnorm(L, obj, path):
    mean = L.field(obj, "running_mean", path, "tensor")
    if mean.dim() != 1 or not mean.is_floating_point():
        raise _fail(
            f"{obj.class_name}.running_mean should be a floating-point vector, got {tuple(mean.shape)} {mean.dtype}",
            path + ["running_mean"],
        )
    n = mean.shape[0]
    eps = L.field(obj, "eps", path, "num", 1e-5)
    if obj.state.get("running_var") is not None:
        var = L.field(obj, "running_var", path, "tensor").detach().clone()
    else:  # nn before BatchNormalization version 2 kept 1/sqrt(var + eps); Lua's read converts
        std = L.field(obj, "running_std", path, "tensor")
        var = std.detach().pow(-2).add(-eps)
    w = obj.state.get("weight")
    if tuple(var.shape) != (n,) and isinstance(w, torch.Tensor) and tuple(w.shape) == tuple(var.shape):
        # weight and running_var agree, so running_mean is the odd one out
        raise _fail(
            f"{obj.class_name}.running_mean has shape ({n},), expected {tuple(var.shape)} like running_var and weight",
            path + ["running_mean"],
        )
    if tuple(var.shape) != (n,):
        raise _fail(
            f"{obj.class_name}.running_var has shape {tuple(var.shape)}, expected ({n},)", path + ["running_var"]
        )
    has_weight = obj.state.get("weight") is not None
    affine = L.field(obj, "affine", path, "bool", has_weight)
    m = getattr(nn, obj.class_name[3:])(1, eps, L.field(obj, "momentum", path, "num", 0.1), False)
    m.affine = affine
    m.running_mean = mean.detach().clone()
    m.running_var = var.to(mean.dtype)
    if has_weight:
        m.weight = L.param(obj, "weight", path, (n,), "gradWeight")
    if obj.state.get("bias") is not None:
        m.bias = L.param(obj, "bias", path, (n,), "gradBias")
    return m


@register_loader("nn.SpatialDropout")
def _spatial_dropout(L, obj, path):
    m = nn.SpatialDropout(
        L.field(obj, "p", path, "num", 0.5), L.field(obj, "stochastic_inference", path, "bool", False)
    )
    noise = obj.state.get("noise")
    if isinstance(noise, torch.Tensor):
        m.noise = noise.clone()
    return m


@register_loader("nn.SpatialCrossMapLRN")
def _lrn(L, obj, path):
    size = _int(L, obj, path, "size")
    if size % 2 == 0:
        raise _fail(
            f"nn.SpatialCrossMapLRN with an even size ({size}) is not supported (Lua's CPU code "
            f"computes it with fractional channel offsets)",
            path + ["size"],
        )
    return nn.SpatialCrossMapLRN(
        size,
        L.field(obj, "alpha", path, "num", 1e-4),
        L.field(obj, "beta", path, "num", 0.75),
        L.field(obj, "k", path, "num", 1.0),
    )


@register_loader("nn.SpatialSoftMax")
def _spatial_softmax(L, obj, path):
    return nn.SpatialSoftMax()


@register_loader("nn.Normalize")
def _normalize(L, obj, path):
    return nn.Normalize(L.field(obj, "p", path, "num"), L.field(obj, "eps", path, "num", 1e-10))


def _estimator_weights(L, obj, name, path, n, first_conv: int) -> list[torch.Tensor]:
    """The convolution weights of a Subtractive/Divisive estimator (``nn.Sequential``
    of padding, convolution(s), Replicate...), read from the file without running it."""
    seq = obj.state.get(name)
    where = path + [name]
    mods = seq.state.get("modules") if isinstance(seq, TorchObject) else None
    if not isinstance(mods, LuaTable) or not mods.is_list():
        raise _fail(f"{obj.class_name}.{name} should be an nn.Sequential", where)
    mods = mods.to_list()
    conv = mods[first_conv - 1] if len(mods) >= first_conv else None
    if not isinstance(conv, TorchObject):
        raise _fail(f"{obj.class_name}.{name} lacks its convolution", where + ["modules", first_conv])
    cw = conv.state.get("weight")
    if conv.class_name == "nn.SpatialConvolution" and isinstance(cw, torch.Tensor):  # one 2-D kernel
        return [cw.reshape(1, n, int(conv.state["kH"]), int(conv.state["kW"]))]
    if conv.class_name == "nn.SpatialConvolutionMap" and isinstance(cw, torch.Tensor):  # rows, then columns
        col = mods[first_conv] if len(mods) > first_conv else None
        colw = col.state.get("weight") if isinstance(col, TorchObject) else None
        if not isinstance(colw, torch.Tensor):
            raise _fail(f"{obj.class_name}.{name} lacks its column convolution", where + ["modules", first_conv + 1])
        k = cw.shape[-1]
        return [cw.reshape(n, 1, 1, k), colw.reshape(1, n, colw.numel() // n, 1)]
    raise _fail(
        f"{obj.class_name}.{name}.modules[{first_conv}] is a {conv.class_name}, expected a convolution",
        where + ["modules", first_conv],
    )


@register_loader("nn.SpatialSubtractiveNormalization")
def _subtractive(L, obj, path):
    n = _int(L, obj, path, "nInputPlane", 1)
    m = nn.SpatialSubtractiveNormalization(n, torch.ones(1))
    m._set_weights("mean", _estimator_weights(L, obj, "meanestimator", path, n, 2))
    return m


@register_loader("nn.SpatialDivisiveNormalization")
def _divisive(L, obj, path):
    n = _int(L, obj, path, "nInputPlane", 1)
    th = L.field(obj, "threshold", path, "num", 1e-4)
    m = nn.SpatialDivisiveNormalization(n, torch.ones(1), th, L.field(obj, "thresval", path, "num", th))
    m._set_weights("mean", _estimator_weights(L, obj, "meanestimator", path, n, 2))
    m._set_weights("std", _estimator_weights(L, obj, "stdestimator", path, n, 3))
    return m


@register_loader("nn.SpatialContrastiveNormalization")
def _contrastive(L, obj, path):
    n = _int(L, obj, path, "nInputPlane", 1)
    th = L.field(obj, "threshold", path, "num", 1e-4)
    m = nn.SpatialContrastiveNormalization(n, torch.ones(1), th, L.field(obj, "thresval", path, "num", th))
    norm = L.field(obj, "normalizer", path, "module")
    if not (
        isinstance(norm, nn.Sequential)
        and len(norm) == 2
        and isinstance(norm[0], nn.SpatialSubtractiveNormalization)
        and isinstance(norm[1], nn.SpatialDivisiveNormalization)
    ):
        raise _fail(
            "nn.SpatialContrastiveNormalization.normalizer should be an nn.Sequential of a "
            "SpatialSubtractiveNormalization and a SpatialDivisiveNormalization",
            path + ["normalizer"],
        )
    m.normalizer = norm
    return m


# ------------------------------------------------------------------------ containers


@register_loader("nn.DepthConcat")
def _depth_concat(L, obj, path):
    c = nn.DepthConcat(_int(L, obj, path, "dimension"))
    for m in L.modules_list(obj, path):
        c.add(m)
    return c


@register_loader("nn.SpatialConvolutionLocal")
def _conv_local(L, obj, path):
    sizes = [_int(L, obj, path, n) for n in ("nInputPlane", "nOutputPlane", "iW", "iH", "kW", "kH")]
    m = nn.SpatialConvolutionLocal(1, 1, 1, 1, 1, 1)
    m.nInputPlane, m.nOutputPlane, m.iW, m.iH, m.kW, m.kH = sizes
    m.dW, m.dH = _int(L, obj, path, "dW", 1), _int(L, obj, path, "dH", 1)
    m.padW = _int(L, obj, path, "padW", 0)
    m.padH = _int(L, obj, path, "padH", m.padW)
    m.oW = (2 * m.padW + m.iW - m.kW) // m.dW + 1
    m.oH = (2 * m.padH + m.iH - m.kH) // m.dH + 1
    if (_int(L, obj, path, "oW", m.oW), _int(L, obj, path, "oH", m.oH)) != (m.oW, m.oH):
        raise _fail(
            f"nn.SpatialConvolutionLocal: stored oW x oH does not follow from its sizes (expected {m.oW} x {m.oH})",
            path,
        )
    # Lua keeps the weight 6-D between calls (a 3-D view only inside updateOutput)
    m.weight = L.param(obj, "weight", path, (m.oH, m.oW, m.nOutputPlane, m.nInputPlane, m.kH, m.kW), "gradWeight")
    m.bias = L.param(obj, "bias", path, (m.nOutputPlane, m.oH, m.oW), "gradBias")
    return m


@register_loader("nn.VolumetricReplicationPadding")
def _volumetric_replication_padding(L, obj, path):
    left = _int(L, obj, path, "pleft")
    return nn.VolumetricReplicationPadding(
        left, *(_int(L, obj, path, n, left) for n in ("pright", "ptop", "pbottom", "pfront", "pback"))
    )


@register_loader("nn.SpatialFractionalMaxPooling")
def _fractional_max_pool(L, obj, path):
    pw, ph = _int(L, obj, path, "poolSizeW"), _int(L, obj, path, "poolSizeH")
    if obj.state.get("outW") is not None:
        m = nn.SpatialFractionalMaxPooling(pw, ph, _int(L, obj, path, "outW"), _int(L, obj, path, "outH"))
    else:
        m = nn.SpatialFractionalMaxPooling(
            pw, ph, L.field(obj, "ratioW", path, "num"), L.field(obj, "ratioH", path, "num")
        )
    m.newRandomPool = L.field(obj, "newRandomPool", path, "bool", False)
    samples = obj.state.get("randomSamples")
    if samples is not None:
        samples = L.field(obj, "randomSamples", path, "tensor")
        if samples.dim() != 3 or samples.shape[2] != 2 or not samples.is_floating_point():
            raise _fail(
                f"nn.SpatialFractionalMaxPooling.randomSamples should be a batch x planes x 2 "
                f"floating-point tensor, got {tuple(samples.shape)} {samples.dtype}",
                path + ["randomSamples"],
            )
        m.randomSamples = samples.clone()
    return m
