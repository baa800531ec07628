"""The in-process cache of small variants: bounded LRU, and never a way around access."""

from bson import ObjectId

from app.images.cache import HotCache, VariantCache
from tests.client import upload_one
from tests.images.images import jpeg


def test_least_recently_used_files_are_evicted_first():
    cache = VariantCache(max_bytes=10, max_item_bytes=6)
    a, b, c = ObjectId(), ObjectId(), ObjectId()
    cache.put(a, b"aaaa")
    cache.put(b, b"bbbb")
    assert cache.get(a) == b"aaaa"  # a is now the most recently used
    cache.put(c, b"cccc")
    assert cache.get(b) is None
    assert cache.get(a) == b"aaaa" and cache.get(c) == b"cccc"
    assert cache.size == 8
    cache.put(ObjectId(), b"x" * 7)  # over the per-item limit: not kept
    assert cache.size == 8
    assert not VariantCache(max_bytes=0).accepts(1)


async def test_hot_thumbnails_skip_gridfs(alice, client, app, monkeypatch):
    image = await upload_one(alice, jpeg(size=(500, 400)), visibility="public")
    bucket = app.bucket
    reads = []
    real_open = bucket.open_download_stream

    async def counting_open(file_id):
        reads.append(file_id)
        return await real_open(file_id)

    monkeypatch.setattr(bucket, "open_download_stream", counting_open)
    first = await client.get(f"/i/{image['id']}/thumb", headers={"Accept": "image/webp"})
    second = await client.get(f"/i/{image['id']}/thumb", headers={"Accept": "image/webp"})
    assert first.body == second.body and len(first.body) > 0
    assert len(reads) == 1
    part = await client.get(f"/i/{image['id']}/thumb",
                            headers={"Accept": "image/webp", "Range": "bytes=2-9"})
    assert part.code == 206 and part.body == first.body[2:10]


async def test_cached_bytes_still_obey_access(alice, client):
    image = await upload_one(alice, jpeg(size=(500, 400)), visibility="public")
    assert (await client.get(f"/i/{image['id']}/thumb")).code == 200
    await alice.post(f"/i/{image['id']}/edit", {"visibility": "private"})
    assert (await client.get(f"/i/{image['id']}/thumb")).code == 404
    await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})
    assert (await alice.get(f"/i/{image['id']}/thumb")).code == 404


class Ticks:
    """A clock for HotCache that moves only when told."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_hot_answers_are_bounded_in_bytes_entries_and_age():
    clock = Ticks()
    cache = HotCache(max_bytes=10, max_entries=2, max_age=60, clock=clock)
    keep = dict(image_id="i", owner_id="o", ticket=0)
    cache.put("a", "A", size=4, **keep)
    cache.put("b", "B", size=4, **keep)
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("c", "C", size=4, **keep)  # over 10 bytes: b goes
    assert (cache.get("b"), cache.get("a"), cache.get("c")) == (None, "A", "C")
    cache.put("d", "D", size=1, **keep)  # over 2 entries: a goes
    assert len(cache) == 2 and cache.get("a") is None and cache.size == 5
    cache.put("e", "E", size=11, **keep)  # bigger than everything: never kept
    assert cache.get("e") is None
    clock.now = 61
    assert cache.get("c") is None and cache.get("d") is None and cache.size == 0


def test_hot_answers_go_with_their_image_or_owner_and_none_outlives_a_change():
    cache = HotCache(max_bytes=100, max_entries=10)
    for key, image, owner in (("a", "i1", "o1"), ("b", "i2", "o1"), ("c", "i3", "o2")):
        cache.put(key, key, size=1, image_id=image, owner_id=owner, ticket=cache.ticket())
    ticket = cache.ticket()  # a request reads an image...
    cache.drop({"i3"}, set())  # ...which changes meanwhile
    cache.put("late", "stale", size=1, image_id="i9", owner_id="o9", ticket=ticket)
    assert cache.get("late") is None and cache.get("c") is None
    assert cache.get("a") == "a"
    cache.drop(set(), {"o1"})
    assert len(cache) == 0
    cache.put("a", "a", size=1, image_id="i1", owner_id="o1", ticket=cache.ticket())
    cache.drop(None, None)
    assert len(cache) == 0 and cache.size == 0
