"""Uploading through POST /upload: formats, rejections, limits, XSRF, duplicates."""

import asyncio

import pytest

from tests.client import json_body, multipart, text, upload, upload_one
from tests.images import samples
from tests.images.images import jpeg, png


async def stored_state(db) -> tuple[int, int, int]:
    return (await db.images.count_documents({}),
            await db["images.files"].count_documents({}),
            await db["images.chunks"].count_documents({}))


async def test_form_upload_redirects_to_gallery_with_flash(alice, db):
    response = await upload(alice, [("holiday.jpg", jpeg())], {"title": "Beach"},
                            as_json=False)
    assert response.code == 302
    assert response.headers["Location"] == "/gallery"
    gallery = text(await alice.get("/gallery"))
    assert "Uploaded 1 image." in gallery
    assert "Beach" in gallery
    image = await db.images.find_one({})
    assert image["title"] == "Beach"
    assert image["filename"] == "holiday.jpg"
    assert image["visibility"] == "private"
    assert image["owner_id"] == (await db.users.find_one({"username": "alice"}))["_id"]


async def test_json_upload_returns_image_objects_with_absolute_urls(alice, db):
    response = await upload(alice, [("a.jpg", jpeg()), ("b.png", png())],
                            {"visibility": "unlisted"})
    assert response.code == 201
    images = json_body(response)["images"]
    assert [i["format"] for i in images] == ["jpeg", "png"]
    assert all(i["visibility"] == "unlisted" for i in images)
    first = images[0]
    assert (first["width"], first["height"]) == (64, 48)
    assert first["page_url"] == f"{alice.base_url}/i/{first['id']}"
    assert first["urls"]["full"].startswith(alice.base_url + f"/i/{first['id']}/full")
    assert set(first["urls"]) == {"original", "full", "large", "thumb"}
    assert len(first["id"]) == 22
    assert await db.images.count_documents({}) == 2
    for url in first["urls"].values():
        assert (await alice.get(url.removeprefix(alice.base_url))).code == 200


@pytest.mark.parametrize("factory", [
    samples.jpeg, samples.png16, samples.palette_png_transparent, samples.animated_gif,
    samples.animated_webp, samples.heic, samples.avif, samples.tiff, samples.bmp,
])
async def test_every_accepted_format_uploads(alice, factory):
    image = await upload_one(alice, factory(), filename="sample")
    assert image["width"] > 0
    for variant in ("full", "large", "thumb"):
        response = await alice.get(image["urls"][variant].removeprefix(alice.base_url))
        assert response.code == 200
        assert response.headers["Content-Type"].startswith("image/")


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("drawing.svg", samples.svg(), 415, "not"),
    ("page.png", samples.html_named_png(), 415, "not"),
    ("cut.jpg", samples.truncated_jpeg(), 400, ""),
    ("bomb.png", samples.bomb_png(), 400, "pixels"),
    ("empty.jpg", b"", 400, "Choose at least one image"),
    ("text.jpg", b"hello world, not an image", 415, "not"),
])
async def test_rejected_uploads_leave_nothing_behind(alice, db, name, data, status, message):
    response = await upload(alice, [(name, data)])
    assert response.code == status, response.body
    assert message.lower() in json_body(response)["error"]["message"].lower()
    assert await stored_state(db) == (0, 0, 0)


async def test_rejected_form_upload_redirects_back_with_the_reason(alice, db):
    response = await upload(alice, [("x.svg", samples.svg())], as_json=False)
    # Redirect after POST: no error page at /upload?_xsrf=..., reloading posts nothing.
    assert response.code == 302
    assert response.headers["Location"] == "/upload"
    page = await alice.get("/upload")
    assert "flash-error" in text(page) and "SVG is not supported" in text(page)
    assert 'enctype="multipart/form-data"' in text(page)
    assert await stored_state(db) == (0, 0, 0)


async def test_form_upload_without_xsrf_redirects_back(alice, db):
    response = await upload(alice, [("a.jpg", jpeg())], as_json=False, xsrf=False)
    assert response.code == 302
    assert response.headers["Location"] == "/upload"
    assert "The upload form had expired" in text(await alice.get("/upload"))
    assert await stored_state(db) == (0, 0, 0)


