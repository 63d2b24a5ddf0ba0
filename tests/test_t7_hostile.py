"""Corrupt and hostile ``.t7`` files: a :class:`T7Error` naming the place (or a clean load),
bounded memory, and nothing else (issue 15, ".t7 files").

Every case goes through the public entry points: ``load_t7_raw``, ``load_t7`` (which runs
the class loaders), char-rnn's ``load_checkpoint``/``generate`` and ``pygraphnn sample``.
What is fuzzed:

* truncation at every offset of small real files (binary and their ASCII re-save), and
  of the first KiB plus evenly spread offsets of two real nngraph / char-rnn files;
* seeded random byte flips of those two real Lua files through ``load_t7`` and, for the
  checkpoint, ``generate``;
* crafted fields: a module, node or option field of the real files replaced by a hostile
  value (NaN, inf, huge, negative, fractional, wrong type, deep or cyclic tables, unknown
  classes, Lua functions...), seeded sample of all (field, value) pairs;
* named crafted files for every escape issue 15 lists (zero-stride tensors, ``nInputs``
  and ``rnn_size`` of 1e9, 500+ nested tables, cycles, NaN/inf numbers...), also run
  through ``pygraphnn sample`` (one line on stderr, exit status 2);
* hypothesis: random Lua value trees made of the loader's classes and field names, and
  random byte edits of a real file;
* memory: the allocation cases again in a subprocess whose address space is capped.

The small real files were written by Lua Torch7 (``fixtures/t7/small/make_small.lua``).
"""

from __future__ import annotations

import io
import math
import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pygraphnn import cli
from pygraphnn.lua.classes.charrnn import CheckpointError, check_checkpoint, generate, load_checkpoint
from pygraphnn.lua.classes.load import LOADERS, MAX_OBJECT_DEPTH, MAX_TABLE_DEPTH, from_lua, load_t7
from pygraphnn.lua.format.t7 import (
    LuaFunction,
    LuaTable,
    Storage,
    T7Error,
    TdsHash,
    TdsVec,
    TorchObject,
    load_t7_raw,
    save_t7,
)

SMALL = Path(__file__).resolve().parent / "fixtures" / "t7" / "small"
SHARED_T7 = (
    Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "t7"
)
# tiny files written by Lua Torch7 (shared data): truncated at every offset
SHARED_TINY = ["doubletensor.t7", "floattensor.t7", "hello=123.t7", "list_table.t7", "map_table1.t7"]


def t7bytes(obj, mode: str = "binary") -> bytes:
    buf = io.BytesIO()
    save_t7(obj, buf, mode=mode)
    return buf.getvalue()


def outcome(fn, *args, **kw):
    """``fn(*args)``: its value, or the T7Error it raised (any other exception fails the test).
    A T7Error must say where it happened."""
    try:
        return fn(*args, **kw)
    except T7Error as e:
        assert e.path is not None, f"T7Error without a place: {e}"
        assert "MemoryError" not in str(e) and "RecursionError" not in str(e), str(e)
        return e


def load_bytes(data: bytes, **kw):
    return outcome(load_t7, io.BytesIO(data), **kw)


# ----------------------------------------------------------------------------------------
# truncation
# ----------------------------------------------------------------------------------------


def tiny_files() -> list[tuple[str, bytes]]:
    files = [("tds_containers.t7", (SMALL / "tds_containers.t7").read_bytes())]
    for name in SHARED_TINY:
        p = SHARED_T7 / name
        if p.exists():
            files.append((name, p.read_bytes()))
    return files


def test_truncation_at_every_offset_of_tiny_files():
    for name, raw in tiny_files():
        text = t7bytes(load_t7_raw(io.BytesIO(raw)), mode="ascii")
        # in ASCII a cut inside the very last number can leave a shorter valid number
        last_token = len(text.rstrip()) - len(text.split()[-1])
        for data, mode, end in ((raw, "binary", len(raw)), (text, "ascii", last_token)):
            for cut in range(end):
                err = load_bytes(data[:cut], mode=mode)
                assert isinstance(err, T7Error), (name, mode, cut)


