"""The pages behind single-use links an admin hands over: `/auth/invite/<token>` (register
with an invitation) and `/auth/reset/<token>` (set a new password).

The token is in the path, so these pages send no referrer and are never stored by a cache;
the request log names the route pattern, never the path. Every look-up of a token counts
against the client's address (`throttle.account_link_limits`), found or not.

After a reset the user is sent to sign in with the new password rather than signed in here:
whoever holds the link must still pass the account's second factor, which a reset keeps.
"""

from app.auth import accounts, links, passwords
from app.auth.handlers.sign_in import AuthPageHandler, RegisterHandler
from app.errors import DomainError, Invalid


class LinkPage:
    """Mixin of both pages: the live link of `kind` named by the path, in `self.link`."""

    kind = ""
    shows_secrets = True  # the link itself is the secret: no cache keeps these pages

    async def load_link(self, token: str) -> None:
        self.set_header("Referrer-Policy", "no-referrer")
        self.link = await links.find(self.db, self.kind, token,
                                     address=self.request.remote_ip or "", now=self.now())


class InviteHandler(LinkPage, RegisterHandler):
    """The registration form, allowed by an invitation (unless registration is closed)."""

    kind = links.INVITE
    invited = True

    async def prepare(self) -> None:
        await super().prepare()
        await self.load_link(self.path_args[0])

    def get(self, token: str) -> None:
        super().get()

    async def post(self, token: str) -> None:
        await super().post()

    async def create_account(self, username: str, password: str) -> dict:
        """Use the invitation up, then register; a failed registration gives it back."""
        invite = await links.use(self.db, links.INVITE, self.path_args[0], self.now())
        try:
            user = await super().create_account(username, password)
        except DomainError:
            await links.give_back(self.db, invite)
            raise
        await self.audit("invite.used", user["_id"], {"invite": invite["_id"],
                                                      "username": user["username"]},
                         actor=user["_id"])
        return user


class ResetHandler(LinkPage, AuthPageHandler):
    """`/auth/reset/<token>`: a new password for the account the link names."""

    kind = links.RESET
    template = "auth/reset.html"

    async def prepare(self) -> None:
        await super().prepare()
        await self.load_link(self.path_args[0])
        self.account = await links.user_of(self.db, self.link)

    def render_form(self, error: str | None = None, status: int = 200, **values) -> None:
        self.set_status(status)
        self.render(self.template, error=error, username=self.account["username"])

    def get(self, token: str) -> None:
        self.render_form()

    async def post(self, token: str) -> None:
        password = self.password_argument("password")
        try:
            if password != self.password_argument("password_confirm"):
                raise Invalid("The two passwords do not match.")
            await self.reset(token, password)
        except DomainError as error:
            self.set_error_headers(error)
            self.render_form(error.message, error.status)
            return
        self.flash("Your new password is set: sign in with it.")
        self.redirect("/auth/login")

    async def reset(self, token: str, password: str) -> None:
        """Use the link up and set the password: every session ends and every API token is
        revoked (`accounts.set_password`); a failure gives the link back."""
        passwords.validate_new_password(password)
        reset = await links.use(self.db, links.RESET, token, self.now())
        try:
            await accounts.set_password(
                self.db, self.account["_id"], password, rounds=self.settings["bcrypt_rounds"],
                executor=self.application.password_executor)
        except DomainError:
            await links.give_back(self.db, reset)
            raise
        await self.audit("reset_link.used", self.account["_id"],
                         {"username": self.account["username"]}, actor=self.account["_id"])


ROUTES = [
    (r"/auth/invite/([A-Za-z0-9_-]{1,64})", InviteHandler),
    (r"/auth/reset/([A-Za-z0-9_-]{1,64})", ResetHandler),
]
