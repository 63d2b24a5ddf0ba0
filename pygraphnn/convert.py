"""Out to plain PyTorch: replace pygraphnn's Lua-semantics modules by ordinary
``torch.nn`` modules with the same weights and the same output.

>>> import pygraphnn as ng
>>> from pygraphnn import nn
>>> net = nn.Sequential().add(nn.SpatialConvolution(3, 8, 3, 3, 1, 1, 1, 1)).add(nn.ReLU())
>>> ng.to_torch(net)
Sequential(
  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): ReLU()
)

What becomes what: convolutions -> ``Conv2d/3d`` / ``ConvTranspose2d/3d``, poolings ->
``MaxPool2d/3d`` / ``AvgPool2d/3d`` / ``Adaptive*Pool2d``, paddings -> ``ZeroPad2d`` /
``ReflectionPad2d`` / ``ReplicationPad2d``, ``SpatialUpSamplingNearest`` -> ``Upsample``,
(Spatial)BatchNormalization -> ``BatchNorm1d/2d`` (running statistics copied), Linear,
SpatialCrossMapLRN -> ``LocalResponseNorm``, Identity/Tanh/Sigmoid/ReLU/HardTanh/Clamp,
the activations LeakyReLU, ELU, PReLU, SoftPlus, SoftSign, SoftShrink, HardShrink,
Threshold, LogSigmoid, ReLU6, TanhShrink, GatedLinearUnit (-> ``GLU``),
SoftMax/LogSoftMax/SoftMin (dim 1), Dropout, View/Reshape (-> ``Flatten``/``Unflatten``),
``Sequential`` -> ``torch.nn.Sequential``, and a ``gModule`` -> a :class:`GraphModule`
whose forward is the gModule's generated code calling the converted modules.

Modules the gModule code generator writes as a torch expression (Exp, Log, Abs, Square,
MulConstant, AddConstant, Power, Mul, Add(scalar), SplitTable) become GraphModules
returning that expression. Containers and table modules torch.nn has no class for
(ConcatTable, ParallelTable, Concat, DepthConcat, CAddTable, CSubTable, CMulTable,
CDivTable, SelectTable, NarrowTable, SplitTable, JoinTable) become small GraphModules
too, and so do TemporalConvolution / TemporalMaxPooling (a ``Conv1d`` / ``MaxPool1d``
between two transposes: Lua's frames are rows), Bilinear (a ``torch.nn.Bilinear`` given
the pair's two tensors), CReLU, and Lua's ``Dropout(p, true)`` / stochastic-inference
Dropout (the same random ops as ours).

The plain modules follow PyTorch's conventions: inputs are **batches** (Lua's modules
also take a single sample and decide by its number of dimensions). Modules with no
exact plain counterpart (SpatialDropout's evaluate scaling, RReLU's Lua random stream,
Cosine / Euclidean / PairwiseDistance and their Lua epsilons, the other table modules,
Lua's bilinear up-sampling arithmetic, SpatialConvolutionMap...) are kept
as pygraphnn modules (their children converted) and named in a warning;
:func:`convert` returns the list.
"""

from __future__ import annotations

import copy
import dataclasses
import linecache
import re
import warnings
from collections.abc import Callable
from typing import Any

import torch

from . import nn
from .codegen import generate
from .gmodule import _check_inputs, _check_split, gModule

__all__ = ["CONVERTERS", "GraphModule", "convert", "to_torch"]

Converter = Callable[[torch.nn.Module, "_Converter"], "torch.nn.Module | None"]
#: pygraphnn class -> function ``(module, converter) -> plain module`` (None: keep ours)
CONVERTERS: dict[type, Converter] = {}


def _register(*classes: type):
    def deco(fn: Converter) -> Converter:
        for c in classes:
            CONVERTERS[c] = fn
        return fn

    return deco


def to_torch(model: torch.nn.Module, *, warn: bool = True) -> torch.nn.Module:
    """``model`` with every pygraphnn module replaced by its plain ``torch.nn``
    counterpart (a copy: ``model`` is untouched). Modules without an exact counterpart
    are kept (copies) and, when ``warn``, listed in one warning.

    >>> plain = to_torch(load_t7('legacy_convnet.t7').model)     # doctest: +SKIP
    """
    plain, kept = convert(model)
    if warn and kept:
        warnings.warn(
            f"to_torch kept {len(kept)} pygraphnn module(s) with no exact plain PyTorch equivalent: {', '.join(kept)}",
            stacklevel=2,
        )
    return plain


