"""A mixed load of what people do at once (uploads, image views, gallery pages, sign-ins,
API calls), the way `test_mixed_load` and `bench/bench_mixed_load.py` drive one server, and
a record of the event loop's slow callbacks while it runs."""

import asyncio
import logging
import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from tests.client import Client, upload, upload_one
from tests.images.images import jpeg

TIMEOUT = 300  # seconds per request: generous, a busy shared machine is slow, not broken
USERS = 10  # few enough for the registration limit, enough that no one queues uploads
MIX = {"upload": 100, "view": 120, "gallery": 100, "sign_in": 80, "api": 100}  # 500
# Sign-ins stay under the per-address limit (100 in 15 minutes): every client is 127.0.0.1.


@dataclass
class Results:
    """What each request kind got: (status, seconds) per request."""

    answers: dict[str, list[tuple[int, float]]] = field(default_factory=lambda: defaultdict(list))

    def statuses(self) -> dict[str, set[int]]:
        return {kind: {status for status, _ in got} for kind, got in self.answers.items()}

    def latency_ms(self, kind: str) -> tuple[float, float]:
        """p50 and p99 of one kind, in milliseconds."""
        seconds = sorted(duration for _, duration in self.answers[kind])
        p99 = seconds[min(len(seconds) - 1, round(len(seconds) * 0.99))]
        return statistics.median(seconds) * 1000, p99 * 1000


class SlowCallbacks(logging.Handler):
    """While installed (`with SlowCallbacks(loop, threshold)`): asyncio's debug mode with
    `threshold` as `slow_callback_duration`, its "Executing <handle> took N seconds"
    warnings collected in `wall`, and each callback's CPU time on the loop's thread in
    `cpu` (those over `threshold`). Wall time also counts the time the loop's thread
    waited for a core or for the GIL, which a busy machine makes long; CPU time is what a
    callback itself kept the loop busy for."""

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: float):
        super().__init__(logging.WARNING)
        self.loop, self.threshold = loop, threshold
        self.wall: list[tuple[float, str]] = []
        self.cpu: list[tuple[float, str]] = []
        self.slowest_cpu = 0.0
        self._run = asyncio.Handle._run

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("Executing") and len(record.args) == 2:
            handle, seconds = record.args
            self.wall.append((seconds, str(handle)))

    def __enter__(self) -> "SlowCallbacks":
        run, recorder = self._run, self

        def timed_run(handle) -> None:
            started = time.thread_time()
            run(handle)
            spent = time.thread_time() - started
            recorder.slowest_cpu = max(recorder.slowest_cpu, spent)
            if spent >= recorder.threshold:
                recorder.cpu.append((spent, repr(handle)))

        asyncio.Handle._run = timed_run
        self.loop.set_debug(True)
        self.loop.slow_callback_duration = self.threshold
        logging.getLogger("asyncio").addHandler(self)
        return self

    def __exit__(self, *_) -> None:
        logging.getLogger("asyncio").removeHandler(self)
        self.loop.set_debug(False)
        asyncio.Handle._run = self._run


async def run_mixed_load(base_url: str, *, concurrency: int = 16, seed: int = 7) -> Results:
    """Register `USERS` people with an image each, then send the `MIX` of requests in a
    shuffled order, at most `concurrency` at a time; returns every answer's status and
    time."""
    users = [Client(base_url, TIMEOUT) for _ in range(USERS)]
    results = Results()
    try:
        images = []
        for number, user in enumerate(users):
            await user.register(f"load{number}")
            images.append(await upload_one(user, jpeg(color=(number, 0, 0))))
        plan = [kind for kind, count in MIX.items() for _ in range(count)]
        random.Random(seed).shuffle(plan)  # noqa: S311 - an order, not a secret
        gate = asyncio.Semaphore(concurrency)

        async def one(number: int, kind: str) -> None:
            who = number % USERS
            user, image = users[who], images[who]
            async with gate:
                started = time.perf_counter()
                if kind == "upload":  # distinct bytes: a new image each time
                    color = (who, number % 256, number // 256)
                    response = await upload(user, [(f"{number}.jpg", jpeg(color=color))])
                elif kind == "view":
                    url = image["urls"]["thumb" if number % 2 else "full"]
                    response = await user.get("/" + url.split("/", 3)[3])
                elif kind == "gallery":
                    response = await user.get("/gallery")
                elif kind == "sign_in":
                    browser = Client(base_url, TIMEOUT)
                    try:
                        response = await browser.login(f"load{who}")
                    finally:
                        browser.close()
                else:
                    response = await user.get("/api/v1/images",
                                              headers={"Accept": "application/json"})
                results.answers[kind].append((response.code, time.perf_counter() - started))

        await asyncio.gather(*(one(number, kind) for number, kind in enumerate(plan)))
    finally:
        for user in users:
            user.close()
    return results
