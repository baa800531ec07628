"""`/auth/second-factor`: the second step of signing in, for users with a second factor.

The password step left a signed pending state (`AuthPageHandler.begin_second_step`); here
the user types a code from their authenticator app or a recovery code (passkeys add their
own way on this page, `auth/_second_factor_passkey.html`), counted per user and per
address, and only then is the session created.
"""

from app.auth import passkeys, recovery, second_factor, throttle
from app.auth.handlers.sign_in import AuthPageHandler
from app.errors import DomainError, Invalid
from app.text import plural


class SecondFactorHandler(AuthPageHandler):
    template = "auth/second_factor.html"

    async def pending_or_restart(self):
        """The pending sign-in and its user; else, once redirected to sign in again, None."""
        found = await self.pending_sign_in()
        if found is None:
            self.flash("Your sign-in took too long or was interrupted: please sign in again.",
                       "error")
            self.redirect("/auth/login")
        return found

    async def render_step(self, user: dict, error: DomainError | None = None) -> None:
        """The code form and the passkey button, with `error` above them (and its status)."""
        self.set_status(error.status if error else 200)
        self.set_error_headers(error)
        self.render(self.template, error=error.message if error else None,
                    has_totp=bool(user.get("totp")),
                    has_passkey=bool(await passkeys.list_passkeys(self.db, user["_id"])))

    async def get(self) -> None:
        found = await self.pending_or_restart()
        if found:
            await self.render_step(found[1])

    async def prove_factor(self, user: dict) -> str:
        """Which factor the form proves ("totp", "recovery"; a passkey's handler says
        "passkey"), else a `DomainError`."""
        factor = await second_factor.check_code(
            self.db, user, self.get_body_argument("code", ""), self.now())
        if factor is None:
            raise Invalid("That code is not right, or it was used already.")
        return factor

    async def post(self) -> None:
        found = await self.pending_or_restart()
        if not found:
            return
        pending, user = found
        limits = throttle.second_factor_limits(user["_id"], self.request.remote_ip or "")
        try:
            await throttle.attempt(self.db, limits, self.now())
            factor = await self.prove_factor(user)
        except DomainError as error:
            await self.render_step(user, error)
            return
        await throttle.succeeded(self.db, limits)
        if factor == "recovery":
            left = await recovery.remaining(self.db, user["_id"])
            await self.audit("recovery_codes.used", user["_id"], {"left": left},
                             actor=user["_id"])
            self.flash(f"You used a recovery code: {plural(left, 'code')} left. You can make "
                       "new ones on your account page.")
        await self.finish_sign_in(user, pending.next_url)


ROUTES = [(r"/auth/second-factor", SecondFactorHandler)]
