"""An account's content as others reach it: one public, tagged image in one public album,
each with a share link, and what every surface answers a given visitor (pages, bytes,
share links, oEmbed, the API, the feed and the tag page; for the tests of disabled and
deleted accounts and of the trash)."""

from dataclasses import dataclass
from urllib.parse import quote

from tests.api.conftest import Api
from tests.client import Client, text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg


@dataclass
class Content:
    image_id: str
    album_id: str
    image_link: str
    album_link: str


async def publish(owner: Client) -> Content:
    """A public image in a public album, and a share link to each."""
    image = await upload_one(owner, jpeg(color=(120, 10, 200)), title="Out there",
                             visibility="public", tags="sky")
    album = (await owner.post("/albums", {"title": "Shown", "visibility": "public"})
             ).headers["Location"]
    await owner.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                     "image_id": image["id"]})
    return Content(image["id"], album.rsplit("/", 1)[1],
                   await create_link(owner, f"/i/{image['id']}"),
                   await create_link(owner, album))


async def reach(visitor: Client, api: Api, owner_name: str, content: Content) -> dict:
    """What each surface answers `visitor` (and `api`, another user's script): statuses of
    pages, bytes, share links and API objects, and whether the feed and the owner's profile
    list the image."""
    image, album = content.image_id, content.album_id
    paths = [f"/i/{image}", f"/i/{image}/full.jpg", f"/i/{image}/large", f"/i/{image}/thumb",
             f"/a/{album}", f"/u/{owner_name}", content.image_link,
             f"{content.image_link}/thumb", content.album_link,
             f"{content.album_link}/i/{image}", f"{content.album_link}/i/{image}/large",
             f"/oembed?format=json&url={quote(visitor.base_url + '/i/' + image, safe='')}"]
    seen = {path: (await visitor.get(path)).code for path in paths}
    for path in (f"/api/v1/images/{image}", f"/api/v1/albums/{album}",
                 f"/api/v1/albums/{album}/images"):
        seen[path] = (await api.get(path)).code
    seen["feed lists it"] = f"/i/{image}" in text(await visitor.get("/"))
    seen["tag page lists it"] = f"/i/{image}" in text(await visitor.get("/t/sky"))
    return seen


def uniformly(seen: dict, status: int, listed: bool) -> dict:
    """The `reach` answer in which every surface says `status`: compare `seen` with it."""
    return {**dict.fromkeys(seen, status), "feed lists it": listed,
            "tag page lists it": listed}
