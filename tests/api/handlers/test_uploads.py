"""Resumable uploads (`/api/v1/uploads`, tus 1.0.0): every header and status the protocol
names, the abuse cases (wrong offset, bad checksum, a body past the length), expiry, a
connection killed half-way then resumed, and an upload finished through another app."""

import asyncio
import base64
import hashlib
import io
import os
import socket
from urllib.parse import urlsplit

import pytest
from PIL import Image
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.api import tus, validation
from app.application import make_app
from app.images import resumable
from tests.api.conftest import Api, create_token
from tests.client import Client, json_body

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


def noise_png(width: int = 300, height: int = 200) -> bytes:
    """A PNG of random pixels: it barely compresses, so it is as big as it looks."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def meta(**fields: str) -> str:
    return tus.encode_metadata(fields)


async def create(api: Api, length: int, **fields: str) -> str:
    """Start an upload; its path."""
    headers = {**TUS, "Upload-Length": str(length)}
    if fields:
        headers["Upload-Metadata"] = meta(**fields)
    response = await api.post("/api/v1/uploads", headers=headers)
    assert response.code == 201, response.body
    return urlsplit(response.headers["Location"]).path


async def patch(api: Api, path: str, offset: int, body: bytes, **headers: str):
    return await api.patch(path, body=body,
                           headers={**OCTETS, "Upload-Offset": str(offset), **headers})


async def offset_of(api: Api, path: str) -> int:
    response = await api.call("HEAD", path, headers=TUS)
    assert response.code == 200
    return int(response.headers["Upload-Offset"])


async def stored_original(app, image_id: str) -> bytes:
    image = await app.db.images.find_one({"_id": image_id})
    stream = await app.bucket.open_download_stream(image["files"]["original"]["id"])
    return await stream.read()


async def test_options_describe_the_server_to_anyone(client, app):
    response = await client.request("OPTIONS", "/api/v1/uploads")
    assert response.code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "termination", "expiration", "checksum"}
    assert int(response.headers["Tus-Max-Size"]) == app.settings["max_upload_mb"] * 2**20
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")


async def test_an_upload_in_two_parts_makes_the_image(api, app):
    data = noise_png()
    path = await create(api, len(data), filename="noise.png", title="Noise",
                        visibility="unlisted")
    head = await api.call("HEAD", path, headers=TUS)
    assert head.code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == "1.0.0"
    assert "GMT" in head.headers["Upload-Expires"]
    assert tus.metadata(head.headers["Upload-Metadata"])["title"] == "Noise"

    half = len(data) // 2
    first = await patch(api, path, 0, data[:half])
    assert first.code == 204, first.body
    assert first.headers["Upload-Offset"] == str(half)
    assert "Pixvault-Image-Id" not in first.headers
    last = await patch(api, path, half, data[half:])
    assert last.code == 204, last.body
    assert last.headers["Upload-Offset"] == str(len(data))
    image_id = last.headers["Pixvault-Image-Id"]

    assert await stored_original(app, image_id) == data
    image = await app.db.images.find_one({"_id": image_id})
    assert (image["title"], image["visibility"], image["filename"]) == (
        "Noise", "unlisted", "noise.png")
    assert image["sha256"] == hashlib.sha256(data).hexdigest()
    shown = json_body(await api.get(path, headers=TUS))
    assert shown["image"]["id"] == image_id and shown["image"]["duplicate"] is False
    assert shown["offset"] == len(data) and shown["error"] is None
    assert validation.check(shown, "Upload") == shown  # as the OpenAPI document says
    # The parts are gone once the image is made.
    assert await app.db["upload_parts.files"].count_documents({}) == 0
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0


async def test_every_request_must_speak_the_version(api):
    response = await api.post("/api/v1/uploads", headers={"Upload-Length": "10"})
    assert response.code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    response = await api.post("/api/v1/uploads",
                              headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10"})
    assert response.code == 412
    path = await create(api, 10)
    for method in ("HEAD", "PATCH", "DELETE"):
        response = await api.call(method, path, body=b"" if method == "PATCH" else None,
                                  headers={"Content-Type": tus.OFFSET_TYPE,
                                           "Upload-Offset": "0"})
        assert response.code == 412, method
        assert response.headers["Tus-Resumable"] == "1.0.0"
    # GET is Pixvault's own, not the protocol's: no version needed.
    assert json_body(await api.get(path))["offset"] == 0


@pytest.mark.parametrize("headers", [
    {},  # no Upload-Length (deferred lengths are not supported)
    {"Upload-Length": "-1"},
    {"Upload-Length": "ten"},
    {"Upload-Length": "0"},
    {"Upload-Length": "10", "Upload-Metadata": "title a,title b"},  # a key twice
    {"Upload-Length": "10", "Upload-Metadata": "title !!notbase64"},
    {"Upload-Length": "10", "Upload-Metadata": f"title {base64.b64encode(b'x' * 300).decode()}"},
    {"Upload-Length": "10", "Upload-Metadata": "visibility " + base64.b64encode(b"all").decode()},
])
async def test_bad_creations_are_refused(api, headers):
    response = await api.post("/api/v1/uploads", headers={**TUS, **headers})
    assert response.code == 400, response.body
    assert json_body(response)["error"]["code"] == "invalid"


async def test_unknown_metadata_keys_of_other_clients_are_ignored(api, app):
    path = await create(api, 10, filetype="image/png", title="Kept")
    upload = await app.db.uploads.find_one({"_id": path.rsplit("/", 1)[1]})
    assert upload["fields"] == {"title": "Kept"}
    # A key without a value is allowed (the value is empty).
    response = await api.post("/api/v1/uploads", headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": "alt,relativePath"})
    assert response.code == 201


async def test_a_file_over_the_size_limit_or_the_quota_is_refused_at_creation(api, app, alice):
    limit = app.settings["max_upload_mb"] * 2**20
    response = await api.post("/api/v1/uploads", headers={**TUS, "Upload-Length": str(limit + 1)})
    assert response.code == 413
    await app.db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": 1000}})
    await create(api, 600)
    # The unfinished upload counts: 600 + 600 do not fit in 1000.
    response = await api.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "600"})
    assert response.code == 413
    assert "left" in json_body(response)["error"]["message"]


async def test_unfinished_uploads_are_limited(api):
    for _ in range(resumable.MAX_PENDING):
        await create(api, 10)
    response = await api.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "10"})
    assert response.code == 429
    assert response.headers["Retry-After"]


async def test_patch_needs_its_content_type_and_the_right_offset(api, app):
    path = await create(api, 100)
    response = await api.patch(path, body=b"x" * 10,
                               headers={**TUS, "Content-Type": "application/octet-stream",
                                        "Upload-Offset": "0"})
    assert response.code == 415
    assert (await patch(api, path, 0, b"x" * 10)).code == 204
    for wrong in (0, 5, 50):
        response = await patch(api, path, wrong, b"y" * 10)
        assert response.code == 409, wrong
    response = await api.patch(path, body=b"y", headers=OCTETS)
    assert response.code == 400  # no Upload-Offset
    assert await offset_of(api, path) == 10
    assert await app.db["upload_parts.files"].count_documents({}) == 1


async def test_a_body_past_the_length_is_refused_and_not_kept(api, app):
    path = await create(api, 100)
    assert (await patch(api, path, 0, b"x" * 101)).code == 413
    assert (await patch(api, path, 0, b"x" * 60)).code == 204
    assert (await patch(api, path, 60, b"x" * 41)).code == 413
    assert await offset_of(api, path) == 60


async def test_a_chunked_body_past_the_length_is_refused_and_not_kept(api, app):
    path = await create(api, 100)

    async def body(write):
        for _ in range(3):
            await write(b"z" * 60)

    response = await api.client.http.fetch(
        api.base_url + path, method="PATCH", body_producer=body, raise_error=False,
        headers={**OCTETS, "Upload-Offset": "0", "Authorization": f"Bearer {api.token}"})
    assert response.code in (413, 599)  # answered, or cut off while still sending
    assert await offset_of(api, path) == 0
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
async def test_checksums_are_verified(api, app, algorithm):
    path = await create(api, 20)
    chunk = b"a" * 10
    good = base64.b64encode(hashlib.new(algorithm, chunk).digest()).decode()
    bad = base64.b64encode(hashlib.new(algorithm, b"b" * 10).digest()).decode()
    response = await patch(api, path, 0, chunk, **{"Upload-Checksum": f"{algorithm} {bad}"})
    assert response.code == 460
    assert response.reason == "Checksum Mismatch"
    assert await offset_of(api, path) == 0
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0
    response = await patch(api, path, 0, chunk, **{"Upload-Checksum": f"{algorithm} {good}"})
    assert response.code == 204
    assert await offset_of(api, path) == 10


@pytest.mark.parametrize("header", ["crc32 AAAA", "sha1 !!!", "sha1 " + "A" * 8, "sha1"])
async def test_bad_checksum_headers_are_refused(api, header):
    path = await create(api, 20)
    response = await patch(api, path, 0, b"a" * 10, **{"Upload-Checksum": header})
    assert response.code == 400
    assert await offset_of(api, path) == 0


async def test_terminate_deletes_the_upload_and_its_parts(api, app):
    path = await create(api, 100)
    assert (await patch(api, path, 0, b"x" * 50)).code == 204
    response = await api.delete(path, headers=TUS)
    assert response.code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert (await api.call("HEAD", path, headers=TUS)).code == 404
    assert (await patch(api, path, 50, b"x" * 50)).code == 404
    assert (await api.delete(path, headers=TUS)).code == 404
    assert await app.db.uploads.count_documents({}) == 0
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0


async def test_someone_elses_upload_is_not_found(api, bob_api, app):
    path = await create(api, 100)
    assert (await bob_api.call("HEAD", path, headers=TUS)).code == 404
    assert (await patch(bob_api, path, 0, b"x" * 10)).code == 404
    assert (await bob_api.delete(path, headers=TUS)).code == 404
    assert (await bob_api.get(path, headers=TUS)).code == 404
    assert (await api.call("HEAD", "/api/v1/uploads/nonsense", headers=TUS)).code == 404
    assert await offset_of(api, path) == 0


async def test_expired_uploads_are_gone_and_swept_with_their_parts(api, app, clock):
    path = await create(api, 100)
    assert (await patch(api, path, 0, b"x" * 50)).code == 204
    kept = await create(api, 100)
    clock.advance(hours=app.settings["resumable_hours"] - 1)
    assert (await patch(api, kept, 0, b"x" * 10)).code == 204  # bytes renew its lifetime
    clock.advance(hours=2)
    assert (await api.call("HEAD", path, headers=TUS)).code == 404
    assert (await patch(api, path, 50, b"x" * 50)).code == 404
    assert await resumable.sweep(app.db, resumable.parts_bucket(app.db), now=clock()) == 1
    assert [upload["_id"] async for upload in app.db.uploads.find()] == [kept.rsplit("/")[-1]]
    assert await app.db["upload_parts.files"].count_documents({}) == 1
    assert await offset_of(api, kept) == 10


async def test_the_sweep_removes_parts_nothing_counts(api, app, clock):
    path = await create(api, 100)
    assert (await patch(api, path, 0, b"x" * 50)).code == 204
    upload = await app.db.uploads.find_one()
    # What a request that died between writing its part and counting it leaves.
    stray = resumable.open_part(app.db, upload, 50)
    await stray.write(b"y" * 20)
    await stray.close()
    bucket = resumable.parts_bucket(app.db)
    await resumable.sweep(app.db, bucket, now=clock())
    assert await app.db["upload_parts.files"].count_documents({}) == 2  # too young to tell
    clock.advance(hours=2)
    await resumable.sweep(app.db, bucket, now=clock())
    assert [part._id async for part in bucket.find()] == upload["parts"]
    assert await offset_of(api, path) == 50


async def test_two_patches_at_one_offset_cannot_both_append(api, app):
    data = noise_png(200, 100)
    path = await create(api, len(data))
    half = len(data) // 2
    answers = await asyncio.gather(patch(api, path, 0, data[:half]),
                                   patch(api, path, 0, data[:half]))
    assert sorted(response.code for response in answers) == [204, 409], [
        (response.code, response.body) for response in answers]
    assert await offset_of(api, path) == half
    assert await app.db["upload_parts.files"].count_documents({}) == 1
    last = await patch(api, path, half, data[half:])
    assert await stored_original(app, last.headers["Pixvault-Image-Id"]) == data


async def test_a_complete_file_that_is_no_image_is_refused_and_said_so(api, app):
    path = await create(api, 1000)
    response = await patch(api, path, 0, os.urandom(1000))
    assert response.code == 415, response.body
    shown = json_body(await api.get(path, headers=TUS))
    assert shown["image"] is None and shown["error"]["code"] == "unsupported_media_type"
    assert (await patch(api, path, 1000, b"")).code == 409
    assert await app.db["upload_parts.files"].count_documents({}) == 0
    assert await app.db.images.count_documents({}) == 0


async def test_the_same_bytes_again_give_the_image_already_there(api, app):
    data = noise_png(60, 40)
    first = await patch(api, await create(api, len(data)), 0, data)
    path = await create(api, len(data))
    again = await patch(api, path, 0, data)
    assert again.headers["Pixvault-Image-Id"] == first.headers["Pixvault-Image-Id"]
    assert json_body(await api.get(path, headers=TUS))["image"]["duplicate"] is True
    assert await app.db.images.count_documents({}) == 1


async def test_the_web_uploader_uses_its_session_with_the_xsrf_header(alice):
    data = noise_png(60, 40)
    headers = {**TUS, "Upload-Length": str(len(data))}
    assert (await alice.request("POST", "/api/v1/uploads", headers=headers)).code == 403
    headers["X-XSRFToken"] = await alice.xsrf_token()
    created = await alice.request("POST", "/api/v1/uploads", headers=headers)
    assert created.code == 201
    path = urlsplit(created.headers["Location"]).path
    response = await alice.request("PATCH", path, body=data, headers={
        **OCTETS, "Upload-Offset": "0", "X-XSRFToken": headers["X-XSRFToken"]})
    assert response.code == 204 and response.headers["Pixvault-Image-Id"]


async def test_a_read_token_may_not_upload(alice, make_client):
    reader = Api(make_client(), (await create_token(alice, scope="read"))["token"])
    response = await reader.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "10"})
    assert response.code == 403


async def test_a_killed_connection_keeps_what_arrived_and_the_upload_resumes(api, app):
    data = noise_png()
    path = await create(api, len(data))
    half = len(data) // 2
    host, port = urlsplit(api.base_url).netloc.split(":")
    request = (f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Authorization: Bearer {api.token}\r\nTus-Resumable: 1.0.0\r\n"
               f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
               f"Content-Length: {len(data)}\r\n\r\n").encode()
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(request + data[:half])
    await writer.drain()
    writer.transport.abort()  # the network goes away: no more bytes, no answer read
    offset = 0
    for _ in range(200):  # the server notices the close, then saves what it got
        offset = await offset_of(api, path)
        if offset:
            break
        await asyncio.sleep(0.05)
    assert offset == half
    response = await patch(api, path, half, data[half:])
    assert response.code == 204, response.body
    assert await stored_original(app, response.headers["Pixvault-Image-Id"]) == data


async def test_a_killed_connection_with_a_checksum_keeps_nothing(api, app):
    data = b"x" * 200_000
    path = await create(api, len(data))
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    host, port = urlsplit(api.base_url).netloc.split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall((f"PATCH {path} HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: Bearer {api.token}\r\nTus-Resumable: 1.0.0\r\n"
                  f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                  f"Upload-Checksum: sha256 {digest}\r\n"
                  f"Content-Length: {len(data)}\r\n\r\n").encode() + data[:100_000])
    sock.close()
    for _ in range(200):  # until the server has dropped the part it began
        await asyncio.sleep(0.05)
        if not await app.db["upload_parts.chunks"].count_documents({}):
            break
    assert await app.db["upload_parts.chunks"].count_documents({}) == 0
    assert await offset_of(api, path) == 0


async def test_another_app_instance_finishes_the_upload(api, app, db, clock, tmp_path):
    """Parts live in the database: a second server (another host, its own data dir) takes
    the upload over half-way."""
    data = noise_png()
    path = await create(api, len(data), title="Two hosts")
    half = len(data) // 2
    assert (await patch(api, path, 0, data[:half])).code == 204
    other = make_app({"cookie_secret": "test-cookie-secret", "share_key": "test-share-key",
                      "data_dir": str(tmp_path / "other-host")}, db=db, clock=clock)
    sock, port = bind_unused_port()
    server = HTTPServer(other)
    server.add_sockets([sock])
    second = Client(f"http://127.0.0.1:{port}")
    try:
        elsewhere = Api(second, api.token)
        assert await offset_of(elsewhere, path) == half
        response = await patch(elsewhere, path, half, data[half:])
        assert response.code == 204, response.body
    finally:
        second.close()
        server.stop()
        other.close()
    image_id = response.headers["Pixvault-Image-Id"]
    assert await stored_original(app, image_id) == data
    assert json_body(await api.get(path, headers=TUS))["image"]["title"] == "Two hosts"
