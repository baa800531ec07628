"""Signed renditions as users meet them: the owner's custom size panel and API, every fit
and format, tampering, key rotation, access (private, share links, visibility, trash),
caching, budgets, single flight and the flood limit."""

import asyncio
import datetime
import html
import io
import re

import pytest
from PIL import Image

from app.db import images_bucket
from app.images import rendition_cache, renditions
from app.images.gc import sweep_orphans
from app.images.share_keys import ShareKeys
from tests.api.conftest import api_for
from tests.client import json_body, text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg
from tests.images.samples import jpeg as sample_jpeg

AVIF_ACCEPT = {"Accept": "image/avif,image/webp,*/*"}


async def custom_url(owner, image_id: str, **fields) -> str:
    """The signed path the image page's custom size form gives its owner."""
    query = "&".join(f"{name}={value}" for name, value in fields.items())
    page = text(await owner.get(f"/i/{image_id}?{query}"))
    found = re.search(r'id="embed-custom" class="secret" readonly value="([^"]+)"', page)
    assert found, page
    return re.sub(r"^https?://[^/]+", "", html.unescape(found.group(1)))


def picture(response) -> Image.Image:
    return Image.open(io.BytesIO(response.body))


@pytest.fixture
async def striped(alice):
    """A 600x300 public JPEG: a flat left half and a busy right half."""
    img = Image.new("RGB", (600, 300), (120, 120, 120))
    for x in range(300, 600, 4):
        for y in range(0, 300, 4):
            img.putpixel((x, y), (x % 255, y % 255, (x * y) % 255))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95)
    return await upload_one(alice, buffer.getvalue(), visibility="public")


@pytest.mark.parametrize(("fields", "accept", "content_type", "size"), [
    ({"width": 200}, AVIF_ACCEPT, "image/avif", (200, 100)),
    ({"width": 200}, {"Accept": "image/webp"}, "image/webp", (200, 100)),
    ({"width": 200}, {"Accept": "*/*"}, "image/jpeg", (200, 100)),
    ({"height": 50, "format": "png", "dpr": 2}, {}, "image/png", (200, 100)),
    ({"width": 100, "height": 100, "fit": "cover", "format": "webp", "quality": 50}, {},
     "image/webp", (100, 100)),
    ({"width": 100, "height": 100, "fit": "smart", "format": "jpeg"}, {}, "image/jpeg",
     (100, 100)),
    ({"width": 100, "height": 100, "fit": "fill", "format": "avif"}, {}, "image/avif",
     (100, 100)),
    ({"width": 100, "height": 100, "format": "webp"}, {}, "image/webp", (100, 50)),
])
async def test_every_fit_and_format(alice, client, striped, fields, accept, content_type,
                                    size):
    path = await custom_url(alice, striped["id"], **fields)
    response = await client.get(path, headers=accept)
    assert response.code == 200, response.body
    assert response.headers["Content-Type"] == content_type
    assert picture(response).size == size
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    if "format" not in fields:
        assert "Accept" in response.headers["Vary"]


async def test_smart_crop_keeps_the_busy_part(alice, client, striped):
    path = await custom_url(alice, striped["id"], width=100, height=100, fit="smart",
                            format="png")
    crop = picture(await client.get(path)).convert("L")
    # The flat half is one grey; the chosen window lies in the busy half.
    assert len(set(crop.tobytes())) > 20
    centred = picture(await client.get(await custom_url(
        alice, striped["id"], width=100, height=100, fit="cover", format="png")))
    assert crop.tobytes() != centred.convert("L").tobytes()


async def test_renditions_carry_no_metadata(alice, client):
    photo = sample_jpeg(size=(400, 300), gps=True, xmp=True, comment=True)
    image = await upload_one(alice, photo, visibility="unlisted")
    for fmt in ("jpeg", "webp", "png", "avif"):
        body = (await client.get(await custom_url(alice, image["id"], width=300,
                                                  format=fmt))).body
        with Image.open(io.BytesIO(body)) as img:
            assert not img.getexif()
            assert "xmp" not in img.info and "comment" not in img.info
        assert b"GPS" not in body and b"xpacket" not in body


async def test_never_upscaled(alice, client, striped):
    contain = picture(await client.get(await custom_url(alice, striped["id"], width=4000,
                                                        format="png")))
    assert contain.size == (600, 300)
    cover = picture(await client.get(await custom_url(
        alice, striped["id"], width=1000, height=1000, fit="cover", format="png", dpr=3)))
    assert cover.size == (300, 300)  # the largest square the picture holds
    fill = picture(await client.get(await custom_url(
        alice, striped["id"], width=2000, height=100, fit="fill", format="png")))
    assert fill.size == (600, 100)


