"""Torch7's ``torch.*`` functions with Lua's arguments and returns.

``TORCH_FUNCTIONS[name](*args)`` is ``torch.name(...)`` in Lua: constructors
(``torch.Tensor(2, 3)``, ``torch.LongTensor{1, 2}``, ``torch.zeros``, ``torch.eye``,
``torch.range``...) make tensors of Lua's **double** default type unless
``setdefaulttensortype`` changed it; math functions (``torch.exp(x)``, ``torch.add(x, y)``,
``torch.mm(a, b)``...) return new tensors, or write into a leading result tensor when
given one (``torch.add(res, x, y)``), as Lua; reductions return numbers or (values,
1-based indices); the random functions are Torch7's streams (see ``runtime.random``);
``save``/``load`` read and write Lua-compatible ``.t7`` files.

Example::

    >>> from pygraphnn.lua.runtime.torch_functions import TORCH_FUNCTIONS as torch_
    >>> x = torch_["Tensor"]([[1, 2], [3, 4]])     # torch.Tensor({{1, 2}, {3, 4}})
    >>> torch_["type"](x), torch_["sum"](x)
    ('torch.DoubleTensor', 10.0)
    >>> torch_["range"](1, 3).tolist()
    [1.0, 2.0, 3.0]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import torch

from . import random as lrandom
from . import tensor_types
from .linalg import LINALG
from .storage import LongStorage, Storage, _lua_list, as_sizes
from .tensor_methods import BLAS, TENSOR_METHODS, LuaTensorError, blas

if TYPE_CHECKING:
    from .table import LuaTable

__all__ = ["TORCH_FUNCTIONS", "Timer", "make_tensor"]

TORCH_FUNCTIONS: dict[str, Callable] = {}


def _fn(*names: str):
    def deco(f):
        for n in names:
            TORCH_FUNCTIONS[n] = f
        return f

    return deco


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _nested(obj):
    """A Lua table of numbers (possibly nested) as nested Python lists."""
    if _is_num(obj):
        return obj
    if isinstance(obj, (list, tuple, Mapping)):
        return [_nested(v) for v in _lua_list(obj)]
    raise LuaTensorError(f"torch.Tensor: invalid element (not a number): {obj!r:.40}")


# ------------------------------------------------------------------ constructors
def make_tensor(dtype: torch.dtype, *args) -> torch.Tensor:
    """``torch.<Type>Tensor(...)``: nothing (empty), sizes (``2, 3`` or a LongStorage),
    a Lua table of values (nested for more dimensions), another tensor (a new tensor
    sharing its storage), or ``storage, [offset, sizes, strides]``. New memory is
    zero-filled (Lua leaves it uninitialised)."""
    if not args:
        return torch.empty(0, dtype=dtype)
    first = args[0]
    if isinstance(first, torch.Tensor):
        if first.dtype != dtype:
            raise LuaTensorError(
                f"torch.{tensor_types.typename(torch.empty(0, dtype=dtype))[6:]}: "
                f"cannot share the storage of a {tensor_types.typename(first)}"
            )
        return torch.empty(0, dtype=dtype).set_(first)  # type: ignore[call-overload]  # stubs lack set_(tensor)
    if (
        isinstance(first, Storage)
        and (len(args) > 1 or first.tensor().dtype == dtype)
        and not (first.type() == "torch.LongStorage" and dtype != torch.int64 and len(args) == 1)
    ):
        return TENSOR_METHODS["set"](torch.empty(0, dtype=dtype), first, *args[1:])
    if isinstance(first, (list, tuple, Mapping)) and not isinstance(first, torch.Size) and len(args) == 1:
        values = _nested(first)
        if values == []:
            return torch.empty(0, dtype=dtype)
        try:
            return torch.tensor(values, dtype=torch.float64).to(dtype)
        except (ValueError, TypeError) as e:
            raise LuaTensorError(f"torch.Tensor: invalid tensor sizes in table {first!r:.60}") from e
    sizes = as_sizes(args)
    if any(s < 0 for s in sizes):
        raise LuaTensorError(f"torch.Tensor: sizes must be non-negative, got {sizes}")
    return torch.zeros(sizes, dtype=dtype)


def _constructor(name: str):
    def ctor(*args) -> torch.Tensor:
        dtype = tensor_types.default_dtype() if name == "torch.Tensor" else tensor_types.dtype_of(name)
        t = make_tensor(dtype, *args)
        if "Cuda" in name:
            from . import cuda

            t = cuda.to_device(t)
        return t

    ctor.__doc__ = f"``{name}(...)`` (see :func:`make_tensor`)."
    return ctor


TORCH_FUNCTIONS["Tensor"] = _constructor("torch.Tensor")
for _tname in tensor_types.DTYPES:
    TORCH_FUNCTIONS[_tname[6:]] = _constructor(_tname)


def _storage_ctor(dtype):
    def ctor(init=0) -> Storage:
        return Storage(init, dtype)

    return ctor


TORCH_FUNCTIONS["LongStorage"] = LongStorage
for _sname, _dt in {
    "DoubleStorage": torch.float64,
    "FloatStorage": torch.float32,
    "IntStorage": torch.int32,
    "HalfStorage": torch.float16,
    "ByteStorage": torch.uint8,
    "CharStorage": torch.int8,
    "ShortStorage": torch.int16,
}.items():
    TORCH_FUNCTIONS[_sname] = _storage_ctor(_dt)


@_fn("Storage")
def storage(init=0) -> Storage:
    """``torch.Storage(n)``: a storage of the default type."""
    return Storage(init, tensor_types.default_dtype())


@_fn("zeros")
def zeros(*sizes) -> torch.Tensor:
    return torch.zeros(as_sizes(sizes), dtype=tensor_types.default_dtype())


@_fn("ones")
def ones(*sizes) -> torch.Tensor:
    return torch.ones(as_sizes(sizes), dtype=tensor_types.default_dtype())


@_fn("eye")
def eye(n, m=None) -> torch.Tensor:
    """``torch.eye(n, [m])``: identity, default type."""
    return torch.eye(int(n), int(m if m is not None else n), dtype=tensor_types.default_dtype())


@_fn("range")
def range_(a, b, step=1) -> torch.Tensor:
    """``torch.range(a, b, [step])``: a..b **inclusive**, default type."""
    if step == 0 or (b - a) * step < 0:
        raise LuaTensorError(f"torch.range: upper bound and step are inconsistent: ({a}, {b}, {step})")
    n = int((b - a) / step) + 1
    return (torch.arange(n, dtype=torch.float64) * step + a).to(tensor_types.default_dtype())


@_fn("linspace")
def linspace(a, b, n=100) -> torch.Tensor:
    """``torch.linspace(a, b, [n=100])``: Torch7's ``a + i*(b-a)/(n-1)``."""
    n = int(n)
    if n < 2:
        raise LuaTensorError(f"torch.linspace: the number of points must be larger than one, got {n}")
    step = (b - a) / (n - 1)
    return (torch.arange(n, dtype=torch.float64) * step + a).to(tensor_types.default_dtype())


