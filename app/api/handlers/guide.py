"""`/api`: the human-readable guide to the JSON API, with copy-paste curl examples, and
`/api/v1/openapi.json`, the machine-readable one."""

from app.api.handlers.base import ApiHandler
from app.api.openapi.document import document
from app.web import BaseHandler


class ApiGuideHandler(BaseHandler):
    def get(self) -> None:
        self.render("api.html", base=self.absolute_url(""))


class ApiDocumentHandler(ApiHandler):
    login_required = False
    accepts_bearer = False  # a stale token a tool attaches must not hide the document

    def initialize(self, operations: tuple) -> None:
        self.operations = operations

    def get(self) -> None:
        self.write_json(document(self.absolute_url("/api/v1"), self.operations))


def routes(operations: list) -> list:
    """The guide's and the document's routes; the document describes `operations`."""
    return [(r"/api", ApiGuideHandler),
            (r"/api/v1/openapi\.json", ApiDocumentHandler, {"operations": tuple(operations)})]
