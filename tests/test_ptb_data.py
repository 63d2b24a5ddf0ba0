"""Tests for the Penn Treebank data layer (models/ptb/data.py).

The data is looked up in ``$PYGRAPHNN_DATA/ptb`` or, by default, in
``<repo>/../shared/data/ptb``; tests needing it are skipped when it is absent.
No test touches the network (downloads use ``file://`` URLs).
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow plain `pytest` as well as `python -m pytest`
    sys.path.insert(0, str(REPO_ROOT))

from models.ptb import data as ptb  # noqa: E402

WORD_FILES = ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt")


def _data_root() -> Path:
    env = os.environ.get("PYGRAPHNN_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


DATA_ROOT = _data_root()
PTB_DIR = DATA_ROOT / "ptb"
HAVE_WORDS = all((PTB_DIR / f).is_file() for f in WORD_FILES)
HAVE_CHARS = HAVE_WORDS and all((PTB_DIR / f).is_file() for f in ("ptb.char.valid.txt", "ptb.char.test.txt"))
needs_data = pytest.mark.skipif(not HAVE_WORDS, reason=f"PTB word files not found in {PTB_DIR}")
needs_chars = pytest.mark.skipif(not HAVE_CHARS, reason=f"original PTB char files not found in {PTB_DIR}")

# Numbers checked independently with `wc` on the files: words + lines.
TRAIN_WORDS, TRAIN_LINES = 887_521, 42_068
VALID_WORDS, VALID_LINES = 70_390, 3_370
TEST_WORDS, TEST_LINES = 78_669, 3_761


@pytest.fixture(scope="module")
def words() -> ptb.Corpus:
    return ptb.load_word_corpus(DATA_ROOT)


@pytest.fixture(scope="module")
def chars() -> ptb.Corpus:
    return ptb.load_char_corpus(DATA_ROOT)


# --------------------------------------------------------------------------- #
# Locating the data
# --------------------------------------------------------------------------- #


def test_missing_data_error_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.delenv(ptb.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # an empty default data folder
    with pytest.raises(ptb.PTBDataNotFoundError) as info:
        ptb.resolve_ptb_dir(None)
    message = str(info.value)
    assert ptb.ENV_VAR in message and "run: pygraphnn data ptb " in message and "data_dir" in message
    monkeypatch.setenv(ptb.ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"run: pygraphnn data ptb --dir {tmp_path} "):
        ptb.load_word_corpus()
    with pytest.raises(ptb.PTBDataNotFoundError):
        ptb.load_word_corpus(tmp_path)


@needs_data
def test_resolution_via_env_and_argument(monkeypatch):
    monkeypatch.setenv(ptb.ENV_VAR, str(DATA_ROOT))
    assert ptb.resolve_ptb_dir() == PTB_DIR
    monkeypatch.delenv(ptb.ENV_VAR)
    assert ptb.resolve_ptb_dir(DATA_ROOT) == PTB_DIR  # parent of ptb/
    assert ptb.resolve_ptb_dir(PTB_DIR) == PTB_DIR  # ptb/ itself
    assert ptb.resolve_ptb_dir(str(PTB_DIR)) == PTB_DIR


# --------------------------------------------------------------------------- #
# Word level
# --------------------------------------------------------------------------- #


@needs_data
def test_word_counts_and_vocab(words):
    assert len(words.vocab) == 10_000
    assert words.train.numel() == TRAIN_WORDS + TRAIN_LINES == 929_589
    assert words.valid.numel() == VALID_WORDS + VALID_LINES == 73_760
    assert words.test.numel() == TEST_WORDS + TEST_LINES == 82_430
    for split in ptb.SPLITS:
        stream = words.split(split)
        assert stream.dtype == torch.int64 and stream.dim() == 1
        assert int(stream.min()) >= 0 and int(stream.max()) < 10_000
    eos = words.vocab.stoi[ptb.EOS]
    assert int((words.train == eos).sum()) == TRAIN_LINES
    assert int((words.valid == eos).sum()) == VALID_LINES
    assert int((words.test == eos).sum()) == TEST_LINES


@needs_data
def test_word_first_tokens(words):
    v = words.vocab
    assert v.itos[:5] == ("aer", "banknote", "berlitz", "calloway", "centrust")
    assert v.stoi[ptb.EOS] == 24  # first line of train has 24 words (Lua id: 25)
    assert v.decode(words.train[:30])[24:] == ["<eos>", "pierre", "<unk>", "N", "years", "old"]
    assert v.decode(words.valid[:4]) == ["consumers", "may", "want", "to"]
    assert v.decode(words.test[:7]) == ["no", "it", "was", "n't", "black", "monday", "<eos>"]
    assert words.train[:24].tolist() == list(range(24))


@needs_data
def test_word_ids_follow_first_appearance_and_match_raw_files(words):
    # ids are handed out in order of first appearance over train
    next_new = 0
    for i in words.train.tolist():
        assert i <= next_new
        next_new += i == next_new
    assert next_new == 10_000
    # Lua's own replacement ('\n' -> '<eos>' without blanks) gives the same tokens
    for split in ptb.SPLITS:
        raw = (PTB_DIR / f"ptb.{split}.txt").read_text()
        lua_tokens = raw.replace("\n", "<eos>").split()
        assert words.vocab.decode(words.split(split)) == lua_tokens


def test_vocab_rejects_unknown_words():
    vocab = ptb.Vocab.from_tokens(["a", "b", "a", "c"])
    assert vocab.itos == ("a", "b", "c") and len(vocab) == 3
    assert vocab.encode(["c", "a"]).tolist() == [2, 0]
    with pytest.raises(ValueError, match="zzz"):
        vocab.encode(["a", "zzz"])


def test_tokenize_lua_rule():
    assert ptb.tokenize(" a b \n c \n") == ["a", "b", "<eos>", "c", "<eos>"]
    assert ptb.tokenize("a\nb") == ["a", "<eos>", "b"]


# --------------------------------------------------------------------------- #
# Batching and windows
# --------------------------------------------------------------------------- #


def _lua_starts(n: int, b: int) -> list[int]:
    """Independent float version of data.lua's torch.round((i-1)*s/batch_size)."""
    return [math.floor((j * n) / b + 0.5) for j in range(b)]


