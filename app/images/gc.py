"""Removing what belongs to nobody: everything of a deleted owner, and GridFS files whose
image document does not exist.

Uploads write files before the document and delete them if anything fails, but a process can
still die between the two; an account deletion can be interrupted, or race an upload that
lands after it. Files younger than `grace` are left alone: they may belong to an upload that
is still being written.
"""

import datetime

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.images import albums, store
from app.images.store import delete_files

_BATCH = 100


async def purge_owner(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner_id: str) -> int:
    """Delete every image (with its files), album, share link, session and API token of
    `owner_id`; returns how many images went. Used by account deletion and to sweep after
    an interrupted one."""
    deleted = 0
    while batch := await db.images.find({"owner_id": owner_id}).limit(_BATCH).to_list():
        for image in batch:
            await store.delete_image(db, bucket, image)
            deleted += 1
    while batch := await db.albums.find({"owner_id": owner_id}).limit(_BATCH).to_list():
        for album in batch:
            await albums.delete_album(db, album)
    # Links whose target was already gone (deleting a target deletes its links).
    await db.shares.delete_many({"owner_id": owner_id})
    await db.sessions.delete_many({"user_id": owner_id})
    await db.api_tokens.delete_many({"user_id": owner_id})
    return deleted


async def sweep_ownerless(db: AsyncDatabase, bucket: AsyncGridFSBucket) -> int:
    """Purge the images, albums and links of owners whose account no longer exists."""
    owners = set()
    for collection in (db.images, db.albums, db.shares):
        owners.update(await collection.distinct("owner_id"))
    for collection in (db.sessions, db.api_tokens):
        owners.update(await collection.distinct("user_id"))
    existing = {user["_id"] async for user in db.users.find({"_id": {"$in": list(owners)}},
                                                             {"_id": 1})}
    return sum([await purge_owner(db, bucket, owner_id) for owner_id in owners - existing])


async def sweep_orphans(db: AsyncDatabase, bucket: AsyncGridFSBucket, *,
                        now: datetime.datetime, grace: datetime.timedelta) -> int:
    """Delete orphaned GridFS files older than `grace`, and the chunks of files whose write
    never finished; returns how many files were deleted."""
    orphans = {}
    cutoff = now - grace
    cursor = db["images.files"].find({"uploadDate": {"$lt": cutoff}},
                                     {"metadata.image_id": 1})
    batch: dict = {}
    async for entry in cursor:
        batch[entry["_id"]] = entry.get("metadata", {}).get("image_id")
        if len(batch) >= 500:
            orphans.update(await _without_document(db, batch))
            batch = {}
    orphans.update(await _without_document(db, batch))
    await delete_files(bucket, {str(file_id): {"id": file_id} for file_id in orphans})
    return len(orphans) + await _sweep_unfinished(db, cutoff)


async def _sweep_unfinished(db: AsyncDatabase, cutoff: datetime.datetime) -> int:
    """Delete the chunks of files that have no files document: GridFS writes that document
    last, so a crash mid-write leaves chunks (the untouched original among them) that no
    file lists. A file id is an ObjectId made when its upload started, so ids older than
    `cutoff` cannot belong to an upload still being written."""
    chunks = db["images.chunks"]
    # Chunk 0 of each file, through the (files_id, n) index GridFS keeps.
    cursor = chunks.find({"files_id": {"$lt": ObjectId.from_datetime(cutoff)}, "n": 0},
                         {"files_id": 1, "_id": 0})
    unfinished, batch = [], []
    async for chunk in cursor:
        batch.append(chunk["files_id"])
        if len(batch) >= _BATCH * 5:
            unfinished += await _without_files_document(db, batch)
            batch = []
    unfinished += await _without_files_document(db, batch)
    if unfinished:
        await chunks.delete_many({"files_id": {"$in": unfinished}})
    return len(unfinished)


async def _without_files_document(db: AsyncDatabase, file_ids: list) -> list:
    existing = {doc["_id"] async for doc in db["images.files"].find(
        {"_id": {"$in": file_ids}}, {"_id": 1})}
    return [file_id for file_id in file_ids if file_id not in existing]


async def _without_document(db: AsyncDatabase, batch: dict) -> dict:
    """The entries of `batch` (file id -> image id) whose image document is missing."""
    image_ids = {image_id for image_id in batch.values() if image_id}
    existing = {doc["_id"] async for doc in db.images.find({"_id": {"$in": list(image_ids)}},
                                                           {"_id": 1})}
    return {file_id: image_id for file_id, image_id in batch.items()
            if image_id not in existing}