def convert(model: torch.nn.Module) -> tuple[torch.nn.Module, list[str]]:
    """``(plain module, labels of the modules kept as pygraphnn modules)``."""
    c = _Converter()
    return c.module(model), c.kept


class _Converter:
    def __init__(self) -> None:
        self.memo: dict[int, torch.nn.Module] = {}
        self.kept: list[str] = []

    def module(self, m: torch.nn.Module) -> torch.nn.Module:
        hit = self.memo.get(id(m))
        if hit is not None:
            return hit
        fn = None
        for cls in type(m).__mro__:
            fn = CONVERTERS.get(cls)
            if fn is not None:
                break
        out = fn(m, self) if fn is not None else _from_inline(m)
        if out is None:
            out = self.keep(m)
        else:
            out.train(m.training)
        self.memo[id(m)] = out
        return out

    def keep(self, m: torch.nn.Module) -> torch.nn.Module:
        """A copy of ``m`` whose children are converted; noted as kept when it is ours."""
        twin = copy.copy(m)
        twin._parameters = {k: (None if p is None else _param(p)) for k, p in m._parameters.items()}
        twin._buffers = {k: (None if b is None else b.detach().clone()) for k, b in m._buffers.items()}
        twin._modules = {k: (None if c is None else self.module(c)) for k, c in m._modules.items()}
        if type(m).__module__.startswith("pygraphnn"):
            label = getattr(m, "lua_label", None)
            # a container's label opens a multi-line block ("nn.MapTable {"): keep its name only
            self.kept.append((label() if callable(label) else type(m).__name__).split("\n")[0].removesuffix(" {"))
        return twin


def _from_inline(m: torch.nn.Module) -> GraphModule | None:
    """A module the gModule code generator inlines as a torch expression (``torch.exp(x)``,
    ``x * self.constant_scalar``) becomes a GraphModule returning that expression; the
    numbers and parameters it reads are copied onto it. None when it has no such form."""
    emit = getattr(m, "_inline", None)
    expr = emit(_SELF, ["input"], False) if emit is not None else None
    if expr is None:
        return None
    names = set(re.findall(re.escape(_SELF) + r"\.(\w+)", expr))
    if _SELF in re.sub(re.escape(_SELF) + r"\.\w+", "", expr):  # the module itself is called
        return None
    values = {n: getattr(m, n, None) for n in names}
    if not all(isinstance(v, (int, float, torch.nn.Parameter)) and not isinstance(v, bool) for v in values.values()):
        return None
    gm = GraphModule(f"def forward(self, input):\n    return {expr.replace(_SELF, 'self')}\n", {}, type(m).__name__)
    for n, v in values.items():
        if isinstance(v, torch.nn.Parameter):
            gm.register_parameter(n, _param(v))
        else:
            setattr(gm, n, v)
    return gm


_SELF = "__pygraphnn_self__"


def _param(p: torch.Tensor) -> torch.nn.Parameter:
    return torch.nn.Parameter(p.detach().clone(), requires_grad=p.requires_grad)


def _copy_params(dst: torch.nn.Module, **tensors: torch.Tensor | None) -> torch.nn.Module:
    dst = dst.to(dtype=next((t.dtype for t in tensors.values() if t is not None), torch.float32))
    with torch.no_grad():
        for name, t in tensors.items():
            if t is None:
                continue
            getattr(dst, name).copy_(t.detach().reshape(getattr(dst, name).shape))
    return dst


# ------------------------------------------------------------------------ convolutions


@_register(nn.SpatialConvolution)  # and MM, Dilated
def _conv2d(m, c):
    conv = torch.nn.Conv2d(
        m.nInputPlane,
        m.nOutputPlane,
        (m.kH, m.kW),
        (m.dH, m.dW),
        (m.padH, m.padW),
        (m.dilationH, m.dilationW),
        m.groups,
        bias=m.bias is not None,
    )
    return _copy_params(conv, weight=m.weight, bias=m.bias)


@_register(nn.SpatialFullConvolution)
def _conv_transpose2d(m, c):
    conv = torch.nn.ConvTranspose2d(
        m.nInputPlane,
        m.nOutputPlane,
        (m.kH, m.kW),
        (m.dH, m.dW),
        (m.padH, m.padW),
        (m.adjH, m.adjW),
        bias=m.bias is not None,
    )
    return _copy_params(conv, weight=m.weight, bias=m.bias)


