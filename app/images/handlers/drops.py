"""Drop links on pages: the owner's forms on the album page (create, revoke), and the
guest's page `/d/<token>` with its upload form (works without JavaScript; the upload
page's script adds drag and drop and per-file progress when it runs).

A guest has no account and no session: XSRF protection rests on Tornado's own cookie, and
the guest's visit is a random secret in a signed session cookie limited to the link's path
(`VISIT_COOKIE`); their uploads carry its digest, and the page lists only those. (A cookie
listing the uploads' ids would lose some: the page's script sends files three at a time,
and each answer would rewrite the list its own request started from.)
"""

import tornado.web

from app.auth import devices, throttle
from app.errors import NotFound
from app.ids import new_token
from app.images import drops, inbox, lookups
from app.images.handlers.share_forms import ShareFormHandler
from app.images.handlers.upload import UploadHandler
from app.images.ingest import MIB, max_upload_bytes
from app.images.processing.formats import BROWSER_ACCEPT
from app.text import plural

VISIT_COOKIE = "drop_visit"
GUEST_FIELDS = ("title", "alt")  # what a guest may say about a file; the rest is the owner's


class CreateDropHandler(ShareFormHandler):
    """`POST /a/<id>/drops`: the owner makes a drop link into the album; the page opens at
    the list of links, where the new one can be copied."""

    @tornado.web.authenticated
    async def post(self, album_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        site_file = max_upload_bytes(self.settings)
        max_files = self.number_argument("max_files", "The number of files")
        total_mb = self.number_argument("max_mb", "The total size")
        file_mb = self.number_argument("max_file_mb", "The largest file")
        await drops.create_drop(
            self.db, self.application.share_keys, album,
            label=self.get_body_argument("label", ""),
            expires_in=self.number_argument("expires_in", "Expiry"),
            max_files=drops.DEFAULT_MAX_FILES if max_files is None else max_files,
            max_bytes=(drops.DEFAULT_MAX_MB if total_mb is None else total_mb) * MIB,
            max_file_bytes=site_file if file_mb is None else file_mb * MIB,
            site_file_bytes=site_file, now=self.now(), address=self.request.remote_ip or "")
        self.flash("Drop link created: copy it from the list below.")
        self.redirect(f"/a/{album['_id']}#drops", status=303)


class RevokeDropHandler(ShareFormHandler):
    """`POST /drops/<id>/revoke` with `confirm=1`; without it, and on `GET`, the page that
    asks first."""

    async def mine(self, drop_id: str) -> dict:
        found = await self.db.drops.find_one({"_id": drop_id, "owner_id":
                                              self.current_user["_id"]})
        if found is None:
            raise NotFound()
        return found

    @tornado.web.authenticated
    async def get(self, drop_id: str) -> None:
        drop = await self.mine(drop_id)
        self.ask_confirmation("Revoke this drop link?", "Nobody can upload through it any "
                              "more; what was sent stays in your inbox.", "Revoke link",
                              f"/a/{drop['album_id']}#drops")

    @tornado.web.authenticated
    async def post(self, drop_id: str) -> None:
        drop = await self.mine(drop_id)
        if not self.confirmed():
            return
        await drops.revoke_drop(self.db, self.current_user["_id"], drop_id, now=self.now(),
                                address=self.request.remote_ip or "")
        self.flash("Drop link revoked.")
        self.redirect(f"/a/{drop['album_id']}#drops")


@tornado.web.stream_request_body
class GuestDropHandler(UploadHandler):
    """`/d/<token>`: the guest's page (`GET`) and upload (`POST`: the upload page's form
    and script). A dead link (unknown, revoked, expired, used up, its album gone) is 404
    and a flood 429, each with its own page; other failures of a plain form come back
    to the page in a flash message."""

    page_statuses = (404, 429)
    drop: dict | None = None
    owner: dict | None = None

    @property
    def form_page(self) -> str:
        return self.request.path

    async def get(self, token: str) -> None:
        drop = await drops.live_drop(self.db, token, self.now())
        sent = await inbox.sent(self.db, drop, self.visit())
        self.set_header("Referrer-Policy", "no-referrer")  # the token is in the address
        self.set_header("X-Robots-Tag", "noindex")
        self.keep_secret()
        self.render("drop.html", drop=drop, sent=sent, accept=BROWSER_ACCEPT,
                    max_file_bytes=min(drops.file_limit(drop), max_upload_bytes(self.settings)),
                    files_left=drop["max_files"] - drop["files"])

    async def admit(self) -> int:
        now, token = self.now(), self.path_args[0]
        self.drop = await drops.live_drop(self.db, token, now)
        await throttle.attempt(self.db, throttle.drop_limits(self.drop["_id"],
                                                             self.request.remote_ip or ""),
                               now, "Too many uploads through this link.")
        self.owner = await self.db.users.find_one({"_id": self.drop["owner_id"]})
        if self.owner is None:
            raise NotFound()
        return min(drops.file_limit(self.drop), max_upload_bytes(self.settings))

    async def handle_upload(self) -> None:
        self.intake.finish()
        drop, now = self.drop, self.now()
        device = devices.describe(self.request.headers.get("User-Agent", ""))
        fields = {name: self.intake.fields.get(name, "") for name in GUEST_FIELDS}
        stored, errors = await self.store_uploads(
            {**fields, "visibility": "private"}, owner=self.owner,
            dropped=inbox.stamp(drop, device=device, visit=self.visit(), now=now),
            each=lambda spooled: drops.receiving(self.db, drop, spooled.size, now))
        await inbox.arrived(self.db, drop["owner_id"], len(stored))
        if self.wants_json():
            self.write_json({"images": [inbox.receipt(image) for image, _ in stored],
                             "errors": errors}, 201)
            return
        if errors:
            failed = "; ".join(f"{e['filename'] or 'file'}: {e['message']}" for e in errors)
            self.flash(f"Sent {len(stored)}, failed {len(errors)}: {failed}", "error")
        else:
            self.flash(f"Sent {plural(len(stored), 'file')}. Thank you!")
        self.redirect(self.request.path)

    def visit(self) -> str:
        """This guest's visit: the secret in their cookie, or a new one set now."""
        raw = self.get_signed_cookie(VISIT_COOKIE, min_version=2, max_age_days=1)
        if raw:
            return raw.decode("ascii", "replace")
        visit = new_token()
        self.set_signed_cookie(VISIT_COOKIE, visit, version=2, expires_days=None,
                               path=self.request.path, httponly=True, samesite="Lax",
                               secure=self.request.protocol == "https")
        return visit


ROUTES = [
    (r"/a/([^/]+)/drops", CreateDropHandler),
    (r"/drops/([^/]+)/revoke", RevokeDropHandler),
    (r"/d/([^/]+)", GuestDropHandler),
]
