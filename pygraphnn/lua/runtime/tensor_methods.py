"""Torch7's Tensor methods over ``torch.Tensor``, with Lua's arguments and returns.

``TENSOR_METHODS[name](tensor, *args)`` is ``tensor:name(...)`` in Lua: dimensions and
indices are 1-based (``sub`` and ``x[...]`` also take negative bounds counted from the
end), every overload Lua accepts is accepted (``x:add(s)``, ``x:add(y)``, ``x:add(s, y)``,
``x:add(y, z)``, ``x:add(y, s, z)``), methods that work in place in Lua (``add``,
``exp``, ``pow``, ``addmm``, ``uniform``...) write into ``tensor`` and return the very
same object, and the rest return what Lua returns: ``max(d)`` gives values and 1-based
LongTensor indices, ``select`` on a vector gives a number, ``cumsum`` a new tensor,
``indexFill``/``maskedFill`` the fill value (Torch7's quirk). Arithmetic is done in the
order Torch7's C code does it (``y + s*z`` as a product then a sum, never fused), so
results are bit-identical to Lua's for element-wise work.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime.tensor_methods import TENSOR_METHODS as T
    >>> x = torch.tensor([1., 2., 3.], dtype=torch.float64)
    >>> T["add"](x, 2, torch.ones(3, dtype=torch.float64)) is x
    True
    >>> T["sub"](x, -2, -1).tolist(), T["size"](x, 1)
    ([4.0, 5.0], 3)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from . import cuda as _cuda
from . import libm, tensor_types
from . import random as lrandom
from .storage import Storage, _lua_list, as_sizes

__all__ = ["TENSOR_METHODS", "LuaTensorError", "tensor_index", "tensor_newindex"]

TENSOR_METHODS: dict[str, Callable] = {}


class LuaTensorError(ValueError):
    """A Tensor method called with arguments Lua would reject (names the method,
    what it expected and what it got)."""


def _method(*names: str, mutates: bool = False):
    """Register ``fn`` under Lua method ``names``; methods that write into their tensor
    run without autograd (Lua has none; it lets ``params:uniform()`` touch leaves)."""

    def deco(fn):
        impl = fn
        if mutates:

            @functools.wraps(fn)
            def impl(*args, **kwargs):
                with torch.no_grad():
                    return fn(*args, **kwargs)

        for n in names:
            TENSOR_METHODS[n] = impl
        return impl

    return deco


# ------------------------------------------------------------------ argument helpers
def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_t(v) -> bool:
    return isinstance(v, torch.Tensor)


def _fail(name: str, expected: str, args) -> LuaTensorError:
    got = ", ".join(_describe(a) for a in args) or "nothing"
    return LuaTensorError(f"Tensor:{name}: expected ({expected}), got ({got})")


def _describe(a) -> str:
    if _is_t(a):
        return f"{tensor_types.typename(a)} of size {'x'.join(map(str, a.shape)) or 'empty'}"
    if a is None:
        return "nil"
    return f"{type(a).__name__} {a!r:.40}"


def _dim(t: torch.Tensor, d, name: str) -> int:
    """Lua's 1-based dimension ``d`` as 0-based, checked."""
    if not _is_num(d) or int(d) != d:
        raise LuaTensorError(f"Tensor:{name}: dimension must be an integer, got {_describe(d)}")
    d = int(d)
    if not 1 <= d <= max(_ndim(t), 1):
        raise LuaTensorError(f"Tensor:{name}: dimension {d} out of range for a {_ndim(t)}-D tensor")
    return d - 1


def _ndim(t: torch.Tensor) -> int:
    """Lua's nDimension: an empty tensor has 0 dimensions."""
    return 0 if t.numel() == 0 else t.dim()


def _index(i, size: int, name: str, what: str = "index", allow_negative: bool = True) -> int:
    """1-based index ``i`` (negative counts from the end when allowed) as 0-based."""
    i = int(i)
    if allow_negative and i < 0:
        i = size + i + 1
    if not 1 <= i <= size:
        raise LuaTensorError(f"Tensor:{name}: {what} {i} out of range [1, {size}]")
    return i - 1


def _scalar(t: torch.Tensor, v):
    """A Lua number as the tensor's element type sees it (C's cast of a ``real`` arg)."""
    if t.is_floating_point():
        return float(v)
    return int(v)


def _to_bool_mask(mask: torch.Tensor, name: str) -> torch.Tensor:
    if not _is_t(mask) or mask.dtype not in (torch.uint8, torch.bool):
        raise LuaTensorError(f"Tensor:{name}: the mask must be a torch.ByteTensor, got {_describe(mask)}")
    return mask.bool()


def _long_index(idx, name: str) -> torch.Tensor:
    if not _is_t(idx) or idx.dtype != torch.int64:
        raise LuaTensorError(f"Tensor:{name}: the index must be a torch.LongTensor, got {_describe(idx)}")
    return idx


def _store(dst: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``dst`` resized to ``value``'s shape (as TH's resizeAs) and filled with it."""
    if dst.shape != value.shape:
        dst.resize_(value.shape)
    dst.copy_(value)
    return dst


def _elementwise(t: torch.Tensor, other: torch.Tensor, name: str) -> torch.Tensor:
    """``other`` shaped like ``t``: Lua's element-wise ops need equal element counts
    only, and pair elements in (row-major) order."""
    if other.shape == t.shape:
        return other
    if other.numel() != t.numel():
        raise LuaTensorError(f"Tensor:{name}: inconsistent tensor size: {_describe(t)} and {_describe(other)}")
    return other.reshape(t.shape)


# ------------------------------------------------------------------ size & type
@_method("size")
def size(t: torch.Tensor, d=None):
    """``t:size()`` -> torch.Size (empty for an empty tensor); ``t:size(d)`` -> int."""
    if d is None:
        return torch.Size([]) if t.numel() == 0 else t.shape
    return t.shape[_dim(t, d, "size")]


@_method("stride")
def stride(t: torch.Tensor, d=None):
    """``t:stride()`` -> tuple; ``t:stride(d)`` -> int."""
    if d is None:
        return torch.Size([]) if t.numel() == 0 else torch.Size(t.stride())
    return t.stride(_dim(t, d, "stride"))


@_method("dim", "nDimension")
def dim(t: torch.Tensor) -> int:
    """``t:dim()``: 0 for an empty tensor, as Lua."""
    return _ndim(t)


@_method("nElement", "numel")
def n_element(t: torch.Tensor) -> int:
    return t.numel()


@_method("storageOffset")
def storage_offset(t: torch.Tensor) -> int:
    """1-based offset of the first element in the storage."""
    return int(t.storage_offset()) + 1


@_method("isContiguous")
def is_contiguous(t: torch.Tensor) -> bool:
    return t.is_contiguous()


@_method("isSameSizeAs")
def is_same_size_as(t: torch.Tensor, other: torch.Tensor) -> bool:
    return _ndim(t) == _ndim(other) and (t.numel() == 0 or t.shape == other.shape)


@_method("isSize")
def is_size(t: torch.Tensor, sizes) -> bool:
    return list(size(t)) == as_sizes((sizes,))


@_method("isSetTo")
def is_set_to(t: torch.Tensor, other: torch.Tensor) -> bool:
    """Same storage, offset, sizes and strides."""
    return (
        t.untyped_storage().data_ptr() == other.untyped_storage().data_ptr()
        and t.numel() > 0
        and t.storage_offset() == other.storage_offset()
        and t.shape == other.shape
        and t.stride() == other.stride()
    )


@_method("elementSize")
def element_size(t: torch.Tensor) -> int:
    return t.element_size()


@_method("isTensor")
def is_tensor(t) -> bool:
    return isinstance(t, torch.Tensor)


@_method("storage")
def storage(t: torch.Tensor) -> Storage:
    """``t:storage()``: a :class:`Storage` sharing the tensor's memory."""
    return Storage.of(t)


