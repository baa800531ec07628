"""Share links: create, open signed out, count views, revoke, expire, tamper, delete."""

import re

import pytest

from app.ids import token_digest
from app.images.share_keys import ShareKeys
from tests.client import text, upload_one
from tests.images import samples
from tests.images.images import jpeg


async def create_link(owner, target: str, **form) -> str:
    """Create a share link from the owner's page and return its path (/s/<token>)."""
    response = await owner.post(f"{target}/shares", {"expires_in": "", "label": "", **form})
    assert response.code == 303, response.body
    page = text(await owner.get(response.headers["Location"].split("#")[0]))
    return re.search(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]{43})", page).group(1)


@pytest.fixture
async def private_image(alice):
    photo = samples.jpeg(size=(60, 20), exif_orientation=6, gps=True, xmp=True, comment=True)
    return await upload_one(alice, photo, title="Secret trip")


async def test_share_link_opens_a_private_image_signed_out(alice, client, private_image, db):
    link = await create_link(alice, f"/i/{private_image['id']}", expires_in="604800",
                             label="For Sam")
    page = await client.get(link)
    assert page.code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    body = text(page)
    assert "Secret trip" in body
    assert f'<meta property="og:image" content="{client.base_url}{link}/large">' in body
    assert f"/i/{private_image['id']}" not in body  # no non-share URL of a private image
    assert "original" not in body
    preview = await client.get(f"{link}/large")
    assert preview.code == 200 and preview.headers["Content-Type"] in ("image/webp",
                                                                          "image/avif")
    assert preview.headers["Cache-Control"] == "private, no-cache"
    full = await client.get(f"{link}/full.jpg")
    assert full.code == 200
    assert not samples.has_private_metadata(full.body)
    assert (await client.get(f"{link}/original.jpg")).code == 404
    assert (await client.get(f"/i/{private_image['id']}")).code == 404  # still private
    share = await db.shares.find_one({})
    assert share["label"] == "For Sam"
    assert share["views"] == 1
    assert link.rsplit("/", 1)[1] not in str(share)  # only the digest is stored


async def test_views_count_page_openings(alice, client, private_image, db):
    link = await create_link(alice, f"/i/{private_image['id']}")
    for _ in range(3):
        await client.get(link)
    await client.get(f"{link}/thumb")
    assert (await db.shares.find_one({}))["views"] == 3
    assert "· 3 views" in text(await alice.get(f"/i/{private_image['id']}"))


async def test_revoked_link_is_404(alice, client, private_image, db):
    link = await create_link(alice, f"/i/{private_image['id']}")
    assert (await client.get(link)).code == 200
    share_id = (await db.shares.find_one({}))["_id"]
    response = await alice.post(f"/shares/{share_id}/revoke", {"confirm": "1"})
    assert response.code == 302
    for path in (link, f"{link}/large", f"{link}/full.jpg"):
        assert (await client.get(path)).code == 404


async def test_revoking_asks_first_without_javascript(alice, private_image, db):
    await create_link(alice, f"/i/{private_image['id']}")
    share_id = (await db.shares.find_one({}))["_id"]
    here = f"/i/{private_image['id']}"
    assert 'data-confirm="Revoke this share link?' in text(await alice.get(here))
    response = await alice.post(f"/shares/{share_id}/revoke", {"return": here})
    assert response.code == 303
    assert not (await db.shares.find_one({}))["revoked"]
    page = text(await alice.get(response.headers["Location"]))
    assert "<h1>Revoke this share link?</h1>" in page
    assert f'href="{here}">Cancel</a>' in page
    assert (await alice.get("/shares/not-a-share/revoke")).code == 404


async def test_expired_link_is_404(alice, client, private_image, clock):
    link = await create_link(alice, f"/i/{private_image['id']}", expires_in="3600")
    clock.advance(minutes=59)
    assert (await client.get(link)).code == 200
    clock.advance(minutes=2)
    assert (await client.get(link)).code == 404
    assert (await client.get(f"{link}/thumb")).code == 404


async def test_tampered_and_unknown_tokens_are_404(alice, client, private_image):
    link = await create_link(alice, f"/i/{private_image['id']}")
    token = link.rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token[:-1], token + "x", "x" * 500, "%00", "..", "A" * 43):
        assert (await client.get(f"/s/{bad}")).code == 404, bad
        assert (await client.get(f"/s/{bad}/large")).code == 404, bad


async def test_deleting_the_image_kills_its_links(alice, client, private_image, db):
    link = await create_link(alice, f"/i/{private_image['id']}")
    await alice.post(f"/i/{private_image['id']}/delete")
    assert (await client.get(link)).code == 404
    assert await db.shares.count_documents({}) == 1  # in the trash: kept for a restore
    await alice.post(f"/trash/images/{private_image['id']}/delete", {"confirm": "1"})
    assert await db.shares.count_documents({}) == 0


@pytest.mark.parametrize("expires_in", ["abc", "5", "-1", str(10**12)])
async def test_bad_expiry_is_400(alice, private_image, db, expires_in):
    response = await alice.post(f"/i/{private_image['id']}/shares", {"expires_in": expires_in})
    assert response.code == 400
    assert await db.shares.count_documents({}) == 0


async def test_creating_and_revoking_need_xsrf(alice, private_image, db):
    response = await alice.post(f"/i/{private_image['id']}/shares", {}, xsrf=False)
    assert response.code == 403
    await create_link(alice, f"/i/{private_image['id']}")
    share_id = (await db.shares.find_one({}))["_id"]
    assert (await alice.post(f"/shares/{share_id}/revoke", xsrf=False)).code == 403
    assert not (await db.shares.find_one({}))["revoked"]


