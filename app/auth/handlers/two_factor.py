"""Second factors on the account pages: setting up an authenticator app (TOTP), turning it
off, and making new recovery codes.

Setting up needs the current password and a code from the app, which proves it holds the
secret shown (as text and as a QR code). The secret travels in the setup form itself: it is
only the user's until a right code and password come back with it. Turning TOTP off and
making new recovery codes need the current password or a second-factor code, so a session
left open on someone else's computer can do neither.
"""

import asyncio

import tornado.web

from app.auth import accounts, recovery, second_factor, throttle, totp
from app.auth.handlers.account import NEW_CODES_COOKIE, AccountPageHandler
from app.errors import DomainError, Invalid


class TwoFactorHandler(AccountPageHandler):
    """Base of the two-factor forms: proving who you are."""

    async def check_password(self) -> None:
        """`Invalid` unless the form's `current_password` is right (throttled per user)."""
        await accounts.check_password(
            self.db, self.current_user, self.password_argument("current_password"),
            rounds=self.settings["bcrypt_rounds"], executor=self.application.password_executor,
            now=self.now())

    async def prove_identity(self) -> None:
        """`Invalid` unless the form carries a second-factor `code` that is right, or else
        the right `current_password`; both are throttled per user."""
        code = self.get_body_argument("code", "").strip()
        if not code:
            await self.check_password()
            return
        user = self.current_user
        limits = throttle.second_factor_limits(user["_id"], self.request.remote_ip or "")
        await throttle.attempt(self.db, limits, self.now())
        factor = await second_factor.check_code(self.db, user, code, self.now())
        if factor is None:
            raise Invalid("That code is not right, or it was used already.")
        await throttle.succeeded(self.db, limits)
        if factor == "recovery":
            await self.audit("recovery_codes.used", user["_id"],
                             {"left": await recovery.remaining(self.db, user["_id"])})


class SetUpHandler(TwoFactorHandler):
    """`GET /account/two-factor`: a fresh secret and the form proving the app has it;
    `POST` turns TOTP on and leads to the account page showing the recovery codes once."""

    async def render_setup(self, secret: str, error: DomainError | None = None) -> None:
        uri = totp.provisioning_uri(secret, self.current_user["username"])
        # Choosing the QR code's mask is ~50 ms of pure Python: off the event loop.
        qr_svg = await asyncio.get_running_loop().run_in_executor(
            self.application.image_executor, totp.qr_svg, uri)
        self.set_status(error.status if error else 200)
        self.set_error_headers(error)
        self.render("two_factor.html", secret=secret, qr_svg=qr_svg,
                    error=error.message if error else None)

    @tornado.web.authenticated
    async def get(self) -> None:
        if self.current_user.get("totp"):
            self.redirect("/account#two-factor")
            return
        await self.render_setup(totp.new_secret())

    @tornado.web.authenticated
    async def post(self) -> None:
        secret = self.get_body_argument("secret", "")
        codes = recovery.new_codes()
        try:
            await self.check_password()
            await totp.enable(self.db, self.current_user["_id"], secret,
                              recovery.normalize(self.get_body_argument("code", "")),
                              self.now(), [recovery.digest(code) for code in codes])
        except DomainError as error:
            # The same secret again, so the app the user just set up stays the right one.
            await self.render_setup(secret if totp.SECRET_RE.fullmatch(secret)
                                    else totp.new_secret(), error)
            return
        await self.audit("2fa.enabled", self.current_user["_id"], {"factor": "totp"})
        self.flash("Two-factor sign-in is on: you will be asked for a code from your app "
                   "after your password.")
        self.hand_over(NEW_CODES_COOKIE, " ".join(codes), "/account#recovery-codes")


class TurnOffHandler(TwoFactorHandler):
    """`POST /account/two-factor/totp/remove`: the authenticator app no longer signs in.
    Recovery codes go with it unless a passkey remains for them to stand in for."""

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            await self.prove_identity()
        except DomainError as error:
            await self.render_account(error=error)
            return
        user_id = self.current_user["_id"]
        if await totp.disable(self.db, user_id):
            # TOTP is off now: only a passkey can still be a second factor.
            if not await second_factor.has_second_factor(self.db, {"_id": user_id}):
                await recovery.clear(self.db, user_id)
            await self.audit("2fa.disabled", user_id, {"factor": "totp"})
        self.back("Your authenticator app no longer signs you in.", "two-factor")


class RecoveryCodesHandler(TwoFactorHandler):
    """`POST /account/two-factor/recovery-codes`: ten new codes, the old ones void."""

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            await self.prove_identity()
            if not await second_factor.has_second_factor(self.db, self.current_user):
                raise Invalid("Set up a second factor first: recovery codes stand in for one.")
        except DomainError as error:
            await self.render_account(error=error)
            return
        codes = await recovery.replace(self.db, self.current_user["_id"])
        await self.audit("recovery_codes.regenerated", self.current_user["_id"])
        self.hand_over(NEW_CODES_COOKIE, " ".join(codes), "/account#recovery-codes")


ROUTES = [
    (r"/account/two-factor", SetUpHandler),
    (r"/account/two-factor/totp/remove", TurnOffHandler),
    (r"/account/two-factor/recovery-codes", RecoveryCodesHandler),
]
