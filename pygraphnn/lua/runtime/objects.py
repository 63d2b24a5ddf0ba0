"""Lua classes: ``torch.class`` and ``setmetatable`` objects, with inheritance.

In Lua an object is a table whose metatable's ``__index`` leads to its class,
and a class's metatable leads to its parent. Ported programs keep that model:
classes and objects are :class:`~.table.LuaTable` s, ``obj:method(x)`` is
``lua.invoke(obj, "method", x)`` and finds the method through the chain.

>>> Animal, _ = class_("Animal")
>>> Animal["__init"] = lambda self, name: self.rawset("name", name)
>>> Animal["speak"] = lambda self: "I am " + self["name"]
>>> Dog, parent = class_("Dog", "Animal")
>>> rex = new("Dog", "rex")
>>> rex["speak"](rex), parent is Animal
('I am rex', True)
"""

from __future__ import annotations

import functools
import types
from typing import Any

from .table import LuaTable

_CLASSES: dict[str, LuaTable] = {}


def setmetatable(t: Any, meta: Any) -> Any:
    """``setmetatable(t, mt)``: returns ``t`` (which must be a LuaTable), as Lua does."""
    if not isinstance(t, LuaTable):
        raise TypeError(f"bad argument #1 to 'setmetatable' (table expected, got {type(t).__name__})")
    if meta is not None and not isinstance(meta, LuaTable):
        raise TypeError("bad argument #2 to 'setmetatable' (nil or table expected)")
    t._meta = meta
    return t


def getmetatable(t: Any) -> Any:
    """``getmetatable(t)``: the table's metatable (nil when none)."""
    if isinstance(t, LuaTable):
        return t._meta
    if isinstance(t, str):
        from .strings import string

        return LuaTable({"__index": string})
    return None


def class_(name: str, parent: str | LuaTable | None = None) -> tuple:
    """``torch.class(name[, parent])``: a new class (its metatable), inheriting ``parent``'s methods.

    Returns (class table, parent class table or None), as Lua does;
    ``lua.new(name, ...)`` (or calling the constructor ``lua.constructor(name)``)
    makes an object and runs its ``__init``.
    """
    if name in _CLASSES:
        raise ValueError(f"class {name} has been already assigned")
    cls = LuaTable()
    cls.rawset("__index", cls)
    cls.rawset("__typename", name)
    if isinstance(parent, str) and parent not in _CLASSES and parent.startswith("nn."):
        result = _module_class(name, parent, cls)
        _add_to_package(name)
        return result
    if parent is not None:
        pcls = _CLASSES.get(parent) if isinstance(parent, str) else parent
        if pcls is None:
            raise ValueError(f"parent class {parent} does not exist")
        cls._meta = LuaTable({"__index": pcls})
        cls.rawset("__parent", pcls)
    _CLASSES[name] = cls
    _add_to_package(name)
    return cls, cls.rawget("__parent")


def _flatten_plain(tensors: list) -> Any:
    """Plain tensors (a Lua-written module's weight, gradWeight) re-homed as views of one flat tensor."""
    import torch

    tensors = [t for t in {id(t): t for t in tensors if t is not None}.values()]
    if not tensors:
        return torch.empty(0, dtype=torch.float64)
    flat = torch.cat([t.reshape(-1) for t in tensors])
    offset = 0
    for t in tensors:
        n, shape = t.numel(), t.shape
        t.set_(flat.untyped_storage(), offset, shape, torch.empty(shape).stride())
        offset += n
    return flat


def _add_to_package(name: str) -> None:
    """``torch.class('ntm.NTM')`` also puts the constructor in the global table ``ntm`` (as
    ``ntm.NTM``), when the program has made that table (``nn.X`` classes are found by name)."""
    package, _, short = name.rpartition(".")
    if not package or "." in package or package == "nn":
        return
    from .system import G

    table = G.rawget(package)
    if isinstance(table, LuaTable):
        table[short] = constructor(name)


# torch's own methods a Lua name would shadow (Lua's parameters() is luaParameters here)
_PYTHON_API = frozenset({"parameters", "train", "modules", "children", "apply", "to", "cuda", "float", "double"})
_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)


def _nn_base(parent: str) -> type:
    from pygraphnn import module, nn

    base = getattr(nn, parent[3:], None) or getattr(module, parent[3:], None)
    if not (isinstance(base, type) and issubclass(base, module.Module)):
        raise ValueError(f"parent class {parent} does not exist in pygraphnn.nn")
    return base


