"""The command line, run as a user runs it: a real process against a real database."""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from pymongo import MongoClient

from app import migrations
from app.embedded import EmbeddedDatabase
from app.images import store
from tests.images.images import jpeg, png

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def database(mongodb_uri):
    name = f"cli_{uuid.uuid4().hex[:12]}"
    client = MongoClient(mongodb_uri)
    yield ["--mongodb-uri", mongodb_uri, "--database", name], client[name]
    client.drop_database(name)
    client.close()


def test_help_everywhere():
    for args in ([], ["serve"], ["createuser"], ["setpassword"], ["createtoken"], ["check"],
                 ["migrate"], ["gc"], ["import"], ["export"]):
        result = manage(*args, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: manage.py" in result.stdout


def test_createuser_from_stdin(database):
    args, db = database
    result = manage("createuser", "Carol", "--password-stdin", "--bcrypt-rounds", "4", *args,
                    stdin="a long password\n")
    assert result.returncode == 0, result.stderr
    user = db.users.find_one({"username_key": "carol"})
    assert user["username"] == "Carol"
    assert user["role"] == "user"
    assert user["password_hash"].startswith("$2b$04$")


def test_createuser_admin_and_duplicate(database):
    args, db = database
    ok = manage("createuser", "root", "--admin", "--password-stdin", "--bcrypt-rounds=4",
                *args, stdin="a long password\n")
    assert ok.returncode == 0, ok.stderr
    assert db.users.find_one({"username": "root"})["role"] == "admin"
    again = manage("createuser", "ROOT", "--password-stdin", "--bcrypt-rounds=4", *args,
                   stdin="a long password\n")
    assert again.returncode == 1
    assert "That username is taken." in again.stderr
    assert "Traceback" not in again.stderr


def test_createuser_rejects_short_password(database):
    args, db = database
    result = manage("createuser", "dave", "--password-stdin", *args, stdin="short\n")
    assert result.returncode == 1
    assert "at least 8" in result.stderr
    assert db.users.count_documents({}) == 0


def test_check_reports_missing_indexes_and_migrations_then_ok(database):
    args, db = database
    missing = manage("check", *args)
    assert missing.returncode == 4
    assert "FAIL index missing" in missing.stdout
    manage("createuser", "erin", "--password-stdin", "--bcrypt-rounds=4", *args,
           stdin="a long password\n")
    pending = manage("check", *args)
    assert pending.returncode == 5, pending.stdout
    assert "FAIL migration pending: 0001-hide-disabled-accounts" in pending.stdout
    migrated = manage("migrate", *args)
    assert migrated.returncode == 0, migrated.stderr
    assert "Applied migration 0001-hide-disabled-accounts" in migrated.stdout
    assert db.migrations.count_documents({}) == len(migrations.STEPS)
    again = manage("migrate", *args)
    assert "Applied" not in again.stdout and again.returncode == 0
    ok = manage("check", *args)
    assert ok.returncode == 0, ok.stdout
    assert "ok   indexes present, migrations applied" in ok.stdout


def test_check_unreachable_database_is_exit_3():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    result = manage("check", "--mongodb-uri", f"mongodb://127.0.0.1:{port}/",
                    "--db-timeout-ms", "300")
    assert result.returncode == 3
    assert "FAIL database" in result.stdout
    assert time.monotonic() - started < 20


def test_check_bad_config_file_is_exit_2(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("port = 'not a number'\n")
    result = manage("check", "--config", str(bad))
    assert result.returncode == 2
    assert "FAIL configuration" in result.stderr


def test_second_serve_on_same_data_dir_fails_clearly(tmp_path):
    running = EmbeddedDatabase(tmp_path / "db")
    running.start()
    try:
        result = manage("serve", "--data-dir", str(tmp_path), "--port", "0")
        assert result.returncode == 1
        assert "already in use" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        running.stop()


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def start_serve(data_dir: Path, workers: int, *extra: str, stderr=subprocess.PIPE
                ) -> tuple[subprocess.Popen, int]:
    """`manage.py serve` on a free port with its own embedded database (unless `extra`
    options say otherwise): (process, port). Give a file as `stderr` where many requests
    fail: a full pipe nobody reads would stall the server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--data-dir", str(data_dir),
         "--port", str(port), "--workers", str(workers), *extra], stdout=subprocess.PIPE,
        stderr=stderr, text=True, cwd=ROOT,
        env={**os.environ, "PIXVAULT_BCRYPT_ROUNDS": "4"})
    return process, port


def read_until_listening(process: subprocess.Popen) -> list[str]:
    """The lines `serve` prints up to and including "listening" (at most 20)."""
    lines = []
    while len(lines) < 20 and "listening" not in (lines or [""])[-1]:
        lines.append(process.stdout.readline())
    return lines


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_starts_embedded_database_and_stops_it_on_sigterm(tmp_path, workers):
    process, port = start_serve(tmp_path, workers)
    try:
        *before, line = read_until_listening(process)
        assert f"http://localhost:{port}/" in line
        # A new database is brought up to date before anything is served.
        assert "Applied migration 0001-hide-disabled-accounts" in "".join(before)
        # A new site tells its operator how to make the first admin.
        assert "python manage.py createuser NAME --admin" in "".join(before)
        for _ in range(4):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                        timeout=10) as reply:
                assert reply.status == 200
        children = children_of(process.pid)
        assert len(children) == 1 + (workers if workers > 1 else 0)
        secret = tmp_path / "cookie_secret"
        assert secret.stat().st_mode & 0o777 == 0o600
        db_uri = (tmp_path / "db.lock").read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
        with pytest.raises(OSError):  # the embedded daemon is gone with its port
            socket.create_connection(("127.0.0.1", int(db_uri.rsplit(":", 1)[1].strip("/"))),
                                     timeout=2).close()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_gc_deletes_orphans_older_than_grace(database):
    args, db = database
    from gridfs import GridFSBucket
    bucket = GridFSBucket(db, bucket_name="images")
    orphan = bucket.upload_from_stream("orphan", b"x" * 100, metadata={"image_id": "gone"})
    kept = manage("gc", *args)
    assert kept.returncode == 0, kept.stderr
    assert "0 orphaned files," in kept.stdout
    swept = manage("gc", "--grace", "0", *args)
    assert "1 orphaned file," in swept.stdout
    assert db["images.files"].count_documents({"_id": orphan}) == 0


def test_gc_deletes_expired_resumable_uploads_with_their_parts(database):
    args, db = database
    from gridfs import GridFSBucket
    parts = GridFSBucket(db, bucket_name="upload_parts")
    now = datetime.datetime.now(datetime.UTC)
    for upload_id, expires in (("expired", now - datetime.timedelta(minutes=1)),
                               ("running", now + datetime.timedelta(hours=1))):
        part = parts.upload_from_stream(upload_id, b"x" * 100,
                                        metadata={"upload_id": upload_id, "offset": 0})
        db.uploads.insert_one({"_id": upload_id, "owner_id": "someone", "length": 200,
                               "offset": 100, "parts": [part], "fields": {},
                               "created": now, "expires_at": expires})
    swept = manage("gc", *args)
    assert swept.returncode == 0, swept.stderr
    assert "1 expired resumable upload and" in swept.stdout
    assert [upload["_id"] for upload in db.uploads.find()] == ["running"]
    assert [part["metadata"]["upload_id"] for part in db["upload_parts.files"].find()] == [
        "running"]


def test_unreachable_database_is_a_clear_error_not_a_traceback():
    """Every command, not only `check`, says so in one line when the database is away."""
    result = manage("createtoken", "alice", "script", "--mongodb-uri",
                    "mongodb://127.0.0.1:1", "--db-timeout-ms", "300")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr, result.stderr[-300:]
    assert "the database is not answering" in result.stderr


def test_gc_refuses_a_negative_grace():
    """A negative grace would move the cutoff into the future and delete the files of
    uploads still being written."""
    result = manage("gc", "--grace", "-60", "--mongodb-uri", "mongodb://127.0.0.1:1",
                    "--db-timeout-ms", "300")
    assert result.returncode == 2 and "grace" in result.stderr, result.stderr[-300:]


def test_import_then_export_round_trip(database, tmp_path):
    args, db = database
    manage("createuser", "frank", "--password-stdin", "--bcrypt-rounds=4", *args,
           stdin="a long password\n")
    folder = tmp_path / "photos"
    (folder / "trip").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg())
    (folder / "trip" / "b.png").write_bytes(png())
    (folder / "notes.txt").write_text("not an image")
    imported = manage("import", str(folder), "--user", "frank", "--visibility", "unlisted",
                      *args)
    assert imported.returncode == 0, imported.stderr
    assert "Imported 2 images, 0 already there, skipped 1:" in imported.stdout
    assert "notes.txt: Not a supported image" in imported.stdout
    assert db.images.count_documents({"visibility": "unlisted"}) == 2
    out = tmp_path / "frank.zip"
    exported = manage("export", "frank", str(out), *args)
    assert exported.returncode == 0, exported.stderr
    assert "Exported 2 images" in exported.stdout
    with zipfile.ZipFile(out) as archive:
        originals = sorted(archive.read(n) for n in archive.namelist()
                           if n.startswith("images/"))
    assert originals == sorted([jpeg(), png()])
    unknown = manage("export", "nobody", str(tmp_path / "x.zip"), *args)
    assert unknown.returncode == 1
    assert "There is no user named 'nobody'." in unknown.stderr


def test_commands_refuse_accounts_that_cannot_show_new_images(database, tmp_path):
    """A disabled account's images are hidden: import would add visible ones. An account
    being deleted is no longer there for any command."""
    args, db = database
    manage("createuser", "hank", "--password-stdin", "--bcrypt-rounds=4", *args,
           stdin="a long password\n")
    (tmp_path / "a.jpg").write_bytes(jpeg())
    db.users.update_one({"username": "hank"}, {"$set": {"disabled": True}})
    disabled = manage("import", str(tmp_path), "--user", "hank", *args)
    assert disabled.returncode == 1
    assert "hank's account is disabled; enable it first." in disabled.stderr
    db.users.update_one({"username": "hank"}, {"$set": {"disabled": False,
                                                       "deleted_at": datetime.datetime.now()}})
    deleted = manage("import", str(tmp_path), "--user", "hank", *args)
    assert "There is no user named 'hank'." in deleted.stderr
    assert db.images.count_documents({}) == 0


def test_export_to_unwritable_folder_is_a_clear_error(database):
    # /proc stands in for a read-only or full disk: tests run as root, so permissions would
    # not stop them.
    args, _ = database
    made = manage("createuser", "gina", "--password-stdin", "--bcrypt-rounds=4", *args,
                  stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    result = manage("export", "gina", "/proc/gina.zip", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-400:]
    assert result.stderr.startswith("error: ")


def test_check_finds_storage_use_that_differs_and_fix_sets_it_right(database, tmp_path):
    args, db = database
    assert manage("migrate", *args).returncode == 0
    manage("createuser", "erin", "--password-stdin", "--bcrypt-rounds=4", *args,
           stdin="a long password\n")
    (tmp_path / "a.jpg").write_bytes(jpeg())
    assert manage("import", str(tmp_path), "--user", "erin", *args).returncode == 0
    stored = db.users.find_one({"username": "erin"})["used_bytes"]
    image = db.images.find_one({})
    assert stored == store.stored_bytes(image) > 0
    assert manage("check", *args).returncode == 0
    db.users.update_one({"username": "erin"}, {"$inc": {"used_bytes": 12345}})
    found = manage("check", *args)
    assert found.returncode == 6, found.stdout
    assert (f"FAIL storage use of erin: recorded {stored + 12345:,} bytes, images hold "
            f"{stored:,}") in found.stdout
    db.upload_slots.insert_one({"_id": f"{image['owner_id']}:0", "holder": "x",
                                "expires": datetime.datetime.now(datetime.UTC)
                                + datetime.timedelta(minutes=1)})
    busy = manage("check", "--fix", *args)
    assert busy.returncode == 6 and "uploads in progress" in busy.stdout
    db.upload_slots.delete_many({})
    fixed = manage("check", "--fix", *args)
    assert fixed.returncode == 0, fixed.stdout
    assert "fixed" in fixed.stdout
    assert db.users.find_one({"username": "erin"})["used_bytes"] == stored
    assert "storage use matches" in manage("check", *args).stdout
