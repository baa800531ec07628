"""Passkey pages: adding and removing passkeys on /account, and signing in with one, with
no password (/auth/login) or as the second step after it (/auth/second-factor).

Every ceremony has two requests. The page's script posts the form to `.../options` (JSON,
XSRF in `X-XSRFToken`), which stores a challenge server-side and names it in a signed,
HttpOnly cookie bound to this browser; the script hands the options to the authenticator
and posts its answer back in the form's `credential` field, as a plain form: the answer
is a redirect or the page again with its error, like every other form of the site.
"""

import tornado.web

from app.auth import challenges, passkeys, recovery, second_factor, throttle
from app.auth.handlers.account import NEW_CODES_COOKIE
from app.auth.handlers.second_factor import SecondFactorHandler
from app.auth.handlers.sign_in import AuthPageHandler
from app.auth.handlers.two_factor import TwoFactorHandler
from app.errors import DomainError, Invalid, NotFound
from app.forms import safe_next
from app.web import BaseHandler

CHALLENGE_COOKIE = "webauthn"
COOKIE_DAYS = challenges.LIFETIME.total_seconds() / 86400
NOT_STARTED = "The passkey request expired or was already used. Try again."
RESTART = "Please sign in again: the password step has expired."


class CeremonyHandler(BaseHandler):
    """Starting and finishing a WebAuthn ceremony."""

    @property
    def relying_party(self) -> passkeys.RelyingParty:
        """This site as WebAuthn names it, from `public_url` or the request."""
        return passkeys.relying_party(self.settings.get("public_url"), self.request.protocol,
                                      self.request.host)

    async def start_ceremony(self, purpose: str, user_id: str | None = None, **details) -> bytes:
        """A new challenge for `purpose`, named in this browser's challenge cookie."""
        challenge_id, challenge = await challenges.begin(self.db, purpose, now=self.now(),
                                                         user_id=user_id, **details)
        self.set_signed_cookie(CHALLENGE_COOKIE, challenge_id, version=2,
                               expires_days=COOKIE_DAYS, httponly=True, samesite="Strict",
                               secure=self.request.protocol == "https")
        return challenge

    async def take_challenge(self, purpose: str, user_id: str | None = None) -> dict:
        """The challenge this browser was given for `purpose` (used up now), else `Invalid`."""
        raw = self.get_signed_cookie(CHALLENGE_COOKIE, min_version=2,
                                     max_age_days=COOKIE_DAYS)
        self.clear_cookie(CHALLENGE_COOKIE)
        doc = await challenges.take(self.db, raw.decode("ascii", "replace") if raw else None,
                                    purpose, now=self.now(), user_id=user_id)
        if doc is None:
            raise Invalid(NOT_STARTED)
        return doc

    def send_options(self, options_json: str) -> None:
        """Answer the script with WebAuthn options (py_webauthn's JSON)."""
        self.keep_secret()  # a challenge is for this browser only
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(options_json)

    async def refused(self, error: passkeys.PasskeyRefused) -> None:
        """Record a refused passkey in the audit log."""
        await self.audit("passkey.sign_in_failed", error.passkey_id,
                         {"reason": error.reason}, actor=error.user_id)


class AddOptionsHandler(CeremonyHandler, TwoFactorHandler):
    """`POST /account/passkeys/options` (name; current_password or code): creation options."""

    @tornado.web.authenticated
    async def post(self) -> None:
        user = self.current_user
        name = passkeys.check_name(self.get_body_argument("name", ""))
        await self.prove_identity()
        challenge = await self.start_ceremony("register", user["_id"], name=name)
        existing = await passkeys.list_passkeys(self.db, user["_id"])
        self.send_options(passkeys.registration_options(self.relying_party, user, existing,
                                                        challenge))


class AddHandler(CeremonyHandler, TwoFactorHandler):
    """`POST /account/passkeys` (credential): store the authenticator's new passkey. The
    first second factor of an account comes with recovery codes, shown once."""

    @tornado.web.authenticated
    async def post(self) -> None:
        user = self.current_user
        try:
            started = await self.take_challenge("register", user["_id"])
            doc = await passkeys.register(
                self.db, user, self.get_body_argument("credential", ""),
                challenge=started["challenge"], rp=self.relying_party,
                name=started["details"]["name"], now=self.now())
        except DomainError as error:
            await self.render_account(error=error)
            return
        await self.audit("passkey.added", doc["_id"], {"name": doc["name"]})
        self.flash(f"Passkey “{doc['name']}” added.")
        if user.get("recovery_codes"):
            self.redirect("/account#passkeys")
            return
        codes = await recovery.replace(self.db, user["_id"])
        self.hand_over(NEW_CODES_COOKIE, " ".join(codes), "/account#recovery-codes")


