"""`kill -9` of `serve` in the middle of a 30 MB upload: nothing of it was ever visible,
and after a restart and `manage.py gc --grace 0` nothing of it remains (no GridFS chunk or
files document, no image document, no spooled file)."""

import asyncio
import io
import os
import re
import signal
from pathlib import Path

import pytest
from PIL import Image
from pymongo import MongoClient

from tests.client import Client, json_body, multipart, text
from tests.faults.test_database_killed import stop
from tests.test_manage import manage, read_until_listening, start_serve

SENT_BEFORE_KILL = 15 * 1024 * 1024


def big_bmp() -> bytes:
    """A real 30 MB image (BMP stores its pixels as they are)."""
    out = io.BytesIO()
    Image.new("RGB", (3200, 3200), (10, 120, 200)).save(out, "BMP")
    return out.getvalue()


def spooled(folders: list[Path]) -> list[Path]:
    return [path for folder in folders if folder.exists() for path in folder.iterdir()]


def stored(data_dir: Path) -> dict[str, int]:
    """How many documents the upload could have left, per collection."""
    uri = (data_dir / "db.lock").read_text().strip()
    with MongoClient(uri) as client:
        db = client.pixvault
        return {name: db[name].count_documents({})
                for name in ("images", "images.files", "images.chunks")}


async def visible(browser: Client) -> tuple[list, list]:
    """What the uploader sees: the API's list of images and the gallery's image links."""
    listed = json_body(await browser.get("/api/v1/images",
                                         headers={"Accept": "application/json"}))
    gallery = text(await browser.get("/gallery"))
    return listed["items"], re.findall(r'href="/i/[^"]+"', gallery)


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """The server's system temporary folder, watched too: nothing may be left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


async def test_serve_killed_mid_upload_leaves_nothing_after_gc(tmp_path, temp_dir):
    data_dir = tmp_path / "data"
    folders = [temp_dir, data_dir / "uploads"]
    process, port = start_serve(data_dir, 1)
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        assert "listening" in read_until_listening(process)[-1]
        await browser.register("alice")
        assert await visible(browser) == ([], [])
        content_type, body = multipart([("big.bmp", big_bmp())], {"title": "big"})
        cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        head = (f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                f"Cookie: {cookies}\r\nX-XSRFToken: {browser.cookies['_xsrf']}\r\n"
                "Accept: application/json\r\n\r\n").encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + body[:SENT_BEFORE_KILL])
        await writer.drain()
        for _ in range(300):  # 30 s at most for the server to have spooled most of it
            sizes = [path.stat().st_size for path in spooled(folders)]
            if sizes and max(sizes) > SENT_BEFORE_KILL // 2:
                break
            await asyncio.sleep(0.1)
        assert sizes and max(sizes) > SENT_BEFORE_KILL // 2
        assert await visible(browser) == ([], [])  # nothing partial is listed

        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        writer.close()
    finally:
        stop(process)

    process, port = start_serve(data_dir, 1)  # what a process manager does next
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        assert "listening" in read_until_listening(process)[-1]
        assert (await browser.login("alice")).code == 302
        swept = await asyncio.to_thread(manage, "gc", "--grace", "0",
                                        "--data-dir", str(data_dir))
        assert swept.returncode == 0, swept.stderr
        assert "1 unfinished upload" in swept.stdout
        assert spooled(folders) == []
        assert stored(data_dir) == {"images": 0, "images.files": 0, "images.chunks": 0}
        assert await visible(browser) == ([], [])
    finally:
        browser.close()
        stop(process)
