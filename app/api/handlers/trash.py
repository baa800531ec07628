"""`/api/v1/trash`: the requester's deleted images and albums (`DELETE` of an image or album
moves it here), restoring them, deleting them forever, and emptying the trash."""

from app.api.handlers.base import ApiHandler
from app.auth.scopes import needs
from app.images import trash

KIND = {"images": "image", "albums": "album"}


def item_json(item: dict) -> dict:
    """The JSON form of an item in the trash (`kind` as `trash.page` sets it)."""
    found = {"kind": KIND[item["kind"]], "id": item["_id"], "title": item["title"],
             "deleted_at": item["deleted_at"], "purge_at": item["trash_until"]}
    if item["kind"] == "images":
        found.update(filename=item["filename"], bytes=item["bytes"])
    return found


class ApiTrashHandler(ApiHandler):
    """`GET` lists my trash, newest deleted first (paginated); `DELETE` empties it (204)."""

    @needs("read")
    async def get(self) -> None:
        args = self.query("limit", "cursor")
        items, next_cursor = await trash.page(self.db, self.current_user["_id"],
                                              now=self.now(), cursor=args.get("cursor"),
                                              limit=args["limit"])
        self.write_json({"items": [item_json(item) for item in items],
                         "next_cursor": next_cursor})

    @needs("full")
    async def delete(self) -> None:
        await trash.empty(self.db, self.application.bucket, self.current_user["_id"],
                          now=self.now())
        self.no_content()


class ApiTrashItemHandler(ApiHandler):
    """`DELETE` deletes one item of my trash forever (204); 404 unless it is there."""

    kind = "images"  # or albums: one subclass each, routed apart

    @needs("full")
    async def delete(self, item_id: str) -> None:
        await trash.delete_forever(self.db, self.application.bucket,
                                   self.current_user["_id"], self.kind, item_id, now=self.now())
        self.no_content()


class ApiTrashAlbumHandler(ApiTrashItemHandler):
    kind = "albums"


class ApiRestoreHandler(ApiHandler):
    """`POST` restores one item of my trash, with its share links (204)."""

    kind = "images"  # or albums: one subclass each, routed apart

    @needs("full")
    async def post(self, item_id: str) -> None:
        await trash.restore(self.db, self.current_user["_id"], self.kind, item_id,
                            now=self.now())
        self.no_content()


class ApiRestoreAlbumHandler(ApiRestoreHandler):
    kind = "albums"


ROUTES = [
    (r"/api/v1/trash", ApiTrashHandler),
    (r"/api/v1/trash/images/([^/]+)", ApiTrashItemHandler),
    (r"/api/v1/trash/albums/([^/]+)", ApiTrashAlbumHandler),
    (r"/api/v1/trash/images/([^/]+)/restore", ApiRestoreHandler),
    (r"/api/v1/trash/albums/([^/]+)/restore", ApiRestoreAlbumHandler),
]
