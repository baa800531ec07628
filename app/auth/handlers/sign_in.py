"""Register, sign in and sign out pages. Each handler parses the form, calls the user or
session store, and renders or redirects."""

from app.auth import registration, sessions, throttle, users
from app.errors import DomainError, Invalid
from app.web import SESSION_COOKIE, BaseHandler, safe_next


class AuthPageHandler(BaseHandler):
    """Shared by the register and sign-in forms."""

    template = ""

    def render_form(self, error: str | None = None, status: int = 200, **values) -> None:
        """The form, with `error` above it and the values to keep."""
        self.set_status(status)
        self.render(self.template, error=error, username=values.get("username", ""),
                    next=values.get("next", ""))

    async def sign_in(self, user: dict) -> None:
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
        await self.sign_in(user)
        self.flash(f"Welcome to Pixvault, {user['username']}!")
        self.redirect("/gallery")


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
            self.set_error_headers(error)
            self.render_form(error.message, error.status, username=username, next=next_url)
            return
        if user is None:
            self.render_form("Invalid username or password.", 400, username=username,
                             next=next_url)
            return
        await throttle.succeeded(self.db, limits)
        await self.sign_in(user)
        self.redirect(next_url or "/gallery")
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
