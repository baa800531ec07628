"""`/admin`: the site's totals and its users, for admins only.

Everyone else, signed in or not, gets the ordinary 404 page: the admin pages are not even
confirmed to exist. Admins disable, enable and delete other accounts here; nobody can
disable or delete themselves here, so an admin cannot lock themselves out by a slip.

Disabling is a reversible suspension: it ends the user's sessions at once, and while the
flag is set sign-in is refused and their API tokens answer 401 (`sessions.user_for_token`
and `tokens.user_for_token` check it on every request). The tokens themselves are kept, so
enabling the account again reconnects the user's scripts and ShareX; only signing in again
is needed in the browser. Deleting removes the account and everything it owns, exactly as
the user deleting it from `/account` would.
"""

import datetime

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase
from tornado.httputil import url_concat

from app.auth import account_store, sessions
from app.errors import Invalid, NotFound
from app.ids import ID_PATTERN
from app.images.intake import size_text
from app.web import BaseHandler

PAGE_SIZE = 50


def is_admin(user: dict | None) -> bool:
    """True if `user` is a signed-in admin."""
    return user is not None and user.get("role") == "admin"


# ----- store: what the admin pages and /metrics read and change -----

async def site_totals(db: AsyncDatabase, now: datetime.datetime) -> dict[str, int]:
    """Users, images, albums, bytes stored (the sum of users' `used_bytes`) and live share
    links, across the whole site.

    Whole-collection counts come from collection metadata (`estimated_document_count`):
    O(1) on MongoDB, where counting documents would scan, and Prometheus asks every few
    seconds. Bytes and live links need one pass over users and shares.
    """
    stored = await (await db.users.aggregate(
        [{"$group": {"_id": None, "bytes": {"$sum": "$used_bytes"}}}])).to_list()
    live = {"revoked": False, "$or": [{"expires": None}, {"expires": {"$gt": now}}]}
    return {
        "users": await db.users.estimated_document_count(),
        "images": await db.images.estimated_document_count(),
        "albums": await db.albums.estimated_document_count(),
        "stored_bytes": stored[0]["bytes"] if stored else 0,
        "live_shares": await db.shares.count_documents(live),
    }


async def list_users(db: AsyncDatabase, after: str | None) -> tuple[list[dict], str | None]:
    """Up to `PAGE_SIZE` users by name after the name key `after`, each with its
    `image_count`, and the key to continue from (None on the last page).

    Keyset pagination on the unique `username_key` index: every page costs the same.
    """
    query = {"username_key": {"$gt": after}} if after else {}
    users = await (db.users.find(query, {"password_hash": 0}).sort("username_key", 1)
                   .limit(PAGE_SIZE + 1).to_list())
    more = len(users) > PAGE_SIZE
    users = users[:PAGE_SIZE]
    # One grouped query for the page, answered by the (owner_id, ...) index.
    counts = await (await db.images.aggregate([
        {"$match": {"owner_id": {"$in": [user["_id"] for user in users]}}},
        {"$group": {"_id": "$owner_id", "count": {"$sum": 1}}},
    ])).to_list()
    by_owner = {row["_id"]: row["count"] for row in counts}
    for user in users:
        user["image_count"] = by_owner.get(user["_id"], 0)
    return users, users[-1]["username_key"] if more else None


async def _other_user(db: AsyncDatabase, actor: dict, user_id: str) -> dict:
    """The user `actor` may act on: `Invalid` for themselves, `NotFound` if unknown."""
    if user_id == actor["_id"]:
        raise Invalid("You cannot disable or delete your own account from the admin page.")
    user = await db.users.find_one({"_id": user_id})
    if user is None:
        raise NotFound()
    return user


async def set_disabled(db: AsyncDatabase, actor: dict, user_id: str, disabled: bool) -> dict:
    """Disable (ending every session) or enable another user's account; returns the user."""
    user = await _other_user(db, actor, user_id)
    # The flag first: from then on sign-in, sessions and tokens all refuse the account, so a
    # session started just before is cut off below or by the check on its next request.
    await db.users.update_one({"_id": user_id}, {"$set": {"disabled": disabled}})
    if disabled:
        await sessions.end_other_sessions(db, user_id, keep_session=None)
    return user


async def delete_user(db: AsyncDatabase, bucket: AsyncGridFSBucket, actor: dict,
                      user_id: str) -> dict:
    """Delete another user and everything they own (as account deletion does)."""
    user = await _other_user(db, actor, user_id)
    await account_store.delete_account(db, bucket, user)
    return user


# ----- handlers -----

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
                    after=after, next_after=next_after, size_text=size_text)


class UserActionHandler(AdminHandler):
    """`POST /admin/users/<id>/(disable|enable|delete)`, then back to the same page."""

    async def post(self, user_id: str, action: str) -> None:
        if action == "delete":
            user = await delete_user(self.db, self.settings["bucket"], self.current_user,
                                     user_id)
            self.flash(f"Deleted {user['username']} and everything they owned.")
        else:
            user = await set_disabled(self.db, self.current_user, user_id, action == "disable")
            self.flash(f"Disabled {user['username']}: signed out everywhere, API tokens paused."
                       if action == "disable" else f"Enabled {user['username']}.")
        # Built here from a fixed path, so the form field cannot send the admin elsewhere.
        after = self.get_body_argument("after", "")
        self.redirect(url_concat("/admin", {"after": after}) if after else "/admin")
        return


ROUTES = [
    (r"/admin", AdminPageHandler),
    (rf"/admin/users/({ID_PATTERN})/(disable|enable|delete)", UserActionHandler),
]
