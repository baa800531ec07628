"""`/api/v1/.../drops` and `/api/v1/inbox`: drop links into my albums (create, list,
revoke), and what guests sent through them (list, approve, reject).

A live link's `url` is rebuilt for its owner like a share link's; answers holding one are
`no-store`.
"""

from app.api.handlers.base import ApiHandler
from app.auth.scopes import needs
from app.errors import NotFound
from app.images import drops, inbox, lookups
from app.images.ingest import max_upload_bytes
from app.images.shares import DEFAULT_EXPIRES_IN


class ApiDropLinks(ApiHandler):
    """Answers that may hold drop links."""

    def drop_json(self, drop: dict) -> dict:
        """The JSON form of a drop link, with its `url` while it opens (`no-store` then)."""
        found = {name: drop[name] for name in (
            "album_id", "label", "created", "expires", "revoked", "max_files", "max_bytes",
            "max_file_bytes", "files", "bytes")}
        found.update(id=drop["_id"], used_up=drops.used_up(drop))
        path = drops.link_path(self.application.share_keys, drop, self.now())
        if path:
            self.keep_secret()
            found["url"] = self.absolute_url(path)
        return found


class ApiDropsHandler(ApiDropLinks):
    """`GET /api/v1/drops[?album_id=]`: my drop links, newest first, revoked ones too."""

    @needs("read")
    async def get(self) -> None:
        args = self.query("album_id")
        found = await drops.list_drops(self.db, self.current_user["_id"], args.get("album_id"))
        self.write_json({"items": [self.drop_json(drop) for drop in found]})


class ApiAlbumDropsHandler(ApiDropLinks):
    """`POST /api/v1/albums/{id}/drops`: a new drop link into my album (201)."""

    @needs("full")
    async def post(self, album_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        body = self.json_body("DropCreate")
        site_file = max_upload_bytes(self.settings)
        drop, _ = await drops.create_drop(
            self.db, self.application.share_keys, album, label=body.get("label", ""),
            expires_in=body.get("expires_in", DEFAULT_EXPIRES_IN),
            max_files=body.get("max_files", drops.DEFAULT_MAX_FILES),
            max_bytes=body.get("max_bytes", drops.DEFAULT_MAX_MB * drops.MIB),
            max_file_bytes=body.get("max_file_bytes", site_file), site_file_bytes=site_file,
            now=self.now(), address=self.request.remote_ip or "")
        self.set_header("Location", f"/api/v1/drops/{drop['_id']}")
        self.write_json(self.drop_json(drop), 201)


class ApiDropHandler(ApiDropLinks):
    """`GET` one of my drop links; `DELETE` revokes it (204)."""

    @needs("read")
    async def get(self, drop_id: str) -> None:
        found = await self.db.drops.find_one({"_id": drop_id,
                                              "owner_id": self.current_user["_id"]})
        if found is None:
            raise NotFound()
        self.write_json(self.drop_json(found))

    @needs("full")
    async def delete(self, drop_id: str) -> None:
        await drops.revoke_drop(self.db, self.current_user["_id"], drop_id, now=self.now(),
                                address=self.request.remote_ip or "")
        self.no_content()


class ApiInboxHandler(ApiHandler):
    """`GET /api/v1/inbox`: what guests sent, waiting, newest first (paginated)."""

    @needs("read")
    async def get(self) -> None:
        args = self.query("limit", "cursor")
        found = await inbox.page(self.db, self.current_user["_id"], args.get("cursor"),
                                 args["limit"])
        self.write_json({"items": [self.inbox_json(image) for image in found.items],
                         "next_cursor": found.next_cursor})

    def inbox_json(self, image: dict) -> dict:
        """The image object with where it came from."""
        dropped = image["dropped"]
        return {**self.image_json(image), "dropped": {
            "drop_id": dropped["drop_id"], "album_id": dropped["album_id"],
            "device": dropped["device"], "at": dropped["at"]}}


class ApiInboxApproveHandler(ApiHandler):
    """`POST /api/v1/inbox/approve` `{"image_ids": [...]}` or `{"all": true}`: into their
    albums with my default visibility; 200 `{"count": n}`."""

    @needs("full")
    async def post(self) -> None:
        chosen = self.selection()
        count = await inbox.approve(self.db, self.application.bucket, self.current_user,
                                    chosen, now=self.now())
        self.write_json({"count": count})

    def selection(self) -> list[str] | None:
        """The ids the body names, or None for everything (`all`)."""
        body = self.json_body("InboxSelection")
        return None if body.get("all") else body.get("image_ids", [])


class ApiInboxRejectHandler(ApiInboxApproveHandler):
    """`POST /api/v1/inbox/reject`: the same selection, deleted for good at once."""

    @needs("full")
    async def post(self) -> None:
        count = await inbox.reject(self.db, self.application.bucket, self.current_user["_id"],
                                   self.selection(), now=self.now())
        self.write_json({"count": count})


ROUTES = [
    (r"/api/v1/drops", ApiDropsHandler),
    (r"/api/v1/drops/([^/]+)", ApiDropHandler),
    (r"/api/v1/albums/([^/]+)/drops", ApiAlbumDropsHandler),
    (r"/api/v1/inbox", ApiInboxHandler),
    (r"/api/v1/inbox/approve", ApiInboxApproveHandler),
    (r"/api/v1/inbox/reject", ApiInboxRejectHandler),
]
