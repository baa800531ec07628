"""`/admin`: the site's totals and its users, for admins only (rules in `app.admin.store`).

Everyone else, signed in or not, gets the ordinary 404 page: the admin pages are not even
confirmed to exist.
"""

from tornado.httputil import url_concat

from app.admin.store import delete_user, is_admin, list_users, set_disabled, site_totals
from app.auth import registration
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
        # Built here from a fixed path, so the form field cannot send the admin elsewhere.
        after = self.get_body_argument("after", "")
        self.redirect(url_concat("/admin", {"after": after}) if after else "/admin")


ROUTES = [
    (r"/admin", AdminPageHandler),
    (rf"/admin/users/({ID_PATTERN})/(disable|enable|delete)", UserActionHandler),
]
