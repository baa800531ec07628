"""`/api/v1/.../shares`: share links to an image or album (with an optional password and
view limit), listing mine, one with its view log, changing its password, revoking one.

A live link's `url` is rebuilt for its owner from its nonce and the share key (see
`app.images.shares`); links made before that have no `url` after their creation. Answers
holding a link are `no-store`.
"""

from app.api.handlers.base import ApiHandler
from app.auth import link_passwords
from app.auth.scopes import needs
from app.images import lookups, shares


def share_json(share: dict, url: str | None = None) -> dict:
    """The JSON form of a share link, with its `url` when it can be shown."""
    return {"id": share["_id"], "kind": share["kind"], "target_id": share["target_id"],
            "label": share["label"], "created": share["created"], "expires": share["expires"],
            "revoked": share["revoked"], "views": share["views"],
            "max_views": share.get("max_views"), "used_up": shares.used_up(share),
            "has_password": bool(share.get("password_hash")), **({"url": url} if url else {})}


def log_json(share: dict) -> list[dict]:
    """A link's view log, newest first."""
    return [{"at": entry["at"], "device": entry["device"]}
            for entry in reversed(share.get("log", []))]


class ApiShareLinks(ApiHandler):
    """Answers that may hold share links."""

    async def password_hash(self, password: str | None) -> str | None:
        """The hash of a new link password (bcrypt in the password pool); None for none."""
        if password is None:
            return None
        return await link_passwords.hash_link_password(
            password, rounds=self.settings["bcrypt_rounds"],
            executor=self.application.password_executor)

    def link_json(self, share: dict) -> dict:
        """`share_json` with the link when it can be shown; that makes the answer no-store."""
        path = shares.link_path(self.application.share_keys, share, self.now())
        if path is None:
            return share_json(share)
        self.keep_secret()
        return share_json(share, self.absolute_url(path))


class ApiCreateShareHandler(ApiShareLinks):
    """`POST /api/v1/images/{id}/shares` (and albums, see subclass): 201 with the link."""

    kind = "image"

    @needs("full")
    async def post(self, target_id: str) -> None:
        target = await lookups.shareable(self.db, self.kind, target_id, self.current_user)
        body = self.json_body("ShareCreate")
        share, _ = await shares.create_share(
            self.db, self.application.share_keys, owner_id=target["owner_id"], kind=self.kind,
            target_id=target["_id"], label=body.get("label", ""), now=self.now(),
            # Absent: a week; null: never.
            expires_in=body.get("expires_in", shares.DEFAULT_EXPIRES_IN),
            max_views=shares.check_max_views(body.get("max_views")),
            password_hash=await self.password_hash(body.get("password")),
            address=self.request.remote_ip or "")
        self.write_json(self.link_json(share), 201)


class ApiCreateAlbumShareHandler(ApiCreateShareHandler):
    kind = "album"


class ApiSharesHandler(ApiShareLinks):
    """`GET /api/v1/shares`: my links, newest first, optionally of one target."""

    @needs("read")
    async def get(self) -> None:
        args = self.query("target_id", "limit", "cursor")
        query = {"owner_id": self.current_user["_id"]}
        if args.get("target_id"):
            query["target_id"] = args["target_id"]
        await self.write_page(self.db.shares, query, self.link_json, args)


class ApiShareHandler(ApiShareLinks):
    """`GET /api/v1/shares/{id}`: one of my links with its view log; `PATCH` sets or
    removes its password (`{"password": "..."}` or `null`); `DELETE` revokes it (204)."""

    @needs("read")
    async def get(self, share_id: str) -> None:
        share = await shares.find_share(self.db, self.current_user["_id"], share_id)
        self.write_json({**self.link_json(share), "log": log_json(share)})

    @needs("full")
    async def patch(self, share_id: str) -> None:
        body = self.json_body("ShareChanges")
        owner_id = self.current_user["_id"]
        await shares.find_share(self.db, owner_id, share_id)
        if "password" in body:
            await shares.set_password_hash(
                self.db, owner_id, share_id, await self.password_hash(body["password"]),
                now=self.now(), address=self.request.remote_ip or "")
        share = await shares.find_share(self.db, owner_id, share_id)
        self.write_json({**self.link_json(share), "log": log_json(share)})

    @needs("full")
    async def delete(self, share_id: str) -> None:
        await shares.revoke_share(self.db, self.current_user["_id"], share_id, self.now(),
                                  self.request.remote_ip or "")
        self.no_content()


ROUTES = [
    (r"/api/v1/images/([^/]+)/shares", ApiCreateShareHandler),
    (r"/api/v1/albums/([^/]+)/shares", ApiCreateAlbumShareHandler),
    (r"/api/v1/shares", ApiSharesHandler),
    (r"/api/v1/shares/([^/]+)", ApiShareHandler),
]
