"""`/api`: the human-readable guide to the JSON API, with copy-paste curl examples."""

from app.web import BaseHandler


class ApiGuideHandler(BaseHandler):
    def get(self) -> None:
        self.render("api.html", base=self.absolute_url(""))


ROUTES = [(r"/api", ApiGuideHandler)]
