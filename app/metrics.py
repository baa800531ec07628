"""`GET /metrics`: Prometheus exposition, for admins and for scrapers on this host.

Two kinds of numbers:

- site totals (users, images, stored bytes, albums, live share links), read from the
  database at scrape time, so they are the same whichever worker answers;
- HTTP requests and their durations, by method, route pattern and status class. With
  `serve --workers N`, every worker keeps its counters in memory-mapped files in a folder
  `serve` makes for the run (prometheus-client's multiprocess mode, switched on by
  `PROMETHEUS_MULTIPROC_DIR`), and a scrape, whichever worker answers it, adds up all of
  them: the request path still only bumps a number in memory.

Requests are counted by the application's `log_function` (`app.logs.log_request`), which
Tornado calls once per finished request of every handler (static files and 404s included)
without any handler having to cooperate. Routes are labelled with their URL pattern, never
the raw path, so ids neither leak into the metrics nor multiply their series.

Who may scrape: an admin (session or `Authorization: Bearer <admin token>`), or any client
on a loopback address unless the `metrics_allow_loopback` setting is off. Behind a reverse
proxy on the same host every request looks local (with `--xheaders`, the proxy's own
`X-Real-IP` decides): the proxy must not forward `/metrics`. Everyone else gets the ordinary
404 page.
"""

import ipaddress
import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from tornado.routing import PathMatches
from tornado.web import RequestHandler

from app.admin.store import is_admin, site_totals
from app.auth.scopes import needs
from app.errors import Forbidden, NotFound, Unauthorized
from app.web import BaseHandler

# Uploads of large images take seconds: buckets reach past Prometheus' default 10 s.
DURATION_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60)
UNMATCHED = "unmatched"  # the catch-all 404 handler
# prometheus-client's own switch to multiprocess mode: when set as it is first imported, its
# metrics live in files in that folder (see `serve`).
SHARED_DIR = "PROMETHEUS_MULTIPROC_DIR"
TOTALS = {
    "users": "User accounts",
    "images": "Images stored",
    "stored_bytes": "Bytes stored for all users (originals and derivatives)",
    "albums": "Albums",
    "live_shares": "Share links neither revoked nor expired",
}


class Metrics:
    """One application's metrics, in a registry of its own: the global default registry
    would refuse a second application's metrics of the same names (tests build many)."""

    def __init__(self):
        self.shared_dir = os.environ.get(SHARED_DIR)
        self.registry = CollectorRegistry()
        if not self.shared_dir:  # one process's memory and CPU say little of N workers
            ProcessCollector(registry=self.registry)
        self.requests = Counter("pixvault_http_requests", "HTTP requests answered",
                                ("method", "route", "status"), registry=self.registry)
        self.duration = Histogram("pixvault_http_request_duration_seconds",
                                  "Time to answer HTTP requests", ("method", "route"),
                                  buckets=DURATION_BUCKETS, registry=self.registry)
        # Set by the worker answering a scrape just before it encodes: the latest value is
        # the site's, whichever worker wrote it.
        self.totals = {name: Gauge(f"pixvault_{name}", text, registry=self.registry,
                                   multiprocess_mode="mostrecent")
                       for name, text in TOTALS.items()}
        self.uploads = Counter("pixvault_uploads", "Files uploaded, by result: stored, "
                               "duplicate (already the owner's), refused", ("result",),
                               registry=self.registry)
        self.upload_bytes = Counter("pixvault_upload_bytes", "Bytes of the files stored",
                                    registry=self.registry)
        self.processing = Histogram("pixvault_processing_seconds", "Time to decode, derive "
                                    "and store one new image, by format", ("format",),
                                    buckets=DURATION_BUCKETS, registry=self.registry)
        self.cache = Counter("pixvault_variant_cache_lookups", "Small variants looked up in "
                             "the memory cache, by result: hit or miss", ("result",),
                             registry=self.registry)
        self.hot = Counter("pixvault_hot_answers", "Public answers served from memory by the "
                           "hot path, with no database round trip", registry=self.registry)
        self.database_errors = Counter("pixvault_database_errors", "Requests answered 503 "
                                       "because the database did not answer",
                                       registry=self.registry)
        self._routes: dict[type, list[tuple[re.Pattern, str]]] | None = None
        # Bounded: methods, route patterns and status classes are each a short fixed list.
        self._series: dict[tuple[str, str, int], tuple] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request, named by its `method` and `route` (see there)."""
        key = (method, route, status // 100)
        series = self._series.get(key)
        if series is None:  # labels() costs more than the counting itself: once per key
            series = self._series[key] = (self.requests.labels(method, route, f"{key[2]}xx"),
                                          self.duration.labels(method, route))
        series[0].inc()
        series[1].observe(seconds)

    def uploaded(self, image: dict, created: bool, size: int, seconds: float) -> None:
        """Count one uploaded file the upload answered with: a new image of `size` bytes
        made in `seconds`, or a duplicate (refused ones count `uploads{result="refused"}`)."""
        if not created:
            self.uploads.labels("duplicate").inc()
        else:
            self.uploads.labels("stored").inc()
            self.upload_bytes.inc(size)
            self.processing.labels(image["format"]).observe(seconds)

    @staticmethod
    def method(handler: RequestHandler) -> str:
        """The request's method, or "other": clients may send any name, and only the ones
        Tornado serves may become labels."""
        method = handler.request.method
        return method if method in handler.SUPPORTED_METHODS else "other"

    def route(self, handler: RequestHandler) -> str:
        """The URL pattern that routed this request, e.g. `/i/([A-Za-z0-9_-]{22})`."""
        if self._routes is None:
            # Built on first use: the application's rules, static routes included, are final.
            self._routes = {}
            for rule in handler.application.wildcard_router.rules:
                if isinstance(rule.matcher, PathMatches):
                    pattern = rule.matcher.regex.pattern
                    self._routes.setdefault(rule.target, []).append(
                        (rule.matcher.regex, pattern.removesuffix("$")))
        for regex, label in self._routes.get(type(handler), ()):
            if regex.match(handler.request.path):
                return label
        return UNMATCHED

    def set_totals(self, totals: dict[str, int]) -> None:
        """Set the site-total gauges (just before encoding a scrape)."""
        for name, gauge in self.totals.items():
            gauge.set(totals[name])

    def scraped(self) -> CollectorRegistry:
        """What a scrape shows: this process's registry, or every worker's files added up."""
        if not self.shared_dir:
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.shared_dir)
        return registry


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and their IPv4-mapped forms."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class MetricsHandler(BaseHandler):
    accepts_bearer = True

    async def prepare(self) -> None:
        if self.settings["metrics_allow_loopback"] and is_loopback(self.request.remote_ip):
            return  # a scraper on this host: no need to look anyone up
        try:
            await super().prepare()
        except (Unauthorized, Forbidden):
            raise NotFound() from None  # a bad token learns no more than no token
        if not is_admin(self.current_user):
            raise NotFound()

    @needs("read")
    async def get(self) -> None:
        metrics = self.application.metrics
        metrics.set_totals(await site_totals(self.db, self.now()))
        # Prometheus asks for OpenMetrics or the text format in `Accept`; the library decides.
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", "no-store")
        self.finish(encode(metrics.scraped()))


ROUTES = [(r"/metrics", MetricsHandler)]
