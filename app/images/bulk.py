"""Changing many images at once, as the gallery's selection does: delete them, set their
visibility, put them in or take them out of an album, or add or remove a tag.

Every image is checked through `access` before anything changes: one id the requester may
not change (or delete) fails the whole request, and nothing is changed.
"""

import datetime

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Invalid
from app.images import albums, lookups, store, tags, terms, trash
from app.images.fields import check_visibility
from app.text import plural

ACTIONS = ("delete", "visibility", "album_add", "album_remove", "tag_add", "tag_remove")
MAX_IMAGES = 500


def check_request(action: str, image_ids: list[str]) -> list[str]:
    """The distinct ids of a request for `action`; `Invalid` for an unknown action or a
    selection of none or more than `MAX_IMAGES`."""
    if action not in ACTIONS:
        raise Invalid("Choose what to do with the selected images.")
    ids = list(dict.fromkeys(image_ids))
    if not 1 <= len(ids) <= MAX_IMAGES:
        raise Invalid(f"Select between 1 and {MAX_IMAGES} images.")
    return ids


async def selected_images(db: AsyncDatabase, user: dict, action: str,
                          image_ids: list[str]) -> list[dict]:
    """The images a request names, once `user` may do `action` to every one of them."""
    ids = check_request(action, image_ids)
    if action == "delete":
        return await lookups.deletable_images(db, ids, user)
    return await lookups.changeable_images(db, ids, user)


async def apply(
    db: AsyncDatabase,
    bucket: AsyncGridFSBucket,
    user: dict,
    action: str,
    image_ids: list[str],
    *,
    visibility: str = "",
    album_id: str = "",
    tag: str = "",
    now: datetime.datetime,
    trash_days: int = 0,
) -> str:
    """Do `action` to the images with these ids and say what was done, for people; `now`
    marks deletions, which move the owner's images to the trash while `trash_days` > 0
    (see `trash.discard_image`).

    Everything named (the images, the visibility, the album, the tag) is checked first.
    """
    if action == "visibility":
        check_visibility(visibility)
    if action in ("tag_add", "tag_remove"):
        tag = tags.one(tag)
    album = (await lookups.changeable_album(db, album_id, user)
             if action in ("album_add", "album_remove") else None)
    images = await selected_images(db, user, action, image_ids)
    count = plural(len(images), "image")
    if action == "delete":
        trashed = [await trash.discard_image(db, bucket, image, user, now=now, days=trash_days)
                   for image in images]
        return f"Moved {count} to the trash." if all(trashed) else f"Deleted {count}."
    if action == "visibility":
        await store.set_visibility(db, images, visibility)
        return f"Made {count} {visibility}."
    if action == "tag_add":
        await terms.write(db, images, lambda image: _tags(tags.with_tag(image, tag)))
        return f"Tagged {count} “{tag}”."
    if action == "tag_remove":
        await terms.write(db, images, lambda image: _tags(tags.without_tag(image, tag)))
        return f"Removed the tag “{tag}” from {count}."
    if action == "album_add":
        await albums.add_images(db, album, images)
        return f"Added {count} to {album['title']}."
    await albums.remove_images(db, album, images)
    return f"Removed {count} from {album['title']}."


def _tags(changed: list[str] | None) -> dict | None:
    return None if changed is None else {"tags": changed}
