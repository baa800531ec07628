"""Serving image bytes: validators, ranges, HEAD, caching, dispositions, bad ids, access."""

import pytest

from app.images.handlers.variants import parse_range
from tests.api.conftest import Api, create_token
from tests.client import upload_one
from tests.images import samples
from tests.images.images import jpeg


def path(image: dict, variant: str) -> str:
    return image["urls"][variant].split("127.0.0.1", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
async def public_image(alice):
    return await upload_one(alice, jpeg(size=(300, 200)), filename="IMG_0001.jpg",
                            title="Crème brûlée", visibility="public")


async def test_full_variant_headers(client, public_image):
    response = await client.get(path(public_image, "full"))
    assert response.code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert int(response.headers["Content-Length"]) == len(response.body)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"].startswith('"')
    assert "Last-Modified" in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''Cr%C3%A8me%20br%C3%BBl%C3%A9e.jpg" in disposition


async def test_download_is_an_attachment(client, public_image):
    response = await client.get(path(public_image, "full") + "?download=1")
    assert response.headers["Content-Disposition"].startswith("attachment; ")


def comparable(response) -> tuple[list, bytes]:
    """Every header but the per-answer Date, and the body."""
    headers = sorted((name, value) for name, value in response.headers.get_all()
                     if name not in ("Date", "Server"))
    return headers, response.body


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
async def test_public_answers_are_the_same_for_everyone(alice, make_client, visibility):
    """A shared cache replays a `public` answer to anyone: nothing in it may depend on who
    asked (the owner's file name once reached strangers through an nginx cache)."""
    image = await upload_one(alice, jpeg(), filename="Passport John Doe.jpg",
                             visibility=visibility)
    bob = make_client()
    await bob.register("bob")
    owners_script = Api(make_client(), (await create_token(alice))["token"])
    viewers = (alice, owners_script, bob, make_client())
    for variant in ("full.jpg", "large", "thumb", "thumb2x"):
        for query in ("", "?download=1"):
            url = f"/i/{image['id']}/{variant}{query}"
            answers = [await viewer.get(url, headers={"Accept": "image/avif,image/webp,*/*"})
                       for viewer in viewers]
            assert answers[0].code == 200
            assert answers[0].headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert "Passport" not in str(answers[0].headers)
            for answer in answers[1:]:
                assert comparable(answer) == comparable(answers[0]), (url, answer.request)


async def test_the_owner_gets_the_file_name_only_in_private_answers(alice, client):
    image = await upload_one(alice, jpeg(), filename="Passport John Doe.jpg",
                             visibility="unlisted")
    for query, kind in (("", "inline"), ("?download=1", "attachment")):
        original = await alice.get(path(image, "original") + query)
        assert original.headers["Cache-Control"] == "private, no-cache"
        assert original.headers["Content-Disposition"].startswith(
            f'{kind}; filename="Passport_John_Doe.jpg"')
    shared = await alice.get(path(image, "full"))
    assert f'filename="{image["id"]}.jpg"' in shared.headers["Content-Disposition"]
    assert "Passport" not in (await client.get(f"/i/{image['id']}")).body.decode()
    private = await upload_one(alice, jpeg(color=(0, 0, 90)), filename="Tax return.jpg")
    own = await alice.get(path(private, "full"))
    assert own.headers["Cache-Control"] == "private, no-cache"
    assert 'filename="Tax_return.jpg"' in own.headers["Content-Disposition"]


async def test_private_bytes_are_revalidated_so_signing_out_takes_effect(alice):
    image = await upload_one(alice, jpeg())
    first = await alice.get(path(image, "thumb"))
    assert first.code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    vary = first.headers["Vary"].removesuffix(", Accept-Encoding")
    assert vary == "Authorization, Cookie, Accept"
    etag = first.headers["ETag"]
    assert (await alice.get(path(image, "thumb"), headers={"If-None-Match": etag})).code == 304
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert (await alice.get(path(image, "thumb"), headers=since)).code == 304
    await alice.logout()
    assert (await alice.get(path(image, "thumb"), headers={"If-None-Match": etag})).code == 404


async def test_etag_and_if_modified_since_give_304(client, public_image):
    first = await client.get(path(public_image, "large"))
    etag = first.headers["ETag"]
    again = await client.get(path(public_image, "large"), headers={"If-None-Match": etag})
    assert again.code == 304
    assert again.body == b""
    other = await client.get(path(public_image, "large"), headers={"If-None-Match": '"nope"'})
    assert other.code == 200
    since = await client.get(path(public_image, "large"),
                             headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.code == 304


async def test_range_requests(client, public_image):
    full = (await client.get(path(public_image, "full"))).body
    part = await client.get(path(public_image, "full"), headers={"Range": "bytes=10-19"})
    assert part.code == 206
    assert part.body == full[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    tail = await client.get(path(public_image, "full"), headers={"Range": "bytes=-5"})
    assert tail.body == full[-5:]
    open_ended = await client.get(path(public_image, "full"), headers={"Range": "bytes=100-"})
    assert open_ended.body == full[100:]
    bad = await client.get(path(public_image, "full"),
                           headers={"Range": f"bytes={len(full)}-"})
    assert bad.code == 416
    assert bad.headers["Content-Range"] == f"bytes */{len(full)}"
    stale = await client.get(path(public_image, "full"),
                             headers={"Range": "bytes=0-3", "If-Range": '"other"'})
    assert stale.code == 200 and stale.body == full


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-0", (0, 0)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)),
    ("bytes=90-500", (90, 99)), ("bytes=100-", False), ("bytes=-0", False),
    ("bytes=5-2", False), ("bytes=0-1,3-4", None), ("items=0-1", None), ("bytes=-", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


async def test_head_mirrors_get_without_body(client, public_image):
    get = await client.get(path(public_image, "full"))
    head = await client.request("HEAD", path(public_image, "full"))
    assert head.code == 200
    assert head.body == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control"):
        assert head.headers[name] == get.headers[name]


async def test_avif_or_webp_by_accept(client, public_image):
    webp = await client.get(path(public_image, "large"), headers={"Accept": "image/webp"})
    assert webp.headers["Content-Type"] == "image/webp"
    assert webp.headers["Vary"].removesuffix(", Accept-Encoding") == "Accept"
    avif = await client.get(path(public_image, "large"),
                            headers={"Accept": "image/avif,image/webp,*/*"})
    assert avif.headers["Content-Type"] in ("image/avif", "image/webp")


async def test_private_image_is_private_cache_and_404_for_others(alice, make_client):
    image = await upload_one(alice, jpeg())
    own = await alice.get(path(image, "full"))
    assert own.code == 200
    assert own.headers["Cache-Control"].startswith("private")
    stranger = make_client()
    await stranger.register("mallory")
    for who in (stranger, make_client()):
        assert (await who.get(f"/i/{image['id']}")).code == 404
        for variant in ("original", "full", "large", "thumb"):
            assert (await who.get(path(image, variant))).code == 404, variant
        assert (await who.get(f"/i/{image['id']}/thumb2x")).code == 404


async def test_original_is_for_the_owner_only_even_when_public(alice, make_client,
                                                               public_image):
    assert (await alice.get(path(public_image, "original"))).code == 200
    assert (await make_client().get(f"/i/{public_image['id']}/original.jpg")).code == 404


@pytest.mark.parametrize("bad", ["x", "A" * 22, "A" * 500, "%00", "..%2F..%2Fetc",
                                 "%F0%9F%98%80", "$where", "%7B%22%24ne%22%3A1%7D"])
async def test_bad_ids_are_404(client, bad):
    for suffix in ("", "/full", "/thumb", "/original.png"):
        assert (await client.get(f"/i/{bad}{suffix}")).code == 404


async def test_bytes_have_their_own_content_security_policy(client, public_image):
    # The browser's own viewer (an image opened in its own tab) styles itself inline.
    for variant in ("full", "large", "thumb"):
        policy = (await client.get(path(public_image, variant))).headers["Content-Security-Policy"]
        assert policy == ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                          "sandbox")
    # An error is a page: it keeps the page policy (its stylesheet comes from /static).
    missing = await client.get(f"/i/{'A' * 22}/full")
    assert missing.code == 404
    assert "style-src 'self'" in missing.headers["Content-Security-Policy"]


async def test_a_size_not_kept_is_served_by_the_next_larger_variant(alice, db):
    # A tiny flat GIF outweighs none of its thumbnails, but its animated WebP would outweigh
    # the GIF itself: `large` is not stored, and its URL answers with `full`'s bytes.
    image = await upload_one(alice, samples.animated_gif(), filename="wave.gif",
                             visibility="public")
    files = (await db.images.find_one({"_id": image["id"]}))["files"]
    assert "large_webp" not in files and "thumb_webp" in files
    full, large = await alice.get(path(image, "full")), await alice.get(path(image, "large"))
    assert large.code == 200 and large.headers["Content-Type"] == "image/gif"
    assert large.body == full.body and large.headers["ETag"] == full.headers["ETag"]
    thumb = await alice.get(path(image, "thumb"), headers={"Accept": "image/avif,*/*"})
    assert thumb.headers["Content-Type"] == "image/webp"
