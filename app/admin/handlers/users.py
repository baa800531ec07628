"""`/admin`: the site's totals and its users, for admins only (rules in `app.admin.store`).

Everyone else, signed in or not, gets the ordinary 404 page: the admin pages are not even
confirmed to exist. With `admins_require_2fa`, an admin without a second factor is sent to
set one up instead. Every action on a user is recorded in the audit log.
"""

from tornado.httputil import url_concat

from app.admin.store import (
    delete_user,
    is_admin,
    list_users,
    must_enrol,
    other_user,
    remove_second_factors,
    set_disabled,
    site_totals,
)
from app.auth import registration
from app.auth.handlers.sign_in import ENROL_URL
from app.errors import NotFound
from app.ids import ID_PATTERN
from app.web import BaseHandler


class AdminHandler(BaseHandler):
    """Base of the admin pages: anyone but an admin gets the site's ordinary 404."""

    async def prepare(self) -> None:
        await super().prepare()
        if not is_admin(self.current_user):
            raise NotFound()
        # Lists of accounts are nobody else's business: no shared or browser cache keeps them.
        self.set_header("Cache-Control", "no-store")
        if await must_enrol(self.db, self.current_user, self.settings["admins_require_2fa"]):
            self.flash("Set up a second factor first: administrators must sign in with one.",
                       "error")
            self.redirect(ENROL_URL)

    def back_to_list(self) -> None:
        """Back to the page of the list the form was on."""
        # Built here from a fixed path, so the form field cannot send the admin elsewhere.
        after = self.get_body_argument("after", "")
        self.redirect(url_concat("/admin", {"after": after}) if after else "/admin")


class AdminPageHandler(AdminHandler):
    async def get(self) -> None:
        after = self.get_query_argument("after", None)
        users, next_after = await list_users(self.db, after)
        self.render("admin.html", totals=await site_totals(self.db, self.now()), users=users,
                    after=after, next_after=next_after,
                    mode=await registration.mode(self.db, self.settings["registration"]),
                    descriptions=registration.DESCRIPTIONS)


class UserActionHandler(AdminHandler):
    """`POST /admin/users/<id>/(disable|enable|delete)`, then back to the same page."""

    async def post(self, user_id: str, action: str) -> None:
        if action == "delete":
            user = await delete_user(self.db, self.application.bucket, self.current_user,
                                     user_id, now=self.now())
            self.flash(f"Deleted {user['username']} and everything they owned.")
        else:
            user = await set_disabled(self.db, self.current_user, user_id, action == "disable")
            self.flash(f"Disabled {user['username']}: signed out everywhere, API tokens paused."
                       if action == "disable" else f"Enabled {user['username']}.")
        await self.audit(f"admin.user_{action}d", user_id, {"username": user["username"]})
        self.back_to_list()


class RemoveSecondFactorsHandler(AdminHandler):
    """`POST /admin/users/<id>/second-factors/remove` with `confirm=1`, for a user who lost
    their second factors; without it, and on `GET`, the page that asks first."""

    async def get(self, user_id: str) -> None:
        user = await other_user(self.db, self.current_user, user_id)
        self.ask_confirmation(
            f"Remove the second factors of {user['username']}?",
            "Their authenticator app, recovery codes and passkeys stop working: they sign in "
            "with their password alone until they set up a second factor again. Do this only "
            "once you are sure the request comes from them.",
            "Remove second factors", "/admin")

    async def post(self, user_id: str) -> None:
        user = await other_user(self.db, self.current_user, user_id)
        if not self.confirmed():
            return
        await remove_second_factors(self.db, self.current_user, user_id)
        await self.audit("admin.second_factors_removed", user_id, {"username": user["username"]})
        self.flash(f"Removed the second factors of {user['username']}.")
        self.back_to_list()


ROUTES = [
    (r"/admin", AdminPageHandler),
    (rf"/admin/users/({ID_PATTERN})/(disable|enable|delete)", UserActionHandler),
    (rf"/admin/users/({ID_PATTERN})/second-factors/remove", RemoveSecondFactorsHandler),
]
