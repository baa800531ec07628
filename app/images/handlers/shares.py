"""What a share link opens: `/s/<token>` (an image or an album) and the bytes it may fetch.

Everything under /s/ is served with `Referrer-Policy: no-referrer` (the token must not leak to
other sites) and `X-Robots-Tag: noindex`, and image bytes are private and `no-cache` so a
revoked link stops working at the next request instead of living on in caches.

A protected link (see `app.images.share_passes` and the share rules in `access`):
- with a password, answers every page under it with the password form, posting back to the
  same path, and every byte URL with 404, until the visitor holds its unlock cookie;
- with a view limit, counts a view per load of its page (`GET`, not previewers) and gives
  that visitor a grant cookie for the images and image pages under it; without a view left
  its page is 404, and so is everything under it for anyone without a grant.
Neither gives link previewers anything: its pages carry no og:image nor the content's title.
"""

from app.auth import devices, link_passwords
from app.errors import Invalid, NotFound
from app.images import access, lookups, share_passes, shares
from app.images.handlers.listing import newest_images
from app.images.handlers.variants import VariantSender
from app.images.urls import VARIANT_SUFFIX, variant_path

GENERIC_TITLE = "Shared on Pixvault"
MAX_AGENT = 512


class ShareLinkHandler(VariantSender):
    """Base of every /s/ handler: resolves the token to a live share and what its visitor
    holds (the unlock and grant cookies)."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Robots-Tag", "noindex, nofollow")

    def _cookie(self, name: str, days: int) -> str | None:
        value = self.get_signed_cookie(name, min_version=2, max_age_days=days)
        return value.decode("ascii", "replace") if value else None

    def _set_cookie(self, token: str, name: str, value: str, **expiry) -> None:
        # Scoped to this link: another link's pages never receive it.
        self.set_signed_cookie(name, value, version=2, path=shares.share_path(token),
                               httponly=True, samesite="Lax",
                               secure=self.request.protocol == "https", **expiry)

    def unlocked(self, share: dict) -> bool:
        """True if the visitor gave this link's current password."""
        return share_passes.is_unlocked(share, self._cookie(share_passes.UNLOCK_COOKIE,
                                                            share_passes.UNLOCK_DAYS))

    def granted(self, share: dict) -> bool:
        """True if a counted view of this link recently granted the visitor its contents."""
        return share_passes.is_granted(share, self._cookie(share_passes.GRANT_COOKIE, 1),
                                       self.now())

    def check_beyond_page(self, share: dict) -> None:
        """`NotFound` unless the visitor may see what lies under the link's page (bytes,
        album image pages) once past its password."""
        if not access.share_opens_beyond_page(share, self.granted(share)):
            raise NotFound()

    def prefix(self, token: str, share: dict, image: dict) -> str:
        """Where an image's bytes live under this share."""
        return shares.image_prefix(token, share, image["_id"])


