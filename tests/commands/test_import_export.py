"""Bulk import of a folder (`app.commands.importer`) and export to a zip
(`app.commands.exporter`), tested together for the round trip."""

import hashlib
import json
import os
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.auth import users
from app.commands.exporter import export_user
from app.commands.importer import import_directory
from app.db import images_bucket
from app.errors import Invalid
from app.images import albums
from app.images.processing.pipeline import Limits
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.images.images import jpeg, png

RED, BLUE = jpeg(), jpeg(color=(20, 40, 220))
GREEN = png()
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
MAX_BYTES = 8000


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Progress:
    """Records what a tqdm bar would be told."""

    def __init__(self):
        self.total, self.done = None, 0

    def refresh(self):
        pass

    def update(self, n):
        self.done += n


@pytest.fixture
def env(db, clock, tmp_path, monkeypatch):
    """Everything a transfer needs; temporary spool files go to a folder the test checks."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    executor = ThreadPoolExecutor(max_workers=2)

    async def user(name):
        return await users.create_user(db, name, "a long password", rounds=TEST_BCRYPT_ROUNDS,
                                       executor=executor, now=clock())

    async def run_import(owner, directory, **options):
        return await import_directory(db, images_bucket(db),
                                      executor, owner=owner, directory=directory,
                                      limits=Limits(), now_fn=clock,
                                      max_bytes=MAX_BYTES, **options)

    async def run_export(owner, out_path, **options):
        return await export_user(db, images_bucket(db),
                                 owner=owner, out_path=out_path, **options)

    yield user, run_import, run_export, spool
    executor.shutdown(wait=True)


@pytest.fixture
def folder(tmp_path):
    """A folder as people have them: images, a copy, impostors, hidden files, a subfolder,
    a link leading out of it."""
    root = tmp_path / "photos"
    (root / "2024").mkdir(parents=True)
    (root / "trips" / "2023").mkdir(parents=True)
    (root / ".thumbnails").mkdir()
    files = {
        "red.jpg": RED, "green.png": GREEN, "2024/blue.JPG": BLUE,
        "trips/2023/red copy.jpg": RED, "drawing.svg": SVG, "notes.txt": b"shopping list\n",
        "huge.jpg": RED + b"\0" * MAX_BYTES, ".hidden.jpg": jpeg(color=(1, 2, 3)),
        ".thumbnails/t.png": png(color=(9, 9, 9, 255)),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (tmp_path / "secret.jpg").write_bytes(jpeg(color=(5, 5, 5)))
    (root / "escape.jpg").symlink_to(tmp_path / "secret.jpg")
    (root / "shortcut to red.jpg").symlink_to(root / "red.jpg")
    return root


async def test_import_folder(db, env, folder, clock):
    user, run_import, _, spool = env
    alice = await user("alice")
    progress = Progress()
    report = await run_import(alice, folder, visibility="unlisted", progress=progress)
    assert (report.imported, report.existing, report.hidden) == (3, 2, 2)
    huge = (folder / "huge.jpg").stat().st_size
    assert report.skipped == [  # in path order, each with the reason an upload would give
        ("drawing.svg", "SVG is not supported"),
        ("escape.jpg", "A link to outside the folder"),
        ("huge.jpg", f"{huge / 1024:.3g} KB, over the 7.81 KB limit"),
        ("notes.txt", "Not a supported image (JPEG, PNG, GIF, WebP, AVIF, HEIC, TIFF, BMP)"),
    ]
    images = await db.images.find({"owner_id": alice["_id"]}).sort("created").to_list(None)
    assert {image["filename"]: image["sha256"] for image in images} == {
        "blue.JPG": sha(BLUE), "green.png": sha(GREEN), "red.jpg": sha(RED)}
    assert {(image["title"], image["visibility"]) for image in images} == {("", "unlisted")}
    assert images[0]["created"] == clock()
    assert await db.images.count_documents({}) == 3
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()
             and not p.is_symlink() and ".thumbnails" not in p.parts
             and not p.name.startswith(".")]
    assert progress.total == progress.done == sum(sizes) + len(RED)  # + the shortcut
    assert list(spool.iterdir()) == []


async def test_the_same_import_twice_adds_nothing(db, env, folder):
    user, run_import, _, _ = env
    alice = await user("alice")
    await run_import(alice, folder)
    files = await db["images.files"].count_documents({})
    again = await run_import(alice, folder)
    assert (again.imported, again.existing, len(again.skipped)) == (0, 5, 4)
    assert await db.images.count_documents({}) == 3
    assert await db["images.files"].count_documents({}) == files


async def test_import_uses_the_owner_default_and_refuses_bad_input(db, env, folder, tmp_path):
    user, run_import, _, _ = env
    alice = await user("alice")
    with pytest.raises(Invalid, match="Visibility"):
        await run_import(alice, folder, visibility="secret")
    with pytest.raises(Invalid, match="not a folder"):
        await run_import(alice, tmp_path / "nowhere")
    assert await db.images.count_documents({}) == 0
    await db.users.update_one({"_id": alice["_id"]},
                              {"$set": {"settings.default_visibility": "public"}})
    alice = await db.users.find_one({"_id": alice["_id"]})
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.png").write_bytes(GREEN)
    report = await run_import(alice, tmp_path / "one", progress=lambda n: None)
    assert report.imported == 1
    assert (await db.images.find_one({}))["visibility"] == "public"


async def exported(run_export, owner, out):
    report = await run_export(owner, out)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("pixvault.json"))
        originals = {name: zf.read(name) for name in zf.namelist() if name != "pixvault.json"}
    return report, manifest, originals


async def test_export_holds_the_originals_and_a_manifest(db, env, folder, tmp_path):
    user, run_import, run_export, _ = env
    alice = await user("alice")
    await run_import(alice, folder)
    images = {i["filename"]: i for i in await db.images.find({}).to_list(None)}
    trip = await albums.create_album(db, owner_id=alice["_id"], title="Trip", now=alice["created"])
    for name in ("red.jpg", "blue.JPG"):
        await albums.add_image(db, trip, images[name])
    await db.images.update_one({"_id": images["red.jpg"]["_id"]}, {"$set": {"tags": ["sea"]}})
    await albums.create_album(db, owner_id=alice["_id"], title="Empty", now=alice["created"])
    out = tmp_path / "out" / "alice.zip"
    out.parent.mkdir()
    progress = Progress()
    report = await run_export(alice, out, progress=progress)
    assert (report.images, report.albums, report.missing, report.damaged) == (3, 2, [], [])
    assert progress.total == progress.done == 3
    assert os.listdir(out.parent) == ["alice.zip"]  # no temporary file left
    _, manifest, originals = await exported(run_export, alice, out)
    by_id = {i["_id"]: i for i in images.values()}
    assert {sha(data) for data in originals.values()} == {sha(RED), sha(GREEN), sha(BLUE)}
    assert sorted(originals) == sorted(
        f"images/{i['_id']}-{stem}" for i, stem in ((images["red.jpg"], "red.jpg"),
                                                    (images["green.png"], "green.png"),
                                                    (images["blue.JPG"], "blue.jpg")))
    assert manifest["user"] == {"id": alice["_id"], "username": "alice"}
    assert report.bytes == sum(len(data) for data in originals.values())
    for entry in manifest["images"]:
        assert sha(originals[entry["file"]]) == entry["sha256"] == by_id[entry["id"]]["sha256"]
        assert entry["format"] in ("jpeg", "png") and entry["width"] > 0
        assert entry["visibility"] == "private"
    listed = {album["title"]: album for album in manifest["albums"]}
    assert set(listed) == {"Trip", "Empty"}
    assert sorted(listed["Trip"]["image_ids"]) == sorted(
        [images["red.jpg"]["_id"], images["blue.JPG"]["_id"]])
    assert listed["Empty"]["image_ids"] == []
    red = next(e for e in manifest["images"] if e["id"] == images["red.jpg"]["_id"])
    assert red["album_ids"] == [trip["_id"]] and red["created"].endswith("+00:00")
    assert red["tags"] == ["sea"]


async def test_a_failed_export_leaves_the_old_file_alone(db, env, folder, tmp_path):
    user, run_import, run_export, _ = env
    alice = await user("alice")
    await run_import(alice, folder)
    out = tmp_path / "alice.zip"
    out.write_bytes(b"last week's export")
    before = set(os.listdir(tmp_path))

    def interrupted(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await run_export(alice, out, progress=interrupted)
    assert out.read_bytes() == b"last week's export"
    assert set(os.listdir(tmp_path)) == before
    with pytest.raises(Invalid):
        await run_export(alice, tmp_path / "nowhere" / "a.zip")


async def test_an_original_gone_meanwhile_is_reported(db, env, folder, tmp_path):
    user, run_import, run_export, _ = env
    alice = await user("alice")
    await run_import(alice, folder)
    gone = await db.images.find_one({"filename": "green.png"})
    await images_bucket(db).delete(gone["files"]["original"]["id"])
    report, manifest, originals = await exported(run_export, alice, tmp_path / "a.zip")
    assert (report.images, report.missing) == (2, [gone["_id"]])
    assert len(originals) == 2
    assert next(e for e in manifest["images"] if e["id"] == gone["_id"])["file"] is None


async def test_round_trip_to_another_user(db, env, folder, tmp_path):
    user, run_import, run_export, _ = env
    alice, bob = await user("alice"), await user("bob")
    await run_import(alice, folder)
    out = tmp_path / "alice.zip"
    await run_export(alice, out)
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "unpacked")
    report = await run_import(bob, tmp_path / "unpacked" / "images")
    assert (report.imported, report.existing, report.skipped) == (3, 0, [])

    async def hashes(owner):
        return {i["sha256"] async for i in db.images.find({"owner_id": owner["_id"]})}

    assert await hashes(bob) == await hashes(alice) == {sha(RED), sha(GREEN), sha(BLUE)}
