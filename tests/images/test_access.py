"""Who sees what: the access matrix across every surface, and album/profile/feed listings."""

import re

import pytest

from app.images import pagination
from tests.admin.test_handlers import make_admin
from tests.api.conftest import Api, create_token
from tests.client import text, upload_one
from tests.images.images import jpeg
from tests.images.reach import publish, reach, uniformly

SURFACES_BY_VISIBILITY = {
    #            owner  other  anonymous
    "private": (True, False, False),
    "unlisted": (True, True, True),
    "public": (True, True, True),
}


def unmasked(response) -> str:
    """The page without its per-render XSRF mask."""
    return re.sub(r'name="_xsrf" value="[^"]*"', "", text(response))


@pytest.fixture
async def people(alice, make_client):
    bob = make_client()
    await bob.register("bob")
    await bob.get("/")  # shows (and so clears) the welcome message
    return {"owner": alice, "other": bob, "anonymous": make_client()}


async def make_album(owner, visibility: str, image_id: str) -> str:
    response = await owner.post("/albums", {"title": f"{visibility} album",
                                            "visibility": visibility})
    album_id = response.headers["Location"].rsplit("/", 1)[1]
    await owner.post("/albums/add", {"album_id": album_id, "image_id": image_id})
    return album_id


@pytest.mark.parametrize("visibility", ["private", "unlisted", "public"])
async def test_access_matrix(people, visibility):
    owner = people["owner"]
    image = await upload_one(owner, jpeg(color=(1, 2, 3)), title="matrix", visibility=visibility)
    image_id = image["id"]
    album_id = await make_album(owner, visibility, image_id)
    expected = dict(zip(("owner", "other", "anonymous"), SURFACES_BY_VISIBILITY[visibility],
                        strict=True))
    for who, browser in people.items():
        sees = expected[who]
        status = 200 if sees else 404
        page = await browser.get(f"/i/{image_id}")
        assert page.code == status, (who, "page")
        if not sees:  # exactly what a truly missing id gets
            assert unmasked(page) == unmasked(await browser.get("/i/" + "A" * 22))
        for variant in ("full.jpg", "large", "thumb", "thumb2x"):
            assert (await browser.get(f"/i/{image_id}/{variant}")).code == status, (who, variant)
        api = await browser.get(f"/api/v1/images/{image_id}")
        assert api.code == (401 if who == "anonymous" else status), (who, "api")
        original = await browser.get(f"/i/{image_id}/original.jpg")
        assert original.code == (200 if who == "owner" else 404), (who, "original")
        album = await browser.get(f"/a/{album_id}")
        assert album.code == status, (who, "album")
        if sees:
            assert f'href="/i/{image_id}"' in text(album), (who, "album lists image")
        listed = visibility == "public"
        profile = text(await browser.get("/u/alice"))
        assert (f'href="/i/{image_id}"' in profile) == listed, (who, "profile")
        assert (f'href="/a/{album_id}"' in profile) == listed, (who, "profile album")
        feed = text(await browser.get("/"))
        assert (f'href="/i/{image_id}"' in feed) == listed, (who, "feed")


@pytest.mark.parametrize(("album_visibility", "shown"), [
    ("public", {"public"}), ("unlisted", {"unlisted", "public"}), ("private", set())])
async def test_albums_show_visitors_only_what_they_may_see(people, album_visibility, shown):
    owner = people["owner"]
    images = {v: await upload_one(owner, jpeg(color=(i * 70, 9, 9)), visibility=v)
              for i, v in enumerate(("private", "unlisted", "public"))}
    album_id = await make_album(owner, album_visibility, images["private"]["id"])
    for image in images.values():
        await owner.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
    visitor = await people["anonymous"].get(f"/a/{album_id}")
    for visibility, image in images.items():
        assert (image["id"] in text(visitor)) == (visibility in shown), visibility
    owner_view = text(await owner.get(f"/a/{album_id}"))
    assert all(image["id"] in owner_view for image in images.values())


async def test_profile_of_unknown_user_is_404_and_empty_profile_is_200(people):
    assert (await people["anonymous"].get("/u/nobody")).code == 404
    assert (await people["anonymous"].get("/u/" + "x" * 300)).code == 404
    empty = await people["anonymous"].get("/u/BOB")
    assert empty.code == 200
    assert "has not shared anything publicly yet" in text(empty)


async def test_feed_is_keyset_paginated(alice, client, clock, monkeypatch):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    ids = []
    for i in range(3):
        clock.advance(seconds=1)
        image = await upload_one(alice, jpeg(color=(i * 100, 50, 50)), visibility="public")
        ids.append(image["id"])
    first = text(await client.get("/"))
    assert ids[2] in first and ids[1] in first and ids[0] not in first
    cursor = first.split('href="?after=', 1)[1].split('"', 1)[0]
    second = text(await client.get(f"/?after={cursor}"))
    assert ids[0] in second and ids[1] not in second


async def test_image_ids_are_random_and_unguessable(alice):
    first = await upload_one(alice, jpeg(color=(1, 1, 1)))
    second = await upload_one(alice, jpeg(color=(2, 2, 2)))
    assert len(first["id"]) == len(second["id"]) == 22
    assert first["id"][:8] != second["id"][:8]


async def test_a_disabled_accounts_content_is_missing_until_it_is_enabled(alice, make_client,
                                                                          db):
    root = await make_admin(make_client, db)
    content = await publish(alice)
    bob = make_client()
    await bob.register("bob")
    bobs_script = Api(make_client(), (await create_token(bob))["token"])
    kept = await upload_one(bob, jpeg(color=(9, 99, 9)), visibility="public")
    alice_id = (await db.users.find_one({"username": "alice"}))["_id"]
    visitors = (bob, make_client())
    for visitor in visitors:
        seen = await reach(visitor, bobs_script, "alice", content)
        assert seen == uniformly(seen, 200, listed=True)

    assert (await root.post(f"/admin/users/{alice_id}/disable")).code == 302
    for visitor in visitors:
        seen = await reach(visitor, bobs_script, "alice", content)
        assert seen == uniformly(seen, 404, listed=False)
    assert f'href="/i/{kept["id"]}"' in text(await visitors[1].get("/"))

    assert (await root.post(f"/admin/users/{alice_id}/enable")).code == 302
    for visitor in visitors:
        seen = await reach(visitor, bobs_script, "alice", content)
        assert seen == uniformly(seen, 200, listed=True)
