"""Finishing deletions and removing what belongs to nobody: the purge of a deleted account,
of an image or album whose deletion was interrupted or whose time in the trash is over, and
GridFS files whose image document does not exist.

Deletions mark first and purge after (see `app.images.access`), so whatever interrupts them
leaves things hidden, never more visible than before; these sweeps, run by `manage.py gc`,
finish the job. Uploads write files before the document and delete them if anything fails,
but a process can still die between the two, and an upload can land just after its owner's
account was deleted. Files younger than `grace` are left alone: they may belong to an
upload that is still being written.
"""

import datetime

import pymongo
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.db import ACCOUNT_WRITE_TIMEOUT
from app.images import albums, store
from app.images.store import delete_files

_BATCH = 100
_MARKED = {"deleted_at": {"$ne": None}}


async def purge_account(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner_id: str, *,
                        now: datetime.datetime) -> int:
    """Delete everything of an account being deleted (or already gone): images with their
    files, albums, share and drop links, sessions, API tokens, then the user document; returns how
    many images went.

    Its images and albums are all marked deleted first, so nothing of the account is shown
    anywhere from then on, however far the purge gets; the user document goes last, so an
    interrupted purge leaves an account still marked deleted for `sweep_ownerless`.
    """
    with pymongo.timeout(ACCOUNT_WRITE_TIMEOUT):
        for collection in (db.images, db.albums):
            await collection.update_many({"owner_id": owner_id, "deleted_at": None},
                                         {"$set": {"deleted_at": now}})
    deleted = await purge_matching(db, bucket, {"owner_id": owner_id})
    # Links whose target was already gone (purging a target deletes its links).
    await db.shares.delete_many({"owner_id": owner_id})
    await db.drops.delete_many({"owner_id": owner_id})
    await db.sessions.delete_many({"user_id": owner_id})
    await db.api_tokens.delete_many({"user_id": owner_id})
    await db.passkeys.delete_many({"user_id": owner_id})
    await db.users.delete_one({"_id": owner_id, **_MARKED})
    return deleted


async def sweep_ownerless(db: AsyncDatabase, bucket: AsyncGridFSBucket, *,
                          now: datetime.datetime) -> int:
    """Finish the purge of every account marked deleted, and of owners whose account no
    longer exists; returns how many images went."""
    owners = set()
    for collection in (db.images, db.albums, db.shares, db.drops):
        owners.update(await collection.distinct("owner_id"))
    for collection in (db.sessions, db.api_tokens, db.passkeys):
        owners.update(await collection.distinct("user_id"))
    live = {user["_id"] async for user in db.users.find(
        {"_id": {"$in": list(owners)}, "deleted_at": None}, {"_id": 1})}
    marked = {user["_id"] async for user in db.users.find(_MARKED, {"_id": 1})}
    return sum([await purge_account(db, bucket, owner_id, now=now)
                for owner_id in (owners - live) | marked])


def purgeable(now: datetime.datetime) -> dict:
    """The query of images and albums to purge: marked deleted, and not in the trash (no
    `trash_until`, or one that has come; see `app.images.trash`)."""
    return {**_MARKED, "$or": [{"trash_until": None}, {"trash_until": {"$lte": now}}]}


async def sweep_deleted(db: AsyncDatabase, bucket: AsyncGridFSBucket, *,
                        now: datetime.datetime) -> int:
    """Finish the purge of images and albums marked deleted (their deletion was
    interrupted), and empty the trash of what has stayed its time; returns how many
    images went."""
    return await purge_matching(db, bucket, purgeable(now))


async def purge_matching(db: AsyncDatabase, bucket: AsyncGridFSBucket, query: dict) -> int:
    """Purge the images, then the albums, matching `query` (which must select only items
    marked deleted); returns how many images went. In batches, each read afresh: what is
    purged no longer matches."""
    deleted = 0
    while batch := await db.images.find(query).limit(_BATCH).to_list():
        for image in batch:
            await store.purge_image(db, bucket, image)
            deleted += 1
    while batch := await db.albums.find(query).limit(_BATCH).to_list():
        for album in batch:
            await albums.purge_album(db, album)
    return deleted


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
