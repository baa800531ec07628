"""Resumable uploads (the tus protocol's state, without its HTTP): an `uploads` document per
upload and its bytes as parts in a GridFS bucket of their own, so any host can take the next
part or finish the upload.

An upload document: `{_id, owner_id, length, offset, parts: [file id, ...], fields,
created, expires_at}`, then, once its last byte came and it went through the ingest,
`image_id` (or `error`, why the ingest refused it) and no parts. Each request appending
bytes writes one part file (metadata: the upload's id and the offset it starts at), then
commits it with one conditional update matching the offset it started from, so of two
requests appending at the same offset only one counts: the other's part is deleted. A part
that never got committed (a crash between the two writes) is found by `sweep`, which also
removes expired uploads with their parts: a TTL index alone would leave their parts behind.
"""

import datetime
from collections.abc import AsyncIterator

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.db import PARTS_BUCKET
from app.errors import NotFound, RateLimited, TooLarge
from app.ids import is_id, new_id
from app.images.gridfs_writer import GridFSWriter
from app.text import size_text

MAX_PENDING = 10  # unfinished uploads a user may have at once
# A part nothing counts is left alone this long: its request may still be committing it.
PART_GRACE = datetime.timedelta(hours=1)
_BATCH = 100


def parts_bucket(db: AsyncDatabase) -> AsyncGridFSBucket:
    """The GridFS bucket of unfinished uploads' parts (`upload_parts.files`, `.chunks`)."""
    return AsyncGridFSBucket(db, bucket_name=PARTS_BUCKET)


def _unfinished(owner_id: str, now: datetime.datetime) -> dict:
    return {"owner_id": owner_id, "expires_at": {"$gt": now}, "image_id": None,
            "error": None}


async def create(db: AsyncDatabase, owner: dict, *, length: int, fields: dict,
                 room: int | None, now: datetime.datetime,
                 lifetime: datetime.timedelta) -> dict:
    """Start an upload of `length` bytes for `owner`; `room` is what their quota leaves
    (None: unlimited). `TooLarge` if the bytes of their unfinished uploads and this one
    would not fit in it, `RateLimited` past `MAX_PENDING` unfinished uploads."""
    pending = await db.uploads.find(_unfinished(owner["_id"], now),
                                    {"length": 1}).to_list(MAX_PENDING + 1)
    if len(pending) >= MAX_PENDING:
        raise RateLimited(f"You have {MAX_PENDING} unfinished uploads; finish or delete one "
                          "first.", retry_after=60)
    if room is not None and length + sum(upload["length"] for upload in pending) > room:
        raise TooLarge(f"This file does not fit in your storage: {size_text(max(room, 0))} "
                       "left, unfinished uploads counted.")
    upload = {"_id": new_id(), "owner_id": owner["_id"], "length": length, "offset": 0,
              "parts": [], "fields": fields, "created": now, "expires_at": now + lifetime}
    await db.uploads.insert_one(upload)
    return upload


async def find(db: AsyncDatabase, upload_id: str, owner_id: str,
               now: datetime.datetime) -> dict:
    """The owner's upload `upload_id`; `NotFound` if it does not exist, is someone else's
    or has expired (the sweep may not have removed it yet)."""
    upload = await db.uploads.find_one({"_id": upload_id, "owner_id": owner_id,
                                        "expires_at": {"$gt": now}}) \
        if is_id(upload_id) else None
    if upload is None:
        raise NotFound()
    return upload


def open_part(db: AsyncDatabase, upload: dict, offset: int) -> GridFSWriter:
    """A new part file of `upload` holding bytes from `offset` on: write, then `close()` and
    `commit`, or `abort()` to drop it."""
    return GridFSWriter(db, PARTS_BUCKET, ObjectId(), upload["_id"],
                        {"upload_id": upload["_id"], "offset": offset})


async def commit(db: AsyncDatabase, bucket: AsyncGridFSBucket, upload: dict, part_id,
                 *, start: int, size: int, now: datetime.datetime,
                 lifetime: datetime.timedelta) -> dict | None:
    """Count the closed part `part_id` (`size` bytes from `start`) in the upload, unless
    another request appended from `start` first: then the part is deleted and None
    returned. Each commit gives the upload its full `lifetime` again."""
    committed = await db.uploads.find_one_and_update(
        {"_id": upload["_id"], "offset": start, "image_id": None, "error": None},
        {"$set": {"offset": start + size, "expires_at": now + lifetime},
         "$push": {"parts": part_id}}, return_document=True)
    if committed is None:
        await bucket.delete(part_id)
    return committed


async def read(bucket: AsyncGridFSBucket, upload: dict) -> AsyncIterator[bytes]:
    """The upload's bytes, part after part, a GridFS chunk at a time."""
    for part_id in upload["parts"]:
        stream = await bucket.open_download_stream(part_id)
        while chunk := await stream.readchunk():
            yield chunk


async def settle(db: AsyncDatabase, bucket: AsyncGridFSBucket, upload: dict, *,
                 image_id: str | None = None, duplicate: bool = False,
                 error: dict | None = None) -> None:
    """The upload went through the ingest: record the image it made (`duplicate`: one the
    owner had already), or why it was refused (`{status, code, message}`), and delete its
    parts."""
    # The first outcome stays: a second completion racing it would find its own image a
    # duplicate.
    await db.uploads.update_one({"_id": upload["_id"], "image_id": None, "error": None},
                                {"$set": {"image_id": image_id, "duplicate": duplicate,
                                          "error": error}})
    await _delete_parts(bucket, upload["_id"])


async def terminate(db: AsyncDatabase, bucket: AsyncGridFSBucket, upload: dict) -> None:
    """Delete the upload and its parts (an image it made stays)."""
    await _delete_parts(bucket, upload["_id"])
    await db.uploads.delete_one({"_id": upload["_id"]})


async def _delete_parts(bucket: AsyncGridFSBucket, upload_id: str, query: dict | None = None
                        ) -> int:
    parts = [part._id async for part in bucket.find(
        {"metadata.upload_id": upload_id, **(query or {})})]
    for part_id in parts:
        await bucket.delete(part_id)
    return len(parts)


async def sweep(db: AsyncDatabase, bucket: AsyncGridFSBucket, *, now: datetime.datetime,
                grace: datetime.timedelta = PART_GRACE) -> int:
    """Delete expired uploads with their parts, and parts older than `grace` that no upload
    counts (written by a request that died before committing); returns how many uploads
    went."""
    removed = 0
    while batch := await db.uploads.find({"expires_at": {"$lte": now}}).limit(_BATCH).to_list():
        for upload in batch:
            await terminate(db, bucket, upload)
            removed += 1
    old = {"uploadDate": {"$lt": now - grace}}
    async for upload_id in _ids_with_parts(bucket, old):
        upload = await db.uploads.find_one({"_id": upload_id}, {"parts": 1})
        await _delete_parts(bucket, upload_id,
                            {**old, "_id": {"$nin": upload["parts"] if upload else []}})
    return removed


async def _ids_with_parts(bucket: AsyncGridFSBucket, query: dict) -> AsyncIterator[str]:
    seen = set()
    async for part in bucket.find(query):
        upload_id = part.metadata["upload_id"]
        if upload_id not in seen:
            seen.add(upload_id)
            yield upload_id
