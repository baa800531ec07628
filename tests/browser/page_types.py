"""Every kind of page the site has, with the content and viewer each needs, so that checks
that apply to all pages (layout, accessibility, screenshots) cover a new page type once it
is added here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageType:
    """One kind of page: its path (with {image_id}, {album_id}, {owner} or {share_path}
    filled from the `world` fixture), who looks at it, and the status it answers."""

    path: str
    viewer: str = "anonymous"  # or "owner" (of the world's content), "admin"
    status: int = 200


PAGE_TYPES = {
    "home": PageType("/"),
    "login": PageType("/auth/login"),
    "register": PageType("/auth/register"),
    "upload": PageType("/upload", "owner"),
    "gallery": PageType("/gallery", "owner"),
    "image": PageType("/i/{image_id}", "owner"),
    "image-visitor": PageType("/i/{image_id}"),
    "albums": PageType("/albums", "owner"),
    "album": PageType("/a/{album_id}", "owner"),
    "profile": PageType("/u/{owner}"),
    "tag": PageType("/t/sea"),
    "share": PageType("{share_path}"),
    "account": PageType("/account", "owner"),
    "two-factor-setup": PageType("/account/two-factor", "owner"),
    "admin": PageType("/admin", "admin"),
    "admin-invites": PageType("/admin/invites", "admin"),
    "admin-stats": PageType("/admin/stats", "admin"),
    "admin-audit": PageType("/admin/audit", "admin"),
    "api-guide": PageType("/api"),
    "confirm-delete": PageType("/i/{image_id}/delete", "owner"),
    "trash": PageType("/trash", "owner"),
    "inbox": PageType("/inbox", "owner"),
    "not-found": PageType("/no-such-page", status=404),
}
