"""`MemoryBudget`: how much memory the image decodes of one process may take at once.

Each decode reserves what `probe_image` estimated before it is handed to the image thread
pool, and waits, first come first served, while the reservations in progress leave too
little room. Memory belongs to a process, so this budget does too: with `--workers N` the
machine needs N budgets' worth.
"""

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator


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