async def test_oversized_form_upload_is_read_to_the_end_and_redirected(app, make_client, db):
    # A browser shows no answer sent while it is still sending (it reports a reset
    # connection), so the plain form's answer waits for the whole body, within the body
    # limit, and says why. Read to the end, the connection stays usable for the next request.
    app.settings["max_upload_mb"] = 1
    alice = make_client()
    await alice.register("alice")
    content_type, body = multipart([("big.jpg", b"\xff" * (3 * 1024 * 1024)),
                                    ("small.jpg", jpeg())])
    host, port = alice.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    cookies = "; ".join(f"{k}={v}" for k, v in alice.cookies.items())
    writer.write((f"POST /upload?_xsrf={await alice.xsrf_token()} HTTP/1.1\r\nHost: {host}\r\n"
                  f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                  f"Cookie: {cookies}\r\n\r\n").encode() + body)
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    answers = (await asyncio.wait_for(reader.read(1_000_000), timeout=20)).decode("latin-1")
    while answers.count("HTTP/1.1 ") < 2 and not reader.at_eof():
        answers += (await asyncio.wait_for(reader.read(1_000_000), timeout=20)).decode("latin-1")
    writer.close()
    assert answers.startswith("HTTP/1.1 302 ")
    assert "\r\nLocation: /upload\r\n" in answers
    assert "HTTP/1.1 200 " in answers  # the /healthz answer on the same connection
    assert await stored_state(db) == (0, 0, 0)
    flash_cookie = next(line for line in answers.splitlines() if "flash=" in line)
    alice.cookies["flash"] = flash_cookie.split("flash=", 1)[1].split(";", 1)[0]
    assert "at most 1 MB" in text(await alice.get("/upload"))


async def test_one_bad_file_does_not_cost_the_others(alice, db):
    response = await upload(alice, [("good.jpg", jpeg()), ("bad.svg", samples.svg())])
    assert response.code == 201
    body = json_body(response)
    assert len(body["images"]) == 1
    assert body["errors"][0]["filename"] == "bad.svg"
    assert await db.images.count_documents({}) == 1


async def test_upload_without_xsrf_is_403_and_stores_nothing(alice, db):
    response = await upload(alice, [("a.jpg", jpeg())], xsrf=False)
    assert response.code == 403
    assert await stored_state(db) == (0, 0, 0)


async def test_upload_with_xsrf_in_query_string(alice, db):
    content_type, body = multipart([("a.jpg", jpeg())])
    token = await alice.xsrf_token()
    response = await alice.request("POST", f"/upload?_xsrf={token}", body=body,
                                   headers={"Content-Type": content_type})
    assert response.code == 302
    assert await db.images.count_documents({}) == 1


async def test_anonymous_upload_is_refused(client, db):
    response = await upload(client, [("a.jpg", jpeg())])
    assert response.code == 401
    assert await stored_state(db) == (0, 0, 0)


async def test_same_bytes_twice_return_the_same_image(alice, db):
    first = await upload_one(alice, jpeg())
    second = await upload_one(alice, jpeg())
    assert first["id"] == second["id"]
    assert await db.images.count_documents({}) == 1


async def test_filename_is_display_text_only(alice, db):
    await upload_one(alice, jpeg(), filename="../../etc/pass\x07wd<b>.jpg")
    image = await db.images.find_one({})
    assert image["filename"] == "passwd<b>.jpg"
    page = text(await alice.get(f"/i/{image['_id']}"))
    assert "<b>.jpg" not in page and "&lt;b&gt;.jpg" in page


async def test_exif_rotation_and_privacy(alice, make_client, db):
    original = samples.jpeg(size=(60, 20), exif_orientation=6, gps=True, xmp=True,
                            comment=True)
    image = await upload_one(alice, original, visibility="public")
    assert (image["width"], image["height"]) == (20, 60)  # upright
    stranger = make_client()
    for variant in ("full", "large", "thumb"):
        served = (await stranger.get(image["urls"][variant].removeprefix(alice.base_url))).body
        assert not samples.has_private_metadata(served), variant
    owner_original = await alice.get(image["urls"]["original"].removeprefix(alice.base_url))
    assert owner_original.body == original


async def test_oversized_upload_is_413_before_the_body_is_read(app, make_client, db):
    app.settings["max_upload_mb"] = 1
    alice = make_client()
    await alice.register("alice")
    token = await alice.xsrf_token()
    content_type, body = multipart([("big.jpg", b"\xff" * (40 * 1024 * 1024))])
    host, port = alice.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    cookies = "; ".join(f"{k}={v}" for k, v in alice.cookies.items())
    writer.write((f"POST /upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
                  f"Content-Length: {len(body)}\r\nX-XSRFToken: {token}\r\n"
                  f"Accept: application/json\r\nCookie: {cookies}\r\n\r\n").encode())
    writer.write(body[: 3 * 1024 * 1024])  # 3 MB of 40: the server must answer now
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    assert b" 413 " in status_line
    await asyncio.sleep(0.1)
    assert await stored_state(db) == (0, 0, 0)


async def test_visibility_must_be_known(alice, db):
    response = await upload(alice, [("a.jpg", jpeg())], {"visibility": "everyone"})
    assert response.code == 400
    assert await stored_state(db) == (0, 0, 0)


async def test_failure_midway_deletes_what_was_written(alice, db, monkeypatch):
    from app.images import store
    real_insert = store.insert_files

    async def flaky_insert(db, bucket_name, files):
        await real_insert(db, bucket_name, files[:-1])  # some are in, then the disk fills
        raise OSError("disk full")

    monkeypatch.setattr(store, "insert_files", flaky_insert)
    response = await upload(alice, [("a.jpg", jpeg(size=(800, 600)))])
    assert response.code == 500
    assert await stored_state(db) == (0, 0, 0)
    assert (await db.users.find_one({"username": "alice"}))["used_bytes"] == 0
