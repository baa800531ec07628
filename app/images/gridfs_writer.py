"""Writing GridFS files: the `files` and `chunks` documents of the GridFS spec, which
PyMongo's buckets then read, list and delete as their own.

Why not PyMongo's upload streams: before each file's first chunk they make sure of the
bucket's indexes with an unfiltered `find_one` on `files` and another on `chunks`. MongoDB
answers those from the first document it meets, but the embedded database reads the whole
collection for them, so every image stored made every later upload slower: 0.17 ms of
database CPU per stored chunk, twice per file, four files per upload (at 40 photos stored,
half a second per upload, growing without end). Pixvault creates every bucket's indexes
when it starts (`app.db.INDEXES`), so the probe buys nothing, on either database.

Chunks are inserted `BATCH_CHUNKS` at a time (4 MB): few round trips, and each insert stays one
modest operation within the per-operation timeout however large the file. Small files
already in memory (an upload's derivatives) go in together with `insert_files`: two
inserts for all of them rather than two each.
"""

import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

CHUNK_SIZE = 255 * 1024  # the GridFS default chunk size, as PyMongo's buckets write it
BATCH_CHUNKS = 16


async def insert_files(db: AsyncDatabase, bucket_name: str,
                       files: list[tuple[Any, str, dict, bytes]]) -> None:
    """Store whole files held in memory, each given as `(file_id, filename, metadata,
    data)`: every chunk in one insert, then every `files` document in another, so each file
    exists only once all of them are complete. On failure, deleting the ids through the
    bucket removes whatever was written."""
    chunks = [_chunk(file_id, n, data[start:start + CHUNK_SIZE])
              for file_id, _, _, data in files
              for n, start in enumerate(range(0, len(data), CHUNK_SIZE))]
    if chunks:
        await db[f"{bucket_name}.chunks"].insert_many(chunks, ordered=True)
    if files:
        await db[f"{bucket_name}.files"].insert_many(
            [_file_document(file_id, filename, metadata, len(data))
             for file_id, filename, metadata, data in files], ordered=True)


def _chunk(file_id: Any, n: int, data: bytes) -> dict:
    return {"files_id": file_id, "n": n, "data": data}


def _file_document(file_id: Any, filename: str, metadata: dict | None, length: int) -> dict:
    document = {"_id": file_id, "filename": filename, "chunkSize": CHUNK_SIZE}
    if metadata is not None:
        document["metadata"] = metadata
    document["length"] = length
    document["uploadDate"] = datetime.datetime.now(datetime.UTC)
    return document


class GridFSWriter:
    """One new file in the bucket `bucket_name` of `db`: `write` its bytes, then `close` to
    make it visible, or `abort` to drop what was written. As a context manager it closes on
    success and aborts on an exception."""

    def __init__(self, db: AsyncDatabase, bucket_name: str, file_id: Any, filename: str,
                 metadata: dict | None = None):
        self.file_id = file_id
        self._files = db[f"{bucket_name}.files"]
        self._chunks = db[f"{bucket_name}.chunks"]
        self._filename = filename
        self._metadata = metadata
        self._pending = bytearray()  # bytes not yet in a whole chunk
        self._batch: list[dict] = []
        self._chunk_number = 0
        self._length = 0

    async def write(self, data: bytes) -> None:
        """Append `data`; whole chunks go to the database a batch at a time."""
        self._pending += data
        self._length += len(data)
        whole = len(self._pending) - len(self._pending) % CHUNK_SIZE
        with memoryview(self._pending) as pending:
            chunks = [bytes(pending[start:start + CHUNK_SIZE])
                      for start in range(0, whole, CHUNK_SIZE)]
        del self._pending[:whole]
        for chunk in chunks:
            self._add_chunk(chunk)
            if len(self._batch) == BATCH_CHUNKS:
                await self._insert_batch()

    async def flush(self) -> None:
        """Store every whole chunk written so far, without waiting for a batch to fill (the
        last, partial chunk waits for `close`)."""
        await self._insert_batch()

    async def close(self, *, metadata: dict | None = None) -> None:
        """Store the last chunks and the `files` document: the file exists from now on.
        `metadata`, when given, replaces what the writer was opened with (what describes
        a file may be known only once its bytes are written)."""
        if self._pending:
            self._add_chunk(bytes(self._pending))
            self._pending = bytearray()
        await self._insert_batch()
        await self._files.insert_one(_file_document(
            self.file_id, self._filename, self._metadata if metadata is None else metadata,
            self._length))

    async def abort(self) -> None:
        """Delete the chunks written so far; the file never existed."""
        self._batch, self._pending = [], bytearray()
        await self._chunks.delete_many({"files_id": self.file_id})

    async def __aenter__(self) -> "GridFSWriter":
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.abort()

    def _add_chunk(self, data: bytes) -> None:
        self._batch.append(_chunk(self.file_id, self._chunk_number, data))
        self._chunk_number += 1

    async def _insert_batch(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            await self._chunks.insert_many(batch, ordered=True)
