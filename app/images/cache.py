"""In-process caches of small, hot variants (thumbnails, page-size previews).

`VariantCache`: bytes by GridFS file id. A stored file never changes (a new upload gets new
file ids), so its bytes can be kept by GridFS id without invalidation: access is still
checked on every request against the image document, and a deleted image's bytes simply
age out. The cache saves the two GridFS round
trips (file document, chunks) that dominate serving a thumbnail.

`HotCache`: whole public answers, served with no database round trip at all, so it must
forget an image as soon as it may no longer be served; see there.
"""

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

from bson import ObjectId


class VariantCache:
    """Least-recently-used bytes by file id, bounded in total size."""

    def __init__(self, max_bytes: int, max_item_bytes: int = 512 * 1024):
        self.max_bytes = max_bytes
        self.max_item_bytes = max_item_bytes
        self.size = 0
        self._items: OrderedDict[ObjectId, bytes] = OrderedDict()

    def accepts(self, size: int) -> bool:
        """True if a file of `size` bytes is small enough to be kept."""
        return 0 < size <= min(self.max_item_bytes, self.max_bytes)

    def get(self, file_id: ObjectId) -> bytes | None:
        """The cached bytes, now the most recently used, or None."""
        data = self._items.get(file_id)
        if data is not None:
            self._items.move_to_end(file_id)
        return data

    def put(self, file_id: ObjectId, data: bytes) -> None:
        """Keep `data`, evicting the least recently used files to stay within bounds."""
        if not self.accepts(len(data)) or file_id in self._items:
            return
        self._items[file_id] = data
        self.size += len(data)
        while self.size > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.size -= len(evicted)


class HotCache:
    """Whole answers that may be served without asking the database, least recently used
    first out, bounded in bytes and in entries.

    Each entry names the image and owner whose state allowed it, and lives at most
    `max_age` seconds: `drop` (called by the invalidation signal, `app.invalidation`)
    removes the entries of changed images and owners, and the age bounds what a process
    that died between a change and its signal could leave behind. A request takes a
    `ticket()` before it reads the image; `put` refuses its entry if anything was dropped
    since, so an answer built from a document read before a change never outlives it.
    """

    def __init__(self, max_bytes: int, max_entries: int, *, max_age: float = 60.0,
                 clock=time.monotonic):
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_age = max_age
        self.clock = clock
        self.size = 0
        self.generation = 0
        self._items: OrderedDict[Hashable, _Hot] = OrderedDict()

    def ticket(self) -> int:
        """What `put` needs: taken before reading what an entry will be built from."""
        return self.generation

    def get(self, key: Hashable):
        """The value kept under `key` if it is young enough, else None."""
        item = self._items.get(key)
        if item is None:
            return None
        if item.expires < self.clock():
            self._remove(key)
            return None
        self._items.move_to_end(key)
        return item.value

    def put(self, key: Hashable, value, *, size: int, image_id: str, owner_id: str,
            ticket: int) -> None:
        """Keep `value` (`size` bytes) for `image_id` of `owner_id`, unless something was
        dropped since `ticket` or it is too big; evict to stay within bounds."""
        if ticket != self.generation or not 0 < size <= self.max_bytes or not self.max_entries:
            return
        if key in self._items:
            self._remove(key)
        self._items[key] = _Hot(value, size, image_id, owner_id, self.clock() + self.max_age)
        self.size += size
        while self.size > self.max_bytes or len(self._items) > self.max_entries:
            self._remove(next(iter(self._items)))

    def drop(self, images: set[str] | None, owners: set[str] | None) -> None:
        """Forget the entries of these images and owners; everything when both are None."""
        self.generation += 1
        if images is None and owners is None:
            self._items.clear()
            self.size = 0
            return
        for key, item in list(self._items.items()):
            if item.image_id in images or item.owner_id in owners:
                self._remove(key)

    def __len__(self) -> int:
        return len(self._items)

    def _remove(self, key: Hashable) -> None:
        self.size -= self._items.pop(key).size


class _Hot(NamedTuple):
    value: object
    size: int
    image_id: str
    owner_id: str
    expires: float
