"""Which of an owner's images holds given original bytes: the guard against keeping one
upload twice.

`image_digests {_id: "<owner id>:<sha256>", image_id}`. The guarantee rests on `_id`
alone, the one unique index MongoDB enforces across the shards of a sharded collection
whatever its shard key; a unique index on (owner_id, sha256) in `images` would hold per
shard only once `images` is sharded by id (docs/deployment.md, "Sharding"). Looking a
duplicate up is also one read by `_id`, on one shard.

An image document is written first and its digest after (`claim`), so a digest names an
image that was complete when it was claimed. A digest whose image has since gone (a purge
interrupted between the two deletions) is taken over by the next upload of those bytes.
"""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.errors import RetryLater


def key(owner_id: str, sha256: str) -> str:
    """The digest document's `_id` for an owner's bytes."""
    return f"{owner_id}:{sha256}"


async def holder(db: AsyncDatabase, owner_id: str, sha256: str) -> dict | None:
    """The owner's image with exactly these original bytes, if any (deleted ones too: the
    caller decides what a deleted holder means)."""
    digest = await db.image_digests.find_one({"_id": key(owner_id, sha256)})
    return digest and await db.images.find_one({"_id": digest["image_id"]})


async def claim(db: AsyncDatabase, image: dict) -> dict | None:
    """Record `image` (its document already written) as the holder of its bytes. Returns
    None when it is, or the image that holds them already: the same bytes arrived twice
    at once, and the caller drops its own copy."""
    digest_id = key(image["owner_id"], image["sha256"])
    for _ in range(3):  # again while another holder vanishes as we look
        try:
            await db.image_digests.insert_one({"_id": digest_id, "image_id": image["_id"]})
            return None
        except DuplicateKeyError:
            digest = await db.image_digests.find_one({"_id": digest_id})
        if digest is None:
            continue
        existing = await db.images.find_one({"_id": digest["image_id"]})
        if existing is not None:
            return existing
        taken = await db.image_digests.update_one(
            {"_id": digest_id, "image_id": digest["image_id"]},
            {"$set": {"image_id": image["_id"]}})
        if taken.modified_count:
            return None
    raise RetryLater("The same image is being uploaded and deleted at once; try again.")


async def release(db: AsyncDatabase, image: dict) -> None:
    """Forget `image` as the holder of its bytes (it is being purged)."""
    await db.image_digests.delete_one({"_id": key(image["owner_id"], image["sha256"]),
                                       "image_id": image["_id"]})


async def backfill(db: AsyncDatabase) -> None:
    """Give every image stored before digests existed its digest (idempotent: an image
    already recorded, or bytes already held by another, are left as they are)."""
    async for image in db.images.find({"sha256": {"$exists": True}},
                                      {"owner_id": 1, "sha256": 1}):
        await db.image_digests.update_one(
            {"_id": key(image["owner_id"], image["sha256"])},
            {"$setOnInsert": {"image_id": image["_id"]}}, upsert=True)
