"""Shared web behaviour: safe redirects, error pages, security headers."""

from urllib.parse import urlencode

import pytest

from app.forms import safe_next
from app.web import BaseHandler
from tests.api.conftest import Api, create_token
from tests.client import json_body, text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg


@pytest.mark.parametrize("target", ["/", "/gallery", "/i/abc?x=1#top", "/u/a%20b"])
def test_safe_next_keeps_same_origin_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "//evil.com", "/\\evil.com", "/%5Cevil.com", "/%2F/evil.com", "%2F%2Fevil.com",
    "https://evil.com", "javascript:alert(1)", "/a\nb", "/a\tb", "/a\x7fb", "evil.com",
    "/" + "a" * 3000,
])
def test_safe_next_rejects_other_origins(target):
    assert safe_next(target) == "/gallery"


async def test_unknown_page_is_html_404(client):
    response = await client.get("/no/such/page")
    assert response.code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "does not exist or is not shared with you" in text(response)


async def test_unknown_api_path_is_json_404(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.code == 404
    assert json_body(response)["error"]["code"] == "not_found"


async def test_json_error_when_asked(client):
    response = await client.post("/auth/logout", xsrf=False,
                                 headers={"Accept": "application/json"})
    assert response.code == 403
    assert json_body(response) == {"error": {
        "code": "forbidden", "message": "'_xsrf' argument missing from POST"}}


async def test_security_headers_on_every_page(client):
    for path in ("/", "/auth/login", "/no/such/page"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "<script>" not in text(response)  # no inline script anywhere


async def test_pages_and_api_answers_are_private_to_whoever_asks(alice, make_client):
    """One rule in BaseHandler: shared caches keep no page or JSON answer, browsers ask
    again before reusing one, and `Vary` names what tells viewers apart."""
    image = await upload_one(alice, jpeg(), visibility="public")
    album = (await alice.post("/albums", {"title": "Trip", "visibility": "public"})
             ).headers["Location"]
    await alice.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                     "image_id": image["id"]})
    link = await create_link(alice, f"/i/{image['id']}")
    script = Api(make_client(), (await create_token(alice))["token"])
    anonymous = make_client()
    pages = ["/", f"/i/{image['id']}", album, "/u/alice", link, "/no/such/page", "/api"]
    api = ["/api/v1/me", "/api/v1/images", f"/api/v1/images/{image['id']}",
           f"/api/v1/albums/{album.rsplit('/', 1)[1]}", "/api/v1/shares", "/api/v1/tokens"]
    # The owner's image page lists the live link: that one is no-store (checked below).
    answers = [(await browser.get(path), "Cookie") for browser in (alice, anonymous)
               for path in pages if not (browser is alice and path == f"/i/{image['id']}")]
    answers += [(await alice.get(path), "Cookie") for path in ("/gallery", "/albums")]
    answers += [(await anonymous.get(path), "Cookie") for path in ("/auth/login", "/gallery")]
    # Listing share links shows their owner the live ones: no-store (checked below).
    answers += [(await caller.get(path), "Authorization, Cookie")
                for caller in (script, alice, anonymous) for path in api
                if not (caller is not anonymous and path == "/api/v1/shares")]
    answers.append((await anonymous.get("/api/v1/openapi.json"), "Cookie"))
    for response, vary in answers:
        where = (response.request.url, response.code)
        assert response.headers["Cache-Control"] == "private, no-cache", where
        # Accept-Encoding too: answers are compressed for clients that accept it.
        assert response.headers["Vary"] == f"{vary}, Accept-Encoding", where
    assert {response.code for response, _ in answers} == {200, 302, 401, 404}
    account = await alice.get("/account")  # may show a new token: kept nowhere
    assert account.headers["Cache-Control"] == "no-store"
    assert (await alice.get(f"/i/{image['id']}")).headers["Cache-Control"] == "no-store"
    assert (await script.get("/api/v1/shares")).headers["Cache-Control"] == "no-store"


async def test_navigation_shows_signed_in_user(alice, client):
    assert "Sign out" in text(await alice.get("/"))
    assert "alice" in text(await alice.get("/"))
    page = text(await client.get("/"))
    assert "Sign in" in page and "Sign out" not in page


async def test_head_mirrors_get_on_pages(client):
    for path in ("/", "/healthz", "/auth/login"):
        head = await client.request("HEAD", path)
        assert head.code == 200, path
        assert head.body == b""
    assert (await client.request("HEAD", "/auth/logout")).code == 405


async def test_ordinary_bodies_are_capped(client):
    response = await client.request("POST", "/auth/login", body=b"x" * (2 * 1024 * 1024),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.code == 400
    assert b"Invalid username" not in response.body  # refused before any handler ran


class FlashWithAction(BaseHandler):
    """Flashes a message whose button posts to `?action=`, then shows the front page."""

    def get(self) -> None:
        self.flash("Done.", action=self.get_query_argument("action"))
        self.redirect("/")


@pytest.mark.parametrize("action, shown", [
    ("/trash/undo/1?return=%2Fgallery", True), ("//evil.example/x", False),
    ("https://evil.example/", False), ("/\\evil.example", False)])
async def test_a_flash_button_posts_to_local_paths_only(app, client, action, shown):
    app.add_handlers(".*", [(r"/test/flash", FlashWithAction)])
    await client.get(f"/test/flash?{urlencode({'action': action})}")
    page = text(await client.get("/"))
    assert "Done." in page
    assert ('<button type="submit" class="button secondary">Undo</button>' in page) is shown
