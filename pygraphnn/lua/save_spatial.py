"""``save_t7`` savers for the convolutional half of the zoo: each module is written with
Lua nn's class name and the fields Lua's code reads (sizes, strides, padding, modes,
weights and their gradients, running statistics), so Lua's ``torch.load`` gives a module
that computes the same. Imported by :mod:`pygraphnn.lua.save`.

Not written (``SaveError``): the Spatial{Subtractive,Divisive,Contrastive}Normalization
modules, whose Lua objects hold whole sub-networks.
"""
from __future__ import annotations

import torch

from .. import nn
from .save import SaveError, register_saver


def _f(v) -> float:
    return float(v)


@register_saver(nn.SpatialConvolution, nn.SpatialConvolutionMM, nn.SpatialDilatedConvolution)
def _spatial_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(nInputPlane=_f(m.nInputPlane), nOutputPlane=_f(m.nOutputPlane), kW=_f(m.kW), kH=_f(m.kH),
             dW=_f(m.dW), dH=_f(m.dH), padW=_f(m.padW), padH=_f(m.padH))
    dt = S.dtype_of(m)
    f.update(finput=torch.empty(0, dtype=dt), fgradInput=torch.empty(0, dtype=dt))
    if isinstance(m, nn.SpatialDilatedConvolution):
        f.update(dilationW=_f(m.dilationW), dilationH=_f(m.dilationH))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialFullConvolution)
def _full_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(nInputPlane=_f(m.nInputPlane), nOutputPlane=_f(m.nOutputPlane), kW=_f(m.kW), kH=_f(m.kH),
             dW=_f(m.dW), dH=_f(m.dH), padW=_f(m.padW), padH=_f(m.padH), adjW=_f(m.adjW), adjH=_f(m.adjH),
             ones=torch.empty(0, dtype=S.dtype_of(m)))
    return S.base(m, "nn.SpatialFullConvolution", f)


@register_saver(nn.TemporalConvolution)
def _temporal_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(inputFrameSize=_f(m.inputFrameSize), outputFrameSize=_f(m.outputFrameSize), kW=_f(m.kW), dW=_f(m.dW))
    return S.base(m, "nn.TemporalConvolution", f)


