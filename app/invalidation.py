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
import threading
import time
import weakref
from collections.abc import Callable, Iterable

from pymongo import MongoClient
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
    """Polls the signal for one process and tells its listeners what to drop.

    Given the database's `uri`, it polls from a thread of its own with a small synchronous
    client, so a busy event loop cannot delay its reading (a poll answered but not yet read
    vouches for nothing): a poll that found nothing new makes it fresh at once, and one that
    found changes hands them to the event loop, which applies them before it is fresh again.
    Without one (tests), it polls on the event loop.
    """

    def __init__(self, db: AsyncDatabase, clock: Callable[[], float] = time.monotonic, *,
                 uri: str | None = None, timeout_ms: int = 2000):
        self.db = db
        self.clock = clock
        self.uri = uri
        self.timeout_ms = timeout_ms
        self.seen: int | None = None  # None: nothing read yet, so nothing is known
        self.good_poll_began = float("-inf")
        self.listeners: list[Listener] = []
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pending = False  # changes read by the thread, not yet applied on the loop
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
        if self._task is not None or self._thread is not None:
            return
        if self.uri:
            self._thread = threading.Thread(target=self._poll_in_thread, daemon=True,
                                            args=(asyncio.get_running_loop(),),
                                            name="pixvault-invalidations")
            self._thread.start()
        else:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        """Stop polling."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def poll(self) -> None:
        """Read the signal once on the event loop and hand what is new to the listeners."""
        began = self.clock()
        self._apply(self._changes(await self.db.invalidations.find_one(self._query())),
                    began)

    def _query(self) -> dict:
        # Nothing at all comes back while nothing changed.
        return _KEY if self.seen is None else {**_KEY, "seq": {"$ne": self.seen}}

    def _changes(self, doc: dict | None) -> list[tuple]:
        """What a read of the signal says to drop, as (images, owners) pairs."""
        if doc is None:
            if self.seen is not None:
                return []
            self.seen = 0  # no change was ever published
            return [(None, None)]
        first, new = self.seen is None, doc["seq"] - (self.seen or 0)
        self.seen, recent = doc["seq"], doc["recent"]
        if first or not 0 < new <= len(recent):
            # The first read, too many missed, or a sequence that went backwards: what
            # happened in between is unknown.
            return [(None, None)]
        return [(set(event["images"]), set(event["owners"])) for event in recent[-new:]]

    def _apply(self, changes: list[tuple], began: float) -> None:
        for images, owners in changes:
            self.notify(images, owners)
        self._pending = False
        self.good_poll_began = max(self.good_poll_began, began)

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as error:  # noqa: BLE001 - an outage: fresh() turns False
                if self.fresh():  # one line when it starts failing, not four a second
                    log.warning("invalidation poll failed: %s", type(error).__name__)
            await asyncio.sleep(POLL_SECONDS)

    def _poll_in_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        with MongoClient(self.uri, timeoutMS=self.timeout_ms, tz_aware=True,
                         appname="pixvault-invalidations") as client:
            signal = client[self.db.name].invalidations
            while not self._stopping.is_set():
                began = self.clock()
                try:
                    changes = self._changes(signal.find_one(self._query()))
                except Exception as error:  # noqa: BLE001 - an outage: fresh() turns False
                    if self.fresh():
                        log.warning("invalidation poll failed: %s", type(error).__name__)
                else:
                    if changes:
                        self._pending = True
                        try:
                            loop.call_soon_threadsafe(self._apply, changes, began)
                        except RuntimeError:  # the loop is closed: the process is stopping
                            return
                    elif not self._pending:
                        self.good_poll_began = began
                self._stopping.wait(POLL_SECONDS)
