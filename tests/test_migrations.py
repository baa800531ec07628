"""Migrations: each step on documents of the shape before it, applied twice; the record of
applied steps; and `migrate` applying only what is pending."""

import datetime
import io

from bson import ObjectId
from PIL import Image

from app import migrations
from app.db import images_bucket, utcnow
from app.ids import new_id
from app.images import terms
from app.images.processing.pixels import perceptual_hash

STEP_TESTS = {}


def step_test(name: str):
    """Register the test of step `name` (every step must have one)."""
    def register(function):
        STEP_TESTS[name] = function
        return function
    return register


def old_user(disabled: bool) -> dict:
    name = new_id()
    return {"_id": new_id(), "username": name, "username_key": name.casefold(), "role": "user",
            "disabled": disabled}


@step_test("0001-hide-disabled-accounts")
async def check_hide_disabled_accounts(db, step) -> None:
    disabled, active = old_user(True), old_user(False)
    await db.users.insert_many([disabled, active])
    for owner in (disabled, active):
        await db.images.insert_one({"_id": new_id(), "owner_id": owner["_id"],
                                    "visibility": "public"})
        await db.albums.insert_one({"_id": new_id(), "owner_id": owner["_id"],
                                    "visibility": "public"})
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        for collection in (db.images, db.albums):
            hidden = {doc["owner_id"]: doc.get("owner_hidden")
                      async for doc in collection.find({})}
            assert hidden == {disabled["_id"]: True, active["_id"]: None}


@step_test("0002-image-search-terms")
async def check_image_search_terms(db, step) -> None:
    owner = old_user(False)
    old = {"_id": new_id(), "owner_id": owner["_id"], "sha256": "a", "visibility": "private",
           "title": "Café au lait", "description": "", "filename": "IMG_0042.JPG"}
    untitled = {"_id": new_id(), "owner_id": owner["_id"], "sha256": "b",
                "visibility": "public", "title": "", "description": "Harbour"}  # no file name
    current = {"_id": new_id(), "owner_id": owner["_id"], "sha256": "c",
               "visibility": "public", "title": "Edited since", "description": "",
               "filename": "x.png", "terms": ["edited", "since", "x", "png"]}
    await db.images.insert_many([old, untitled, current])
    for _ in range(2):
        await step.apply(db)
        stored = {doc["_id"]: doc["terms"] async for doc in db.images.find({})}
        assert stored == {old["_id"]: terms.image_terms(old),
                          untitled["_id"]: terms.image_terms(untitled),
                          current["_id"]: current["terms"]}
        assert {"cafe", "lait", "img", "0042", "harbour"} <= {
            *stored[old["_id"]], *stored[untitled["_id"]]}


async def check_thumbnail_backfill(db, step, field: str, picture: Image.Image,
                                   expected: str, kept: str) -> None:
    """A step setting `field` of old images from their stored thumbnail (`picture`, which
    gives `expected`): "" without a thumbnail, nothing when the thumbnail is gone, and a
    value already there (`kept`) stays."""
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", lossless=True)
    thumb_id = await images_bucket(db).upload_from_stream("thumb", buffer.getvalue())
    before = {"files": {"thumb_webp": {"id": thumb_id}}}
    no_thumbnail = {"files": {}}
    gone = {"files": {"thumb_webp": {"id": ObjectId()}}}
    has_one = {"files": {}, field: kept}
    for image in (before, no_thumbnail, gone, has_one):
        image.update(_id=new_id(), owner_id="someone", sha256=new_id())
    await db.images.insert_many([before, no_thumbnail, gone, has_one])
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        found = {doc["_id"]: doc.get(field) async for doc in db.images.find({})}
        assert found == {before["_id"]: expected, no_thumbnail["_id"]: "",
                         gone["_id"]: None, has_one["_id"]: kept}


@step_test("0003-backfill-image-colors")
async def check_backfill_image_colors(db, step) -> None:
    await check_thumbnail_backfill(db, step, "color", Image.new("RGB", (320, 240), (40, 120, 200)),
                                   "#2878c8", "#ffffff")


@step_test("0004-token-scopes")
async def check_token_scopes(db, step) -> None:
    created = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    old = {"_id": "a" * 64, "user_id": "someone", "name": "script", "created": created,
           "last_used": None, "purpose": None}
    scoped = {**old, "_id": "b" * 64, "scope": "upload", "expires": created}
    await db.api_tokens.insert_many([old, scoped])
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        found = {doc["_id"]: (doc["scope"], doc["expires"])
                 async for doc in db.api_tokens.find({})}
        assert found == {old["_id"]: ("full", None), scoped["_id"]: ("upload", created)}


