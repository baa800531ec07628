"""The hot path: public variants answered from memory, with no database round trip.

A `GET /i/<id>/<variant>` whose answer was `public` (`access.same_for_everyone`: the same
for whoever asks, see `variants`) is kept, headers and bytes exactly as they were sent, in
the application's `HotCache`. The next request for the same path and the same choice of
format (AVIF or not, from `Accept`) is answered before any handler is even made
(`Pixvault.find_handler` asks `HotPath.answer` first): no session lookup, no image
lookup, no GridFS read; the answer's headers are written as they were, with a new `Date`,
and it is counted and logged like any other request (user unknown: no lookup is made just
to log it). An `If-None-Match` naming the answer's ETag gets its 304 the same way.

Everything else takes the normal path: private images and originals (authorised on every
request), a query string (`?download=1`), `Range`, `If-Modified-Since` or another ETag,
`Authorization` (a bad token must still be refused), and every request while the
invalidation signal is not fresh (`app.invalidation`: fail closed).
"""

import time

from tornado.httputil import (
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerRequest,
    ResponseStartLine,
    format_timestamp,
)
from tornado.web import RequestHandler

from app import logs
from app.images.cache import HotCache
from app.invalidation import Watcher

# What a 304 leaves out of the 200 it stands for (Tornado drops the same from its own).
_REPRESENTATION = {"Content-Type", "Content-Length", "Content-Disposition"}
# What belonged to the connection the answer was first sent on, not to the answer: Tornado
# adds `Connection: close` to the headers it sends when that client asked to close, and a
# kept copy of it would tell every later client to hang up (and reconnect) after its answer.
_NOT_KEPT = {"Date", "Connection", "Keep-Alive", "Transfer-Encoding"}


class HotAnswer:
    """One kept answer: the 200's headers and body, the 304's headers, and the names it is
    counted and logged under."""

    __slots__ = ("ok", "not_modified", "body", "etag", "route")

    def __init__(self, headers: HTTPHeaders, body: bytes, route: str):
        kept = [(name, value) for name, value in headers.get_all() if name not in _NOT_KEPT]
        self.ok = kept
        self.not_modified = [(n, v) for n, v in kept if n not in _REPRESENTATION]
        self.body = body
        self.etag = headers["Etag"]
        self.route = route


class HotPath:
    """Answers what the `HotCache` holds, and fills it from finished normal answers."""

    def __init__(self, cache: HotCache, watcher: Watcher, metrics, *, xheaders: bool):
        self.cache = cache
        self.watcher = watcher
        self.metrics = metrics
        self.xheaders = xheaders
        self._date = (0, "")

    def answer(self, request: HTTPServerRequest) -> HTTPMessageDelegate | None:
        """A delegate answering `request` from memory, or None for the normal path."""
        # From the first request on, whatever it is: the watcher's first poll (which drops
        # everything) is then long done when public images start being asked for.
        self.watcher.start()
        if request.method not in ("GET", "HEAD") or request.query:
            return None
        headers = request.headers
        if "Range" in headers or "Authorization" in headers or "If-Modified-Since" in headers:
            return None
        kept = self.cache.get((request.path, "image/avif" in headers.get("Accept", "")))
        if kept is None or not self.watcher.fresh():
            return None
        etag = headers.get("If-None-Match")
        if etag is None:
            return _Reply(self, request, kept, 200)
        return _Reply(self, request, kept, 304) if etag == kept.etag else None

    def keep(self, handler: RequestHandler, image: dict, body: bytes, ticket: int) -> None:
        """Keep the answer `handler` just finished sending (a public 200 of `body`, made
        from `image` as read after `ticket` was taken) for the requests that follow."""
        request = handler.request
        headers = handler._headers  # as sent: Tornado has no public getter for them
        if (handler.get_status() != 200 or request.method != "GET" or request.query
                or headers.get("Content-Length") != str(len(body))
                or "Set-Cookie" in headers):  # a cookie is one client's, never everyone's
            return
        route = self.metrics.route(handler)
        self.cache.put((request.path, "image/avif" in request.headers.get("Accept", "")),
                       HotAnswer(headers, body, route), size=len(body),
                       image_id=image["_id"], owner_id=image["owner_id"], ticket=ticket)

    def date(self) -> str:
        """The `Date` header for now, made once a second."""
        second = int(time.time())
        if second != self._date[0]:
            self._date = (second, format_timestamp(second))
        return self._date[1]


class _Reply(HTTPMessageDelegate):
    """Writes one kept answer once the request has arrived."""

    def __init__(self, path: HotPath, request: HTTPServerRequest, kept: HotAnswer,
                 status: int):
        self.path, self.request, self.kept, self.status = path, request, kept, status

    def finish(self) -> None:
        path, request, kept = self.path, self.request, self.kept
        headers = HTTPHeaders(kept.ok if self.status == 200 else kept.not_modified)
        headers["Date"] = path.date()
        reason = "OK" if self.status == 200 else "Not Modified"
        body = kept.body if self.status == 200 and request.method == "GET" else None
        request.connection.write_headers(ResponseStartLine("", self.status, reason), headers,
                                         body)
        request.connection.finish()
        path.metrics.hot.inc()
        logs.log_answer(path.metrics, request, request.method, kept.route, self.status,
                        user_id=None, request_id=logs.request_id_of(request, path.xheaders))


class OffersHotAnswers(RequestHandler):
    """Mixin of the byte handler: call `offer_hot(image, file)` when the answer is public;
    once sent, it is kept for the hot path."""

    _hot_offer: tuple[dict, dict] | None = None

    async def prepare(self) -> None:
        # Before anything is read: see HotCache.ticket.
        self._hot_ticket = self.application.hot_cache.ticket()
        await super().prepare()

    def offer_hot(self, image: dict, file: dict) -> None:
        """This answer (`file` of `image`) is the same for everyone: it may be kept."""
        self._hot_offer = (image, file)

    def on_finish(self) -> None:
        if self._hot_offer is None:
            return
        image, file = self._hot_offer
        body = self.application.variant_cache.get(file["id"])
        if body is not None:
            self.application.hot_path.keep(self, image, body, self._hot_ticket)
