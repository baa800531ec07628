"""`manage.py gc`: orphaned GridFS files go, live and recent ones stay."""

import datetime

from bson import ObjectId
from pymongo.errors import AutoReconnect

from app.db import images_bucket, utcnow
from app.images import albums, store
from app.images.gc import sweep_deleted, sweep_orphans, sweep_ownerless
from tests.client import text, upload_one
from tests.images.images import jpeg


async def test_sweep_deletes_only_old_orphans(alice, db):
    await upload_one(alice, jpeg())
    live_files = await db["images.files"].count_documents({})
    bucket = images_bucket(db)
    old = await bucket.upload_from_stream("orphan/full", b"x" * 1000,
                                          metadata={"image_id": "gone-image"})
    await bucket.upload_from_stream("no-metadata", b"y" * 10)
    now = datetime.datetime.now(datetime.UTC)
    # Nothing is old enough yet: an upload may still be writing its document.
    assert await sweep_orphans(db, bucket, now=now, grace=datetime.timedelta(hours=1)) == 0
    later = now + datetime.timedelta(hours=2)
    assert await sweep_orphans(db, bucket, now=later, grace=datetime.timedelta(hours=1)) == 2
    assert await db["images.files"].count_documents({}) == live_files
    assert await db["images.files"].count_documents({"_id": old}) == 0
    assert await db["images.chunks"].count_documents({"files_id": old}) == 0


async def test_sweep_purges_what_a_deleted_account_left(alice, db, client, make_client):
    bob = make_client()
    await bob.register("bob")
    kept = await upload_one(bob, jpeg(color=(0, 90, 0)), visibility="public")
    image = await upload_one(alice, jpeg(), visibility="public")
    await alice.post(f"/i/{image['id']}/shares", {})
    await alice.post("/albums", {"title": "Left behind"})
    await db.users.delete_one({"username": "alice"})  # an account deletion cut short here
    bucket = images_bucket(db)
    assert await sweep_ownerless(db, bucket, now=utcnow()) == 1
    assert (await client.get(f"/i/{image['id']}")).code == 404
    assert await db.images.count_documents({}) == 1
    assert await db.albums.count_documents({}) == 0
    assert await db.shares.count_documents({}) == 0
    assert (await client.get(f"/i/{kept['id']}")).code == 200


async def test_sweep_finishes_an_interrupted_image_and_album_deletion(alice, client, db,
                                                                      monkeypatch, app, clock):
    app.settings["trash_days"] = 0  # deleting purges at once, and that is interrupted
    image = await upload_one(alice, jpeg(), visibility="public")
    await alice.post(f"/i/{image['id']}/shares", {})
    album = (await alice.post("/albums", {"title": "Gone", "visibility": "public"})
             ).headers["Location"]
    await alice.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                     "image_id": image["id"]})
    used = (await db.users.find_one({}))["used_bytes"]

    async def fail(*args, **kwargs):
        raise AutoReconnect("connection lost")
    monkeypatch.setattr(store, "delete_files", fail)
    monkeypatch.setattr(albums, "purge_album", fail)
    assert (await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})).code == 503
    assert (await alice.post(f"{album}/delete", {"confirm": "1"})).code == 503
    for path in (f"/i/{image['id']}", f"/i/{image['id']}/thumb", album):
        assert (await client.get(path)).code == 404, path
        assert (await alice.get(path)).code == 404, path
    assert "Gone" not in text(await alice.get("/albums"))
    assert image["id"] not in text(await alice.get("/gallery"))

    monkeypatch.undo()
    assert await sweep_deleted(db, images_bucket(db), now=clock()) == 1
    for collection in ("images", "albums", "shares", "images.files", "images.chunks"):
        assert await db[collection].count_documents({}) == 0, collection
    assert (await db.users.find_one({}))["used_bytes"] == 0 < used
    assert await sweep_deleted(db, images_bucket(db), now=clock()) == 0  # nothing left to finish


async def test_uploading_the_bytes_of_an_interrupted_deletion_again_makes_a_new_image(
        alice, client, db, monkeypatch, app):
    app.settings["trash_days"] = 0
    data = jpeg(color=(1, 200, 1))
    image = await upload_one(alice, data, visibility="public")

    async def fail(*args, **kwargs):
        raise AutoReconnect("connection lost")
    monkeypatch.setattr(store, "delete_files", fail)
    assert (await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})).code == 503
    monkeypatch.undo()
    again = await upload_one(alice, data, visibility="public")
    assert again["id"] != image["id"]
    assert (await client.get(f"/i/{again['id']}/thumb")).code == 200
    assert await db.images.count_documents({}) == 1


async def test_sweep_deletes_the_chunks_of_a_file_whose_write_never_finished(alice, db):
    await upload_one(alice, jpeg())
    live_chunks = await db["images.chunks"].count_documents({})
    bucket = images_bucket(db)
    # What a crash mid-upload leaves: GridFS inserts a file's chunks in batches and its
    # files document last, so chunks without a files document.
    file_id = ObjectId()
    await db["images.chunks"].insert_many(
        [{"files_id": file_id, "n": n, "data": b"GPS 51.5N 0.12W " * 16_000} for n in (0, 1)])
    now = datetime.datetime.now(datetime.UTC)
    # Within the grace period the upload may still be writing: its chunks stay.
    assert await sweep_orphans(db, bucket, now=now, grace=datetime.timedelta(hours=1)) == 0
    assert await db["images.chunks"].count_documents({"files_id": file_id}) == 2
    later = now + datetime.timedelta(hours=2)
    assert await sweep_orphans(db, bucket, now=later, grace=datetime.timedelta(hours=1)) == 1
    assert await db["images.chunks"].count_documents({"files_id": file_id}) == 0
    assert await db["images.chunks"].count_documents({}) == live_chunks


async def test_sweep_deletes_a_file_its_image_no_longer_lists(alice, db):
    """What an interrupted `0006-full-views` leaves: `full` made a view over the original,
    its old file not yet deleted."""
    image = await upload_one(alice, jpeg())
    bucket = images_bucket(db)
    stale = await bucket.upload_from_stream("full", b"z" * 100,
                                            metadata={"image_id": image["id"]})
    live_files = await db["images.files"].count_documents({})
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    assert await sweep_orphans(db, bucket, now=later, grace=datetime.timedelta(hours=1)) == 1
    assert await db["images.files"].count_documents({"_id": stale}) == 0
    assert await db["images.files"].count_documents({}) == live_files - 1
    assert (await alice.get(f"/i/{image['id']}/full")).code == 200
