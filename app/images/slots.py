"""Uploads in flight per user, counted in MongoDB so that every process and host agrees.

A user's uploads are processed `RUNNING` at a time (the web uploader sends three at once);
up to `QUEUED` more wait their turn, looking for a free slot every `POLL` seconds for at
most `MAX_WAIT`; one more than that, or one that waited too long, is answered 429 with
`Retry-After`. A slot is a document `upload_slots {_id: "<user id>:<n>", holder, expires}`.
Taking one is an upsert that matches only a free or expired slot: when the slot is held,
the upsert's insert collides with the unique `_id`, so one holder at a time has it. The
holder renews its lease every `LEASE / 3` while it works and deletes the document when
done; a process that dies leaves leases that expire after `LEASE` (and a TTL index sweeps).
Leases are dated by the application clock: hosts' clocks must agree to well within `LEASE`.
"""

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator, Callable

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from app.errors import RateLimited
from app.ids import new_id

RUNNING = 3
QUEUED = 10
LEASE = datetime.timedelta(seconds=60)
POLL = 0.5  # seconds between looks for a free slot
MAX_WAIT = 60.0  # seconds a queued upload waits for its turn
RETRY_AFTER = 10  # seconds, when the queue is full or the wait ran out

Clock = Callable[[], datetime.datetime]


@contextlib.asynccontextmanager
async def upload_turn(db: AsyncDatabase, user_id: str, clock: Clock) -> AsyncIterator[None]:
    """Hold one of the user's `RUNNING` slots for the body of the `async with`, queueing
    for one while they are all taken; `RateLimited` when the queue is full too, or the
    wait runs out."""
    holder = new_id()
    slot = await _take(db, user_id, range(RUNNING), holder, clock())
    if slot is None:
        slot = await _wait_in_queue(db, user_id, holder, clock)
    renewing = asyncio.ensure_future(_keep(db, slot, holder, clock))
    try:
        yield
    finally:
        renewing.cancel()
        await db.upload_slots.delete_one({"_id": slot, "holder": holder})


async def users_uploading(db: AsyncDatabase, now: datetime.datetime) -> set[str]:
    """The users holding or waiting for an upload slot (their uploads are in flight)."""
    return {slot["_id"].rsplit(":", 1)[0]
            async for slot in db.upload_slots.find({"expires": {"$gt": now}}, {"_id": 1})}


async def _wait_in_queue(db: AsyncDatabase, user_id: str, holder: str, clock: Clock) -> str:
    place = await _take(db, user_id, range(RUNNING, RUNNING + QUEUED), holder, clock())
    if place is None:
        raise RateLimited(f"You have {RUNNING} uploads in progress and {QUEUED} more waiting; "
                          f"send this one again in a moment.", retry_after=RETRY_AFTER)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_WAIT
    try:
        while loop.time() < deadline:
            await asyncio.sleep(POLL)
            slot = await _take(db, user_id, range(RUNNING), holder, clock())
            if slot is not None:
                return slot
            await _extend(db, place, holder, clock())
        raise RateLimited("Your other uploads are taking a long time; send this one again "
                          "in a moment.", retry_after=RETRY_AFTER)
    finally:
        await db.upload_slots.delete_one({"_id": place, "holder": holder})


async def _take(db: AsyncDatabase, user_id: str, numbers: range, holder: str,
                now: datetime.datetime) -> str | None:
    """The first of the user's slots `numbers` that is free or expired, now `holder`'s."""
    for number in numbers:
        slot = f"{user_id}:{number}"
        try:
            await db.upload_slots.update_one(
                {"_id": slot, "expires": {"$lte": now}},
                {"$set": {"holder": holder, "expires": now + LEASE}}, upsert=True)
        except DuplicateKeyError:  # held by someone else, lease running
            continue
        return slot
    return None


async def _extend(db: AsyncDatabase, slot: str, holder: str, now: datetime.datetime) -> None:
    await db.upload_slots.update_one({"_id": slot, "holder": holder},
                                     {"$set": {"expires": now + LEASE}})


async def _keep(db: AsyncDatabase, slot: str, holder: str, clock: Clock) -> None:
    """Renew the lease until cancelled; a renewal the database misses is tried again."""
    while True:
        await asyncio.sleep(LEASE.total_seconds() / 3)
        with contextlib.suppress(PyMongoError):
            await _extend(db, slot, holder, clock())
