"""`/healthz` answers 200 while the database does and 503 promptly when it stops."""

import contextlib
import os
import signal
import time

from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import make_app
from app.db import connect, ensure_indexes
from app.embedded import EmbeddedDatabase
from tests.client import Client, json_body


async def test_healthz_ok(client):
    response = await client.get("/healthz")
    assert response.code == 200
    assert json_body(response) == {"status": "ok"}


@contextlib.asynccontextmanager
async def served_on_own_database(tmp_path):
    """An app on a database of its own (the test stops or freezes it), with a client."""
    embedded = EmbeddedDatabase(tmp_path / "db")
    mongo = connect(embedded.start(), timeout_ms=1000)
    await ensure_indexes(mongo.outage)
    app = make_app({"cookie_secret": "x", "share_key": "y", "db_timeout_ms": 1000,
                    "data_dir": str(tmp_path)}, db=mongo.outage)
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        yield embedded, browser, app
    finally:
        if embedded._process is not None:
            os.kill(embedded._process.pid, signal.SIGCONT)
        browser.close()
        server.stop()
        embedded.stop()
        await mongo.close()
        app.close()


async def test_healthz_503_when_database_stops(tmp_path):
    async with served_on_own_database(tmp_path) as (embedded, browser, _):
        assert (await browser.get("/healthz")).code == 200
        embedded.stop()
        started = time.monotonic()
        response = await browser.get("/healthz")
        assert response.code == 503
        assert json_body(response) == {"status": "unavailable"}
        assert time.monotonic() - started < 5  # not the driver's default 30 s


async def test_a_frozen_database_is_a_prompt_503_and_recovery_is_automatic(tmp_path, caplog):
    async with served_on_own_database(tmp_path) as (embedded, browser, app):
        assert (await browser.get("/")).code == 200
        os.kill(embedded._process.pid, signal.SIGSTOP)  # alive, connected, never answering
        for path, headers in (("/", {}), ("/api/v1/images", {"Authorization": "Bearer x"})):
            started = time.monotonic()
            response = await browser.get(path, headers=headers)
            assert response.code == 503
            assert time.monotonic() - started < 1 + 2  # db_timeout_ms plus a margin
        os.kill(embedded._process.pid, signal.SIGCONT)
        assert (await browser.get("/")).code == 200
        assert app.metrics.registry.get_sample_value("pixvault_database_errors_total") == 2
    outage = [record for record in caplog.records if "did not answer" in record.getMessage()]
    assert len(outage) == 2 and not any(record.exc_info for record in caplog.records)