@_fn("logspace")
def logspace(a, b, n=100) -> torch.Tensor:
    return torch.pow(10.0, linspace(a, b, n))


@_fn("cat")
def cat(*args) -> torch.Tensor:
    """``torch.cat(x1, x2, [dim])`` or ``torch.cat({x1, x2, ...}, [dim])``; ``dim``
    defaults to the last dimension."""
    items = list(args)
    d = items.pop() if items and _is_num(items[-1]) else None
    if len(items) == 1 and not isinstance(items[0], torch.Tensor):
        tensors = list(_lua_list(items[0]))
    else:
        tensors = items
    tensors = [t for t in tensors if t.numel() > 0]
    if not tensors:
        return torch.empty(0, dtype=tensor_types.default_dtype())
    nd = max(t.dim() for t in tensors)
    dd = nd - 1 if d is None else int(d) - 1
    if not 0 <= dd < nd + 1:
        raise LuaTensorError(f"torch.cat: dimension {d} out of range for {nd}-D tensors")
    if dd == nd:
        tensors = [t.unsqueeze(-1) for t in tensors]
    return torch.cat(tensors, dd)


# ------------------------------------------------------------------ math as functions
# torch.f(x, ...) is res:f(x, ...) on a new result tensor, or on a leading result tensor
# when there is one more tensor than the plain form takes.
_INTO_MAX_TENSORS = {
    "add": 2,
    "csub": 2,
    "mul": 1,
    "div": 1,
    "cmul": 2,
    "cdiv": 2,
    "cpow": 2,
    "cmax": 2,
    "cmin": 2,
    "pow": 1,
    "clamp": 1,
    "fmod": 1,
    "remainder": 1,
    "cfmod": 2,
    "cremainder": 2,
    "addcmul": 3,
    "addcdiv": 3,
    "addmm": 3,
    "addmv": 3,
    "addr": 3,
    "addbmm": 3,
    "baddbmm": 3,
    "mm": 2,
    "mv": 2,
    "bmm": 2,
    "ger": 2,
    "atan2": 2,
    "lerp": 2,
    "mod": 1,
    "cmod": 2,
    "renorm": 1,
    "bitand": 1,
    "bitor": 1,
    "bitxor": 1,
    "lshift": 1,
    "rshift": 1,
    "cbitand": 2,
    "cbitor": 2,
    "cbitxor": 2,
    "clshift": 2,
    "crshift": 2,
}
_UNARY = [
    "exp",
    "log",
    "log1p",
    "sqrt",
    "rsqrt",
    "abs",
    "sigmoid",
    "tanh",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "ceil",
    "floor",
    "round",
    "trunc",
    "frac",
    "neg",
    "sign",
    "cinv",
]
_INTO_MAX_TENSORS.update({u: 1 for u in _UNARY})


