"""Test fixtures: one embedded SecantusDB per test session (per xdist worker), a fresh
database per test, and the real application served on a loopback port."""

import datetime
import uuid

import pytest
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import MAX_BODY_BYTES, make_app
from app.db import connect, ensure_indexes, utcnow
from app.embedded import EmbeddedDatabase
from tests.browser import screenshots
from tests.client import Client

TEST_BCRYPT_ROUNDS = 4  # bcrypt's minimum; production's 12 is asserted in test_passwords


# These two hooks live here, not in tests/browser/conftest.py: with pytest-xdist, only the
# controller's output is shown, and it collects nothing, so it loads only this conftest.
def pytest_configure(config):
    screenshots.configure(config)


def pytest_terminal_summary(terminalreporter, config):
    screenshots.report(terminalreporter, config)


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory):
    database = EmbeddedDatabase(tmp_path_factory.mktemp("secantusdb") / "db")
    yield database.start()
    database.stop()


class Clock:
    """The app's clock, frozen until a test moves it: expiry tests never sleep."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
async def db(mongodb_uri):
    # Generous: a busy CI machine must not turn a slow operation into a 503 (tests of the
    # timeout itself make their own client).
    client = connect(mongodb_uri, timeout_ms=20_000)
    name = f"test_{uuid.uuid4().hex[:16]}"
    database = client[name]
    await ensure_indexes(database)
    yield database
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def app(db, clock, tmp_path):
    """The application on this test's database; tests change `app.settings` as they need."""
    application = make_app({"cookie_secret": "test-cookie-secret",
                            "share_key": "test-share-key", "data_dir": str(tmp_path),
                            "bcrypt_rounds": TEST_BCRYPT_ROUNDS}, db=db, clock=clock)
    yield application
    application.close()


@pytest.fixture
async def base_url(app):
    sock, port = bind_unused_port()
    server = HTTPServer(app, max_body_size=MAX_BODY_BYTES)
    server.add_sockets([sock])
    yield f"http://127.0.0.1:{port}"
    server.stop()
    await server.close_all_connections()


@pytest.fixture
async def make_client(base_url):
    """Factory of independent browsers (each with its own cookies)."""
    clients = []

    def factory() -> Client:
        clients.append(Client(base_url))
        return clients[-1]

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> Client:
    return make_client()


@pytest.fixture
async def alice(make_client) -> Client:
    """A browser signed in as 'alice'."""
    browser = make_client()
    await browser.register("alice")
    return browser
