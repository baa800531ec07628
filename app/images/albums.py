"""Albums: an owner's named collections of their own images. An image may sit in several
albums (`album_ids` on the image); deleting an album keeps its images."""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Invalid
from app.ids import is_id, new_id
from app.images.fields import validate_changes
from app.images.pagination import NEWEST_FIRST


async def create_album(
    db: AsyncDatabase,
    *,
    owner_id: str,
    title: str,
    description: str = "",
    visibility: str = "private",
    now: datetime.datetime,
) -> dict:
    """Create an album; `Invalid` for an empty or over-long title or unknown visibility."""
    fields = _validate({"title": title, "description": description, "visibility": visibility})
    album = {"_id": new_id(), "owner_id": owner_id, "cover": None, "created": now, **fields}
    await db.albums.insert_one(album)
    return album


async def find_album(db: AsyncDatabase, album_id: str) -> dict | None:
    """The album with this id, or None."""
    if not is_id(album_id):
        return None
    return await db.albums.find_one({"_id": album_id})


async def update_album(db: AsyncDatabase, album: dict, changes: dict) -> dict:
    """Apply edits (title, description, visibility, cover) and return the updated album."""
    clean = _validate({k: v for k, v in changes.items() if k != "cover"})
    if "cover" in changes:
        cover = changes["cover"] or None
        if cover and not await db.images.count_documents(
            {"_id": cover, "album_ids": album["_id"]}, limit=1
        ):
            raise Invalid("The cover must be an image in this album.")
        clean["cover"] = cover
    if clean:
        await db.albums.update_one({"_id": album["_id"]}, {"$set": clean})
    return {**album, **clean}


async def delete_album(db: AsyncDatabase, album: dict, *, now: datetime.datetime) -> None:
    """Mark the album deleted (it stops being shown at once), then purge it; its images
    stay in the gallery."""
    await db.albums.update_one({"_id": album["_id"]}, {"$set": {"deleted_at": now}})
    await purge_album(db, album)


async def purge_album(db: AsyncDatabase, album: dict) -> None:
    """Remove a deleted album for good: its share and drop links, its images' membership,
    then the document (last, so an interrupted purge leaves it marked and `manage.py gc`
    repeats). What guests sent through its drop links stays in the owner's inbox."""
    await db.shares.delete_many({"target_id": album["_id"]})
    await db.drops.delete_many({"album_id": album["_id"]})
    await db.images.update_many({"album_ids": album["_id"]}, {"$pull": {"album_ids": album["_id"]}})
    await db.albums.delete_one({"_id": album["_id"]})


async def add_image(db: AsyncDatabase, album: dict, image: dict) -> None:
    """Put the image in the album (idempotent); both must belong to the same owner."""
    await add_images(db, album, [image])


async def add_images(db: AsyncDatabase, album: dict, images: list[dict]) -> None:
    """Put the images in the album (idempotent); the first becomes the cover if it has
    none. Every image must be the album owner's, or nothing is added."""
    if any(image["owner_id"] != album["owner_id"] for image in images):
        raise Invalid("Only your own images can go in your albums.")
    if not images:
        return
    await db.images.update_many({"_id": {"$in": [image["_id"] for image in images]}},
                                {"$addToSet": {"album_ids": album["_id"]}})
    if album.get("cover") is None:
        await db.albums.update_one(
            {"_id": album["_id"], "cover": None}, {"$set": {"cover": images[0]["_id"]}}
        )


async def remove_image(db: AsyncDatabase, album: dict, image: dict) -> None:
    """Take the image out of the album (it stays in the gallery)."""
    await remove_images(db, album, [image])


async def remove_images(db: AsyncDatabase, album: dict, images: list[dict]) -> None:
    """Take the images out of the album (they stay in the gallery); an image that was
    the cover stops being it."""
    ids = [image["_id"] for image in images]
    await db.images.update_many({"_id": {"$in": ids}}, {"$pull": {"album_ids": album["_id"]}})
    if album.get("cover") in ids:
        await db.albums.update_one({"_id": album["_id"]}, {"$set": {"cover": None}})


async def owner_albums(db: AsyncDatabase, query: dict, *, limit: int = 200) -> list[dict]:
    """An owner's albums matching `query` (from `access`: `owned` for the owner's own
    pages, `listed_by` for a profile), newest first."""
    return await db.albums.find(query).sort(NEWEST_FIRST).to_list(limit)


def _validate(fields: dict) -> dict:
    clean = validate_changes(fields)
    if "title" in clean and not clean["title"]:
        raise Invalid("An album needs a title.")
    return clean
