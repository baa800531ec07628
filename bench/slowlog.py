"""Run a Python script with every slow asyncio callback logged, and attributed to code:

    python bench/slowlog.py SECONDS SCRIPT [ARGS...]

Each callback the event loop runs (a task step, an I/O or timer callback) that takes at least
SECONDS of wall time is logged by the `asyncio` logger as "Executing <handle> took W seconds
(C s CPU)", C being the CPU time the thread spent in it: on a busy machine wall time also
counts time the process waited for a core. asyncio's debug mode logs the same (without the
CPU time) but slows the whole loop several times over; timing each callback costs two clock
reads.

What the callback was doing comes on the lines after it: a watchdog thread looks at the
running callback every `EVERY` seconds and, once it has run `SAMPLE_AFTER` seconds, takes the
loop thread's stack (`sys._current_frames()`); the distinct stacks follow the log line, most
frequent first, each as "  stack N/M: outermost > ... > innermost" (file:line function,
innermost last). A sample waits for the GIL, so a C call that holds it shows up in the
frame that called it, a little late. The cyclic garbage collector is such a call: the time it
ran in the callback's thread while the callback ran comes last on the log line, as
"[G s in N collections of generation <= K]".
"""

import asyncio.events
import collections
import gc
import logging
import os
import re
import runpy
import sys
import threading
import time

SAMPLE_AFTER = 0.010  # seconds a callback runs before its stack is sampled
EVERY = 0.002  # seconds between the watchdog's looks
DEPTH = 60  # innermost frames kept per sample

_run = asyncio.events.Handle._run
_running: dict[int, "Run"] = {}  # loop thread id -> the callback it runs now


class Run:
    """One callback being run: when it started, and the stacks sampled while it ran."""

    __slots__ = ("handle", "start", "samples", "gc", "collections", "generation")

    def __init__(self, handle: asyncio.events.Handle):
        self.handle, self.start = handle, time.perf_counter()
        self.samples: list[tuple[str, ...]] = []
        self.gc, self.collections, self.generation = 0.0, 0, -1


_gc_started: dict[int, float] = {}  # thread id -> when its running collection started


def on_gc(phase: str, info: dict) -> None:
    """Add each collection's time to the callback its thread runs, if any."""
    ident = threading.get_ident()
    if phase == "start":
        _gc_started[ident] = time.perf_counter()
        return
    run, started = _running.get(ident), _gc_started.pop(ident, None)
    if run is not None and started is not None:
        run.gc += time.perf_counter() - started
        run.collections += 1
        run.generation = max(run.generation, info["generation"])


def where(frame) -> tuple[str, ...]:
    """The innermost `DEPTH` frames from `frame` up, outermost first, as file:line name."""
    here = []
    while frame is not None and len(here) < DEPTH:
        code = frame.f_code
        if code is _run.__code__:  # asyncio's own frames above the callback say nothing
            break
        path = code.co_filename
        short = path.split("site-packages/")[-1] if "site-packages/" in path else (
            os.path.relpath(path) if path.startswith(os.getcwd()) else path)
        here.append(f"{short}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return tuple(reversed(here))


def watchdog() -> None:
    """Sample the stack of every loop thread whose callback has run past `SAMPLE_AFTER`."""
    while True:
        time.sleep(EVERY)
        now = time.perf_counter()
        for ident, run in list(_running.items()):
            if now - run.start < SAMPLE_AFTER:
                continue
            frame = sys._current_frames().get(ident)
            # Only if the same callback still runs: the frames are then its own.
            if frame is not None and _running.get(ident) is run:
                run.samples.append(where(frame))


def timed_run(handle: asyncio.events.Handle, limit: float) -> None:
    ident = threading.get_ident()
    run = _running[ident] = Run(handle)
    cpu = time.thread_time()
    try:
        _run(handle)
    finally:
        del _running[ident]
    took = time.perf_counter() - run.start
    if took >= limit:
        stacks = collections.Counter(run.samples).most_common()
        lines = "".join(f"\n  stack {count}/{len(run.samples)}: {' > '.join(stack)}"
                        for stack, count in stacks)
        collected = (f" [{run.gc:.3f} s in {run.collections} collections of generation "
                     f"<= {run.generation}]") if run.collections else ""
        logging.getLogger("asyncio").warning("Executing %r took %.3f seconds (%.3f s CPU)%s%s",
                                             handle, took, time.thread_time() - cpu,
                                             collected, lines)


_ENTRY = re.compile(r"Executing (.*?) took ([\d.]+) seconds \(([\d.]+) s CPU\)"
                    r"(?: \[([\d.]+) s in (\d+) collections of generation <= (\d)\])?"
                    r"((?:\n  stack .*)*)")
_STACK = re.compile(r"\n  stack (\d+)/(\d+): (.*)")


def parse(log: str) -> list[dict]:
    """Every slow callback logged in `log`, in order: its handle, wall, CPU and collector
    ms, its sampled stacks (count, of samples, frames outermost first) and `site`, where it
    spent its time: the collector when that took half its CPU time or more, else the
    innermost of Pixvault's frames in its most frequent stack (else the innermost frame,
    else the handle)."""
    found = []
    for handle, wall, cpu, gc_s, runs, generation, tail in _ENTRY.findall(log):
        stacks = [(int(n), int(total), frames.split(" > "))
                  for n, total, frames in _STACK.findall(tail)]
        top = stacks[0][2] if stacks else []
        ours = [frame for frame in top if frame.startswith("app/")]
        entry = {"handle": handle[:200], "wall_ms": float(wall) * 1000,
                 "cpu_ms": float(cpu) * 1000, "gc_ms": float(gc_s or 0) * 1000,
                 "gc": f"{runs} collections of generation <= {generation}" if runs else "",
                 "stacks": stacks,
                 "site": ours[-1] if ours else top[-1] if top else handle[:90]}
        if entry["gc_ms"] and entry["gc_ms"] >= entry["cpu_ms"] / 2:
            entry["site"] = f"garbage collection, generation {generation}"
        found.append(entry)
    return found


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    asyncio.events.Handle._run = lambda handle: timed_run(handle, seconds)
    gc.callbacks.append(on_gc)
    threading.Thread(target=watchdog, name="slowlog-watchdog", daemon=True).start()
    sys.argv = sys.argv[2:]
    sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))  # as if run directly
    runpy.run_path(sys.argv[0], run_name="__main__")