@_register(nn.VolumetricConvolution)  # and VolumetricDilatedConvolution
def _conv3d(m, c):
    dilation = tuple(getattr(m, f"dilation{a}", 1) for a in "THW")
    conv = torch.nn.Conv3d(
        m.nInputPlane,
        m.nOutputPlane,
        (m.kT, m.kH, m.kW),
        (m.dT, m.dH, m.dW),
        (m.padT, m.padH, m.padW),
        dilation,
        bias=m.bias is not None,
    )
    return _copy_params(conv, weight=m.weight, bias=m.bias)


@_register(nn.VolumetricFullConvolution)
def _conv_transpose3d(m, c):
    conv = torch.nn.ConvTranspose3d(
        m.nInputPlane,
        m.nOutputPlane,
        (m.kT, m.kH, m.kW),
        (m.dT, m.dH, m.dW),
        (m.padT, m.padH, m.padW),
        (m.adjT, m.adjH, m.adjW),
        bias=m.bias is not None,
    )
    return _copy_params(conv, weight=m.weight, bias=m.bias)


@_register(nn.Linear)
def _linear(m, c):
    lin = torch.nn.Linear(m.weight.shape[1], m.weight.shape[0], bias=m.bias is not None)
    return _copy_params(lin, weight=m.weight, bias=m.bias)


# ----------------------------------------------------------------------------- pooling


@_register(nn.SpatialMaxPooling)
def _max_pool2d(m, c):
    if m._keep_indices:  # a SpatialMaxUnpooling reads its indices
        return None
    dilation = (getattr(m, "dilationH", 1), getattr(m, "dilationW", 1))  # SpatialDilatedMaxPooling
    return torch.nn.MaxPool2d((m.kH, m.kW), (m.dH, m.dW), (m.padH, m.padW), dilation, ceil_mode=m.ceil_mode)


@_register(nn.SpatialMaxUnpooling)
def _max_unpool(m, c):
    # kept, but reading the indices of the converted network's copy of its pooling module
    twin = c.keep(m)
    twin.__dict__["pooling"] = c.module(m.pooling)
    return twin


@_register(nn.SpatialAveragePooling)
def _avg_pool2d(m, c):
    if not m.divide:
        return None
    return torch.nn.AvgPool2d(
        (m.kH, m.kW), (m.dH, m.dW), (m.padH, m.padW), ceil_mode=m.ceil_mode, count_include_pad=m.count_include_pad
    )


@_register(nn.SpatialAdaptiveMaxPooling)
def _adaptive_max(m, c):
    return torch.nn.AdaptiveMaxPool2d((m.H, m.W))


@_register(nn.SpatialAdaptiveAveragePooling)
def _adaptive_avg(m, c):
    return torch.nn.AdaptiveAvgPool2d((m.H, m.W))


@_register(nn.VolumetricMaxPooling)
def _max_pool3d(m, c):
    dilation = tuple(getattr(m, f"dilation{a}", 1) for a in "THW")  # VolumetricDilatedMaxPooling
    return torch.nn.MaxPool3d(
        (m.kT, m.kH, m.kW), (m.dT, m.dH, m.dW), (m.padT, m.padH, m.padW), dilation, ceil_mode=m.ceil_mode
    )


@_register(nn.VolumetricAveragePooling)
def _avg_pool3d(m, c):
    return torch.nn.AvgPool3d(
        (m.kT, m.kH, m.kW),
        (m.dT, m.dH, m.dW),
        (m.padT, m.padH, m.padW),
        ceil_mode=m.ceil_mode,
        count_include_pad=m.count_include_pad,
    )


# ------------------------------------------------------------- padding, up-sampling


@_register(nn.SpatialZeroPadding)
def _zero_pad(m, c):
    return torch.nn.ZeroPad2d(m.pads())


@_register(nn.SpatialReflectionPadding)
def _reflection_pad(m, c):
    return torch.nn.ReflectionPad2d(m.pads())


@_register(nn.SpatialReplicationPadding)
def _replication_pad(m, c):
    return torch.nn.ReplicationPad2d(m.pads())


@_register(nn.VolumetricReplicationPadding)
def _replication_pad3d(m, c):
    return torch.nn.ReplicationPad3d(m.pads())


@_register(nn.SpatialUpSamplingNearest)
def _upsample_nearest(m, c):
    return torch.nn.Upsample(scale_factor=m.scale_factor, mode="nearest")


# ------------------------------------------------------------------------ normalisation