def test_replicate_lua_offsets_small():
    stream = torch.arange(30)
    x = ptb.replicate(stream, 4)  # 30/4 = 7.5 rows -> 7, starts round(0, 7.5, 15, 22.5)
    assert x.shape == (7, 4)
    assert x[0].tolist() == [0, 8, 15, 23]  # halves round up, as torch.round
    assert torch.equal(x[:, 3], torch.arange(23, 30))
    y = ptb.replicate(stream, 4, offsets="contiguous")
    assert y[0].tolist() == [0, 7, 14, 21]
    with pytest.raises(ValueError):
        ptb.replicate(stream, 4, offsets="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ptb.replicate(torch.arange(3), 4)


@needs_data
@pytest.mark.parametrize("batch_size", [20, 7])
def test_replicate_matches_independent_computation(words, batch_size):
    for split in ("train", "valid"):
        stream = words.split(split)
        n = stream.numel()
        rows = n // batch_size
        lua = ptb.replicate(stream, batch_size)
        flat = ptb.replicate(stream, batch_size, offsets="contiguous")
        assert lua.shape == flat.shape == (rows, batch_size)
        starts = _lua_starts(n, batch_size)
        for j in range(batch_size):
            assert torch.equal(lua[:, j], stream[starts[j] : starts[j] + rows])
            assert torch.equal(flat[:, j], stream[j * rows : (j + 1) * rows])
        # columns are disjoint, in order, and each a contiguous chunk
        assert all(starts[j] + rows <= starts[j + 1] for j in range(batch_size - 1))
        assert starts[-1] + rows <= n


@needs_data
def test_tutorial_batches(words):
    b = ptb.tutorial_batches(words, 20)
    assert b["train"].shape == (46_479, 20)
    assert b["valid"].shape == (3_688, 20)
    # 73760 = 20 * 3688, so Lua offsets are exactly contiguous chunks for valid
    assert torch.equal(b["valid"], words.valid.view(20, 3_688).t())
    # test: whole stream in every column (testdataset's expand), scored 1 step at a time
    assert b["test"].shape == (82_430, 20)
    assert torch.equal(b["test"][:, 0], words.test) and torch.equal(b["test"][:, 19], words.test)
    assert b["test"].data_ptr() == words.test.data_ptr()  # a view, like Lua's expand


def _lua_fp_positions(rows: int, seq_length: int) -> list[int]:
    """0-based window starts visited by main.lua's fp in one pass (until its wrap)."""
    pos, starts = 1, []
    while not pos + seq_length > rows:  # fp's reset condition
        starts.append(pos - 1)
        pos += seq_length
    return starts


@pytest.mark.parametrize("rows,seq_length", [(3_688, 35), (3_688, 20), (46_479, 35), (41, 10), (10, 3)])
def test_windows_cover_targets_once(rows, seq_length):
    index = torch.arange(rows).unsqueeze(1).expand(rows, 2)  # rows, as a batch of 2
    windows = list(ptb.iter_windows(index, seq_length))
    assert len(windows) == ptb.num_windows(rows, seq_length) == (rows - 1) // seq_length
    assert [int(x[0, 0]) for x, _ in windows] == _lua_fp_positions(rows, seq_length)
    for x, y in windows:
        assert x.shape == y.shape == (seq_length, 2)
        assert torch.equal(y, x + 1)  # y is x shifted by one step
    covered = torch.cat([y[:, 0] for _, y in windows])
    n_kept = (rows - 1) // seq_length * seq_length
    assert torch.equal(covered, torch.arange(1, n_kept + 1))  # each target once, in order
    # drop_last=False adds the partial window: every target 1..rows-1 exactly once
    all_windows = list(ptb.iter_windows(index, seq_length, drop_last=False))
    assert len(all_windows) == ptb.num_windows(rows, seq_length, drop_last=False)
    covered = torch.cat([y[:, 0] for _, y in all_windows])
    assert torch.equal(covered, torch.arange(1, rows))
    assert all(torch.equal(y, x + 1) for x, y in all_windows)


@needs_data
def test_valid_windows_on_real_data(words):
    valid = ptb.replicate(words.valid, 20)
    windows = list(ptb.iter_windows(valid, 35))
    assert len(windows) == 105  # run_valid: floor((3688 - 1) / 35)
    x, y = windows[-1]
    assert torch.equal(x, valid[104 * 35 : 105 * 35]) and torch.equal(y, valid[104 * 35 + 1 : 105 * 35 + 1])
    assert ptb.num_windows(46_479, 35) == 46_479 // 35 == 1_327  # train epoch_size


# --------------------------------------------------------------------------- #
# Character level
# --------------------------------------------------------------------------- #


def test_char_rule_small():
    assert ptb.derive_char_text(" a b \n <unk> c \n") == "a _ b \n < u n k > _ c \n "
    assert ptb.char_tokens(" ab c \n") == ["a", "b", "_", "c", "<eos>"]
    text = " xy z \n\n q \n"
    assert ptb.tokenize(ptb.derive_char_text(text)) == ptb.char_tokens(text)
    with pytest.raises(ValueError):
        ptb.derive_char_text(" a_b \n")


@needs_chars
@pytest.mark.parametrize("split", ["valid", "test"])
def test_char_derivation_is_byte_exact(split):
    derived = ptb.derive_char_text(ptb.read_text(PTB_DIR / f"ptb.{split}.txt")).encode("utf-8")
    original = (PTB_DIR / f"ptb.char.{split}.txt").read_bytes()
    assert derived == original
    assert hashlib.md5(original).hexdigest() == ptb.PTB_CHAR_MD5[split]


@needs_chars
def test_write_char_files(tmp_path):
    written = ptb.write_char_files(tmp_path, DATA_ROOT)
    assert set(written) == set(ptb.SPLITS)
    for split in ("valid", "test"):
        assert written[split].read_bytes() == (PTB_DIR / f"ptb.char.{split}.txt").read_bytes()
    for split in ptb.SPLITS:
        assert ptb.md5_file(written[split]) == ptb.PTB_CHAR_MD5[split]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"ptb.char.{s}.txt" for s in ptb.SPLITS
    )  # no temporary files left behind


