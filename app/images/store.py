"""Image documents and their GridFS files: the one place that writes either.

Writes go files first, then the document that points at them: a reader never sees a document
whose bytes are missing. GridFS has no transactions, so a failure midway deletes what was
written, and `manage.py gc` sweeps anything a crash left behind.
"""

import asyncio
import contextlib
import datetime
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pymongo
from bson import ObjectId
from gridfs import AsyncGridFSBucket, AsyncGridOut
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from app.errors import NotFound
from app.ids import is_id, new_id
from app.images import digests, terms
from app.images.fields import check_visibility, validate_changes

if TYPE_CHECKING:  # the pipeline loads Pillow; documents need only its result's shape
    from app.images.processing.pipeline import ProcessedImage

WRITE_TIMEOUT = 300  # seconds for writing one upload's files
_READ_SIZE = 1024 * 1024


async def find_image(db: AsyncDatabase, image_id: str) -> dict | None:
    """The image document with this id, or None (junk ids never reach the database)."""
    if not is_id(image_id):
        return None
    return await db.images.find_one({"_id": image_id})


async def find_images(db: AsyncDatabase, image_ids: list[str]) -> dict[str, dict]:
    """The image documents with these ids, by id (missing and junk ids are left out)."""
    wanted = [image_id for image_id in image_ids if is_id(image_id)]
    return {image["_id"]: image async for image in db.images.find({"_id": {"$in": wanted}})}


async def save_image(
    db: AsyncDatabase,
    bucket: AsyncGridFSBucket,
    *,
    owner_id: str,
    original_path: Path,
    sha256: str,
    size: int,
    filename: str,
    processed: "ProcessedImage",
    fields: dict,
    now: datetime.datetime,
    dropped: dict | None = None,
) -> tuple[dict, bool]:
    """Store the original and every derivative, then the image document.

    Returns `(image, created)`; `created` is False when the owner already had these exact
    bytes (the existing image is returned and nothing new is kept). The owner's
    `used_bytes` is the caller's to count: `app.images.quota` reserves it beforehand.
    A guest's upload (`dropped`: its stamp) waits in the owner's inbox and claims its
    bytes only once approved (`app.images.inbox`).
    """
    fields = validate_changes(fields)
    image_id = new_id()
    files = {
        "original": _file_entry(
            processed.content_type, size, sha256, processed.width, processed.height
        )
    }
    for key, variant in processed.variants.items():
        files[_file_key(key)] = _file_entry(
            variant.content_type,
            len(variant.data),
            hashlib.sha256(variant.data).hexdigest(),
            variant.width,
            variant.height,
        )
    uploads = [
        _upload_path(bucket, files["original"], image_id, owner_id, "original", original_path)
    ]
    uploads += [
        _upload_bytes(
            bucket, files[_file_key(key)], image_id, owner_id, _file_key(key), variant.data
        )
        for key, variant in processed.variants.items()
    ]
    # GridFS writes up to 32 MB of chunks in one operation: the server's per-operation
    # timeout, meant for pages, would cut a large upload short.
    with pymongo.timeout(WRITE_TIMEOUT):
        results = await asyncio.gather(*uploads, return_exceptions=True)
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure:
        await delete_files(bucket, files)
        raise failure
    image = {
        "_id": image_id,
        "owner_id": owner_id,
        "title": fields.get("title", ""),
        "alt": fields.get("alt", ""),
        "description": fields.get("description", ""),
        "tags": fields.get("tags", []),
        "filename": filename,
        "visibility": fields.get("visibility", "private"),
        "format": processed.format,
        "width": processed.width,
        "height": processed.height,
        "bytes": size,
        "sha256": sha256,
        "animated": processed.animated,
        "color": processed.color,
        "phash": processed.phash,
        "files": files,
        "album_ids": [],
        "created": now,
    }
    image["terms"] = terms.image_terms(image)
    if dropped:
        image.update(dropped)
    try:
        await db.images.insert_one(image)
        holder = None if dropped else await digests.claim(db, image)
    except BaseException:
        await db.images.delete_one({"_id": image_id})
        await delete_files(bucket, files)
        raise
    if holder is not None:
        # The same bytes arrived twice at once: keep the first, drop our copy.
        await db.images.delete_one({"_id": image_id})
        await delete_files(bucket, files)
        return holder, False
    return image, True


async def update_image(db: AsyncDatabase, image: dict, changes: dict) -> dict:
    """Apply validated edits (terms kept current, see `terms.write`) and return the
    updated document."""
    clean = validate_changes(changes)
    if not clean:
        return image
    written = await terms.write(db, [image], lambda current: clean)
    return written[0] if written else {**image, **clean}


