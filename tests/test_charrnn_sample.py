"""char-rnn checkpoints: OneHot, and ``pygraphnn sample`` against char-rnn's own sample.lua.

The checkpoints and sample.lua's outputs are in ``$PYGRAPHNN_DATA/t7/lua`` (default
``<repo>/../shared/data/t7/lua``); tests needing them skip when absent.
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import pytest
import torch

from pygraphnn.lua.classes.charrnn import CheckpointError, OneHot, generate, load_checkpoint
from pygraphnn.lua.commands import sample as sample_command

LUA = (
    Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    / "t7"
    / "lua"
)


def fixture(name: str) -> Path:
    p = LUA / name
    if not p.exists():
        pytest.skip(f"fixture {p} not found (set PYGRAPHNN_DATA)")
    return p


@pytest.fixture(scope="module")
def ckpt64():
    return load_checkpoint(fixture("charrnn_lstm_checkpoint.t7"))


def run_cli(argv: list[str]) -> tuple[int, bytes, str]:
    """``pygraphnn sample ARGV`` through the subcommand's own parser: (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="pygraphnn")
    sample_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sample", *argv])
    out, err = io.BytesIO(), io.StringIO()
    try:
        status = args.func(args, stdout=out, stderr=err)
    except sample_command.CommandError as e:
        return 2, out.getvalue(), f"{err.getvalue()}error: {e}"
    return status, out.getvalue(), err.getvalue()


# ----------------------------------------------------------------------------------------
# OneHot
# ----------------------------------------------------------------------------------------


def test_onehot_module():
    m = OneHot(4)
    assert torch.equal(m(torch.tensor([1, 4])), torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, 1]], dtype=torch.float64))
    assert torch.equal(m(torch.tensor([3.0])), torch.tensor([[0.0, 0, 1, 0]], dtype=torch.float64))
    assert m.float()(torch.tensor([2])).dtype == torch.float32
    x = torch.tensor([2.0, 1.0])
    assert torch.equal(m.forward(x), m(x))
    assert torch.equal(m.backward(x, torch.ones(2, 4)), torch.zeros(2))  # no gradient to indices
    with pytest.raises(IndexError, match=r"1..4"):
        m(torch.tensor([0]))


# ----------------------------------------------------------------------------------------
# greedy text: byte for byte sample.lua's
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ckpt_name, txt_name, length",
    [
        ("charrnn_lstm_checkpoint.t7", "charrnn_lstm_greedy.txt", 300),
        ("charrnn_lstm128_checkpoint.t7", "charrnn_lstm128_greedy.txt", 400),
    ],
)
def test_greedy_matches_sample_lua(ckpt_name, txt_name, length):
    want = fixture(txt_name).read_bytes()
    status, out, err = run_cli(
        [
            str(fixture(ckpt_name)),
            "-gpuid",
            "-1",
            "-sample",
            "0",
            "-primetext",
            "ROMEO:",
            "-length",
            str(length),
            "-seed",
            "123",
            "-verbose",
            "0",
        ]
    )
    assert status == 0 and err == ""
    assert out == want


def test_verbose_lines_then_text(ckpt64):
    want = fixture("charrnn_lstm_greedy.txt").read_bytes()
    status, out, _ = run_cli(
        [str(fixture("charrnn_lstm_checkpoint.t7")), "--sample", "0", "--primetext", "ROMEO:", "--length", "300"]
    )
    lines = out.split(b"\n", 3)
    assert status == 0
    assert lines[:3] == [b"creating an lstm...", b"seeding with ROMEO:", b"--------------------------"]
    assert lines[3] == want


def test_generate_api_and_empty_primetext(ckpt64):
    text = b"".join(generate(ckpt64, primetext="ROMEO:", length=300, sample=False))
    assert text == fixture("charrnn_lstm_greedy.txt").read_bytes()
    # no primetext: a uniform first distribution, whose arg-max is index 1
    first = next(iter(generate(ckpt64, primetext="", length=5, sample=False)))
    ivocab = {int(i): c for c, i in ckpt64.vocab.items()}
    assert first == ivocab[1].encode()
    assert len(b"".join(generate(ckpt64, primetext="", length=5, sample=False))) == 6


# ----------------------------------------------------------------------------------------
# sampling, options, errors
# ----------------------------------------------------------------------------------------


def test_sampling_is_deterministic_per_seed(ckpt64):
    def text(seed, temperature=0.8):
        return b"".join(generate(ckpt64, primetext="A", length=60, sample=True, temperature=temperature, seed=seed))

    a = text(1)
    assert a == text(1) and a.startswith(b"A") and a.endswith(b"\n") and len(a) == 62
    assert a != text(2)
    status, out, _ = run_cli(
        [
            str(fixture("charrnn_lstm_checkpoint.t7")),
            "-seed",
            "1",
            "-temperature",
            "0.8",
            "-primetext",
            "A",
            "-length",
            "60",
            "-verbose",
            "0",
        ]
    )
    assert status == 0 and out == a


def test_gpuid_is_ignored_with_a_notice(ckpt64):
    status, out, err = run_cli(
        [
            str(fixture("charrnn_lstm_checkpoint.t7")),
            "-gpuid",
            "0",
            "-sample",
            "0",
            "-primetext",
            "ROMEO:",
            "-length",
            "20",
            "-verbose",
            "0",
        ]
    )
    assert status == 0 and "-gpuid 0 ignored" in err
    assert out == fixture("charrnn_lstm_greedy.txt").read_bytes()[:26] + b"\n"


def test_user_errors(tmp_path, ckpt64):
    status, _, err = run_cli([str(tmp_path / "missing.t7")])
    assert status == 2 and "does not exist" in err
    status, _, err = run_cli([str(fixture("charrnn_lstm_checkpoint.t7")), "-primetext", "ROMEO\u00e9", "-verbose", "0"])
    assert status == 2 and "not in the checkpoint's vocabulary" in err
    from pygraphnn.lua.format.t7 import save_t7

    save_t7({"protos": {}}, str(tmp_path / "notckpt.t7"))
    status, _, err = run_cli([str(tmp_path / "notckpt.t7")])
    assert status == 2 and "not a char-rnn checkpoint" in err
    with pytest.raises(CheckpointError):
        list(generate({"opt": {}}, length=1))


def test_standalone_main(capsysbinary):
    status = sample_command.main(
        [
            str(fixture("charrnn_lstm_checkpoint.t7")),
            "-sample",
            "0",
            "-primetext",
            "ROMEO:",
            "-length",
            "300",
            "-verbose",
            "0",
        ]
    )
    assert status == 0
    assert capsysbinary.readouterr().out == fixture("charrnn_lstm_greedy.txt").read_bytes()


def test_small_two_layer_checkpoint_matches_sample_lua():
    # a real char-rnn file from the repo (tests/fixtures/t7/small/make_small.lua): 2 layers,
    # rnn_size 5, vocabulary of 4; sample.lua's greedy text recorded beside it
    small = Path(__file__).resolve().parent / "fixtures" / "t7" / "small"
    status, out, err = run_cli(
        [str(small / "small_charrnn.t7"), "-sample", "0", "-primetext", "ab", "-length", "40", "-verbose", "0"]
    )
    assert status == 0, err
    assert out == (small / "small_charrnn_greedy.txt").read_bytes()
