"""Register, sign in and sign out pages. Each handler parses the form, calls the user or
session store, and renders or redirects. A user with a second factor passes the password
here, then the second step (`app.auth.handlers.second_factor`) before any session starts."""

import datetime

from app.admin.store import must_enrol
from app.auth import registration, sessions, throttle, users
from app.auth.second_factor import (
    PENDING_COOKIE,
    PENDING_LIFETIME,
    Pending,
    has_second_factor,
    pending_value,
    read_pending,
)
from app.errors import DomainError, Invalid, RateLimited
from app.forms import safe_next
from app.web import SESSION_COOKIE, BaseHandler

# Where an admin who must use a second factor and has none is sent to set one up.
ENROL_URL = "/account/two-factor"


class AuthPageHandler(BaseHandler):
    """Shared by the register, sign-in and second-step pages: everything that leads from
    credentials to a session."""

    template = ""

    def render_form(self, error: str | None = None, status: int = 200, **values) -> None:
        """The form, with `error` above it and the values to keep."""
        self.set_status(status)
        self.render(self.template, error=error, username=values.get("username", ""),
                    next=values.get("next", ""))

    async def finish_sign_in(self, user: dict, next_url: str) -> None:
        """The user has proved who they are (every factor they have): start their session,
        set its cookie and redirect to `next_url` (a `safe_next` path; "" for the gallery),
        or to set up a second factor first if they are an admin who must have one."""
        self.clear_cookie(PENDING_COOKIE, path="/auth")
        await self.start_session(user)
        if await must_enrol(self.db, user, self.settings["admins_require_2fa"]):
            self.flash("Administrators must sign in with a second factor: set one up now.",
                       "error")
            self.redirect(ENROL_URL)
            return
        self.redirect(next_url or "/gallery")

    def begin_second_step(self, user: dict, next_url: str) -> None:
        """The password was right and the user has a second factor: no session yet, only
        the signed pending state, and on to the second step."""
        self.set_signed_cookie(PENDING_COOKIE, pending_value(user["_id"], next_url, self.now()),
                               version=2, path="/auth", httponly=True, samesite="Lax",
                               expires_days=PENDING_LIFETIME / datetime.timedelta(days=1),
                               secure=self.request.protocol == "https")
        self.redirect("/auth/second-factor")

    async def pending_sign_in(self) -> tuple[Pending, dict] | None:
        """The sign-in waiting for its second step and its user, or None if there is none,
        it expired or was tampered with, or the account may no longer sign in."""
        raw = self.get_signed_cookie(PENDING_COOKIE, min_version=2, max_age_days=1)
        pending = read_pending(raw, self.now())
        user = await self.db.users.find_one({"_id": pending.user_id}) if pending else None
        if not users.is_active(user) or not await has_second_factor(self.db, user):
            return None
        return pending, user

    async def start_session(self, user: dict) -> None:
        """Create a session for `user` and send its cookie."""
        # A fresh token at every sign-in: a session id planted before sign-in is worthless.
        if self.session_token:
            await sessions.end_session(self.db, self.session_token)
        token = await sessions.create_session(
            self.db, user["_id"], now=self.now(), lifetime=self.session_lifetime,
            user_agent=self.request.headers.get("User-Agent", ""),
            address=self.request.remote_ip or "")
        self.start_session_cookie(token)


class RegisterHandler(AuthPageHandler):
    """`/auth/register`, as the registration mode allows (403 with the reason otherwise)."""

    template = "auth/register.html"
    invited = False  # True on an invitation's page

    async def prepare(self) -> None:
        await super().prepare()
        current = await registration.mode(self.db, self.settings["registration"])
        registration.check_allowed(current, invited=self.invited)

    async def create_account(self, username: str, password: str) -> dict:
        """The new account (registration never makes an admin)."""
        return await users.create_user(
            self.db, username, password, rounds=self.settings["bcrypt_rounds"],
            executor=self.application.password_executor, now=self.now())

    def get(self) -> None:
        if self.current_user:
            self.redirect("/gallery")
            return
        self.render_form()

    async def post(self) -> None:
        username = self.get_body_argument("username", "")
        password = self.password_argument("password")
        limits = throttle.registration_limits(self.request.remote_ip or "",
                                              self.settings["registrations_per_hour"])
        try:
            await throttle.attempt(self.db, limits, self.now(),
                                   "Too many new accounts from your address.")
            if password != self.password_argument("password_confirm"):
                raise Invalid("The two passwords do not match.")
            user = await self.create_account(username, password)
        except DomainError as error:
            self.set_error_headers(error)
            self.render_form(error.message, error.status, username=username)
            return
        self.flash(f"Welcome to Pixvault, {user['username']}!")
        await self.finish_sign_in(user, "")


class LoginHandler(AuthPageHandler):
    template = "auth/login.html"

    def get(self) -> None:
        next_url = safe_next(self.get_query_argument("next", ""), default="")
        if self.current_user:
            self.redirect(next_url or "/gallery")
            return
        self.render_form(next=next_url)

    async def post(self) -> None:
        username = self.get_body_argument("username", "")
        next_url = safe_next(self.get_body_argument("next", ""), default="")
        password = self.password_argument("password")
        limits = throttle.sign_in_limits(username, self.request.remote_ip or "")
        rounds, executor = self.settings["bcrypt_rounds"], self.application.password_executor
        try:
            await throttle.attempt(self.db, limits, self.now())
            user = await users.authenticate(self.db, username, password, rounds=rounds,
                                            executor=executor)
        except DomainError as error:  # too many attempts, or too many checks waiting
            if isinstance(error, RateLimited) and error.first:
                await self.audit("sign_in.throttled", None, {"username": username[:64]})
            self.set_error_headers(error)
            self.render_form(error.message, error.status, username=username, next=next_url)
            return
        if user is None:
            self.render_form("Invalid username or password.", 400, username=username,
                             next=next_url)
            return
        await throttle.succeeded(self.db, limits)
        if await has_second_factor(self.db, user):
            self.begin_second_step(user, next_url)
        else:
            await self.finish_sign_in(user, next_url)
        # After the answer has gone, so a hash of an old cost does not make it slower.
        await users.upgrade_hash(self.db, user, password, rounds=rounds, executor=executor)


class LogoutHandler(BaseHandler):
    async def post(self) -> None:
        if self.session_token:
            await sessions.end_session(self.db, self.session_token)
        self.clear_cookie(SESSION_COOKIE)
        self.flash("You are signed out.")
        self.redirect("/")


ROUTES = [
    (r"/auth/register", RegisterHandler),
    (r"/auth/login", LoginHandler),
    (r"/auth/logout", LogoutHandler),
]
