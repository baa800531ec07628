"""`/admin`: the site's totals and its users, for admins only (rules in `app.admin.store`).

Everyone else, signed in or not, gets the ordinary 404 page: the admin pages are not even
confirmed to exist. With `admins_require_2fa`, an admin without a second factor is sent to
set one up instead. Every action on a user is recorded in the audit log.
"""

from urllib.parse import parse_qsl

from tornado.httputil import url_concat

from app.admin.store import (
    ROLES,
    USER_ORDERS,
    delete_user,
    is_admin,
    list_users,
    must_enrol,
    other_user,
    parse_quota,
    remove_second_factors,
    set_disabled,
    set_quota,
    set_role,
    site_totals,
)
from app.auth import registration
from app.auth.handlers.sign_in import ENROL_URL
from app.errors import NotFound
from app.ids import ID_PATTERN
from app.images.handlers.listing import position
from app.images.quota import MIB
from app.text import size_text
from app.web import BaseHandler

# The query fields of the user list that an action on it comes back to.
LIST_FIELDS = ("q", "sort", "after", "before")


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
        """Back to the list as the form's page showed it (search, order, page)."""
        # Only the list's own fields, on a fixed path: the form cannot send the admin elsewhere.
        shown = parse_qsl(self.get_body_argument("list", ""))
        kept = [(key, value) for key, value in shown if key in LIST_FIELDS]
        self.redirect(url_concat("/admin", kept) if kept else "/admin")


class AdminPageHandler(AdminHandler):
    async def get(self) -> None:
        cursor, backward = position(self)
        search = self.get_query_argument("q", "").strip()[:32]
        sort = self.get_query_argument("sort", "name")
        pager = await list_users(self.db, search=search, sort=sort, cursor=cursor,
                                 backward=backward)
        self.render("admin.html", totals=await site_totals(self.db, self.now()),
                    users=pager.items, pager=pager, search=search,
                    sort=sort if sort in USER_ORDERS else "name", orders=USER_ORDERS,
                    list_query=self.request.query, roles=ROLES, mib=MIB,
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


class RoleHandler(AdminHandler):
    """`POST /admin/users/<id>/role` (`role`: user or admin)."""

    async def post(self, user_id: str) -> None:
        role = self.get_body_argument("role", "")
        user = await set_role(self.db, self.current_user, user_id, role)
        await self.audit("admin.role_changed", user_id,
                         {"username": user["username"], "from": user.get("role"), "to": role})
        self.flash(f"{user['username']} is now {'an admin' if role == 'admin' else 'a user'}.")
        self.back_to_list()


class QuotaHandler(AdminHandler):
    """`POST /admin/users/<id>/quota` (`quota_mib`; empty: the site's default)."""

    async def post(self, user_id: str) -> None:
        quota = parse_quota(self.get_body_argument("quota_mib", ""))
        user = await set_quota(self.db, self.current_user, user_id, quota)
        await self.audit("admin.quota_changed", user_id,
                         {"username": user["username"], "from": user.get("quota_bytes"),
                          "to": quota})
        self.flash(f"Quota of {user['username']}: "
                   f"{size_text(quota) if quota else 'the site default'}.")
        self.back_to_list()


ROUTES = [
    (r"/admin", AdminPageHandler),
    (rf"/admin/users/({ID_PATTERN})/role", RoleHandler),
    (rf"/admin/users/({ID_PATTERN})/quota", QuotaHandler),
    (rf"/admin/users/({ID_PATTERN})/(disable|enable|delete)", UserActionHandler),
    (rf"/admin/users/({ID_PATTERN})/second-factors/remove", RemoveSecondFactorsHandler),
]
