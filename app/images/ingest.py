"""Turning one received file into a stored image: the single path every upload takes (web
form, JSON API, upload by URL, command-line import).

Cheap checks come first, so a bad file gets its 4xx before any decoding: a duplicate is
found by its sha256, the file's own size is reserved against the owner's quota, and the
header says whether decoding fits the memory limit. The decode then waits for room in the
process's memory budget, which it holds until its files are stored, and the variants'
bytes are reserved before anything is stored. The original's bytes are written to the
database while the picture is decoded (a file that turns out damaged has them deleted).
The encodes of the derivatives run at once on the image pool's threads (one per core), so a
single upload uses every core.
"""

import asyncio
import contextlib
import datetime
from concurrent.futures import Executor

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.images import access, digests, store
from app.images.budget import MemoryBudget
from app.images.fields import upload_fields
from app.images.intake.spool import SpooledFile
from app.images.processing.decoding import probe_image
from app.images.processing.pipeline import Encoding, Limits, ProcessedImage, decode_image
from app.images.quota import Reservation

MIB = 1024 * 1024


def max_upload_bytes(settings) -> int:
    """The per-file size limit (`max_upload_mb`), from app settings or parsed options."""
    return settings["max_upload_mb"] * MIB


def decode_limits(settings) -> Limits:
    """The decoding limits (`max_image_mpx`, `max_frames`, `max_decode_mb`), from settings
    or options."""
    return Limits(max_pixels=settings["max_image_mpx"] * 1_000_000,
                  max_frames=settings["max_frames"],
                  max_decode_bytes=settings["max_decode_mb"] * MIB)


async def ingest(
    db: AsyncDatabase,
    bucket: AsyncGridFSBucket,
    executor: Executor,
    *,
    owner: dict,
    spooled: SpooledFile,
    fields: dict,
    limits: Limits,
    quota: int | None,
    now: datetime.datetime,
    budget: MemoryBudget | None = None,
    dropped: dict | None = None,
) -> tuple[dict, bool]:
    """Decode, derive and store one upload for `owner`; returns `(image, created)`.

    Re-uploading bytes the owner already has returns the existing image without decoding
    anything. Visibility defaults to the owner's chosen default. `quota` is the owner's in
    bytes (None: unlimited; `quota.quota_of`); `budget` the process's memory for decodes
    (None: unbounded, for a command that decodes one file at a time).

    A guest's upload through a drop link (`dropped`: its stamp, see `app.images.inbox`)
    is always stored as a new image waiting in the owner's inbox, even when the owner
    has these bytes, so neither its answer nor its timing tells the guest what the owner
    has; the inbox settles duplicates when the owner approves it.
    """
    duplicate = None if dropped else await digests.holder(db, owner["_id"], spooled.sha256)
    if duplicate and access.is_deleted(duplicate):
        # Its deletion was interrupted: finish it, so these bytes make a new image.
        await store.purge_image(db, bucket, duplicate)
    elif duplicate:
        return duplicate, False
    fields = upload_fields(owner, fields)
    reservation = Reservation(db, owner, quota)
    try:
        await reservation.add(spooled.size)
        loop = asyncio.get_running_loop()
        needed = await loop.run_in_executor(executor, probe_image, str(spooled.path), limits)
        # The budget is held until stored: the variants' bytes (`full` can be as large as
        # the file, and the database client copies what it sends) stay in memory until the
        # database has them, and the estimate counts them. Within it, the original's bytes
        # go to the database while the picture is decoded.
        async with (budget.hold(needed) if budget else contextlib.nullcontext(),
                    store.OriginalWrite(db, spooled.path) as original):
            processed = await _process(executor, str(spooled.path), limits)
            await reservation.add(store.bytes_to_store(processed))
            image, created = await store.save_image(
                db,
                bucket,
                owner_id=owner["_id"],
                original=original,
                sha256=spooled.sha256,
                size=spooled.size,
                filename=spooled.filename,
                processed=processed,
                fields=fields,
                now=now,
                dropped=dropped,
            )
    except BaseException:
        await reservation.give_back()
        raise
    if not created:  # the same bytes arrived twice at once: the first one counts
        await reservation.give_back()
    return image, created


async def _process(executor: Executor, path: str, limits: Limits) -> ProcessedImage:
    """`process_image`, with the encodes of each round spread over the pool's threads."""
    decoded = await asyncio.get_running_loop().run_in_executor(
        executor, decode_image, path, limits)
    made = await _run_round(executor, decoded.encodings)
    more = await _run_round(executor, decoded.second_round(made))
    return await asyncio.get_running_loop().run_in_executor(
        executor, decoded.finish, [made, more])


async def _run_round(executor: Executor, jobs: list[Encoding]) -> dict:
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(executor, job) for job in jobs),
                                   return_exceptions=True)
    # Raised only once every job has ended, so the memory budget still covered them all.
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return {key: variant for result in results for key, variant in result.items()}
