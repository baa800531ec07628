"""Request logs: one line per request naming its route, status, user and id; the id is in
the answer and on error pages; share tokens and addresses never reach the log."""

import io
import logging
import os
import re
import time

import pytest

from app.logs import BATCH_CHARACTERS, BatchingHandler
from tests.client import text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg

ACCESS = "tornado.access"


@pytest.fixture
def access_lines(caplog):
    """The access log records of the test, as they are written."""
    caplog.set_level(logging.INFO, logger=ACCESS)
    return lambda: [record for record in caplog.records if record.name == ACCESS]


async def test_a_request_logs_one_line_with_route_status_user_and_its_id(alice, db,
                                                                         access_lines):
    response = await alice.get("/gallery")
    (line,) = [r for r in access_lines() if r.route == "/gallery"]
    user = await db.users.find_one({"username": "alice"})
    assert (line.method, line.status, line.user_id) == ("GET", 200, user["_id"])
    assert line.request_id == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", line.request_id)
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("200 GET /gallery ")


async def test_ids_differ_per_request_and_signed_out_lines_have_no_user(client, access_lines):
    first, second = await client.get("/"), await client.get("/")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert {line.user_id for line in access_lines()} == {None}


async def test_share_tokens_and_addresses_never_reach_the_log(alice, client, access_lines):
    image = await upload_one(alice, jpeg())
    link = await create_link(alice, f"/i/{image['id']}")
    assert (await client.get(link)).code == 200
    token = link.rsplit("/", 1)[1]
    lines = access_lines()
    shown = [line for line in lines if line.route.startswith("/s/")]
    assert shown and all(line.status == 200 for line in shown)
    for line in lines:
        assert token not in line.getMessage() and token not in str(vars(line))
        assert "127.0.0.1" not in line.getMessage()


async def test_error_pages_show_their_reference_and_client_errors_log_warnings(
        client, access_lines):
    response = await client.post("/auth/login", {"username": "x"}, xsrf=False)
    assert response.code == 403
    reference = response.headers["X-Request-Id"]
    assert f"mention reference <code>{reference}</code>" in text(response)
    (line,) = [r for r in access_lines() if r.request_id == reference]
    assert line.levelno == logging.WARNING
    missing = await client.get("/no/such/page")
    assert missing.code == 404 and "mention reference" not in text(missing)


@pytest.mark.parametrize(("xheaders", "sent", "kept"), [
    (True, "lb-7f3a.42", True),
    (True, "two words", False),
    (True, "x" * 65, False),
    (False, "lb-7f3a.42", False),  # only a proxy the operator trusts may name requests
])
async def test_a_trusted_proxy_names_the_request(app, client, xheaders, sent, kept):
    app.settings["xheaders"] = xheaders
    answered = (await client.get("/", headers={"X-Request-Id": sent})).headers["X-Request-Id"]
    assert (answered == sent) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{16}", answered)


class Writes(io.StringIO):
    """A stream that remembers each write it was given."""

    def __init__(self):
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def batching_logger(stream, interval: float) -> tuple[logging.Logger, BatchingHandler]:
    handler = BatchingHandler(stream, interval=interval)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"test.batching.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


def test_info_lines_wait_for_a_warning_which_writes_them_with_it_in_order():
    stream = Writes()
    logger, handler = batching_logger(stream, interval=3600)
    try:
        logger.info("one")
        logger.info("two")
        assert stream.getvalue() == ""
        logger.warning("three")
        assert stream.writes == ["INFO one\nINFO two\nWARNING three\n"]
    finally:
        handler.close()


def test_a_line_is_written_within_the_flush_interval_without_anything_after_it():
    stream = Writes()
    logger, handler = batching_logger(stream, interval=0.05)
    try:
        logger.info("alone")
        deadline = time.monotonic() + 10  # a bound that catches a hang, not a timing
        while not stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stream.getvalue() == "INFO alone\n"
    finally:
        handler.close()


def test_closing_writes_what_is_pending_and_writes_stay_within_a_pipes_atomic_size():
    stream = Writes()
    logger, handler = batching_logger(stream, interval=3600)
    lines = [f"line {n} " + "x" * 90 for n in range(200)]
    for line in lines:
        logger.info(line)
    handler.close()
    assert stream.getvalue() == "".join(f"INFO {line}\n" for line in lines)
    assert len(stream.writes) > 1
    assert all(len(write) <= BATCH_CHARACTERS for write in stream.writes)


def test_a_forked_child_does_not_write_its_parents_pending_lines_again():
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "w")
    logger, handler = batching_logger(stream, interval=3600)
    logger.info("before the fork")
    child = os.fork()
    if child == 0:  # the child: its own line, then out without any exit handler
        try:
            logger.info("from the child")
            handler.flush()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    handler.close()
    stream.close()
    with os.fdopen(read_end) as written:
        lines = written.read().splitlines()
    assert sorted(lines) == ["INFO before the fork", "INFO from the child"]
