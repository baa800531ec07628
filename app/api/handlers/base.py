"""`ApiHandler`: authentication, XSRF rules, input parsing and JSON forms shared by every
`/api/v1` endpoint.

Two ways in:
- `Authorization: Bearer <token>` (scripts, ShareX). A present but bad, expired or revoked
  token is a 401 even when a session cookie comes along: a client that sent a token means
  that token. Such requests skip the XSRF check, since no browser attaches that header on
  its own. Its scope must cover the method called: every handler method here declares the
  scopes that may call it (`app.auth.scopes.needs`), and `BaseHandler.prepare`, where any
  token comes in (image bytes take tokens too), answers 403 to one it does not cover.
- The browser's session cookie (the site's own JavaScript). Writes then need the
  `X-XSRFToken` header, as every cookie-authenticated write on the site does.
"""

import tornado.web

from app.api import validation
from app.errors import Unauthorized, Unsupported
from app.images import pagination
from app.images.urls import image_object
from app.web import BaseHandler

JSON = "application/json"


def media_type(content_type: str) -> str:
    """The bare, lower-case media type of a `Content-Type` header."""
    return content_type.split(";", 1)[0].strip().lower()


class ApiHandler(BaseHandler):
    """Base of the JSON API handlers; `login_required = False` for public documents."""

    login_required = True
    accepts_bearer = True

    def check_xsrf_cookie(self) -> None:
        # Without a cookie there is no ambient authority to abuse; prepare() answers 401.
        if "Authorization" in self.request.headers or not self.session_token:
            return
        super().check_xsrf_cookie()

    async def prepare(self) -> None:
        await super().prepare()
        if self.login_required and not self.current_user:
            raise Unauthorized("Send 'Authorization: Bearer <token>' or sign in.")

    def write_error(self, status_code: int, **kwargs) -> None:
        if status_code == 401:
            challenge = 'Bearer realm="pixvault"'
            if "Authorization" in self.request.headers:
                challenge += ', error="invalid_token"'
            self.set_header("WWW-Authenticate", challenge)
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        super().write_error(status_code, **kwargs)

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this handler implements."""
        return [method for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
                if getattr(cls, method.lower())
                is not getattr(tornado.web.RequestHandler, method.lower())]

    # ----- input -----

    def json_body(self, schema_name: str, body: bytes | None = None) -> dict:
        """The request's JSON body checked against `schema_name`; 415 for another type."""
        if media_type(self.request.headers.get("Content-Type", "")) != JSON:
            raise Unsupported("Send a JSON body with 'Content-Type: application/json'.")
        return validation.parse_json(self.request.body if body is None else body, schema_name)

    def query(self, *names: str) -> dict:
        """The named query parameters, typed and checked (see `validation.parse_query`)."""
        return validation.parse_query(self.request.query_arguments, *names)

    # ----- output -----

    async def write_page(self, collection, query: dict, to_json,
                         args: dict | None = None) -> None:
        """Answer one keyset page of `collection` as `{"items", "next_cursor"}`, reading
        `limit` and `cursor` from the query string unless `args` already holds them."""
        args = args if args is not None else self.query("limit", "cursor")
        found = await pagination.page(collection, query, args.get("cursor"), args["limit"])
        self.write_json({"items": [to_json(item) for item in found.items],
                         "next_cursor": found.next_cursor})

    def image_json(self, image: dict, duplicate: bool | None = None) -> dict:
        """The image object for this requester, with absolute URLs (and, answering an
        upload, whether it was already there: `duplicate`)."""
        return image_object(image, self.absolute_url(""), self.current_user, duplicate)

    def no_content(self) -> None:
        """Finish with 204 and no body."""
        self.set_status(204)
        self.finish()
