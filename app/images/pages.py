"""HTML pages about images: the public feed and the owner's gallery."""

import tornado.web

from app.web import BaseHandler


class HomeHandler(BaseHandler):
    def get(self) -> None:
        self.render("home.html")


class GalleryHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self) -> None:
        self.render("gallery.html", images=[])


ROUTES = [
    (r"/", HomeHandler),
    (r"/gallery", GalleryHandler),
]
