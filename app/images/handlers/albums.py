"""Album pages: my albums, one album, and the owner's forms to create, edit, delete, and put
images in or take them out."""

import tornado.web

from app.db import ALBUM_NEWEST
from app.errors import Invalid
from app.images import access, albums, pagination, shares
from app.images.urls import page_path, variant_path
from app.web import BaseHandler, safe_next

MAX_ADD = 500


async def covers(db, album_list: list[dict], user: dict | None) -> dict[str, dict]:
    """For each album, the image to show as its cover, if the viewer may see one."""
    result = {}
    for album in album_list:
        image = await access.visible_cover(db, album, user)
        if image:
            result[album["_id"]] = image
    return result


class AlbumsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        mine = await albums.owner_albums(self.db, access.owned(self.current_user["_id"]))
        self.render(
            "albums.html",
            albums=mine,
            covers=await covers(self.db, mine, self.current_user),
        )

    @tornado.web.authenticated
    async def post(self) -> None:
        album = await albums.create_album(
            self.db,
            owner_id=self.current_user["_id"],
            title=self.get_body_argument("title", ""),
            description=self.get_body_argument("description", ""),
            visibility=self.get_body_argument("visibility", "private"),
            now=self.now(),
        )
        self.flash("Album created.")
        self.redirect(f"/a/{album['_id']}")


class AlbumPageHandler(BaseHandler):
    async def get(self, album_id: str) -> None:
        album = await access.visible_album(self.db, album_id, self.current_user)
        images, next_cursor = await pagination.page(
            self.db.images,
            access.album_images_query(album, self.current_user),
            self.get_query_argument("before", None),
            pagination.PAGE_SIZE,
            ALBUM_NEWEST,
        )
        owner = await self.db.users.find_one({"_id": album["owner_id"]}, {"username": 1})
        is_owner = access.is_owner(album, self.current_user)
        cover = (await covers(self.db, [album], self.current_user)).get(album["_id"])
        self.render(
            "album.html",
            album=album,
            images=images,
            next_cursor=next_cursor,
            owner=owner,
            is_owner=is_owner,
            can_change=access.can_change(album, self.current_user),
            can_delete=access.can_delete(album, self.current_user),
            share_list=await shares.list_shares(self.db, album["owner_id"], album["_id"])
            if is_owner
            else [],
            href=page_path,
            src=variant_path,
            og_image=self.absolute_url(variant_path(cover, "large")) if cover else "",
            page_url=self.absolute_url(f"/a/{album['_id']}"),
        )


class AlbumEditHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, album_id: str) -> None:
        album = await access.changeable_album(self.db, album_id, self.current_user)
        changes = {
            name: self.get_body_argument(name)
            for name in ("title", "description", "visibility", "cover")
            if self.get_body_argument(name, None) is not None
        }
        await albums.update_album(self.db, album, changes)
        self.flash("Album saved.")
        self.redirect(f"/a/{album['_id']}")


class AlbumDeleteHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, album_id: str) -> None:
        album = await access.deletable_album(self.db, album_id, self.current_user)
        await albums.delete_album(self.db, album, now=self.now())
        self.flash("Album deleted; its images are still in your gallery.")
        self.redirect("/albums")


class AlbumAddImagesHandler(BaseHandler):
    """`POST /albums/add` (`album_id`, one or more `image_id`): from the gallery's selection
    or an image page."""

    @tornado.web.authenticated
    async def post(self) -> None:
        album = await access.changeable_album(
            self.db, self.get_body_argument("album_id", ""), self.current_user
        )
        image_ids = self.get_body_arguments("image_id")
        if not 1 <= len(image_ids) <= MAX_ADD:
            raise Invalid(f"Select between 1 and {MAX_ADD} images to add.")
        # Every image is checked before any is added: a bad id leaves the album unchanged.
        images = [await access.changeable_image(self.db, image_id, self.current_user)
                  for image_id in image_ids]
        for image in images:
            await albums.add_image(self.db, album, image)
        self.flash(f"Added {len(images)} image{'s' if len(images) != 1 else ''} "
                   f"to {album['title']}.")
        self.redirect(safe_next(self.get_body_argument("return", ""), f"/a/{album['_id']}"))


class AlbumRemoveImageHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, album_id: str, image_id: str) -> None:
        album = await access.changeable_album(self.db, album_id, self.current_user)
        image = await access.changeable_image(self.db, image_id, self.current_user)
        await albums.remove_image(self.db, album, image)
        self.flash("Removed from the album.")
        self.redirect(safe_next(self.get_body_argument("return", ""), f"/a/{album['_id']}"))


ROUTES = [
    (r"/albums", AlbumsHandler),
    (r"/albums/add", AlbumAddImagesHandler),
    (r"/a/([^/]+)", AlbumPageHandler),
    (r"/a/([^/]+)/edit", AlbumEditHandler),
    (r"/a/([^/]+)/delete", AlbumDeleteHandler),
    (r"/a/([^/]+)/images/([^/]+)/remove", AlbumRemoveImageHandler),
]