@step_test("0005-image-digests")
async def check_image_digests(db, step) -> None:
    await db.images.create_index([("owner_id", 1), ("sha256", 1)], unique=True)
    first, second = (dict(_id=new_id(), owner_id="someone", sha256=digest)
                     for digest in ("aa", "bb"))
    others = dict(_id=new_id(), owner_id="another", sha256="aa")  # same bytes, other owner
    await db.images.insert_many([first, second, others])
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        held = {doc["_id"]: doc["image_id"] async for doc in db.image_digests.find({})}
        assert held == {"someone:aa": first["_id"], "someone:bb": second["_id"],
                        "another:aa": others["_id"]}
        assert "owner_id_1_sha256_1" not in await db.images.index_information()


@step_test("0006-admin-listings")
async def check_admin_listings(db, step) -> None:
    old = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    active, idle = ({**old_user(False), "created": old} for _ in range(2))
    current = {**old_user(False), "created": old, "last_sign_in": old + datetime.timedelta(9)}
    await db.users.insert_many([active, idle, current])
    await db.sessions.insert_many([
        {"_id": new_id(), "user_id": active["_id"], "created": old + datetime.timedelta(1)},
        {"_id": new_id(), "user_id": active["_id"], "created": old + datetime.timedelta(3)}])
    await db.audit.create_index([("action", 1), ("at", -1)])
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        found = {doc["_id"]: doc["last_sign_in"] async for doc in db.users.find({})}
        assert found == {active["_id"]: old + datetime.timedelta(3), idle["_id"]: old,
                         current["_id"]: current["last_sign_in"]}
        assert "action_1_at_-1" not in await db.audit.index_information()


@step_test("0007-image-phashes")
async def check_image_phashes(db, step) -> None:
    picture = Image.radial_gradient("L").convert("RGB").resize((320, 240))
    await check_thumbnail_backfill(db, step, "phash", picture, perceptual_hash(picture),
                                   "0123456789abcdef")
@step_test("0008-search-terms")
async def check_search_terms(db, step) -> None:
    await db.images.create_index([("owner_id", 1), ("terms", 1)])
    # Terms of 0002's shape (whole words, no tags), none at all, and the current shape.
    whole_words = {"_id": new_id(), "owner_id": "someone", "title": "Harbour at dusk",
                   "description": "", "filename": "IMG_7.JPG",
                   "terms": ["harbour", "at", "dusk", "img", "7", "jpg"]}
    tagged = {"_id": new_id(), "owner_id": "someone", "title": "", "description": "",
              "filename": "a.png", "tags": ["new-york"], "terms": ["a", "png"]}
    current = {"_id": new_id(), "owner_id": "someone", "title": "Pines", "description": "",
               "filename": "p.gif"}
    current["terms"] = terms.image_terms(current)
    untouched = current["terms"]
    await db.images.insert_many([whole_words, tagged, current])
    for _ in range(2):  # idempotent: a second run changes nothing
        await step.apply(db)
        stored = {doc["_id"]: doc["terms"] async for doc in db.images.find({})}
        assert {"h", "ha", "harb", "harbour", "du", "jp"} <= set(stored[whole_words["_id"]])
        assert {"#new-york", "new", "ne", "york", "yo"} <= set(stored[tagged["_id"]])
        assert stored[current["_id"]] == untouched
        assert "owner_id_1_terms_1" not in await db.images.index_information()


async def test_every_step_on_documents_of_the_old_shape(db):
    assert set(STEP_TESTS) == {step.name for step in migrations.STEPS}
    for step in migrations.STEPS:
        await STEP_TESTS[step.name](db, step)
        for collection in await db.list_collection_names():
            await db[collection].delete_many({})


async def test_migrate_applies_each_pending_step_once_and_records_it(db):
    assert [step.name for step in await migrations.pending(db)] == \
        [step.name for step in migrations.STEPS]
    user = old_user(True)
    await db.users.insert_one(user)
    await db.images.insert_one({"_id": "img", "owner_id": user["_id"], "visibility": "public"})
    now = utcnow()
    applied = await migrations.migrate(db, now=now)
    assert applied == list(migrations.STEPS)
    assert await migrations.pending(db) == []
    records = await db.migrations.find({}).to_list()
    assert [record["_id"] for record in records] == [step.name for step in migrations.STEPS]
    assert all(record["applied"] == now for record in records)
    assert (await db.images.find_one({"_id": "img"}))["owner_hidden"] is True
    await db.images.update_one({"_id": "img"}, {"$unset": {"owner_hidden": ""}})
    assert await migrations.migrate(db, now=now) == []  # nothing runs twice
    assert "owner_hidden" not in await db.images.find_one({"_id": "img"})