async def set_visibility(db: AsyncDatabase, images: list[dict], visibility: str) -> None:
    """Give every one of `images` (checked by the caller) the same visibility at once."""
    visibility = check_visibility(visibility)
    await db.images.update_many({"_id": {"$in": [image["_id"] for image in images]}},
                                {"$set": {"visibility": visibility}})


async def delete_image(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict, *,
                       now: datetime.datetime) -> None:
    """Mark the image deleted (it stops being served at once), then purge it."""
    await db.images.update_one({"_id": image["_id"]}, {"$set": {"deleted_at": now}})
    await purge_image(db, bucket, image)


async def purge_image(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict) -> None:
    """Remove a deleted image for good: its links, its place as a cover, its files, then the
    document, whose bytes then leave the owner's storage use.

    Safe to repeat after an interruption (`manage.py gc` does): the document goes last, so
    the image stays marked deleted until everything else is gone, and its bytes are taken
    off the owner's use exactly once, by whoever deletes the document.
    """
    await db.shares.delete_many({"target_id": image["_id"]})
    await db.albums.update_many({"cover": image["_id"]}, {"$set": {"cover": None}})
    await delete_files(bucket, image["files"])
    await digests.release(db, image)
    result = await db.images.delete_one({"_id": image["_id"]})
    if result.deleted_count:
        await db.users.update_one(
            {"_id": image["owner_id"]}, {"$inc": {"used_bytes": -stored_bytes(image)}}
        )


async def delete_files(bucket: AsyncGridFSBucket, files: dict) -> None:
    """Delete every GridFS file in a `files` map, ignoring ones already gone."""

    async def delete(file_id: ObjectId) -> None:
        with contextlib.suppress(NoFile):
            await bucket.delete(file_id)

    await asyncio.gather(*(delete(entry["id"]) for entry in files.values()))


async def open_file(bucket: AsyncGridFSBucket, entry: dict) -> AsyncGridOut:
    """A reader of one stored file (an entry of an image's `files`); `NotFound` if it is
    gone (its image was deleted meanwhile). The caller closes it."""
    try:
        return await bucket.open_download_stream(entry["id"])
    except NoFile:
        raise NotFound() from None


async def read_file(bucket: AsyncGridFSBucket, entry: dict) -> bytes:
    """The whole of one small stored file (a thumbnail); `NotFound` if it is gone."""
    grid_out = await open_file(bucket, entry)
    try:
        return await grid_out.read()
    finally:
        await grid_out.close()


def _file_key(variant_key: str) -> str:
    # "large.webp" -> "large_webp": dots in field names trip up MongoDB queries.
    return variant_key.replace(".", "_")


def _file_entry(content_type: str, size: int, sha256: str, width: int, height: int) -> dict:
    return {
        "id": ObjectId(),
        "type": content_type,
        "bytes": size,
        "sha256": sha256,
        "width": width,
        "height": height,
    }


def stored_bytes(image: dict) -> int:
    """Every byte the image keeps: its original and derivatives, as its owner's storage
    use counts them."""
    return sum(entry["bytes"] for entry in image["files"].values())


def _metadata(entry: dict, image_id: str, owner_id: str, key: str) -> dict:
    return {
        "owner_id": owner_id,
        "image_id": image_id,
        "variant": key,
        "contentType": entry["type"],
        "sha256": entry["sha256"],
    }


async def _upload_bytes(
    bucket: AsyncGridFSBucket, entry: dict, image_id: str, owner_id: str, key: str, data: bytes
) -> None:
    # A stream rather than upload_from_stream: each chunk is its own operation, so the
    # per-operation timeout bounds a chunk, not a whole large file.
    async with bucket.open_upload_stream_with_id(
        entry["id"], f"{image_id}/{key}", metadata=_metadata(entry, image_id, owner_id, key)
    ) as stream:
        await stream.write(data)


async def _upload_path(
    bucket: AsyncGridFSBucket, entry: dict, image_id: str, owner_id: str, key: str, path: Path
) -> None:
    metadata = _metadata(entry, image_id, owner_id, key)
    # Read in a thread: the original can be 50 MB and the event loop must not wait on disk.
    with open(path, "rb") as source:  # noqa: ASYNC230 - opening a local temp file is instant
        async with bucket.open_upload_stream_with_id(
            entry["id"], f"{image_id}/{key}", metadata=metadata
        ) as stream:
            while chunk := await asyncio.to_thread(source.read, _READ_SIZE):
                await stream.write(chunk)
