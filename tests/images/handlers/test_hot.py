"""The hot path: public variants answered from memory, exactly as the normal path answers
them, and forgotten the moment anything may hide them."""

import asyncio
from urllib.parse import urlsplit

import pytest

from app import invalidation
from tests.admin.test_handlers import make_admin
from tests.client import PASSWORD, upload_one
from tests.images.images import jpeg

BOUND = 30  # seconds: only catches a hang


async def warm(app, client, path: str, **headers) -> None:
    """Fetch `path` until the hot path holds it and may serve it."""
    for _ in range(BOUND * 20):
        assert (await client.get(path, headers=headers)).code == 200
        if app.hot_cache.get((path, False)) is not None and app.invalidations.fresh():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never became hot")


def shown(response) -> dict:
    """The answer's headers but the time it was sent."""
    return {name: value for name, value in response.headers.get_all() if name != "Date"}


@pytest.fixture
async def public(alice):
    image = await upload_one(alice, jpeg(size=(500, 400)), title="Sunset",
                             visibility="public")
    return image, f"/i/{image['id']}/thumb"


async def test_a_public_thumbnail_is_answered_from_memory_as_the_normal_path_did(
        app, db, client, public):
    image, path = public
    normal = await client.get(path)
    normal_304 = await client.get(path, headers={"If-None-Match": normal.headers["ETag"]})
    assert normal_304.code == 304
    await warm(app, client, path)
    # Changed behind the signal's back: only an answer that never asks the database
    # still shows it.
    await db.images.update_one({"_id": image["id"]}, {"$set": {"visibility": "private"}})
    hot = await client.get(path)
    assert hot.code == 200 and hot.body == normal.body and shown(hot) == shown(normal)
    assert "Sunset" in hot.headers["Content-Disposition"]
    hot_304 = await client.get(path, headers={"If-None-Match": normal.headers["ETag"]})
    assert hot_304.code == 304 and shown(hot_304) == shown(normal_304)
    head = await client.request("HEAD", path)
    assert head.code == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(normal.body))
    # What the hot path leaves to the normal one, which reads the database.
    for asked in ({"Range": "bytes=0-3"}, {"If-None-Match": '"other"'},
                  {"If-Modified-Since": normal.headers["Last-Modified"]},
                  {"Authorization": "Bearer nonsense"}):
        assert (await client.get(path, headers=asked)).code in (401, 404), asked
    assert (await client.get(path + "?download=1")).code == 404
    await invalidation.images_changed(db, [{"_id": image["id"], "owner_id": "x"}])
    assert (await client.get(path)).code == 404


async def test_a_kept_answer_keeps_the_next_client_s_connection_open(app, client, public,
                                                                     base_url):
    # The test client asks every server to close after its answer: the kept copy of one
    # such answer must not pass that on to clients that keep their connections.
    _, path = public
    await warm(app, client, path)
    reader, writer = await asyncio.open_connection("127.0.0.1", urlsplit(base_url).port)
    try:
        for _ in range(3):  # one connection, three answers
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)).decode()
            assert head.startswith("HTTP/1.1 200") and "connection:" not in head.lower()
            length = int(head.lower().split("content-length: ")[1].split("\r\n")[0])
            await asyncio.wait_for(reader.readexactly(length), BOUND)
    finally:
        writer.close()


async def test_hot_requests_are_counted_and_logged(app, client, public, caplog):
    _, path = public
    await warm(app, client, path)
    caplog.set_level("INFO", logger="tornado.access")
    assert (await client.get(path)).code == 200
    before = counted(app, caplog.records[-1].route)
    hot = app.metrics.registry.get_sample_value("pixvault_hot_answers_total")
    assert (await client.get(path)).code == 200
    line = caplog.records[-1].getMessage()
    assert line.startswith("200 GET /i/([^/]+)/") and "user=None" in line
    assert counted(app, caplog.records[-1].route) == before + 1
    assert app.metrics.registry.get_sample_value("pixvault_hot_answers_total") == hot + 1


def counted(app, route: str) -> float:
    """Successful GETs of `route` the metrics counted."""
    return app.metrics.registry.get_sample_value(
        "pixvault_http_requests_total", {"method": "GET", "route": route, "status": "2xx"})


async def test_private_images_and_originals_are_never_kept(app, alice, public):
    image, _ = public
    private = await upload_one(alice, jpeg(size=(300, 200)), visibility="private")
    for path in (f"/i/{private['id']}/thumb", f"/i/{image['id']}/original"):
        for _ in range(3):
            assert (await alice.get(path)).code == 200
    assert len(app.hot_cache) == 0


async def test_unlisted_images_are_kept_too(app, alice, client):
    image = await upload_one(alice, jpeg(size=(300, 200)), visibility="unlisted")
    await warm(app, client, f"/i/{image['id']}/large")


async def edit_private(alice, root, image):
    await alice.post(f"/i/{image['id']}/edit", {"visibility": "private",
                                                "title": image["title"]})


async def trash(alice, root, image):
    await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})


async def disable_owner(alice, root, image):
    response = await root.post(f"/admin/users/{image['owner_id']}/disable")
    assert response.code in (200, 302)


async def delete_account(alice, root, image):
    await alice.post("/account/delete", {"password": PASSWORD})


async def api_private(alice, root, image):
    await alice.request("PATCH", f"/api/v1/images/{image['id']}", body='{"visibility": '
                        '"private"}', headers={"Content-Type": "application/json",
                                               "X-XSRFToken": await alice.xsrf_token()})


@pytest.mark.parametrize("change", [edit_private, trash, disable_owner, delete_account,
                                    api_private])
async def test_every_change_that_hides_an_image_is_honoured_at_once(
        app, db, client, alice, make_client, public, change):
    image, path = public
    image["owner_id"] = (await db.images.find_one({"_id": image["id"]}))["owner_id"]
    root = await make_admin(make_client, db)
    await warm(app, client, path)
    await change(alice, root, image)
    assert (await client.get(path)).code == 404


async def test_a_new_title_is_the_next_answer_s_file_name(app, client, alice, public):
    image, path = public
    await warm(app, client, path)
    await alice.post(f"/i/{image['id']}/edit", {"visibility": "public", "title": "Dawn"})
    assert "Dawn" in (await client.get(path)).headers["Content-Disposition"]


async def test_without_a_fresh_signal_every_request_asks_the_database(app, db, client,
                                                                       public):
    image, path = public
    await warm(app, client, path)
    app.invalidations.stop()
    now = app.invalidations.clock()
    app.invalidations.clock = lambda: now + invalidation.FRESH_SECONDS
    await db.images.update_one({"_id": image["id"]}, {"$set": {"visibility": "private"}})
    assert (await client.get(path)).code == 404


async def test_an_answer_that_sets_a_cookie_is_never_kept(app, client, public, monkeypatch):
    # A cookie belongs to one client: kept, it would be handed to everyone.
    _, path = public
    from app.images.handlers import variants

    def with_cookie(handler, *args, **kwargs):
        handler.set_cookie("mine", "only-mine")
        return offer(handler, *args, **kwargs)

    offer = variants.ImageBytesHandler.offer_hot
    monkeypatch.setattr(variants.ImageBytesHandler, "offer_hot", with_cookie)
    for _ in range(3):
        answer = await client.get(path)
        assert answer.code == 200 and "only-mine" in answer.headers["Set-Cookie"]
    assert app.hot_cache.get((path, False)) is None
