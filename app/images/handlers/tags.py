"""`/t/<tag>`: everyone's public images with a tag, newest first, paginated like the feed."""

from app.errors import Invalid, NotFound
from app.images import access, tags
from app.images.handlers.listing import newest_images
from app.images.urls import page_path, tag_path, variant_path
from app.web import BaseHandler


class TagHandler(BaseHandler):
    async def get(self, raw: str) -> None:
        try:
            tag = tags.one(raw)
        except Invalid:
            raise NotFound() from None
        if tag != raw:
            # One address per tag: "/t/New York" is "/t/new-york".
            self.redirect(tag_path(tag) + (f"?{self.request.query}" if self.request.query
                                           else ""), permanent=True)
            return
        found = await newest_images(self, access.listed_with_tag(tag))
        self.render("tag.html", tag=tag, images=found.items, pager=found, href=page_path,
                    src=variant_path)


ROUTES = [(r"/t/([^/]+)", TagHandler)]
