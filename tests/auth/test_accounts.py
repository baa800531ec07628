"""Deleting an account: hidden first, purged after, so an interruption leaves nothing of it
reachable, and `gc` (or deleting it again) finishes the job."""

import pytest
from pymongo.errors import AutoReconnect

from app.db import images_bucket, utcnow
from app.images import gc, store
from tests.admin.test_handlers import make_admin
from tests.api.conftest import Api, create_token
from tests.client import PASSWORD, text, upload_one
from tests.images.images import jpeg
from tests.images.reach import publish, reach, uniformly

OWNED = (("images", "owner_id"), ("albums", "owner_id"), ("shares", "owner_id"),
         ("sessions", "user_id"), ("api_tokens", "user_id"), ("images.files", "metadata.owner_id"))


@pytest.fixture
async def scene(alice, make_client, db):
    """Alice's published content, her script, and bob (another user) with his script."""
    content = await publish(alice)
    alices_script = Api(make_client(), (await create_token(alice))["token"])
    bob = make_client()
    await bob.register("bob")
    bobs_script = Api(make_client(), (await create_token(bob))["token"])
    kept = await upload_one(bob, jpeg(color=(9, 99, 9)), visibility="public")
    alice_id = (await db.users.find_one({"username": "alice"}))["_id"]
    return content, alices_script, bob, bobs_script, kept, alice_id


def interrupt_the_purge(monkeypatch) -> None:
    """The database goes away once the purge has begun: the first image purge fails."""
    async def fail(*args, **kwargs):
        raise AutoReconnect("connection lost")
    monkeypatch.setattr(store, "purge_image", fail)


async def assert_nothing_reachable(visitors, script: Api, content, alices_script: Api):
    for visitor in visitors:
        seen = await reach(visitor, script, "alice", content)
        assert seen == uniformly(seen, 404, listed=False)
    assert (await alices_script.get("/api/v1/me")).code == 401


async def assert_nothing_left(db, alice_id: str, kept: dict):
    assert await db.users.count_documents({"_id": alice_id}) == 0
    for collection, field in OWNED:
        assert await db[collection].count_documents({field: alice_id}) == 0, collection
    files = [entry["_id"] async for entry in db["images.files"].find({}, {"_id": 1})]
    assert await db["images.chunks"].count_documents({"files_id": {"$nin": files}}) == 0
    assert await db.images.count_documents({}) == 1
    assert (await db.images.find_one({}))["_id"] == kept["id"]


async def test_an_interrupted_deletion_hides_everything_and_gc_finishes_it(
        scene, alice, make_client, db, monkeypatch):
    content, alices_script, bob, bobs_script, kept, alice_id = scene
    interrupt_the_purge(monkeypatch)
    response = await alice.post("/account/delete", {"password": PASSWORD})
    assert response.code == 503
    anonymous = make_client()
    await assert_nothing_reachable((bob, anonymous), bobs_script, content, alices_script)
    assert (await alice.get("/gallery")).code == 302  # signed out
    assert (await make_client().login("alice")).code == 400
    assert (await anonymous.get(f"/i/{kept['id']}")).code == 200

    monkeypatch.undo()
    assert await gc.sweep_ownerless(db, images_bucket(db), now=utcnow()) == 1
    await assert_nothing_left(db, alice_id, kept)
    await assert_nothing_reachable((bob, anonymous), bobs_script, content, alices_script)
    assert (await bob.get(f"/i/{kept['id']}")).code == 200


async def test_an_admin_deleting_again_finishes_an_interrupted_deletion(
        scene, make_client, db, monkeypatch):
    content, alices_script, bob, bobs_script, kept, alice_id = scene
    root = await make_admin(make_client, db)
    interrupt_the_purge(monkeypatch)
    assert (await root.post(f"/admin/users/{alice_id}/delete")).code == 503
    await assert_nothing_reachable((bob, make_client()), bobs_script, content, alices_script)
    assert "deletion unfinished" in text(await root.get("/admin"))

    monkeypatch.undo()
    assert (await root.post(f"/admin/users/{alice_id}/delete")).code == 302
    await assert_nothing_left(db, alice_id, kept)
