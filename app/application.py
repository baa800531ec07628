"""The web application: `make_app()` builds a `Pixvault` with its long-lived services and the
routes of every feature."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.template
import tornado.web
from pymongo.asynchronous.database import AsyncDatabase

from app import db as database
from app import health, logs, metrics, static
from app.admin.handlers import ROUTES as ADMIN_ROUTES
from app.api.handlers import ROUTES as API_ROUTES
from app.auth.handlers import ROUTES as AUTH_ROUTES
from app.compression import GzipUnlessNoStore
from app.config import DEFAULTS
from app.images.budget import MemoryBudget, default_capacity
from app.images.cache import HotCache, VariantCache
from app.images.handlers import ROUTES as IMAGE_ROUTES
from app.images.handlers.hot import HotPath
from app.images.handlers.ui import UI_METHODS
from app.images.intake.spool import spool_dir
from app.images.rendering import Renditions
from app.images.share_keys import ShareKeys
from app.invalidation import Watcher
from app.pools import BoundedExecutor
from app.web import NotFoundHandler

ROOT = Path(__file__).resolve().parent.parent
# Forms and JSON bodies are small; upload handlers raise the limit for their own request
# while they stream it to disk (UploadReceiver.prepare).
MAX_BODY_BYTES = 1024 * 1024
# Tornado's own settings, the same for every deployment.
TORNADO_SETTINGS = {
    "template_path": str(ROOT / "templates"),
    "static_path": str(ROOT / "static"),
    "static_handler_class": static.ReleaseStaticFileHandler,
    "xsrf_cookies": True,
    "login_url": "/auth/login",
    "default_handler_class": NotFoundHandler,
    "ui_methods": UI_METHODS,
    "log_function": logs.log_request,
}


class Pixvault(tornado.web.Application):
    """The application and the services every handler reaches through it.

    `settings` holds options only; services are attributes, built once here and closed by
    `close()`: the database handle (the caller owns its client), the GridFS bucket, two
    bounded thread pools (image work and password hashing, so neither can starve the
    other), the memory budget of image decodes, the variant and hot caches, the watcher of
    the invalidation signal, the hot path, the metrics registry, the clock (tests replace
    it), the share-link keys, the renditions (single flight) and the folder uploads are
    spooled to.
    """

    def __init__(self, options: dict, *, db: AsyncDatabase, clock=database.utcnow,
                 uri: str | None = None):
        settings = {**DEFAULTS, **TORNADO_SETTINGS, **options}
        settings["static_release"] = static.release_of(settings["static_path"])
        # The application's own loader (Tornado's default, made once), so that
        # `compile_templates` can fill it before any request.
        settings["template_loader"] = tornado.template.Loader(settings["template_path"])
        # Code autoreload would re-exec the process and orphan the embedded database, so
        # debug mode gives tracebacks and template reloading only.
        if settings["debug"]:
            settings.update(autoreload=False, serve_traceback=True,
                            compiled_template_cache=False)
        # Tornado's `compress_response`, with the exceptions app.compression explains.
        super().__init__([*health.ROUTES, *AUTH_ROUTES, *IMAGE_ROUTES, *API_ROUTES,
                          *ADMIN_ROUTES, *metrics.ROUTES], transforms=[GzipUnlessNoStore],
                         **settings)
        self.db = db
        self.bucket = database.images_bucket(db)
        self.clock = clock
        self.share_keys = ShareKeys(settings["share_key"], settings["share_keys_old"])
        cores = len(os.sched_getaffinity(0))  # the cores this process may run on
        self.image_executor = ThreadPoolExecutor(cores, thread_name_prefix="pixvault-image")
        # A password flood waits in a short line, then is refused, rather than queueing
        # every sign-in behind it for minutes.
        self.password_executor = BoundedExecutor(cores, settings["bcrypt_queue"],
                                                 "pixvault-bcrypt")
        self.variant_cache = VariantCache(settings["cache_mb"] * 1024 * 1024)
        # Public answers served from memory, forgotten on the invalidation signal.
        self.hot_cache = HotCache(settings["hot_cache_mb"] * 1024 * 1024,
                                  settings["hot_cache_entries"])
        self.invalidations = Watcher(db, uri=uri, timeout_ms=settings["db_timeout_ms"])
        self.invalidations.subscribe(self.hot_cache.drop)
        # Image decodes wait for room in here before they reach the image pool.
        self.decode_budget = MemoryBudget(settings["decode_memory_mb"] * 1024 * 1024
                                          or default_capacity(cores))
        # Signed renditions: made once per process at a time, cached in GridFS.
        self.renditions = Renditions(self)
        # Per application, not the global registry: every app (and test) counts on its own.
        self.metrics = metrics.Metrics()
        self.hot_path = HotPath(self.hot_cache, self.invalidations, self.metrics,
                                xheaders=settings["xheaders"])
        # Uploads arrive here (`<data_dir>/uploads`), where gc finds what a crash left.
        self.spool_dir = spool_dir(settings["data_dir"])
        # Uploads by URL refuse loopback addresses; tests that serve the remote file from
        # this machine turn this on.
        self.fetch_allows_loopback = False

    def compile_templates(self) -> int:
        """Compile every template into the loader the handlers use; returns how many.

        Tornado compiles a template when it is first rendered, 10-30 ms of CPU for a page
        with its parents and includes; `serve` calls this in a thread before it listens, so
        no first render does that on the event loop. Thread-safe: the loader has a lock."""
        root = Path(self.settings["template_path"])
        names = sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))
        for name in names:
            self.settings["template_loader"].load(name)
        return len(names)

    def find_handler(self, request, **kwargs):
        """The hot path's answer from memory if it has one, else the routed handler."""
        return self.hot_path.answer(request) or super().find_handler(request, **kwargs)

    def close(self) -> None:
        """Stop polling the invalidation signal and the thread pools, letting running work
        finish."""
        self.invalidations.stop()
        self.image_executor.shutdown(wait=True)
        self.password_executor.shutdown(wait=True)


def make_app(options: dict, *, db: AsyncDatabase, clock=database.utcnow,
             uri: str | None = None) -> Pixvault:
    """Build the application; `options` must hold `cookie_secret` and `share_key`, anything
    else falls back to the defaults in `app.config`. `uri`, the database's, lets the
    invalidation signal be polled off the event loop (`app.invalidation.Watcher`). Call
    `close()` on it at stop."""
    return Pixvault(options, db=db, clock=clock, uri=uri)
