"""oEmbed (https://oembed.com): what `/oembed?url=...` says about one of this site's pages,
so chat apps, forums and CMSs embed the picture itself.

It answers only for what anybody could see without signing in: the page of a public or
unlisted image, or an image under a share link that has neither a password nor a view
limit (a previewer must not spend a view, and the answer must not open a locked link).
Everything else, another site's URL included, is `NotFound`, revealing nothing.

The photo is the largest stored derivative within `maxwidth` x `maxheight` (`large` when
none is given); when even the thumbnail is too big, a signed rendition of exactly that
box. Under a share link every URL stays under the link, so revoking it ends the embed.
"""

import re
import urllib.parse

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Invalid, NotFound
from app.images import access, lookups, renditions, shares
from app.images.share_keys import ShareKeys
from app.images.urls import display_title, variant_path

_IMAGE_PAGE = re.compile(r"/i/([A-Za-z0-9_-]{22})")
_SHARE_PAGE = re.compile(r"/s/([A-Za-z0-9_-]{1,100})(?:/i/([A-Za-z0-9_-]{22}))?")
# Stored derivatives from the smallest up (AVIF or WebP by the fetcher's Accept).
_DERIVATIVES = ("thumb", "thumb2x", "large")
MAX_URL = 2048


def own_path(url: str, base_url: str) -> str:
    """The path of `url` if it is a page of this site (`base_url`'s host), else
    `NotFound`. The scheme may differ: a proxy may end TLS in front of the site."""
    if len(url) > MAX_URL:
        raise NotFound()
    target, site = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base_url)
    if target.scheme not in ("http", "https") or target.netloc.lower() != site.netloc.lower():
        raise NotFound()
    return target.path


def dimension(value: str | None, name: str) -> int | None:
    """A `maxwidth`/`maxheight` argument: a whole number of pixels, or None."""
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise Invalid(f"{name} must be a whole number of pixels.")
    return int(value)


async def resolve(db: AsyncDatabase, path: str, now) -> tuple[dict, str, dict | None]:
    """`(image, prefix, share)` a signed-out visitor reaches at `path`: `prefix` is where
    its bytes live (empty: its own URLs), `share` the link it was reached through."""
    if match := _IMAGE_PAGE.fullmatch(path):
        return await lookups.visible_image(db, match.group(1), None), "", None
    match = _SHARE_PAGE.fullmatch(path)
    if not match:
        raise NotFound()
    token, image_id = match.groups()
    share = await shares.live_share(db, token, now)
    if not access.share_previews(share) or (image_id is None) != (share["kind"] == "image"):
        raise NotFound()
    image = await lookups.shared_image(db, share, image_id)
    return image, shares.image_prefix(token, share, image["_id"]), share


def photo_url(keys: ShareKeys, image: dict, prefix: str, maxwidth: int | None,
              maxheight: int | None) -> tuple[str, int, int]:
    """`(path, width, height)` of the picture to embed within the bounds (see module)."""
    bound = (maxwidth or 10**9, maxheight or 10**9)
    fitting = [name for name in _DERIVATIVES
               if (entry := _entry(image, name)) is not None
               and entry["width"] <= bound[0] and entry["height"] <= bound[1]]
    if fitting:
        entry = _entry(image, fitting[-1])
        return variant_path(image, fitting[-1], prefix or None), entry["width"], entry["height"]
    options = renditions.Options(width=min(maxwidth or renditions.MAX_BOX, renditions.MAX_BOX),
                                 height=min(maxheight, renditions.MAX_BOX) if maxheight else None)
    _, (width, height) = renditions.plan(options, (image["width"], image["height"]))
    return renditions.signed_path(keys, image["_id"], options, prefix), width, height


def _entry(image: dict, variant: str) -> dict | None:
    return image["files"].get(f"{variant}_webp")


def answer(image: dict, *, base_url: str, photo: tuple[str, int, int], share: dict | None,
           owner: dict | None) -> dict:
    """The oEmbed `photo` object. Under a share link it names neither the owner nor
    their profile: a link opens one thing, not who made it."""
    path, width, height = photo
    result = {"version": "1.0", "type": "photo", "url": base_url + path, "width": width,
              "height": height, "title": display_title(image, None) or "Image",
              "provider_name": "Pixvault", "provider_url": base_url + "/"}
    if share is None and owner:
        result["author_name"] = owner["username"]
        result["author_url"] = base_url + "/u/" + urllib.parse.quote(owner["username"])
    return result


async def owner_of(db: AsyncDatabase, image: dict) -> dict | None:
    """The image's owner (username only), for the author fields."""
    return await db.users.find_one({"_id": image["owner_id"]}, {"username": 1})

