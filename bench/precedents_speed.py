"""Benchmark: a one-shot ``ftadraft precedents --ref tpp:14.3`` beside trivial peers, in one run (issue 17).

Each round runs, one after the other, as fresh processes:

- ``python -c pass``: the interpreter alone;
- a raw SQLite look-up: the same article found by alias and number, and the ten provisions sharing most of its
  words by FTS5's bm25() (what any script over this index file pays: start-up, one open, two queries);
- ``python -c "import numpy"``: the floor of anything holding the precedent postings as arrays;
- ``ftadraft precedents --ref REF`` (hits, and the diff against the best match), the precedent postings already in
  the user cache folder (one untimed run first builds them, as the first run after ``corpus add`` does);
- with ``--baseline SRC``: the same command from another source tree (e.g. main before a change, exported with
  ``git archive HEAD src | tar -x -C /tmp/base``), with its own cache folder; its output must be identical.

Medians and minimums of wall time and CPU time (user + system) per command; the machine is shared, so compare
the ratios printed in the same run, not absolute times. Target: ftadraft <= 0.4 s wall.

Run:  python bench/precedents_speed.py --db PATH [--rounds 7] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from child_timing import run_child  # bench/ is on sys.path when a bench script runs

# The trivial peer: plain sqlite3, no ftadraft. Reads the index file as any script could.
PEER = r"""
import re, sqlite3, sys
db, alias, number = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
row = con.execute("SELECT p.rowid, p.lemmas FROM provisions p JOIN agreement_aliases a ON a.agreement_id = "
                  "p.agreement_id WHERE a.alias = ? AND p.number = ?", (alias, number)).fetchone()
words = sorted(set(re.findall(r"\w{3,}", row[1])))
query = " OR ".join('"' + w + '"' for w in words)
for (pid,) in con.execute("SELECT p.id FROM provisions_fts f JOIN provisions p ON p.rowid = f.rowid "
                          "WHERE provisions_fts MATCH ? AND f.rowid != ? ORDER BY bm25(provisions_fts) LIMIT 10",
                          (query, row[0])):
    print(pid)
"""


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    return run_child(argv, env, "precedents_speed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="an index holding ToTA")
    ap.add_argument("--ref", default="tpp:14.3")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--baseline", type=Path, help="another source tree's src folder, run the same way")
    args = ap.parse_args()
    if not args.db.is_file():
        sys.exit(f"{args.db}: no such index file")
    alias, _, number = args.ref.partition(":")
    py = sys.executable
    cli = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; sys.exit(main())"
    env = {**os.environ, "FTADRAFT_DB": str(args.db)}
    env.pop("PYTHONPATH", None)
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([py, "-c", "pass"], env),
        "raw SQLite look-up (peer)": ([py, "-c", PEER, str(args.db), alias, number], env),
        "python -c 'import numpy'": ([py, "-c", "import numpy"], env),
        f"ftadraft precedents --ref {args.ref}": ([py, "-c", cli, "precedents", "--ref", args.ref], env),
    }
    with tempfile.TemporaryDirectory(prefix="precedents-bench-") as scratch:
        if args.baseline is not None:
            base_env = {**env, "PYTHONPATH": str(args.baseline.resolve()), "XDG_CACHE_HOME": scratch}
            commands[f"baseline ({args.baseline})"] = ([py, "-c", cli, "precedents", "--ref", args.ref], base_env)
        outputs = {name: _run(argv, e)[2] for name, (argv, e) in commands.items()}  # warm-up: builds caches
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (argv, e) in commands.items():
                w, c, _out = _run(argv, e)
                wall[name].append(w)
                cpu[name].append(c)
    ours = f"ftadraft precedents --ref {args.ref}"
    print(f"{args.rounds} rounds, load average {os.getloadavg()[0]:.2f} at the end; seconds, median (min)")
    for name in commands:
        w, c = wall[name], cpu[name]
        print(f"  {name:<44} wall {statistics.median(w):.3f} ({min(w):.3f})   CPU {statistics.median(c):.3f} "
              f"({min(c):.3f})")
    peer = statistics.median(wall["raw SQLite look-up (peer)"])
    mine = statistics.median(wall[ours])
    print(f"ftadraft / raw SQLite peer: {mine / peer:.1f}x wall; target <= 0.4 s wall: "
          f"{'met' if mine <= 0.4 else 'not met'} (median {mine:.3f} s)")
    if args.baseline is not None:
        base = f"baseline ({args.baseline})"
        same = outputs[base] == outputs[ours]
        print(f"baseline / ftadraft: {statistics.median(wall[base]) / mine:.2f}x wall; same output: "
              f"{'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
