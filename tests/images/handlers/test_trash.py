"""The trash from the pages: deleting moves to it without asking, the message's Undo brings
things back without JavaScript, `/trash` lists, restores, deletes forever and empties (those
two ask first), what is in it is missing everywhere, its bytes count until purged, and gc
empties it when its time has come."""

import datetime
import html
import re

from app.db import images_bucket
from app.images.gc import sweep_deleted
from tests.api.conftest import Api, create_token
from tests.client import PASSWORD, text, upload_one
from tests.images.handlers.test_bulk import post_bulk
from tests.images.images import jpeg
from tests.images.reach import publish, reach, uniformly


def undo_action(page: str) -> str:
    """The path the flash's Undo button posts to."""
    found = re.search(r'<div class="flash[^>]*>.*?<form method="post" action="([^"]+)"', page,
                      re.S)
    assert found, page
    return html.unescape(found.group(1))


async def test_deleting_moves_to_the_trash_without_asking_and_undo_restores(alice, db, app,
                                                                            clock):
    def ticking() -> datetime.datetime:
        # A real clock moves while a request runs: Undo must name the deletion's own time.
        clock.advance(milliseconds=1)
        return clock.now
    app.clock = ticking
    image = await upload_one(alice, jpeg(), title="Oops")
    page = text(await alice.get(f"/i/{image['id']}"))
    assert "Move to trash" in page and "data-confirm=" not in page.split("delete-form")[1][:200]
    response = await alice.post(f"/i/{image['id']}/delete")
    assert (response.code, response.headers["Location"]) == (302, "/gallery")
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["trash_until"] - stored["deleted_at"] == datetime.timedelta(days=30)
    gallery = text(await alice.get("/gallery"))
    assert "Moved to the trash." in gallery and f'href="/i/{image["id"]}"' not in gallery
    assert (await alice.get(f"/i/{image['id']}")).code == 404
    undo = undo_action(gallery)
    assert undo.startswith("/trash/undo/") and undo.endswith(f"?return=%2Fi%2F{image['id']}")
    response = await alice.post(undo)
    assert (response.code, response.headers["Location"]) == (303, f"/i/{image['id']}")
    assert "Restored." in text(await alice.get(f"/i/{image['id']}"))
    assert await db.images.count_documents({"deleted_at": {"$ne": None}}) == 0
    # Once restored, the same Undo finds nothing, and it never redirects off the site.
    response = await alice.post(undo.split("?")[0] + "?return=//evil.example")
    assert response.headers["Location"] == "/gallery"
    assert "Nothing to restore" in text(await alice.get("/gallery"))


async def test_a_trashed_image_and_album_are_missing_everywhere_until_restored(
        alice, make_client, db):
    content = await publish(alice)
    bob = make_client()
    await bob.register("bob")
    bobs_script = Api(make_client(), (await create_token(bob))["token"])
    visitors = (bob, make_client())
    assert (await alice.post(f"/i/{content.image_id}/delete")).code == 302
    assert (await alice.post(f"/a/{content.album_id}/delete")).code == 302
    for visitor in visitors:
        seen = await reach(visitor, bobs_script, "alice", content)
        assert seen == {**uniformly(seen, 404, listed=False), "/u/alice": 200}
        profile = text(await visitor.get("/u/alice"))
        assert content.image_id not in profile and content.album_id not in profile
    for path in (f"/i/{content.image_id}", f"/i/{content.image_id}/original.jpg",
                 f"/a/{content.album_id}"):
        assert (await alice.get(path)).code == 404, path
    assert content.image_id not in text(await alice.get("/gallery"))
    assert content.album_id not in text(await alice.get("/albums"))
    assert await db.shares.count_documents({}) == 2  # kept for a restore

    for kind, item_id in (("images", content.image_id), ("albums", content.album_id)):
        assert (await bob.post(f"/trash/{kind}/{item_id}/restore")).code == 404
        response = await alice.post(f"/trash/{kind}/{item_id}/restore")
        assert (response.code, response.headers["Location"]) == (303, "/trash")
    for visitor in visitors:
        seen = await reach(visitor, bobs_script, "alice", content)
        assert seen == uniformly(seen, 200, listed=True)