def _module_class(name: str, parent: str, cls: LuaTable) -> tuple:
    """``torch.class('OneHot', 'nn.Module')``: a Lua-written nn module, as a pygraphnn Module subclass.

    Objects are Python modules (so they can be called on graph nodes); the methods the
    program writes into ``cls`` (``__init``, ``updateOutput``, any other) are found
    through it; ``updateOutput`` is the module's forward.
    """
    import functools

    import torch

    from pygraphnn.tables import map_structure

    base: Any = _nn_base(parent)  # a Module subclass, chosen at run time

    def __init__(self: Any, *args: Any) -> None:  # noqa: N807 - the Python constructor
        base.__init__(self) if base.__init__ is not object.__init__ else None
        init = cls["__init"]
        if init is not None:
            init(self, *args)
        else:  # no __init of its own: nn.Module's (empty output and gradInput)
            parent_init(self)

    def forward(self: Any, *inputs: Any) -> Any:
        update = cls["updateOutput"]
        if update is None:
            return base.forward(self, *inputs)
        if len(inputs) == 1:
            # nngraph's node.data.input (lua_view); detached, so that the module can still be copied
            seen = inputs[0].to_list() if isinstance(inputs[0], LuaTable) else inputs[0]
            self.__dict__["_lua_input"] = map_structure(torch.Tensor.detach, seen)
        if cls.rawget("updateGradInput") is not None and torch.is_grad_enabled() and len(inputs) == 1:
            # inside a graph differentiated by autograd: its backward is the class's own Lua code
            leaves: list = []
            shape = _flatten_tensors(inputs[0], leaves)
            numbers: dict = {}
            outs = _LuaWrittenBackward.apply(self, shape, update, numbers, *leaves)
            if self.__dict__["_lua_out_shape"] == _NUMBERS:
                # `self.output = {loss, acc, count}`: the numbers travel the graph as one tensor,
                # read back as numbers where the program gets the graph's output (module.py)
                outs[0]._lua_numbers = numbers
                return outs[0]
            return _rebuild(self.__dict__["_lua_out_shape"], list(outs))
        out = update(self, *inputs)
        return out[0] if type(out) is tuple and out else out  # `return self.output:set(...)`: its first value

    def __getattribute__(self: Any, key: str) -> Any:  # noqa: N807
        # Lua looks a name up in the object, then in its class: a method the program writes
        # (NTM:forward, Layer:backward, Layer:updateGradInput) wins over the Python base's one
        if key[0] != "_" and key not in _PYTHON_API:
            found = cls.rawget(key)
            if isinstance(found, _FUNCTIONS) and key not in object.__getattribute__(self, "__dict__"):
                return functools.partial(found, self)
        return object.__getattribute__(self, key)

    def backward(self: Any, input: Any, gradOutput: Any, scale: Any = 1) -> Any:
        if cls.rawget("updateGradInput") is None:
            return base.backward(self, input, gradOutput, scale)  # differentiated by autograd
        # Lua's nn.Module:backward, for a module that writes its own gradients
        self.updateGradInput(input, gradOutput)
        acc = cls.rawget("accGradParameters")
        if acc is not None:
            acc(self, input, gradOutput, scale)
        return self.gradInput

    def getParameters(self: Any) -> Any:
        own_fields = any(isinstance(self.__dict__.get(k), torch.Tensor) for k in ("weight", "bias"))
        if cls.rawget("parameters") is None and not own_fields:
            return base.getParameters(self)
        # Lua's getParameters flattens what parameters() lists, in its order
        from pygraphnn.module import flatten_parameters

        params, grads = self.luaParameters()
        params = params.to_list() if isinstance(params, LuaTable) else list(params)
        grads = grads.to_list() if isinstance(grads, LuaTable) else list(grads)
        if all(isinstance(p, torch.nn.Parameter) for p in params):
            return flatten_parameters(list({id(p): p for p in params}.values()))
        return _flatten_plain(params), _flatten_plain(grads)

    def zeroGradParameters(self: Any) -> None:
        if not any(isinstance(self.__dict__.get(k), torch.Tensor) for k in ("weight", "bias")):
            return base.zeroGradParameters(self)
        for grad in self.luaParameters()[1]:
            if grad is not None:
                grad.zero_()

    def __getattr__(self: Any, key: str) -> Any:  # noqa: N807 - Lua's method lookup through the class
        try:
            return torch.nn.Module.__getattr__(self, key)
        except AttributeError:
            found = cls[key]
            if found is None or key.startswith("__"):
                raise
            return functools.partial(found, self) if callable(found) else found

    def luaParameters(self: Any) -> Any:  # Lua's m:parameters()
        own = cls["parameters"]
        if own is not None:
            return own(self)
        # Lua's nn.Module:parameters(): the weight and bias fields (plain tensors in Lua-written
        # modules) with gradWeight and gradBias; a zoo parent's Parameters otherwise
        fields = [k for k in ("weight", "bias") if isinstance(self.__dict__.get(k), torch.Tensor)]
        if not fields:
            return base.luaParameters(self)
        grads = {"weight": "gradWeight", "bias": "gradBias"}
        return [self.__dict__[k] for k in fields], [self.__dict__.get(grads[k]) for k in fields]

    pycls = type(
        name,
        (base,),
        {
            "__init__": __init__,
            "forward": forward,
            "__getattr__": __getattr__,
            "__getattribute__": __getattribute__,
            "backward": backward,
            "zeroGradParameters": zeroGradParameters,
            "getParameters": getParameters,
            "luaParameters": luaParameters,
            "_lua_class": cls,
            "__module__": "pygraphnn.lua.runtime.objects",
        },
    )
    cls.rawset("__pyclass", pycls)

    def parent_init(self: Any, *args: Any) -> None:
        # Lua's nn.Module.__init: empty output and gradInput of the default (double) type
        if getattr(self, "output", None) is None:
            self.output = torch.empty(0, dtype=torch.float64)
        if getattr(self, "gradInput", None) is None:
            self.gradInput = torch.empty(0, dtype=torch.float64)

    pmeta = LuaTable({"__init": parent_init, "__typename": parent})
    _CLASSES[name] = cls
    return cls, pmeta


