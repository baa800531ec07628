"""Album pages: my albums, one album, and the owner's forms to create, edit, delete, and put
images in or take them out."""

import tornado.web

from app.forms import safe_next
from app.images import access, albums, bulk, drops, lookups, shares, trash
from app.images.handlers.discard import asks_first, say_deleted, trash_days
from app.images.handlers.listing import newest_images
from app.images.urls import page_path, variant_path
from app.text import plural
from app.web import BaseHandler


def visitor_note(album: dict, shown: int, total: int) -> str:
    """What visitors without a share link see of the album, for its owner."""
    if album["visibility"] == "private":
        return f"Only you see this album; a share link opens it with {plural(total, 'image')}."
    if shown == total:
        return f"Visitors see {'all ' if total > 1 else ''}{plural(total, 'image')}."
    hidden = "private ones" if album["visibility"] == "unlisted" else "private and unlisted ones"
    return f"Visitors see {shown} of {plural(total, 'image')}: the {hidden} need a share link."


async def covers(db, album_list: list[dict], user: dict | None) -> dict[str, dict]:
    """For each album, the image to show as its cover, if the viewer may see one."""
    result = {}
    for album in album_list:
        image = await lookups.visible_cover(db, album, user)
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
        album = await lookups.visible_album(self.db, album_id, self.current_user)
        found = await newest_images(self, access.album_images_query(album, self.current_user))
        owner = await self.db.users.find_one({"_id": album["owner_id"]}, {"username": 1})
        is_owner = access.is_owner(album, self.current_user)
        cover = (await covers(self.db, [album], self.current_user)).get(album["_id"])
        self.render(
            "album.html",
            album=album,
            images=found.items,
            pager=found,
            owner=owner,
            is_owner=is_owner,
            cover=cover,
            show_visibility=is_owner,
            album_tools=album if access.can_change(album, self.current_user) else None,
            reach=visitor_note(album, *await lookups.album_reach(self.db, album))
            if is_owner else "",
            can_change=access.can_change(album, self.current_user),
            can_delete=access.can_delete(album, self.current_user),
            delete_asks=asks_first(self, [album]),
            share_list=await shares.list_shares(self.db, album["owner_id"], album["_id"])
            if is_owner
            else [],
            drop_list=await drops.list_drops(self.db, album["owner_id"], album["_id"])
            if is_owner else [],
            href=page_path,
            src=variant_path,
            og_image=self.absolute_url(variant_path(cover, "large")) if cover else "",
            page_url=self.absolute_url(f"/a/{album['_id']}"),
        )


class AlbumEditHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, album_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        changes = {
            name: self.get_body_argument(name)
            for name in ("title", "description", "visibility", "cover")
            if self.get_body_argument(name, None) is not None
        }
        await albums.update_album(self.db, album, changes)
        self.flash("Album saved.")
        self.redirect(f"/a/{album['_id']}")


class AlbumDeleteHandler(BaseHandler):
    """`POST /a/<id>/delete`: to the owner's trash; for good (an admin, or no trash) only
    with `confirm=1`, else, and on `GET`, the page that asks first."""

    @tornado.web.authenticated
    async def get(self, album_id: str) -> None:
        album = await lookups.deletable_album(self.db, album_id, self.current_user)
        self.ask_confirmation(f"Delete the album {album['title']}?",
                              "Its images stay in your gallery; its share links stop working. "
                              "This cannot be undone.", "Delete album", f"/a/{album['_id']}")

    @tornado.web.authenticated
    async def post(self, album_id: str) -> None:
        album = await lookups.deletable_album(self.db, album_id, self.current_user)
        if asks_first(self, [album]) and not self.confirmed():
            return
        now = self.now()
        trashed = await trash.discard_album(self.db, album, self.current_user, now=now,
                                            days=trash_days(self))
        say_deleted(self, "Moved to the trash; its images are still in your gallery." if trashed
                    else "Album deleted; its images are still in your gallery.",
                    trashed_at=now if trashed else None, back=f"/a/{album['_id']}")
        self.redirect("/albums")


class AlbumAddImagesHandler(BaseHandler):
    """`POST /albums/add` (`album_id`, one or more `image_id`): from an image page."""

    @tornado.web.authenticated
    async def post(self) -> None:
        album_id = self.get_body_argument("album_id", "")
        message = await bulk.apply(self.db, self.application.bucket, self.current_user,
                                   "album_add", self.get_body_arguments("image_id"),
                                   album_id=album_id, now=self.now())
        self.flash(message)
        self.redirect(safe_next(self.get_body_argument("return", ""), f"/a/{album_id}"))


class AlbumRemoveImageHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, album_id: str, image_id: str) -> None:
        album = await lookups.changeable_album(self.db, album_id, self.current_user)
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
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
