"""Turns of one user's uploads, as leases in MongoDB: a live holder keeps its lease, a dead
one's runs out, and every lease is gone once its upload is done."""

import asyncio
import contextlib
import datetime

from app.images import slots


async def test_a_working_upload_renews_its_lease(db, clock, monkeypatch):
    monkeypatch.setattr(slots, "LEASE", datetime.timedelta(seconds=0.3))
    async with slots.upload_turn(db, "user", clock):
        first = await db.upload_slots.find_one({"_id": "user:0"})
        clock.advance(seconds=5)  # past the first lease
        for _ in range(100):
            await asyncio.sleep(0.05)
            renewed = await db.upload_slots.find_one({"_id": "user:0"})
            if renewed["expires"] > first["expires"]:
                break
        assert renewed["holder"] == first["holder"]
        assert renewed["expires"] == clock.now + slots.LEASE
    assert await db.upload_slots.count_documents({}) == 0


async def test_turns_are_counted_per_user(db, clock):
    async with contextlib.AsyncExitStack() as stack:
        for user in ["ann"] * slots.RUNNING + ["bob"]:
            await stack.enter_async_context(slots.upload_turn(db, user, clock))
        held = sorted(doc["_id"] for doc in await db.upload_slots.find().to_list())
        assert held == ["ann:0", "ann:1", "ann:2", "bob:0"]
    assert await db.upload_slots.count_documents({}) == 0
