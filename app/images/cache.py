"""An in-process cache of small, hot variants (thumbnails, page-size previews).

A stored file never changes (a new upload gets new file ids), so its bytes can be kept by
GridFS id without invalidation: access is still checked on every request against the image
document, and a deleted image's bytes simply age out. The cache saves the two GridFS round
trips (file document, chunks) that dominate serving a thumbnail.
"""

from collections import OrderedDict

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
