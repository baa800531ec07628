"""GridFS files written by `GridFSWriter`: the same documents PyMongo's upload streams
write, read back byte for byte by PyMongo's buckets, and no whole-collection query."""

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket, NoFile
from pymongo import AsyncMongoClient, monitoring

from app.images.gridfs_writer import BATCH_CHUNKS, CHUNK_SIZE, GridFSWriter, insert_files

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, BATCH_CHUNKS * CHUNK_SIZE * 2 + 7]


def payload(size: int) -> bytes:
    return bytes(i * 7 % 251 for i in range(size))


async def write_in_pieces(writer: GridFSWriter, data: bytes, piece: int) -> None:
    for start in range(0, len(data), piece):
        await writer.write(data[start:start + piece])


@pytest.mark.parametrize("size", SIZES)
async def test_pymongo_reads_what_it_wrote_itself(db, size):
    data, file_id = payload(size), ObjectId()
    async with GridFSWriter(db, "mine", file_id, "a/name", {"k": 1}) as writer:
        await write_in_pieces(writer, data, 100_003)
    async with AsyncGridFSBucket(db, "theirs").open_upload_stream_with_id(
            file_id, "a/name", metadata={"k": 1}) as stream:
        await write_in_pieces(stream, data, 100_003)

    assert await (await AsyncGridFSBucket(db, "mine").open_download_stream(file_id)
                  ).read() == data
    mine = await db["mine.files"].find_one({"_id": file_id}, {"uploadDate": 0})
    theirs = await db["theirs.files"].find_one({"_id": file_id}, {"uploadDate": 0})
    assert mine == theirs
    assert mine["length"] == size
    chunks = {"_id": 0}
    assert (await db["mine.chunks"].find({}, chunks).sort("n").to_list()
            == await db["theirs.chunks"].find({}, chunks).sort("n").to_list())


async def test_abort_and_an_exception_leave_nothing(db):
    bucket = AsyncGridFSBucket(db, "parts")
    writer = GridFSWriter(db, "parts", ObjectId(), "x")
    await writer.write(payload((BATCH_CHUNKS + 1) * CHUNK_SIZE))  # a batch is in the database
    assert await db["parts.chunks"].count_documents({}) > 0
    await writer.abort()
    file_id = ObjectId()
    with pytest.raises(ZeroDivisionError):
        async with GridFSWriter(db, "parts", file_id, "y") as failing:
            await failing.write(payload((BATCH_CHUNKS + 1) * CHUNK_SIZE))
            1 / 0  # noqa: B018 - the failure inside the block
    assert await db["parts.chunks"].count_documents({}) == 0
    assert await db["parts.files"].count_documents({}) == 0
    with pytest.raises(NoFile):
        await bucket.open_download_stream(file_id)


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.seen: list[tuple[str, dict]] = []

    def started(self, event) -> None:
        self.seen.append((event.command_name, dict(event.command)))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def test_writing_sends_inserts_only(db, mongodb_uri):
    # PyMongo's streams look for the bucket's indexes with an unfiltered find_one on both
    # collections before each file, which the embedded database answers by reading all of
    # them: writing must not read at all.
    commands = Commands()
    client = AsyncMongoClient(mongodb_uri, event_listeners=[commands])
    try:
        async with GridFSWriter(client[db.name], "mine", ObjectId(), "z") as writer:
            await writer.write(payload(2 * BATCH_CHUNKS * CHUNK_SIZE + 1))
    finally:
        await client.close()
    names = [name for name, _ in commands.seen if name not in ("hello", "endSessions")]
    assert set(names) == {"insert"}
    assert len(names) == 3 + 1  # two full batches, the rest, the files document


async def test_files_in_memory_go_in_together(db, mongodb_uri):
    files = [(ObjectId(), f"i/{size}", {"size": size}, payload(size))
             for size in (0, 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 5)]
    commands = Commands()
    client = AsyncMongoClient(mongodb_uri, event_listeners=[commands])
    try:
        await insert_files(client[db.name], "mine", files)
    finally:
        await client.close()
    names = [name for name, _ in commands.seen if name not in ("hello", "endSessions")]
    assert names == ["insert", "insert"]  # every chunk, then every files document
    bucket = AsyncGridFSBucket(db, "mine")
    for file_id, filename, metadata, data in files:
        assert await (await bucket.open_download_stream(file_id)).read() == data
        stored = await db["mine.files"].find_one({"_id": file_id})
        assert (stored["filename"], stored["metadata"], stored["length"]) == (
            filename, metadata, len(data))