class SharePageHandler(ShareLinkHandler):
    """`/s/<token>`: the link's page; `POST` takes its password."""

    async def get(self, token: str) -> None:
        share = await shares.live_share(self.db, token, self.now())
        # Paging through an album is part of the visit whose view granted it.
        paging = (bool(self.get_query_argument("after", "") or
                       self.get_query_argument("before", "")) and self.granted(share))
        if shares.used_up(share) and not paging:
            raise NotFound()
        if access.share_needs_password(share, self.unlocked(share)):
            self.render_gate(ask_password=True)
            return
        # People load pages with GET; HEAD (link checkers) and previewers are not views.
        # Real agents are far shorter; a header of 60 KB must not cost the loop any time.
        user_agent = self.request.headers.get("User-Agent", "")[:MAX_AGENT]
        if self.request.method != "GET" or devices.is_link_previewer(user_agent):
            if not access.share_previews(share):
                self.render_gate(ask_password=False)
                return
        elif not paging:
            await self.take_view(token, share, user_agent)
        if share["kind"] == "image":
            self.render_image(token, share, await lookups.shared_image(self.db, share, None))
            return
        await self.render_album(token, share)

    async def take_view(self, token: str, share: dict, user_agent: str) -> None:
        """Count and log this view, and grant a limited link's contents to its visitor;
        `NotFound` if another visitor took the last view meanwhile."""
        if not await shares.count_view(self.db, share, now=self.now(),
                                       device=devices.describe(user_agent)):
            raise NotFound()
        if share.get("max_views") is not None:
            self._set_cookie(token, share_passes.GRANT_COOKIE,
                             share_passes.grant_value(share, self.now()), expires_days=None,
                             max_age=int(share_passes.GRANT_LIFETIME.total_seconds()))

    async def post(self, token: str, *rest: str) -> None:
        """The password form of any page under the link posts here (to that page's path)."""
        share = await shares.live_share(self.db, token, self.now())
        if shares.used_up(share):
            raise NotFound()
        if share.get("password_hash"):
            try:
                await link_passwords.check_link_password(
                    self.db, share, self.password_argument("password"),
                    address=self.request.remote_ip or "", now=self.now(),
                    rounds=self.settings["bcrypt_rounds"],
                    executor=self.application.password_executor)
            except Invalid as error:
                self.set_status(400)
                self.render_gate(ask_password=True, error=error.message)
                return
            self._set_cookie(token, share_passes.UNLOCK_COOKIE, share_passes.unlock_value(share),
                             expires_days=share_passes.UNLOCK_DAYS)
        self.redirect(self.request.path, status=303)

    def render_gate(self, *, ask_password: bool, error: str = "") -> None:
        """The page of a protected link that shows nothing of its content: the password
        form, or (for previewers) a note to open the link in a browser."""
        self.render("share_gate.html", ask_password=ask_password, error=error,
                    og_title=GENERIC_TITLE, og_image="",
                    page_url=self.absolute_url(self.request.path))

    async def render_album(self, token: str, share: dict) -> None:
        album = await lookups.shared_album(self.db, share)
        found = await newest_images(self, access.shared_album_query(album))
        images = found.items

        def under_link(image: dict) -> str:
            return self.prefix(token, share, image)

        cover = images[0] if images and access.share_previews(share) else None
        self.render(
            "share_album.html",
            album=album,
            images=images,
            pager=found,
            og_title=album["title"] if access.share_previews(share) else GENERIC_TITLE,
            og_image=self.absolute_url(variant_path(cover, "large", under_link(cover)))
            if cover else "",
            page_url=self.absolute_url(shares.share_path(token)),
            href=under_link,
            src=lambda image, variant: variant_path(image, variant, under_link(image)),
        )

    def render_image(self, token: str, share: dict, image: dict, back: str = "") -> None:
        prefix = self.prefix(token, share, image)
        previews = access.share_previews(share)
        self.render(
            "share_image.html",
            image=image,
            back=back,
            src=lambda variant: variant_path(image, variant, prefix),
            og_title=(image["title"] or "Shared image") if previews else GENERIC_TITLE,
            og_image=self.absolute_url(variant_path(image, "large", prefix)) if previews else "",
            page_url=self.absolute_url(self.request.path),
        )


class ShareAlbumImageHandler(SharePageHandler):
    """`/s/<token>/i/<image_id>`: one image of a shared album."""

    async def get(self, token: str, image_id: str) -> None:
        share = await shares.live_share(self.db, token, self.now())
        if share["kind"] != "album":
            raise NotFound()
        self.check_beyond_page(share)
        if access.share_needs_password(share, self.unlocked(share)):
            self.render_gate(ask_password=True)
            return
        image = await lookups.shared_image(self.db, share, image_id)
        self.render_image(token, share, image, back=shares.share_path(token))


class ShareBytesHandler(ShareLinkHandler):
    """`/s/<token>/<variant>` and `/s/<token>/i/<image_id>/<variant>`: never the original."""

    async def get(
        self, token: str, image_id: str | None, variant: str, include_body: bool = True
    ) -> None:
        share = await shares.live_share(self.db, token, self.now())
        # Bytes never ask for a password: without the unlock cookie they are missing.
        if access.share_needs_password(share, self.unlocked(share)):
            raise NotFound()
        self.check_beyond_page(share)
        if (not access.can_view_through_share(variant)
                or (image_id is None) != (share["kind"] == "image")):
            raise NotFound()
        image = await lookups.shared_image(self.db, share, image_id)
        # viewer=None: a link's visitors never learn the uploaded file's name. Never public:
        # a shared cache would keep serving the bytes after the link is revoked.
        await self.send_variant(image, variant, include_body=include_body, viewer=None,
                                public=False)

    async def head(self, token: str, image_id: str | None, variant: str) -> None:
        await self.get(token, image_id, variant, include_body=False)


ROUTES = [
    (r"/s/([^/]+)", SharePageHandler),
    (r"/s/([^/]+)/i/([^/]+)", ShareAlbumImageHandler),
    (rf"/s/([^/]+)/(?:i/([^/]+)/)?{VARIANT_SUFFIX}", ShareBytesHandler),
]
