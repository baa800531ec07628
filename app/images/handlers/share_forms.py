"""The owner's forms for share links: create one (with an optional password and view
limit), change or remove its password, revoke it."""

import re

import tornado.web

from app.auth import link_passwords
from app.errors import Invalid
from app.forms import safe_next
from app.images import lookups, shares
from app.web import BaseHandler


class ShareFormHandler(BaseHandler):
    """What the share forms have in common."""

    def number_argument(self, name: str, what: str) -> int | None:
        """A form field holding a whole number, or None when left empty."""
        value = self.get_body_argument(name, "")
        if value and not re.fullmatch(r"[0-9]{1,12}", value):
            raise Invalid(f"{what} must be a whole number.")
        return int(value) if value else None

    async def password_hash(self, password: str) -> str:
        """The hash of a new link password (bcrypt in the password pool)."""
        return await link_passwords.hash_link_password(
            password, rounds=self.settings["bcrypt_rounds"],
            executor=self.application.password_executor)

    def back(self) -> str:
        """Where the form's page was (its safe `return` field), else the gallery."""
        return safe_next(self.get_body_argument("return", ""), "/gallery")


class CreateShareHandler(ShareFormHandler):
    """`POST /i/<id>/shares` and `POST /a/<id>/shares`: the owner makes a link, then sees
    it at once in its row of the list (the page opens at that row, whose field has it)."""

    kind = "image"

    @tornado.web.authenticated
    async def post(self, target_id: str) -> None:
        target = await lookups.shareable(self.db, self.kind, target_id, self.current_user)
        expires_in = self.number_argument("expires_in", "Expiry")
        max_views = shares.check_max_views(self.number_argument("max_views", "A view limit"))
        password = self.password_argument("password")
        share, _ = await shares.create_share(
            self.db,
            self.application.share_keys,
            owner_id=target["owner_id"],
            kind=self.kind,
            target_id=target["_id"],
            expires_in=expires_in,
            label=self.get_body_argument("label", ""),
            now=self.now(),
            address=self.request.remote_ip or "",
            password_hash=await self.password_hash(password) if password else None,
            max_views=max_views,
        )
        self.flash("Share link created: copy it from the list below.")
        page = f"/{'i' if self.kind == 'image' else 'a'}/{target['_id']}"
        self.redirect(f"{page}#{shares.anchor(share)}", status=303)


class CreateAlbumShareHandler(CreateShareHandler):
    kind = "album"


class SharePasswordHandler(ShareFormHandler):
    """`POST /shares/<id>/password`: set a new password (`password`) or, with `remove=1`,
    none. Visitors who gave the old one must give the new one."""

    @tornado.web.authenticated
    async def post(self, share_id: str) -> None:
        owner_id = self.current_user["_id"]
        share = await shares.find_share(self.db, owner_id, share_id)
        remove = self.get_body_argument("remove", "") == "1"
        hashed = None if remove else await self.password_hash(self.password_argument("password"))
        await shares.set_password_hash(self.db, owner_id, share_id, hashed, now=self.now(),
                                       address=self.request.remote_ip or "")
        self.flash("Password removed from the link." if remove else "Password of the link set.")
        self.redirect(f"{self.back()}#{shares.anchor(share)}", status=303)


class RevokeShareHandler(ShareFormHandler):
    """`POST /shares/<id>/revoke` with `confirm=1`; without it, and on `GET`, the page
    that asks first."""

    @tornado.web.authenticated
    async def get(self, share_id: str) -> None:
        await shares.find_share(self.db, self.current_user["_id"], share_id)
        self.ask_confirmation("Revoke this share link?", "Anyone holding it loses access at "
                              "once. This cannot be undone.", "Revoke link", "/gallery")

    @tornado.web.authenticated
    async def post(self, share_id: str) -> None:
        await shares.find_share(self.db, self.current_user["_id"], share_id)
        if not self.confirmed():
            return
        await shares.revoke_share(self.db, self.current_user["_id"], share_id, self.now(),
                                  self.request.remote_ip or "")
        self.flash("Share link revoked.")
        self.redirect(self.back())


ROUTES = [
    (r"/i/([^/]+)/shares", CreateShareHandler),
    (r"/a/([^/]+)/shares", CreateAlbumShareHandler),
    (r"/shares/([^/]+)/password", SharePasswordHandler),
    (r"/shares/([^/]+)/revoke", RevokeShareHandler),
]
