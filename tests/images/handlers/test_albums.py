"""Albums: create, edit, add/remove from gallery and image page, covers, delete, paging."""

import pytest

from app.images import pagination
from tests.client import text, upload_one
from tests.images.images import jpeg


async def create_album(owner, title="Holiday", visibility="private") -> str:
    response = await owner.post("/albums", {"title": title, "visibility": visibility,
                                            "description": "Summer"})
    assert response.code == 302, response.body
    return response.headers["Location"].rsplit("/", 1)[1]


async def test_create_and_list(alice, db):
    album_id = await create_album(alice)
    album = await db.albums.find_one({"_id": album_id})
    assert (album["title"], album["description"], album["visibility"]) == (
        "Holiday", "Summer", "private")
    assert "Holiday" in text(await alice.get("/albums"))
    assert (await alice.get(f"/a/{album_id}")).code == 200


@pytest.mark.parametrize("form", [{"title": ""}, {"title": "x" * 201},
                                  {"title": "ok", "visibility": "friends"}])
async def test_invalid_album_is_400(alice, db, form):
    assert (await alice.post("/albums", form)).code == 400
    assert await db.albums.count_documents({}) == 0


async def test_add_from_gallery_selection_and_image_page(alice, db):
    album_id = await create_album(alice)
    first, second, third = [await upload_one(alice, jpeg(color=(i * 80, 0, 0)))
                            for i in range(3)]
    gallery = text(await alice.get("/gallery"))
    assert 'name="image_id"' in gallery and 'action="/images/bulk"' in gallery
    assert f'<option value="{album_id}">Holiday</option>' in gallery
    response = await alice.request(
        "POST", "/albums/add", headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"_xsrf={await alice.xsrf_token()}&album_id={album_id}&image_id={first['id']}"
             f"&image_id={second['id']}&return=/gallery")
    assert response.headers["Location"] == "/gallery"
    await alice.post("/albums/add", {"album_id": album_id, "image_id": third["id"]})
    for image in (first, second, third):
        assert (await db.images.find_one({"_id": image["id"]}))["album_ids"] == [album_id]
    page = text(await alice.get(f"/a/{album_id}"))
    assert all(f'href="/i/{i["id"]}"' in page for i in (first, second, third))
    assert (await db.albums.find_one({"_id": album_id}))["cover"] == first["id"]


async def test_image_in_several_albums_and_removal(alice, db):
    one, two = await create_album(alice, "One"), await create_album(alice, "Two")
    image = await upload_one(alice, jpeg())
    for album_id in (one, two):
        await alice.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
    assert sorted((await db.images.find_one({}))["album_ids"]) == sorted([one, two])
    page = text(await alice.get(f"/i/{image['id']}"))
    assert f'/a/{one}/images/{image["id"]}/remove' in page
    await alice.post(f"/a/{one}/images/{image['id']}/remove")
    assert (await db.images.find_one({}))["album_ids"] == [two]
    assert (await db.albums.find_one({"_id": one}))["cover"] is None


async def test_edit_album_and_cover_must_be_in_album(alice, db):
    album_id = await create_album(alice)
    inside = await upload_one(alice, jpeg(color=(10, 10, 10)))
    outside = await upload_one(alice, jpeg(color=(200, 200, 200)))
    await alice.post("/albums/add", {"album_id": album_id, "image_id": inside["id"]})
    assert (await alice.post(f"/a/{album_id}/edit", {"cover": outside["id"]})).code == 400
    response = await alice.post(f"/a/{album_id}/edit", {
        "title": "Renamed", "description": "New", "visibility": "unlisted",
        "cover": inside["id"]})
    assert response.code == 302
    album = await db.albums.find_one({"_id": album_id})
    assert (album["title"], album["visibility"], album["cover"]) == (
        "Renamed", "unlisted", inside["id"])


async def test_delete_album_without_trash_keeps_images_and_kills_links(alice, db, app):
    app.settings["trash_days"] = 0  # deleting is for good, so it asks first
    album_id = await create_album(alice)
    image = await upload_one(alice, jpeg())
    await alice.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
    await alice.post(f"/a/{album_id}/shares", {"expires_in": ""})
    assert await db.shares.count_documents({}) == 1
    response = await alice.post(f"/a/{album_id}/delete", {"confirm": "1"})
    assert response.headers["Location"] == "/albums"
    assert await db.albums.count_documents({}) == 0
    assert (await db.images.find_one({}))["album_ids"] == []
    assert await db.shares.count_documents({}) == 0
    assert (await alice.get(f"/i/{image['id']}")).code == 200


