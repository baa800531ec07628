"""What every upload endpoint shares (`UploadReceiver`): a hostile body is refused early,
and the site keeps answering while one is being sent."""

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit

import pytest

from tests.client import json_body, text

BOUNDARY = "receiver-test-boundary"
EMPTY_PART = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n\r\n'.encode()


def post_raw(base_url: str, head: bytes, body: bytes) -> tuple[int, str]:
    """POST on a plain socket, as a client that sends its whole body whatever the server
    says; returns the answer's status and body. Blocking: run it in a thread."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        with contextlib.suppress(OSError):  # refused mid-body: the answer is waiting
            sock.sendall(head + body)
        answer = sock.makefile("rb")
        status = int(answer.readline().split()[1])
        length = 0
        while (line := answer.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return status, answer.read(length).decode()


async def upload_raw(browser, path: str, body: bytes) -> tuple[int, str]:
    """POST a multipart `body` as `browser` from a thread, leaving this loop to the server."""
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    head = (f"POST {path} HTTP/1.1\r\nHost: pixvault\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\nAccept: application/json\r\n"
            f"X-XSRFToken: {await browser.xsrf_token()}\r\nCookie: {cookies}\r\n\r\n")
    return await asyncio.to_thread(post_raw, browser.base_url, head.encode(), body)


async def test_forty_thousand_empty_parts_are_refused_while_the_site_answers(alice):
    """2.8 MB of empty parts used to keep the event loop parsing for ~10 s; the body is now
    refused at the chunk that passes the part cap, and /healthz answers meanwhile."""
    sending = asyncio.ensure_future(
        upload_raw(alice, "/upload", EMPTY_PART * 40_000 + f"--{BOUNDARY}--\r\n".encode()))
    await asyncio.sleep(0.2)  # the body is on its way
    health = await asyncio.wait_for(alice.get("/healthz"), 5)  # generous: catches a stall
    assert health.code == 200
    status, payload = await sending
    assert status == 400
    assert "Too many parts in one form" in payload


@pytest.mark.parametrize("path", ["/upload", "/api/v1/images"])
async def test_too_many_parts_is_a_clear_400_on_every_upload_endpoint(alice, db, path):
    status, payload = await upload_raw(alice, path,
                                       EMPTY_PART * 100 + f"--{BOUNDARY}--\r\n".encode())
    assert status == 400
    assert "at most 55" in payload
    assert await db.images.count_documents({}) == 0


async def test_a_form_within_the_caps_still_uploads(alice):
    from tests.client import upload
    from tests.images.images import jpeg

    response = await upload(alice, [(f"{n}.jpg", jpeg((n, 0, 0))) for n in range(3)],
                            {"title": "Three", "visibility": "public"})
    assert response.code == 201, text(response)
    assert len(json_body(response)["images"]) == 3
