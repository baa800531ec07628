"""/metrics: Prometheus exposition for admins and loopback scrapers; 404 for everyone else."""

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import MAX_BODY_BYTES
from app.metrics import Metrics, is_loopback
from tests.admin.test_handlers import make_admin
from tests.api.conftest import Api, create_token
from tests.client import Client, json_body, text, upload, upload_one
from tests.images.images import jpeg


def samples(response) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape: {(name, sorted labels): value}."""
    assert response.code == 200, response.body
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text(response))
            for sample in family.samples}


def requests_of(scrape: dict, route: str, status: str, method: str = "GET") -> float:
    key = ("pixvault_http_requests_total",
           (("method", method), ("route", route), ("status", status)))
    return scrape.get(key, 0)


async def test_loopback_scrape_needs_no_credentials(client):
    await client.get("/")  # something to count
    response = await client.get("/metrics")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Cache-Control"] == "no-store"
    body = text(response)
    for name in ("pixvault_users", "pixvault_images", "pixvault_stored_bytes",
                 "pixvault_albums", "pixvault_live_shares", "pixvault_http_requests_total",
                 "pixvault_http_request_duration_seconds_bucket"):
        assert f"\n{name}" in body, name


async def test_openmetrics_when_asked(client):
    response = await client.get("/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0,text/plain;q=0.5"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert text(response).endswith("# EOF\n")


async def test_totals_reflect_the_database(alice, make_client, client, db, clock):
    bob = make_client()
    await bob.register("bob")
    image = await upload_one(alice, jpeg())
    await upload_one(bob, jpeg(color=(0, 0, 200)))
    await alice.post("/albums", {"title": "Trips"})
    await alice.post(f"/i/{image['id']}/shares", {"expires_in": "", "label": ""})
    await alice.post(f"/i/{image['id']}/shares", {"expires_in": "3600", "label": ""})
    stored = sum([user["used_bytes"] async for user in db.users.find({})])
    scrape = samples(await client.get("/metrics"))
    assert scrape[("pixvault_users", ())] == 2
    assert scrape[("pixvault_images", ())] == 2
    assert scrape[("pixvault_stored_bytes", ())] == stored > 0
    assert scrape[("pixvault_albums", ())] == 1
    assert scrape[("pixvault_live_shares", ())] == 2

    clock.advance(hours=2)  # one link expires
    await alice.post(f"/i/{image['id']}/delete")
    await alice.post("/trash/empty", {"confirm": "1"})  # stored, and counted, until then
    scrape = samples(await client.get("/metrics"))
    assert scrape[("pixvault_images", ())] == 1
    assert scrape[("pixvault_live_shares", ())] == 0  # the other went with its image
    assert scrape[("pixvault_stored_bytes", ())] < stored


async def test_requests_are_counted_by_route_pattern(alice, client):
    image = await upload_one(alice, jpeg(), visibility="public")
    for _ in range(2):
        assert (await client.get(f"/i/{image['id']}")).code == 200
    await client.get(f"/i/{image['id']}/thumb")
    await client.get("/no/such/page/12345")
    await client.request("BREW", "/", allow_nonstandard_methods=True)
    response = await client.get("/metrics")
    scrape = samples(response)
    assert requests_of(scrape, "/i/([^/]+)", "2xx") == 2
    assert requests_of(scrape, "unmatched", "4xx") == 1
    assert requests_of(scrape, "/upload", "2xx", "POST") == 1
    assert requests_of(scrape, "/", "4xx", "other") == 1  # 405, under no new label
    assert ("pixvault_http_request_duration_seconds_count",
            (("method", "GET"), ("route", "/i/([^/]+)"))) in scrape
    body = text(response)
    # No raw paths: ids, and whatever a client puts in a URL, stay out of the labels.
    assert image["id"] not in body
    assert "12345" not in body and "BREW" not in body
    assert all(route.startswith("/") or route == "unmatched"
               for route in re.findall(r'route="([^"]*)"', body))


async def test_uploads_processing_and_the_variant_cache_are_counted(alice, client):
    image = await upload_one(alice, jpeg(), visibility="public")
    again = await upload(alice, [("again.jpg", jpeg())])  # the same bytes: a duplicate
    assert json_body(again)["images"][0]["duplicate"]
    assert (await upload(alice, [("broken.png", b"not an image")])).code in (400, 415)
    for _ in range(3):
        assert (await client.get(f"/i/{image['id']}/thumb")).code == 200
    scrape = samples(await client.get("/metrics"))
    uploads = {result: scrape.get(("pixvault_uploads_total", (("result", result),)), 0)
               for result in ("stored", "duplicate", "refused")}
    assert uploads == {"stored": 1, "duplicate": 1, "refused": 1}
    assert scrape[("pixvault_upload_bytes_total", ())] == len(jpeg())
    assert scrape[("pixvault_processing_seconds_count", (("format", "jpeg"),))] == 1
    cache = {result: scrape.get(("pixvault_variant_cache_lookups_total", (("result", result),)),
                                0) for result in ("miss", "hit")}
    # Once served, the thumbnail may come from the hot path, before any cache is asked.
    hot = scrape.get(("pixvault_hot_answers_total", ()), 0)
    assert cache["miss"] == 1 and cache["hit"] + hot == 2


async def test_each_application_counts_on_its_own():
    first, second = Metrics(), Metrics()
    first.requests.labels("GET", "/", "2xx").inc()
    assert second.registry.get_sample_value(
        "pixvault_http_requests_total", {"method": "GET", "route": "/", "status": "2xx"}) is None


@pytest.fixture
def remote(app):
    """As if every request came from elsewhere: loopback is no longer trusted."""
    app.settings["metrics_allow_loopback"] = False


async def test_others_get_the_missing_page(remote, alice, client, make_client):
    token = (await create_token(alice))["token"]
    for browser in (client, alice):
        await browser.get("/")  # drops the welcome message
        missing = text(await browser.get("/no/such/page"))
        response = await browser.get("/metrics")
        assert response.code == 404
        assert re.sub(r'value="[^"]*"', "", text(response)) == \
            re.sub(r'value="[^"]*"', "", missing)
    for secret in (token, "not-a-token"):
        assert (await Api(make_client(), secret).get("/metrics")).code == 404


async def test_admin_session_and_token_may_scrape(remote, make_client, db):
    root = await make_admin(make_client, db)
    assert (await root.get("/metrics")).code == 200
    token = (await create_token(root))["token"]
    scrape = samples(await Api(make_client(), token).get("/metrics"))
    assert scrape[("pixvault_users", ())] == 1
    # Scraping is reading: an admin's read token may, an upload-only one finds nothing.
    reader = (await create_token(root, "scraper", scope="read"))["token"]
    assert (await Api(make_client(), reader).get("/metrics")).code == 200
    uploader = (await create_token(root, "uploads", scope="upload"))["token"]
    assert (await Api(make_client(), uploader).get("/metrics")).code == 404


@pytest.mark.parametrize(("address", "code"), [
    ("10.1.2.3", 404), ("2001:db8::1", 404), ("127.0.0.1", 200), ("::1", 200)])
async def test_behind_a_proxy_the_client_address_decides(app, address, code):
    sock, port = bind_unused_port()
    server = HTTPServer(app, xheaders=True, max_body_size=MAX_BODY_BYTES)
    server.add_sockets([sock])
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        response = await browser.get("/metrics", headers={"X-Real-Ip": address})
        assert response.code == code
    finally:
        browser.close()
        server.stop()
        await server.close_all_connections()


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("192.168.1.1", False), ("", False),
    (None, False), ("localhost", False)])
def test_is_loopback(address, expected):
    assert is_loopback(address) is expected
