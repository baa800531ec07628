"""Browser test fixtures: the real server (`manage.py serve`) and one headless Chromium per
test session (per xdist worker), a fresh browser context per page, and a shared `world` of
content to look at. See tests/browser/README.md."""

import os
from dataclasses import dataclass

import pytest

from tests.browser.harness import DESKTOP, BrowserSession, PageWatch, unavailable_reason
from tests.browser.page_types import PAGE_TYPES
from tests.browser.server import ServerProcess
from tests.browser.site_helpers import Site, User


@pytest.fixture(scope="session")
def browser_session():
    """Chromium, or a skip saying why not; under CI=true a missing browser is a failure,
    so that CI can never pass by skipping every browser test."""
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    session = BrowserSession()
    yield session
    session.close()


@pytest.fixture(scope="session")
def browser(browser_session):
    """The Playwright `Browser` (headless Chromium at /usr/bin/chromium)."""
    return browser_session.browser


@pytest.fixture(scope="session")
def site(browser_session, tmp_path_factory):
    """The running server (its own embedded database), stopped with SIGTERM at the end."""
    data_dir = tmp_path_factory.mktemp("pixvault-browser")
    server = ServerProcess(data_dir)
    base_url = server.start()
    yield Site(base_url, data_dir)
    server.stop()


@pytest.fixture
def watch():
    """This test's `PageWatch`: call `watch.allow_console(pattern)` for an expected error."""
    return PageWatch()


@pytest.fixture
def open_page(browser_session, site, watch):
    """Factory of pages, each in a fresh browser context (own cookies), all watched:
    `open_page()` signed out, `open_page(user)` signed in through the form, or
    `open_page(state=...)` with a saved `context.storage_state()`, and
    `base_url=site.localhost_url` for a site reached by host name (WebAuthn refuses IP
    addresses). The test fails at teardown on any console error or request to another
    host."""
    contexts = []

    def factory(user: User | None = None, *, state: dict | None = None,
                viewport: dict = DESKTOP, base_url: str | None = None):
        context = browser_session.browser.new_context(
            base_url=base_url or site.base_url, viewport=viewport, storage_state=state)
        contexts.append(context)
        watch.attach(context)
        page = context.new_page()
        if user is not None:
            site.sign_in(page, user)
        return page

    with browser_session.active():
        yield factory
        for context in contexts:
            context.close()
    problems = watch.problems()
    if problems:
        pytest.fail("the page misbehaved:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    """A signed-out page at desktop size (1366x900) in a fresh context."""
    return open_page()


@dataclass
class World:
    """Content made once per worker through the pages, for tests that only look at it:
    a public image in a public album, a share link, and saved sign-ins."""

    owner: User
    owner_state: dict
    image_id: str
    album_id: str
    share_path: str
    admin_state: dict


@pytest.fixture(scope="session")
def world(browser_session, site) -> World:
    """Built through the forms a person uses; tests must not change it (make your own
    user with `site.create_user()` or `site.register(page)` for that)."""
    setup_watch = PageWatch()
    with browser_session.active():
        context = browser_session.browser.new_context(base_url=site.base_url)
        setup_watch.attach(context)
        page = context.new_page()
        owner = site.create_user("owner")
        site.sign_in(page, owner)
        image_id = site.upload(page, title="Harbour at dusk", visibility="public")
        album_id = site.create_album(page, "Coast", visibility="public")
        site.add_to_album(page, image_id, album_id)
        share_path = site.share_image(page, image_id, label="For a friend")
        owner_state = context.storage_state()
        context.close()

        admin_context = browser_session.browser.new_context(base_url=site.base_url)
        setup_watch.attach(admin_context)
        site.sign_in(admin_context.new_page(), site.create_user("admin", admin=True))
        admin_state = admin_context.storage_state()
        admin_context.close()
    assert not setup_watch.problems(), setup_watch.problems()
    return World(owner, owner_state, image_id, album_id, share_path, admin_state)


@pytest.fixture
def open_page_type(open_page, world):
    """Open one of `PAGE_TYPES` by name as its viewer, in a fresh context, and return the
    page once its status is checked: `open_page_type("gallery", viewport=NARROW)`."""

    def opener(name: str, viewport: dict = DESKTOP):
        kind = PAGE_TYPES[name]
        state = {"owner": world.owner_state, "admin": world.admin_state}.get(kind.viewer)
        page = open_page(state=state, viewport=viewport)
        path = kind.path.format(image_id=world.image_id, album_id=world.album_id,
                                owner=world.owner.name, share_path=world.share_path)
        response = page.goto(path)
        assert response.status == kind.status, f"{path} answered {response.status}"
        return page

    return opener
