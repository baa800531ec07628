"""What an upload carries besides its bytes: alt text, the album it goes into, and whether
it was already in the gallery (`duplicate`)."""

from tests.client import json_body, text, upload, upload_one
from tests.images.handlers.test_albums import create_album
from tests.images.images import jpeg, png


async def test_the_answer_says_whether_the_image_was_already_there(alice, db):
    first = await upload_one(alice, jpeg())
    again = await upload_one(alice, jpeg())
    assert first["duplicate"] is False
    assert again["duplicate"] is True and again["id"] == first["id"]
    assert await db.images.count_documents({}) == 1


async def test_alt_text_is_stored_and_shown_in_img_alt(alice, db):
    image = await upload_one(alice, jpeg(), title="Harbour", alt="Boats moored at dusk")
    assert image["alt"] == "Boats moored at dusk"
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["alt"] == "Boats moored at dusk"
    assert 'alt="Boats moored at dusk"' in text(await alice.get("/gallery"))
    assert 'alt="Boats moored at dusk"' in text(await alice.get(f"/i/{image['id']}"))


async def test_img_alt_falls_back_to_the_title(alice, db):
    image = await upload_one(alice, jpeg(), title="Harbour")
    assert image["alt"] == ""
    assert 'alt="Harbour"' in text(await alice.get("/gallery"))


async def test_old_images_without_alt_or_color_still_render(alice, db):
    image = await upload_one(alice, jpeg(), title="Old")
    await db.images.update_one({"_id": image["id"]}, {"$unset": {"alt": "", "color": ""}})
    gallery = text(await alice.get("/gallery"))
    assert 'alt="Old"' in gallery and 'data-color=""' in gallery
    assert (await alice.get(f"/i/{image['id']}")).code == 200


async def test_too_long_alt_text_is_400_and_stores_nothing(alice, db):
    response = await upload(alice, [("a.jpg", jpeg())], {"alt": "x" * 301})
    assert response.code == 400
    assert "Alt text must be at most 300" in json_body(response)["error"]["message"]
    assert await db.images.count_documents({}) == 0


async def test_alt_text_is_editable_on_the_image_page(alice, db):
    image = await upload_one(alice, jpeg())
    response = await alice.post(f"/i/{image['id']}/edit", {"alt": "  A red square  "})
    assert response.code == 302
    assert (await db.images.find_one({"_id": image["id"]}))["alt"] == "A red square"
    page = text(await alice.get(f"/i/{image['id']}"))
    assert 'name="alt"' in page and 'value="A red square"' in page


async def test_web_upload_goes_into_the_chosen_album(alice, db):
    album_id = await create_album(alice)
    image = await upload_one(alice, jpeg(), album=album_id)
    assert image["album_ids"] == [album_id]
    assert (await db.images.find_one({"_id": image["id"]}))["album_ids"] == [album_id]
    # The plain form too; and a duplicate joins the album without a second copy.
    response = await upload(alice, [("b.png", png()), ("a.jpg", jpeg())], {"album": album_id},
                            as_json=False)
    assert response.code == 302 and response.headers["Location"] == "/gallery"
    assert await db.images.count_documents({"album_ids": [album_id]}) == 2
    assert 'value="' + album_id + '"' in text(await alice.get("/upload"))


async def test_upload_into_an_album_not_mine_is_refused_and_stores_nothing(alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    album_id = await create_album(bob, visibility="public")
    response = await upload(alice, [("a.jpg", jpeg())], {"album": album_id})
    assert response.code == 403
    response = await upload(alice, [("a.jpg", jpeg())], {"album": "A" * 22})
    assert response.code == 404
    assert await db.images.count_documents({}) == 0


async def test_the_average_colour_is_stored_and_painted_behind_thumbnails(alice, db):
    image = await upload_one(alice, png((40, 120, 200, 255)), title="Blue")
    color = (await db.images.find_one({"_id": image["id"]}))["color"]
    assert color == "#2878c8"
    assert f'data-color="{color}"' in text(await alice.get("/gallery"))
