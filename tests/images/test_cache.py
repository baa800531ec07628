"""The in-process cache of small variants: bounded LRU, and never a way around access."""

from bson import ObjectId

from app.images.cache import VariantCache
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
