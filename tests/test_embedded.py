"""The embedded database: private files, durable acknowledged writes, a daemon that dies
with its owner, and a start that deals with a daemon a dead owner left behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from app.db import connect
from app.embedded import DataDirInUse, EmbeddedDatabase

ROOT = Path(__file__).resolve().parent.parent


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_data_dir_and_database_files_are_private(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    embedded = EmbeddedDatabase(data_dir / "db")
    embedded.start()
    try:
        assert oct(data_dir.stat().st_mode & 0o777) == "0o700"
        modes = {path.relative_to(data_dir): path.stat().st_mode & 0o777
                 for path in data_dir.rglob("*")}
        assert modes and not [path for path, mode in modes.items() if mode & 0o077], modes
    finally:
        embedded.stop()


async def test_an_acknowledged_write_survives_the_database_being_killed(tmp_path):
    embedded = EmbeddedDatabase(tmp_path / "db")
    for attempt in range(3):
        client = connect(embedded.start())
        await client.pixvault.shares.insert_one({"_id": attempt, "revoked": True})
        os.kill(embedded._process.pid, signal.SIGKILL)  # right after the acknowledgement
        embedded._process.wait()
        await client.close()
        embedded.stop()
    with MongoClient(embedded.start()) as check:
        assert sorted(doc["_id"] for doc in check.pixvault.shares.find()) == [0, 1, 2]
    embedded.stop()


def test_the_daemon_dies_with_its_owner_and_a_new_start_keeps_the_data(tmp_path):
    data_dir = tmp_path / "data"
    owner = subprocess.Popen(  # a server killed by the OOM killer, say
        [sys.executable, "-c", "import sys, time; from pymongo import MongoClient; "
         "from app.embedded import EmbeddedDatabase; "
         "db = EmbeddedDatabase(sys.argv[1]); uri = db.start(); "
         "MongoClient(uri).pixvault.users.insert_one({'_id': 'kept'}); "
         "print(db._process.pid, flush=True); time.sleep(120)", str(data_dir / "db")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    assert wait_until(lambda: not running(pid), 30)
    embedded = EmbeddedDatabase(data_dir / "db")
    with MongoClient(embedded.start()) as client:
        assert client.pixvault.users.find_one({"_id": "kept"})
    embedded.stop()


def test_a_start_stops_a_daemon_a_dead_owner_left_running(tmp_path):
    data_dir = tmp_path / "data"
    first = EmbeddedDatabase(data_dir / "db")
    with MongoClient(first.start()) as client:
        client.pixvault.users.insert_one({"_id": "kept"})
    leftover = first._process.pid
    # The owner vanished without stopping its daemon: its lock is released, its daemon runs.
    first._lock_file.close()
    first._lock_file = first._process = None
    assert running(leftover)
    second = EmbeddedDatabase(data_dir / "db")
    try:
        with MongoClient(second.start()) as client:
            assert client.pixvault.users.find_one({"_id": "kept"})
        assert not running(leftover)
    finally:
        second.stop()
        if running(leftover):
            os.kill(leftover, signal.SIGKILL)


def test_a_refused_start_leaves_the_running_servers_lock_alone(tmp_path):
    first = EmbeddedDatabase(tmp_path / "db")
    uri = first.start()
    try:
        before = (tmp_path / "db.lock").read_text()
        with pytest.raises(DataDirInUse):
            EmbeddedDatabase(tmp_path / "db").start()
        assert (tmp_path / "db.lock").read_text() == before
        assert EmbeddedDatabase(tmp_path / "db").running_uri() == uri
    finally:
        first.stop()