async def test_others_cannot_create_or_revoke(alice, make_client, db):
    public = await upload_one(alice, jpeg(), visibility="public")
    private = await upload_one(alice, jpeg(color=(0, 0, 200)))
    bob = make_client()
    await bob.register("bob")
    assert (await bob.post(f"/i/{public['id']}/shares", {})).code == 403
    assert (await bob.post(f"/i/{private['id']}/shares", {})).code == 404
    await create_link(alice, f"/i/{private['id']}")
    share_id = (await db.shares.find_one({}))["_id"]
    assert (await bob.post(f"/shares/{share_id}/revoke", {"confirm": "1"})).code == 404
    assert not (await db.shares.find_one({}))["revoked"]


async def test_album_link_shows_exactly_the_album(alice, make_client, db):
    in_album = [await upload_one(alice, jpeg(color=(i * 60, 0, 0))) for i in range(3)]
    outside = await upload_one(alice, jpeg(color=(0, 200, 0)))
    response = await alice.post("/albums", {"title": "Trip", "visibility": "private"})
    album_path = response.headers["Location"]
    for image in in_album:
        await alice.post("/albums/add", {"album_id": album_path.rsplit("/", 1)[1],
                                         "image_id": image["id"]})
    link = await create_link(alice, album_path, expires_in="604800")
    friend = make_client()
    page = text(await friend.get(link))
    assert "Trip" in page
    for image in in_album:
        assert f'href="{link}/i/{image["id"]}"' in page
        assert (await friend.get(f"{link}/i/{image['id']}/thumb")).code == 200
        assert (await friend.get(f"{link}/i/{image['id']}")).code == 200
        assert (await friend.get(f"{link}/i/{image['id']}/original.jpg")).code == 404
        assert f"/i/{image['id']}/" not in page.replace(f"{link}/i/{image['id']}/", "")
    assert outside["id"] not in page
    assert (await friend.get(f"{link}/i/{outside['id']}")).code == 404
    assert (await friend.get(f"{link}/i/{outside['id']}/thumb")).code == 404
    assert (await friend.get(f"{link}/large")).code == 404  # album links have no own bytes
    assert f'property="og:image" content="{friend.base_url}{link}/i/' in page
    share_id = (await db.shares.find_one({}))["_id"]
    await alice.post(f"/shares/{share_id}/revoke", {"confirm": "1"})
    assert (await friend.get(link)).code == 404
    assert (await friend.get(f"{link}/i/{in_album[0]['id']}/thumb")).code == 404


async def test_admins_cannot_share_other_peoples_images(alice, make_client, db):
    private = await upload_one(alice, jpeg(color=(0, 0, 200)))
    public = await upload_one(alice, jpeg(color=(0, 200, 0)), visibility="public")
    admin = make_client()
    await admin.register("moderator")
    await db.users.update_one({"username": "moderator"}, {"$set": {"role": "admin"}})
    assert (await admin.post(f"/i/{private['id']}/shares", {})).code == 404
    assert (await admin.post(f"/i/{public['id']}/shares", {})).code == 403
    assert await db.shares.count_documents({}) == 0


async def test_owner_copies_a_live_link_again_and_the_page_is_not_stored(
        alice, client, private_image, db, clock):
    link = await create_link(alice, f"/i/{private_image['id']}", label="Sam",
                             expires_in="604800")
    stored = await db.shares.find_one({})
    assert stored["nonce"] and link.rsplit("/", 1)[1] not in str(stored)
    page = await alice.get(f"/i/{private_image['id']}")
    assert page.headers["Cache-Control"] == "no-store"
    field = f'id="share-{stored["_id"][:16]}" class="secret" readonly'
    assert f'{field} value="{client.base_url}{link}"' in text(page)  # after any reload
    clock.advance(days=8)
    page = await alice.get(f"/i/{private_image['id']}")
    assert link not in text(page) and "expired" in text(page)
    assert "no-store" not in page.headers.get("Cache-Control", "")


async def test_a_revoked_link_is_not_shown_again(alice, private_image, db):
    link = await create_link(alice, f"/i/{private_image['id']}")
    await alice.post(f"/shares/{(await db.shares.find_one({}))['_id']}/revoke", {"confirm": "1"})
    assert link not in text(await alice.get(f"/i/{private_image['id']}"))


async def test_links_made_before_nonces_open_but_cannot_be_shown(alice, client, private_image,
                                                                 db, clock):
    token = "T" * 43
    await db.shares.insert_one({  # the shape of a link made before re-showable links
        "_id": token_digest(token), "kind": "image", "target_id": private_image["id"],
        "owner_id": (await db.users.find_one({"username": "alice"}))["_id"], "label": "old",
        "created": clock.now, "expires": None, "revoked": False, "views": 0})
    assert (await client.get(f"/s/{token}")).code == 200
    page = text(await alice.get(f"/i/{private_image['id']}"))
    assert "cannot be shown again" in page and token not in page


async def test_rotated_keys_keep_links_showable_while_listed(alice, app, private_image):
    link = await create_link(alice, f"/i/{private_image['id']}")
    page_path = f"/i/{private_image['id']}"
    app.share_keys = ShareKeys("a new key", old="test-share-key")
    assert link in text(await alice.get(page_path))
    app.share_keys = ShareKeys("a new key")
    page = text(await alice.get(page_path))
    assert link not in page and "cannot be shown again" in page
    assert (await alice.get(link)).code == 200  # the database still decides


async def test_the_form_offers_a_week_first(alice, private_image):
    page = text(await alice.get(f"/i/{private_image['id']}"))
    assert '<option value="604800" selected>7 days</option>' in page
