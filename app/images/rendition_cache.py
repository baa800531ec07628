"""The rendition cache: rendered renditions kept in GridFS (bucket `renditions`, apart from
the images' own files, which count against their owner's quota while these do not), one
document each in the `renditions` collection:

    {_id: "<image_id>/<options>" (format resolved), image_id, file_id, type, bytes, sha256,
     width, height, created, used}

The unique `_id` is the claim across processes: two workers that render the same rendition
at once both write a file, the second document insert fails, and its file is deleted.
`used` (last use) is written at most once per `TOUCH_AFTER`, so a hot rendition costs no
write per request. Budgets bound the bytes kept: per image and in all; past either, the
least recently used renditions go (document first, so nothing serves a missing file).
An image's purge deletes its renditions; `sweep` (`manage.py gc`) removes files without a
document and documents without an image.
"""

import contextlib
import datetime
import hashlib
from dataclasses import dataclass

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.db import IMAGE_RENDITION_LEAST_USED, RENDITION_LEAST_USED, RENDITIONS_BUCKET
from app.images.gridfs_writer import GridFSWriter

TOUCH_AFTER = datetime.timedelta(minutes=10)
_BATCH = 500


@dataclass(frozen=True)
class Budget:
    """Bytes of renditions kept per image, and in all."""

    image_bytes: int
    total_bytes: int


def bucket(db: AsyncDatabase) -> AsyncGridFSBucket:
    """The GridFS bucket of rendered renditions (`renditions.files`, `.chunks`)."""
    return AsyncGridFSBucket(db, bucket_name=RENDITIONS_BUCKET)


def digest(data: bytes) -> str:
    """The sha256 (hex) a rendition's document keeps of its bytes (its ETag)."""
    return hashlib.sha256(data).hexdigest()


def cache_key(image_id: str, options_text: str) -> str:
    """The cache entry of a rendition: its image and canonical options, format resolved."""
    return f"{image_id}/{options_text}"


async def find(db: AsyncDatabase, key: str, now: datetime.datetime) -> dict | None:
    """The cached rendition's document, or None; marks it used when its mark is stale."""
    entry = await db.renditions.find_one({"_id": key})
    if entry is not None and entry["used"] <= now - TOUCH_AFTER:
        await db.renditions.update_one({"_id": key, "used": entry["used"]},
                                       {"$set": {"used": now}})
    return entry


async def read(db: AsyncDatabase, entry: dict) -> bytes | None:
    """The bytes of a cached rendition; None if it was evicted meanwhile."""
    try:
        stream = await bucket(db).open_download_stream(entry["file_id"])
    except NoFile:
        return None
    try:
        return await stream.read()
    finally:
        await stream.close()


async def keep(db: AsyncDatabase, key: str, image_id: str, data: bytes, *, content_type: str,
               size: tuple[int, int], now: datetime.datetime, budget: Budget) -> dict:
    """Store a rendition and return its document, then evict past the budgets. If another
    process stored the same one first, that one is kept and returned."""
    entry = {"_id": key, "image_id": image_id, "file_id": ObjectId(), "type": content_type,
             "bytes": len(data), "sha256": digest(data),
             "width": size[0], "height": size[1], "created": now, "used": now}
    async with GridFSWriter(db, RENDITIONS_BUCKET, entry["file_id"], key,
                            {"image_id": image_id}) as stream:
        await stream.write(data)
    try:
        await db.renditions.insert_one(entry)
    except DuplicateKeyError:
        await _delete_file(db, entry["file_id"])
        return await db.renditions.find_one({"_id": key}) or entry
    await _evict(db, {"image_id": image_id}, IMAGE_RENDITION_LEAST_USED, budget.image_bytes,
                 key)
    await _evict(db, {}, RENDITION_LEAST_USED, budget.total_bytes, key)
    return entry


async def _evict(db: AsyncDatabase, query: dict, order: list, most: int, keep_key: str) -> None:
    """Delete the least recently used renditions matching `query` until they hold at most
    `most` bytes (never `keep_key`, just made)."""
    totals = await (await db.renditions.aggregate(
        [{"$match": query}, {"$group": {"_id": None, "bytes": {"$sum": "$bytes"}}}])).to_list()
    excess = (totals[0]["bytes"] if totals else 0) - most
    if excess <= 0:
        return
    async for entry in db.renditions.find(query, {"bytes": 1, "file_id": 1}).sort(order):
        if entry["_id"] == keep_key:
            continue
        await _forget(db, entry)
        excess -= entry["bytes"]
        if excess <= 0:
            return


async def _forget(db: AsyncDatabase, entry: dict) -> None:
    if (await db.renditions.delete_one({"_id": entry["_id"]})).deleted_count:
        await _delete_file(db, entry["file_id"])


async def _delete_file(db: AsyncDatabase, file_id: ObjectId) -> None:
    with contextlib.suppress(NoFile):
        await bucket(db).delete(file_id)


async def delete_for_image(db: AsyncDatabase, image_id: str) -> None:
    """Delete every rendition of an image (its purge)."""
    async for entry in db.renditions.find({"image_id": image_id}, {"file_id": 1}):
        await _forget(db, entry)


async def sweep(db: AsyncDatabase, cutoff: datetime.datetime) -> int:
    """Delete renditions whose image is gone, and rendition files older than `cutoff`
    without a document (a crash between the two writes); returns how many went."""
    gone = 0
    images = {entry["image_id"] for entry in await db.renditions.find(
        {}, {"image_id": 1}).to_list()}
    live = {image["_id"] async for image in db.images.find(
        {"_id": {"$in": list(images)}}, {"_id": 1})}
    async for entry in db.renditions.find({"image_id": {"$nin": list(live)}}, {"file_id": 1}):
        await _forget(db, entry)
        gone += 1
    files = db[f"{RENDITIONS_BUCKET}.files"].find({"uploadDate": {"$lt": cutoff}}, {"_id": 1})
    async for batch in _batches(files):
        known = {entry["file_id"] async for entry in db.renditions.find(
            {"file_id": {"$in": batch}}, {"file_id": 1})}
        for file_id in set(batch) - known:
            await _delete_file(db, file_id)
            gone += 1
    return gone


async def _batches(cursor):
    batch = []
    async for entry in cursor:
        batch.append(entry["_id"])
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
