"""The trash: an image or album its owner deletes stays restorable for `trash_days`, then
is purged for good.

A trashed item is deleted (`deleted_at`: missing for everyone, exactly as `access` treats a
deleted item) and also has `trash_until`, the time it is purged. `deleted_at` without a
`trash_until` still ahead means "being purged" (account deletion, emptying the trash, an
interrupted deletion): `gc` purges those, and the trash once its time has come. Nothing else
changes when an item goes to the trash: its share links, its albums (or an album's images)
and the bytes counted against its owner's quota all stay, so restoring brings everything
back, and the bytes are freed once, by the purge.
"""

import datetime

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app import invalidation
from app.errors import NotFound
from app.ids import is_id
from app.images import access, albums, gc, store
from app.images.pagination import Order, encode_cursor, following, read

KINDS = ("images", "albums")
TRASHED = Order("trashed", "deleted_at", -1)  # newest in the trash first
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_RESTORE = {"$unset": {"deleted_at": "", "trash_until": ""}}


def goes_to_trash(item: dict, user: dict | None, days: int) -> bool:
    """True if `user` deleting `item` moves it to the trash: its owner, while the trash is
    on (`days` > 0). An admin's moderation deletes for good."""
    return days > 0 and access.is_owner(item, user)


def in_trash(owner_id: str, now: datetime.datetime) -> dict:
    """The query of the owner's items in the trash (not being purged)."""
    return {"owner_id": owner_id, "deleted_at": {"$ne": None}, "trash_until": {"$gt": now}}


async def discard_image(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict,
                        user: dict, *, now: datetime.datetime, days: int) -> bool:
    """Delete the image as `user` asks: to the trash (True) or for good (False)."""
    if goes_to_trash(image, user, days):
        await _move(db.images, image, now, days)
        await invalidation.images_changed(db, [image])
        return True
    await store.delete_image(db, bucket, image, now=now)
    return False


async def discard_album(db: AsyncDatabase, album: dict, user: dict, *,
                        now: datetime.datetime, days: int) -> bool:
    """Delete the album as `user` asks: to the trash (True) or for good (False); its
    images stay in the gallery either way."""
    if goes_to_trash(album, user, days):
        await _move(db.albums, album, now, days)
        return True
    await albums.delete_album(db, album, now=now)
    return False


async def _move(collection, item: dict, now: datetime.datetime, days: int) -> None:
    until = now + datetime.timedelta(days=days)
    await collection.update_one({"_id": item["_id"], "deleted_at": None},
                                {"$set": {"deleted_at": now, "trash_until": until}})


def stamp(moment: datetime.datetime) -> int:
    """`moment` in whole milliseconds, as the database keeps times: given the `now` of a
    request that moved things to the trash, it names them for `undo`."""
    return (moment - _EPOCH) // datetime.timedelta(milliseconds=1)


async def restore(db: AsyncDatabase, owner_id: str, kind: str, item_id: str, *,
                  now: datetime.datetime) -> None:
    """Take one image or album (`kind`: images or albums) of the owner's out of the trash;
    `NotFound` unless it is theirs and still in the trash."""
    if kind not in KINDS or not is_id(item_id):
        raise NotFound()
    result = await db[kind].update_one({"_id": item_id, **in_trash(owner_id, now)}, _RESTORE)
    if not result.modified_count:
        raise NotFound()


async def undo(db: AsyncDatabase, owner_id: str, moment: int, *,
               now: datetime.datetime) -> int:
    """Restore what the owner moved to the trash at the millisecond `moment` (see
    `stamp()`); returns how many items came back (0 once purged or restored)."""
    at = _EPOCH + datetime.timedelta(milliseconds=moment)
    query = {**in_trash(owner_id, now), "deleted_at": at}
    restored = 0
    for kind in KINDS:
        restored += (await db[kind].update_many(query, _RESTORE)).modified_count
    return restored


async def delete_forever(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner_id: str,
                         kind: str, item_id: str, *, now: datetime.datetime) -> None:
    """Purge one image or album from the owner's trash now; `NotFound` unless it is
    there. It is first marked as being purged, so a restore cannot race the purge."""
    if kind not in KINDS or not is_id(item_id):
        raise NotFound()
    item = await db[kind].find_one_and_update({"_id": item_id, **in_trash(owner_id, now)},
                                              {"$unset": {"trash_until": ""}})
    if item is None:
        raise NotFound()
    if kind == "images":
        await store.purge_image(db, bucket, item)
    else:
        await albums.purge_album(db, item)


async def empty(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner_id: str, *,
                now: datetime.datetime) -> int:
    """Purge everything in the owner's trash now; returns how many images went."""
    for kind in KINDS:
        await db[kind].update_many(in_trash(owner_id, now), {"$unset": {"trash_until": ""}})
    return await gc.purge_matching(db, bucket, {"owner_id": owner_id, **gc.purgeable(now)})


async def find(db: AsyncDatabase, owner_id: str, kind: str, item_id: str, *,
               now: datetime.datetime) -> dict:
    """One image or album in the owner's trash; `NotFound` unless it is there."""
    item = (await db[kind].find_one({"_id": item_id, **in_trash(owner_id, now)})
            if kind in KINDS and is_id(item_id) else None)
    if item is None:
        raise NotFound()
    return item


async def page(db: AsyncDatabase, owner_id: str, *, now: datetime.datetime,
               cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """The owner's trash, newest deleted first, images and albums together (each item
    with `kind`: images or albums): up to `limit` items after `cursor`, and the cursor of
    the next page (None on the last). Each collection's TRASH_NEWEST index (`app.db`)
    answers its part."""
    queries = following(in_trash(owner_id, now), cursor, TRASHED)
    found = []
    for kind in KINDS:
        docs = await read(db[kind], queries, TRASHED.sort(), limit + 1)
        found += [{**doc, "kind": kind} for doc in docs]
    found.sort(key=lambda item: (item["deleted_at"], item["_id"]), reverse=True)
    items = found[:limit]
    return items, encode_cursor(items[-1], TRASHED) if len(found) > limit else None
