"""Sweeping GridFS orphans: files whose image document does not exist.

Uploads write files before the document and delete them if anything fails, but a process can
still die between the two. Files younger than `grace` are left alone: they may belong to an
upload that is still being written.
"""

import datetime

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.images.store import delete_files


async def sweep_orphans(db: AsyncDatabase, bucket: AsyncGridFSBucket, *,
                        now: datetime.datetime, grace: datetime.timedelta) -> int:
    """Delete orphaned GridFS files older than `grace`; returns how many were deleted."""
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
    return len(orphans)


async def _without_document(db: AsyncDatabase, batch: dict) -> dict:
    """The entries of `batch` (file id -> image id) whose image document is missing."""
    image_ids = {image_id for image_id in batch.values() if image_id}
    existing = {doc["_id"] async for doc in db.images.find({"_id": {"$in": list(image_ids)}},
                                                           {"_id": 1})}
    return {file_id: image_id for file_id, image_id in batch.items()
            if image_id not in existing}
