"""`GET /metrics`: Prometheus exposition, for admins and for scrapers on this host.

Two kinds of numbers:

- site totals (users, images, stored bytes, albums, live share links), read from the
  database at scrape time, so they are the same whichever worker answers;
- HTTP requests and their durations, by method, route pattern and status class, counted by
  this process only: with `serve --workers N` each scrape reaches one worker and sees that
  worker's counters (keeping none in shared state is what keeps the request path cheap).

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
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import choose_encoder
from tornado.routing import PathMatches
from tornado.web import RequestHandler

from app.admin.store import is_admin, site_totals
from app.errors import NotFound, Unauthorized
from app.web import BaseHandler

# Uploads of large images take seconds: buckets reach past Prometheus' default 10 s.
DURATION_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60)
UNMATCHED = "unmatched"  # the catch-all 404 handler
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
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # memory, CPU, open files of this process
        self.requests = Counter("pixvault_http_requests", "HTTP requests answered",
                                ("method", "route", "status"), registry=self.registry)
        self.duration = Histogram("pixvault_http_request_duration_seconds",
                                  "Time to answer HTTP requests", ("method", "route"),
                                  buckets=DURATION_BUCKETS, registry=self.registry)
        self.totals = {name: Gauge(f"pixvault_{name}", text, registry=self.registry)
                       for name, text in TOTALS.items()}
        self._routes: dict[type, list[tuple[re.Pattern, str]]] | None = None

    def observe(self, handler: RequestHandler) -> None:
        """Count one finished request."""
        method, route = self.method(handler), self.route(handler)
        self.requests.labels(method, route, f"{handler.get_status() // 100}xx").inc()
        self.duration.labels(method, route).observe(handler.request.request_time())

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
        except Unauthorized:
            raise NotFound() from None  # a bad token learns no more than no token
        if not is_admin(self.current_user):
            raise NotFound()

    async def get(self) -> None:
        metrics = self.application.metrics
        metrics.set_totals(await site_totals(self.db, self.now()))
        # Prometheus asks for OpenMetrics or the text format in `Accept`; the library decides.
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", "no-store")
        self.finish(encode(metrics.registry))


ROUTES = [(r"/metrics", MetricsHandler)]
