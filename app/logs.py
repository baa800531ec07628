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
"""

import logging
import re
import secrets
import sys

from pythonjsonlogger.json import JsonFormatter
from tornado.httputil import HTTPServerRequest
from tornado.log import access_log
from tornado.web import RequestHandler

HEADER = "X-Request-Id"
# What a proxy may pass on: short, and nothing that could break a log line or a header.
_INCOMING = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(log_format: str) -> None:
    """Send every log line at INFO and above to standard error, in `log_format`."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level",
                                                          "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter(_TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


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
    access_log.log(level, "%(status)d %(method)s %(route)s %(duration_ms).1fms "
                   "user=%(user_id)s request=%(request_id)s", fields, extra=fields)
