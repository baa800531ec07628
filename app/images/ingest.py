"""Turning one received file into a stored image: the single path every upload takes (web
form, JSON API, upload by URL, command-line import)."""

import asyncio
import datetime
from concurrent.futures import Executor

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.images import access, store
from app.images.fields import upload_fields
from app.images.intake.spool import SpooledFile
from app.images.processing.pipeline import Limits, process_image

MIB = 1024 * 1024


def max_upload_bytes(settings) -> int:
    """The per-file size limit (`max_upload_mb`), from app settings or parsed options."""
    return settings["max_upload_mb"] * MIB


def decode_limits(settings) -> Limits:
    """The decoding limits (`max_image_mpx`, `max_frames`), from settings or options."""
    return Limits(max_pixels=settings["max_image_mpx"] * 1_000_000,
                  max_frames=settings["max_frames"])


async def ingest(
    db: AsyncDatabase,
    bucket: AsyncGridFSBucket,
    executor: Executor,
    *,
    owner: dict,
    spooled: SpooledFile,
    fields: dict,
    limits: Limits,
    now: datetime.datetime,
) -> tuple[dict, bool]:
    """Decode, derive and store one upload for `owner`; returns `(image, created)`.

    Re-uploading bytes the owner already has returns the existing image without decoding
    anything. Visibility defaults to the owner's chosen default.
    """
    duplicate = await store.find_duplicate(db, owner["_id"], spooled.sha256)
    if duplicate and access.is_deleted(duplicate):
        # Its deletion was interrupted: finish it, so these bytes make a new image.
        await store.purge_image(db, bucket, duplicate)
    elif duplicate:
        return duplicate, False
    loop = asyncio.get_running_loop()
    processed = await loop.run_in_executor(executor, process_image, str(spooled.path), limits)
    fields = upload_fields(owner, fields)
    return await store.save_image(
        db,
        bucket,
        owner_id=owner["_id"],
        original_path=spooled.path,
        sha256=spooled.sha256,
        size=spooled.size,
        filename=spooled.filename,
        processed=processed,
        fields=fields,
        now=now,
    )
