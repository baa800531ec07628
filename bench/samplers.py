"""Readings from /proc for the benchmarks: memory (`VmRSS`, the peak `VmHWM` and its
reset), CPU seconds of a process, and samplers that take readings in a background thread
while a benchmark runs.
"""

import contextlib
import os
import threading
import time


def status_kb(pid: int, field: str) -> int:
    """One `kB` field of /proc/<pid>/status (VmRSS, VmHWM...)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def reset_peak(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of `pid`; False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Calls `sample()` every `interval` seconds in a background thread, while used as a
    context manager."""

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class RssSampler(Sampler):
    """Samples VmRSS of one process every `interval` seconds in a background thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(interval)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []  # (monotonic time, kB)

    def sample(self) -> None:
        with contextlib.suppress(OSError, LookupError):
            self.samples.append((time.monotonic(), status_kb(self.pid, "VmRSS")))

    def peak_kb(self, start: float, end: float) -> int:
        """Highest sample taken between two monotonic times (0 when there is none)."""
        return max((kb for t, kb in self.samples if start <= t <= end), default=0)

