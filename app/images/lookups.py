"""Images and albums fetched for a user under the rules of `app.images.access`: by id (the
document, or the `NotFound` or `Forbidden` the rule answers), through a share link, and an
album's cover and reach. No rule is written here: each lookup applies one of `access`.
"""

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import NotFound
from app.images import access, albums, store
from app.images.pagination import NEWEST_FIRST


async def visible_image(db: AsyncDatabase, image_id: str, user: dict | None) -> dict:
    """The image with this id if `user` may see it, else `NotFound`."""
    return access.ensure_visible(await store.find_image(db, image_id), user)


async def changeable_image(db: AsyncDatabase, image_id: str, user: dict | None) -> dict:
    """The image with this id if `user` may change it (see `access.ensure_changeable`)."""
    return access.ensure_changeable(await store.find_image(db, image_id), user)


async def deletable_image(db: AsyncDatabase, image_id: str, user: dict | None) -> dict:
    """The image with this id if `user` may delete it (see `access.ensure_deletable`)."""
    return access.ensure_deletable(await store.find_image(db, image_id), user)


async def changeable_images(db: AsyncDatabase, image_ids: list[str], user: dict | None
                            ) -> list[dict]:
    """The images with these ids if `user` may change every one; else the error the first
    one they may not change gives (`NotFound` or `Forbidden`), so nothing is changed."""
    found = await store.find_images(db, image_ids)
    return [access.ensure_changeable(found.get(image_id), user) for image_id in image_ids]


async def deletable_images(db: AsyncDatabase, image_ids: list[str], user: dict | None
                           ) -> list[dict]:
    """The images with these ids if `user` may delete every one (see `changeable_images`)."""
    found = await store.find_images(db, image_ids)
    return [access.ensure_deletable(found.get(image_id), user) for image_id in image_ids]


async def visible_album(db: AsyncDatabase, album_id: str, user: dict | None) -> dict:
    """The album with this id if `user` may see it, else `NotFound`."""
    return access.ensure_visible(await albums.find_album(db, album_id), user)


async def changeable_album(db: AsyncDatabase, album_id: str, user: dict | None) -> dict:
    """The album with this id if `user` may change it (see `access.ensure_changeable`)."""
    return access.ensure_changeable(await albums.find_album(db, album_id), user)


async def deletable_album(db: AsyncDatabase, album_id: str, user: dict | None) -> dict:
    """The album with this id if `user` may delete it (see `access.ensure_deletable`)."""
    return access.ensure_deletable(await albums.find_album(db, album_id), user)


async def album_reach(db: AsyncDatabase, album: dict) -> tuple[int, int]:
    """`(shown, total)`: how many of the album's images a visitor without a share link
    sees, and how many the album holds."""
    total = await db.images.count_documents(access.shared_album_query(album))
    if not access.can_view(album, None):
        return 0, total
    return await db.images.count_documents(access.album_images_query(album, None)), total


async def visible_cover(db: AsyncDatabase, album: dict, user: dict | None) -> dict | None:
    """The album's cover as `user` may see it: the chosen cover if visible to them, else
    (no cover chosen) the newest image they may see in it, else None."""
    query = access.album_images_query(album, user)
    if album.get("cover"):
        query["_id"] = album["cover"]
    return await db.images.find_one(query, sort=NEWEST_FIRST)


async def shareable(db: AsyncDatabase, kind: str, target_id: str, user: dict | None) -> dict:
    """The image or album (`kind`) if `user` may hand out links to it: its owner."""
    if kind == "image":
        return await changeable_image(db, target_id, user)
    return await changeable_album(db, target_id, user)


async def shared_image(db: AsyncDatabase, share: dict, image_id: str | None) -> dict:
    """The image a live `share` opens: its target (image link), or one of the album's
    images by id (album link: the image must be in that album and its owner's); else
    `NotFound` (see `access.album_link_opens`)."""
    if share["kind"] == "image":
        image = await store.find_image(db, share["target_id"])
    else:
        image = await store.find_image(db, image_id or "")
        if image and not access.album_link_opens(share, image):
            image = None
    if image is None or access.is_gone(image):
        raise NotFound()
    return image


async def shared_album(db: AsyncDatabase, share: dict) -> dict:
    """The album a live album `share` opens; `NotFound` if it is gone."""
    album = await albums.find_album(db, share["target_id"])
    if album is None or access.is_gone(album):
        raise NotFound()
    return album

