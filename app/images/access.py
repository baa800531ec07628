"""Who may see and change images and albums: every page, byte URL, API call and listing asks
here, so the rules live in one place.

- private: the owner only (or anyone holding a live share link, see `app.images.shares`);
- unlisted: anyone who has the URL, never listed;
- public: anyone, and listed on the owner's profile and the public feed.

Anything the requester may not see is `NotFound`, the same answer as a missing id, so ids of
private items cannot be confirmed by probing.
"""

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Forbidden, NotFound
from app.images import albums, store

LISTED = {"visibility": "public"}


def is_owner(item: dict, user: dict | None) -> bool:
    """True if `user` owns the image or album."""
    return user is not None and item["owner_id"] == user["_id"]


def can_view(item: dict, user: dict | None) -> bool:
    """True if `user` (None when signed out) may see the image or album."""
    return item["visibility"] in ("unlisted", "public") or is_owner(item, user)


def can_change(item: dict, user: dict | None) -> bool:
    """True if `user` may edit or delete the item: its owner, or an admin."""
    return is_owner(item, user) or (user is not None and user.get("role") == "admin")


def can_view_original(image: dict, user: dict | None) -> bool:
    """The untouched upload (with its metadata) goes to the owner only."""
    return is_owner(image, user)


def ensure_visible(item: dict | None, user: dict | None) -> dict:
    """`item` if the user may see it, else `NotFound`."""
    if item is None or not can_view(item, user):
        raise NotFound()
    return item


def ensure_changeable(item: dict | None, user: dict | None) -> dict:
    """`item` if the user may change it; `NotFound` if they cannot even see it."""
    if item is None or not (can_view(item, user) or can_change(item, user)):
        raise NotFound()
    if not can_change(item, user):
        raise Forbidden("Only the owner can change this.")
    return item


async def visible_image(db: AsyncDatabase, image_id: str, user: dict | None) -> dict:
    """The image with this id if `user` may see it, else `NotFound`."""
    return ensure_visible(await store.find_image(db, image_id), user)


async def changeable_image(db: AsyncDatabase, image_id: str, user: dict | None) -> dict:
    """The image with this id if `user` may change it (see `ensure_changeable`)."""
    return ensure_changeable(await store.find_image(db, image_id), user)


async def visible_album(db: AsyncDatabase, album_id: str, user: dict | None) -> dict:
    """The album with this id if `user` may see it, else `NotFound`."""
    return ensure_visible(await albums.find_album(db, album_id), user)


async def changeable_album(db: AsyncDatabase, album_id: str, user: dict | None) -> dict:
    """The album with this id if `user` may change it (see `ensure_changeable`)."""
    return ensure_changeable(await albums.find_album(db, album_id), user)


def album_images_query(album: dict, user: dict | None) -> dict:
    """The album's images `user` may see on its page: all for the owner; for anyone else
    the unlisted and public ones (private images show only through a share link)."""
    query = {"album_ids": album["_id"], "owner_id": album["owner_id"]}
    if not is_owner(album, user):
        query["visibility"] = {"$in": ["unlisted", "public"]}
    return query


async def shareable(db: AsyncDatabase, kind: str, target_id: str, user: dict | None) -> dict:
    """The image or album (`kind`) if `user` owns it: only owners hand out share links.

    Stricter than `ensure_changeable`: an admin may delete someone's private image but must
    not be able to mint a link that shows it. `NotFound` if invisible, else `Forbidden`.
    """
    find = store.find_image if kind == "image" else albums.find_album
    item = ensure_visible(await find(db, target_id), user)
    if not is_owner(item, user):
        raise Forbidden("Only the owner can share this.")
    return item

