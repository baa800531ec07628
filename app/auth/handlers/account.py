"""The `/account` page and its forms: password, sessions, API tokens, storage used and
default visibility, the ShareX uploader, and deleting the account (passkeys: their forms
are in handlers/passkeys.py).

The ShareX config embeds a new token, so downloading it changes state: it is a POST form
(with its XSRF field) answered with the file, never a GET a third-party page could trigger.

A new API token (and new recovery codes, `app.auth.handlers.two_factor`) is shown once,
after a redirect (POST, 303, GET), so reloading the page neither creates another nor shows
it again: the POST hands the secret to the next GET in a signed, HttpOnly cookie limited to
/account that lives a few minutes and is cleared by the page that shows it. It never goes
in a URL, and the database keeps only its digest.
"""

import json

import tornado.web

from app.auth import accounts, passkeys, recovery, sessions, tokens
from app.auth.sharex import sharex_config
from app.errors import DomainError, NotFound
from app.ids import token_digest
from app.images.quota import quota_of
from app.web import SESSION_COOKIE, BaseHandler

NEW_TOKEN_COOKIE = "new_token"  # noqa: S105 - a cookie's name
NEW_CODES_COOKIE = "new_recovery_codes"


class AccountPageHandler(BaseHandler):
    """Base of the account handlers: renders the page with an optional error or new token."""

    shows_secrets = True  # a new token, the ShareX file with its token

    async def render_account(self, *, error: DomainError | None = None,
                             new_token: tuple[dict, str] | None = None,
                             new_codes: list[str] | None = None) -> None:
        user = self.current_user
        self.set_status(error.status if error else 200)
        self.set_error_headers(error)
        current = token_digest(self.session_token) if self.session_token else None
        self.render(
            "account.html", error=error.message if error else None, new_token=new_token,
            sessions=await sessions.list_sessions(self.db, user["_id"], self.now(),
                                                  self.session_lifetime),
            current_session=current, lifetime=self.session_lifetime,
            tokens=await tokens.list_tokens(self.db, user["_id"], self.now()),
            expiry_days=tokens.EXPIRY_DAYS,
            passkeys=await passkeys.list_passkeys(self.db, user["_id"]),
            used_bytes=user.get("used_bytes", 0), quota_bytes=quota_of(user, self.settings),
            api_base=self.absolute_url("/api/v1"), totp=user.get("totp"),
            recovery_left=len(user.get("recovery_codes") or []), new_codes=new_codes)

    def back(self, message: str, anchor: str) -> None:
        """Flash `message` and redirect to a section of the account page."""
        self.flash(message)
        self.redirect(f"/account#{anchor}")


class AccountHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.render_account(new_token=await self.take_new_token(),
                                  new_codes=self.take_new_codes())

    async def take_new_token(self) -> tuple[dict, str] | None:
        """The token created just before this page, once."""
        secret = self.take_over(NEW_TOKEN_COOKIE)
        # The digest names the token: a stale or foreign cookie matches none of the user's.
        doc = await tokens.find_token(self.db, self.current_user["_id"],
                                      token_digest(secret)) if secret else None
        return (doc, secret) if doc else None

    def take_new_codes(self) -> list[str] | None:
        """The recovery codes made just before this page, once, if they are still the
        user's (codes made again meanwhile void them)."""
        codes = self.take_over(NEW_CODES_COOKIE).split()
        stored = self.current_user.get("recovery_codes") or []
        return codes if codes and all(recovery.digest(c) in stored for c in codes) else None


class PasswordHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            await accounts.change_password(
                self.db, self.current_user, self.password_argument("current_password"),
                self.password_argument("new_password"), rounds=self.settings["bcrypt_rounds"],
                executor=self.application.password_executor, keep_session=self.session_token,
                now=self.now())
        except DomainError as error:
            await self.render_account(error=error)
            return
        await self.audit("password.changed", self.current_user["_id"])
        self.back("Password changed. Your other sessions are signed out and your API tokens "
                  "revoked.", "password")


class EndOtherSessionsHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        ended = await sessions.end_other_sessions(self.db, self.current_user["_id"],
                                                  self.session_token)
        self.back(f"Signed out {ended} other session{'s' if ended != 1 else ''}.", "sessions")


class EndSessionHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def post(self, session_id: str) -> None:
        await sessions.end_user_session(self.db, self.current_user["_id"], session_id)
        self.back("Session ended.", "sessions")


class AccountTokensHandler(AccountPageHandler):
    """Creating a token leads to the account page, which shows its secret once."""

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            _, secret = await tokens.create_token(
                self.db, self.current_user["_id"], self.get_body_argument("name", ""),
                scope=self.get_body_argument("scope", "full"),
                expires_in_days=tokens.validate_expiry_days(
                    self.get_body_argument("expires_days", "never")),
                now=self.now(), address=self.request.remote_ip)
        except DomainError as error:
            await self.render_account(error=error)
            return
        self.hand_over(NEW_TOKEN_COOKIE, secret, "/account#new-token")


class RevokeTokenHandler(AccountPageHandler):
    """`POST /account/tokens/<id>/revoke` with `confirm=1`; without it, and on `GET`, the
    page that asks first."""

    async def own_token(self, token_id: str) -> dict:
        """The user's token with this id, else `NotFound`."""
        token = await tokens.find_token(self.db, self.current_user["_id"], token_id)
        if token is None:
            raise NotFound()
        return token

    @tornado.web.authenticated
    async def get(self, token_id: str) -> None:
        token = await self.own_token(token_id)
        self.ask_confirmation(f"Revoke the token {token['name']}?",
                              "Scripts and apps using it stop working at once. "
                              "This cannot be undone.", "Revoke token", "/account#tokens")

    @tornado.web.authenticated
    async def post(self, token_id: str) -> None:
        await self.own_token(token_id)
        if not self.confirmed():
            return
        await tokens.revoke_token(self.db, self.current_user["_id"], token_id, now=self.now(),
                                  address=self.request.remote_ip)
        self.back("Token revoked.", "tokens")


class SettingsHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        await accounts.set_default_visibility(
            self.db, self.current_user["_id"], self.get_body_argument("visibility", ""))
        self.back("Settings saved.", "settings")


class ShareXHandler(AccountPageHandler):
    """`POST /account/sharex.sxcu` answers with the file; a GET only leads to the form."""

    @tornado.web.authenticated
    def get(self) -> None:
        self.redirect("/account#sharex")

    @tornado.web.authenticated
    async def post(self) -> None:
        # Upload only: a leaked config can add images, never read or delete any.
        _, secret = await tokens.replace_purpose_token(
            self.db, self.current_user["_id"], "sharex", tokens.SHAREX_NAME, scope="upload",
            now=self.now(), address=self.request.remote_ip)
        config = sharex_config(self.absolute_url(""), secret,
                               self.get_body_argument("link", "page"))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Content-Disposition", 'attachment; filename="pixvault.sxcu"')
        self.finish(json.dumps(config, indent=2))


class DeleteAccountHandler(AccountPageHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            await accounts.check_password(
                self.db, self.current_user, self.password_argument("password"),
                rounds=self.settings["bcrypt_rounds"], executor=self.application.password_executor,
                now=self.now())
        except DomainError as error:
            await self.render_account(error=error)
            return
        await accounts.delete_account(self.db, self.application.bucket, self.current_user,
                                      now=self.now())
        self.clear_cookie(SESSION_COOKIE)
        self.flash("Your account and everything in it has been deleted.")
        self.redirect("/")


ROUTES = [
    (r"/account", AccountHandler),
    (r"/account/password", PasswordHandler),
    (r"/account/sessions/end-others", EndOtherSessionsHandler),
    (r"/account/sessions/([0-9a-f]{64})/end", EndSessionHandler),
    (r"/account/tokens", AccountTokensHandler),
    (r"/account/tokens/([0-9a-f]{64})/revoke", RevokeTokenHandler),
    (r"/account/settings", SettingsHandler),
    (r"/account/sharex.sxcu", ShareXHandler),
    (r"/account/delete", DeleteAccountHandler),
]