class RemoveHandler(TwoFactorHandler):
    """`POST /account/passkeys/remove` (passkey: its id; current_password or code). Recovery
    codes go with the last second factor."""

    @tornado.web.authenticated
    async def post(self) -> None:
        user = self.current_user
        try:
            await self.prove_identity()
        except DomainError as error:
            await self.render_account(error=error)
            return
        removed = await passkeys.remove_passkey(self.db, user["_id"],
                                                self.get_body_argument("passkey", ""))
        if removed is None:
            raise NotFound()
        if not await second_factor.has_second_factor(self.db, user):
            await recovery.clear(self.db, user["_id"])
        await self.audit("passkey.removed", removed["_id"], {"name": removed["name"]})
        self.back(f"Passkey “{removed['name']}” removed.", "passkeys")


class SignInOptionsHandler(CeremonyHandler):
    """`POST /auth/passkey/options`: request options any passkey of this site may answer.
    Each is an attempt counted against the address (a challenge answers one sign-in at
    most, so this bounds both stored challenges and checked answers); a sign-in gives its
    attempts back."""

    async def post(self) -> None:
        await throttle.attempt(self.db, throttle.passkey_limits(self.request.remote_ip or ""),
                               self.now(), "Too many passkey sign-ins.")
        challenge = await self.start_ceremony("sign_in")
        self.send_options(passkeys.authentication_options(self.relying_party, challenge))


class SignInHandler(CeremonyHandler, AuthPageHandler):
    """`POST /auth/passkey` (credential, next): passwordless sign-in."""

    template = "auth/login.html"

    async def post(self) -> None:
        next_url = safe_next(self.get_body_argument("next", ""), default="")
        try:
            started = await self.take_challenge("sign_in")
            user = await passkeys.authenticate(
                self.db, self.get_body_argument("credential", ""),
                challenge=started["challenge"], rp=self.relying_party, now=self.now())
        except DomainError as error:
            if isinstance(error, passkeys.PasskeyRefused):
                await self.refused(error)
            self.set_error_headers(error)
            self.render_form(error.message, error.status, next=next_url)
            return
        await throttle.succeeded(self.db, throttle.passkey_limits(self.request.remote_ip or ""))
        await self.finish_sign_in(user, next_url)


class SecondStepOptionsHandler(CeremonyHandler, SecondFactorHandler):
    """`POST /auth/second-factor/passkey/options`: request options for the passkeys of the
    user who passed the password step."""

    async def post(self) -> None:
        found = await self.pending_sign_in()
        if found is None:
            raise Invalid(RESTART)
        user = found[1]
        challenge = await self.start_ceremony("second_factor", user["_id"])
        self.send_options(passkeys.authentication_options(
            self.relying_party, challenge, await passkeys.list_passkeys(self.db, user["_id"])))


class SecondStepHandler(CeremonyHandler, SecondFactorHandler):
    """`POST /auth/second-factor/passkey` (credential): a passkey as the second step, with
    the code form's pending state, throttle and ending; only a passkey of the user who
    passed the password counts."""

    async def prove_factor(self, user: dict) -> str:
        started = await self.take_challenge("second_factor", user["_id"])
        try:
            await passkeys.authenticate(
                self.db, self.get_body_argument("credential", ""),
                challenge=started["challenge"], rp=self.relying_party, now=self.now(),
                user_id=user["_id"])
        except passkeys.PasskeyRefused as error:
            await self.refused(error)
            raise
        return "passkey"


ROUTES = [
    (r"/account/passkeys/options", AddOptionsHandler),
    (r"/account/passkeys", AddHandler),
    (r"/account/passkeys/remove", RemoveHandler),
    (r"/auth/passkey/options", SignInOptionsHandler),
    (r"/auth/passkey", SignInHandler),
    (r"/auth/second-factor/passkey/options", SecondStepOptionsHandler),
    (r"/auth/second-factor/passkey", SecondStepHandler),
]
