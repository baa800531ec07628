"""`MemoryBudget`: how much memory the image decodes of one process may take at once.

Each decode reserves what `probe_image` estimated before it is handed to the image thread
pool, and waits, first come first served, while the reservations in progress leave too
little room. Memory belongs to a process, so this budget does too: with `--workers N` the
machine needs N budgets' worth.

Its size (`decode_memory_mb`, or `default_capacity` when that is 0) is in bytes, not a
count of decodes: a 24 MP noise JPEG reserves ~130 MiB, a 1 MP PNG ~40 MiB, so many small
pictures may decode together while one big one takes the room of several.
"""

import asyncio
import collections
import contextlib
import os
from collections.abc import AsyncIterator

MIB = 1024 * 1024
# An upload holds its room while a core works on it and while its files are written: room
# for one or two big ones per core keeps the cores and the database busy, and more would
# hold pictures waiting for a core without making anything faster.
PER_CORE = 128 * MIB


def default_capacity(cores: int) -> int:
    """The budget when none is configured: `PER_CORE` for each core, but at most a quarter
    of the memory available when the process starts."""
    return min(cores * PER_CORE, _available_memory() // 4)


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as meminfo:  # Linux: what can be had without swapping
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


class MemoryBudget:
    """`capacity` bytes shared by the decodes of this process."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.used = 0
        self._waiting: collections.deque[tuple[int, asyncio.Future]] = collections.deque()

    @contextlib.asynccontextmanager
    async def hold(self, amount: int) -> AsyncIterator[None]:
        """Reserve `amount` bytes for the body of the `async with`, waiting for room. An
        amount over the whole capacity waits until it can run alone."""
        amount = min(amount, self.capacity)
        if self._waiting or self.used + amount > self.capacity:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append((amount, turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.cancelled():
                    with contextlib.suppress(ValueError):  # `_grant` may have dropped it
                        self._waiting.remove((amount, turn))
                    self._grant()  # it may have been holding up smaller ones behind it
                else:  # granted just before the cancellation arrived
                    self._release(amount)
                raise
        else:
            self.used += amount
        try:
            yield
        finally:
            self._release(amount)

    def _release(self, amount: int) -> None:
        self.used -= amount
        self._grant()

    def _grant(self) -> None:
        # In order: a large reservation is not overtaken forever by small ones.
        while self._waiting and self.used + self._waiting[0][0] <= self.capacity:
            amount, turn = self._waiting.popleft()
            if not turn.done():  # a cancelled waiter takes nothing
                self.used += amount
                turn.set_result(None)
