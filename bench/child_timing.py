"""Timing one child process for the one-shot benches (precedents_speed.py, startup_speed.py)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time


def run_child(argv: list[str], env: dict[str, str], bench: str) -> tuple[float, float, str]:
    """Wall and CPU seconds of one child process, and what it printed (it must succeed: else one line, exit)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{bench}: {' '.join(argv[-3:])}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout
