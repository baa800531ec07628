"""`/api/v1/.../shares`: share links to an image or album, listing mine, revoking one.

A link's secret token appears once, in the `url` of the creation answer; afterwards the link
is known by its id (the token's sha256) only.
"""

from app.api.handlers.base import ApiHandler
from app.db import OWNER_NEWEST
from app.images import access, shares


def share_json(share: dict) -> dict:
    """The JSON form of a share link (without its secret URL)."""
    return {"id": share["_id"], "kind": share["kind"], "target_id": share["target_id"],
            "label": share["label"], "created": share["created"], "expires": share["expires"],
            "revoked": share["revoked"], "views": share["views"]}


class ApiCreateShareHandler(ApiHandler):
    """`POST /api/v1/images/{id}/shares` (and albums, see subclass): 201 with the link."""

    kind = "image"
    shows_secrets = True  # the link

    async def post(self, target_id: str) -> None:
        target = await access.shareable(self.db, self.kind, target_id, self.current_user)
        body = self.json_body("ShareCreate")
        share, token = await shares.create_share(
            self.db, owner_id=target["owner_id"], kind=self.kind, target_id=target["_id"],
            expires_in=body.get("expires_in"), label=body.get("label", ""), now=self.now())
        self.write_json({**share_json(share),
                         "url": self.absolute_url(shares.share_path(token))}, 201)


class ApiCreateAlbumShareHandler(ApiCreateShareHandler):
    kind = "album"


class ApiSharesHandler(ApiHandler):
    """`GET /api/v1/shares`: my links, newest first, optionally of one target."""

    async def get(self) -> None:
        args = self.query("target_id", "limit", "cursor")
        query = {"owner_id": self.current_user["_id"]}
        if args.get("target_id"):
            query["target_id"] = args["target_id"]
        await self.write_page(self.db.shares, query, OWNER_NEWEST, share_json, args)


class ApiShareHandler(ApiHandler):
    """`DELETE /api/v1/shares/{id}`: revoke one of my links (204)."""

    async def delete(self, share_id: str) -> None:
        await shares.revoke_share(self.db, self.current_user["_id"], share_id, self.now())
        self.no_content()


ROUTES = [
    (r"/api/v1/images/([^/]+)/shares", ApiCreateShareHandler),
    (r"/api/v1/albums/([^/]+)/shares", ApiCreateAlbumShareHandler),
    (r"/api/v1/shares", ApiSharesHandler),
    (r"/api/v1/shares/([^/]+)", ApiShareHandler),
]
