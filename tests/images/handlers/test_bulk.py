"""`/images/bulk`: the gallery's selection deleted, made public or private, put in and taken
out of albums, every image checked before anything changes."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from app.images import bulk
from tests.client import text, upload_one
from tests.images.images import jpeg


async def post_bulk(client, fields: list[tuple[str, str]]):
    """POST a form with repeated fields, as the gallery's form sends it."""
    body = urlencode([("_xsrf", await client.xsrf_token()), *fields])
    return await client.request("POST", "/images/bulk", body=body,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})


async def three(owner) -> list[str]:
    return [(await upload_one(owner, jpeg(color=(i * 70, 10, 10)), title=f"n{i}"))["id"]
            for i in range(3)]


async def visibilities(db, ids) -> list[str]:
    return [(await db.images.find_one({"_id": i}))["visibility"] for i in ids]


async def test_three_made_public_at_once(alice, db):
    ids = await three(alice)
    response = await post_bulk(alice, [("action", "visibility"), ("visibility", "public"),
                                       ("return", "/gallery?sort=title"),
                                       *[("image_id", i) for i in ids]])
    assert response.code == 303
    assert response.headers["Location"] == "/gallery?sort=title"
    assert await visibilities(db, ids) == ["public"] * 3
    assert "Made 3 images public." in text(await alice.get("/gallery"))


async def test_delete_without_trash_asks_then_deletes_every_file(alice, db, app):
    app.settings["trash_days"] = 0  # deleting is for good, so it asks first
    ids = await three(alice)
    keep = await upload_one(alice, jpeg(color=(0, 0, 200)))
    fields = [("action", "delete"), *[("image_id", i) for i in ids[:2]], ("return", "/gallery")]
    response = await post_bulk(alice, fields)
    assert response.code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/images/bulk"
    assert parse_qsl(location.query) == fields
    assert await db.images.count_documents({}) == 4
    page = text(await alice.get(response.headers["Location"]))
    assert "<h1>Delete 2 images?</h1>" in page
    assert 'alt="n0"' in page and 'alt="n1"' in page and 'alt="n2"' not in page
    assert page.count('<input type="hidden" name="image_id"') == 2
    response = await post_bulk(alice, [*fields, ("confirm", "1")])
    assert response.headers["Location"] == "/gallery"
    assert sorted([d["_id"] async for d in db.images.find()]) == sorted([ids[2], keep["id"]])
    assert await db["images.files"].count_documents({"metadata.image_id": {"$in": ids[:2]}}) == 0
    assert "Deleted 2 images." in text(await alice.get("/gallery"))


async def test_albums_gain_and_lose_the_selection(alice, db):
    ids = await three(alice)
    response = await alice.post("/albums", {"title": "Trip"})
    album_id = response.headers["Location"].rsplit("/", 1)[1]
    await post_bulk(alice, [("action", "album_add"), ("album_id", album_id),
                            *[("image_id", i) for i in ids]])
    assert await db.images.count_documents({"album_ids": album_id}) == 3
    assert (await db.albums.find_one({"_id": album_id}))["cover"] == ids[0]
    await post_bulk(alice, [("action", "album_remove"), ("album_id", album_id),
                            ("image_id", ids[0]), ("image_id", ids[1])])
    assert [d["_id"] async for d in db.images.find({"album_ids": album_id})] == [ids[2]]
    assert (await db.albums.find_one({"_id": album_id}))["cover"] is None


@pytest.mark.parametrize(("action", "status"), [("visibility", 404), ("delete", 404),
                                                ("album_add", 404)])
async def test_one_image_not_mine_changes_nothing(alice, make_client, db, action, status):
    ids = await three(alice)
    bob = make_client()
    await bob.register("bob")
    bobs = await upload_one(bob, jpeg(color=(1, 1, 1)))
    response = await alice.post("/albums", {"title": "Mine"})
    album_id = response.headers["Location"].rsplit("/", 1)[1]
    fields = [("action", action), ("visibility", "public"), ("album_id", album_id),
              ("confirm", "1"), *[("image_id", i) for i in [*ids, bobs["id"]]]]
    assert (await post_bulk(alice, fields)).code == status
    assert await db.images.count_documents({}) == 4
    assert await visibilities(db, ids) == ["private"] * 3
    assert await db.images.count_documents({"album_ids": album_id}) == 0


async def test_someone_elses_public_image_is_403(alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    bobs = await upload_one(bob, jpeg(), visibility="public")
    mine = await upload_one(alice, jpeg(color=(0, 50, 0)))
    response = await post_bulk(alice, [("action", "visibility"), ("visibility", "private"),
                                       ("image_id", mine["id"]), ("image_id", bobs["id"])])
    assert response.code == 403
    assert await visibilities(db, [bobs["id"], mine["id"]]) == ["public", "private"]


async def test_someone_elses_album_is_refused(alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    response = await bob.post("/albums", {"title": "Bob's", "visibility": "public"})
    album_id = response.headers["Location"].rsplit("/", 1)[1]
    mine = await upload_one(alice, jpeg())
    response = await post_bulk(alice, [("action", "album_add"), ("album_id", album_id),
                                       ("image_id", mine["id"])])
    assert response.code == 403
    assert await db.images.count_documents({"album_ids": album_id}) == 0


@pytest.mark.parametrize("fields", [
    [("action", "rotate")],
    [("action", "visibility"), ("visibility", "world")],
    [("action", "visibility"), ("visibility", "public"), ("image_id", "")],
    [("action", "album_add"), ("album_id", "")],
])
async def test_bad_requests_change_nothing(alice, db, fields):
    image = await upload_one(alice, jpeg())
    has_id = any(name == "image_id" for name, _ in fields)
    response = await post_bulk(alice, [*fields, *([] if has_id else [("image_id", image["id"])])])
    assert response.code in (400, 404)
    assert await visibilities(db, [image["id"]]) == ["private"]


async def test_selection_is_bounded(alice, db, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_IMAGES", 2)
    ids = await three(alice)
    response = await post_bulk(alice, [("action", "visibility"), ("visibility", "public"),
                                       *[("image_id", i) for i in ids]])
    assert response.code == 400
    assert "between 1 and 2 images" in text(response)
    assert (await post_bulk(alice, [("action", "visibility"), ("visibility", "public")])
            ).code == 400
    assert await visibilities(db, ids) == ["private"] * 3


async def test_only_deleting_has_a_confirmation_page(alice):
    image = await upload_one(alice, jpeg())
    response = await alice.get(f"/images/bulk?action=visibility&visibility=public"
                               f"&image_id={image['id']}")
    assert response.code == 400


async def test_needs_sign_in_and_xsrf(alice, client, db):
    image = await upload_one(alice, jpeg())
    fields = {"action": "visibility", "visibility": "public", "image_id": image["id"]}
    assert (await alice.post("/images/bulk", fields, xsrf=False)).code == 403
    assert (await client.post("/images/bulk", fields)).code == 403  # signed out
    assert await visibilities(db, [image["id"]]) == ["private"]