async def test_others_cannot_touch_my_albums(alice, make_client, db):
    album_id = await create_album(alice, visibility="public")
    mine = await upload_one(alice, jpeg())
    bob = make_client()
    await bob.register("bob")
    bobs = await upload_one(bob, jpeg(color=(0, 0, 90)))
    assert (await bob.post(f"/a/{album_id}/edit", {"title": "x"})).code == 403
    assert (await bob.post(f"/a/{album_id}/delete")).code == 403
    assert (await bob.post("/albums/add", {"album_id": album_id,
                                           "image_id": bobs["id"]})).code == 403
    # My album cannot take someone else's image, even one I can see.
    await bob.post(f"/i/{bobs['id']}/edit", {"visibility": "public"})
    assert (await alice.post("/albums/add", {"album_id": album_id,
                                             "image_id": bobs["id"]})).code == 403
    assert (await db.images.find_one({"_id": bobs["id"]}))["album_ids"] == []
    assert (await alice.post("/albums/add", {"album_id": album_id, "image_id": mine["id"]})
            ).code == 302


async def test_album_pages_paginate(alice, clock, monkeypatch):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    album_id = await create_album(alice)
    ids = []
    for i in range(3):
        clock.advance(seconds=1)
        image = await upload_one(alice, jpeg(color=(i * 90, 20, 20)))
        await alice.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
        ids.append(image["id"])
    first = text(await alice.get(f"/a/{album_id}"))
    assert ids[2] in first and ids[1] in first
    assert f'href="/i/{ids[0]}"' not in first
    cursor = first.split('href="?after=', 1)[1].split('"', 1)[0]
    assert f'href="/i/{ids[0]}"' in text(await alice.get(f"/a/{album_id}?after={cursor}"))


async def test_delete_album_without_trash_asks_first_without_javascript(alice, db, app):
    app.settings["trash_days"] = 0  # deleting is for good, so it asks first
    album_id = await create_album(alice, title="Summer")
    assert 'data-confirm="Delete the album Summer?' in text(await alice.get(f"/a/{album_id}"))
    response = await alice.post(f"/a/{album_id}/delete")
    assert response.code == 303
    assert await db.albums.count_documents({}) == 1
    page = text(await alice.get(response.headers["Location"]))
    assert "<h1>Delete the album Summer?</h1>" in page
    assert f'href="/a/{album_id}">Cancel</a>' in page


@pytest.mark.parametrize(("album_visibility", "note"), [
    ("public", "Visitors see 1 of 3 images: the private and unlisted ones need a share link."),
    ("unlisted", "Visitors see 2 of 3 images: the private ones need a share link."),
    ("private", "Only you see this album; a share link opens it with 3 images."),
])
async def test_owner_sees_what_visitors_see(alice, client, album_visibility, note):
    album_id = await create_album(alice, visibility=album_visibility)
    for visibility in ("private", "unlisted", "public"):
        image = await upload_one(alice, jpeg(color=(len(visibility) * 20, 0, 0)),
                                 visibility=visibility)
        await alice.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
    page = text(await alice.get(f"/a/{album_id}"))
    assert note in page
    assert '<span class="badge">private</span>' in page
    assert '<span class="badge">unlisted</span>' in page
    if album_visibility != "private":
        visitor = text(await client.get(f"/a/{album_id}"))
        assert "Visitors see" not in visitor and 'class="badge"' not in visitor


async def test_cover_and_removal_from_the_album_page(alice, client, db):
    album_id = await create_album(alice, visibility="public")
    first, second = [await upload_one(alice, jpeg(color=(i * 90, 0, 0)), visibility="public")
                     for i in range(2)]
    for image in (first, second):
        await alice.post("/albums/add", {"album_id": album_id, "image_id": image["id"]})
    page = text(await alice.get(f"/a/{album_id}"))
    assert page.count('<span class="badge">cover</span>') == 1
    assert f'name="cover" value="{second["id"]}"' in page
    assert f'name="cover" value="{first["id"]}"' not in page  # already the cover
    assert f'action="/a/{album_id}/images/{first["id"]}/remove"' in page
    visitor = text(await client.get(f"/a/{album_id}"))
    assert "/remove" not in visitor and 'name="cover"' not in visitor
    await alice.post(f"/a/{album_id}/edit", {"cover": second["id"]})
    assert (await db.albums.find_one({}))["cover"] == second["id"]
    await alice.post(f"/a/{album_id}/images/{second['id']}/remove")
    assert (await db.images.find_one({"_id": second["id"]}))["album_ids"] == []