# torch.floor(7.5) etc.: TensorMath.lua's number variant, the C function of the default type's
# real on a Lua number (main.lua's `torch.floor(n / seq_length)`, `torch.exp(perp)`)
_NUMBER_VARIANT = set(_UNARY) - {"neg", "cinv"}
# integral results are Python ints, as the port's math.floor is, so they index and count
_INTEGRAL = {"floor", "ceil", "round", "trunc"}


def _on_number(name: str, x) -> float | int:
    from .libm import _scalar_fn

    single = tensor_types.default_dtype() == torch.float32
    v = _scalar_fn(name, single)(float(x))
    return int(v) if name in _INTEGRAL and v == v and abs(v) != float("inf") else v


def _into(name: str):
    method = TENSOR_METHODS[name]
    limit = _INTO_MAX_TENSORS[name]

    def fn(*args):
        if name in _NUMBER_VARIANT and len(args) == 1 and _is_num(args[0]):
            return _on_number(name, args[0])
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        res_given = len(tensors) > limit and isinstance(args[0], torch.Tensor)
        if name in BLAS:
            res = args[0] if res_given else torch.empty(0, dtype=tensors[0].dtype if tensors else torch.float64)
            return blas(name, res, args[1:] if res_given else args, method=False)
        if name in _PRODUCTS:
            if not res_given:
                return _PRODUCTS[name](*args)
            out = _PRODUCTS[name](*args[1:])
            with torch.no_grad():
                args[0].resize_(out.shape).copy_(out)
            return args[0]
        if res_given:
            return method(args[0], *args[1:])
        template = tensors[0] if tensors else torch.empty(0, dtype=tensor_types.default_dtype())
        return method(torch.empty(0, dtype=template.dtype, device=template.device), *args)

    fn.__doc__ = f"``torch.{name}(...)``: a new result (or into a leading result tensor)."
    return fn


_PRODUCTS = {"mm": torch.mm, "mv": torch.mv, "bmm": torch.bmm, "ger": torch.outer}


for _name in _INTO_MAX_TENSORS:
    TORCH_FUNCTIONS[_name] = _into(_name)

# functions that read their tensor and return something new: torch.f(x, ...) = x:f(...)
for _name in [
    "sum",
    "prod",
    "mean",
    "std",
    "var",
    "norm",
    "dist",
    "max",
    "min",
    "median",
    "kthvalue",
    "cumsum",
    "cumprod",
    "sort",
    "topk",
    "trace",
    "diag",
    "tril",
    "triu",
    "all",
    "any",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "dot",
    "cross",
    "nonzero",
    "squeeze",
    "view",
    "viewAs",
    "expand",
    "expandAs",
    "split",
    "chunk",
    "gather",
    "repeatTensor",
    "reshape",
    "permute",
    "numel",
    "equal",
    "histc",
    "mode",
    "totable",
    "fill",
    "zero",
    "scatter",
]:
    # (Torch7 has no torch.transpose, torch.t, torch.narrow, torch.select, torch.sub,
    # torch.index, torch.clone...: those are methods only)
    TORCH_FUNCTIONS[_name] = TENSOR_METHODS[_name]


