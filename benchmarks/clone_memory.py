"""Memory of T clones of the PTB small network (T = 20, 35, 100): parameters must not grow.

    python -m benchmarks.clone_memory [--T 20 35 100] [--config small]

For each T, in a fresh subprocess (so peaks do not mix): build the core network,
``getParameters()``, ``ng.clone_many_times(core, T)``, then one Lua-idiom training
step (forward clones 1..T, backward T..1). Prints the distinct parameter storages
over all clones and their bytes (asserted equal to the prototype's: storage
identity), the resident memory after cloning, and the peak resident memory of the
step (activations of T steps are kept for BPTT, so that part grows with T).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(T: int, config: str) -> dict:
    import torch

    from models.ptb.model import CONFIGS, create_network
    from models.ptb.train import DataState, LuaTrainer

    torch.set_num_threads(1)
    cfg = CONFIGS[config].with_(seq_length=T)
    base = _rss_mib()
    core = create_network(cfg, 10000)
    proto = {p.untyped_storage().data_ptr() for p in core.parameters()}
    proto_bytes = sum(p.numel() * p.element_size() for p in core.parameters())
    after_net = _rss_mib()
    trainer = LuaTrainer(core, cfg)  # getParameters(), then T clones
    storages = {}
    for clone in trainer.rnns:
        for p in clone.parameters():
            storages[p.untyped_storage().data_ptr()] = p.untyped_storage().nbytes()
            assert p.grad.untyped_storage().data_ptr() == trainer.paramdx.untyped_storage().data_ptr()
    assert set(storages) == {trainer.paramx.untyped_storage().data_ptr()}, "clones own parameter memory"
    after_clones = _rss_mib()
    data = torch.randint(1, 10001, (T + 2, cfg.batch_size))
    trainer.train_step(DataState(data))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "T": T,
        "parameter_storages": len(storages),
        "prototype_storages_before_flattening": len(proto),
        "parameter_MiB": sum(storages.values()) / 2**20,
        "prototype_parameter_MiB": proto_bytes / 2**20,
        "rss_network_MiB": after_net - base,
        "rss_clones_MiB": after_clones - after_net,
        "peak_rss_step_MiB": peak,
    }


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--T", type=int, nargs="+", default=[20, 35, 100])
    ap.add_argument("--config", default="small")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.config)))
        return []
    rows = []
    for T in args.T:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.clone_memory", "--child", str(T), "--config", args.config],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{args.config} config: parameter memory vs number of clones T (one flat storage shared by all)")
    print(
        f"{'T':>5} {'param storages':>15} {'param MiB':>10} {'RSS net MiB':>12} {'RSS +clones MiB':>16} "
        f"{'peak RSS step MiB':>18}"
    )
    for r in rows:
        print(
            f"{r['T']:>5} {r['parameter_storages']:>15} {r['parameter_MiB']:>10.2f} {r['rss_network_MiB']:>12.1f} "
            f"{r['rss_clones_MiB']:>16.1f} {r['peak_rss_step_MiB']:>18.1f}"
        )
    assert len({(r["parameter_storages"], round(r["parameter_MiB"], 6)) for r in rows}) == 1, (
        "parameter memory changes with T"
    )
    print(
        "OK: parameter memory does not grow with T (every clone's parameters and gradients "
        "are views of the same two flat storages)"
    )
    return rows


if __name__ == "__main__":
    main()
