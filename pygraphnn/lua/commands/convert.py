"""``pygraphnn convert model.t7 -o model.pt``: a Lua Torch7 model as plain PyTorch.

``register(subparsers)`` adds the subcommand to :mod:`pygraphnn.cli`'s parser.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Load a Lua Torch7 model (.t7) and write it as plain PyTorch modules (Conv2d,
BatchNorm2d, MaxPool2d, Linear, Sequential, ...; a gModule becomes a generated
pygraphnn.convert.GraphModule) with the same weights.

  pygraphnn convert model.t7 -o model.pt
  pygraphnn convert checkpoint.t7 --key protos.rnn -o rnn.pt
  pygraphnn convert model.t7 -o model.pt --state-dict

model.pt is written with torch.save: load it with
torch.load('model.pt', weights_only=False) (or, with --state-dict, only the
weights, for a module you build yourself). Modules with no exact plain
equivalent are kept as pygraphnn modules and listed on stderr. Inputs of the
converted model are batches (PyTorch's convention). The model is converted in the
mode it was saved in (Lua's evaluate() -> eval()). A file holding a criterion
(nn.MSECriterion, ...) is written as it is, a pygraphnn criterion, and said to be
one on stderr. The folder of -o must exist (it is not created).
Exit status: 0 written, 2 a mistake (no such file, no model at --key, missing
output folder, ...).
"""


class CommandError(Exception):
    """A mistake on the command line: printed as ``pygraphnn convert: error: ...``."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "convert",
        help="convert a Lua Torch7 .t7 model to plain PyTorch modules",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="MODEL.t7", help="the Torch7 file to read")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write (torch.save)")
    p.add_argument(
        "--key",
        default=None,
        metavar="A.B",
        help="where the model sits in the file when it holds a table (e.g. model or protos.rnn); "
        "default: the file itself if it is a module, else its 'model' field",
    )
    p.add_argument("--state-dict", action="store_true", help="write only the converted model's state_dict")
    p.add_argument(
        "--float",
        dest="dtype",
        action="store_const",
        const="float32",
        help="convert the weights to float32 (default: as stored)",
    )
    p.set_defaults(func=run)
    return p


def _find_model(obj: Any, key: str | None, source: str) -> Any:
    import torch

    if key is None:
        if isinstance(obj, torch.nn.Module):
            return obj
        if isinstance(obj, dict) and isinstance(obj.get("model"), torch.nn.Module):
            return obj["model"]
        raise CommandError(
            f"{source} does not hold a module at its top or in a 'model' field; "
            f"say where it is with --key (e.g. --key protos.rnn)"
        )
    cur = obj
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise CommandError(f"{source} has no field {part!r} on the way to --key {key}")
        cur = cur[part]
    if not isinstance(cur, torch.nn.Module):
        raise CommandError(f"--key {key} of {source} is a {type(cur).__name__}, not a module")
    return cur


def run(args: argparse.Namespace) -> int:
    import torch

    from ...convert import convert
    from ...module import Criterion
    from ..classes.load import load_t7
    from ..format.t7 import T7Error

    path = Path(args.source)
    if not path.is_file():
        raise CommandError(f"no such file: {args.source}")
    folder = Path(args.output).parent
    if not folder.is_dir():
        raise CommandError(f"-o {args.output}: the folder {folder} does not exist (it is not created)")
    try:
        obj = load_t7(path)
    except T7Error as e:
        raise CommandError(f"cannot load {args.source}: {e}") from e
    model = _find_model(obj, args.key, args.source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain, kept = convert(model)
    if args.dtype:
        plain = plain.to(getattr(torch, args.dtype))
    try:
        torch.save(plain.state_dict() if args.state_dict else plain, args.output)
    except OSError as e:  # a folder as -o, no permission, disk full
        raise CommandError(f"cannot write {args.output}: {e}") from e
    n = sum(p.numel() for p in plain.parameters())
    if isinstance(model, Criterion):  # a loss function, not a model: say so rather than "0 parameters"
        print(
            f"wrote {args.output}: a criterion (a loss function, not a model), pygraphnn's {type(plain).__name__}",
            file=sys.stderr,
        )
        return 0
    print(f"wrote {args.output}: {type(plain).__name__} with {n} parameters", file=sys.stderr)
    for label in kept:
        print(f"kept as a pygraphnn module (no exact plain PyTorch equivalent): {label}", file=sys.stderr)
    return 0
