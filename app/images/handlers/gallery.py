"""HTML pages about images: the public feed, the owner's gallery, the image page, and the
owner's edit and delete forms."""

import dataclasses

import tornado.web

from app.auth import registration, users
from app.errors import NotFound
from app.forms import safe_next
from app.images import access, albums, bulk, fields, lookups, search, shares, store, trash
from app.images.handlers.albums import covers
from app.images.handlers.discard import asks_first, say_deleted, trash_days
from app.images.handlers.listing import newest_images, position
from app.images.handlers.renditions import custom_size
from app.images.urls import page_path, variant_path
from app.web import BaseHandler

DELETE_CONSEQUENCE = ("Its share links stop working and it leaves every album. "
                      "This cannot be undone.")


class HomeHandler(BaseHandler):
    """The public feed: everyone's newest public images."""

    async def get(self) -> None:
        found = await newest_images(self, access.LISTED)
        # A new site says how its operator makes the first admin (never a web visitor).
        first_admin = (None if await registration.admin_exists(self.db)
                       else registration.FIRST_ADMIN_COMMAND)
        self.render("home.html", images=found.items, pager=found, href=page_path,
                    src=variant_path, first_admin=first_admin,
                    registration=await registration.mode(self.db, self.settings["registration"]))


class GalleryHandler(BaseHandler):
    """`/gallery`: the owner's images. `q` searches their titles, descriptions, tags and
    file names, `sort` orders them (newest, oldest, title, size), `visibility`, `album`,
    `format`, `tag`, `since` and `until` (days) narrow them (see `search.Search`), and
    `after`/`before` page through; the selection goes to `/images/bulk`."""

    @tornado.web.authenticated
    async def get(self) -> None:
        cursor, backward = position(self)
        search_for = search.Search(**{
            field.name: self.get_query_argument(field.name, field.default)
            for field in dataclasses.fields(search.Search)})
        found = await search.gallery_page(
            self.db, access.owned(self.current_user["_id"]), search_for, cursor=cursor,
            backward=backward)
        self.render(
            "gallery.html",
            images=found.items,
            pager=found,
            search_for=search_for,
            formats=search.FORMATS,
            sort=search_for.sort,
            href=page_path,
            src=variant_path,
            albums=await albums.owner_albums(self.db, access.owned(self.current_user["_id"])),
            selectable=True,
            show_visibility=True,
            here=self.request.uri,
            max_selected=bulk.MAX_IMAGES,
            trash_days=trash_days(self),
        )


class ProfileHandler(BaseHandler):
    """`/u/<username>`: a user's public images and public albums."""

    async def get(self, username: str) -> None:
        user = await users.find_by_username(self.db, username) if len(username) <= 32 else None
        if not users.is_active(user):
            raise NotFound()
        found = await newest_images(self, access.listed_by(user["_id"]))
        public_albums = await albums.owner_albums(self.db, access.listed_by(user["_id"]))
        self.render(
            "profile.html",
            profile=user,
            images=found.items,
            pager=found,
            albums=public_albums,
            href=page_path,
            src=variant_path,
            covers=await covers(self.db, public_albums, None),
        )


class ImagePageHandler(BaseHandler):
    async def get(self, image_id: str) -> None:
        image = await lookups.visible_image(self.db, image_id, self.current_user)
        owner = await self.db.users.find_one({"_id": image["owner_id"]}, {"username": 1})
        is_owner = access.is_owner(image, self.current_user)
        self.render(
            "image.html",
            image=image,
            owner=owner,
            is_owner=is_owner,
            albums=await albums.owner_albums(self.db, access.owned(image["owner_id"]))
            if is_owner
            else [],
            share_list=await shares.list_shares(self.db, image["owner_id"], image["_id"])
            if is_owner
            else [],
            can_change=access.can_change(image, self.current_user),
            tag_links=access.tag_links_public(image),
            can_delete=access.can_delete(image, self.current_user),
            delete_asks=asks_first(self, [image]),
            custom=custom_size(self, image) if is_owner else None,
            og_image=self.absolute_url(variant_path(image, "large")),
            page_url=self.absolute_url(page_path(image)),
        )


class ImageEditHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, image_id: str) -> None:
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
        changes = {
            name: self.get_body_argument(name)
            for name in fields.EDITABLE
            if self.get_body_argument(name, None) is not None
        }
        await store.update_image(self.db, image, changes)
        self.flash("Saved.")
        self.redirect(safe_next(self.get_body_argument("return", ""), page_path(image)))


class ImageDeleteHandler(BaseHandler):
    """`POST /i/<id>/delete`: to the owner's trash; for good (an admin, or no trash) only
    with `confirm=1`, else, and on `GET`, the page that asks first."""

    @tornado.web.authenticated
    async def get(self, image_id: str) -> None:
        image = await lookups.deletable_image(self.db, image_id, self.current_user)
        self.ask_confirmation("Delete this image?", DELETE_CONSEQUENCE, "Delete image",
                              page_path(image), [image])

    @tornado.web.authenticated
    async def post(self, image_id: str) -> None:
        image = await lookups.deletable_image(self.db, image_id, self.current_user)
        if asks_first(self, [image]) and not self.confirmed():
            return
        now = self.now()
        trashed = await trash.discard_image(self.db, self.application.bucket, image,
                                            self.current_user, now=now, days=trash_days(self))
        say_deleted(self, "Moved to the trash." if trashed else "Image deleted.",
                    trashed_at=now if trashed else None, back=page_path(image))
        self.redirect(safe_next(self.get_body_argument("return", ""), "/gallery"))


ROUTES = [
    (r"/", HomeHandler),
    (r"/gallery", GalleryHandler),
    (r"/u/([^/]+)", ProfileHandler),
    (r"/i/([^/]+)", ImagePageHandler),
    (r"/i/([^/]+)/edit", ImageEditHandler),
    (r"/i/([^/]+)/delete", ImageDeleteHandler),
]