@pytest.mark.parametrize("name", ["small_gmodule.t7", "small_charrnn.t7"])
def test_truncation_of_real_graph_files(name):
    raw = (SMALL / name).read_bytes()
    cuts = sorted(set(range(min(512, len(raw)))) | set(range(0, len(raw), len(raw) // 150)))
    for cut in cuts:
        assert isinstance(outcome(load_t7_raw, io.BytesIO(raw[:cut])), T7Error), cut


# ----------------------------------------------------------------------------------------
# byte flips through the class loaders and the sampler
# ----------------------------------------------------------------------------------------


def try_checkpoint(ckpt) -> None:
    """What ``pygraphnn sample`` does with a loaded file: check, then generate a little."""
    try:
        check_checkpoint(ckpt)
        b"".join(generate(ckpt, length=3, primetext="ab", sample=False))
        b"".join(generate(ckpt, length=3, sample=True))
    except CheckpointError:
        pass


@pytest.mark.parametrize("name, trials", [("small_gmodule.t7", 60), ("small_charrnn.t7", 40)])
def test_byte_flips_through_the_loaders(name, trials):
    raw = (SMALL / name).read_bytes()
    rng = random.Random(f"flip {name}")
    loaded = 0
    for _ in range(trials):
        d = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(d))
            d[i] = rng.choice([rng.randrange(256), d[i] ^ (1 << rng.randrange(8)), 0, 255])
        res = load_bytes(bytes(d))
        if not isinstance(res, T7Error):
            loaded += 1
            if name == "small_charrnn.t7":
                try_checkpoint(res)
    assert loaded < trials  # the flips do reach the structure


# ----------------------------------------------------------------------------------------
# crafted fields: a field of a real file replaced by a hostile value (in memory, then
# through from_lua: the same converter load_t7 runs)
# ----------------------------------------------------------------------------------------


def deep_table(n: int) -> LuaTable:
    t = LuaTable()
    for _ in range(n):
        t = LuaTable({1: t})
    return t


def cyclic_table() -> LuaTable:
    t = LuaTable({"x": 1.0})
    t["self"] = t
    t[1] = t
    return t


DELETE = object()
HOSTILE = {
    "nan": lambda: math.nan,
    "inf": lambda: math.inf,
    "-inf": lambda: -math.inf,
    "-1": lambda: -1.0,
    "0": lambda: 0.0,
    "1e9": lambda: 1e9,
    "1e300": lambda: 1e300,
    "2.5": lambda: 2.5,
    "2^53+": lambda: float(2**60),
    "empty string": lambda: "",
    "string": lambda: "lstm",
    "true": lambda: True,
    "false": lambda: False,
    "empty table": LuaTable,
    "list of nan": lambda: LuaTable({1: math.nan, 2: 1e9}),
    "deep table": lambda: deep_table(700),
    "cyclic table": cyclic_table,
    "empty tensor": lambda: torch.zeros(0),
    "tensor 3x7": lambda: torch.zeros(3, 7, dtype=torch.float64),
    "nan tensor": lambda: torch.full((2,), math.nan, dtype=torch.float64),
    "long tensor": lambda: torch.arange(4),
    "function": lambda: LuaFunction(b"\x1bLJ\x02never run"),
    "unknown class": lambda: TorchObject("nn.NoSuchModule", LuaTable()),
    "empty Linear": lambda: TorchObject("nn.Linear", LuaTable()),
    "raw state": lambda: TorchObject("nn.Tanh", 3.0),
    "storage": lambda: Storage(torch.zeros(3)),
    "tds.Vec": lambda: TdsVec([1.0, "x"]),
    "tds.Hash": lambda: TdsHash({"a": math.inf}),
    "missing": lambda: DELETE,
}


def field_slots(root) -> list[tuple[str, dict, object]]:
    """(description, table, key) for every field a class loader reads: the state of each
    module and node, each node's data table, and the top-level option tables."""
    slots, seen, stack = [], set(), [root]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, TorchObject):
            if isinstance(o.state, dict):
                if not o.class_name.startswith("graph."):  # read only as part of a gModule
                    slots += [(f"{o.class_name}.{k}", o.state, k) for k in o.state]
                stack.append(o.state)
        elif isinstance(o, dict):
            if "mapindex" in o or "forwardNodeId" in o:  # an nngraph node's data table
                slots += [(f"node data.{k}", o, k) for k in o]
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
    for name in ("opt", "vocab"):
        t = root.get(name) if isinstance(root, dict) else None
        if isinstance(t, dict):
            slots += [(f"{name}.{k}", t, k) for k in t]
    return slots


@pytest.mark.parametrize("name, n_cases", [("small_gmodule.t7", 220), ("small_charrnn.t7", 90)])
def test_crafted_fields(name, n_cases):
    raw = load_t7_raw(SMALL / name)
    pairs = [(s, v) for s in field_slots(raw) for v in HOSTILE]
    rng = random.Random(f"fields {name}")
    errors = 0
    for (what, table, key), value_name in rng.sample(pairs, n_cases):
        old = dict.__getitem__(table, key)
        value = HOSTILE[value_name]()
        if value is DELETE:
            dict.__delitem__(table, key)
        else:
            dict.__setitem__(table, key, value)
        try:
            res = outcome(from_lua, raw)
            errors += isinstance(res, T7Error)
            if name == "small_charrnn.t7" and not isinstance(res, T7Error):
                try_checkpoint(res)
        except Exception as e:  # say which case escaped
            raise AssertionError(f"{what} = {value_name}: {type(e).__name__}: {e}") from e
        finally:
            dict.__setitem__(table, key, old)
    assert errors > n_cases // 10  # the values do hit checked fields


# ----------------------------------------------------------------------------------------
# named crafted files: each escape issue 15 lists
# ----------------------------------------------------------------------------------------


def real_raw(name: str):
    return load_t7_raw(SMALL / name)


def zero_stride_tensor() -> bytes:
    # 8 exabytes of doubles in a file of a few hundred bytes
    return t7bytes(
        TorchObject("nn.Linear", LuaTable({"weight": torch.zeros(1, dtype=torch.float64).expand(2**30, 2**30)}))
    )


def many_views_of_one_storage() -> bytes:
    base = torch.zeros(100_000, dtype=torch.float64)  # 800 kB, viewed 2000 times by modules
    views = [TorchObject("nn.Add", LuaTable({"bias": base[i:]})) for i in range(2000)]
    return t7bytes(TorchObject("nn.Sequential", LuaTable({"modules": LuaTable(enumerate(views, 1))})))


def gmodule_with(**fields) -> bytes:
    raw = real_raw("small_gmodule.t7")
    for k, v in fields.items():
        raw.module.state[k] = v
    return t7bytes(raw)


def checkpoint_with(where: str, key: str, value) -> bytes:
    raw = real_raw("small_charrnn.t7")
    raw[where][key] = value
    return t7bytes(raw)


def first_node_data(raw):
    """The data of the first node that holds a module (the input node's is not read)."""
    return next(n.data for n in raw.module.forwardnodes.values() if n.data.get("module") is not None)


def split_node_data(raw):
    """The data of the graph's own split node (the SplitTable's outputs, not the inputs')."""
    g = raw.module
    return next(
        n.data
        for n in g.forwardnodes.values()
        if "nSplitOutputs" in n.data and n.data.get("module") is None and n.data.mapindex[1] is not g.innode.data
    )


def gmodule_node_edit(edit) -> bytes:
    raw = real_raw("small_gmodule.t7")
    edit(raw)
    return t7bytes(raw)


def nested_sequentials(n: int) -> bytes:
    m = TorchObject("nn.Identity", LuaTable())
    for _ in range(n):
        m = TorchObject("nn.Sequential", LuaTable({"modules": LuaTable({1: m})}))
    return t7bytes(m)


def self_containing_sequential() -> bytes:
    seq = TorchObject("nn.Sequential", LuaTable())
    seq.state["modules"] = LuaTable({1: seq})
    return t7bytes(seq)


def deep_annotation() -> bytes:
    return gmodule_node_edit(lambda r: first_node_data(r).annotations.__setitem__("name", deep_table(1000)))


def huge_debug_line() -> bytes:
    return gmodule_node_edit(
        lambda r: first_node_data(r).annotations.__setitem__("_debugLabel", "[f.lua]:" + "9" * 10_000 + "_f")
    )


def raw_bytes(*ints_and_bytes) -> bytes:
    out = b""
    for x in ints_and_bytes:
        out += x if isinstance(x, bytes) else x.to_bytes(4, "little", signed=True)
    return out


def lua_string(s: bytes) -> bytes:
    return raw_bytes(len(s), s)


def long8(v: int) -> bytes:
    return v.to_bytes(8, "little", signed=True)


# name -> (bytes factory, regex of the T7Error / CheckpointError, or None when the file must load)
CRAFTED = {
    "zero-stride tensor": (zero_stride_tensor, "max_tensor_bytes"),
    "2000 views of one storage": (many_views_of_one_storage, "max_tensor_bytes"),
    "nInputs 1e9": (lambda: gmodule_with(nInputs=1e9), "nInputs is 1000000000"),
    "nInputs inf": (lambda: gmodule_with(nInputs=math.inf), "nInputs should be an integer, got inf"),
    "nInputs nan": (lambda: gmodule_with(nInputs=math.nan), "nInputs should be an integer, got nan"),
    "nInputs -3": (lambda: gmodule_with(nInputs=-3.0), "nInputs is -3"),
    "nSplitOutputs 1e9": (
        lambda: gmodule_node_edit(lambda r: split_node_data(r).__setitem__("nSplitOutputs", 1e9)),
        "nSplitOutputs",
    ),
    "selectindex nan": (
        lambda: gmodule_node_edit(
            lambda r: next(n.data for n in r.module.forwardnodes.values() if "selectindex" in n.data).__setitem__(
                "selectindex", math.nan
            )
        ),
        "selectindex",
    ),
    "forwardnodes a string": (lambda: gmodule_with(forwardnodes="x"), "forwardnodes should be a table"),
    "rnn_size 1e9": (lambda: checkpoint_with("opt", "rnn_size", 1e9), "rnn_size = 1000000000 is larger"),
    "rnn_size inf": (lambda: checkpoint_with("opt", "rnn_size", math.inf), "rnn_size should be a positive integer"),
    "rnn_size nan": (lambda: checkpoint_with("opt", "rnn_size", math.nan), "rnn_size should be a positive integer"),
    "num_layers 1e9": (lambda: checkpoint_with("opt", "num_layers", 1e9), "num_layers = 1000000000"),
    "model a table": (lambda: checkpoint_with("opt", "model", deep_table(900)), "opt.model should be a string"),
    "vocab index inf": (lambda: checkpoint_with("vocab", "a", math.inf), "vocab should map"),
    "vocab index a deep table": (lambda: checkpoint_with("vocab", "a", deep_table(2000)), "vocab should map"),
    "600 nested tables": (lambda: t7bytes(deep_table(600)), None),
    f"{MAX_TABLE_DEPTH - 10} nested tables": (lambda: t7bytes(deep_table(MAX_TABLE_DEPTH - 10)), None),
    f"{MAX_TABLE_DEPTH + 100} nested tables": (
        lambda: t7bytes(deep_table(MAX_TABLE_DEPTH + 100)),
        "tables nested more than",
    ),
    "cyclic table": (lambda: t7bytes(cyclic_table()), None),
    f"{MAX_OBJECT_DEPTH + 50} nested Sequentials": (
        lambda: nested_sequentials(MAX_OBJECT_DEPTH + 50),
        f"nested more than {MAX_OBJECT_DEPTH} deep",
    ),
    "Sequential containing itself": (self_containing_sequential, "contains itself"),
    "annotation 1000 deep": (deep_annotation, "annotation value nests tables"),
    "10000-digit debug line": (huge_debug_line, None),
    "Narrow dimension nan": (
        lambda: t7bytes(TorchObject("nn.Narrow", LuaTable({"dimension": math.nan, "index": 1.0}))),
        "dimension should be an integer, got nan",
    ),
    "View size 1e300": (lambda: t7bytes(TorchObject("nn.View", LuaTable({"size": LuaTable({1: 1e300})}))), None),
    "OneHot _type a table": (
        lambda: t7bytes(TorchObject("OneHot", LuaTable({"outputSize": 3.0, "_type": LuaTable()}))),
        None,
    ),
    "table size 2^31-1": (lambda: raw_bytes(3, 1, 2**31 - 1, b"\0" * 64), "table size"),
    "tds.Hash of 2^62 entries": (
        lambda: raw_bytes(4, 1, lua_string(b"V 0"), lua_string(b"tds.Hash"), long8(2**62)),
        "cannot fit",
    ),
    "tds.Vec of -1 entries": (
        lambda: raw_bytes(4, 1, lua_string(b"V 0"), lua_string(b"tds.Vec"), long8(-1)),
        "negative size",
    ),
    "NaN table key": (lambda: raw_bytes(3, 1, 1, 1, long8(0x7FF8000000000000), 0), "key is NaN"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_file(name, tmp_path, capsys):
    make, expected = CRAFTED[name]
    data = make()
    path = tmp_path / "crafted.t7"
    path.write_bytes(data)
    is_checkpoint = name.split()[0] in ("rnn_size", "num_layers", "model", "vocab")
    if is_checkpoint:
        with pytest.raises(CheckpointError, match=expected):
            load_checkpoint(path)
    else:
        res = load_bytes(data)
        if expected is None:
            assert not isinstance(res, T7Error), res
        else:
            assert isinstance(res, T7Error), f"loaded: {res!r:.200}"
            assert re.search(expected, str(res)), str(res)
    # pygraphnn sample: one line on stderr, exit status 2, no traceback
    status = cli.main(["sample", str(path), "-length", "2", "-verbose", "0"])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("pygraphnn sample: error: ") and err.count("\n") == 1, err


# ----------------------------------------------------------------------------------------
# hypothesis
# ----------------------------------------------------------------------------------------

FIELD_NAMES = sorted(
    {
        "weight",
        "bias",
        "gradWeight",
        "gradBias",
        "modules",
        "dimension",
        "index",
        "length",
        "size",
        "nInputDims",
        "numInputDims",
        "p",
        "v2",
        "train",
        "inplace",
        "threshold",
        "val",
        "min_val",
        "max_val",
        "eps",
        "pow",
        "constant_scalar",
        "batchMode",
        "nelement",
        "permutations",
        "nfeatures",
        "dim",
        "ndim",
        "pos",
        "sizeAverage",
        "squeeze",
        "transA",
        "transB",
        "offset",
        "outputSize",
        "_type",
        "scalar",
        "weights",
        "nll",
        "criterion",
        "paddingValue",
        "maxNorm",
        "normType",
        "noise",
        "forwardnodes",
        "innode",
        "outnode",
        "data",
        "mapindex",
        "module",
        "nSplitOutputs",
        "selectindex",
        "annotations",
        "nInputs",
        "children",
        "_debugLabel",
        "name",
    }
)
NUMBERS = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, 0.5, 1e9, 1e300, math.nan, math.inf, -math.inf]),
    st.integers(-5, 20).map(float),
)
TENSORS = st.tuples(
    st.lists(st.integers(0, 4), max_size=3), st.sampled_from([torch.float64, torch.float32, torch.int64, torch.uint8])
).map(lambda sd: torch.zeros(sd[0], dtype=sd[1]))
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=6), TENSORS)
CLASS_NAMES = sorted(LOADERS) + ["nn.NoSuchModule", "graph.Graph", "tds.Hash"]