async def test_limits_are_refused_before_any_work(alice, striped, db):
    page = text(await alice.get(f"/i/{striped['id']}?width=5000"))
    assert "times the pixel ratio must be 1 to 4096" in page
    assert 'id="embed-custom"' not in page
    page = text(await alice.get(f"/i/{striped['id']}?width=10&fit=cover"))
    assert "need both a width and a height" in page
    assert await db.renditions.count_documents({}) == 0


async def test_tampered_urls_are_404(alice, client, striped, db):
    path = await custom_url(alice, striped["id"], width=200, format="webp")
    _, _, signature, image_id, options = path.split("/")
    other = await upload_one(alice, jpeg(), visibility="public")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (f"/r/{flipped}/{image_id}/{options}",  # signature
                f"/r/{signature}/{image_id}/w201_webp",  # options
                f"/r/{signature}/{other['id']}/{options}",  # another image
                f"/r/{signature}/{image_id}/webp_w200",  # not canonical
                f"/r/x/{image_id}/w200_webp",  # unsigned
                f"/r/{signature}/{image_id}/w200_webp_q80"):  # a default written out
        assert (await client.get(bad)).code == 404, bad
    assert (await client.get(path)).code == 200
    assert await db.renditions.count_documents({}) == 1


async def test_old_key_works_within_grace_only(app, alice, client, striped):
    path = await custom_url(alice, striped["id"], width=120, format="webp")
    app.share_keys = ShareKeys("a-new-key", "test-share-key")  # rotated, old one listed
    assert (await client.get(path)).code == 200
    fresh = await custom_url(alice, striped["id"], width=120, format="webp")
    assert fresh != path and (await client.get(fresh)).code == 200
    app.share_keys = ShareKeys("a-new-key")  # the grace is over
    assert (await client.get(path)).code == 404
    assert (await client.get(fresh)).code == 200


async def test_private_rendition_answers_its_owner_or_a_share_link(alice, make_client, db):
    image = await upload_one(alice, jpeg(size=(300, 200)))
    path = await custom_url(alice, image["id"], width=100, format="webp")
    stranger = make_client()
    assert (await stranger.get(path)).code == 404
    owner = await alice.get(path)
    assert owner.code == 200
    assert owner.headers["Cache-Control"] == "private, no-cache"
    link = await create_link(alice, f"/i/{image['id']}")
    signature, options = path.split("/")[2], path.split("/")[4]
    shared = await stranger.get(f"{link}/r/{signature}/{options}")
    assert shared.code == 200 and shared.body == owner.body
    assert "no-cache" in shared.headers["Cache-Control"]
    share = await db.shares.find_one({})
    assert share["views"] == 0  # bytes under a link are never a view
    assert (await stranger.get(f"{link}/r/{signature}/w101_webp")).code == 404


async def test_protected_share_links_guard_renditions(alice, make_client, db):
    links = {}
    for n, form in enumerate(({"password": "open sesame 1"}, {"max_views": "1"})):
        image = await upload_one(alice, jpeg(color=(100 * n, 50, 50), size=(300, 200)))
        path = await custom_url(alice, image["id"], width=100, format="webp")
        link = await create_link(alice, f"/i/{image['id']}", **form)
        links[next(iter(form))] = f"{link}/r/{path.split('/')[2]}/{path.split('/')[4]}"
    visitor = make_client()
    locked = links["password"].split("/r/")[0]
    assert (await visitor.get(links["password"])).code == 404
    await visitor.post(locked, {"password": "open sesame 1"})
    assert (await visitor.get(links["password"])).code == 200
    assert (await visitor.get(links["max_views"])).code == 404
    assert (await visitor.get(links["max_views"].split("/r/")[0])).code == 200  # the view
    assert (await visitor.get(links["max_views"])).code == 200  # ...grants its bytes
    views = {share.get("max_views"): share["views"] async for share in db.shares.find()}
    assert views == {None: 0, 1: 1}


async def test_visibility_change_and_trash_stop_renditions(alice, client, striped):
    path = await custom_url(alice, striped["id"], width=100, format="webp")
    assert (await client.get(path)).code == 200
    await alice.post(f"/i/{striped['id']}/edit", {"visibility": "private"})
    assert (await client.get(path)).code == 404
    assert (await alice.get(path)).code == 200
    await alice.post(f"/i/{striped['id']}/delete")
    assert (await alice.get(path)).code == 404


async def test_cached_answers_validate_and_purge_deletes_them(app, alice, client, striped,
                                                              db):
    path = await custom_url(alice, striped["id"], width=100, format="webp")
    first = await client.get(path)
    again = await client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.code == 304
    assert await db.renditions.count_documents({}) == 1
    assert await db["renditions.files"].count_documents({}) == 1
    app.settings["trash_days"] = 0
    await alice.post(f"/i/{striped['id']}/delete", {"confirm": "1"})
    assert await db.renditions.count_documents({}) == 0
    assert await db["renditions.files"].count_documents({}) == 0


