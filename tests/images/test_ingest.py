"""The one path of every upload: cheap checks before any decoding, the decode memory budget,
and the quota reservation given back whenever nothing is stored."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.errors import Invalid, TooLarge
from app.ids import new_id
from app.images import store
from app.images.budget import MemoryBudget
from app.images.ingest import ingest
from app.images.intake.spool import Spool
from app.images.processing.decoding import Limits
from tests.images import samples
from tests.images.images import jpeg

MIB = 1024 * 1024


@pytest.fixture
async def owner(db) -> dict:
    user = {"_id": new_id(), "username": "owner", "quota_bytes": None, "used_bytes": 0,
            "settings": {"default_visibility": "private"}}
    await db.users.insert_one(user)
    return user


def spooled(tmp_path, data: bytes):
    spool = Spool(str(tmp_path), 64 * MIB, "upload.png")
    with spool.handle:
        spool.write(data)
    return spool.file


def upload(app, db, owner, file, **options):
    options = {"limits": Limits(), "quota": None, **options}
    return ingest(db, app.bucket, app.image_executor, owner=owner, spooled=file, fields={},
                  now=app.clock(), **options)


async def used_bytes(db, owner) -> int:
    return (await db.users.find_one({"_id": owner["_id"]}))["used_bytes"]


async def test_the_decode_waits_for_room_in_the_memory_budget(app, db, owner, tmp_path):
    budget, others_done = MemoryBudget(100 * MIB), asyncio.Event()

    async def another_decode():
        async with budget.hold(100 * MIB):
            await others_done.wait()

    other = asyncio.ensure_future(another_decode())
    ingesting = asyncio.ensure_future(upload(app, db, owner, spooled(tmp_path, jpeg()),
                                             budget=budget))
    await asyncio.sleep(0.5)
    assert not ingesting.done()  # checked and reserved, then waiting for the decode
    assert await db.images.count_documents({}) == 0
    others_done.set()
    image, created = await asyncio.wait_for(ingesting, 30)
    await other
    assert created and await db.images.count_documents({"_id": image["_id"]}) == 1
    assert budget.used == 0


async def test_a_file_over_the_memory_limit_is_refused_before_the_budget(app, db, owner,
                                                                       tmp_path):
    budget = MemoryBudget(1)  # a decode would wait forever: the header answers first
    with pytest.raises(TooLarge, match="of memory to decode"):
        await asyncio.wait_for(upload(app, db, owner, spooled(tmp_path, samples.grey16_bomb()),
                                      limits=Limits(max_decode_bytes=64 * MIB), budget=budget),
                               30)
    assert await used_bytes(db, owner) == 0  # the file's reservation was given back


async def test_usage_counts_the_original_and_every_stored_variant(app, db, owner, tmp_path):
    image, _ = await upload(app, db, owner, spooled(tmp_path, jpeg(size=(800, 600))),
                            quota=10 * MIB)
    assert await used_bytes(db, owner) == store.stored_bytes(image)
    again, created = await upload(app, db, owner, spooled(tmp_path, jpeg(size=(800, 600))),
                                  quota=10 * MIB)
    assert not created and again["_id"] == image["_id"]
    assert await used_bytes(db, owner) == store.stored_bytes(image)


async def test_an_account_without_usage_yet_gets_one(app, db, owner, tmp_path):
    """Accounts whose document has no `used_bytes` have used nothing."""
    await db.users.update_one({"_id": owner["_id"]}, {"$unset": {"used_bytes": ""}})
    image, _ = await upload(app, db, owner, spooled(tmp_path, jpeg()), quota=10 * MIB)
    assert await used_bytes(db, owner) == store.stored_bytes(image)


async def test_the_same_bytes_arriving_at_once_are_kept_once(app, db, owner, tmp_path):
    for n in range(2):
        (tmp_path / str(n)).mkdir()
    files = [spooled(tmp_path / str(n), jpeg(size=(400, 300))) for n in range(2)]
    results = await asyncio.gather(*(upload(app, db, owner, file) for file in files))
    (first, first_new), (second, second_new) = results
    assert first["_id"] == second["_id"] and sorted([first_new, second_new]) == [False, True]
    assert await db.images.count_documents({}) == 1
    assert await db.image_digests.count_documents({}) == 1
    kept = await db.images.find_one({})
    # `full` is a view over the original: no file of its own.
    assert await db["images.files"].count_documents({}) == len(kept["files"]) - 1
    assert await used_bytes(db, owner) == store.stored_bytes(kept)


async def test_a_file_damaged_past_its_header_leaves_no_bytes(app, db, owner, tmp_path):
    # Its header passes the cheap checks, so its original was being written meanwhile.
    damaged = samples.truncated(jpeg(size=(800, 600)), 0.6)
    with pytest.raises(Invalid):
        await upload(app, db, owner, spooled(tmp_path, damaged))
    assert await db["images.chunks"].count_documents({}) == 0
    assert await db["images.files"].count_documents({}) == 0
    assert await used_bytes(db, owner) == 0


async def test_an_original_abandoned_midway_leaves_no_bytes(db, tmp_path):
    path = tmp_path / "original"
    path.write_bytes(bytes(range(256)) * (24 * 1024))  # 6 MiB: more than one batch
    with pytest.raises(Invalid):
        async with store.OriginalWrite(db, path):
            for _ in range(1000):  # until a batch of its chunks is in the database
                if await db["images.chunks"].count_documents({}):
                    break
                await asyncio.sleep(0.01)
            assert await db["images.chunks"].count_documents({})
            raise Invalid("found damaged while decoding")
    assert await db["images.chunks"].count_documents({}) == 0
    assert await db["images.files"].count_documents({}) == 0


async def test_bytes_whose_holder_vanished_make_a_new_image(app, db, owner, tmp_path):
    # What a purge interrupted between its last two deletions leaves: a digest naming an
    # image that is gone.
    image, _ = await upload(app, db, owner, spooled(tmp_path, jpeg()))
    await db.images.delete_one({"_id": image["_id"]})
    again, created = await upload(app, db, owner, spooled(tmp_path, jpeg()))
    assert created and again["_id"] != image["_id"]
    digest = await db.image_digests.find_one({})
    assert digest["image_id"] == again["_id"]


class CountingPool(ThreadPoolExecutor):
    """A pool of two threads that remembers how many of its tasks were waiting or running
    at once."""

    def __init__(self):
        super().__init__(2)
        self.lock, self.pending, self.most = threading.Lock(), 0, 0

    def submit(self, fn, /, *args, **kwargs):
        with self.lock:
            self.pending += 1
            self.most = max(self.most, self.pending)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self.lock:
            self.pending -= 1


async def test_the_encodes_of_one_upload_are_handed_to_the_pool_at_once(app, db, owner,
                                                                          tmp_path):
    pool = CountingPool()
    try:
        image, created = await ingest(
            db, app.bucket, pool, owner=owner, spooled=spooled(tmp_path, samples.gradient()),
            fields={}, limits=Limits(), quota=None, now=app.clock())
    finally:
        pool.shutdown()
    assert created and {"large_webp", "thumb2x_webp", "thumb_webp"} <= set(image["files"])
    assert pool.most >= 2  # the largest size's WebP beside the smaller ones
