"""`/images/bulk`: the gallery's selection form. `POST` with `action` (delete, visibility,
album_add, album_remove, tag_add, tag_remove), `image_id` repeated, and `visibility`,
`album_id` or `tag` as the action needs; it redirects back to `return` with a message.
Deleting moves the owner's images to the trash (the message offers Undo); deleting for good
(no trash, or an admin) asks first: the page's script in a dialog, or else the confirmation
page this handler's `GET` shows."""

import tornado.web

from app.errors import Invalid
from app.forms import safe_next
from app.images import bulk
from app.images.handlers.discard import asks_first, say_deleted, trash_days
from app.text import plural
from app.web import BaseHandler


class BulkHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        if self.get_query_argument("action", "") != "delete":
            raise Invalid("Only deleting asks first.")
        images = await bulk.selected_images(self.db, self.current_user, "delete",
                                            self.get_query_arguments("image_id"))
        self.ask_confirmation(
            f"Delete {plural(len(images), 'image')}?",
            "Their share links stop working and they leave every album. This cannot be undone.",
            "Delete", "/gallery", images)

    @tornado.web.authenticated
    async def post(self) -> None:
        action = self.get_body_argument("action", "")
        image_ids = self.get_body_arguments("image_id")
        trashed = False
        if action == "delete":
            # Checked before asking: a bad selection is refused at once, not after "OK".
            images = await bulk.selected_images(self.db, self.current_user, action, image_ids)
            trashed = not asks_first(self, images)
            if not trashed and not self.confirmed():
                return
        now = self.now()
        message = await bulk.apply(
            self.db, self.application.bucket, self.current_user, action, image_ids,
            visibility=self.get_body_argument("visibility", ""),
            album_id=self.get_body_argument("album_id", ""),
            tag=self.get_body_argument("tag", ""), now=now,
            trash_days=trash_days(self))
        back = safe_next(self.get_body_argument("return", ""), "/gallery")
        say_deleted(self, message, trashed_at=now if trashed else None, back=back)
        self.redirect(back, status=303)


ROUTES = [(r"/images/bulk", BulkHandler)]
