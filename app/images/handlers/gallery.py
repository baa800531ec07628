"""HTML pages about images: the public feed, the owner's gallery, the image page, and the
owner's edit and delete forms."""

import tornado.web

from app.auth import users
from app.db import OWNER_NEWEST, VISIBILITY_NEWEST
from app.errors import NotFound
from app.images import access, albums, fields, pagination, shares, store
from app.images.handlers.albums import covers
from app.images.urls import page_path, variant_path
from app.web import BaseHandler, safe_next


class HomeHandler(BaseHandler):
    """The public feed: everyone's newest public images."""

    async def get(self) -> None:
        images, next_cursor = await pagination.page(
            self.db.images,
            access.LISTED,
            self.get_query_argument("before", None),
            pagination.PAGE_SIZE,
            VISIBILITY_NEWEST,
        )
        self.render(
            "home.html", images=images, next_cursor=next_cursor, href=page_path, src=variant_path
        )


class GalleryHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        images, next_cursor = await pagination.page(
            self.db.images,
            access.owned(self.current_user["_id"]),
            self.get_query_argument("before", None),
            pagination.PAGE_SIZE,
            OWNER_NEWEST,
        )
        mine = await albums.owner_albums(self.db, access.owned(self.current_user["_id"]))
        self.render(
            "gallery.html",
            images=images,
            next_cursor=next_cursor,
            href=page_path,
            src=variant_path,
            albums=mine,
            selectable=bool(mine),
            show_visibility=True,
        )


class ProfileHandler(BaseHandler):
    """`/u/<username>`: a user's public images and public albums."""

    async def get(self, username: str) -> None:
        user = await users.find_by_username(self.db, username) if len(username) <= 32 else None
        if not users.is_active(user):
            raise NotFound()
        images, next_cursor = await pagination.page(
            self.db.images,
            access.listed_by(user["_id"]),
            self.get_query_argument("before", None),
            pagination.PAGE_SIZE,
            OWNER_NEWEST,
        )
        public_albums = await albums.owner_albums(self.db, access.listed_by(user["_id"]))
        self.render(
            "profile.html",
            profile=user,
            images=images,
            next_cursor=next_cursor,
            albums=public_albums,
            href=page_path,
            src=variant_path,
            covers=await covers(self.db, public_albums, None),
        )


class ImagePageHandler(BaseHandler):
    async def get(self, image_id: str) -> None:
        image = await access.visible_image(self.db, image_id, self.current_user)
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
            can_delete=access.can_delete(image, self.current_user),
            og_image=self.absolute_url(variant_path(image, "large")),
            page_url=self.absolute_url(page_path(image)),
        )


class ImageEditHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, image_id: str) -> None:
        image = await access.changeable_image(self.db, image_id, self.current_user)
        changes = {
            name: self.get_body_argument(name)
            for name in fields.EDITABLE
            if self.get_body_argument(name, None) is not None
        }
        await store.update_image(self.db, image, changes)
        self.flash("Saved.")
        self.redirect(safe_next(self.get_body_argument("return", ""), page_path(image)))


class ImageDeleteHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, image_id: str) -> None:
        image = await access.deletable_image(self.db, image_id, self.current_user)
        await store.delete_image(self.db, self.application.bucket, image, now=self.now())
        self.flash("Image deleted.")
        self.redirect(safe_next(self.get_body_argument("return", ""), "/gallery"))


ROUTES = [
    (r"/", HomeHandler),
    (r"/gallery", GalleryHandler),
    (r"/u/([^/]+)", ProfileHandler),
    (r"/i/([^/]+)", ImagePageHandler),
    (r"/i/([^/]+)/edit", ImageEditHandler),
    (r"/i/([^/]+)/delete", ImageDeleteHandler),
]
