"""Versioned changes to stored documents: one ordered list of steps, each applied once per
database and recorded in the `migrations` collection (one document per applied step, its
`_id` the step's name).

`manage.py serve` applies the pending steps before it serves, `manage.py migrate` applies
them on demand, and `manage.py check` lists them. To change the shape of stored documents,
append a step; never edit or reorder one that has shipped. Every step must be idempotent:
two servers starting at once may both run it, and a step interrupted midway runs again in
full next time, since it is recorded only once it has finished.
"""

import asyncio
import datetime
import hashlib
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pymongo
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from app.db import OWNER_TERMS, images_bucket, utcnow
from app.errors import NotFound
from app.images import access, digests, store, terms, views
from app.images.processing.splice import find_pieces


@dataclass(frozen=True)
class Step:
    name: str  # "NNNN-what-it-does": the order is the list's, the number helps people
    description: str
    apply: Callable[[AsyncDatabase], Awaitable[None]]


async def _hide_disabled_accounts(db: AsyncDatabase) -> None:
    async for user in db.users.find({"disabled": True}, {"_id": 1}):
        await access.set_owner_hidden(db, user["_id"], True)


async def _image_search_terms(db: AsyncDatabase) -> None:
    await terms.refresh(db, {"terms": {"$exists": False}})


async def _backfill_colors(db: AsyncDatabase) -> None:
    await _from_thumbnails(db, "color", "thumbnail_color")


async def _backfill_phashes(db: AsyncDatabase) -> None:
    await _from_thumbnails(db, "phash", "thumbnail_phash")


def _measure(name: str, data: bytes) -> str:
    """`name`, a function of `app.images.processing.pixels`, applied to `data`.

    Imported here, in a worker thread: Pillow and numpy are loaded only by a server that has
    a stored image to measure, and their import (~0.2 s of CPU) stays off the event loop.
    """
    return getattr(importlib.import_module("app.images.processing.pixels"), name)(data)


async def _from_thumbnails(db: AsyncDatabase, field: str, measure: str) -> None:
    """Set `field` of every image lacking it to `measure` (see `_measure`) of its stored WebP
    thumbnail ("" when it has none)."""
    bucket = images_bucket(db)

    async def update_of(image: dict) -> UpdateOne | None:
        entry = image.get("files", {}).get("thumb_webp")
        try:
            data = await store.read_file(bucket, entry) if entry else b""
        except NotFound:
            return None  # deleted meanwhile
        # Decoding is CPU work: in a thread, so the event loop stays free.
        value = await asyncio.to_thread(_measure, measure, data) if data else ""
        return UpdateOne({"_id": image["_id"], field: {"$exists": False}},
                         {"$set": {field: value}})

    # A hundred at a time: reads and decodes overlap, and one journaled write per batch.
    cursor = db.images.find({field: {"$exists": False}}, {"files.thumb_webp": 1})
    while batch := await cursor.to_list(100):
        updates = [update for update in await asyncio.gather(*map(update_of, batch)) if update]
        if updates:
            await db.images.bulk_write(updates, ordered=False)


async def _image_digests(db: AsyncDatabase) -> None:
    await digests.backfill(db)
    # The guard it replaces, which a sharded `images` could not enforce across shards.
    indexes = await db.images.index_information()
    if "owner_id_1_sha256_1" in indexes:
        await db.images.drop_index("owner_id_1_sha256_1")


async def _token_scopes(db: AsyncDatabase) -> None:
    # Tokens made before scopes could do anything, and never expired.
    await db.api_tokens.update_many({"scope": {"$exists": False}},
                                    {"$set": {"scope": "full", "expires": None}})


async def _admin_listings(db: AsyncDatabase) -> None:
    # Accounts made before `last_sign_in` existed: their newest session's start if they have
    # one, else their creation (the admin list orders by it, so every account needs one).
    async for user in db.users.find({"last_sign_in": {"$exists": False}}, {"created": 1}):
        newest = await db.sessions.find_one({"user_id": user["_id"]}, {"created": 1},
                                            sort=[("created", -1)])
        signed_in = newest["created"] if newest else user.get("created") or utcnow()
        await db.users.update_one({"_id": user["_id"], "last_sign_in": {"$exists": False}},
                                  {"$set": {"last_sign_in": signed_in}})
    # The audit index it replaces could not page by (at, _id).
    if "action_1_at_-1" in await db.audit.index_information():
        await db.audit.drop_index("action_1_at_-1")


