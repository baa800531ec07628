"""`BaseHandler`: what every page and API handler shares.

It loads the signed-in user once per request (refusing an API token whose scope does not
cover the method called, see `app.auth.scopes`), maps domain errors to HTTP statuses and
renders errors as HTML or JSON; what forms share across redirects (flash messages, the
confirmation step, safe `next` targets) comes from `app.forms`.

Caching has one rule, set here: every answer depends on who asks (the navigation names the
signed-in user, pages carry XSRF tokens and owner controls, API answers depend on the token),
so it is `private, no-cache` with `Vary: Cookie` (and `Authorization` where a bearer token
is accepted), unless a handler calls `mark_public` for an answer that is the same for
everyone. Handlers showing secrets tighten it to `no-store`.
"""

import datetime
import json
from typing import Any

import tornado.httputil
import tornado.web

from app import audit, logs
from app.auth import scopes, sessions, tokens
from app.db import DB_UNAVAILABLE
from app.errors import NOT_FOUND_MESSAGE, DomainError, Forbidden, NotFound, RetryLater
from app.forms import FormFlow

SESSION_COOKIE = "session"
ERROR_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type", 429: "rate_limited", 503: "unavailable"}
# No inline script or style anywhere: templates load everything from /static.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data: blob:; script-src 'self'; "
                           "style-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")
# Image bytes opened on their own: the browser's image viewer styles its page inline, which
# the page policy refuses; nothing there may run or load anything else.
IMAGE_CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src 'self'; "
                                 "style-src 'unsafe-inline'; sandbox")
# Shared caches never keep it; a browser may, but asks again before each use (a 304 is cheap).
PRIVATE_CACHE = "private, no-cache"


