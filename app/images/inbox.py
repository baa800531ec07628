"""The inbox: what guests sent through an owner's drop links (`app.images.drops`), waiting
for the owner to approve it into the link's album or reject it.

A guest's upload is a private image of the owner's with `inbox: True` and `dropped
{drop_id, album_id, device, at, visit}` (the guest's browser and system, the time, and the
sha256 of a secret naming the guest's visit; never an address). `dropped` stays after
approval, to say where an image came from. While in the inbox an image is in none of the
owner's listings (`access.owned`) and cannot be edited, shared or put in an album
(`access.can_change`).

Inbox images do not claim their bytes (`app.images.digests`) when they arrive, so a guest
cannot learn whether the owner had a file: approval does. Approving bytes the owner
already has puts the image they had in the album and drops the guest's copy, so an image
is never kept twice.

Rejected images are purged at once, bytes and all, rather than moved to the trash: they
were never the owner's choice, a trash would keep a stranger's files (maybe unlawful ones)
on the server and against the owner's quota for weeks, and nothing was published that an
undo would need to bring back.

`users.inbox_count` is what the navigation shows: guest uploads add to it, approving and
rejecting take from it, and showing the inbox sets it to the true count, which also heals
any drift (an inbox image deleted another way). Absent: 0.
"""

import datetime

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.ids import token_digest
from app.images import access, albums, digests, pagination, store
from app.images.fields import default_visibility

MAX_SELECTION = 500  # images approved or rejected in one request


def stamp(drop: dict, *, device: str, visit: str, now: datetime.datetime) -> dict:
    """The fields that put a guest's upload through `drop` in the owner's inbox; `visit`
    names the guest's visit (see `sent`)."""
    return {"inbox": True, "dropped": {"drop_id": drop["_id"], "album_id": drop["album_id"],
                                       "device": device, "at": now,
                                       "visit": token_digest(visit)}}


def waiting(owner_id: str) -> dict:
    """The query of the owner's images waiting in the inbox."""
    return {"owner_id": owner_id, "inbox": True, "deleted_at": None}


async def arrived(db: AsyncDatabase, owner_id: str, count: int) -> None:
    """Count `count` guest uploads into the owner's inbox for the navigation."""
    if count:
        await db.users.update_one({"_id": owner_id}, {"$inc": {"inbox_count": count}})


async def page(db: AsyncDatabase, owner_id: str, cursor: str | None, limit: int,
               backward: bool = False) -> pagination.Page:
    """One page of the owner's inbox, newest first."""
    return await pagination.page(db.images, waiting(owner_id), cursor, limit,
                                 backward=backward)


async def recount(db: AsyncDatabase, owner_id: str) -> int:
    """The number of images in the owner's inbox, also set as their `inbox_count`."""
    count = await db.images.count_documents(waiting(owner_id))
    await db.users.update_one({"_id": owner_id}, {"$set": {"inbox_count": count}})
    return count


async def sent(db: AsyncDatabase, drop: dict, visit: str) -> list[dict]:
    """What the guest sent through `drop` in their `visit` (a secret of their browser's,
    stored only as its sha256) that still waits, newest first. Once the owner decided,
    an image leaves this list whatever the decision, so the guest never learns it (nor
    that the owner had it)."""
    query = {"dropped.visit": token_digest(visit), "dropped.drop_id": drop["_id"],
             **waiting(drop["owner_id"])}
    fields = {"title": 1, "filename": 1, "bytes": 1, "created": 1}
    return await db.images.find(query, fields).sort(pagination.NEWEST_FIRST).to_list(None)


def receipt(image: dict) -> dict:
    """What a guest's upload answers: what they sent, nothing of the owner's."""
    return {"title": image["title"], "filename": image["filename"], "bytes": image["bytes"]}


async def _selected(db: AsyncDatabase, owner_id: str, image_ids: list[str] | None
                    ) -> list[dict]:
    query = waiting(owner_id)
    if image_ids is not None:
        query["_id"] = {"$in": image_ids[:MAX_SELECTION]}
    return await db.images.find(query).sort(pagination.NEWEST_FIRST).to_list(MAX_SELECTION)


async def approve(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner: dict,
                  image_ids: list[str] | None, *, now: datetime.datetime) -> int:
    """Approve the owner's inbox images with these ids (None: all of them, up to
    `MAX_SELECTION`): each joins its link's album with the owner's default visibility.
    Ids not in the inbox are skipped. Returns how many were approved."""
    approved, found_albums = 0, {}
    for image in await _selected(db, owner["_id"], image_ids):
        kept = await _claim(db, bucket, image)
        if kept is image:
            result = await db.images.update_one(
                {"_id": image["_id"], "inbox": True},
                {"$unset": {"inbox": ""},
                 "$set": {"visibility": default_visibility(owner)}})
            if not result.modified_count:
                continue  # approved or rejected meanwhile
        else:  # the owner had these bytes: theirs joins the album, the copy goes
            await store.delete_image(db, bucket, image, now=now)
        album_id = image["dropped"]["album_id"]
        if album_id not in found_albums:  # one read per album, not per image
            found_albums[album_id] = await albums.find_album(db, album_id)
        album = found_albums[album_id]
        if album is not None:  # in the trash too: restoring it brings its images back
            await albums.add_image(db, album, kept)
        approved += 1
    await arrived(db, owner["_id"], -approved)
    return approved


async def _claim(db: AsyncDatabase, bucket: AsyncGridFSBucket, image: dict) -> dict:
    """The image that holds `image`'s bytes once it is approved: itself, or the owner's
    image that had them already. A deleted holder (a trashed image, an interrupted
    purge) is purged, as a new upload of the same bytes does (`app.images.ingest`)."""
    for _ in range(3):
        holder = await digests.claim(db, image)
        if holder is None:
            return image
        if not access.is_deleted(holder):
            return holder
        await store.purge_image(db, bucket, holder)
    return image


async def reject(db: AsyncDatabase, bucket: AsyncGridFSBucket, owner_id: str,
                 image_ids: list[str] | None, *, now: datetime.datetime) -> int:
    """Purge the owner's inbox images with these ids (None: all of them, up to
    `MAX_SELECTION`) with every file they made; returns how many."""
    rejected = 0
    for image in await _selected(db, owner_id, image_ids):
        await store.delete_image(db, bucket, image, now=now)
        rejected += 1
    await arrived(db, owner_id, -rejected)
    return rejected
