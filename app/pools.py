"""Thread pools that say no: at most `workers` tasks run and `queue` more wait; beyond that
`submit` raises `Busy` at once, so a flood is answered 503 in milliseconds instead of
every request, honest ones included, waiting minutes in an unbounded line."""

import math
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from app.errors import Busy
from app.text import plural


class BoundedExecutor(Executor):
    """A `ThreadPoolExecutor` of `workers` threads with room for `queue` waiting tasks."""

    def __init__(self, workers: int, queue: int, name: str):
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._workers = workers
        self._capacity = workers + queue
        self._slots = threading.BoundedSemaphore(self._capacity)
        self._last_seconds = 0.0  # how long the last task ran: the basis of Retry-After

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Schedule `fn(*args, **kwargs)`; `Busy` if the queue is full."""
        if not self._slots.acquire(blocking=False):
            # By then every task now waiting or running has had its turn.
            seconds = max(1, math.ceil(self._last_seconds * self._capacity / self._workers))
            raise Busy(f"Too many requests at once. Try again in {plural(seconds, 'second')}.",
                       retry_after=seconds)
        try:
            future = self._pool.submit(self._timed, fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        # Done, failed or cancelled at shutdown: the slot is free again.
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def _timed(self, fn, /, *args, **kwargs):
        start = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            self._last_seconds = time.monotonic() - start

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the threads (see `ThreadPoolExecutor.shutdown`)."""
        self._pool.shutdown(wait, cancel_futures=cancel_futures)
