"""Admin pages about who gets an account: the registration mode, invitations
(`/admin/invites`) and password reset links for a user. Rules in `app.auth.registration`
and `app.auth.links`.

A new link is shown once, in the answer to the POST that made it (`no-store`, never
compressed: `shows_secrets`); the database keeps only its digest, so it cannot be shown
again: revoke it and make another.
"""

from app.admin.handlers.users import AdminHandler
from app.admin.store import other_user
from app.auth import links, registration
from app.ids import ID_PATTERN


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
    """`/admin/invites`: the unused invitations; `POST` (`days`, `note`) makes one."""

    shows_secrets = True

    async def get(self) -> None:
        await self.render_invites()

    async def post(self) -> None:
        invite, token = await links.create_invite(
            self.db, created_by=self.current_user["_id"], now=self.now(),
            days=self.get_body_argument("days", "7"), note=self.get_body_argument("note", ""))
        await self.audit("invite.created", invite["_id"], {"note": invite["note"]})
        await self.render_invites(new_link=self.absolute_url(f"/auth/invite/{token}"),
                                  status=201)

    async def render_invites(self, new_link: str | None = None, status: int = 200) -> None:
        """The page, with a link just made (shown this once) at the top."""
        self.set_status(status)
        self.render("admin_invites.html", new_link=new_link,
                    invites=await links.list_invites(self.db, self.now()),
                    lifetimes=links.INVITE_LIFETIMES,
                    mode=await registration.mode(self.db, self.settings["registration"]),
                    descriptions=registration.DESCRIPTIONS)


class RevokeInviteHandler(AdminHandler):
    """`POST /admin/invites/<id>/revoke`: the link stops working at once."""

    async def post(self, invite_id: str) -> None:
        await links.revoke_invite(self.db, invite_id)
        await self.audit("invite.revoked", invite_id)
        self.flash("Invitation revoked: its link no longer works.")
        self.redirect("/admin/invites")


class ResetLinkHandler(AdminHandler):
    """`POST /admin/users/<id>/reset-link`: a new single-use link setting the user's
    password, shown once, to hand over (earlier ones stop working)."""

    shows_secrets = True

    async def post(self, user_id: str) -> None:
        user = await other_user(self.db, self.current_user, user_id)
        reset, token = await links.create_reset(self.db, user,
                                                created_by=self.current_user["_id"],
                                                now=self.now())
        await self.audit("reset_link.created", user_id, {"username": user["username"]})
        self.set_status(201)
        self.render("admin_reset_link.html", user=user, expires=reset["expires"],
                    link=self.absolute_url(f"/auth/reset/{token}"))


ROUTES = [
    (r"/admin/registration", RegistrationModeHandler),
    (r"/admin/invites", InvitesHandler),
    (r"/admin/invites/([0-9a-f]{64})/revoke", RevokeInviteHandler),
    (rf"/admin/users/({ID_PATTERN})/reset-link", ResetLinkHandler),
]