def nn_base(name: str) -> type:
    """``nn.Module``/``nn.Criterion`` used as a value: the pygraphnn base class, whose methods a
    Lua-written class calls on itself (``nn.Module.clone(self, ...)``).

    >>> nn_base("nn.Module").__name__
    'Module'
    """
    return _nn_base(name)


def parent_of(cls: LuaTable) -> Any:
    """The parent class ``torch.class`` returned with ``cls`` (None without one)."""
    return cls.rawget("__parent")


def new(name: str | LuaTable, *args: Any) -> LuaTable:
    """A new object of a class: ``Foo(...)``/``Foo.new(...)`` in Lua (runs ``__init`` if any)."""
    cls = _CLASSES[name] if isinstance(name, str) else name
    pycls = cls.rawget("__pyclass")
    if pycls is not None:
        return pycls(*args)
    obj = LuaTable()
    obj._meta = cls
    init = cls["__init"]
    if init is not None:
        init(obj, *args)
    return obj


def constructor(name: str) -> LuaTable:
    """The callable table Lua puts in the global ``name``: ``Foo(...)`` makes an object."""
    cls = _CLASSES[name]
    ctor = LuaTable({"new": lambda *args: new(cls, *args)})
    ctor._meta = LuaTable({"__call": lambda _self, *args: new(cls, *args), "__index": cls})
    return ctor


def typename(obj: Any) -> str | None:
    """``torch.typename(obj)`` for objects of ported classes (None for plain tables)."""
    meta = obj._meta if isinstance(obj, LuaTable) else getattr(type(obj), "_lua_class", None)
    return meta.rawget("__typename") if meta is not None else None


def isinstance_of(obj: Any, name: str) -> bool:
    """``torch.isTypeOf(obj, name)``: the object's class is ``name`` or inherits it."""
    meta = obj._meta if isinstance(obj, LuaTable) else None
    while meta is not None:
        if meta.rawget("__typename") == name:
            return True
        meta = meta.rawget("__parent")
    return False


def adopt_program_objects(value: Any, memo: dict | None = None) -> Any:
    """Objects a ``.t7`` file holds of classes the ported program declares, as objects of those
    classes: ``__init`` is not run, the fields come from the file (as Torch's reader does)."""
    import torch

    from ..classes.unknown import UnknownLuaModule
    from ..format.t7 import TorchObject

    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)]
    raw = value.raw if isinstance(value, UnknownLuaModule) else value if isinstance(value, TorchObject) else None
    if raw is not None and raw.class_name in _CLASSES and hasattr(raw.state, "items"):
        pycls = _CLASSES[raw.class_name].rawget("__pyclass")
        if pycls is not None:
            obj = pycls.__new__(pycls)
            torch.nn.Module.__init__(obj)
            memo[id(value)] = obj
            for k, v in raw.state.items():
                object.__setattr__(obj, k, adopt_program_objects(v, memo)) if isinstance(v, torch.Tensor) else setattr(
                    obj, k, adopt_program_objects(v, memo)
                )
            return obj
    memo[id(value)] = value
    if isinstance(value, (LuaTable, dict)):
        for k, v in list(value.items()):
            value[k] = adopt_program_objects(v, memo)
    elif isinstance(value, list):
        value[:] = [adopt_program_objects(v, memo) for v in value]
    elif isinstance(value, torch.nn.Module):
        for name, child in list(value._modules.items()):
            if child is not None:
                value._modules[name] = adopt_program_objects(child, memo)
    return value