@_register(nn.BatchNormalization)  # and SpatialBatchNormalization
def _batch_norm(m, c):
    cls = torch.nn.BatchNorm2d if isinstance(m, nn.SpatialBatchNormalization) else torch.nn.BatchNorm1d
    n = m.running_mean.numel()
    bn = cls(n, eps=m.eps, momentum=m.momentum, affine=m.affine)
    return _copy_params(bn, weight=m.weight, bias=m.bias, running_mean=m.running_mean, running_var=m.running_var)


@_register(nn.SpatialCrossMapLRN)
def _lrn(m, c):
    # same formula for odd sizes (the only ones SpatialCrossMapLRN takes): x / (k + alpha/size sum x^2)^beta
    return torch.nn.LocalResponseNorm(m.size, m.alpha, m.beta, m.k)


# ------------------------------------------------------------------ pointwise, shapes

_SAME = {nn.Identity: torch.nn.Identity, nn.Tanh: torch.nn.Tanh, nn.Sigmoid: torch.nn.Sigmoid}


@_register(*_SAME)
def _same(m, c):
    return _SAME[type(m)]()


@_register(nn.ReLU)
def _relu(m, c):
    return torch.nn.ReLU()


@_register(nn.HardTanh)
def _hardtanh(m, c):
    return torch.nn.Hardtanh(m.min_val, m.max_val)


@_register(nn.SoftMax, nn.LogSoftMax)
def _softmax(m, c):
    if isinstance(m, nn.LogSoftMax):
        return torch.nn.LogSoftmax(dim=1)
    return torch.nn.Softmax(dim=1)  # also SpatialSoftMax: dim 1 of a batch


def _batch_view(size: list[int]) -> torch.nn.Module:
    """Each sample of a batch flattened, then given ``size``."""
    if len(size) == 1:
        return torch.nn.Flatten(1)
    return torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Unflatten(1, size))


@_register(nn.View)
def _view(m, c):
    return _batch_view(list(m.size))


@_register(nn.Reshape)
def _reshape(m, c):
    return None if m.batchMode is False else _batch_view(list(m.size))


@_register(nn.Sequential)
def _sequential(m, c):
    return torch.nn.Sequential(*[c.module(child) for child in m])


# ------------------------------------- containers and table modules: generated forwards
# torch.nn has no class for these; each becomes a GraphModule with a few lines of code


def _generated(name: str, body: str, children: dict[str, torch.nn.Module] | None = None) -> GraphModule:
    return GraphModule(f"def forward(self, input):\n    m = self._modules\n{body}", children or {}, name)


@_register(nn.ConcatTable)
def _concat_table(m, c):
    kids = {str(i): c.module(k) for i, k in enumerate(m)}
    calls = ", ".join(f"m[{k!r}](input)" for k in kids)
    return _generated("ConcatTable", f"    return [{calls}]\n", kids)


@_register(nn.ParallelTable)
def _parallel_table(m, c):
    kids = {str(i): c.module(k) for i, k in enumerate(m)}
    calls = ", ".join(f"m[{k!r}](input[{i}])" for i, k in enumerate(kids))
    return _generated("ParallelTable", f"    return [{calls}]\n", kids)


@_register(nn.Concat)
def _concat(m, c):
    kids = {str(i): c.module(k) for i, k in enumerate(m)}
    calls = ", ".join(f"m[{k!r}](input)" for k in kids)
    body = (
        f"    outs = [{calls}]\n    d = {m.dimension}\n"
        "    return torch.cat(outs, d + outs[0].dim() if d < 0 else d - 1)\n"
    )
    return _generated("Concat", body, kids)


@_register(nn.DepthConcat)
def _depth_concat(m, c):
    kids = {str(i): c.module(k) for i, k in enumerate(m)}
    calls = ", ".join(f"m[{k!r}](input)" for k in kids)
    # each output centred in zeros of the largest size, offset floor((max - size) / 2), as Lua
    body = (
        f"    outs = [{calls}]\n    d = {m.dimension}\n    d = d + outs[0].dim() if d < 0 else d - 1\n"
        "    size = [max(o.shape[k] for o in outs) for k in range(outs[0].dim())]\n"
        "    padded = []\n"
        "    for o in outs:\n"
        "        pads = []\n"
        "        for k in reversed(range(o.dim())):\n"
        "            extra = 0 if k == d else size[k] - o.shape[k]\n"
        "            pads += [extra // 2, extra - extra // 2]\n"
        "        padded.append(F.pad(o, pads))\n"
        "    return torch.cat(padded, d)\n"
    )
    return _generated("DepthConcat", body, kids)