class BaseHandler(FormFlow):
    """Shared behaviour of every handler; subclasses stay thin."""

    @property
    def db(self):
        """The application's `AsyncDatabase`, created once at start-up."""
        return self.application.db

    def absolute_url(self, path: str) -> str:
        """`path` on this site, from the `public_url` option or else the request's host."""
        base = self.settings.get("public_url") or f"{self.request.protocol}://{self.request.host}"
        return base.rstrip("/") + path

    def now(self) -> datetime.datetime:
        """Current UTC time from the application's clock (tests replace the clock)."""
        return self.application.clock()

    # Set on a handler whose answers show a secret (a new token, a share link): they are
    # `no-store`, so no cache keeps them, and therefore never compressed, so their length
    # cannot give the secret away (app/compression.py). One answer: `keep_secret()`.
    shows_secrets = False

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "strict-origin-when-cross-origin")
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("Cache-Control", PRIVATE_CACHE)
        self.set_header("Vary", self.viewer_headers)
        self.set_header(logs.HEADER, logs.request_id(self))
        if self.shows_secrets:
            self.keep_secret()

    def keep_secret(self) -> None:
        """This answer shows a secret: no cache may keep it and it is not compressed."""
        self.set_header("Cache-Control", "no-store")

    @property
    def viewer_headers(self) -> str:
        """The request headers that tell who asks, for `Vary`."""
        return "Authorization, Cookie" if self.accepts_bearer else "Cookie"

    def mark_public(self, cache_control: str, vary: str | None = None) -> None:
        """Let shared caches keep this answer and hand it to anyone: call it only when every
        header and byte of the answer is the same whoever asks. `vary` names the request
        headers it does depend on (never Cookie or Authorization)."""
        self.set_header("Cache-Control", cache_control)
        # One request's id on an answer a cache hands to everyone would only mislead.
        self.clear_header(logs.HEADER)
        if vary:
            self.set_header("Vary", vary)
        else:
            self.clear_header("Vary")

    # API endpoints and image bytes also take `Authorization: Bearer <token>` (scripts).
    accepts_bearer = False
    bearer: dict | None = None  # the token document once this request authenticated with one

    async def prepare(self) -> None:
        header = self.request.headers.get("Authorization") if self.accepts_bearer else None
        if header is not None:
            self.current_user, self.bearer = await tokens.user_for_authorization(
                self.db, header, self.now())
            self.check_scope()
            return
        token = self.session_token
        if token:
            self.current_user = await sessions.user_for_token(self.db, token, self.now(),
                                                              self.session_lifetime)

    def check_scope(self) -> None:
        """`Forbidden` unless this request's token has a scope declared (`scopes.needs`) on
        the method about to run."""
        needed = scopes.scopes_of(type(self), self.request.method)
        scope = self.bearer["scope"]
        if not scopes.grants(scope, needed):
            wanted = " or ".join(f"'{name}'" for name in scopes.accepted(needed))
            raise Forbidden(f"This API token has the scope '{scope}'; this operation needs "
                            f"a token with the scope {wanted}.")

    @property
    def session_lifetime(self) -> sessions.Lifetime:
        """How long sessions last, from the `session_days` and `session_idle_days` options."""
        return sessions.Lifetime(datetime.timedelta(days=self.settings["session_days"]),
                                 datetime.timedelta(days=self.settings["session_idle_days"]))

    @property
    def session_token(self) -> str | None:
        """The raw session token from the signed cookie, if any."""
        token = self.get_signed_cookie(SESSION_COOKIE, min_version=2,
                                       max_age_days=self.settings["session_days"])
        return token.decode("ascii", "replace") if token else None

    def start_session_cookie(self, token: str) -> None:
        """Send the signed session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
        self.set_signed_cookie(SESSION_COOKIE, token, version=2,
                               expires_days=self.settings["session_days"], httponly=True,
                               samesite="Lax", secure=self.request.protocol == "https")

    def head(self, *args, **kwargs):
        """HEAD answers like GET without the body (Tornado drops it); 405 without a GET."""
        if type(self).get is tornado.web.RequestHandler.get:
            raise tornado.web.HTTPError(405)
        return self.get(*args, **kwargs)

    def declared_length(self) -> int | None:
        """The request's Content-Length if it is a plain number (Tornado checks it only
        later, once the body is read)."""
        value = self.request.headers.get("Content-Length", "")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None

    def password_argument(self, name: str) -> str:
        """A password form field, exactly as typed: spaces at either end are part of it."""
        return self.get_body_argument(name, "", strip=False)

    async def audit(self, action: str, target: str | None, details: dict | None = None, *,
                    actor: str | None = None) -> None:
        """Record `action` on `target` in the audit log, done by `actor` (default: the
        signed-in user) from this request's address."""
        actor = actor or (self.current_user["_id"] if self.current_user else None)
        await audit.record(self.db, action=action, actor=actor, target=target,
                           address=self.request.remote_ip or "", now=self.now(),
                           details=details)

    # ----- JSON helpers -----

    def wants_json(self) -> bool:
        """API paths, and page endpoints called by scripts with `Accept: application/json`."""
        return (self.request.path.startswith("/api/")
                or "application/json" in self.request.headers.get("Accept", ""))

    def write_json(self, payload: Any, status: int = 200) -> None:
        """Finish-ready JSON response (datetimes as ISO 8601)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(json.dumps(payload, default=_json_default))

    # ----- errors -----

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, DomainError):
            status_code = error.status
        elif isinstance(error, DB_UNAVAILABLE):
            status_code = 503
            self.application.metrics.database_errors.inc()
        super().send_error(status_code, **kwargs)

    def log_exception(self, typ, value, tb) -> None:
        # Domain errors are the user's mistake, not ours: keep them out of the error log.
        if isinstance(value, DomainError):
            tornado.web.gen_log.info("%d %s: %s", value.status, self._request_summary(),
                                     value.message)
            return
        # An outage fails every request alike: one line each, not a driver traceback each.
        if isinstance(value, DB_UNAVAILABLE):
            tornado.web.gen_log.warning("503 %s: the database did not answer (%s)",
                                        self._request_summary(), typ.__name__)
            return
        super().log_exception(typ, value, tb)

    def set_error_headers(self, error: BaseException | None) -> None:
        """Headers an error answer carries, however it is rendered: `Retry-After` on 429
        and on a 503 that knows when to come back."""
        if isinstance(error, RetryLater):
            self.set_header("Retry-After", str(error.retry_after))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = error_message(status_code, kwargs.get("exc_info"))
        error = kwargs.get("exc_info", (None, None, None))[1]
        self.set_error_headers(error)
        if self.wants_json():
            code = ERROR_CODES.get(status_code, "internal" if status_code >= 500 else "invalid")
            if isinstance(error, DomainError):
                code = error.code
            self.write_json({"error": {"code": code, "message": message}}, status_code)
            return
        self.render("error.html", status_code=status_code, message=message,
                    request_id=logs.request_id(self))


class NotFoundHandler(BaseHandler):
    """Every unknown URL: the same 404 page, with the signed-in navigation."""

    async def prepare(self) -> None:
        await super().prepare()
        raise NotFound()


def error_message(status_code: int, exc_info) -> str:
    """What an error answer tells people: a domain error's own message, else a plain one."""
    error = exc_info[1] if exc_info else None
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, DB_UNAVAILABLE) or status_code == 503:
        return "The database is not answering; please try again shortly."
    if status_code == 404:
        return NOT_FOUND_MESSAGE
    if isinstance(error, tornado.web.HTTPError) and status_code < 500 and error.log_message:
        # Tornado's own 4xx reasons (e.g. a missing XSRF token) help the client fix its call.
        return error.log_message % error.args if error.args else error.log_message
    if status_code >= 500:
        return "Something went wrong on our side; it has been logged."
    return tornado.httputil.responses.get(status_code, "Error")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
