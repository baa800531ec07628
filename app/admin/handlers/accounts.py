"""Admin pages about who gets an account: the registration mode, invitations
(`/admin/invites`) and password reset links for a user. Rules in `app.auth.registration`
and `app.auth.links`.

A new link is shown once, on the page the POST that made it redirects to (the token
handed over in a short-lived cookie, `app.forms.FormFlow.hand_over`), so reloading neither shows
it again nor makes another; such pages are `no-store` and never compressed
(`shows_secrets`). The database keeps only the token's digest: a link cannot be shown
again, only revoked and made anew.
"""

from app.admin.handlers.users import AdminHandler
from app.admin.store import other_user
from app.auth import links, registration
from app.ids import ID_PATTERN

NEW_INVITE_COOKIE = "new_invite"
NEW_RESET_COOKIE = "new_reset_link"


class RegistrationModeHandler(AdminHandler):
    """`POST /admin/registration` (`mode`): stored for every worker and host."""

    async def post(self) -> None:
        mode = self.get_body_argument("mode", "")
        await registration.set_mode(self.db, mode, actor=self.current_user["_id"],
                                    now=self.now())
        await self.audit("registration.mode_changed", None, {"mode": mode})
        self.flash(f"Registration: {registration.DESCRIPTIONS[mode]}.")
        self.redirect("/admin")


class InvitesHandler(AdminHandler):
    """`/admin/invites`: the unused invitations, and the one just made; `POST` (`days`,
    `note`) makes one."""

    shows_secrets = True

    async def get(self) -> None:
        token = self.take_over(NEW_INVITE_COOKIE)
        invite = await links.live(self.db, links.INVITE, token, self.now())
        self.render("admin_invites.html",
                    new_link=self.absolute_url(f"/auth/invite/{token}") if invite else None,
                    invites=await links.list_invites(self.db, self.now()),
                    lifetimes=links.INVITE_LIFETIMES,
                    mode=await registration.mode(self.db, self.settings["registration"]),
                    descriptions=registration.DESCRIPTIONS)

    async def post(self) -> None:
        invite, token = await links.create_invite(
            self.db, created_by=self.current_user["_id"], now=self.now(),
            days=self.get_body_argument("days", "7"), note=self.get_body_argument("note", ""))
        await self.audit("invite.created", invite["_id"], {"note": invite["note"]})
        self.hand_over(NEW_INVITE_COOKIE, token, "/admin/invites")


class RevokeInviteHandler(AdminHandler):
    """`POST /admin/invites/<id>/revoke`: the link stops working at once."""

    async def post(self, invite_id: str) -> None:
        await links.revoke_invite(self.db, invite_id)
        await self.audit("invite.revoked", invite_id)
        self.flash("Invitation revoked: its link no longer works.")
        self.redirect("/admin/invites")


class ResetLinkHandler(AdminHandler):
    """`POST /admin/users/<id>/reset-link`: a new single-use link setting the user's
    password (earlier ones stop working); the `GET` it leads to shows it once, to hand
    over."""

    shows_secrets = True

    async def get(self, user_id: str) -> None:
        user = await other_user(self.db, self.current_user, user_id)
        token = self.take_over(NEW_RESET_COOKIE)
        reset = await links.live(self.db, links.RESET, token, self.now())
        if reset is None or reset["user_id"] != user_id:
            self.flash("A reset link is shown only once: make a new one.", "error")
            self.redirect("/admin")
            return
        self.render("admin_reset_link.html", user=user, expires=reset["expires"],
                    link=self.absolute_url(f"/auth/reset/{token}"))

    async def post(self, user_id: str) -> None:
        user = await other_user(self.db, self.current_user, user_id)
        _, token = await links.create_reset(self.db, user, created_by=self.current_user["_id"],
                                            now=self.now())
        await self.audit("reset_link.created", user_id, {"username": user["username"]})
        self.hand_over(NEW_RESET_COOKIE, token, f"/admin/users/{user_id}/reset-link")


ROUTES = [
    (r"/admin/registration", RegistrationModeHandler),
    (r"/admin/invites", InvitesHandler),
    (r"/admin/invites/([0-9a-f]{64})/revoke", RevokeInviteHandler),
    (rf"/admin/users/({ID_PATTERN})/reset-link", ResetLinkHandler),
]