def _flatten_tensors(value: Any, leaves: list) -> Any:
    """The tensors of a (nested) table input, in order, and the shape to rebuild it with."""
    import torch

    if isinstance(value, torch.Tensor):
        leaves.append(value)
        return None
    if isinstance(value, LuaTable):
        value = value.to_list()
    if isinstance(value, (list, tuple)):
        return [_flatten_tensors(v, leaves) for v in value]
    raise TypeError(f"a module written in Lua got {type(value).__name__} in its input (tensors or tables of them)")


# the output shape of a module whose output is a table of plain numbers (MaskedLoss's {loss, acc, count})
_NUMBERS = "numbers"


def _numbers_table(value: Any) -> list | None:
    """A Lua table of plain numbers (0-d tensors allowed among them) as a list; None otherwise."""
    import torch

    items = value.to_list() if isinstance(value, LuaTable) else value
    if not isinstance(items, (list, tuple)) or not items:
        return None
    plain = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in items]
    scalars = [isinstance(v, torch.Tensor) and v.dim() == 0 for v in items]
    if not any(plain) or not all(p or s for p, s in zip(plain, scalars)):
        return None
    return [float(v) for v in items]


def _rebuild(shape: Any, leaves: list) -> Any:
    if shape is None or shape == _NUMBERS:
        return leaves.pop(0)
    return [_rebuild(s, leaves) for s in shape]


def _lua_written_backward() -> type:
    import torch

    class LuaWrittenBackward(torch.autograd.Function):
        """A Lua-written module's forward inside autograd; backward runs its updateGradInput and
        accGradParameters (scale 1), as Lua's nn.Module:backward does."""

        @staticmethod
        def forward(ctx, module, shape, update, numbers, *leaves):
            inp = _rebuild(shape, list(leaves))
            out = update(module, inp)
            out = out[0] if type(out) is tuple and out else out
            outs: list = []
            values = _numbers_table(out)
            if values is not None:
                outs.append(torch.tensor(values, dtype=torch.float64))
                module.__dict__["_lua_out_shape"] = _NUMBERS
            else:
                module.__dict__["_lua_out_shape"] = _flatten_tensors(out, outs)
            ctx.numbers, ctx.n_leaves = numbers, len(leaves)
            ctx.module, ctx.shape, ctx.inp = module, shape, inp
            ctx.out_shape = module.__dict__["_lua_out_shape"]
            ctx.out_like = [(o.shape, o.dtype) for o in outs]
            ctx.in_shapes = [x.shape for x in leaves]
            return tuple(o.clone() for o in outs)  # Lua reuses self.output: autograd keeps its own copy

        @staticmethod
        def backward(ctx, *grads):
            module = ctx.module
            outs = [g if g is not None else torch.zeros(like[0], dtype=like[1]) for g, like in zip(grads, ctx.out_like)]
            if ctx.out_shape == _NUMBERS:
                # the gradOutput the program passed for the numbers (Lua's `torch.ones(1)`), as Lua hands it on
                outs[0] = ctx.numbers.pop("grad", outs[0])
            grad_output = _rebuild(ctx.out_shape, outs)
            with torch.no_grad():
                gi = module.updateGradInput(ctx.inp, grad_output)
                gi = gi[0] if type(gi) is tuple and gi else gi
                acc = module._lua_class.rawget("accGradParameters")
                if acc is not None:
                    acc(module, ctx.inp, grad_output, 1)
            leaves: list = []
            _flatten_tensors(gi if gi is not None else module.gradInput, leaves)
            # Lua ignores gradInput entries past the inputs (MaskedLoss gives {grad, 0, 0} for {input, target})
            # and for inputs that need none
            needs = ctx.needs_input_grad[4:]
            grads_in = []
            for k, (g, in_shape, need) in enumerate(zip(leaves[: ctx.n_leaves], ctx.in_shapes, needs)):
                if need and g.shape != in_shape and not bool((g == 0).all()):
                    raise ValueError(
                        f"{typename(module)}:updateGradInput gave a gradient of shape {tuple(g.shape)} "
                        f"for input tensor {k + 1} of shape {tuple(in_shape)}"
                    )
                # a zero of another shape (MaskedLoss's `torch.Tensor({0})` for its target) adds nothing
                if not need:
                    grads_in.append(None)
                else:
                    grads_in.append(g.clone() if g.shape == in_shape else torch.zeros(in_shape, dtype=g.dtype))
            grads_in += [None] * (ctx.n_leaves - len(grads_in))
            return (None, None, None, None, *grads_in)

    return LuaWrittenBackward


class _Lazy:
    fn: Any = None

    def apply(self, *args: Any) -> Any:
        if _Lazy.fn is None:
            _Lazy.fn = _lua_written_backward()
        return _Lazy.fn.apply(*args)


_LuaWrittenBackward = _Lazy()