@_register(nn.TemporalConvolution)
def _temporal_conv(m, c):
    # PyTorch's Conv1d reads channels first: transpose the frames in and out
    conv = _copy_params(
        torch.nn.Conv1d(m.inputFrameSize, m.outputFrameSize, m.kW, m.dW), weight=m.weight3d(), bias=m.bias
    )
    return _generated(
        "TemporalConvolution", "    return m['conv'](input.transpose(-1, -2)).transpose(-1, -2)\n", {"conv": conv}
    )


@_register(nn.TemporalMaxPooling)
def _temporal_pool(m, c):
    return _generated(
        "TemporalMaxPooling",
        "    return m['pool'](input.transpose(-1, -2)).transpose(-1, -2)\n",
        {"pool": torch.nn.MaxPool1d(m.kW, m.dW)},
    )


_FOLDS = {nn.CAddTable: "+", nn.CMulTable: "*"}
_PAIRS = {nn.CSubTable: "-", nn.CDivTable: "/"}


@_register(*_FOLDS)
def _fold_table(m, c):
    # in Lua's order: input[1] op input[2] op ...
    op = _FOLDS[type(m)]
    body = f"    out = input[0]\n    for x in input[1:]:\n        out = out {op} x\n    return out\n"
    return _generated(type(m).__name__, body)


@_register(*_PAIRS)
def _pair_table(m, c):
    return _generated(type(m).__name__, f"    return input[0] {_PAIRS[type(m)]} input[1]\n")


# ------------------------------------------------------------------ more activations
# each the plain module computing the same formula (same kink side, same constants)


@_register(nn.LeakyReLU)
def _leaky_relu(m, c):
    return torch.nn.LeakyReLU(m.negval)  # Lua uses the slope at 0, torch not: both give 0 there


@_register(nn.ELU)
def _elu(m, c):
    return torch.nn.ELU(m.alpha)


@_register(nn.PReLU)
def _prelu(m, c):
    # plain PReLU's channels are dim 1 of a batch, as THNN's for 2-D and 4-D inputs
    return _copy_params(torch.nn.PReLU(m.nOutputPlane or 1), weight=m.weight)


@_register(nn.SoftPlus)
def _softplus(m, c):
    return torch.nn.Softplus(m.beta, m.threshold)


@_register(nn.SoftShrink)
def _softshrink(m, c):
    return torch.nn.Softshrink(m.lambd)


@_register(nn.HardShrink)
def _hardshrink(m, c):
    return torch.nn.Hardshrink(m.lambd)


@_register(nn.Threshold)
def _threshold(m, c):
    return torch.nn.Threshold(m.threshold, m.val)


_PLAIN = {
    nn.SoftSign: torch.nn.Softsign,
    nn.LogSigmoid: torch.nn.LogSigmoid,
    nn.ReLU6: torch.nn.ReLU6,
    nn.TanhShrink: torch.nn.Tanhshrink,
}


@_register(*_PLAIN)
def _plain(m, c):
    return _PLAIN[type(m)]()


@_register(nn.SoftMin)
def _softmin(m, c):
    return torch.nn.Softmin(dim=1)


@_register(nn.GatedLinearUnit)
def _glu(m, c):
    # Lua's dim is 1-based and counts in the input as given (no batch shift); default the last
    return torch.nn.GLU(-1 if m.dim is None else m.dim - 1)


@_register(nn.CReLU)
def _crelu(m, c):
    d = m.nInputDims + 1
    return _generated("CReLU", f"    return torch.relu(torch.cat([input, -input], 1 if input.dim() == {d} else 0))\n")


@_register(nn.Bilinear)
def _bilinear(m, c):
    # the same weight layout (out x in1 x in2); the plain module takes two arguments, not a pair
    o, n1, n2 = m.weight.shape
    bl = _copy_params(torch.nn.Bilinear(n1, n2, o, bias=m.bias is not None), weight=m.weight, bias=m.bias)
    return _generated("Bilinear", "    return m['bilinear'](input[0], input[1])\n", {"bilinear": bl})