@register_saver(nn.SpatialConvolutionMap)
def _conv_map(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(connTable=m.connTable.detach().cpu().to(S.dtype_of(m)), kW=_f(m.kW), kH=_f(m.kH), dW=_f(m.dW),
             dH=_f(m.dH), nInputPlane=_f(m.nInputPlane), nOutputPlane=_f(m.nOutputPlane))
    return S.base(m, "nn.SpatialConvolutionMap", f)


@register_saver(nn.SpatialSubSampling)
def _subsampling(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(nInputPlane=_f(m.nInputPlane), kW=_f(m.kW), kH=_f(m.kH), dW=_f(m.dW), dH=_f(m.dH))
    return S.base(m, "nn.SpatialSubSampling", f)


@register_saver(nn.TemporalSubSampling)
def _temporal_subsampling(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(inputFrameSize=_f(m.inputFrameSize), kW=_f(m.kW), dW=_f(m.dW))
    return S.base(m, "nn.TemporalSubSampling", f)


@register_saver(nn.SpatialLPPooling)
def _lp_pooling(S, m):
    return S.base(m, "nn.SpatialLPPooling", {"modules": [S.module(c) for c in m], "kW": _f(m.kW), "kH": _f(m.kH),
                                             "dW": _f(m.dW), "dH": _f(m.dH)})


@register_saver(nn.VolumetricConvolution, nn.VolumetricFullConvolution)   # and VolumetricDilatedConvolution
def _volumetric_conv(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(nInputPlane=_f(m.nInputPlane), nOutputPlane=_f(m.nOutputPlane), kT=_f(m.kT), kW=_f(m.kW),
             kH=_f(m.kH), dT=_f(m.dT), dW=_f(m.dW), dH=_f(m.dH), padT=_f(m.padT), padW=_f(m.padW), padH=_f(m.padH))
    dt = S.dtype_of(m)
    f.update(finput=torch.empty(0, dtype=dt), fgradInput=torch.empty(0, dtype=dt))
    if isinstance(m, nn.VolumetricFullConvolution):
        f.update(adjT=_f(m.adjT), adjW=_f(m.adjW), adjH=_f(m.adjH), ones=torch.empty(0, dtype=dt))
    if isinstance(m, nn.VolumetricDilatedConvolution):
        f.update(dilationT=_f(m.dilationT), dilationW=_f(m.dilationW), dilationH=_f(m.dilationH))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialMaxPooling)   # and SpatialDilatedMaxPooling
def _max_pool(S, m):
    f = dict(kW=_f(m.kW), kH=_f(m.kH), dW=_f(m.dW), dH=_f(m.dH), padW=_f(m.padW), padH=_f(m.padH),
             ceil_mode=bool(m.ceil_mode), indices=torch.empty(0, dtype=torch.int64))
    if isinstance(m, nn.SpatialDilatedMaxPooling):
        f.update(dilationW=_f(m.dilationW), dilationH=_f(m.dilationH))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialAveragePooling)
def _avg_pool(S, m):
    return S.base(m, "nn.SpatialAveragePooling", dict(
        kW=_f(m.kW), kH=_f(m.kH), dW=_f(m.dW), dH=_f(m.dH), padW=_f(m.padW), padH=_f(m.padH),
        ceil_mode=bool(m.ceil_mode), count_include_pad=bool(m.count_include_pad), divide=bool(m.divide)))


@register_saver(nn.SpatialAdaptiveMaxPooling)   # and SpatialAdaptiveAveragePooling
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


@register_saver(nn.VolumetricMaxPooling, nn.VolumetricAveragePooling)   # and VolumetricDilatedMaxPooling
def _volumetric_pool(S, m):
    f = dict(kT=_f(m.kT), kW=_f(m.kW), kH=_f(m.kH), dT=_f(m.dT), dW=_f(m.dW), dH=_f(m.dH), padT=_f(m.padT),
             padW=_f(m.padW), padH=_f(m.padH), ceil_mode=bool(m.ceil_mode))
    if isinstance(m, nn.VolumetricMaxPooling):
        f["indices"] = torch.empty(0, dtype=torch.int64)
    else:
        f["count_include_pad"] = bool(m.count_include_pad)
    if isinstance(m, nn.VolumetricDilatedMaxPooling):
        f.update(dilationT=_f(m.dilationT), dilationW=_f(m.dilationW), dilationH=_f(m.dilationH))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialZeroPadding, nn.SpatialReflectionPadding, nn.SpatialReplicationPadding)
def _padding(S, m):
    return S.base(m, "nn." + type(m).__name__, dict(pad_l=_f(m.pad_l), pad_r=_f(m.pad_r), pad_t=_f(m.pad_t),
                                                    pad_b=_f(m.pad_b)))


@register_saver(nn.SpatialUpSamplingNearest)
def _upsampling_nearest(S, m):
    return S.base(m, "nn.SpatialUpSamplingNearest", {"scale_factor": _f(m.scale_factor)})


@register_saver(nn.SpatialUpSamplingBilinear)
def _upsampling_bilinear(S, m):
    if m.scale_factor is not None:
        return S.base(m, "nn.SpatialUpSamplingBilinear", {"scale_factor": _f(m.scale_factor)})
    return S.base(m, "nn.SpatialUpSamplingBilinear", {"oheight": _f(m.oheight), "owidth": _f(m.owidth)})


@register_saver(nn.BatchNormalization)   # and SpatialBatchNormalization
def _batchnorm(S, m):
    f = S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"})
    f.update(running_mean=m.running_mean.detach().cpu().clone(), running_var=m.running_var.detach().cpu().clone(),
             eps=_f(m.eps), momentum=_f(m.momentum), affine=bool(m.affine))
    return S.base(m, "nn." + type(m).__name__, f)


@register_saver(nn.SpatialDropout)
def _spatial_dropout(S, m):
    noise = m.noise if isinstance(m.noise, torch.Tensor) else torch.empty(0)
    return S.base(m, "nn.SpatialDropout", {"p": _f(m.p), "stochastic_inference": bool(m.stochastic_inference),
                                           "noise": noise.detach().cpu()})


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


@register_saver(nn.SpatialSubtractiveNormalization, nn.SpatialDivisiveNormalization,
                nn.SpatialContrastiveNormalization)
def _local_normalization(S, m):
    raise SaveError(f"cannot save nn.{type(m).__name__}: its Lua object holds whole sub-networks "
                    f"(SpatialConvolutionMap, Replicate...) that pygraphnn does not write")
