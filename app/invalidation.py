"""The invalidation signal: how every worker and host learns, within a second, that what it
keeps in memory about an image may no longer be served.

Every write that can take an image away from someone (a visibility or title change, the
trash, a deletion, a disabled or deleted account) calls `images_changed` or
`owner_changed` after its own write. That appends an event to ONE small document in the
`invalidations` collection, atomically with a sequence number:

    {_id: "access", seq: 41, recent: [{images: [...], owners: [...]}, ...]}

`$inc` and `$push` in one update make the event and its number appear together, so a
reader never sees a gap, and `$slice` keeps only the last `KEEP` events. Every process runs
a `Watcher` that asks for the document only if its `seq` differs from the one it has seen
(an indexed lookup by `_id` answering nothing at all when nothing changed), every
`POLL_SECONDS`, and hands new events to its listeners; when it missed more than `KEEP`
events, or the sequence went backwards (a restored database), it tells them to drop
everything. Polling works on every MongoDB (a change stream needs a replica set) and on the
embedded database.

Fail closed: `Watcher.fresh()` is True only while the last poll that succeeded began less
than `FRESH_SECONDS` ago, and caches serve nothing without it; a database that stops
answering turns them off within that bound. The process that made a change also tells its
own listeners at once, without waiting for its next poll.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Iterable

from pymongo.asynchronous.database import AsyncDatabase

POLL_SECONDS = 0.25
# A change is honoured everywhere within a second: its event is written right after it
# (milliseconds), and a process serves from memory only while its last good poll began
# less than this long ago, so at worst it serves what it knew this long after a change.
FRESH_SECONDS = 0.9
KEEP = 64  # events kept in the document: a process missing more than these drops all
# An event names at most this many images; a larger batch names their owners instead
# (coarser, so a little more is dropped, but the document stays small).
MAX_IMAGES = 100
_KEY = {"_id": "access"}

log = logging.getLogger(__name__)

# Listener = Callable[[set of image ids, set of owner ids], None]; (None, None): drop all.
Listener = Callable[[set[str] | None, set[str] | None], None]
# The watchers of this process, by database, so that a change made here is applied here at
# once; weak, so a closed application's watcher simply disappears.
_local: "weakref.WeakSet[Watcher]" = weakref.WeakSet()


async def images_changed(db: AsyncDatabase, images: Iterable[dict]) -> None:
    """Tell every process that these images (documents with `_id` and `owner_id`) changed
    in a way that may hide them or change how they are served."""
    images = list(images)
    if len(images) > MAX_IMAGES:
        await _publish(db, set(), {image["owner_id"] for image in images})
    elif images:
        await _publish(db, {image["_id"] for image in images}, set())


async def owner_changed(db: AsyncDatabase, owner_id: str) -> None:
    """Tell every process that everything `owner_id` owns may be hidden now."""
    await _publish(db, set(), {owner_id})


async def _publish(db: AsyncDatabase, images: set[str], owners: set[str]) -> None:
    for watcher in list(_local):
        if watcher.db is db:
            watcher.notify(images, owners)
    event = {"images": sorted(images), "owners": sorted(owners)}
    await db.invalidations.update_one(
        _KEY, {"$inc": {"seq": 1}, "$push": {"recent": {"$each": [event], "$slice": -KEEP}}},
        upsert=True)


class Watcher:
    """Polls the signal for one process and tells its listeners what to drop."""

    def __init__(self, db: AsyncDatabase, clock: Callable[[], float] = time.monotonic):
        self.db = db
        self.clock = clock
        self.seen: int | None = None  # None: nothing read yet, so nothing is known
        self.good_poll_began = float("-inf")
        self.listeners: list[Listener] = []
        self._task: asyncio.Task | None = None
        _local.add(self)

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(images, owners)` for every change; `(None, None)`: drop all."""
        self.listeners.append(listener)

    def notify(self, images: set[str] | None, owners: set[str] | None) -> None:
        """Hand one change to every listener."""
        for listener in self.listeners:
            listener(images, owners)

    def fresh(self) -> bool:
        """True if every change made until `FRESH_SECONDS` ago is known here."""
        return self.clock() - self.good_poll_began < FRESH_SECONDS

    def start(self) -> None:
        """Poll in the background from now on (idempotent; needs a running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def poll(self) -> None:
        """Read the signal once and hand what is new to the listeners."""
        began = self.clock()
        query = _KEY if self.seen is None else {**_KEY, "seq": {"$ne": self.seen}}
        doc = await self.db.invalidations.find_one(query)
        if doc is not None:
            new = doc["seq"] - (self.seen or 0)
            if self.seen is None or not 0 < new <= len(doc["recent"]):
                # The first read, too many missed, or a sequence that went backwards:
                # what happened in between is unknown.
                self.notify(None, None)
            else:
                for event in doc["recent"][-new:]:
                    self.notify(set(event["images"]), set(event["owners"]))
            self.seen = doc["seq"]
        elif self.seen is None:  # no change was ever published
            self.notify(None, None)
            self.seen = 0
        self.good_poll_began = began

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as error:  # noqa: BLE001 - an outage: fresh() turns False
                if self.fresh():  # one line when it starts failing, not four a second
                    log.warning("invalidation poll failed: %s", type(error).__name__)
            await asyncio.sleep(POLL_SECONDS)