@needs_chars
def test_char_corpus(chars):
    v = chars.vocab
    assert len(v) == 50
    assert v.itos[:4] == ("a", "e", "r", "_")
    assert ptb.EOS in v and ptb.WORD_SEP in v
    assert all(len(tok) == 1 for tok in v.itos if tok != ptb.EOS)
    assert chars.train.numel() == 5_017_482
    assert chars.valid.numel() == 393_042
    assert chars.test.numel() == 442_423
    # characters + separators + eos: separators = words - lines, eos = lines
    eos, sep = v.stoi[ptb.EOS], v.stoi[ptb.WORD_SEP]
    assert int((chars.valid == eos).sum()) == VALID_LINES
    assert int((chars.valid == sep).sum()) == VALID_WORDS - VALID_LINES
    assert int((chars.train == sep).sum()) == TRAIN_WORDS - TRAIN_LINES
    # same as reading the original char files the way data.lua reads any file
    for split in ("valid", "test"):
        original = ptb.read_tokens(PTB_DIR / f"ptb.char.{split}.txt")
        assert torch.equal(chars.split(split), v.encode(original))
    assert ptb.char_stream("valid", DATA_ROOT) == v.decode(chars.valid)


# --------------------------------------------------------------------------- #
# Download (no network: file:// URLs and a monkeypatched fetch)
# --------------------------------------------------------------------------- #