@_method("type")
def type_(t: torch.Tensor, name: str | None = None):
    """``t:type()`` -> ``'torch.DoubleTensor'``; ``t:type(name)`` -> ``t`` itself when
    already of that type, else a converted copy."""
    if name is None:
        return tensor_types.typename(t)
    if name.startswith("torch.Cuda"):
        from . import cuda

        return cuda.to_device(t.to(tensor_types.dtype_of(name)))
    dtype = tensor_types.dtype_of(name)
    if t.dtype == dtype and not t.is_cuda:
        return t
    return t.to(device="cpu", dtype=dtype)


@_method("typeAs")
def type_as(t: torch.Tensor, other: torch.Tensor):
    return type_(t, tensor_types.typename(other))


def _converter(name: str):
    def convert(t: torch.Tensor):
        return type_(t, name)

    convert.__doc__ = f"``t:{name.split('.')[1][:-6].lower()}()``: ``t`` as a {name} (itself if already one)."
    return convert


for _lua, _tname in {
    "double": "torch.DoubleTensor",
    "float": "torch.FloatTensor",
    "long": "torch.LongTensor",
    "int": "torch.IntTensor",
    "short": "torch.ShortTensor",
    "char": "torch.CharTensor",
    "byte": "torch.ByteTensor",
    "half": "torch.HalfTensor",
}.items():
    TENSOR_METHODS[_lua] = _converter(_tname)


@_method("cuda")
def cuda_(t: torch.Tensor):
    """``t:cuda()``: a float32 copy on the CUDA device if there is one, else a copy of the
    same type on the CPU (see :mod:`.cuda`)."""
    from . import cuda

    return cuda.cuda_copy(t)


@_method("totable")
def totable(t: torch.Tensor) -> list:
    """Nested lists (Lua tables) of the values."""
    return [] if t.numel() == 0 else t.tolist()


# ------------------------------------------------------------------ construction & copying
@_method("new")
def new(t: torch.Tensor, *args) -> torch.Tensor:
    """``x.new(...)``: a new tensor of ``x``'s type, from the same arguments as
    ``torch.Tensor(...)`` (sizes, a LongStorage, a table of values or nothing)."""
    from .torch_functions import make_tensor

    return make_tensor(t.dtype, *args)


@_method("clone")
def clone(t: torch.Tensor) -> torch.Tensor:
    return t.clone(memory_format=torch.contiguous_format)


@_method("contiguous")
def contiguous(t: torch.Tensor) -> torch.Tensor:
    """Lua's ``contiguous()``: ``t`` itself when contiguous, else a contiguous copy."""
    return t if t.is_contiguous() else t.contiguous()