async def _prefix_search_terms(db: AsyncDatabase) -> None:
    await terms.refresh(db)
    # The index it replaces, (owner_id, terms): prefix regexes made every search sort its
    # matches; OWNER_TERMS keeps them in date order (created by `ensure_indexes`).
    indexes = await db.images.index_information()
    old = [name for name, info in indexes.items() if list(info["key"]) == OWNER_TERMS[:2]]
    for name in old:
        await db.images.drop_index(name)
async def _full_views(db: AsyncDatabase) -> None:
    bucket = images_bucket(db)
    # One image at a time: an original and its `full` may take 50 MB each in memory.
    cursor = db.images.find({"format": {"$in": ["jpeg", "png", "gif", "webp"]},
                             "files.full.view": None, "deleted_at": None},
                            {"owner_id": 1, "files.original": 1, "files.full": 1})
    async for image in cursor:
        original, full = image["files"]["original"], image["files"]["full"]
        try:
            source, cleaned = (await store.read_file(bucket, original),
                               await store.read_file(bucket, full))
        except NotFound:
            continue  # purged meanwhile
        # Turned PNG/WebP stills were re-encoded: no pieces, they keep their file.
        pieces = await asyncio.to_thread(find_pieces, source, cleaned)
        if pieces is None or hashlib.sha256(cleaned).hexdigest() != full["sha256"]:
            continue
        view = {**full, "view": views.view_document(original["id"], pieces)}
        # Conditional: of servers migrating at once, one converts, counts and deletes. A
        # crash after the update leaves the file to `manage.py gc` and the count to
        # `manage.py check --fix`.
        result = await db.images.update_one(
            {"_id": image["_id"], "files.full.id": full["id"], "files.full.view": None},
            {"$set": {"files.full": view}})
        if result.modified_count:
            await db.users.update_one({"_id": image["owner_id"]},
                                      {"$inc": {"used_bytes": -full["bytes"]}})
            await store.delete_files(bucket, {"full": full})


STEPS: tuple[Step, ...] = (
    Step("0001-hide-disabled-accounts",
         "Mark the images and albums of accounts disabled before `owner_hidden` existed",
         _hide_disabled_accounts),
    Step("0002-image-search-terms",
         "Give images stored before search existed their `terms` (title, description and "
         "file name words)", _image_search_terms),
    Step("0003-backfill-image-colors",
         "Give images uploaded before `color` existed their thumbnail's average colour",
         _backfill_colors),
    Step("0004-token-scopes",
         "Give API tokens made before scopes the scope `full` and no expiry", _token_scopes),
    Step("0005-image-digests",
         "Record which image holds each owner's original bytes in `image_digests`, and drop "
         "the unique (owner_id, sha256) index of `images` it replaces", _image_digests),
    Step("0006-admin-listings",
         "Give accounts their `last_sign_in` (newest session, else creation), and drop the "
         "audit index (action, at) that (action, at, _id) replaces", _admin_listings),
    Step("0007-image-phashes",
         "Give images uploaded before `phash` existed the perceptual hash of their thumbnail",
         _backfill_phashes),
    Step("0008-search-terms",
         "Store images' search terms with their prefixes and tags (equality search in date "
         "order), and drop the (owner_id, terms) index that prefix regexes used",
         _prefix_search_terms),
    Step("0009-full-views",
         "Serve the `full` of JPEG, PNG, GIF and WebP images stored before views from their "
         "original's bytes, and delete its separate file", _full_views),
)


async def pending(db: AsyncDatabase) -> list[Step]:
    """The steps not yet applied to `db`, in order."""
    done = {doc["_id"] async for doc in db.migrations.find({}, {"_id": 1})}
    return [step for step in STEPS if step.name not in done]


async def migrate(db: AsyncDatabase, *, now: datetime.datetime) -> list[Step]:
    """Apply the pending steps in order, recording each as it finishes; returns them."""
    applied = await pending(db)
    for step in applied:
        with pymongo.timeout(0):  # a step may rewrite a whole collection: no bound
            await step.apply(db)
        await db.migrations.update_one(
            {"_id": step.name},
            {"$setOnInsert": {"description": step.description, "applied": now}},
            upsert=True)
    return applied
