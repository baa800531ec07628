"""Every listing query the pages make has a declared index that answers it in order.

The queries are not written down by hand: the app serves the gallery (every order, search,
tag and filter), the feed, a profile, an album, `/t/<tag>` and the API listing while a
command listener records each `find` on `images`. Each shape must then have an index in
`app.db.INDEXES` made of some of its equality fields, then exactly its sort (or its
reverse, walked backwards): equality fields first, then sort. A new query shape without
one fails here.

On MongoDB such an index answers a page by reading a page of entries, and its planner
picks it unasked: it yields the sorted page first. No query names its index (a hint) nor
has a top-level operator such as `$or`: the embedded database answers either by reading
every document of the collection, where it otherwise reads the range of an index that its
equality fields select (its `explain()` does not tell: it reports a collection scan for
some of these, and counts no examined documents).
"""

import re

from app.db import INDEXES
from app.images import pagination
from tests.api.conftest import create_token
from tests.client import Client, upload_one
from tests.images.handlers.test_albums import create_album
from tests.images.images import jpeg
from tests.test_sharding import recorded  # noqa: F401 - the fixture

IMAGE_INDEXES = [tuple(keys) for collection, keys, _ in INDEXES if collection == "images"]


def equality_fields(query: dict) -> set[str]:
    """Fields `query` fixes to one value (a `terms` `$all` is an equality on its first)."""
    fixed = set()
    for field, value in query.items():
        if field.startswith("$"):
            continue
        single = not isinstance(value, dict) or set(value) == {"$eq"}
        searched = (field == "terms" and isinstance(value, dict) and set(value) == {"$all"}
                    and isinstance(value["$all"][0], str))
        if single or searched:
            fixed.add(field)
    return fixed


def answers(index: tuple, equal: set[str], sort: tuple) -> bool:
    """True if `index` is equality fields of the query, then its sort (either way)."""
    reverse = tuple((field, -direction) for field, direction in sort)
    cut = len(index) - len(sort)
    return (cut > 0 and {field for field, _ in index[:cut]} <= equal
            and index[cut:] in (sort, reverse))


async def test_every_listing_shape_has_a_matching_index(recorded):  # noqa: F811
    base_url, recorder = recorded
    owner, visitor = Client(base_url), Client(base_url)
    await owner.register("alice")
    album = await create_album(owner, "Trip", "public")
    images = [await upload_one(owner, jpeg(color=(i * 50, 9, 9)), title=f"Harbour {i}",
                               visibility="public") for i in range(3)]
    for image in images:
        await owner.post(f"/i/{image['id']}/edit", {"tags": "sea, dusk"})
        await owner.post("/albums/add", {"image_id": image["id"], "album_id": album})
    token = (await create_token(owner))["token"]
    sorts = ("newest", "oldest", "title", "size")
    paths = [f"/gallery?sort={sort}" for sort in sorts]
    paths += [f"/gallery?q=harb&sort={sort}" for sort in sorts]
    paths += ["/gallery?q=harbour+2&tag=sea", "/gallery?tag=sea&sort=oldest",
              f"/gallery?album={album}", f"/gallery?album={album}&sort=title",
              "/gallery?format=jpeg&visibility=public&since=2000-01-01&until=2100-01-01",
              f"/gallery?q=photographically&album={album}"]
    seen: dict[tuple, dict] = {}
    page_size = pagination.PAGE_SIZE
    pagination.PAGE_SIZE = 2  # so every listing has a next page, and its cursor's shape
    try:
        for client, path in [*((owner, p) for p in paths), (visitor, "/"),
                             (visitor, "/u/alice"), (visitor, f"/a/{album}"),
                             (visitor, "/t/sea")]:
            for url in (path, await next_page(client, path)):
                if url:
                    await record(recorder, client.get(url), seen)
        await record(recorder, visitor.get("/api/v1/images", headers={
            "Authorization": f"Bearer {token}"}), seen)
    finally:
        pagination.PAGE_SIZE = page_size
        owner.close()
        visitor.close()
    assert len(seen) >= 10, seen  # the shapes above, cursors included
    unanswered = {}
    for (fields, sort), command in seen.items():
        query = command["filter"]
        if "hint" in command or any(field.startswith("$") for field in query):
            unanswered[(fields, sort)] = "names an index or has a top-level operator"
        elif sort and not any(answers(index, equality_fields(query), sort)
                              for index in IMAGE_INDEXES):
            unanswered[(fields, sort)] = "no declared index"
    assert not unanswered, unanswered


async def next_page(client: Client, path: str) -> str | None:
    """The address of the page after the first page of `path`, if it has one."""
    page = (await client.get(path)).body.decode()
    link = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', page)
    return link and path.split("?")[0] + link.group(1).replace("&amp;", "&")


async def record(recorder, request, seen: dict) -> None:
    recorder.raw.clear()
    recorder.on = True
    response = await request
    recorder.on = False
    assert response.code == 200, response.body
    for command in recorder.raw:
        if command.get("find") != "images":
            continue
        sort = tuple((field, int(direction))
                     for field, direction in (command.get("sort") or {}).items())
        if not sort and "_id" in command["filter"]:
            continue  # a lookup by id: the _id index
        shape = (tuple(sorted(command["filter"])), sort)
        seen.setdefault(shape, command)

