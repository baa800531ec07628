"""Image documents and their GridFS files: the one place that writes either.

Writes go files first, then the document that points at them: a reader never sees a document
whose bytes are missing. GridFS has no transactions, so a failure midway deletes what was
written, and `manage.py gc` sweeps anything a crash left behind.
"""

import asyncio
import contextlib
import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pymongo
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from app import invalidation
from app.db import IMAGES_BUCKET
from app.ids import is_id, new_id
from app.images import digests, rendition_cache, terms, views
from app.images.fields import check_visibility, validate_changes
from app.images.gridfs_writer import GridFSWriter, insert_files
from app.images.views import read_file, stream_file  # noqa: F401 - reads go through here too

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


class OriginalWrite:
    """An upload's original going into GridFS while the upload is decoded: its chunks are
    written from `path` at once, its `files` document (which names the content type that
    decoding finds) by `save_image`. A context manager: an exception inside it deletes
    what was written."""

    def __init__(self, db: AsyncDatabase, path: Path):
        self.image_id = new_id()
        self.file_id = ObjectId()
        self._writer = GridFSWriter(db, IMAGES_BUCKET, self.file_id, f"{self.image_id}/original")
        with pymongo.timeout(WRITE_TIMEOUT):  # the task keeps the deadline
            self._copying = asyncio.ensure_future(self._copy(path))

    async def _copy(self, path: Path) -> None:
        # Read in a thread: the original can be 50 MB and the event loop must not wait on disk.
        with open(path, "rb") as source:  # noqa: ASYNC230 - opening a local temp file is instant
            while chunk := await asyncio.to_thread(source.read, _READ_SIZE):
                await self._writer.write(chunk)
        # Now, while the picture is still being decoded, rather than with the file's
        # document: an original under one batch (4 MB) would otherwise wait for it.
        await self._writer.flush()

    async def finish(self, metadata: dict) -> None:
        """Wait for the last chunk, then make the file exist, described by `metadata`."""
        await self._copying
        await self._writer.close(metadata=metadata)

    async def __aenter__(self) -> "OriginalWrite":
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            await self.abort()

    async def abort(self) -> None:
        """Stop writing and delete what was written."""
        self._copying.cancel()
        await asyncio.gather(self._copying, return_exceptions=True)
        await self._writer.abort()


async def save_image(
    db: AsyncDatabase,
    bucket: AsyncGridFSBucket,
    *,
    owner_id: str,
    original: OriginalWrite,
    sha256: str,
    size: int,
    filename: str,
    processed: "ProcessedImage",
    fields: dict,
    now: datetime.datetime,
    dropped: dict | None = None,
) -> tuple[dict, bool]:
    """Finish the original's file and store every derivative, then the image document.

    Returns `(image, created)`; `created` is False when the owner already had these exact
    bytes (the existing image is returned and nothing new is kept). The owner's
    `used_bytes` is the caller's to count: `app.images.quota` reserves it beforehand.
    A guest's upload (`dropped`: its stamp) waits in the owner's inbox and claims its
    bytes only once approved (`app.images.inbox`).
    """
    fields = validate_changes(fields)
    image_id = original.image_id
    files = {
        "original": _file_entry(processed.content_type, size, sha256, processed.width,
                                processed.height, file_id=original.file_id)
    }
    for key, variant in processed.variants.items():
        files[_file_key(key)] = _file_entry(
            variant.content_type,
            len(variant.data),
            variant.sha256,
            variant.width,
            variant.height,
        )
        if variant.pieces is not None:  # served from the original's bytes: nothing to write
            entry = files[_file_key(key)]
            entry["view"] = views.view_document(files["original"]["id"], variant.pieces)
    stored = {_file_key(key): variant.data for key, variant in processed.variants.items()
              if variant.pieces is None}
    uploads = [
        original.finish(_metadata(files["original"], image_id, owner_id, "original")),
        insert_files(db, IMAGES_BUCKET, [
            (files[key]["id"], f"{image_id}/{key}",
             _metadata(files[key], image_id, owner_id, key), data)
            for key, data in stored.items()]),
    ]
    # One deadline for all of an upload's writes: the per-operation timeout, meant for
    # pages, could cut a 4 MB batch of chunks short on a busy database.
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
    # A kept public answer names the title and depends on the visibility.
    await invalidation.images_changed(db, [image])
    return written[0] if written else {**image, **clean}


async def set_visibility(db: AsyncDatabase, images: list[dict], visibility: str) -> None:
    """Give every one of `images` (checked by the caller) the same visibility at once."""
    visibility = check_visibility(visibility)
    await db.images.update_many({"_id": {"$in": [image["_id"] for image in images]}},
                                {"$set": {"visibility": visibility}})
    await invalidation.images_changed(db, images)


async def delete_image(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict, *,
                       now: datetime.datetime) -> None:
    """Mark the image deleted (it stops being served at once), then purge it."""
    await db.images.update_one({"_id": image["_id"]}, {"$set": {"deleted_at": now}})
    await invalidation.images_changed(db, [image])
    await purge_image(db, bucket, image)


async def purge_image(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict) -> None:
    """Remove a deleted image for good: its links, its place as a cover, its files and
    renditions, then the document, whose bytes then leave the owner's storage use.

    Safe to repeat after an interruption (`manage.py gc` does): the document goes last, so
    the image stays marked deleted until everything else is gone, and its bytes are taken
    off the owner's use exactly once, by whoever deletes the document.
    """
    await db.shares.delete_many({"target_id": image["_id"]})
    await db.albums.update_many({"cover": image["_id"]}, {"$set": {"cover": None}})
    await delete_files(bucket, image["files"])
    await rendition_cache.delete_for_image(db, image["_id"])
    await digests.release(db, image)
    result = await db.images.delete_one({"_id": image["_id"]})
    if result.deleted_count:
        await db.users.update_one(
            {"_id": image["owner_id"]}, {"$inc": {"used_bytes": -stored_bytes(image)}}
        )


async def delete_files(bucket: AsyncGridFSBucket, files: dict) -> None:
    """Delete every GridFS file in a `files` map, ignoring ones already gone (and views,
    which have none of their own)."""

    async def delete(file_id: ObjectId) -> None:
        with contextlib.suppress(NoFile):
            await bucket.delete(file_id)

    await asyncio.gather(
        *(delete(entry["id"]) for entry in files.values() if views.has_file(entry)))


def _file_key(variant_key: str) -> str:
    # "large.webp" -> "large_webp": dots in field names trip up MongoDB queries.
    return variant_key.replace(".", "_")


def _file_entry(content_type: str, size: int, sha256: str, width: int, height: int,
                file_id: ObjectId | None = None) -> dict:
    return {
        "id": file_id or ObjectId(),
        "type": content_type,
        "bytes": size,
        "sha256": sha256,
        "width": width,
        "height": height,
    }


def stored_bytes(image: dict) -> int:
    """Every byte the image keeps: its original and derivatives, as its owner's storage
    use counts them (a view over the original stores none)."""
    return sum(entry["bytes"] for entry in image["files"].values() if views.has_file(entry))


def bytes_to_store(processed: "ProcessedImage") -> int:
    """What storing the derivatives of an upload adds to its original's bytes."""
    return sum(len(v.data) for v in processed.variants.values() if v.pieces is None)


def _metadata(entry: dict, image_id: str, owner_id: str, key: str) -> dict:
    return {
        "owner_id": owner_id,
        "image_id": image_id,
        "variant": key,
        "contentType": entry["type"],
        "sha256": entry["sha256"],
    }
