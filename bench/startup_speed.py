"""Benchmark: one-shot ``ftadraft`` commands beside trivial peers, in one run (issue 17, start-up rows).

Each round runs, one after the other (interleaved, so load changes hit every command alike), as fresh processes:

- ``python -c pass``: the interpreter alone;
- ``python -c "import click"``: the floor of any click command line;
- a raw FTS5 script: plain ``sqlite3``, one bm25() query for "express" OR "shipment" over this index (the peer
  of a one-shot search: start-up, one open, one query);
- ``ftadraft --version``;
- ``ftadraft search "express shipments"``;
- ``ftadraft precedents --ref tpp:14.3`` (hits, and the diff against the best match);
- with ``--baseline SRC``: the last three from another source tree (e.g. main before a change, exported with
  ``git archive HEAD src | tar -x -C /tmp/base``), with its own cache folder; their output must be identical.

One untimed run of each first builds the user caches (topics tables, search phrase table, precedent postings), as
the first run after ``corpus add`` does. Python bytecode is written to a scratch folder and reused
(``PYTHONPYCACHEPREFIX``), as an installed package has it, even where ``PYTHONDONTWRITEBYTECODE`` is set.

Prints the best and median of wall time and CPU time (user + system) per command; the machine may be shared, so
compare ratios within one run. Targets: search <= 0.3 s, precedents <= 0.4 s, --version <= 0.15 s (wall).

Run:  python bench/startup_speed.py --db PATH [--rounds 7] [--baseline SRC] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from child_timing import run_child  # bench/ is on sys.path when a bench script runs

RAW_FTS5 = ("import sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True); "
            "c.execute(\"SELECT rowid, bm25(provisions_fts, 4.0, 1.5, 1.0) s FROM provisions_fts WHERE provisions_fts "
            "MATCH '\\\"express\\\" OR \\\"shipment\\\"' ORDER BY s LIMIT 10\").fetchall()")
CLI = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; sys.exit(main())"
#: (label, ftadraft arguments, target wall seconds)
OURS = (("ftadraft --version", ["--version"], 0.15),
        ('ftadraft search "express shipments"', ["search", "express shipments"], 0.3),
        ("ftadraft precedents --ref tpp:14.3", ["precedents", "--ref", "tpp:14.3"], 0.4))


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    return run_child(argv, env, "startup_speed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="an index holding ToTA (tpp among its agreements)")
    ap.add_argument("--rounds", type=int, default=7, help="timed rounds (at least 5)")
    ap.add_argument("--baseline", type=Path, help="another source tree's src folder, run the same way")
    ap.add_argument("--cache", type=Path, help="user cache folder (XDG_CACHE_HOME) for this tree (default: yours)")
    args = ap.parse_args()
    if not args.db.is_file():
        sys.exit(f"startup_speed: {args.db}: no such index file")
    if args.rounds < 5:
        sys.exit("startup_speed: --rounds must be at least 5")
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
        env.update(FTADRAFT_DB=str(args.db.resolve()), PYTHONPYCACHEPREFIX=str(Path(scratch) / "pyc"))
        if args.cache is not None:
            env["XDG_CACHE_HOME"] = str(args.cache.resolve())
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([py, "-c", "pass"], env),
            "python -c 'import click'": ([py, "-c", "import click"], env),
            "raw FTS5 script (peer)": ([py, "-c", RAW_FTS5, str(args.db.resolve())], env),
        }
        for label, argv, _ in OURS:
            commands[label] = ([py, "-c", CLI, *argv], env)
        if args.baseline is not None:
            where = Path(scratch)
            base_env = {**env, "PYTHONPATH": str(args.baseline.resolve()), "XDG_CACHE_HOME": str(where / "base"),
                        "PYTHONPYCACHEPREFIX": str(where / "pyc-base")}
            for label, argv, _ in OURS:
                commands[f"baseline: {label}"] = ([py, "-c", CLI, *argv], base_env)
        outputs = {name: _run(argv, e)[2] for name, (argv, e) in commands.items()}  # warm-up: caches, bytecode
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (argv, e) in commands.items():
                w, c, out = _run(argv, e)
                if out != outputs[name]:
                    sys.exit(f"startup_speed: {name}: output changed between runs")
                wall[name].append(w)
                cpu[name].append(c)
    print(f"{args.rounds} interleaved rounds, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the "
          f"end; seconds, best / median")
    for name in commands:
        ws, cs = wall[name], cpu[name]
        print(f"  {name:<48} wall {min(ws):.3f} / {statistics.median(ws):.3f}   "
              f"CPU {min(cs):.3f} / {statistics.median(cs):.3f}")
    peer = statistics.median(wall["raw FTS5 script (peer)"])
    for label, _, target in OURS:
        best, median = min(wall[label]), statistics.median(wall[label])
        verdict = "met" if median <= target else "met at best" if best <= target else "not met"
        line = f"{label}: target <= {target} s wall: {verdict} (best {best:.3f}, median {median:.3f})"
        if "search" in label:
            line += f"; {median / peer:.1f}x the raw FTS5 script"
        if args.baseline is not None:
            base = f"baseline: {label}"
            same = outputs[base] == outputs[label]
            line += (f"; baseline/now {statistics.median(wall[base]) / median:.2f}x wall, "
                     f"{statistics.median(cpu[base]) / statistics.median(cpu[label]):.2f}x CPU; "
                     f"same output: {'yes' if same else 'NO'}")
        print(line)


if __name__ == "__main__":
    main()
