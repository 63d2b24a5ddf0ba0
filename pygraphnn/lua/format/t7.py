"""Read and write Torch7 ``.t7`` files (``torch.save`` / ``torch.load``), binary or ASCII.

This is the generic serialization layer only: it turns a file into plain Python objects
and back, without knowing what an ``nn.Linear`` or an ``nngraph.Node`` means.
Nothing read from a file is ever executed.

>>> import io, torch
>>> buf = io.BytesIO()
>>> save_t7({'w': torch.ones(2, 3), 'n': 3}, buf)
>>> t = load_t7_raw(io.BytesIO(buf.getvalue()))
>>> t.w.shape, t['n']
(torch.Size([2, 3]), 3.0)

Lua value            -> Python value (``load_t7_raw``)
-------------------------------------------------------
nil                  -> ``None``
boolean              -> ``bool``
number               -> ``float`` (always: Lua 5.1/LuaJIT numbers are doubles)
string               -> ``str``, decoded as UTF-8 with ``errors='surrogateescape'`` so that
                        any byte string survives a load/save round trip unchanged
table                -> :class:`LuaTable` (a ``dict``); integral number keys become ``int``,
                        other number keys stay ``float``, string keys ``str``; keys that are
                        neither (booleans, tables, torch objects, tensors, functions) are
                        wrapped in :class:`LuaKey` (Lua compares them by identity)
torch.<T>Tensor      -> ``torch.Tensor`` of the matching dtype, a ``torch.as_strided`` view of
                        its storage (tensors that share a storage in the file share memory);
                        a tensor with ``nDimension == 0`` is ``torch.empty(0)``
torch.<T>Storage     -> :class:`Storage` (holds a 1-D tensor over the whole storage)
torch.Cuda*          -> loaded like the CPU class of the same element type, on the CPU
                        (cutorch writes the CPU layout): ``CudaTensor`` float32,
                        ``CudaDoubleTensor`` float64, ``CudaHalfTensor`` float16, ...
tds.Hash / tds.Vec   -> :class:`TdsHash` (a :class:`LuaTable`) / :class:`TdsVec` (a ``list``)
other torch classes  -> :class:`TorchObject` (``class_name``, ``version``, ``state``)
function             -> :class:`LuaFunction` (the dumped bytecode and upvalues; inert)

Shared and cyclic references resolve to the same Python object. ``save_t7`` does the
reverse (see its docstring). Corrupt, truncated or hostile input raises :class:`T7Error`
and nothing else; its message names the byte offset and the place in the object
(``protos.rnn.forwardnodes[3]``). Memory stays bounded by the file: every count is
checked against the bytes left before anything is allocated, and tensor views that
address more than the file holds (zero strides) are limited by ``max_tensor_bytes``.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import re
import struct
import sys
from dataclasses import dataclass

import torch

try:  # optional: only to accept numpy arrays and numpy booleans in save_t7 / keys
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None  # type: ignore[assignment]  # optional module: every use tests for None first

__all__ = [
    "STORAGE_CLASSES",
    "TENSOR_CLASSES",
    "LuaFunction",
    "LuaKey",
    "LuaTable",
    "Storage",
    "T7Error",
    "TdsHash",
    "TdsVec",
    "TorchObject",
    "load_t7_raw",
    "save_t7",
]

TYPE_NIL = 0
TYPE_NUMBER = 1
TYPE_STRING = 2
TYPE_TABLE = 3
TYPE_TORCH = 4
TYPE_BOOLEAN = 5
TYPE_FUNCTION = 6  # old format: no reference index, upvalues are a plain list
TYPE_LEGACY_RECUR_FUNCTION = 7  # reference index, upvalues are a plain list
TYPE_RECUR_FUNCTION = 8  # what torch7 writes today: upvalues are {name=, value=} tables

MAX_DIMS = 64
DEFAULT_MAX_DEPTH = 200_000
# Default budget for the tensors of one file (see load_t7_raw's max_tensor_bytes): genuine
# files hold at most about their own size in tensors (views share their storage), so a
# few times the file plus a fixed allowance for expanded (zero-stride) views.
TENSOR_BYTES_PER_FILE_BYTE = 4
TENSOR_BYTES_ALLOWANCE = 64 << 20


class T7Error(ValueError):
    """A ``.t7`` file is corrupt, truncated, or uses a layout this reader does not support.

    Attributes: ``reason`` (what went wrong), ``offset`` (byte offset in the file where the
    offending item starts, or ``None``) and ``path`` (where in the object, e.g.
    ``protos.rnn.forwardnodes[12].data.module``; ``<root>`` for the top-level object).
    """

    def __init__(self, reason, *, offset=None, path=None):
        self.reason = reason
        self.offset = offset
        self.path = path
        where = []
        if path is not None:
            where.append(f"at {path}")
        if offset is not None:
            where.append(f"byte offset {offset}")
        super().__init__(f"{reason} ({', '.join(where)})" if where else reason)


# ----------------------------------------------------------------------------------------
# Python types for Lua values
# ----------------------------------------------------------------------------------------


class LuaKey:
    """A table key that Lua compares by identity: a table, torch object, tensor, function
    or boolean. ``key.obj`` is the object; two ``LuaKey`` are equal iff they wrap the very
    same object. (Booleans are wrapped too, so ``true`` and ``1`` stay distinct keys as in
    Lua, where Python would merge them.) ``LuaTable`` wraps such keys automatically on
    lookup, so ``mapindex[node.data]`` works.
    """

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, LuaKey) and other.obj is self.obj

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(id(self.obj))

    def __reduce__(self):
        return (LuaKey, (self.obj,))

    def __repr__(self):
        return f"LuaKey({_describe(self.obj)})"


def _norm_key(k):
    """The key under which ``k`` is stored in a LuaTable (Lua key semantics)."""
    t = type(k)
    if t is str or t is int or t is LuaKey or k is None:
        return k
    if t is float:
        return int(k) if k.is_integer() else k
    if isinstance(k, bool) or (_np is not None and isinstance(k, _np.bool_)):
        return LuaKey(bool(k))
    if isinstance(k, (bytes, bytearray)):
        return bytes(k).decode("utf-8", "surrogateescape")
    if isinstance(k, numbers.Integral):
        return int(k)
    if isinstance(k, numbers.Real):
        return _norm_key(float(k))
    if isinstance(k, str):
        return str(k)
    return LuaKey(k)


def _norm_setkey(k):
    k = _norm_key(k)
    if k is None or (type(k) is float and k != k):
        raise ValueError(f"{k!r} cannot be a Lua table key")
    return k


class LuaTable(dict):
    """A Lua table: a ``dict`` keeping the file's keys.

    Integral number keys are ``int`` (``t[1]``, and ``t[1.0]`` finds the same entry), string
    keys ``str``. Other keys are stored as :class:`LuaKey`; ``t[obj]``, ``obj in t`` and
    ``t.get(obj)`` wrap ``obj`` for you. String fields can also be read as attributes
    (``node.data.module``) unless a ``dict`` method has that name (``t['keys']``).
    No list heuristic is applied: use :meth:`is_list` / :meth:`to_list`.
    """

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        super().__init__()
        if args or kwargs:
            self.update(*args, **kwargs)

    def __getitem__(self, k):
        return dict.__getitem__(self, _norm_key(k))

    def __setitem__(self, k, v):
        dict.__setitem__(self, _norm_setkey(k), v)

    def __delitem__(self, k):
        dict.__delitem__(self, _norm_key(k))

    def __contains__(self, k):
        return dict.__contains__(self, _norm_key(k))

    def get(self, k, default=None):
        return dict.get(self, _norm_key(k), default)

    def pop(self, k, *default):
        return dict.pop(self, _norm_key(k), *default)

    def setdefault(self, k, default=None):
        return dict.setdefault(self, _norm_setkey(k), default)

    def update(self, *args, **kwargs):
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        if args:
            other = args[0]
            items = other.items() if hasattr(other, "items") else other
            for k, v in items:
                self[k] = v
        for k, v in kwargs.items():
            self[k] = v

    def copy(self):
        return LuaTable(self)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise AttributeError(f"Lua table has no field {name!r}") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        try:
            dict.__delitem__(self, name)
        except KeyError:
            raise AttributeError(name) from None

    def is_list(self):
        """True iff the keys are exactly the integers ``1..len(self)`` (so ``{}`` is a list)."""
        n = len(self)
        return all(type(k) is int and 1 <= k <= n for k in self)

    def to_list(self):
        """The values for keys ``1..n`` as a Python list; ``ValueError`` if not :meth:`is_list`."""
        if not self.is_list():
            keys = sorted(map(repr, self))[:8]
            raise ValueError(f"Lua table is not a list 1..n (keys: {', '.join(keys)})")
        return [dict.__getitem__(self, i) for i in range(1, len(self) + 1)]

    def __repr__(self):
        return f"LuaTable({dict.__repr__(self)})"


_NO_STATE = object()


class TorchObject:
    """An instance of a non-tensor torch class (``nn.Linear``, ``nngraph.Node``, ``OneHot``...).

    ``class_name`` is the torch class name, ``version`` the class version from the file
    (0 for files older than the versioning scheme), ``state`` the serialized state (for
    ``torch.class`` objects the table of the object's fields). Fields of the state read as
    attributes (``module.weight``) or items (``module['weight']``); ``obj['state']`` reaches a
    field that the ``class_name``/``state``/``version`` attributes hide. Identity semantics:
    two TorchObjects are equal only if they are the same object.
    """

    __slots__ = ("__weakref__", "class_name", "state", "version")

    def __init__(self, class_name, state=_NO_STATE, version=1):
        object.__setattr__(self, "class_name", class_name)
        object.__setattr__(self, "state", LuaTable() if state is _NO_STATE else state)
        object.__setattr__(self, "version", version)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            state = object.__getattribute__(self, "state")
            cls = object.__getattribute__(self, "class_name")
        except AttributeError:
            raise AttributeError(name) from None
        if isinstance(state, dict):
            try:
                return state[name]
            except KeyError:
                pass
        raise AttributeError(f"{cls} object has no field {name!r}")

    def __setattr__(self, name, value):
        if name in TorchObject.__slots__:
            object.__setattr__(self, name, value)
        else:
            self.state[name] = value

    def __getitem__(self, k):
        return self.state[k]

    def __setitem__(self, k, v):
        self.state[k] = v

    def __contains__(self, k):
        return isinstance(self.state, dict) and k in self.state

    def get(self, k, default=None):
        return self.state.get(k, default) if isinstance(self.state, dict) else default

    def keys(self):
        return self.state.keys() if isinstance(self.state, dict) else ()

    def values(self):
        return self.state.values() if isinstance(self.state, dict) else ()

    def items(self):
        return self.state.items() if isinstance(self.state, dict) else ()

    def __dir__(self):
        names = set(object.__dir__(self))
        if isinstance(self.state, dict):
            names.update(k for k in self.state if isinstance(k, str) and k.isidentifier())
        return sorted(names)

    def __reduce__(self):
        return (TorchObject, (self.class_name, None, self.version), {"state": self.state})

    def __setstate__(self, d):
        object.__setattr__(self, "state", d["state"])

    def __repr__(self):
        if isinstance(self.state, dict):
            fields = sorted(str(k) for k in self.state)
            shown = ", ".join(fields[:12]) + (", ..." if len(fields) > 12 else "")
            return f"TorchObject({self.class_name!r}, fields=[{shown}])"
        return f"TorchObject({self.class_name!r}, state={_describe(self.state)})"


@dataclass(frozen=True)
class _ElemType:
    name: str  # Torch7 name: Double, Float, ...
    dtype: torch.dtype
    size: int  # bytes per element in a binary file (little-endian)
    ascii_fmt: str  # printf format torch7 uses in ASCII files ('' = raw bytes)


_ELEM_TYPES = [
    _ElemType("Double", torch.float64, 8, "%.17g"),
    _ElemType("Float", torch.float32, 4, "%.9g"),
    _ElemType("Half", torch.float16, 2, "%.9g"),
    _ElemType("Byte", torch.uint8, 1, ""),
    _ElemType("Char", torch.int8, 1, ""),
    _ElemType("Short", torch.int16, 2, "%d"),
    _ElemType("Int", torch.int32, 4, "%d"),
    _ElemType("Long", torch.int64, 8, "%d"),
]
_BY_DTYPE = {e.dtype: e for e in _ELEM_TYPES}
_BIG_ENDIAN_HOST = sys.byteorder == "big"


def _swap_bytes(t):
    """Reverse the bytes of every element (little-endian file <-> big-endian host)."""
    size = t.element_size()
    if size == 1:
        return t
    return t.contiguous().view(torch.uint8).view(-1, size).flip(1).contiguous().view(t.dtype).view(-1)


#: class name -> dtype for every tensor class this module reads.
TENSOR_CLASSES: dict[str, torch.dtype] = {}
#: class name -> dtype for every storage class this module reads.
STORAGE_CLASSES: dict[str, torch.dtype] = {}
_CLASS_INFO: dict[str, tuple[bool, _ElemType]] = {}  # name -> (is_tensor, element type)
for _e in _ELEM_TYPES:
    _cuda = "Cuda" if _e.name == "Float" else "Cuda" + _e.name
    # cutorch's CStorage.c writes a Cuda storage through the generic Storage.c with the
    # host type's THFile_write<Real>Raw (Half through THHalf): the CPU layout, byte for byte.
    for _prefix in ("torch." + _e.name, "torch." + _cuda):
        _CLASS_INFO[_prefix + "Tensor"] = (True, _e)
        _CLASS_INFO[_prefix + "Storage"] = (False, _e)
        TENSOR_CLASSES[_prefix + "Tensor"] = _e.dtype
        STORAGE_CLASSES[_prefix + "Storage"] = _e.dtype

# Classes whose write() emits a private binary layout rather than one serialized object.
_UNSUPPORTED_CLASSES = {
    "torch.Generator": "it is written as a raw C struct",
    "tds.AtomicCounter": "a tds counter is shared process state, not data",
}


class Storage:
    """A Torch7 storage (``torch.DoubleStorage`` ...): ``storage.tensor`` is a 1-D tensor over
    all its elements. Tensors read from the same file that use this storage are views of
    ``storage.tensor`` and share its memory.
    """

    __slots__ = ("__weakref__", "tensor")

    def __init__(self, tensor):
        if not isinstance(tensor, torch.Tensor) or tensor.dim() != 1:
            raise TypeError("Storage wants a 1-D torch.Tensor")
        if tensor.dtype not in _BY_DTYPE:
            raise TypeError(f"no Torch7 storage type for dtype {tensor.dtype}")
        self.tensor = tensor

    @property
    def dtype(self):
        return self.tensor.dtype

    @property
    def class_name(self):
        return f"torch.{_BY_DTYPE[self.tensor.dtype].name}Storage"

    def __len__(self):
        return self.tensor.numel()

    def tolist(self):
        return self.tensor.tolist()

    def __repr__(self):
        return f"Storage({self.class_name}, size={len(self)})"


class LuaFunction:
    """A serialized Lua function. It is never loaded or run: ``bytecode`` is the
    ``string.dump`` output (bytes), ``upvalues`` the serialized upvalue table (for
    ``type_tag == 8`` a list of ``{name=, value=}`` tables, for 6 and 7 a list of values).
    """

    __slots__ = ("__weakref__", "bytecode", "type_tag", "upvalues")

    def __init__(self, bytecode, upvalues=None, type_tag=TYPE_RECUR_FUNCTION):
        if type_tag not in (TYPE_FUNCTION, TYPE_LEGACY_RECUR_FUNCTION, TYPE_RECUR_FUNCTION):
            raise ValueError(f"bad function type tag {type_tag}")
        self.bytecode = bytes(bytecode)
        self.upvalues = LuaTable() if upvalues is None else upvalues
        self.type_tag = type_tag

    def __repr__(self):
        return f"LuaFunction({len(self.bytecode)} bytes of bytecode)"


class TdsHash(LuaTable):
    """A ``tds.Hash`` (torch/tds's C-backed hash table): a :class:`LuaTable` that
    :func:`save_t7` writes back as a ``tds.Hash``.

    On disk (tds's ``hash:__write``): a torch object of class ``tds.Hash``, version 0,
    whose body is the entry count (a C ``long``) and then each key and value as an object.

    >>> h = TdsHash({'a': 1.0}); h.a
    1.0
    """

    __slots__ = ()

    def copy(self):
        return TdsHash(self)

    def __repr__(self):
        return f"TdsHash({dict.__repr__(self)})"


class TdsVec(list):
    """A ``tds.Vec`` (torch/tds's C-backed array): a Python ``list`` (Lua's element ``i``
    is ``vec[i - 1]``) that :func:`save_t7` writes back as a ``tds.Vec``.

    On disk (tds's ``vec:__write``): a torch object of class ``tds.Vec``, version 0, whose
    body is the element count (a C ``long``) and then each element as an object.

    >>> TdsVec([1.0, 'x'])[1]
    'x'
    """

    __slots__ = ("__weakref__",)

    def __repr__(self):
        return f"TdsVec({list.__repr__(self)})"


def _describe(obj):
    """A short name for an object, for messages and paths."""
    if obj is None:
        return "nil"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, TorchObject):
        return f"<{obj.class_name}>"
    if isinstance(obj, TdsHash):
        return "<tds.Hash>"
    if isinstance(obj, TdsVec):
        return "<tds.Vec>"
    if isinstance(obj, LuaTable):
        return "<table>"
    if isinstance(obj, torch.Tensor):
        return f"<tensor {tuple(obj.shape)} {obj.dtype}>"
    if isinstance(obj, (Storage, LuaFunction)):
        return f"<{obj!r}>"
    if isinstance(obj, LuaKey):
        return _describe(obj.obj)
    return f"<{type(obj).__name__}>"


# ----------------------------------------------------------------------------------------
# Paths for error messages
# ----------------------------------------------------------------------------------------

_STORAGE_SLOT = ("<storage>",)
_UPVALUES_SLOT = ("<upvalues>",)


def _format_path(parts):
    """``['protos', 'rnn', 'forwardnodes', 12]`` -> ``protos.rnn.forwardnodes[12]``."""
    if len(parts) > 60:  # a corrupt file can nest very deep: keep both ends
        hidden = (f"<{len(parts) - 50} levels>",)
        parts = list(parts[:20]) + [hidden] + list(parts[-30:])
    out = []
    for p in parts:
        if type(p) is tuple:  # a slot that is not a key: <storage>, <upvalues>, <key #i>
            out.append(f".<key #{p[1]}>" if len(p) == 2 else "." + p[0])
        elif type(p) is str:
            if len(p) > 60:  # a key from a corrupt file can be any length
                p = p[:40] + "..."
            out.append("." + p if p.isidentifier() else f"[{p!r}]")
        elif type(p) is int or type(p) is float:
            out.append(f"[{p!r}]")
        else:
            out.append(f"[{_describe(p)}]")
    s = "".join(out)
    if not s:
        return "<root>"
    return s[1:] if s[0] == "." else s


# ----------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------

_INT = struct.Struct("<i")
_LONG8 = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")


class _BinarySource:
    """Little-endian THDiskFile binary primitives over an in-memory file."""

    min_object_bytes = 4  # a nil is one int32 tag

    def __init__(self, data, long_size):
        self.data = data
        self.n = len(data)
        self.pos = 0
        if long_size not in (4, 8):
            raise ValueError("long_size must be 4 or 8")
        self.long_size = long_size
        self._long = _LONG8 if long_size == 8 else _INT

    def remaining(self):
        return self.n - self.pos

    def _need(self, nbytes, what):
        rem = self.n - self.pos
        if nbytes > rem:
            if rem == 0:
                msg = f"file ends where {what} was expected"
            else:
                msg = f"file ends inside {what}: needs {nbytes} bytes, {rem} left"
            raise T7Error("truncated file: " + msg, offset=self.pos)

    def read_int(self, what):
        p = self.pos
        if self.n - p < 4:
            self._need(4, what + " (int32)")
        self.pos = p + 4
        return _INT.unpack_from(self.data, p)[0]

    def read_long(self, what):
        p = self.pos
        ls = self.long_size
        if self.n - p < ls:
            self._need(ls, what + f" (int{8 * ls})")
        self.pos = p + ls
        return self._long.unpack_from(self.data, p)[0]

    def read_longs(self, count, what):
        nbytes = count * self.long_size
        self._need(nbytes, what)
        p = self.pos
        self.pos = p + nbytes
        return list(struct.unpack_from(f"<{count}{'q' if self.long_size == 8 else 'i'}", self.data, p))

    def read_double(self, what):
        p = self.pos
        if self.n - p < 8:
            self._need(8, what + " (float64)")
        self.pos = p + 8
        return _DOUBLE.unpack_from(self.data, p)[0]

    def read_chars(self, count, what):
        if count < 0:
            raise T7Error(f"negative length {count} for {what}", offset=self.pos - 4)
        self._need(count, f"{what} of {count} bytes")
        p = self.pos
        self.pos = p + count
        return bytes(self.data[p : p + count])

    def read_array(self, count, etype, what):
        """``count`` elements of ``etype`` as a fresh 1-D tensor (one copy, native order)."""
        file_dtype = torch.int32 if etype.name == "Long" and self.long_size == 4 else etype.dtype
        size = 4 if file_dtype is torch.int32 and etype.name == "Long" else etype.size
        if count * size > self.n - self.pos:
            raise T7Error(
                f"truncated file or bad size: {what}: {count} elements need {count * size} "
                f"bytes but only {self.n - self.pos} are left in the file",
                offset=self.pos,
            )
        if count == 0:
            return torch.empty(0, dtype=etype.dtype)
        p = self.pos
        t = torch.frombuffer(self.data, dtype=file_dtype, count=count, offset=p)
        self.pos = p + count * size
        if _BIG_ENDIAN_HOST:  # pragma: no cover
            t = _swap_bytes(t)
        return t.clone() if file_dtype is etype.dtype else t.to(etype.dtype)


_WS = b" \t\n\r\v\f"
_TOKEN = re.compile(rb"[ \t\n\r\v\f]*([^ \t\n\r\v\f]+)")
_INT_TOKEN = re.compile(rb"[-+]?[0-9]+")
_FLOAT_TOKEN = re.compile(
    rb"[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    rb"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)"
)
_ASCII_CHUNK = 1 << 16  # numbers parsed at a time in ASCII files
_INT_RANGES = {
    "Short": (-(2**15), 2**15 - 1),
    "Int": (-(2**31), 2**31 - 1),
    "Long": (-(2**63), 2**63 - 1),
}


class _AsciiSource:
    """THDiskFile ASCII primitives: whitespace separated numbers (fscanf), raw bytes for
    chars, and after every read call of n > 0 items one optional newline is swallowed."""

    min_object_bytes = 2  # "0\n"

    def __init__(self, data):
        self.data = data
        self.n = len(data)
        self.pos = 0

    def remaining(self):
        return self.n - self.pos

    def _eat_newline(self):
        if self.pos < self.n and self.data[self.pos] == 10:
            self.pos += 1

    def _tokens(self, count, what, last=True):
        """The next ``count`` tokens; ``last=False`` for a chunk of a longer read (the
        optional newline is only swallowed after the whole read call)."""
        if count > self.n - self.pos:
            raise T7Error(
                f"{what}: {count} numbers cannot fit in the {self.n - self.pos} bytes left",
                offset=self.pos,
            )
        out = []
        data, pos, match = self.data, self.pos, _TOKEN.match
        for _ in range(count):
            m = match(data, pos)
            if m is None:
                raise T7Error(f"truncated file: file ends where {what} was expected", offset=pos)
            out.append(m.group(1))
            pos = m.end()
        self.pos = pos
        if count and last:
            self._eat_newline()
        return out

    def _int(self, tok, lo, hi, what):
        if not _INT_TOKEN.fullmatch(tok):
            raise T7Error(f"expected an integer for {what}, found {tok[:40]!r}", offset=self.pos)
        if len(tok) > 24:
            raise T7Error(f"{what} {tok[:40].decode()}... is out of range", offset=self.pos)
        v = int(tok)
        if not lo <= v <= hi:
            raise T7Error(f"{what} {v} is out of range", offset=self.pos)
        return v

    def _float(self, tok, what):
        if not _FLOAT_TOKEN.fullmatch(tok):
            raise T7Error(f"expected a number for {what}, found {tok[:40]!r}", offset=self.pos)
        return float(tok.split(b"(")[0])

    def read_int(self, what):
        return self._int(self._tokens(1, what)[0], -(2**31), 2**31 - 1, what)

    def read_long(self, what):
        return self._int(self._tokens(1, what)[0], -(2**63), 2**63 - 1, what)

    def read_longs(self, count, what):
        return [self._int(t, -(2**63), 2**63 - 1, what) for t in self._tokens(count, what)]

    def read_double(self, what):
        return self._float(self._tokens(1, what)[0], what)

    def read_chars(self, count, what):
        if count < 0:
            raise T7Error(f"negative length {count} for {what}", offset=self.pos)
        if count > self.n - self.pos:
            raise T7Error(
                f"truncated file: file ends inside {what} of {count} bytes, {self.n - self.pos} left",
                offset=self.pos,
            )
        p = self.pos
        self.pos = p + count
        if count:
            self._eat_newline()
        return self.data[p : p + count]

    def read_array(self, count, etype, what):
        if not etype.ascii_fmt:  # Byte / Char: raw bytes
            raw = self.read_chars(count, what)
            if not raw:
                return torch.empty(0, dtype=etype.dtype)
            return torch.frombuffer(bytearray(raw), dtype=etype.dtype)
        if count > self.n - self.pos:  # before allocating: each number takes 2 bytes or more
            raise T7Error(
                f"{what}: {count} numbers cannot fit in the {self.n - self.pos} bytes left",
                offset=self.pos,
            )
        # Parsed in chunks into one tensor: Python lists of a whole storage's tokens would
        # take tens of times the file's size.
        out = torch.empty(count, dtype=etype.dtype)
        lo, hi = _INT_RANGES.get(etype.name, (0, 0))
        for start in range(0, count, _ASCII_CHUNK):
            n = min(_ASCII_CHUNK, count - start)
            toks = self._tokens(n, what, last=start + n == count)
            if etype.dtype.is_floating_point:  # out of float32 range -> inf, like fscanf("%g")
                chunk = torch.tensor([self._float(t, what) for t in toks], dtype=torch.float64)
            else:
                chunk = torch.tensor([self._int(t, lo, hi, what) for t in toks], dtype=torch.int64)
            out[start : start + n] = chunk
        return out


class _Pending:
    """Marks a tensor whose storage is being read (nothing may refer back to it)."""


_PENDING = _Pending()
_TDS_CLASSES = {"tds.Hash": "_tds_hash", "tds.Vec": "_tds_vec"}  # class -> _Reader method
_VERSION_RE = re.compile(rb"V [ \t\n\r\v\f]*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)[ \t\n\r\v\f]*")


class _Reader:
    """``File:readObject`` without recursion: containers are generators that ``yield`` when
    they need a child object, driven by an explicit stack (deep graphs never hit Python's
    recursion limit)."""

    def __init__(self, src, max_depth, max_tensor_bytes):
        self.src = src
        self.objects = {}
        self.path = []
        self.max_depth = max_depth
        self.max_tensor_bytes = max_tensor_bytes
        self.tensor_bytes = 0  # what every tensor read so far would take if copied

    def read_root(self):
        try:
            return self._drive()
        except T7Error as e:
            if e.path is None:
                raise T7Error(e.reason, offset=e.offset, path=_format_path(self.path)) from None
            raise

    def _drive(self):
        done, val = self._begin()
        if done:
            return val
        stack = [val]
        send = None
        while True:
            gen = stack[-1]
            try:
                gen.send(send)
            except StopIteration as stop:
                stack.pop()
                if not stack:
                    return stop.value
                send = stop.value
                continue
            done, val = self._begin()
            if done:
                send = val
            else:
                if len(stack) >= self.max_depth:
                    raise T7Error(
                        f"objects nested more than {self.max_depth} deep (raise max_depth if the file is genuine)",
                        offset=self.src.pos,
                    )
                stack.append(val)
                send = None

    def _begin(self):
        """Read one object's tag. Returns (True, value) for a finished value, or (False,
        generator) for a container whose contents follow."""
        src = self.src
        off = src.pos
        tag = src.read_int("a type tag")
        if tag == TYPE_NIL:
            return True, None
        if tag == TYPE_NUMBER:
            return True, src.read_double("a number")
        if tag == TYPE_STRING:
            return True, self._string("a string").decode("utf-8", "surrogateescape")
        if tag == TYPE_BOOLEAN:
            return True, src.read_int("a boolean") == 1
        if tag in (TYPE_TABLE, TYPE_TORCH, TYPE_RECUR_FUNCTION, TYPE_LEGACY_RECUR_FUNCTION):
            index = src.read_int("a reference index")
            if index in self.objects:
                obj = self.objects[index]
                if obj is _PENDING:
                    raise T7Error(
                        f"reference #{index} points back at a tensor that is still being read",
                        offset=off,
                    )
                return True, obj
            if tag == TYPE_TABLE:
                return False, self._table(index)
            if tag == TYPE_TORCH:
                return False, self._torch(index, off)
            return False, self._function(tag, index)
        if tag == TYPE_FUNCTION:
            return False, self._function(tag, None)
        raise T7Error(f"unknown type tag {tag} (expected 0..8)", offset=off)

    def _string(self, what):
        n = self.src.read_int(what + " length")
        return self.src.read_chars(n, what)

    def _table(self, index):
        src = self.src
        off = src.pos
        size = src.read_int("a table size")
        if size < 0:
            raise T7Error(f"negative table size {size}", offset=off)
        if size * 2 * src.min_object_bytes > src.remaining():
            raise T7Error(f"table size {size} cannot fit in the {src.remaining()} bytes left", offset=off)
        t = LuaTable()
        self.objects[index] = t
        path = self.path
        setitem = dict.__setitem__
        for i in range(1, size + 1):
            path.append(("<key>", i))
            k = yield
            k = self._key(k)
            path[-1] = k
            v = yield
            path.pop()
            setitem(t, k, v)
        return t

    def _key(self, k):
        t = type(k)
        if t is str:
            return k
        if t is float:
            if k.is_integer():
                return int(k)
            if k != k:
                raise T7Error("a table key is NaN", offset=self.src.pos)
            return k
        if k is None:
            raise T7Error("a table key is nil", offset=self.src.pos)
        return LuaKey(k)

    def _torch(self, index, off):
        first = self._string("a class version or name")
        m = _VERSION_RE.fullmatch(first)
        if m:
            v = float(m.group(1))
            version = int(v) if v.is_integer() else v
            name = self._string("a class name")
        else:  # file written before torch7 had class versions
            version = 0
            name = first
        cls = name.decode("utf-8", "surrogateescape")
        info = _CLASS_INFO.get(cls)
        if info is not None:
            is_tensor, etype = info
            if not is_tensor:
                st = self._storage(cls, etype)
                self.objects[index] = st
                return st
            self.objects[index] = _PENDING
            t = yield from self._tensor(cls, etype, off)
            self.objects[index] = t
            return t
        if cls in _TDS_CLASSES:
            return (yield from getattr(self, _TDS_CLASSES[cls])(index, cls, off))
        if cls in _UNSUPPORTED_CLASSES:
            raise T7Error(f"cannot read torch class {cls!r}: {_UNSUPPORTED_CLASSES[cls]}", offset=off)
        if not cls:
            raise T7Error("empty torch class name", offset=off)
        obj = TorchObject(cls, None, version)
        self.objects[index] = obj
        state = yield
        object.__setattr__(obj, "state", state)
        return obj

    def _tds_count(self, cls, off):
        src = self.src
        n = src.read_long(f"the size of a {cls}")
        if n < 0:
            raise T7Error(f"negative size {n} for a {cls}", offset=off)
        per_item = 2 if cls == "tds.Hash" else 1
        if n * per_item * src.min_object_bytes > src.remaining():
            raise T7Error(f"{cls} of {n} entries cannot fit in the {src.remaining()} bytes left", offset=off)
        return n

    def _tds_hash(self, index, cls, off):
        n = self._tds_count(cls, off)
        h = TdsHash()
        self.objects[index] = h
        path = self.path
        for i in range(1, n + 1):
            path.append(("<key>", i))
            k = self._key((yield))
            path[-1] = k
            v = yield
            path.pop()
            dict.__setitem__(h, k, v)
        return h

    def _tds_vec(self, index, cls, off):
        n = self._tds_count(cls, off)
        vec = TdsVec()
        self.objects[index] = vec
        path = self.path
        for i in range(1, n + 1):
            path.append(i)  # Lua's 1-based position, as in the file
            vec.append((yield))
            path.pop()
        return vec

    def _storage(self, cls, etype):
        src = self.src
        off = src.pos
        n = src.read_long(f"the size of a {cls}")
        if n < 0:
            raise T7Error(f"negative size {n} for a {cls}", offset=off)
        return Storage(src.read_array(n, etype, f"the elements of a {cls}"))

    def _tensor(self, cls, etype, off):
        src = self.src
        ndim = src.read_int(f"the nDimension of a {cls}")
        if not 0 <= ndim <= MAX_DIMS:
            raise T7Error(f"{cls} with nDimension {ndim} (allowed: 0..{MAX_DIMS})", offset=off)
        sizes = src.read_longs(ndim, f"the sizes of a {cls}")
        strides = src.read_longs(ndim, f"the strides of a {cls}")
        offset = src.read_long(f"the storage offset of a {cls}")
        self.path.append(_STORAGE_SLOT)
        storage = yield
        self.path.pop()
        return self._make_tensor(cls, etype, off, sizes, strides, offset, storage)

    def _make_tensor(self, cls, etype, off, sizes, strides, offset, storage):
        def bad(msg):
            return T7Error(f"{cls} {msg}", offset=off)

        if storage is not None:
            if not isinstance(storage, Storage):
                raise bad(f"has {_describe(storage)} where its storage should be")
            if storage.dtype != etype.dtype:
                raise bad(f"has a storage of dtype {storage.dtype}, expected {etype.dtype}")
        if not sizes:
            return torch.empty(0, dtype=etype.dtype)
        if any(s < 0 for s in sizes):
            raise bad(f"has a negative size {sizes}")
        if math.prod(s for s in sizes if s) >= 2**62:
            raise bad(f"of size {sizes} has too many elements")
        if 0 in sizes:
            return torch.empty(sizes, dtype=etype.dtype)
        # A view allocates nothing, but whoever copies it does: count every tensor at its
        # full size, so that a few bytes of zero strides cannot stand for gigabytes.
        self.tensor_bytes += math.prod(sizes) * etype.dtype.itemsize
        if self.tensor_bytes > self.max_tensor_bytes:
            raise bad(
                f"of size {sizes}, stride {strides} brings the file's tensors to "
                f"{self.tensor_bytes} bytes, more than the {self.max_tensor_bytes} allowed "
                f"(max_tensor_bytes; zero strides can make a small file address huge tensors)"
            )
        if any(s < 0 for s in strides):
            raise bad(f"has a negative stride {strides} (not supported)")
        if storage is None:
            raise bad(f"of size {sizes} has no storage")
        start = offset - 1  # the file stores Lua's 1-based offset
        last = start + sum((s - 1) * st for s, st in zip(sizes, strides))
        if start < 0 or last >= len(storage):
            raise bad(
                f"of size {sizes}, stride {strides}, storage offset {offset} reaches past its "
                f"storage of {len(storage)} elements"
            )
        try:
            return torch.as_strided(storage.tensor, sizes, strides, start)
        except RuntimeError as e:  # pragma: no cover - guarded above
            raise bad(f"cannot be viewed: {e}") from None

    def _function(self, tag, index):
        size = self.src.read_int("a function's bytecode length")
        code = self.src.read_chars(size, "a function's bytecode")
        fn = LuaFunction(code, None, tag)
        if index is not None:
            self.objects[index] = fn
        self.path.append(_UPVALUES_SLOT)
        fn.upvalues = yield
        self.path.pop()
        return fn


def _read_all(path_or_fileobj):
    # a bytearray: torch.frombuffer wants a writable buffer
    if isinstance(path_or_fileobj, (str, bytes, os.PathLike)):
        with open(path_or_fileobj, "rb") as f:
            return bytearray(f.read())
    if hasattr(path_or_fileobj, "read"):
        data = path_or_fileobj.read()
        if isinstance(data, str):
            raise TypeError("the file object must be opened in binary mode ('rb')")
        return bytearray(data)
    raise TypeError(f"expected a path or a binary file object, got {type(path_or_fileobj).__name__}")


def _detect_mode(data):
    if len(data) >= 4 and 0 <= _INT.unpack_from(data, 0)[0] <= 8:
        return "binary"
    if re.match(rb"[ \t\n\r\v\f]*[-+]?[0-9]", data):
        return "ascii"
    return "binary"


def load_t7_raw(path_or_fileobj, *, mode=None, long_size=8, max_depth=DEFAULT_MAX_DEPTH, max_tensor_bytes=None):
    """Read one object written by Torch7's ``torch.save`` / ``File:writeObject``.

    ``path_or_fileobj``: a path or a binary file object (read to its end).
    ``mode``: ``'binary'``, ``'ascii'`` or ``None`` to detect it from the first bytes.
    ``long_size``: bytes per C ``long`` in binary files (8; 4 for files written on Windows).
    ``max_depth``: the deepest nesting accepted before the file is declared corrupt.
    ``max_tensor_bytes``: the most bytes all the file's tensors may take when copied (a
    tensor counts ``numel * element_size`` even if it is a view that shares its storage);
    ``None`` allows 4 times the file's size plus 64 MiB. Genuine files stay near their own
    size; a file over the limit raises :class:`T7Error` saying so, before any copy is made.

    Returns plain Python objects (see the module docstring for the type mapping).
    Raises :class:`T7Error` if the file is truncated, corrupt or uses an unsupported layout.

    >>> ckpt = load_t7_raw('model.t7')                       # doctest: +SKIP
    >>> ckpt.protos.rnn.forwardnodes[1].data.module          # doctest: +SKIP
    """
    if mode not in (None, "binary", "ascii"):
        raise ValueError(f"mode must be 'binary', 'ascii' or None, not {mode!r}")
    data = _read_all(path_or_fileobj)
    if mode is None:
        mode = _detect_mode(data)
    if max_tensor_bytes is None:
        max_tensor_bytes = TENSOR_BYTES_ALLOWANCE + TENSOR_BYTES_PER_FILE_BYTE * len(data)
    src = _BinarySource(data, long_size) if mode == "binary" else _AsciiSource(bytes(data))
    return _Reader(src, max_depth, max_tensor_bytes).read_root()


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------


class _Sink:
    def __init__(self, write):
        self._write = write
        self.buf = bytearray()

    def put(self, b):
        self.buf += b
        if len(self.buf) >= 1 << 20:
            self.flush()

    def flush(self):
        if self.buf:
            self._write(bytes(self.buf))
            self.buf = bytearray()


class _BinaryOut:
    def __init__(self, sink):
        self.put = sink.put

    def int(self, v):
        self.put(_INT.pack(v))

    def long(self, v):
        self.put(_LONG8.pack(v))

    def longs(self, vs):
        self.put(struct.pack(f"<{len(vs)}q", *vs))

    def double(self, v):
        self.put(_DOUBLE.pack(v))

    def chars(self, b):
        self.put(b)

    def array(self, flat, etype):
        self.put(_tensor_bytes(flat))


class _AsciiOut:
    def __init__(self, sink):
        self.put = sink.put

    def int(self, v):
        self.put(b"%d\n" % v)

    long = int

    def longs(self, vs):
        if vs:
            self.put(" ".join(str(int(v)) for v in vs).encode() + b"\n")

    def double(self, v):
        self.put(b"%.17g\n" % v)

    def chars(self, b):
        if b:
            self.put(bytes(b) + b"\n")

    def array(self, flat, etype):
        if flat.numel() == 0:
            return
        if not etype.ascii_fmt:
            self.chars(_tensor_bytes(flat))
            return
        fmt = etype.ascii_fmt
        vals = flat.double().tolist() if etype.dtype.is_floating_point else flat.tolist()
        self.put(" ".join(fmt % v for v in vals).encode() + b"\n")


def _tensor_bytes(flat):
    """The little-endian bytes of a 1-D CPU tensor, with a single copy."""
    t = flat.contiguous()
    if t.numel() == 0:
        return b""
    if _BIG_ENDIAN_HOST:  # pragma: no cover
        t = _swap_bytes(t)
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size())


def _lua_number_string(v):
    """Lua's tostring for a number (``%.14g``), used for the ``V <version>`` string."""
    if isinstance(v, numbers.Integral):
        return str(int(v))
    return f"{float(v):.14g}"  # as "%.14g" % v: any number through float


class _Writer:
    """``File:writeObject`` without recursion (containers are generators yielding children)."""

    def __init__(self, out):
        self.out = out
        self.refs = {}  # id(object) -> reference index
        self.storage_refs = {}  # (data_ptr, numel, dtype) -> reference index
        self.keep = []  # keeps every referenced object alive so ids stay unique
        self.count = 0
        self.path = []

    def write_root(self, obj):
        try:
            gen = self._emit(obj)
            if gen is None:
                return
            stack = [gen]
            while stack:
                try:
                    child = next(stack[-1])
                except StopIteration:
                    stack.pop()
                    continue
                gen = self._emit(child)
                if gen is not None:
                    stack.append(gen)
        except (TypeError, ValueError) as e:  # say where in the object it happened
            cls = TypeError if isinstance(e, TypeError) else ValueError
            raise cls(f"{e} (at {_format_path(self.path)})") from e

    def _new_ref(self, obj, tag):
        """Write ``tag`` and the reference index; True if ``obj`` was written before."""
        self.out.int(tag)
        idx = self.refs.get(id(obj))
        if idx is not None:
            self.out.int(idx)
            return True
        self.count += 1
        self.refs[id(obj)] = self.count
        self.keep.append(obj)
        self.out.int(self.count)
        return False

    def _string(self, b):
        self.out.int(len(b))
        self.out.chars(b)

    def _emit(self, obj):
        out = self.out
        if obj is None:
            out.int(TYPE_NIL)
            return None
        if isinstance(obj, bool) or (_np is not None and isinstance(obj, _np.bool_)):
            out.int(TYPE_BOOLEAN)
            out.int(1 if obj else 0)
            return None
        if isinstance(obj, numbers.Real) and not isinstance(obj, torch.Tensor):
            out.int(TYPE_NUMBER)
            out.double(_to_double(obj))
            return None
        if isinstance(obj, str):
            out.int(TYPE_STRING)
            self._string(obj.encode("utf-8", "surrogateescape"))
            return None
        if isinstance(obj, (bytes, bytearray, memoryview)):
            out.int(TYPE_STRING)
            self._string(bytes(obj))
            return None
        if isinstance(obj, torch.Tensor):
            self._tensor(obj, obj)
            return None
        if _np is not None and isinstance(obj, _np.ndarray):
            if obj.dtype == object:
                raise TypeError("cannot save a numpy array of Python objects")
            self._tensor(torch.from_numpy(_np.ascontiguousarray(obj)), obj)
            return None
        if isinstance(obj, Storage):
            self._storage_object(obj)
            return None
        if isinstance(obj, TorchObject):
            return self._torch_object(obj)
        if isinstance(obj, (TdsHash, TdsVec)):
            return self._tds(obj)
        if isinstance(obj, dict):
            if self._new_ref(obj, TYPE_TABLE):
                return None
            items = list(obj.items())
            out.int(len(items))
            return self._pairs(items)
        if isinstance(obj, (list, tuple)):
            if self._new_ref(obj, TYPE_TABLE):
                return None
            out.int(len(obj))
            return self._pairs([(float(i), v) for i, v in enumerate(obj, 1)])
        if isinstance(obj, LuaFunction):
            return self._function(obj)
        if isinstance(obj, LuaKey):
            return self._emit(obj.obj)
        raise TypeError(f"cannot save a {type(obj).__name__!r} object in a .t7 file")

    def _pairs(self, items):
        path = self.path
        for k, v in items:
            key = k.obj if isinstance(k, LuaKey) else k
            if key is None or (isinstance(key, float) and key != key):
                raise ValueError(f"{key!r} cannot be a Lua table key")
            path.append(("<key>", 0))
            yield key
            path[-1] = _norm_key(key)
            yield v
            path.pop()

    def _torch_object(self, obj):
        if self._new_ref(obj, TYPE_TORCH):
            return None
        if obj.class_name in _CLASS_INFO:
            raise ValueError(
                f"a TorchObject cannot have class {obj.class_name!r}; save a torch.Tensor or a Storage instead"
            )
        self._string(b"V " + _lua_number_string(obj.version).encode())
        self._string(obj.class_name.encode("utf-8", "surrogateescape"))
        return iter((obj.state,))

    def _tds(self, obj):
        """tds's ``__write``: class name, version 0, a long count, then the entries."""
        if self._new_ref(obj, TYPE_TORCH):
            return None
        is_hash = isinstance(obj, TdsHash)
        self._string(b"V 0")
        self._string(b"tds.Hash" if is_hash else b"tds.Vec")
        self.out.long(len(obj))
        if is_hash:
            return self._pairs(list(obj.items()))
        return self._elements(list(obj))

    def _elements(self, values):
        path = self.path
        for i, v in enumerate(values, 1):
            path.append(i)
            yield v
            path.pop()

    def _function(self, fn):
        if fn.type_tag == TYPE_FUNCTION:
            self.out.int(TYPE_FUNCTION)
        elif self._new_ref(fn, fn.type_tag):
            return None
        self._string(fn.bytecode)
        self.path.append(_UPVALUES_SLOT)
        return self._upvalues(fn.upvalues)

    def _upvalues(self, up):
        yield up
        self.path.pop()

    def _tensor(self, t, ref_obj):
        if t.dtype not in _BY_DTYPE:
            raise TypeError(f"cannot save a tensor of dtype {t.dtype} (Torch7 has no such type)")
        if t.layout != torch.strided:
            raise TypeError(f"cannot save a {t.layout} tensor")
        if self._new_ref(ref_obj, TYPE_TORCH):
            return
        etype = _BY_DTYPE[t.dtype]
        t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        self.keep.append(t)
        self._string(b"V 1")
        self._string(f"torch.{etype.name}Tensor".encode())
        out = self.out
        if t.numel() == 0:
            out.int(0)
            out.longs([])
            out.longs([])
            out.long(1)
            out.int(TYPE_NIL)
            return
        if t.dim() == 0:  # Lua has no 0-dim tensors: a scalar becomes a 1-element vector
            t = t.reshape(1)
        out.int(t.dim())
        out.longs(list(t.shape))
        out.longs(list(t.stride()))
        out.long(t.storage_offset() + 1)
        self.path.append(_STORAGE_SLOT)
        self._tensor_storage(t, etype)
        self.path.pop()

    def _tensor_storage(self, t, etype):
        st = t.untyped_storage()
        n = st.nbytes() // t.element_size()
        key = (st.data_ptr(), n, t.dtype)
        idx = self.storage_refs.get(key)
        self.out.int(TYPE_TORCH)
        if idx is not None:
            self.out.int(idx)
            return
        self.count += 1
        self.storage_refs[key] = self.count
        self.out.int(self.count)
        self._storage_body(torch.as_strided(t, (n,), (1,), 0), etype)

    def _storage_object(self, s):
        t = s.tensor.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        etype = _BY_DTYPE[t.dtype]
        st = t.untyped_storage()
        whole = (  # only then can tensors share it; empty storages all sit at address 0
            t.numel() > 0
            and t.storage_offset() == 0
            and t.is_contiguous()
            and t.numel() * t.element_size() == st.nbytes()
        )
        if whole:
            key = (st.data_ptr(), t.numel(), t.dtype)
            idx = self.storage_refs.get(key, self.refs.get(id(s)))
        else:
            key = None
            idx = self.refs.get(id(s))
        self.out.int(TYPE_TORCH)
        if idx is not None:
            self.out.int(idx)
            return
        self.count += 1
        if key is not None:
            self.storage_refs[key] = self.count
        self.refs[id(s)] = self.count
        self.keep.append(s)
        self.keep.append(t)
        self.out.int(self.count)
        self._storage_body(t, etype)

    def _storage_body(self, flat, etype):
        self._string(b"V 1")
        self._string(f"torch.{etype.name}Storage".encode())
        self.out.long(flat.numel())
        self.out.array(flat, etype)


def _to_double(x):
    if isinstance(x, numbers.Integral):
        try:
            f = float(x)
        except OverflowError:
            raise ValueError(f"integer {x} is too large for a Lua number") from None
        if f != x:
            raise ValueError(f"integer {x} cannot be stored exactly in a Lua number (a double)")
        return f
    return float(x)


def save_t7(obj, path_or_fileobj, *, mode="binary"):
    """Write ``obj`` the way Torch7's ``torch.save(file, obj, mode)`` would.

    Accepted: ``None``, ``bool``, numbers (ints must be exact as doubles), ``str``/``bytes``
    (Lua strings), ``dict``/:class:`LuaTable` (tables), ``list``/``tuple`` (tables with keys
    ``1..n``), ``torch.Tensor`` (any of float64/32/16, uint8, int8, int16, int32, int64;
    non-contiguous tensors keep their strides over the whole storage, tensors sharing a
    storage share it in the file; an empty tensor is written with ``nDimension 0`` and a
    0-dim tensor as a 1-element vector), :class:`Storage`, :class:`TorchObject` and
    :class:`LuaFunction`. An object reached twice is written once and referenced after, so
    sharing and cycles survive. :class:`TdsHash` / :class:`TdsVec` are written as
    ``tds.Hash`` / ``tds.Vec`` (tds's own layout). ``mode`` is ``'binary'`` or ``'ascii'``.

    >>> save_t7({'weight': torch.zeros(3)}, '/tmp/x.t7')     # doctest: +SKIP
    """
    if mode not in ("binary", "ascii"):
        raise ValueError(f"mode must be 'binary' or 'ascii', not {mode!r}")
    if isinstance(path_or_fileobj, (str, bytes, os.PathLike)):
        with open(path_or_fileobj, "wb") as f:
            _save(obj, f.write, mode)
    elif hasattr(path_or_fileobj, "write"):
        _save(obj, path_or_fileobj.write, mode)
    else:
        raise TypeError(f"expected a path or a binary file object, got {type(path_or_fileobj).__name__}")


def _save(obj, write, mode):
    sink = _Sink(write)
    out = _BinaryOut(sink) if mode == "binary" else _AsciiOut(sink)
    _Writer(out).write_root(obj)
    sink.flush()