TORCH_FUNCTIONS.update(LINALG)

# ------------------------------------------------------------------ random
for _name in [
    "manualSeed",
    "seed",
    "initialSeed",
    "getRNGState",
    "setRNGState",
    "multinomial",
    "randperm",
    "rand",
    "randn",
]:
    TORCH_FUNCTIONS[_name] = getattr(lrandom, _name)


def _random_function(name: str):
    scalar, fill = getattr(lrandom, name), TENSOR_METHODS[name]

    def fn(*args):
        # torch.normal(x, ...) with a tensor first fills x (Lua's result-first form)
        if args and isinstance(args[0], torch.Tensor):
            return fill(*args)
        return scalar(*args)

    fn.__doc__ = f"``torch.{name}(...)``: a number, or ``torch.{name}(x, ...)`` fills ``x``."
    return fn


for _name in ["random", "uniform", "normal", "exponential", "cauchy", "logNormal", "geometric", "bernoulli"]:
    TORCH_FUNCTIONS[_name] = _random_function(_name)


# ------------------------------------------------------------------ types
TORCH_FUNCTIONS["setdefaulttensortype"] = tensor_types.set_default_type
TORCH_FUNCTIONS["getdefaulttensortype"] = tensor_types.default_type
TORCH_FUNCTIONS["isTensor"] = tensor_types.is_tensor


@_fn("isStorage")
def is_storage(obj) -> bool:
    return isinstance(obj, Storage)


@_fn("typename")
def typename(obj):
    """``torch.typename(obj)``: a tensor's or storage's Torch class name, else None."""
    if isinstance(obj, torch.Tensor):
        return tensor_types.typename(obj)
    if isinstance(obj, Storage):
        return obj.type()
    lua_name = getattr(obj, "lua_typename", None) or getattr(obj, "__typename", None)
    if callable(lua_name):
        return lua_name()
    pygraphnn_module = type(obj).__module__.startswith(("pygraphnn.nn.", "pygraphnn.gmodule"))
    if lua_name is None and isinstance(obj, torch.nn.Module) and pygraphnn_module:
        return f"nn.{type(obj).__name__}"  # the zoo's classes carry their Lua names (nn.gModule too)
    return lua_name


@_fn("type")
def type_(obj) -> str:
    """``torch.type(obj)``: the Torch class name when there is one, else Lua's ``type``."""
    name = typename(obj)
    if name:
        return name
    if obj is None:
        return "nil"
    if isinstance(obj, bool):
        return "boolean"
    if _is_num(obj):
        return "number"
    if isinstance(obj, str):
        return "string"
    if callable(obj):
        return "function"
    return "table"


# ------------------------------------------------------------------ files, threads, time
@_fn("save")
def save(path, obj, mode: str = "binary") -> None:
    """``torch.save(path, obj, [format])``: a ``.t7`` file Lua can read (via ``save_t7``)."""
    from ..classes.save import save_t7

    save_t7(_plain_tables(obj, {}), path, mode="ascii" if mode == "ascii" else "binary")


def _plain_tables(obj, memo: dict):
    """The runtime's Lua tables as the dicts the t7 writer takes (a table kept twice stays
    one table); char-rnn saves ``checkpoint.protos = protos`` and the like."""
    from .table import LuaTable

    if isinstance(obj, LuaTable):
        if id(obj) not in memo:
            out = memo[id(obj)] = {}
            for i, v in enumerate(obj._arr, 1):
                out[i] = _plain_tables(v, memo)
            for k, v in obj._hash.items():
                out[k] = _plain_tables(v, memo)
        return memo[id(obj)]
    if isinstance(obj, dict):
        if id(obj) not in memo:
            out = memo[id(obj)] = {}
            out.update({k: _plain_tables(v, memo) for k, v in obj.items()})
        return memo[id(obj)]
    return obj