def _containers(children):
    fields = st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=6).map(LuaTable)
    listing = st.lists(children, max_size=4).map(lambda xs: LuaTable(enumerate(xs, 1)))
    return st.one_of(
        fields,
        listing,
        st.tuples(st.sampled_from(CLASS_NAMES[:-1]), fields).map(lambda cs: TorchObject(cs[0], cs[1])),
        st.lists(children, max_size=3).map(TdsVec),
    )


LUA_VALUES = st.recursive(LEAVES, _containers, max_leaves=20)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(LUA_VALUES, st.booleans())
def test_hypothesis_lua_values_with_module_classes(value, strict):
    data = t7bytes(value)
    load_bytes(data, strict=strict)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.sampled_from(["tds_containers.t7", "small_gmodule.t7"]),
)
def test_hypothesis_byte_edits_of_real_files(edits, name):
    d = bytearray((SMALL / name).read_bytes())
    for pos, byte in edits:
        d[pos % len(d)] = byte
    load_bytes(bytes(d))


# ----------------------------------------------------------------------------------------
# memory: the allocation cases in a subprocess with a capped address space
# ----------------------------------------------------------------------------------------

MEMORY_CASES = [
    "zero-stride tensor",
    "2000 views of one storage",
    "nInputs 1e9",
    "nSplitOutputs 1e9",
    "rnn_size 1e9",
    "num_layers 1e9",
    f"{MAX_TABLE_DEPTH + 100} nested tables",
]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_memory_stays_bounded(tmp_path):
    files = []
    for i, name in enumerate(MEMORY_CASES):
        p = tmp_path / f"case{i}.t7"
        p.write_bytes(CRAFTED[name][0]())
        files.append(str(p))
    code = textwrap.dedent(f"""
        import resource, sys
        from pygraphnn import cli
        import pygraphnn.lua.classes.load, pygraphnn.lua.classes.charrnn, torch
        torch.set_num_threads(1)  # thread stacks and malloc arenas would eat the spare space
        def vm_kib():
            for line in open('/proc/self/status'):
                if line.startswith('VmSize:'):
                    return int(line.split()[1])
        spare = 2 << 30  # the address space left above what is mapped now: a leak of
                         # gigabytes fails here rather than swapping; the RSS check is finer
        limit = vm_kib() * 1024 + spare
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for path in {files!r}:
            status = cli.main(['sample', path, '-length', '2', '-verbose', '0'])
            print('status', status, file=sys.stderr)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print('grown_kib', grown)
    """)
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("pygraphnn sample: error:")]
    assert len(errors) == len(files) and proc.stderr.count("status 2") == len(files), proc.stderr[-3000:]
    assert not any("MemoryError" in e for e in errors), errors
    grown_kib = int(proc.stdout.split()[-1])
    assert grown_kib < 400 * 1024, f"peak memory grew by {grown_kib} KiB"
