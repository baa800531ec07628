"""`/api/v1/albums`: create, list, read, edit and delete albums, and put images in them."""

from app.api.handlers.base import ApiHandler
from app.auth.scopes import needs
from app.images import access, albums, lookups, trash


class ApiAlbumBase(ApiHandler):
    def album_json(self, album: dict, cover: dict | None = None) -> dict:
        """The JSON form of an album, with the absolute URL of its page. `cover` replaces the
        stored cover for viewers other than the owner (see `lookups.visible_cover`)."""
        if not access.is_owner(album, self.current_user):
            album = {**album, "cover": cover["_id"] if cover else None}
        return {"id": album["_id"], "title": album["title"],
                "description": album["description"], "visibility": album["visibility"],
                "cover": album["cover"], "created": album["created"],
                "page_url": self.absolute_url(f"/a/{album['_id']}")}


class ApiAlbumsHandler(ApiAlbumBase):
    """`GET` my albums (newest first, paginated); `POST` a new one (201)."""

    @needs("read")
    async def get(self) -> None:
        await self.write_page(self.db.albums, access.owned(self.current_user["_id"]),
                              self.album_json)

    @needs("full")
    async def post(self) -> None:
        body = self.json_body("AlbumCreate")
        album = await albums.create_album(self.db, owner_id=self.current_user["_id"],
                                          now=self.now(), **body)
        self.set_header("Location", f"/api/v1/albums/{album['_id']}")
        self.write_json(self.album_json(album), 201)


class ApiAlbumHandler(ApiAlbumBase):
    """One album: `GET` if visible, `PATCH` by its owner, `DELETE` by its owner (to the
    trash) or an admin (for good); its images stay."""

    @needs("read")
    async def get(self, album_id: str) -> None:
        album = await lookups.visible_album(self.db, album_id, self.current_user)
        # Others learn only a cover they may see, never the id of a private image.
        cover = await lookups.visible_cover(self.db, album, self.current_user)
        self.write_json(self.album_json(album, cover))

    @needs("full")
    async def patch(self, album_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        album = await albums.update_album(self.db, album, self.json_body("AlbumChanges"))
        self.write_json(self.album_json(album))

    @needs("full")
    async def delete(self, album_id: str) -> None:
        album = await lookups.deletable_album(self.db, album_id, self.current_user)
        await trash.discard_album(self.db, album, self.current_user, now=self.now(),
                                  days=self.settings["trash_days"])
        self.no_content()


class ApiAlbumImagesHandler(ApiHandler):
    """`GET`: the album's images this requester may see, newest first, paginated."""

    @needs("read")
    async def get(self, album_id: str) -> None:
        album = await lookups.visible_album(self.db, album_id, self.current_user)
        await self.write_page(self.db.images, access.album_images_query(album, self.current_user),
                              self.image_json)


class ApiAlbumImageHandler(ApiHandler):
    """`PUT` puts one of my images in my album, `DELETE` takes it out (both 204, idempotent)."""

    @needs("full")
    async def put(self, album_id: str, image_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
        await albums.add_image(self.db, album, image)
        self.no_content()

    @needs("full")
    async def delete(self, album_id: str, image_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
        await albums.remove_image(self.db, album, image)
        self.no_content()


ROUTES = [
    (r"/api/v1/albums", ApiAlbumsHandler),
    (r"/api/v1/albums/([^/]+)", ApiAlbumHandler),
    (r"/api/v1/albums/([^/]+)/images", ApiAlbumImagesHandler),
    (r"/api/v1/albums/([^/]+)/images/([^/]+)", ApiAlbumImageHandler),
]
