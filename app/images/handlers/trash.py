"""The trash pages: `/trash` lists what the owner deleted, with Restore and Delete forever
for each item and Empty trash for all; the flash's Undo posts to `/trash/undo/<stamp>`; and
the owner alone sees a trashed image's thumbnail, at `/trash/images/<id>/thumb`.

Moving to the trash asks nothing (Undo is there instead); deleting forever and emptying
the trash cannot be undone, so they ask first (`confirmed`/`ask_confirmation`).
"""

import datetime
import math

import tornado.web

from app.forms import safe_next
from app.images import store, trash
from app.images.handlers.albums import covers
from app.images.handlers.discard import trash_days
from app.images.handlers.variants import choose_file
from app.images.pagination import PAGE_SIZE
from app.text import plural
from app.web import IMAGE_CONTENT_SECURITY_POLICY, BaseHandler

# The trash's own thumbnails: nobody but the owner may see them, so no cache keeps them.
THUMB_CACHE = "private, no-store"


def days_left(item: dict, now: datetime.datetime) -> str:
    """How long until the item is deleted forever, for people: whole days, rounded up."""
    days = math.ceil((item["trash_until"] - now) / datetime.timedelta(days=1))
    return "deleted forever within a day" if days <= 1 else f"{days} days left"


class TrashHandler(BaseHandler):
    """`/trash`: the owner's deleted images and albums, newest first; `after` pages on."""

    @tornado.web.authenticated
    async def get(self) -> None:
        items, next_cursor = await trash.page(
            self.db, self.current_user["_id"], now=self.now(),
            cursor=self.get_query_argument("after", None), limit=PAGE_SIZE)
        albums = [item for item in items if item["kind"] == "albums"]
        now = self.now()
        self.render("trash.html", items=items, next_cursor=next_cursor,
                    covers=await covers(self.db, albums, self.current_user),
                    days=trash_days(self), days_left=lambda item: days_left(item, now))


class TrashItemHandler(BaseHandler):
    """`POST /trash/<images|albums>/<id>/restore`, and `/delete` (with `confirm=1`; its
    `GET`, and a `POST` without it, ask first)."""

    @tornado.web.authenticated
    async def get(self, kind: str, item_id: str, action: str) -> None:
        if action != "delete":
            raise tornado.web.HTTPError(405)
        await trash.find(self.db, self.current_user["_id"], kind, item_id, now=self.now())
        self.ask_confirmation("Delete this forever?", "It cannot be restored afterwards.",
                              "Delete forever", "/trash")

    @tornado.web.authenticated
    async def post(self, kind: str, item_id: str, action: str) -> None:
        owner_id, now = self.current_user["_id"], self.now()
        if action == "restore":
            await trash.restore(self.db, owner_id, kind, item_id, now=now)
            self.flash("Restored.")
        else:
            await trash.find(self.db, owner_id, kind, item_id, now=now)
            if not self.confirmed():
                return
            await trash.delete_forever(self.db, self.application.bucket, owner_id, kind,
                                       item_id, now=now)
            self.flash("Deleted forever.")
        self.redirect(safe_next(self.get_body_argument("return", ""), "/trash"), status=303)


class TrashEmptyHandler(BaseHandler):
    """`POST /trash/empty` with `confirm=1`; its `GET` asks first."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.ask_confirmation("Empty the trash?", "Everything in it is deleted forever.",
                              "Empty trash", "/trash")

    @tornado.web.authenticated
    async def post(self) -> None:
        if not self.confirmed():
            return
        count = await trash.empty(self.db, self.application.bucket, self.current_user["_id"],
                                  now=self.now())
        self.flash(f"The trash is empty; {plural(count, 'image')} deleted forever.")
        self.redirect("/trash", status=303)


class TrashUndoHandler(BaseHandler):
    """`POST /trash/undo/<stamp>`: the flash's Undo, restoring what one request moved to
    the trash, then back to `return`."""

    @tornado.web.authenticated
    async def post(self, moment: str) -> None:
        count = await trash.undo(self.db, self.current_user["_id"], int(moment),
                                 now=self.now())
        self.flash("Restored." if count else "Nothing to restore: it has left the trash.",
                   "success" if count else "error")
        self.redirect(safe_next(self.get_query_argument("return", ""), "/gallery"), status=303)


class TrashThumbHandler(BaseHandler):
    """`/trash/images/<id>/thumb`: a trashed image's thumbnail, for its owner's trash page
    only; every other byte URL of the image answers 404 like a missing one."""

    @tornado.web.authenticated
    async def get(self, image_id: str) -> None:
        image = await trash.find(self.db, self.current_user["_id"], "images", image_id,
                                 now=self.now())
        entry = choose_file(image, "thumb", self.request.headers.get("Accept", ""))
        data = await store.read_file(self.application.bucket, entry)
        self.set_header("Cache-Control", THUMB_CACHE)
        self.set_header("Content-Security-Policy", IMAGE_CONTENT_SECURITY_POLICY)
        self.set_header("Content-Type", entry["type"])
        self.write(data)


_ID = r"([A-Za-z0-9_-]{1,64})"
ROUTES = [
    (r"/trash", TrashHandler),
    (r"/trash/empty", TrashEmptyHandler),
    (r"/trash/undo/([0-9]{1,15})", TrashUndoHandler),
    (rf"/trash/images/{_ID}/thumb", TrashThumbHandler),
    (rf"/trash/(images|albums)/{_ID}/(restore|delete)", TrashItemHandler),
]