async def test_the_trash_page_lists_restores_deletes_forever_and_empties(alice, make_client,
                                                                        db):
    first = await upload_one(alice, jpeg(color=(200, 0, 0)), title="First")
    second = await upload_one(alice, jpeg(color=(0, 200, 0)), filename="second.jpg")
    album = (await alice.post("/albums", {"title": "Old trip"})).headers["Location"]
    used = (await db.users.find_one({}))["used_bytes"]
    for path in (f"/i/{first['id']}", f"/i/{second['id']}", album):
        await alice.post(f"{path}/delete")
    page = text(await alice.get("/trash"))
    assert [name for name in ("Old trip", "second.jpg", "First") if name in page] == [
        "Old trip", "second.jpg", "First"]
    assert page.count("30 days left") == 3
    thumb = await alice.get(f"/trash/images/{first['id']}/thumb")
    assert thumb.code == 200 and thumb.headers["Cache-Control"] == "private, no-store"
    assert thumb.headers["Content-Type"] == "image/webp"
    bob = make_client()
    await bob.register("bob")
    assert (await bob.get(f"/trash/images/{first['id']}/thumb")).code == 404
    assert "The trash is empty." in text(await bob.get("/trash"))
    assert (await make_client().get("/trash")).code == 302  # sign in first
    # Trashed bytes still count against the quota.
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == used

    path = f"/trash/images/{first['id']}/delete"
    assert (await bob.post(path, {"confirm": "1"})).code == 404
    response = await alice.post(path)
    assert (response.code, response.headers["Location"]) == (303, path)
    assert "<h1>Delete this forever?</h1>" in text(await alice.get(path))
    assert (await alice.post(path, {"confirm": "1"})).code == 303
    assert await db.images.count_documents({"_id": first["id"]}) == 0
    assert await db["images.files"].count_documents({"metadata.image_id": first["id"]}) == 0
    assert (await alice.post(f"/trash/images/{first['id']}/restore")).code == 404

    response = await alice.post("/trash/empty")
    assert (response.code, response.headers["Location"]) == (303, "/trash/empty")
    assert "<h1>Empty the trash?</h1>" in text(await alice.get("/trash/empty"))
    assert await db.images.count_documents({}) == 1
    assert (await alice.post("/trash/empty", {"confirm": "1"})).code == 303
    assert "The trash is empty; 1 image deleted forever." in text(await alice.get("/trash"))
    for collection in ("images", "albums", "images.files", "images.chunks"):
        assert await db[collection].count_documents({}) == 0, collection
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == 0


async def test_bulk_delete_goes_to_the_trash_and_undo_brings_all_back(alice, db):
    ids = [(await upload_one(alice, jpeg(color=(i * 90, 5, 5))))["id"] for i in range(3)]
    response = await post_bulk(alice, [("action", "delete"), ("image_id", ids[0]),
                                       ("image_id", ids[1]), ("return", "/gallery?q=")])
    assert (response.code, response.headers["Location"]) == (303, "/gallery?q=")
    assert await db.images.count_documents({"trash_until": {"$ne": None}}) == 2
    page = text(await alice.get("/gallery"))
    assert "Moved 2 images to the trash." in page
    assert (await alice.post(undo_action(page))).headers["Location"] == "/gallery?q="
    assert await db.images.count_documents({"deleted_at": None}) == 3


async def test_gc_leaves_the_trash_until_its_time_then_purges_it(alice, db, clock, app):
    app.settings["trash_days"] = 2  # within a session's life
    image = await upload_one(alice, jpeg())
    await alice.post(f"/i/{image['id']}/delete")
    clock.advance(days=1, hours=23)
    assert "deleted forever within a day" in text(await alice.get("/trash"))
    assert await sweep_deleted(db, images_bucket(db), now=clock()) == 0
    clock.advance(hours=2)
    assert await sweep_deleted(db, images_bucket(db), now=clock()) == 1
    assert await db["images.files"].count_documents({}) == 0
    assert (await db.users.find_one({}))["used_bytes"] == 0
    assert (await alice.post(f"/trash/images/{image['id']}/restore")).code == 404


async def test_an_expired_item_cannot_be_restored_before_gc_runs(alice, db, clock, app):
    app.settings["trash_days"] = 1
    image = await upload_one(alice, jpeg())
    await alice.post(f"/i/{image['id']}/delete")
    clock.advance(days=1)
    assert (await alice.post(f"/trash/images/{image['id']}/restore")).code == 404
    assert "The trash is empty." in text(await alice.get("/trash"))


async def test_uploading_bytes_that_are_in_the_trash_makes_a_new_image(alice, db):
    data = jpeg(color=(3, 3, 200))
    image = await upload_one(alice, data)
    await alice.post(f"/i/{image['id']}/delete")
    again = await upload_one(alice, data)
    assert again["id"] != image["id"]
    assert await db.images.count_documents({}) == 1
    assert (await alice.get(f"/i/{again['id']}/thumb")).code == 200


async def test_an_admin_deletes_for_good_and_is_asked_first(alice, make_client, db):
    image = await upload_one(alice, jpeg(), visibility="public")
    admin = make_client()
    await admin.register("moderator")
    await db.users.update_one({"username": "moderator"}, {"$set": {"role": "admin"}})
    assert 'data-confirm="Delete this image?' in text(await admin.get(f"/i/{image['id']}"))
    assert (await admin.post(f"/i/{image['id']}/delete")).code == 303  # the question
    assert (await admin.post(f"/i/{image['id']}/delete", {"confirm": "1"})).code == 302
    assert await db.images.count_documents({}) == 0


async def test_deleting_the_account_purges_its_trash_at_once(alice, db):
    image = await upload_one(alice, jpeg())
    await alice.post(f"/i/{image['id']}/delete")
    response = await alice.post("/account/delete", {"password": PASSWORD})
    assert response.code == 302
    for collection in ("users", "images", "images.files", "images.chunks"):
        assert await db[collection].count_documents({}) == 0, collection
