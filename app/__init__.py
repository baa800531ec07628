"""Pixvault: a self-hosted, multi-user image host on Tornado, MongoDB GridFS and Pillow."""

import datetime
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.web
from gridfs import AsyncGridFSBucket

from app.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
# Forms and JSON bodies are small; upload handlers raise the limit for their own request
# while they stream it to disk (UploadReceiver.prepare).
MAX_BODY_BYTES = 1024 * 1024

# Every option's default (one definition, in app.config), plus Tornado's own settings.
DEFAULTS = {
    **{setting.name: setting.default for setting in SETTINGS},
    "template_path": str(ROOT / "templates"),
    "static_path": str(ROOT / "static"),
    "xsrf_cookies": True,
    "login_url": "/auth/login",
}


def utcnow() -> datetime.datetime:
    """The application clock: aware UTC, truncated to milliseconds as BSON stores it."""
    now = datetime.datetime.now(datetime.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def make_app(settings: dict) -> tornado.web.Application:
    """Build the application. `settings` must hold `db` (an AsyncDatabase) and
    `cookie_secret`; anything else falls back to `DEFAULTS`.

    The caller owns the long-lived resources: it closes the database client and shuts down
    `settings["executor"]` (created here, sized to the cores, when not given) at stop.
    """
    # Imported here so that `app.config` and `app.db` stay usable without the web stack.
    from app import admin, health, metrics
    from app.api import ROUTES as api_routes
    from app.auth import account
    from app.auth import handlers as auth_handlers
    from app.images import ROUTES as image_routes
    from app.images.cache import VariantCache
    from app.web import NotFoundHandler

    merged = {**DEFAULTS, **settings}
    merged.setdefault("clock", utcnow)
    merged.setdefault("bucket", AsyncGridFSBucket(merged["db"], bucket_name="images"))
    merged.setdefault("variant_cache", VariantCache(merged["cache_mb"] * 1024 * 1024))
    # Per application, not the global registry: every app (and test) counts on its own.
    merged.setdefault("metrics", metrics.Metrics())
    merged.setdefault("log_function", metrics.log_request)
    merged.setdefault("executor", ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                                     thread_name_prefix="pixvault-cpu"))
    # Code autoreload would re-exec the process and orphan the embedded database, so debug
    # mode gives tracebacks and template reloading only.
    if merged.get("debug"):
        merged.update(autoreload=False, serve_traceback=True, compiled_template_cache=False)
    merged["default_handler_class"] = NotFoundHandler
    return tornado.web.Application([*health.ROUTES, *auth_handlers.ROUTES, *account.ROUTES,
                                    *image_routes, *api_routes, *admin.ROUTES,
                                    *metrics.ROUTES], **merged)
