"""`/inbox`: what guests sent through the owner's drop links, to approve into the link's
album (some or all) or reject (purged at once, so it asks first)."""

import tornado.web

from app.images import inbox, store
from app.images.handlers.listing import position
from app.images.pagination import PAGE_SIZE
from app.text import plural
from app.web import BaseHandler


class InboxHandler(BaseHandler):
    """`GET /inbox`: the inbox, newest first (`after`/`before` page through it)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        owner_id = self.current_user["_id"]
        cursor, backward = position(self)
        found = await inbox.page(self.db, owner_id, cursor, PAGE_SIZE, backward)
        count = await inbox.recount(self.db, owner_id)
        self.current_user["inbox_count"] = count  # the navigation of this very page
        album_ids = {image["dropped"]["album_id"] for image in found.items}
        titles = {album["_id"]: album["title"]
                  async for album in self.db.albums.find({"_id": {"$in": list(album_ids)},
                                                          "owner_id": owner_id})}
        self.render("inbox.html", images=found.items, pager=found, count=count,
                    album_titles=titles)


class InboxActionHandler(BaseHandler):
    """`POST /inbox/approve` and `/inbox/reject`: the images named by `image_id` (repeated),
    or every one with `all=1`. Rejecting needs `confirm=1`; its `GET`, and a `POST`
    without it, ask first."""

    def selection(self, arguments) -> list[str] | None:
        return None if arguments("all") == ["1"] else arguments("image_id")

    @tornado.web.authenticated
    async def get(self, action: str) -> None:
        if action != "reject":
            raise tornado.web.HTTPError(405)
        chosen = self.selection(self.get_query_arguments)
        images = list((await store.find_images(self.db, chosen or [])).values())
        what = "every image in your inbox" if chosen is None else plural(len(chosen), "image")
        self.ask_confirmation(f"Reject {what}?", "Rejected images are deleted at once with "
                              "all their files; they cannot be restored.", "Reject",
                              "/inbox", [image for image in images
                                         if image["owner_id"] == self.current_user["_id"]])

    @tornado.web.authenticated
    async def post(self, action: str) -> None:
        chosen = self.selection(self.get_body_arguments)
        if action == "approve":
            done = await inbox.approve(self.db, self.application.bucket, self.current_user,
                                       chosen, now=self.now())
            self.flash(f"Approved {plural(done, 'image')}: "
                       f"{'they are' if done != 1 else 'it is'} in the album now.")
        else:
            if not self.confirmed():
                return
            done = await inbox.reject(self.db, self.application.bucket,
                                      self.current_user["_id"], chosen, now=self.now())
            self.flash(f"Rejected {plural(done, 'image')}: deleted for good.")
        self.redirect("/inbox")


ROUTES = [
    (r"/inbox", InboxHandler),
    (r"/inbox/(approve|reject)", InboxActionHandler),
]
