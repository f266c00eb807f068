"""Worker processes that die with the process that started them.

Analysis and tagging spread large batches over a process pool. A pool's workers outlive a parent that
is killed (``kill -9``: no clean-up runs) and go on computing for minutes; these do not. On Linux the
kernel kills each worker when its parent dies (``PR_SET_PDEATHSIG``); everywhere, a watchdog thread in the
worker exits as soon as the parent is gone (its parent process id changes).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
#: Cyclic garbage collection in a worker: a pass every 50,000 net allocations instead of 700. Workers do bulk
#: work that makes few reference cycles; the default cost ToTA's add over a second of CPU per process.
BULK_GC = (50_000, 20, 10)
#: How often the watchdog looks at the parent (seconds).
_WATCH_EVERY = 0.5


def pool(max_workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers exit when this process dies, however it dies."""
    return ProcessPoolExecutor(max_workers=max_workers, initializer=_tie_to_parent, initargs=(os.getpid(),))


def _tie_to_parent(parent: int) -> None:
    """Worker initializer: ask the kernel for SIGKILL when the parent dies, then check it has not died
    already (before the request), and watch it from a thread; garbage collection for bulk work."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog still works
            pass
    if os.getppid() != parent:
        os._exit(1)
    gc.set_threshold(*BULK_GC)
    threading.Thread(target=_watch, args=(parent,), name="ftadraft-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(_WATCH_EVERY)
        if os.getppid() != parent:
            os._exit(1)
