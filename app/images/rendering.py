"""`Renderer`: the one way a rendition is made or found, with its work bounded.

- A cached rendition is answered from the cache (`app.images.rendition_cache`).
- Requests for the same rendition in this process share one rendering (single flight);
  another process rendering it at the same time is settled by the cache's unique key.
- Each new rendering is first admitted by the caller's `admit` (the handler counts it
  against its rate limits, kept in MongoDB), once per rendering: a flood of distinct
  signed URLs is refused, cached ones never are.
- The source is the `large` derivative when it has the pixels the rendition needs, else
  `full`; its decode waits for room in the process's decode budget, then runs in the
  image pool. Nothing is ever upscaled (`renditions.plan`).
"""

import asyncio
import datetime
from collections.abc import Awaitable, Callable

from app.images import rendition_cache, renditions, store
from app.images.ingest import MIB, decode_limits
from app.images.processing.rendition import probe, render
from app.images.renditions import Options


class SingleFlight:
    """Concurrent calls for one key share the first one's result (or error)."""

    def __init__(self):
        self._running: dict[str, asyncio.Task] = {}

    async def run(self, key: str, work: Callable[[], Awaitable]):
        """The result of `work()`, or of the call for `key` already under way."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        # Shielded: a client that goes away does not cancel what others wait for.
        return await asyncio.shield(task)


def source(image: dict, scaled: tuple[int, int]) -> dict:
    """The stored file a rendition of `scaled` pixels is made from: `large` if it is big
    enough (cheaper to decode), else `full`."""
    large = image["files"].get("large_webp")
    if large and large["width"] >= scaled[0] and large["height"] >= scaled[1]:
        return large
    return image["files"]["full"]


class Renditions:
    """The renditions of one application: its database, image pool, decode budget and
    settings (budgets, rate limit, decoding limits)."""

    def __init__(self, application):
        self.app = application
        self.flights = SingleFlight()

    def budget(self) -> rendition_cache.Budget:
        """The cache's byte budgets, from the settings."""
        settings = self.app.settings
        return rendition_cache.Budget(settings["rendition_image_mb"] * MIB,
                                      settings["rendition_cache_mb"] * MIB)

    async def get(self, image: dict, options: Options, *, now: datetime.datetime,
                  admit: Callable[[], Awaitable]) -> tuple[dict, bytes]:
        """`(entry, bytes)` of the rendition of `image` (access already checked) with
        `options` (format resolved): from the cache, or made now once `admit()` returned
        (it raises to refuse, e.g. `RateLimited`)."""
        key = rendition_cache.cache_key(image["_id"], options.text())
        entry = await rendition_cache.find(self.app.db, key, now)
        if entry is not None:
            data = await rendition_cache.read(self.app.db, entry)
            if data is not None:
                return entry, data
        return await self.flights.run(key, lambda: self._make(image, options, key, now,
                                                              admit))

    async def _make(self, image: dict, options: Options, key: str, now: datetime.datetime,
                    admit: Callable[[], Awaitable]) -> tuple[dict, bytes]:
        await admit()
        db, settings = self.app.db, self.app.settings
        scaled, final = renditions.plan(options, (image["width"], image["height"]))
        data = await store.read_file(self.app.bucket, source(image, scaled))
        limits = decode_limits(settings)
        loop = asyncio.get_running_loop()
        executor = self.app.image_executor
        needed = await loop.run_in_executor(executor, probe, data, limits, scaled)
        quality = options.quality or renditions.DEFAULT_QUALITY.get(options.format, 0)
        async with self.app.decode_budget.hold(needed):
            rendered, *size = await loop.run_in_executor(
                executor, lambda: render(data, limits, scaled=scaled, final=final,
                                                fit=options.fit, fmt=options.format,
                                                quality=quality))
        entry = await rendition_cache.keep(
            db, key, image["_id"], rendered, size=tuple(size), now=now, budget=self.budget(),
            content_type=renditions.CONTENT_TYPES[options.format])
        if entry["sha256"] != rendition_cache.digest(rendered):  # another process won
            rendered = await rendition_cache.read(db, entry) or rendered
        return entry, rendered
