"""Logs: one structured line per request, with an id that ties it to what the user saw.

Every page and API answer carries `X-Request-Id`, and error pages show it, so a user's
report ("it said reference 3f2a...") finds its line. Behind a reverse proxy trusted with
`--xheaders`, the proxy's own `X-Request-Id` is kept, so one id follows a request through
both logs.

A request line names the route pattern (`/s/([A-Za-z0-9_-]{43})`), never the raw path: paths
hold share-link tokens and other ids a log reader has no business with. Client addresses are
left out for the same reason; security events keep theirs in the audit log.

`--log-format json` writes every log line, these and the rest, as one JSON object
(python-json-logger), for log shippers; the default is plain text for people.

Lines reach standard error in batches (`BatchingHandler`): a request line costs no system
call of its own, yet is written within `FLUSH_SECONDS`, and at once with the first warning
or error after it.
"""

import logging
import os
import re
import secrets
import sys
import threading
import time

from pythonjsonlogger.json import JsonFormatter
from tornado.httputil import HTTPServerRequest
from tornado.log import access_log
from tornado.web import RequestHandler

HEADER = "X-Request-Id"
# What a proxy may pass on: short, and nothing that could break a log line or a header.
_INCOMING = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_ACCESS = "%(status)d %(method)s %(route)s %(duration_ms).1fms user=%(user_id)s " \
          "request=%(request_id)s"
# A crash (or a kill) loses at most this much of the log; a clean stop loses nothing.
FLUSH_SECONDS = 0.5
# What one write may hold: up to PIPE_BUF bytes reach a pipe in one piece, so the lines of
# workers sharing one standard error never interleave. Counted in characters: log lines
# are ASCII but for rare user-supplied text.
BATCH_CHARACTERS = 4096


def configure(log_format: str) -> None:
    """Send every log line at INFO and above to standard error, in `log_format`."""
    handler = BatchingHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                            rename_fields={"levelname": "level",
                                                           "asctime": "time"}))
    else:
        handler.setFormatter(_Formatter(_TEXT))
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class BatchingHandler(logging.StreamHandler):
    """A `StreamHandler` that writes its lines in batches rather than one system call each.

    Pending lines are written when they would exceed `BATCH_CHARACTERS`, when a WARNING or
    worse arrives (with it, so problems and what led to them are seen at once), every
    `interval` seconds by a thread of its own, before the process forks (no line is written
    twice) and when logging shuts down at exit.
    """

    def __init__(self, stream, interval: float = FLUSH_SECONDS):
        super().__init__(stream)
        self.interval = interval
        self._lines: list[str] = []
        self._size = 0
        self._stopping = threading.Event()
        self._start_flusher()
        os.register_at_fork(before=self.flush, after_in_child=self._start_flusher)

    def emit(self, record: logging.LogRecord) -> None:
        # Called with the handler's lock held (`Handler.handle`).
        try:
            line = self.format(record) + self.terminator
        except Exception:  # noqa: BLE001 - logging's own policy: report, never raise
            self.handleError(record)
            return
        if self._size + len(line) > BATCH_CHARACTERS:
            self._write()
        self._lines.append(line)
        self._size += len(line)
        if record.levelno >= logging.WARNING:
            self._write()

    def flush(self) -> None:
        """Write every pending line now."""
        with self.lock:
            self._write()

    def close(self) -> None:
        """Write what is pending and stop the flushing thread."""
        self._stopping.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        if not self._lines:
            return
        text = "".join(self._lines)
        self._lines.clear()
        self._size = 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # noqa: BLE001 - as StreamHandler: report on stderr, carry on
            self.handleError(logging.makeLogRecord({"msg": text}))

    def _start_flusher(self) -> None:
        # A forked child has no threads but the one that forked: it starts its own.
        if self._stopping.is_set():
            return
        threading.Thread(target=self._flush_every_interval, daemon=True,
                         name="pixvault-log-flush").start()

    def _flush_every_interval(self) -> None:
        while not self._stopping.wait(self.interval):
            self.flush()


class _Formatter(logging.Formatter):
    """`formatTime` with its date and time made once a second, not once a line (the same
    text: only the milliseconds change within a second)."""

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt:
            return super().formatTime(record, datefmt)
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, text)
        return self.default_msec_format % (text, record.msecs)


class _JsonFormatter(_Formatter, JsonFormatter):
    """python-json-logger's, with the time made once a second."""


def request_id(handler: RequestHandler) -> str:
    """The id of the handler's request, made on first use and the same ever after."""
    return request_id_of(handler.request, handler.settings.get("xheaders"))


def request_id_of(request: HTTPServerRequest, xheaders: bool) -> str:
    """The id of `request` (the proxy's own with `xheaders`), the same on every call."""
    found = getattr(request, "pixvault_request_id", None)
    if found is None:
        incoming = request.headers.get(HEADER, "") if xheaders else ""
        found = incoming if _INCOMING.match(incoming) else secrets.token_hex(8)
        request.pixvault_request_id = found
    return found


def log_request(handler: RequestHandler) -> None:
    """The application's `log_function` (Tornado calls it once per finished request, static
    files and 404s included): count the request in the metrics and write its line."""
    metrics = handler.application.metrics
    # Matched once: finding the route walks the application's patterns.
    method, route = metrics.method(handler), metrics.route(handler)
    # Whoever the request itself signed in as; no lookup is made just to log it.
    user = getattr(handler, "_current_user", None)
    log_answer(metrics, handler.request, method, route, handler.get_status(),
               user_id=user["_id"] if isinstance(user, dict) else None,
               request_id=request_id(handler))


def log_answer(metrics, request: HTTPServerRequest, method: str, route: str, status: int,
               *, user_id: str | None, request_id: str) -> None:
    """Count one finished request in `metrics` and write its line; for answers made
    without a handler (the hot path), `log_request` for the rest."""
    duration = request.request_time()
    metrics.observe(method, route, status, duration)
    fields = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(1000 * duration, 1),
        "user_id": user_id,
    }
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if access_log.isEnabledFor(level):
        # `access_log.log` less its search of the stack for the caller, which no line shows.
        access_log.handle(access_log.makeRecord(access_log.name, level, __file__, 0, _ACCESS,
                                                (fields,), None, extra=fields))
