"""Run a Python script with every slow asyncio callback logged:

    python bench/slowlog.py SECONDS SCRIPT [ARGS...]

Each callback the event loop runs (a task step, an I/O or timer callback) that takes at least
SECONDS of wall time is logged by the `asyncio` logger as "Executing <handle> took W seconds
(C s CPU)", C being the CPU time the thread spent in it: on a busy machine wall time also
counts time the process waited for a core. asyncio's debug mode logs the same (without the
CPU time) but slows the whole loop several times over; timing each callback costs two clock
reads.
"""

import asyncio.events
import logging
import runpy
import sys
import time

_run = asyncio.events.Handle._run


def timed_run(handle: asyncio.events.Handle, limit: float) -> None:
    start, cpu = time.perf_counter(), time.thread_time()
    _run(handle)
    took = time.perf_counter() - start
    if took >= limit:
        logging.getLogger("asyncio").warning("Executing %r took %.3f seconds (%.3f s CPU)",
                                             handle, took, time.thread_time() - cpu)


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    asyncio.events.Handle._run = lambda handle: timed_run(handle, seconds)
    sys.argv = sys.argv[2:]
    runpy.run_path(sys.argv[0], run_name="__main__")
