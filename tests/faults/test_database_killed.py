"""The database killed (`kill -9`) under a running server.

With an external `--mongodb-uri`, the server keeps running: pages and JSON answer 503
within `db_timeout_ms`, `/healthz` says 503, and once the database is back on the same
storage and port, the server recovers by itself with every acknowledged write intact.
With the embedded database, `serve` exits when its database dies (tests/commands/
test_serve.py), and a process manager starting it again gets the pair back cleanly.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from app.embedded import EmbeddedDatabase
from tests.client import Client, json_body, upload_one
from tests.images.images import jpeg, png
from tests.test_manage import children_of, read_until_listening, start_serve

DB_TIMEOUT_MS = 1000
MARGIN = 5  # seconds: a busy shared machine; the failures this catches take 30 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_log(tmp_path):
    """A file for the server's log: many failing requests would fill a pipe nobody reads
    and stall the server."""
    with open(tmp_path / "serve.log", "w") as log:
        yield log


def daemon_of(pid: int) -> int:
    """The embedded database process that `serve` process `pid` started."""
    return next(child for child in children_of(pid)
                if b"secantusd" in Path(f"/proc/{child}/cmdline").read_bytes())


async def timed(request) -> tuple[int, float]:
    started = time.monotonic()
    response = await request
    return response.code, time.monotonic() - started


def stop(process) -> None:
    """Stop a server this test started, however it is doing."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    process.communicate()


async def test_an_external_database_killed_and_restarted_is_503s_then_recovery(tmp_path,
                                                                             serve_log):
    database = EmbeddedDatabase(tmp_path / "db", port=free_port())
    uri = database.start()
    process, port = start_serve(tmp_path / "app", 1, "--mongodb-uri", uri,
                                "--db-timeout-ms", str(DB_TIMEOUT_MS), stderr=serve_log)
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        assert "listening" in read_until_listening(process)[-1]
        await browser.register("alice")
        kept = await upload_one(browser, jpeg(), title="before the crash")
        original = "/" + kept["urls"]["original"].split("/", 3)[3]
        pages = [("/", {}), ("/api/v1/images", {"Accept": "application/json"}),
                 (original, {})]
        for path, headers in pages:
            assert (await browser.get(path, headers=headers)).code == 200

        # Killed while requests are in flight: each still gets an answer.
        in_flight = [asyncio.ensure_future(browser.get(path, headers=headers))
                     for path, headers in pages * 3]
        os.kill(database._process.pid, signal.SIGKILL)
        database._process.wait()
        assert {(await request).code for request in in_flight} <= {200, 503}

        for path, headers in [*pages, ("/healthz", {})]:
            code, seconds = await timed(browser.get(path, headers=headers))
            assert code == 503, path
            assert seconds < DB_TIMEOUT_MS / 1000 + MARGIN, (path, seconds)
        assert json_body(await browser.get("/healthz")) == {"status": "unavailable"}

        database.stop()  # releases the data dir; the daemon is already gone
        database.start()  # same storage, same port
        assert database.port == int(uri.rsplit(":", 1)[1].strip("/"))

        for _ in range(150):  # 30 s at most: the driver finds it again by itself
            if (await browser.get("/healthz")).code == 200:
                break
            await asyncio.sleep(0.2)
        for path, headers in pages:
            assert (await browser.get(path, headers=headers)).code == 200, path
        assert (await browser.get(original)).body == jpeg()
        listed = json_body(await browser.get("/api/v1/images",
                                             headers={"Accept": "application/json"}))
        assert [image["title"] for image in listed["items"]] == ["before the crash"]
        assert (await upload_one(browser, png(), title="after"))["title"] == "after"
        listed = json_body(await browser.get("/api/v1/images",
                                             headers={"Accept": "application/json"}))
        assert [image["title"] for image in listed["items"]] == ["after", "before the crash"]
        assert process.poll() is None  # never restarted: it recovered by itself
    finally:
        browser.close()
        stop(process)
        database.stop()


def test_serve_stops_promptly_on_sigterm_while_its_external_database_is_gone(tmp_path):
    database = EmbeddedDatabase(tmp_path / "db")
    uri = database.start()
    process, port = start_serve(tmp_path / "app", 1, "--mongodb-uri", uri,
                                "--db-timeout-ms", str(DB_TIMEOUT_MS))
    try:
        assert "listening" in read_until_listening(process)[-1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as reply:
            assert reply.status == 200
        database.stop()
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert process.wait(timeout=30) == 0
        # Not the driver's 30 s of looking for the server to end its sessions on.
        assert time.monotonic() - started < DB_TIMEOUT_MS / 1000 + MARGIN
    finally:
        stop(process)


async def test_an_embedded_database_killed_takes_serve_down_and_a_restart_brings_both(
        tmp_path):
    """What a process manager does: `serve` exits non-zero when its database dies; the
    same command started again gets both back, data intact."""
    process, port = start_serve(tmp_path, 1)
    try:
        assert "listening" in read_until_listening(process)[-1]
        browser = Client(f"http://127.0.0.1:{port}")
        await browser.register("alice")
        browser.close()
        os.kill(daemon_of(process.pid), signal.SIGKILL)
        assert process.wait(timeout=30) != 0
    finally:
        stop(process)
    process, port = start_serve(tmp_path, 1)
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        assert "listening" in read_until_listening(process)[-1]
        assert (await browser.login("alice")).code == 302
        assert (await browser.get("/")).code == 200
    finally:
        browser.close()
        stop(process)
