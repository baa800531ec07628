"""`full` served as a view over the original's stored bytes: nothing stored twice, and no
removed metadata byte reachable through any range, across every seam."""

import asyncio
import hashlib
import random

import pytest

from app.db import images_bucket
from app.images import store
from app.images.processing import metadata
from tests.client import upload_one
from tests.images import samples

# Each sample carries SECRET in EXIF/GPS, XMP, comments or text chunks; the reference is
# the surgery's output, which `full` served before views existed.
SAMPLES = {
    "jpeg": (lambda: samples.jpeg(size=(16, 16), exif_orientation=6, gps=True, xmp=True,
                                  iptc=True, comment=True, trailer=True),
             lambda data: metadata.strip_jpeg(data, 6)),
    "png": (lambda: samples.png_with_text_and_exif(size=(16, 8)), metadata.strip_png),
    "webp": (lambda: samples.webp_with_exif(size=(16, 8)), metadata.strip_webp),
    "gif": (lambda: samples.animated_gif(size=(8, 8)), metadata.strip_gif),
}


async def fetch(client, url: str, first: int, last: int) -> bytes:
    async with client.limit:  # a handful of requests at a time, like a browser
        response = await client.get(url, headers={"Range": f"bytes={first}-{last}"})
    assert response.code == 206, (first, last, response.code)
    assert response.headers["Content-Range"].startswith(f"bytes {first}-{last}/")
    assert samples.SECRET.encode() not in response.body
    return response.body


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_no_removed_byte_is_reachable_through_any_range(app, alice, client, db, kind):
    make, strip = SAMPLES[kind]
    original = make()
    stripped = strip(original)
    image = await upload_one(alice, original, filename=f"secret.{kind}", visibility="public")
    stored = await db.images.find_one({"_id": image["id"]})
    assert "view" in stored["files"]["full"]  # no file of its own
    url = f"/i/{image['id']}/full"
    size = len(stripped)
    client.limit = asyncio.Semaphore(16)
    # Every byte on its own, read from GridFS (seeking to each piece), not from the cache.
    cache_bytes, app.variant_cache.max_bytes = app.variant_cache.max_bytes, 0
    singles = await asyncio.gather(*(fetch(client, url, at, at) for at in range(size)))
    assert b"".join(singles) == stripped
    rng = random.Random(size)  # noqa: S311 - reproducible ranges, not secrets
    for cached in (False, True):
        app.variant_cache.max_bytes = cache_bytes if cached else 0
        whole = await client.get(url)
        assert whole.body == stripped
        assert whole.headers["ETag"] == f'"{hashlib.sha256(stripped).hexdigest()[:32]}"'
        etag = {"If-None-Match": whole.headers["ETag"]}
        assert (await client.get(url, headers=etag)).code == 304
        for _ in range(40):
            first = rng.randrange(size)
            last = rng.randrange(first, size)
            assert await fetch(client, url, first, last) == stripped[first : last + 1]
        tail = await client.get(url, headers={"Range": "bytes=-7"})
        assert tail.body == stripped[-7:]


async def test_an_upload_stores_the_original_once(alice, db):
    original = samples.jpeg(size=(640, 480), gps=True, xmp=True)
    image = await upload_one(alice, original)
    stored = await db.images.find_one({"_id": image["id"]})
    files = [entry async for entry in db["images.files"].find({"metadata.image_id": image["id"]})]
    assert "full" not in {entry["metadata"]["variant"] for entry in files}
    assert stored["files"]["full"]["view"]["of"] == stored["files"]["original"]["id"]
    written = sum(entry["length"] for entry in files)
    user = await db.users.find_one({"username": "alice"})
    assert user["used_bytes"] == written == store.stored_bytes(stored)
    assert written - len(original) < stored["files"]["full"]["bytes"]  # not counted twice
    # The owner still gets the untouched upload, everyone else the cleaned bytes.
    assert (await alice.get(f"/i/{image['id']}/original")).body == original
    assert (await alice.get(f"/i/{image['id']}/full")).body == metadata.strip_jpeg(original)


async def test_deleting_frees_every_byte(alice, db):
    image = await upload_one(alice, samples.webp_with_exif())
    response = await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})
    assert response.code in (302, 303)
    if await db.images.count_documents({}):  # kept in the trash: empty it
        await alice.post("/trash/empty", {"confirm": "1"})
    assert await db["images.files"].count_documents({}) == 0
    assert await db["images.chunks"].count_documents({}) == 0
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == 0


async def test_images_stored_with_a_full_file_are_served_as_before(alice, client, db):
    """Images from before views keep `full` in a GridFS file of its own."""
    original = samples.png_with_text_and_exif()
    image = await upload_one(alice, original, visibility="unlisted")
    stripped = metadata.strip_png(original)
    url = f"/i/{image['id']}/full"
    as_view = await client.get(url, headers={"Range": "bytes=10-40"})
    await make_old_shape(db, image["id"], stripped)
    assert (await client.get(url)).body == stripped
    part = await client.get(url, headers={"Range": "bytes=10-40"})
    assert part.body == as_view.body == stripped[10:41]
    assert part.headers["ETag"] == as_view.headers["ETag"]


async def make_old_shape(db, image_id: str, stripped: bytes) -> dict:
    """Turn an image into the shape uploads had before views: `full` stored as a file,
    counted in its owner's use. Returns the new document."""
    image = await db.images.find_one({"_id": image_id})
    entry = {key: value for key, value in image["files"]["full"].items() if key != "view"}
    await images_bucket(db).upload_from_stream_with_id(
        entry["id"], f"{image_id}/full", stripped,
        metadata={"image_id": image_id, "owner_id": image["owner_id"], "variant": "full"})
    await db.images.update_one({"_id": image_id}, {"$set": {"files.full": entry}})
    await db.users.update_one({"_id": image["owner_id"]}, {"$inc": {"used_bytes": len(stripped)}})
    return await db.images.find_one({"_id": image_id})