@_fn("load")
def load(path, mode: str | None = None):
    """``torch.load(path, [format])`` (via ``load_t7``; nothing in the file is executed)."""
    from ..classes.load import load_t7
    from ..format.t7 import T7Error
    from . import objects

    try:
        loaded = load_t7(path, mode=mode) if mode else load_t7(path)
    except T7Error:
        if not objects._CLASSES:
            raise
        # objects of the program's own classes (practical6's Embedding in its saved protos): read as
        # raw objects, then each made an object of the ported class with the fields the file holds
        raw = load_t7(path, mode=mode, strict=False) if mode else load_t7(path, strict=False)
        loaded = objects.adopt_program_objects(raw)
    return _integral_numbers(loaded, set())


def _integral_numbers(obj, seen: set):
    """The file's tables with whole numbers as ``int``: a ``.t7`` stores every Lua number as a
    double, and a ported ``for L = 1, checkpoint.opt.num_layers`` needs an int where Lua's 2.0 is 2."""
    if isinstance(obj, dict) and id(obj) not in seen:
        seen.add(id(obj))
        for k, v in obj.items():
            if type(v) is float and v.is_integer() and abs(v) < 2**53:
                obj[k] = int(v)
            else:
                _integral_numbers(v, seen)
    elif isinstance(obj, list) and id(obj) not in seen:
        seen.add(id(obj))
        for i, v in enumerate(obj):
            if type(v) is float and v.is_integer() and abs(v) < 2**53:
                obj[i] = int(v)
            else:
                _integral_numbers(v, seen)
    return obj


@_fn("getnumcores")
def getnumcores() -> int:
    """``torch.getnumcores()``: the number of CPU cores."""
    return os.cpu_count() or 1


@_fn("isequal")
def isequal(a, b) -> bool:
    """``torch.isequal(a, b)``: whether both are the same Torch object (identity, not
    values: that is ``a:equal(b)``)."""
    return a is b


@_fn("setnumthreads")
def setnumthreads(n) -> None:
    torch.set_num_threads(max(1, int(n)))


@_fn("getnumthreads")
def getnumthreads() -> int:
    return torch.get_num_threads()


class Timer:
    """``torch.Timer()``: ``time()`` -> ``{real=, user=, sys=}`` seconds since creation or
    ``reset()``, not counting time between ``stop()`` and ``resume()``."""

    def __init__(self):
        self.reset()

    def _now(self):
        cpu = time.process_time()
        return time.perf_counter(), cpu, 0.0

    def reset(self) -> Timer:
        self._start = self._now()
        self._acc = (0.0, 0.0, 0.0)
        self._running = True
        return self

    def stop(self) -> Timer:
        if self._running:
            now = self._now()
            self._acc = tuple(a + n - s for a, n, s in zip(self._acc, now, self._start))
            self._running = False
        return self

    def resume(self) -> Timer:
        if not self._running:
            self._start = self._now()
            self._running = True
        return self

    def time(self) -> LuaTable:
        acc = self._acc
        if self._running:
            now = self._now()
            acc = tuple(a + n - s for a, n, s in zip(acc, now, self._start))
        from .table import LuaTable

        # a Lua table: programs read timer:time().real
        return LuaTable({"real": acc[0], "user": acc[1], "sys": acc[2]})


TORCH_FUNCTIONS["Timer"] = Timer
_tic = [time.perf_counter()]


@_fn("tic")
def tic() -> float:
    """``torch.tic()``: start a wall-clock stopwatch (returns the start time)."""
    _tic[0] = time.perf_counter()
    return _tic[0]


@_fn("toc")
def toc(start=None) -> float:
    """``torch.toc([start])``: seconds since ``tic()``."""
    return time.perf_counter() - (_tic[0] if start is None else start)


def _memory_file(*args):
    from .memory_file import MemoryFile

    return MemoryFile(*args)


TORCH_FUNCTIONS["MemoryFile"] = _memory_file


def _disk_file(*args):
    from .disk_file import DiskFile

    return DiskFile(*args)


TORCH_FUNCTIONS["DiskFile"] = _disk_file
