"""Upload by URL through `POST /api/v1/images` with JSON `{"url": ...}`.

A local Tornado server plays the remote site; only the tests that fetch from it switch on the
test-only `url_fetch_allow_loopback` setting. Refused addresses are refused before any
connection is made.
"""

import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from tests.client import json_body, upload
from tests.images.images import jpeg

PHOTO = jpeg(color=(1, 2, 3))


class Photo(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "image/jpeg")
        self.write(PHOTO)


@pytest.fixture
async def remote():
    sock, port = bind_unused_port()
    server = HTTPServer(tornado.web.Application([(r"/pics/sunset\.jpg", Photo)]))
    server.add_sockets([sock])
    yield f"http://127.0.0.1:{port}"
    server.stop()
    await server.close_all_connections()


@pytest.fixture
def loopback_allowed(app):
    app.fetch_allows_loopback = True


async def test_fetches_and_stores_the_image(api, remote, loopback_allowed, db):
    response = await api.post("/api/v1/images", json_data={
        "url": f"{remote}/pics/sunset.jpg", "title": "Fetched", "visibility": "unlisted"})
    assert response.code == 201, response.body
    image = json_body(response)
    assert (image["title"], image["visibility"], image["format"]) == ("Fetched", "unlisted",
                                                                      "jpeg")
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["filename"] == "sunset.jpg"
    again = await api.post("/api/v1/images", json_data={"url": f"{remote}/pics/sunset.jpg"})
    assert again.code == 200
    assert json_body(again)["id"] == image["id"]


async def test_remote_errors_are_clear(api, remote, loopback_allowed, db):
    response = await api.post("/api/v1/images", json_data={"url": f"{remote}/missing.jpg"})
    assert response.code == 400
    assert "404" in json_body(response)["error"]["message"]
    assert await db.images.count_documents({}) == 0


def test_loopback_is_never_allowed_by_default(app):
    assert not app.fetch_allows_loopback


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a.jpg", "http://10.0.0.1/a.jpg",
                                 "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]:9/a.jpg", "file:///etc/passwd"])
async def test_private_addresses_are_refused(api, url, db):
    response = await api.post("/api/v1/images", json_data={"url": url})
    assert response.code == 400
    message = json_body(response)["error"]["message"]
    assert "not allowed" in message or "Only http" in message
    assert await db.images.count_documents({}) == 0


async def test_turned_off_by_the_server(api, app, remote, loopback_allowed):
    app.settings["url_uploads"] = False
    response = await api.post("/api/v1/images", json_data={"url": f"{remote}/pics/sunset.jpg"})
    assert response.code == 403
    assert json_body(response)["error"]["message"] == \
        "Uploading by URL is turned off on this server."


@pytest.mark.parametrize(("payload", "words"), [
    ({}, "'url' is required"), ({"url": 5}, "'url' must be a string"),
    ({"url": "http://x.test/", "colour": "red"}, "Unknown field 'colour'")])
async def test_body_is_validated(api, payload, words):
    response = await api.post("/api/v1/images", json_data=payload)
    assert response.code == 400
    assert words in json_body(response)["error"]["message"]


async def test_oversized_json_body_is_413(api):
    response = await api.post("/api/v1/images", body=b" " * 70_000 + b"{}",
                              headers={"Content-Type": "application/json"})
    assert response.code == 413


async def test_web_upload_page_takes_a_url(alice, remote, loopback_allowed, db):
    page = (await alice.get("/upload")).body.decode()
    assert 'name="url"' in page
    response = await upload(alice, [], {"url": f"{remote}/pics/sunset.jpg", "title": "Web"},
                            as_json=False)
    assert response.code == 302, response.body
    stored = await db.images.find_one({})
    assert (stored["title"], stored["filename"]) == ("Web", "sunset.jpg")


async def test_web_upload_refuses_private_addresses(alice, db):
    response = await upload(alice, [], {"url": "http://169.254.169.254/latest/meta-data"},
                            as_json=False)
    assert (response.code, response.headers["Location"]) == (302, "/upload")
    assert "not allowed" in (await alice.get("/upload")).body.decode()
    assert await db.images.count_documents({}) == 0


async def test_web_upload_page_hides_the_url_field_when_disabled(alice, app):
    app.settings["url_uploads"] = False
    assert 'name="url"' not in (await alice.get("/upload")).body.decode()
