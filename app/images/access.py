"""Who may see and change images and albums: every page, byte URL, API call and listing asks
here, so the rules live in one place. They are written here as predicates, as the checks
that answer `NotFound` or `Forbidden` (`ensure_*`) and as the MongoDB filters of listings;
`app.images.lookups` fetches images and albums by id (or through a share link) and applies
them, writing no rule of its own.

- private: the owner only, or anyone holding a live share link to it (or to an album of
  its owner's that holds it); a link never opens the untouched original;
- unlisted: anyone who has the URL, never listed;
- public: anyone, and listed on the owner's profile and the public feed.

Anything the requester may not see is `NotFound`, the same answer as a missing id, so ids of
private items cannot be confirmed by probing.

Two states make an image or album missing for everyone, whatever its visibility:
- `deleted_at` (a time): it is deleted, and its purge may still be under way (or it sits in
  a trash, later). Deletions mark first and purge after, so an interrupted one hides
  everything and `manage.py gc` finishes it.
- `owner_hidden` (True): its owner's account is disabled. The flag is copied onto the
  owner's images and albums when the account is disabled and removed when it is enabled,
  so serving an image stays one lookup by id and the feed's index skips them.
An absent field means neither, as in documents stored before these states existed.

An image a guest sent through a drop link waits in its owner's inbox (`inbox`: True, see
`app.images.inbox`): private, its owner's to see, but in none of their listings and not
to be edited, shared or put in albums until approved. Absent: not in the inbox.

Every write that makes an image invisible to someone it was visible to also tells every
process (`app.invalidation`), whose hot path may be answering it from memory.
"""

import pymongo
from pymongo.asynchronous.database import AsyncDatabase

from app import invalidation
from app.db import ACCOUNT_WRITE_TIMEOUT
from app.errors import Forbidden, NotFound

# Neither deleted nor hidden with a disabled owner (None matches an absent field too).
LIVE = {"deleted_at": None, "owner_hidden": None}
LISTED = {"visibility": "public", **LIVE}


def is_deleted(item: dict) -> bool:
    """True if the image or album is deleted (its purge may not have finished)."""
    return item.get("deleted_at") is not None


def is_gone(item: dict) -> bool:
    """True if the image or album is deleted or hidden with its owner: missing for all."""
    return is_deleted(item) or bool(item.get("owner_hidden"))


def owned(owner_id: str) -> dict:
    """The query of an owner's own listings: all of theirs that is not deleted, nor
    waiting in their inbox."""
    return {"owner_id": owner_id, "deleted_at": None, "inbox": None}


def in_inbox(item: dict) -> bool:
    """True if the image is a guest's upload its owner has not approved yet."""
    return bool(item.get("inbox"))


def listed_by(owner_id: str) -> dict:
    """The query of what a profile lists: the owner's public images or albums."""
    return {"owner_id": owner_id, **LISTED}


def listed_with_tag(tag: str) -> dict:
    """The query of what `/t/<tag>` lists: everyone's public images with this (normalised)
    tag, the feed's rule."""
    return {"tags": tag, **LISTED}


def tag_links_public(image: dict) -> bool:
    """Whether an image's page may link its tags to `/t/<tag>`: only a public image is
    listed there."""
    return image["visibility"] == "public" and not is_gone(image)


async def set_owner_hidden(db: AsyncDatabase, owner_id: str, hidden: bool) -> None:
    """Hide (while their account is disabled) or show again every image and album of
    `owner_id`. Only documents not yet changed match, so a repeat after an interruption
    continues where it stopped."""
    if hidden:
        query, change = {"owner_hidden": None}, {"$set": {"owner_hidden": True}}
    else:
        query, change = {"owner_hidden": True}, {"$unset": {"owner_hidden": ""}}
    with pymongo.timeout(ACCOUNT_WRITE_TIMEOUT):
        for collection in (db.images, db.albums):
            await collection.update_many({"owner_id": owner_id, **query}, change)
    await invalidation.owner_changed(db, owner_id)


def is_owner(item: dict, user: dict | None) -> bool:
    """True if `user` owns the image or album."""
    return user is not None and item["owner_id"] == user["_id"]


def can_view(item: dict, user: dict | None) -> bool:
    """True if `user` (None when signed out) may see the image or album."""
    if is_gone(item):
        return False
    return item["visibility"] in ("unlisted", "public") or is_owner(item, user)


def same_for_everyone(image: dict, variant: str) -> bool:
    """True if everyone who may fetch this variant of a visible image may fetch it as
    anyone else does, so a shared cache may keep it: the original is its owner's alone,
    and a private image is nobody else's."""
    return image["visibility"] != "private" and variant != "original"


def can_change(item: dict, user: dict | None) -> bool:
    """True if `user` may edit the item, share it or move images in and out: its owner only.

    An admin who could change visibility could publish someone's private image. An image
    in the inbox is approved or rejected there first.
    """
    return is_owner(item, user) and not in_inbox(item)


def can_delete(item: dict, user: dict | None) -> bool:
    """True if `user` may delete the item: its owner, or an admin (moderation)."""
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
    """`item` if the user owns it; `NotFound` if they cannot see it, else `Forbidden`."""
    item = ensure_visible(item, user)
    if not can_change(item, user):
        raise Forbidden("Approve it in your inbox first." if in_inbox(item)
                        else "Only the owner can change this.")
    return item


def ensure_deletable(item: dict | None, user: dict | None) -> dict:
    """`item` if the user may delete it (owner or admin, who may not see it); else as
    `ensure_changeable`."""
    if item is not None and not is_gone(item) and can_delete(item, user):
        return item
    return ensure_changeable(item, user)


def album_images_query(album: dict, user: dict | None) -> dict:
    """The album's images `user` may see on its page: all for the owner. Anyone else sees
    the public ones, plus the unlisted ones when the album is itself unlisted: a public album
    is listed, and unlisted images are never listed. Private images show only through a
    share link."""
    query = shared_album_query(album)
    if not is_owner(album, user):
        shown = ["public"] if album["visibility"] == "public" else ["unlisted", "public"]
        query["visibility"] = {"$in": shown}
    return query


def shared_album_query(album: dict) -> dict:
    """The images an album link shows: every image in the album, private ones included."""
    return {"album_ids": album["_id"], "owner_id": album["owner_id"], **LIVE}


def album_link_opens(share: dict, image: dict) -> bool:
    """Whether an album `share` opens this image: it must be in that album and its owner's.
    An album link opens every image in the album, private ones included: that is what its
    owner handed out."""
    return (share["target_id"] in image.get("album_ids", [])
            and image["owner_id"] == share["owner_id"])


def can_view_through_share(variant: str) -> bool:
    """Which bytes a share link serves: every variant but the untouched original."""
    return variant != "original"


def share_needs_password(share: dict, unlocked: bool) -> bool:
    """A link with a password opens nothing, bytes included, until its visitor gave it."""
    return bool(share.get("password_hash")) and not unlocked


def share_opens_beyond_page(share: dict, granted: bool) -> bool:
    """Whether a link opens what lies under its page (album image pages, bytes). With a
    view limit, only for a visitor a counted view granted it: nobody reads the bytes without
    spending a view, and the last visitor's page still loads its images once used up."""
    return share.get("max_views") is None or granted


def share_previews(share: dict) -> bool:
    """Whether a link's pages describe their content to previewers (og:image, the title):
    not with a password or a view limit, since a user agent can be faked."""
    return not share.get("password_hash") and share.get("max_views") is None