@_method("copy", mutates=True)
def copy(t: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """Copy ``src``'s elements in order (any shape with as many elements, any type)."""
    if not _is_t(src):
        raise _fail("copy", "torch.*Tensor", [src])
    t.copy_(_elementwise(t, src, "copy"))
    return t


@_method("fill", mutates=True)
def fill(t: torch.Tensor, value) -> torch.Tensor:
    t.fill_(_scalar(t, value))
    return t


@_method("zero", mutates=True)
def zero(t: torch.Tensor) -> torch.Tensor:
    t.zero_()
    return t


@_method("resize", mutates=True)
def resize(t: torch.Tensor, *sizes) -> torch.Tensor:
    """``t:resize(n1, n2, ...)`` or ``t:resize(LongStorage)``: in place, keeping the storage
    (and its values in order) when large enough."""
    t.resize_(as_sizes(sizes))
    return t


@_method("resizeAs", mutates=True)
def resize_as(t: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    t.resize_(other.shape)
    return t


@_method("set", mutates=True)
def set_(t: torch.Tensor, src=None, offset=1, sizes=None, strides=None) -> torch.Tensor:
    """``t:set(y)`` (share ``y``'s storage, offset, sizes, strides) or
    ``t:set(storage, [offset, sizes, strides])``."""
    if src is None:
        t.set_()  # type: ignore[call-overload]  # torch's stubs lack the no-argument form
    elif _is_t(src):
        t.set_(src)
    elif isinstance(src, Storage):
        shape = as_sizes((sizes,)) if sizes is not None else [src.size() - int(offset) + 1]
        if strides is None:
            st, acc = [], 1
            for s in reversed(shape):
                st.append(acc)
                acc *= s
            strides = list(reversed(st))
        else:
            strides = as_sizes((strides,))
        t.set_(src.tensor().untyped_storage(), int(offset) - 1, shape, strides)
    else:
        raise _fail("set", "tensor | storage, [offset, sizes, strides]", [src])
    return t


# ------------------------------------------------------------------ views
@_method("view")
def view(t: torch.Tensor, *sizes) -> torch.Tensor:
    """``t:view(n1, ...)`` / ``t:view(LongStorage)``; a size of -1 is inferred, as Lua."""
    return t.view(as_sizes(sizes))


@_method("viewAs")
def view_as(t: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    return t.view(other.shape)


@_method("reshape")
def reshape(t: torch.Tensor, *sizes) -> torch.Tensor:
    """``t:reshape(...)``: a new contiguous copy of the given size (never a view, as Lua)."""
    return t.reshape(as_sizes(sizes)).clone(memory_format=torch.contiguous_format)


@_method("expand")
def expand(t: torch.Tensor, *sizes) -> torch.Tensor:
    return t.expand(as_sizes(sizes))


@_method("expandAs")
def expand_as(t: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    return t.expand(other.shape)


@_method("repeatTensor")
def repeat_tensor(t: torch.Tensor, *sizes) -> torch.Tensor:
    return t.repeat(as_sizes(sizes))


@_method("t")
def t_(t: torch.Tensor) -> torch.Tensor:
    if t.dim() != 2:
        raise LuaTensorError(f"Tensor:t: the tensor must have 2 dimensions, got {_describe(t)}")
    return t.t()


@_method("transpose")
def transpose(t: torch.Tensor, d1, d2) -> torch.Tensor:
    return t.transpose(_dim(t, d1, "transpose"), _dim(t, d2, "transpose"))


@_method("permute")
def permute(t: torch.Tensor, *dims) -> torch.Tensor:
    return t.permute([_dim(t, d, "permute") for d in as_sizes(dims)])


@_method("narrow")
def narrow(t: torch.Tensor, d, index, length) -> torch.Tensor:
    """``t:narrow(dim, index, size)``: elements index..index+size-1 of ``dim`` (a view)."""
    dd = _dim(t, d, "narrow")
    n = t.shape[dd]
    i, length = int(index), int(length)
    if not (1 <= i <= n and length > 0 and i + length - 1 <= n):
        raise LuaTensorError(f"Tensor:narrow: [{i}, {i + length - 1}] out of range [1, {n}] of dimension {d}")
    return t.narrow(dd, i - 1, length)


@_method("select")
def select(t: torch.Tensor, d, index):
    """``t:select(dim, i)``: a view without ``dim``; on a vector, the number at ``i``."""
    dd = _dim(t, d, "select")
    i = _index(index, t.shape[dd], "select", allow_negative=False)
    if t.dim() == 1:
        return t[i].item()
    return t.select(dd, i)


@_method("sub")
def sub(t: torch.Tensor, *bounds) -> torch.Tensor:
    """``t:sub(s1, e1, s2, e2, ...)``: inclusive 1-based ranges per dimension (negative
    counts from the end, -1 is the last); dimensions not given are kept whole."""
    if len(bounds) % 2 or len(bounds) // 2 > t.dim():
        raise _fail("sub", "start, end pairs for at most each dimension", bounds)
    out = t
    for k in range(len(bounds) // 2):
        n = t.shape[k]
        s, e = int(bounds[2 * k]), int(bounds[2 * k + 1])
        s = s + n + 1 if s < 0 else s
        e = e + n + 1 if e < 0 else e
        if not (1 <= s <= n and 1 <= e <= n and s <= e):
            raise LuaTensorError(
                f"Tensor:sub: range [{bounds[2 * k]}, {bounds[2 * k + 1]}] out of bounds "
                f"for dimension {k + 1} of size {n}"
            )
        out = out.narrow(k, s - 1, e - s + 1)
    return out


@_method("unfold")
def unfold(t: torch.Tensor, d, size_, step) -> torch.Tensor:
    return t.unfold(_dim(t, d, "unfold"), int(size_), int(step))


@_method("squeeze")
def squeeze(t: torch.Tensor, d=None):
    """``t:squeeze()`` (all singleton dims; a tensor of one element gives that number,
    as Torch7) or ``t:squeeze(d)`` (1-based; a 1-D tensor stays as it is)."""
    if d is None:
        out = t.squeeze()
        return out.item() if out.dim() == 0 else out
    dd = _dim(t, d, "squeeze")
    if t.dim() == 1:
        return t
    return t.squeeze(dd)


@_method("split")
def split(t: torch.Tensor, size_, d=None) -> list:
    """``t:split(size, [dim])``: a list of views of ``size`` along ``dim`` (default the
    first), the last possibly smaller."""
    dd = 0 if d is None else _dim(t, d, "split")
    return list(t.split(int(size_), dd))


@_method("chunk")
def chunk(t: torch.Tensor, n, d=None) -> list:
    """``t:chunk(n, [dim])``: ``n`` pieces of ``ceil(size/n)`` along ``dim`` (default first)."""
    dd = 0 if d is None else _dim(t, d, "chunk")
    step = -(-t.shape[dd] // int(n))
    return list(t.split(step, dd))


# ------------------------------------------------------------------ indexing
def _rows(t: torch.Tensor, d, idx, name: str) -> tuple[int, torch.Tensor]:
    """The 0-based dimension and 0-based row indices of ``t:name(d, idx, ...)``, both checked."""
    dd = _dim(t, d, name)
    idx = _long_index(idx, name)
    _check_indices(idx, t.shape[dd], name)
    return dd, idx.reshape(-1) - 1


@_method("index")
def index(t: torch.Tensor, d, idx) -> torch.Tensor:
    """``t:index(dim, LongTensor)``: a new tensor of the 1-based rows ``idx`` along ``dim``."""
    dd, rows = _rows(t, d, idx, "index")
    return t.index_select(dd, rows)


def _check_indices(idx: torch.Tensor, n: int, name: str) -> None:
    if idx.numel() and (int(idx.min()) < 1 or int(idx.max()) > n):
        raise LuaTensorError(f"Tensor:{name}: index out of range: indices {idx.tolist()} for size {n}")


@_method("indexFill", mutates=True)
def index_fill(t: torch.Tensor, d, idx, value):
    """Fill the rows ``idx`` along ``dim``; returns the value (as Torch7 does)."""
    dd, rows = _rows(t, d, idx, "indexFill")
    t.index_fill_(dd, rows, _scalar(t, value))
    return value


@_method("indexCopy", mutates=True)
def index_copy(t: torch.Tensor, d, idx, src):
    """Copy ``src``'s slices into rows ``idx`` along ``dim``; returns ``src`` (Torch7's quirk)."""
    dd, rows = _rows(t, d, idx, "indexCopy")
    t.index_copy_(dd, rows, src.to(t.dtype))
    return src


@_method("indexAdd", mutates=True)
def index_add(t: torch.Tensor, d, idx, src):
    """Add ``src``'s slices into rows ``idx`` along ``dim``; returns ``src`` (Torch7's quirk)."""
    dd, rows = _rows(t, d, idx, "indexAdd")
    t.index_add_(dd, rows, src.to(t.dtype))
    return src


@_method("maskedFill", mutates=True)
def masked_fill(t: torch.Tensor, mask, value):
    """Fill where the ByteTensor ``mask`` is 1; returns the value (as Torch7 does)."""
    t.masked_fill_(_elementwise(t, _to_bool_mask(mask, "maskedFill"), "maskedFill"), _scalar(t, value))
    return value


@_method("maskedSelect")
def masked_select(t: torch.Tensor, mask, src=None) -> torch.Tensor:
    """``t:maskedSelect(mask)``: a new 1-D tensor of the elements where ``mask`` is 1;
    ``res:maskedSelect(src, mask)`` writes them into ``res``."""
    if src is not None:
        mask, src = src, mask
        m = _elementwise(src, _to_bool_mask(mask, "maskedSelect"), "maskedSelect")
        return _store(t, src[m])
    return t[_elementwise(t, _to_bool_mask(mask, "maskedSelect"), "maskedSelect")]


@_method("maskedCopy", mutates=True)
def masked_copy(t: torch.Tensor, mask, src) -> torch.Tensor:
    """Copy ``src``'s elements in order into the places where ``mask`` is 1; returns ``t``."""
    m = _elementwise(t, _to_bool_mask(mask, "maskedCopy"), "maskedCopy")
    k = int(m.sum())
    if src.numel() < k:
        raise LuaTensorError(f"Tensor:maskedCopy: the mask selects {k} elements, src has {src.numel()}")
    t[m] = src.reshape(-1)[:k].to(t.dtype)
    return t


@_method("gather")
def gather(t: torch.Tensor, d, idx, src=None) -> torch.Tensor:
    """``t:gather(dim, index)``: a new tensor; ``res:gather(src, dim, index)`` writes into ``res``."""
    if src is not None or _is_t(d):
        src_t, dd, index_ = d, idx, src
        out = torch.gather(src_t, _dim(src_t, dd, "gather"), _long_index(index_, "gather") - 1)
        return _store(t, out)
    return torch.gather(t, _dim(t, d, "gather"), _long_index(idx, "gather") - 1)


@_method("scatter", mutates=True)
def scatter(t: torch.Tensor, d, idx, src) -> torch.Tensor:
    """``t:scatter(dim, index, src | value)``: in place; returns ``t``."""
    dd = _dim(t, d, "scatter")
    i0 = _long_index(idx, "scatter") - 1
    if _is_t(src):
        t.scatter_(dd, i0, src.to(t.dtype))
    else:
        t.scatter_(dd, i0, _scalar(t, src))
    return t


@_method("nonzero")
def nonzero(t: torch.Tensor) -> torch.Tensor:
    """An ``n x dim`` LongTensor of the 1-based positions of non-zero elements."""
    return torch.nonzero(t) + 1


# ------------------------------------------------------------------ x[...] and x[...] = v
def _keys(t: torch.Tensor, key):
    """Turn a Lua index table ``{i, {a, b}, {}, ...}`` into per-dimension selections."""
    if _is_num(key):
        return [("sel", key)]
    items = _lua_list(key)
    if len(items) > t.dim():
        raise LuaTensorError(f"tensor index: {len(items)} dimensions given for a {t.dim()}-D tensor")
    out = []
    for it in items:
        if _is_num(it):
            out.append(("sel", it))
            continue
        rng = _lua_list(it)
        if len(rng) == 0:
            out.append(("all", None))
        elif len(rng) in (1, 2) and all(_is_num(v) for v in rng):
            out.append(("rng", (rng[0], rng[-1])))
        else:
            raise LuaTensorError(f"tensor index: expected a number or {{start, end}}, got {it!r:.40}")
    return out


def _region(t: torch.Tensor, key):
    """The view ``t[key]`` designates, and whether it is a single element."""
    view, d = t, 0
    for kind, v in _keys(t, key):
        n = view.shape[d]
        if kind == "sel":
            view = view.select(d, _index(v, n, "index"))
        elif kind == "rng":
            s = _index(v[0], n, "index", "range start")
            e = _index(v[1], n, "index", "range end")
            if e < s:
                raise LuaTensorError(f"tensor index: empty range [{v[0]}, {v[1]}] of dimension size {n}")
            view = view.narrow(d, s, e - s + 1)
            d += 1
        else:
            d += 1
    return view


def tensor_index(t: torch.Tensor, key):
    """Lua's ``t[key]``: ``t[i]`` (a number on a vector, else a view without the first
    dimension), ``t[{i, {a, b}, {}}]`` (numbers select, ``{a, b}`` ranges, ``{}`` whole;
    negative counts from the end; all-number keys give a number), ``t[mask]``
    (maskedSelect) and ``t[LongTensor]`` (rows along the first dimension)."""
    if _is_t(key):
        if key.dtype in (torch.uint8, torch.bool):
            return masked_select(t, key)
        return index(t, 1, key)
    view = _region(t, key)
    return view.item() if view.dim() == 0 else view


def tensor_newindex(t: torch.Tensor, key, value) -> None:
    """Lua's ``t[key] = value``: a number fills the region, a tensor is copied into it."""
    with torch.no_grad():
        if _is_t(key):
            if key.dtype in (torch.uint8, torch.bool):
                if _is_t(value):
                    masked_copy(t, key, value)
                else:
                    masked_fill(t, key, value)
            elif _is_t(value):
                index_copy(t, 1, key, value)
            else:
                index_fill(t, 1, key, value)
            return
        view = _region(t, key)
        if _is_t(value):
            view.copy_(_elementwise(view, value, "__newindex"))
        else:
            view.fill_(_scalar(t, value))


TENSOR_METHODS["__index"] = tensor_index
TENSOR_METHODS["__newindex"] = tensor_newindex


@_method("__len")
def length(t: torch.Tensor) -> torch.Size:
    """Lua's ``#t``: Torch7 answers the sizes (as ``t:size()``), not a number."""
    return size(t)


# ------------------------------------------------------------------ arithmetic
def _axpy(t: torch.Tensor, value, src: torch.Tensor, name: str) -> None:
    """``t += value * src`` as Torch7's ``cadd`` does it in place: through BLAS ``axpy``
    (one fused multiply-add per element) when both are contiguous, else multiply then add."""
    src = _elementwise(t, src, name)
    value = _scalar(t, value)
    if t.is_contiguous() and src.is_contiguous() and t.is_floating_point():
        t.add_(src, alpha=value)  # torch's CPU kernel fuses this as axpy does
    else:
        t.add_(src * value)


def _cadd(name: str, t: torch.Tensor, args, sign: int) -> torch.Tensor:
    """The overloads of ``add`` (sign 1) and ``csub`` (sign -1)."""
    n = len(args)
    if n == 1 and _is_num(args[0]):
        t.add_(sign * _scalar(t, args[0]))
    elif n == 1 and _is_t(args[0]):
        _axpy(t, sign, args[0], name)
    elif n == 2 and _is_num(args[0]) and _is_t(args[1]):
        _axpy(t, sign * args[0], args[1], name)
    elif n == 2 and _is_t(args[0]) and _is_num(args[1]):
        _store(t, args[0] + sign * _scalar(t, args[1]))
    elif n in (2, 3) and _is_t(args[0]) and _is_t(args[-1]) and (n == 2 or _is_num(args[1])):
        value = sign * (args[1] if n == 3 else 1)
        if args[0] is t:
            _axpy(t, value, args[-1], name)
        else:
            # x = y + s*z: Torch7's vector loop multiplies then adds (no fused step)
            _store(t, args[0] + _elementwise(args[0], args[-1], name) * _scalar(t, value))
    else:
        raise _fail(name, "[tensor,] number | [tensor,] [number,] tensor", args)
    return t


@_method("add", mutates=True)
def add(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:add(s)``, ``x:add(y)``, ``x:add(s, y)`` (x += s*y), ``x:add(y, z)`` (x = y + z),
    ``x:add(y, s, z)`` (x = y + s*z). Returns ``x``."""
    return _cadd("add", t, args, 1)


@_method("csub", mutates=True)
def csub(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:csub(s)``, ``x:csub(y)``, ``x:csub(s, y)`` (x -= s*y), ``x:csub(y, s, z)``."""
    return _cadd("csub", t, args, -1)


def _scalar_op(name: str, op):
    def method(t: torch.Tensor, *args) -> torch.Tensor:
        if len(args) == 1 and _is_num(args[0]):
            _store(t, op(t, _scalar(t, args[0])))
        elif len(args) == 2 and _is_t(args[0]) and _is_num(args[1]):
            _store(t, op(args[0], _scalar(t, args[1])))
        else:
            raise _fail(name, "[tensor,] number", args)
        return t

    method.__doc__ = f"``x:{name}(s)`` in place, or ``x:{name}(y, s)`` into ``x``. Returns ``x``."
    return method


def _tensor_op(name: str, op):
    def method(t: torch.Tensor, *args) -> torch.Tensor:
        if len(args) == 1 and _is_t(args[0]):
            _store(t, op(t, _elementwise(t, args[0], name)))
        elif len(args) == 2 and _is_t(args[0]) and _is_t(args[1]):
            _store(t, op(args[0], _elementwise(args[0], args[1], name)))
        else:
            raise _fail(name, "[tensor,] tensor", args)
        return t

    method.__doc__ = f"``x:{name}(y)`` in place, or ``x:{name}(y, z)`` into ``x``. Returns ``x``."
    return method


def _c_fmod(a, b):
    return torch.fmod(a, b)


def _lua_remainder(a, b):
    # Torch7: a - b * floor(a / b) for floats; the C % with the sign fixed for integers
    if a.is_floating_point():
        return a - b * torch.floor(a / b)
    return torch.remainder(a, b)


for _name, _op in {
    "mul": torch.mul,
    "div": torch.div,
    "fmod": _c_fmod,
    "mod": _c_fmod,
    "remainder": _lua_remainder,
}.items():
    TENSOR_METHODS[_name] = _method(mutates=True)(_scalar_op(_name, _op))
for _name, _op in {
    "cmul": torch.mul,
    "cdiv": torch.div,
    "cpow": libm.power,
    "cfmod": _c_fmod,
    "cmod": _c_fmod,
    "cremainder": _lua_remainder,
    "atan2": torch.atan2,
}.items():
    TENSOR_METHODS[_name] = _method(mutates=True)(_tensor_op(_name, _op))


@_method("cmax", mutates=True)
def cmax(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:cmax(y | s)`` in place, ``x:cmax(y, z | s)`` into ``x``."""
    other = args[-1]
    base = t if len(args) == 1 else args[0]
    o = _elementwise(base, other, "cmax") if _is_t(other) else torch.full_like(base, _scalar(t, other))
    return _store(t, torch.maximum(base, o))


@_method("cmin", mutates=True)
def cmin(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:cmin(y | s)`` in place, ``x:cmin(y, z | s)`` into ``x``."""
    other = args[-1]
    base = t if len(args) == 1 else args[0]
    o = _elementwise(base, other, "cmin") if _is_t(other) else torch.full_like(base, _scalar(t, other))
    return _store(t, torch.minimum(base, o))


@_method("addcmul", mutates=True)
def addcmul(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:addcmul([s,] t1, t2)``: x += s * t1 * t2; ``x:addcmul(y, [s,] t1, t2)``: x = y + s*t1*t2."""
    return _addc("addcmul", t, args, lambda s, a, b: a * s * b)


@_method("addcdiv", mutates=True)
def addcdiv(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:addcdiv([s,] t1, t2)``: x += s * t1 / t2; ``x:addcdiv(y, [s,] t1, t2)``: x = y + s*t1/t2."""
    return _addc("addcdiv", t, args, lambda s, a, b: a * s / b)


def _addc(name, t, args, term):
    args = list(args)
    base = t
    if len(args) in (3, 4) and _is_t(args[0]) and _is_t(args[1]) and _is_t(args[2]):
        base = args.pop(0)  # x:addcmul(y, t1, t2)
    elif len(args) == 4 and _is_t(args[0]):
        base = args.pop(0)  # x:addcmul(y, s, t1, t2)
    s = args.pop(0) if args and _is_num(args[0]) else 1
    if len(args) != 2 or not all(_is_t(a) for a in args):
        raise _fail(name, "[tensor,] [number,] tensor, tensor", args)
    t1 = _elementwise(base, args[0], name)
    t2 = _elementwise(base, args[1], name)
    val = base + term(_scalar(t, s), t1, t2)
    return _store(t, val)


@_method("pow", mutates=True)
def pow_(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:pow(n)`` in place; ``x:pow(y, n)``: x = y^n; ``x:pow(n, y)``: x = n^y."""
    if len(args) == 1 and _is_num(args[0]):
        return _store(t, libm.power(t, _scalar(t, args[0])))
    if len(args) == 2 and _is_t(args[0]) and _is_num(args[1]):
        return _store(t, libm.power(args[0], _scalar(t, args[1])))
    if len(args) == 2 and _is_num(args[0]) and _is_t(args[1]):
        return _store(t, libm.power(_scalar(t, args[0]), args[1]))
    raise _fail("pow", "[tensor,] number | number, tensor", args)


@_method("clamp", mutates=True)
def clamp(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:clamp(lo, hi)`` in place or ``x:clamp(y, lo, hi)`` into ``x``."""
    base = args[0] if len(args) == 3 else t
    lo, hi = args[-2], args[-1]
    return _store(t, torch.clamp(base, _scalar(t, lo), _scalar(t, hi)))


def _unary(name: str, fn):
    def method(t: torch.Tensor, src=None) -> torch.Tensor:
        if src is not None and not _is_t(src):
            raise _fail(name, "[tensor]", [src])
        return _store(t, fn(t if src is None else src))

    method.__doc__ = f"``x:{name}()`` in place, or ``x:{name}(y)``: x = {name}(y). Returns ``x``."
    return method


for _name in libm.FUNCTIONS:
    # Torch7 calls the C library on each element (see runtime.libm)
    TENSOR_METHODS[_name] = _method(mutates=True)(_unary(_name, functools.partial(libm.apply, _name)))
for _name, _fn in {"neg": torch.neg, "sign": torch.sign}.items():
    TENSOR_METHODS[_name] = _method(mutates=True)(_unary(_name, _fn))


# ------------------------------------------------------------------ matrix products
def _blas(name: str, t: torch.Tensor, args, dims: tuple[int, int, int], product, method: bool = True):
    """Torch7's ``res = v1*M + v2*(a op b)``.

    Method form ``x:name([M,] [v2,] a, b)`` or ``x:name(v1, [M,] v2, a, b)``: M defaults
    to ``x``, and ``x`` must already have M's number of dimensions. Function form
    ``torch.name([res,] [v1,] M, [v2,] a, b)``."""
    args = list(args)
    expected = "[v1,] [M,] [v2,] tensor, tensor"
    if len(args) < 2 or not (_is_t(args[-1]) and _is_t(args[-2])):
        raise _fail(name, expected, args)
    a, b = args[-2], args[-1]
    head = args[:-2]
    nums = [x for x in head if _is_num(x)]
    tens = [x for x in head if _is_t(x)]
    if len(nums) + len(tens) != len(head) or len(tens) > 1 or len(nums) > 2:
        raise _fail(name, expected, args)
    m = tens[0] if tens else t
    pos_m = next((i for i, x in enumerate(head) if x is m), 0)
    before_m = [x for x in head[:pos_m] if _is_num(x)] if tens else []
    if method:
        # a single number is v2; two are v1 and v2 (v1 never alone)
        if len(nums) == 1 and before_m:
            raise _fail(name, "[M,] [v2,] a, b | v1, [M,] v2, a, b", args)
        if t.dim() != dims[0]:
            raise LuaTensorError(f"Tensor:{name}: the result must be a {dims[0]}-D tensor, got {_describe(t)}")
    v1, v2 = nums if len(nums) == 2 else [1, nums[0]] if nums and not before_m else [nums[0], 1] if nums else [1, 1]
    if m.dim() != dims[0] or a.dim() != dims[1] or b.dim() != dims[2]:
        raise LuaTensorError(
            f"Tensor:{name}: expected {dims[0]}-D, {dims[1]}-D and {dims[2]}-D tensors, "
            f"got {_describe(m)}, {_describe(a)}, {_describe(b)}"
        )
    prod = product(a, b)
    if v2 != 1:
        prod = prod * _scalar(t, v2)
    base = torch.zeros_like(m) if v1 == 0 else m if v1 == 1 else m * _scalar(t, v1)
    return _store(t, base + prod)


#: the ``v1*M + v2*(a op b)`` family: name -> (dimensions of M, a, b), product
BLAS = {
    "addmm": ((2, 2, 2), torch.mm),
    "addmv": ((1, 2, 1), torch.mv),
    "addr": ((2, 1, 1), torch.outer),
    "addbmm": ((2, 3, 3), lambda a, b: torch.bmm(a, b).sum(0)),
    "baddbmm": ((3, 3, 3), torch.bmm),
}


def blas(name: str, res: torch.Tensor, args, method: bool) -> torch.Tensor:
    """``res:name(args)`` (``method``) or ``torch.name(res, args)`` for a :data:`BLAS` op."""
    dims, product = BLAS[name]
    with torch.no_grad():
        return _blas(name, res, args, dims, product, method)


@_method("addmm", mutates=True)
def addmm(t, *args):
    """``x:addmm([v1,] [M,] [v2,] A, B)``: x = v1*M + v2*A@B (M defaults to x). Returns x."""
    return _blas("addmm", t, args, (2, 2, 2), torch.mm)


@_method("addmv", mutates=True)
def addmv(t, *args):
    """``x:addmv([v1,] [v,] [v2,] A, w)``: x = v1*v + v2*A@w. Returns x."""
    return _blas("addmv", t, args, (1, 2, 1), torch.mv)


@_method("addr", mutates=True)
def addr(t, *args):
    """``x:addr([v1,] [M,] [v2,] a, b)``: x = v1*M + v2*outer(a, b). Returns x."""
    return _blas("addr", t, args, (2, 1, 1), torch.outer)


@_method("addbmm", mutates=True)
def addbmm(t, *args):
    """``x:addbmm([v1,] [M,] [v2,] A, B)``: x = v1*M + v2*sum_i A_i@B_i. Returns x."""
    return _blas("addbmm", t, args, (2, 3, 3), lambda a, b: torch.bmm(a, b).sum(0))


@_method("baddbmm", mutates=True)
def baddbmm(t, *args):
    """``x:baddbmm([v1,] [M,] [v2,] A, B)``: x_i = v1*M_i + v2*A_i@B_i. Returns x."""
    return _blas("baddbmm", t, args, (3, 3, 3), torch.bmm)


def _product_into(name, op, res_dim):
    def method(t, a, b):
        out = op(a, b)
        if t.shape != out.shape:
            # Torch7 computes 0*x + a op b with x itself as the added matrix
            raise LuaTensorError(
                f"Tensor:{name}: the result tensor must already have the product's size "
                f"{tuple(out.shape)}, got {_describe(t)}"
            )
        return _store(t, out)

    method.__doc__ = f"``x:{name}(a, b)``: x = {name}(a, b) (``x`` must already have that size). Returns x."
    return method


for _name, _op, _rd in [("mm", torch.mm, 2), ("mv", torch.mv, 1), ("bmm", torch.bmm, 3), ("ger", torch.outer, 2)]:
    TENSOR_METHODS[_name] = _method(mutates=True)(_product_into(_name, _op, _rd))


@_method("dot")
def dot(t: torch.Tensor, other: torch.Tensor) -> float:
    """The sum of element-wise products (any shapes with as many elements).

    Torch7 calls BLAS ``dot``; OpenBLAS sums vectors of fewer than 16 doubles one fused
    multiply-add at a time, which is reproduced here exactly (longer ones use torch's dot)."""
    a = t.reshape(-1)
    b = _elementwise(t, other, "dot").reshape(-1).to(t.dtype)
    if a.dtype == torch.float64 and a.numel() < 16:
        acc = torch.zeros(1, dtype=torch.float64)
        for i, ai in enumerate(a.tolist()):
            acc.add_(b[i : i + 1], alpha=ai)  # fused, as torch's CPU kernel does
        return float(acc)
    return float(torch.dot(a, b))


@_method("cross")
def cross(t: torch.Tensor, other: torch.Tensor, d=None) -> torch.Tensor:
    dd = _dim(t, d, "cross") if d is not None else next(i for i, s in enumerate(t.shape) if s == 3)
    return torch.linalg.cross(t, other, dim=dd)


# ------------------------------------------------------------------ reductions
def _number(v: torch.Tensor):
    return v.item()


def _sequential_sum(t: torch.Tensor, dd: int | None):
    """Torch7's sums: one running total per slice in element order, in double for
    floating types (a cumulative sum's last element is exactly that)."""
    if not t.is_floating_point():
        return t.sum() if dd is None else t.sum(dd, keepdim=True)
    if dd is None:
        return t.reshape(-1).double().cumsum(0)[-1] if t.numel() else torch.zeros((), dtype=torch.float64)
    n = t.shape[dd]
    return t.double().cumsum(dd).narrow(dd, n - 1, 1).to(t.dtype)


@_method("sum")
def sum_(t: torch.Tensor, d=None):
    """``t:sum()`` -> number; ``t:sum(d)`` -> tensor with ``d`` kept (size 1)."""
    if d is None:
        return _number(_sequential_sum(t, None))
    return _sequential_sum(t, _dim(t, d, "sum"))


def _acc(t: torch.Tensor) -> torch.Tensor:
    """Torch7 reduces floating tensors in double (its ``accreal``)."""
    return t.double() if t.is_floating_point() else t


@_method("prod")
def prod(t: torch.Tensor, d=None):
    if d is None:
        return _number(_acc(t).prod())
    return _acc(t).prod(_dim(t, d, "prod"), keepdim=True).to(t.dtype)


@_method("mean")
def mean(t: torch.Tensor, d=None):
    """``t:mean()`` -> number; ``t:mean(d)`` -> tensor with ``d`` kept (sum / count, as Torch7)."""
    if d is None:
        return _number(_sequential_sum(t, None)) / t.numel()
    dd = _dim(t, d, "mean")
    return _sequential_sum(t, dd) / t.shape[dd]


@_method("std")
def std(t: torch.Tensor, *args):
    """``t:std([flag])`` -> number, ``t:std(d, [flag])`` -> tensor; flag true = biased (n)."""
    if args and _is_num(args[0]):
        unbiased = not (len(args) > 1 and args[1])
        return _acc(t).std(_dim(t, args[0], "std"), keepdim=True, unbiased=unbiased).to(t.dtype)
    return _number(_acc(t).std(unbiased=not (args and args[0])))


@_method("var")
def var(t: torch.Tensor, *args):
    """``t:var([flag])`` -> number, ``t:var(d, [flag])`` -> tensor; flag true = biased (n)."""
    if args and _is_num(args[0]):
        unbiased = not (len(args) > 1 and args[1])
        return _acc(t).var(_dim(t, args[0], "var"), keepdim=True, unbiased=unbiased).to(t.dtype)
    return _number(_acc(t).var(unbiased=not (args and args[0])))


@_method("norm")
def norm(t: torch.Tensor, p=2, d=None):
    """``t:norm([p])`` -> number; ``t:norm(p, d)`` -> tensor with ``d`` kept."""
    if d is None and t.is_floating_point() and float(p) in (1.0, 2.0):
        # THTensor_(normall): one running double total in element order (a clipping program's
        # shrink factor, max_grad_norm / dw:norm(), keeps Lua's last bits only so)
        z = t.reshape(-1).double()
        total = _sequential_sum(z.abs() if float(p) == 1.0 else z * z, None)
        return _number(total) if float(p) == 1.0 else math.sqrt(_number(total))
    if d is None:
        return _number(torch.linalg.vector_norm(_acc(t).reshape(-1), float(p)))
    return torch.linalg.vector_norm(_acc(t), float(p), dim=_dim(t, d, "norm"), keepdim=True).to(t.dtype)


@_method("dist")
def dist(t: torch.Tensor, other: torch.Tensor, p=2) -> float:
    diff = _acc(t) - _acc(_elementwise(t, other, "dist"))
    return _number(torch.linalg.vector_norm(diff.reshape(-1), float(p)))


def _extreme(name: str, op):
    def method(t: torch.Tensor, d=None):
        if d is None:
            if _is_t(t) and t.numel() == 0:
                raise LuaTensorError(f"Tensor:{name}: the tensor is empty")
            return _number(op(t))
        if _is_t(d):  # no element-wise form in Torch7 (that is cmax/cmin)
            raise _fail(name, "[dim]", [d])
        values, idx = op(t, _dim(t, d, name), keepdim=True)
        return values, idx + 1

    method.__doc__ = (
        f"``t:{name}()`` -> number; ``t:{name}(d)`` -> (values, 1-based LongTensor indices), ``d`` kept with size 1."
    )
    return method


TENSOR_METHODS["max"] = _extreme("max", torch.max)
TENSOR_METHODS["min"] = _extreme("min", torch.min)


@_method("median")
def median(t: torch.Tensor, d=None):
    """``t:median([d])``: (values, 1-based indices) along ``d`` (default last), the lower median."""
    dd = t.dim() - 1 if d is None else _dim(t, d, "median")
    values, idx = torch.median(t, dd, keepdim=True)
    return values, idx + 1


@_method("mode")
def mode(t: torch.Tensor, d=None):
    """``t:mode([d])``: (most frequent values, 1-based indices) along ``d`` (default last),
    ``d`` kept; among equally frequent values the smallest wins, as Torch7. The index is
    one of that value's positions (Torch7's unstable sort may report another)."""
    dd = t.dim() - 1 if d is None else _dim(t, d, "mode")
    n = t.shape[dd]
    moved = t.movedim(dd, -1)
    values, indices = [], []
    for row in moved.reshape(-1, n).tolist():
        order = sorted(range(n), key=lambda i: row[i])
        best, best_i, best_freq, freq = 0, 0, 0, 0
        for k, i in enumerate(order):
            freq += 1
            if k == n - 1 or row[i] != row[order[k + 1]]:
                if freq > best_freq:
                    best, best_i, best_freq = row[i], i, freq
                freq = 0
        values.append(best)
        indices.append(best_i + 1)
    shape = moved.shape[:-1] + (1,)
    return (
        torch.tensor(values, dtype=t.dtype).reshape(shape).movedim(-1, dd).contiguous(),
        torch.tensor(indices, dtype=torch.int64).reshape(shape).movedim(-1, dd).contiguous(),
    )


@_method("kthvalue")
def kthvalue(t: torch.Tensor, k, d=None):
    dd = t.dim() - 1 if d is None else _dim(t, d, "kthvalue")
    values, idx = torch.kthvalue(t, int(k), dd, keepdim=True)
    return values, idx + 1


@_method("cumsum")
def cumsum(t: torch.Tensor, d=None) -> torch.Tensor:
    """``t:cumsum([d])``: a **new** tensor of running sums along ``d`` (default 1), as in
    Torch7 (it does not work in place)."""
    return torch.cumsum(t, 0 if d is None else _dim(t, d, "cumsum"))


@_method("cumprod")
def cumprod(t: torch.Tensor, d=None) -> torch.Tensor:
    """``t:cumprod([d])``: a new tensor of running products along ``d`` (default 1)."""
    return torch.cumprod(t, 0 if d is None else _dim(t, d, "cumprod"))


@_method("sort")
def sort(t: torch.Tensor, d=None, descending=False):
    """``t:sort([d], [descending])`` -> (sorted values, 1-based LongTensor indices) along
    ``d`` (default the last dimension)."""
    if isinstance(d, bool):
        d, descending = None, d
    dd = t.dim() - 1 if d is None else _dim(t, d, "sort")
    values, idx = torch.sort(t, dim=dd, descending=bool(descending), stable=True)
    return values, idx + 1


def _quickselect(vals: list, idx: list, k: int) -> None:
    """Torch7's quickselect (median-of-three pivot) on ``vals``/``idx`` in place: the
    ``k``-th smallest (0-based) ends at ``k``, smaller ones before it, in Torch7's order."""

    def swap(i, j):
        vals[i], vals[j] = vals[j], vals[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(vals) - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if vals[lo] > vals[hi]:
                swap(lo, hi)
            return
        mid = (lo + hi) >> 1
        swap(mid, lo + 1)
        if vals[lo + 1] > vals[hi]:
            swap(lo + 1, hi)
        if vals[lo] > vals[hi]:
            swap(lo, hi)
        if vals[lo + 1] > vals[lo]:
            swap(lo + 1, lo)
        i, j = lo + 1, hi
        piv = vals[lo]
        while True:
            i += 1
            while vals[i] < piv:
                i += 1
            j -= 1
            while vals[j] > piv:
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


@_method("topk")
def topk(t: torch.Tensor, k, d=None, largest=False, sorted_=False):
    """``t:topk(k, [d], [dir], [sort])``: the ``k`` **smallest** (``dir`` true: largest)
    along ``d`` (default last), as Torch7; returns (values, 1-based indices). Unsorted
    results come in the order Torch7's quickselect leaves them."""
    dd = t.dim() - 1 if d is None else _dim(t, d, "topk")
    n = t.shape[dd]
    k = int(k)
    if not 0 < k <= n:
        raise LuaTensorError(f"Tensor:topk: k = {k} not in range [1, {n}] for dimension {dd + 1}")
    moved = t.movedim(dd, -1)
    rows = moved.reshape(-1, n).tolist()
    out_v, out_i = [], []
    for row in rows:
        idx = list(range(n))
        if largest:
            if n - k > 0:
                _quickselect(row, idx, n - k - 1)
            pairs = list(zip(row[n - k :], idx[n - k :]))
            if sorted_:
                pairs.sort(key=lambda p: -p[0])
        else:
            _quickselect(row, idx, k - 1)
            pairs = list(zip(row[:k], idx[:k]))
            if sorted_:
                pairs.sort(key=lambda p: p[0])
        out_v.append([p[0] for p in pairs])
        out_i.append([p[1] + 1 for p in pairs])
    shape = moved.shape[:-1] + (k,)
    values = torch.tensor(out_v, dtype=t.dtype).reshape(shape).movedim(-1, dd).contiguous()
    indices = torch.tensor(out_i, dtype=torch.int64).reshape(shape).movedim(-1, dd).contiguous()
    return values, indices


@_method("trace")
def trace(t: torch.Tensor):
    return _number(torch.trace(t))


@_method("diag")
def diag(t: torch.Tensor, k=0) -> torch.Tensor:
    return torch.diag(t, int(k))


@_method("tril")
def tril(t: torch.Tensor, k=0) -> torch.Tensor:
    return torch.tril(t, int(k))


@_method("triu")
def triu(t: torch.Tensor, k=0) -> torch.Tensor:
    return torch.triu(t, int(k))


@_method("all")
def all_(t: torch.Tensor) -> bool:
    return bool(t.bool().all())


@_method("any")
def any_(t: torch.Tensor) -> bool:
    return bool(t.bool().any())


def _compare(name: str, op):
    def method(t: torch.Tensor, *args) -> torch.Tensor:
        if len(args) == 1:
            other = args[0]
            o = _elementwise(t, other, name) if _is_t(other) else _scalar(t, other)
            return op(t, o).to(torch.uint8)
        if len(args) == 2 and _is_t(args[0]):  # res:gt(a, b) writes into res
            a, b = args
            o = _elementwise(a, b, name) if _is_t(b) else _scalar(a, b)
            return _store(t, op(a, o).to(t.dtype))
        raise _fail(name, "tensor | number", args)

    method.__doc__ = f"``t:{name}(y | s)``: a ByteTensor of 1 where ``t {name} y``, else 0."
    return method


for _name, _op in {
    "eq": torch.eq,
    "ne": torch.ne,
    "lt": torch.lt,
    "le": torch.le,
    "gt": torch.gt,
    "ge": torch.ge,
}.items():
    TENSOR_METHODS[_name] = _method()(_compare(_name, _op))


# ------------------------------------------------------------------ functions over elements
@_method("apply", mutates=True)
def apply(t: torch.Tensor, fn) -> torch.Tensor:
    """``t:apply(f)``: each element replaced by ``f(element)`` when ``f`` returns a number."""
    flat = t.reshape(-1).tolist()
    for i, v in enumerate(flat):
        r = fn(v)
        if r is not None:
            flat[i] = r
    t.copy_(torch.tensor(flat, dtype=t.dtype).view(t.shape))
    return t


@_method("map", mutates=True)
def map_(t: torch.Tensor, other: torch.Tensor, fn) -> torch.Tensor:
    """``t:map(y, f)``: each element replaced by ``f(t_i, y_i)`` when it returns a number."""
    a = t.reshape(-1).tolist()
    b = _elementwise(t, other, "map").reshape(-1).tolist()
    for i, (x, y) in enumerate(zip(a, b)):
        r = fn(x, y)
        if r is not None:
            a[i] = r
    t.copy_(torch.tensor(a, dtype=t.dtype).view(t.shape))
    return t


@_method("map2", mutates=True)
def map2(t: torch.Tensor, y: torch.Tensor, z: torch.Tensor, fn) -> torch.Tensor:
    """``t:map2(y, z, f)``: each element replaced by ``f(t_i, y_i, z_i)``."""
    a = t.reshape(-1).tolist()
    b = _elementwise(t, y, "map2").reshape(-1).tolist()
    c = _elementwise(t, z, "map2").reshape(-1).tolist()
    for i in range(len(a)):
        r = fn(a[i], b[i], c[i])
        if r is not None:
            a[i] = r
    t.copy_(torch.tensor(a, dtype=t.dtype).view(t.shape))
    return t


# ------------------------------------------------------------------ random
# a CudaTensor's draws come from cutorch's generator, not Torch's stream (see .cuda)
TENSOR_METHODS["uniform"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.uniform_))
TENSOR_METHODS["normal"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.normal_))
TENSOR_METHODS["bernoulli"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.bernoulli_))
TENSOR_METHODS["random"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.random_))
TENSOR_METHODS["exponential"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.exponential_))
TENSOR_METHODS["cauchy"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.cauchy_))
TENSOR_METHODS["logNormal"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.logNormal_))
TENSOR_METHODS["geometric"] = _method(mutates=True)(_cuda.on_cuda_generator(lrandom.geometric_))


@_method("lerp", mutates=True)
def lerp(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:lerp(y, w)``: x = x + w*(y - x) in place; ``x:lerp(a, b, w)`` into ``x``."""
    if len(args) == 2 and _is_t(args[0]) and _is_num(args[1]):
        a, b, w = t, args[0], args[1]
    elif len(args) == 3 and _is_t(args[0]) and _is_t(args[1]) and _is_num(args[2]):
        a, b, w = args
    else:
        raise _fail("lerp", "[tensor,] tensor, number", args)
    return _store(t, a + (_elementwise(a, b, "lerp") - a) * _scalar(t, w))


@_method("equal")
def equal(t: torch.Tensor, other) -> bool:
    """``x:equal(y)``: same size and every element equal."""
    return _is_t(other) and is_same_size_as(t, other) and bool(torch.equal(t, other.to(t.dtype)))


@_method("histc")
def histc(t: torch.Tensor, nbins=100, lo=0, hi=0) -> torch.Tensor:
    """``x:histc([nbins=100], [min], [max])``: a new histogram of ``nbins`` bins over
    [min, max] (both 0: the data's range), counted as Torch7 bins them."""
    nbins = int(nbins)
    lo, hi = _scalar(t, lo), _scalar(t, hi)
    if lo == hi and t.numel():
        lo, hi = t.min().item(), t.max().item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    hist = [0] * nbins
    for v in t.reshape(-1).tolist():
        if lo <= v <= hi:
            hist[min(int((v - lo) / (hi - lo) * nbins), nbins - 1)] += 1
    return torch.tensor(hist, dtype=t.dtype)


@_method("renorm", mutates=True)
def renorm(t: torch.Tensor, *args) -> torch.Tensor:
    """``x:renorm(p, dim, maxnorm)`` in place (or ``x:renorm(src, p, dim, maxnorm)``): each
    slice along ``dim`` whose p-norm exceeds ``maxnorm`` is scaled to ``maxnorm``."""
    src = args[0] if len(args) == 4 else t
    p, d, maxnorm = args[-3:]
    dd = _dim(src, d, "renorm")
    if not p > 0:
        raise LuaTensorError(f"Tensor:renorm: non-positive norm {p} not supported")
    if src.dim() < 2:
        raise LuaTensorError(f"Tensor:renorm: need at least 2 dimensions, got {_describe(src)}")
    out = src.clone()
    for i in range(src.shape[dd]):
        row = src.select(dd, i).reshape(-1).tolist()
        norm = 0.0
        for v in row:
            norm += abs(v) if p == 1 else v * v if p == 2 else abs(v) ** p
        norm = norm ** (1 / p)
        if norm > maxnorm:
            out.select(dd, i).mul_(maxnorm / (norm + 1e-7))
    return _store(t, out)


# ------------------------------------------------------------------ constructors as methods: x:zeros(2, 3)...
def _fill_like_function(name: str):
    def method(t: torch.Tensor, *args) -> torch.Tensor:
        from .torch_functions import TORCH_FUNCTIONS

        if name in ("zeros", "ones", "rand", "randn"):
            t.resize_(as_sizes(args))
            if name == "rand":
                return lrandom.uniform_(t)
            if name == "randn":
                return lrandom.normal_(t)
            return t.fill_(0 if name == "zeros" else 1)
        if name == "randperm":
            if len(args) != 1:
                raise _fail("randperm", "n", args)
            return _store(t, lrandom.randperm(args[0], dtype=t.dtype))
        return _store(t, TORCH_FUNCTIONS[name](*args).to(t.dtype))

    method.__doc__ = f"``x:{name}(...)``: ``torch.{name}(...)`` written into ``x`` (resized). Returns x."
    return method


for _name in ["zeros", "ones", "rand", "randn", "eye", "range", "linspace", "logspace", "cat", "randperm"]:
    TENSOR_METHODS[_name] = _method(mutates=True)(_fill_like_function(_name))


# ------------------------------------------------------------------ bit operations (integer tensors)
def _bitwise(name: str, op, tensor_arg: bool):
    def method(t: torch.Tensor, *args) -> torch.Tensor:
        if t.is_floating_point():
            raise LuaTensorError(f"Tensor:{name}: only integer tensors support bit operations, got {_describe(t)}")
        if len(args) not in (1, 2):
            raise _fail(name, "[tensor,] " + ("tensor" if tensor_arg else "number"), args)
        base, other = (t, args[0]) if len(args) == 1 else args
        if (tensor_arg and not _is_t(other)) or (not tensor_arg and not _is_num(other)):
            raise _fail(name, "[tensor,] " + ("tensor" if tensor_arg else "number"), args)
        o = _elementwise(base, other, name).to(t.dtype) if tensor_arg else int(other)
        return _store(t, op(base, o))

    method.__doc__ = f"``x:{name}(...)`` in place (or ``x:{name}(y, ...)`` into ``x``); integer tensors only."
    return method


for _name, _op in {
    "bitand": torch.bitwise_and,
    "bitor": torch.bitwise_or,
    "bitxor": torch.bitwise_xor,
    "lshift": torch.bitwise_left_shift,
    "rshift": torch.bitwise_right_shift,
}.items():
    TENSOR_METHODS[_name] = _method(mutates=True)(_bitwise(_name, _op, False))
    TENSOR_METHODS["c" + _name] = _method(mutates=True)(_bitwise("c" + _name, _op, True))
