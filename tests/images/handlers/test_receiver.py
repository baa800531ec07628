"""What every upload endpoint shares (`UploadReceiver`): a hostile body is refused early,
and the site keeps answering while one is being sent."""

import asyncio
import contextlib
import io
import socket
from urllib.parse import urlsplit

import pytest
from PIL import Image

from app.images import slots, store
from app.images.handlers.receiver import MAX_FILES_PER_REQUEST
from app.images.intake.spool import FORM_FIELDS
from tests.client import json_body, text, upload, upload_one
from tests.images import samples
from tests.images.images import jpeg

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
    assert f"at most {MAX_FILES_PER_REQUEST + len(FORM_FIELDS)}" in payload
    assert await db.images.count_documents({}) == 0


async def test_a_form_within_the_caps_still_uploads(alice):
    response = await upload(alice, [(f"{n}.jpg", jpeg((n, 0, 0))) for n in range(3)],
                            {"title": "Three", "visibility": "public"})
    assert response.code == 201, text(response)
    assert len(json_body(response)["images"]) == 3


# ----- compression bombs within the limits -----


async def test_a_16_bit_bomb_over_the_memory_limit_is_a_413_before_decoding(app, alice, db):
    app.settings["max_decode_mb"] = 64
    response = await upload(alice, [("bomb.png", samples.grey16_bomb())])
    assert response.code == 413
    assert "of memory to decode (at most 64 MB)" in json_body(response)["error"]["message"]
    assert await db.images.count_documents({}) == 0
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == 0


# ----- storage quota -----


async def stored_bytes(db, username: str) -> int:
    """What the user's images take, counted from the images themselves."""
    user = await db.users.find_one({"username": username})
    images = await db.images.find({"owner_id": user["_id"]}).to_list()
    return sum(map(store.stored_bytes, images))


async def test_concurrent_uploads_never_pass_the_quota_together(alice, make_client, db):
    """Five uploads at once against room for two or three: each reserves its bytes with one
    conditional update, so together they never go over."""
    colours = [(40 * n, 255 - 40 * n, 90) for n in range(6)]
    probe = make_client()
    await probe.register("probe")
    await upload_one(probe, jpeg(colours[5], size=(900, 700)))
    one = await stored_bytes(db, "probe")
    quota = int(one * 2.5)
    await db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": quota}})
    responses = await asyncio.gather(*(upload(alice, [(f"{n}.jpg", jpeg(colour, size=(900, 700)))])
                                       for n, colour in enumerate(colours[:5])))
    codes = sorted(response.code for response in responses)
    assert 201 in codes and 413 in codes and set(codes) == {201, 413}, codes
    refused = next(r for r in responses if r.code == 413)
    assert "Not enough storage left" in json_body(refused)["error"]["message"]
    used = (await db.users.find_one({"username": "alice"}))["used_bytes"]
    assert used == await stored_bytes(db, "alice") <= quota
    assert await db.images.count_documents({"owner_id": {"$ne": None}}) == 1 + codes.count(201)


def noise_jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise(size, 50 + n) for n in range(3)]).save(
        buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def test_the_default_quota_applies_unless_the_user_has_one(app, alice, db):
    app.settings["default_quota_mb"] = 1
    big = noise_jpeg((1100, 900))
    assert len(big) < 1024 * 1024 < len(big) * 2  # fits alone, not with its `full` copy
    refused = await upload(alice, [("big.jpg", big)])
    assert refused.code == 413
    assert "of your 1 MB is free" in json_body(refused)["error"]["message"]
    await db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": 10 << 20}})
    assert (await upload(alice, [("big.jpg", big)])).code == 201


async def test_a_file_larger_than_the_space_left_is_refused_before_decoding(alice, db):
    await db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": 1000}})
    response = await upload(alice, [("bomb.png", samples.grey16_bomb())])
    assert response.code == 413
    assert "1000 bytes of your 1000 bytes is free" in json_body(response)["error"]["message"]


async def test_deleting_an_image_frees_its_bytes_once_out_of_the_trash(alice, db):
    image = await upload_one(alice, jpeg())
    used = await stored_bytes(db, "alice")
    assert used > 0
    assert (await alice.post(f"/i/{image['id']}/delete")).code == 302
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == used
    assert (await alice.post("/trash/empty", {"confirm": "1"})).code == 303
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == 0


# ----- turns: each user's uploads in flight -----


async def hold_slots(db, username: str, numbers: range, expires) -> None:
    """Slots held by uploads of `username` in another process."""
    user = await db.users.find_one({"username": username})
    await db.upload_slots.insert_many([{"_id": f"{user['_id']}:{n}", "holder": "elsewhere",
                                        "expires": expires} for n in numbers])


async def test_an_upload_waits_for_a_turn_then_runs(alice, db, clock):
    await hold_slots(db, "alice", range(slots.RUNNING), clock.now + slots.LEASE)
    sending = asyncio.ensure_future(upload(alice, [("a.jpg", jpeg())]))
    await asyncio.sleep(1)
    assert not sending.done()  # queued behind three uploads elsewhere
    await db.upload_slots.delete_one({"_id": {"$regex": ":0$"}})
    response = await asyncio.wait_for(sending, 30)
    assert response.code == 201
    assert await db.upload_slots.count_documents({"holder": {"$ne": "elsewhere"}}) == 0


async def test_a_full_queue_is_a_429_with_retry_after(alice, db, clock):
    await hold_slots(db, "alice", range(slots.RUNNING + slots.QUEUED),
                     clock.now + slots.LEASE)
    response = await upload(alice, [("a.jpg", jpeg())])
    assert response.code == 429
    assert response.headers["Retry-After"] == str(slots.RETRY_AFTER)
    assert "uploads in progress" in json_body(response)["error"]["message"]
    assert await db.images.count_documents({}) == 0


async def test_a_wait_that_runs_out_is_a_429(alice, db, clock, monkeypatch):
    monkeypatch.setattr(slots, "MAX_WAIT", 1.0)
    await hold_slots(db, "alice", range(slots.RUNNING), clock.now + slots.LEASE)
    response = await upload(alice, [("a.jpg", jpeg())])
    assert response.code == 429 and "Retry-After" in response.headers
    assert "taking a long time" in text(response)
    assert await db.upload_slots.count_documents({"holder": {"$ne": "elsewhere"}}) == 0


async def test_turns_left_by_a_crashed_process_expire(alice, db, clock):
    await hold_slots(db, "alice", range(slots.RUNNING + slots.QUEUED), clock.now)
    clock.advance(seconds=1)
    assert (await upload(alice, [("a.jpg", jpeg())])).code == 201


async def test_other_users_are_not_held_up(alice, make_client, db, clock):
    await hold_slots(db, "alice", range(slots.RUNNING + slots.QUEUED),
                     clock.now + slots.LEASE)
    bob = make_client()
    await bob.register("bob")
    assert (await upload(bob, [("b.jpg", jpeg())])).code == 201


async def test_many_uploads_at_once_all_get_their_turn(alice, db):
    responses = await asyncio.gather(*(upload(alice, [(f"{n}.jpg", jpeg((n, 9, 9)))])
                                       for n in range(slots.RUNNING + 3)))
    assert [r.code for r in responses] == [201] * (slots.RUNNING + 3)
    assert await db.upload_slots.count_documents({}) == 0