@_register(nn.Dropout)
def _dropout(m, c):
    if m.p <= 0:
        return torch.nn.Identity()
    if m.v2 and not m.stochastic_inference:
        return torch.nn.Dropout(m.p)
    # Lua's v1 (no scaling while training, times 1-p in evaluate mode) and stochastic inference:
    # the same ops as ours, so the same random stream draws the same mask
    drop = "True" if m.stochastic_inference else "self.training"
    if m.v2:
        return _generated("Dropout", f"    return F.dropout(input, {m.p!r}, {drop})\n")
    body = (
        f"    if {drop}:\n        return input * torch.empty_like(input).bernoulli_({1 - m.p!r})\n"
        f"    return input * {1 - m.p!r}\n"
    )
    return _generated("Dropout", body)


# ------------------------------------------------------------- table selection and joins


def _lua_dim(dimension: int, nInputDims: int | None) -> str:
    """Source for the 0-based dimension of ``input`` Split/JoinTable act on (Lua's batch rule)."""
    if dimension < 0:
        return f"{dimension}"
    if nInputDims is None:
        return f"{dimension - 1}"
    return f"{dimension - 1} + (1 if x.dim() == {nInputDims + 1} else 0)"


@_register(nn.SelectTable)
def _select_table(m, c):
    if m.index == 0:
        return None
    return _generated("SelectTable", f"    return input[{m.index - 1 if m.index > 0 else m.index}]\n")


@_register(nn.NarrowTable)
def _narrow_table(m, c):
    start = m.offset - 1
    return _generated("NarrowTable", f"    return list(input[{start}:{start + m.length}])\n")


@_register(nn.SplitTable)
def _split_table(m, c):
    d = _lua_dim(m.dimension, m.nInputDims)
    return _generated("SplitTable", f"    x = input\n    return list(torch.unbind(x, {d}))\n")


@_register(nn.JoinTable)
def _join_table(m, c):
    d = _lua_dim(m.dimension, m.nInputDims)
    return _generated("JoinTable", f"    x = input[0]\n    return torch.cat(list(input), {d})\n")


# ------------------------------------------------------------------------------ gModule


class GraphModule(torch.nn.Module):
    """A plain module running a gModule's generated forward over plain submodules.

    ``code`` is the forward's source (the gModule's, with plain-PyTorch expressions
    inlined and the converted modules called by name); it is compiled again after
    unpickling, so ``torch.save(module)`` / ``torch.load`` work (pygraphnn must be
    importable to unpickle).
    """

    _fwd: Any  # the compiled forward, set in __dict__ (not a submodule or buffer)

    def __init__(self, code: str, modules: dict[str, torch.nn.Module], name: str = "graph"):
        super().__init__()
        for k, v in modules.items():
            self.add_module(k, v)
        self.code = code
        self.name = name
        self._compile()

    def _compile(self) -> None:
        filename = f"<pygraphnn plain GraphModule {self.name} {id(self):x}>"
        linecache.cache[filename] = (len(self.code), None, self.code.splitlines(True), filename)
        env = {
            "torch": torch,
            "F": torch.nn.functional,
            "_check_inputs": _check_inputs,
            "_check_split": _check_split,
            "_fail": _no_annotation,
        }
        exec(compile(self.code, filename, "exec"), env)
        self.__dict__["_fwd"] = env["forward"]

    def forward(self, *inputs: Any) -> Any:
        return self._fwd(self, *inputs)

    def extra_repr(self) -> str:
        return self.name

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_fwd", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._compile()


def _no_annotation(self: Any, error: BaseException) -> None:
    """The generated code's error hook: a plain module re-raises unchanged."""


def _pure_inline(n) -> bool:
    """Whether node ``n``'s module is emitted as a plain torch expression that does not
    read the module (``torch.tanh(x)``, ``a + b``): then no module is needed at all."""
    emit = getattr(n.module, "_inline", None)
    if emit is None:
        return False
    ref = "__pygraphnn_module__"
    expr = emit(ref, [f"__arg{i}" for i in range(max(1, len(n.args)))], n.table_input)
    return expr is not None and ref not in expr


@_register(gModule)
def _gmodule(g, c):
    # the same graph with each module replaced by its plain counterpart (which is then
    # called by name), except modules inlined as plain torch expressions
    nodes = [
        n if n.module is None or _pure_inline(n) else dataclasses.replace(n, module=c.module(n.module))
        for n in g.graph.nodes
    ]
    graph = dataclasses.replace(g.graph, nodes=nodes)
    src = generate(graph, g.module_attrs, inline=True).src
    modules = {attr: n.module for n, attr in zip(nodes, g.module_attrs) if attr is not None and f"m[{attr!r}]" in src}
    return GraphModule(src, modules, g._label())