async def test_budget_evicts_least_recently_used(app, alice, client, striped, db, clock):
    app.settings["rendition_image_mb"] = 0  # each new one pushes out all older ones
    first = await custom_url(alice, striped["id"], width=300, format="png")
    second = await custom_url(alice, striped["id"], width=301, format="png")
    assert (await client.get(first)).code == 200
    clock.advance(minutes=1)
    assert (await client.get(second)).code == 200
    kept = [entry["_id"] async for entry in db.renditions.find()]
    assert kept == [f"{striped['id']}/w301_png"]
    assert await db["renditions.files"].count_documents({}) == 1
    assert (await client.get(first)).code == 200  # made again on demand


async def test_concurrent_requests_make_one_rendition(app, alice, make_client, striped, db):
    path = await custom_url(alice, striped["id"], width=250, height=250, fit="smart",
                            format="avif")
    clients = [make_client() for _ in range(8)]
    responses = await asyncio.gather(*(visitor.get(path) for visitor in clients))
    assert {response.code for response in responses} == {200}
    assert len({response.body for response in responses}) == 1
    assert await db.renditions.count_documents({}) == 1
    assert await db["renditions.files"].count_documents({}) == 1
    counters = await db.login_failures.find({"_id": {"$regex": "^rendition-image"}}).to_list()
    assert [counter["count"] for counter in counters] == [1]


async def test_a_flood_of_distinct_sizes_is_limited(app, alice, client, striped, db):
    app.settings["renditions_per_hour"] = 3
    paths = [await custom_url(alice, striped["id"], width=100 + n, format="webp")
             for n in range(5)]
    codes = [(await client.get(path)).code for path in paths]
    assert codes == [200, 200, 200, 429, 429]
    refused = await client.get(paths[4])
    assert int(refused.headers["Retry-After"]) > 0
    assert (await client.get(paths[0])).code == 200  # cached ones are still served
    assert await db.renditions.count_documents({}) == 3


async def test_api_hands_out_signed_urls(alice, make_client, striped):
    api = await api_for(alice, make_client)
    response = await api.post(f"/api/v1/images/{striped['id']}/renditions",
                              json_data={"width": 320, "height": 200, "fit": "cover",
                                         "format": "webp", "dpr": 2})
    assert response.code == 201, response.body
    body = json_body(response)
    assert body["options"] == "w320_h200_cover_webp_2x"
    path = re.sub(r"^https?://[^/]+", "", body["url"])
    assert path == await custom_url(alice, striped["id"], width=320, height=200,
                                    fit="cover", format="webp", dpr=2)
    assert picture(await make_client().get(path)).size == (480, 300)  # 640x400, fitted
    bad = await api.post(f"/api/v1/images/{striped['id']}/renditions",
                         json_data={"width": 4000, "dpr": 2})
    assert bad.code == 400
    bob = make_client()
    await bob.register("bob")
    bobs = await api_for(bob, make_client)
    other = await bobs.post(f"/api/v1/images/{striped['id']}/renditions",
                            json_data={"width": 10})
    assert other.code == 403  # visible to bob, but not his to sign


def test_grammar_has_one_spelling_per_rendition():
    options = renditions.parse("w640_h480_cover_webp_q75_2x")
    assert options.text() == "w640_h480_cover_webp_q75_2x"
    assert renditions.from_fields({"width": "640", "format": "webp", "quality": "80"}
                                  ).text() == "w640_webp"


async def test_gc_finds_renditions_nobody_refers_to(alice, client, striped, db):
    path = await custom_url(alice, striped["id"], width=90, format="webp")
    assert (await client.get(path)).code == 200
    kept = await db.renditions.find_one({})
    stray = await rendition_cache.bucket(db).upload_from_stream("crashed", b"x" * 100)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    images = images_bucket(db)
    hour = datetime.timedelta(hours=1)
    assert await sweep_orphans(db, images, now=later, grace=hour) == 1  # the stray file
    assert await db["renditions.files"].count_documents({"_id": stray}) == 0
    assert await db.renditions.count_documents({"_id": kept["_id"]}) == 1
    image_files = await db["images.files"].count_documents({})
    await db.images.delete_one({"_id": striped["id"]})  # a purge cut short
    assert await sweep_orphans(db, images, now=later, grace=hour) == image_files + 1
    assert await db.renditions.count_documents({}) == 0
    assert await db["renditions.files"].count_documents({}) == 0


def test_signatures_are_bound_to_their_purpose_and_key():
    keys = ShareKeys("key-one")
    signature = keys.sign(renditions.PURPOSE, b"id/w100")
    assert keys.verify(renditions.PURPOSE, b"id/w100", signature)
    assert not keys.verify(b"another purpose", b"id/w100", signature)
    assert not keys.verify(renditions.PURPOSE, b"id/w101", signature)
    assert not ShareKeys("key-two").verify(renditions.PURPOSE, b"id/w100", signature)
    assert ShareKeys("key-two", "key-one").verify(renditions.PURPOSE, b"id/w100", signature)