def _fake_source(tmp_path: Path) -> tuple[str, dict[str, str]]:
    src = tmp_path / "src"
    src.mkdir()
    sums = {}
    for split in ptb.SPLITS:
        content = f" fake {split} line \n".encode()
        (src / f"ptb.{split}.txt").write_bytes(content)
        sums[split] = hashlib.md5(content).hexdigest()
    return src.as_uri(), sums


def test_download_verifies_and_renames(tmp_path, monkeypatch):
    url, sums = _fake_source(tmp_path)
    dest = tmp_path / "dest"
    paths = ptb.download_ptb(dest, base_url=url, checksums=sums)
    assert {s: p.name for s, p in paths.items()} == {s: f"ptb.{s}.txt" for s in ptb.SPLITS}
    assert paths["valid"].read_bytes() == b" fake valid line \n"
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in paths.values())

    def no_fetch(*args, **kwargs):
        raise AssertionError("files with a good md5 must not be fetched again")

    monkeypatch.setattr(ptb, "_fetch", no_fetch)
    assert ptb.download_ptb(dest, base_url=url, checksums=sums) == paths


def test_download_checksum_mismatch(tmp_path):
    url, sums = _fake_source(tmp_path)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "ptb.valid.txt").write_bytes(b"old content\n")
    bad = dict(sums, valid="0" * 32)
    with pytest.raises(ptb.PTBChecksumError) as info:
        ptb.download_ptb(dest, base_url=url, checksums=bad)
    message = str(info.value)
    assert "0" * 32 in message and sums["valid"] in message  # expected and got
    # train went through; valid kept its old file; no temporary file is left
    assert sorted(p.name for p in dest.iterdir()) == ["ptb.train.txt", "ptb.valid.txt"]
    assert (dest / "ptb.valid.txt").read_bytes() == b"old content\n"


def test_download_failure_mid_transfer_leaves_nothing(tmp_path, monkeypatch):
    def broken_fetch(url, out, timeout):
        out.write(b"partial")
        raise OSError("connection reset")

    monkeypatch.setattr(ptb, "_fetch", broken_fetch)
    dest = tmp_path / "dest"
    with pytest.raises(OSError, match="connection reset"):
        ptb.download_ptb(dest)
    assert list(dest.iterdir()) == []


@needs_data
def test_download_real_checksums_from_local_copy(tmp_path):
    paths = ptb.download_ptb(tmp_path, base_url=PTB_DIR.as_uri())
    for split in ptb.SPLITS:
        assert ptb.md5_file(paths[split]) == ptb.PTB_MD5[split]
    assert ptb.resolve_ptb_dir(tmp_path) == tmp_path
