"""What each `manage.py` command does. `manage.py` parses arguments and maps errors to exit
codes; each `run_*` function here opens the database, does the work, prints its summary and
returns the exit code."""

import asyncio
import contextlib
import datetime
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gridfs import AsyncGridFSBucket

from app import utcnow
from app.db import DataDirInUse, EmbeddedDatabase, connect, ensure_indexes, missing_indexes
from app.errors import NotFound

# `check` exit codes, so scripts can tell which part failed.
EXIT_CONFIG, EXIT_DATABASE, EXIT_INDEXES = 2, 3, 4


@contextlib.contextmanager
def database(options, *, exclusive: bool = False):
    """`(uri, alive)`: the configured MongoDB URI, or the embedded database's (started here
    if needed), and a check that the database this process started is still running.

    A command other than `serve` joins an embedded database that a running server already
    owns; `serve` (exclusive) refuses to share its data dir.
    """
    if options.mongodb_uri:
        yield options.mongodb_uri, lambda: True
        return
    embedded = EmbeddedDatabase(Path(options.data_dir) / "db")
    try:
        uri = embedded.start()
    except DataDirInUse:
        if exclusive:
            raise
        yield embedded.running_uri(), lambda: True
        return
    try:
        yield uri, embedded.alive
    finally:
        embedded.stop()


@contextlib.asynccontextmanager
async def open_database(options):
    """An `AsyncDatabase` for one command, closed afterwards."""
    with database(options) as (uri, _):
        client = connect(uri, options.db_timeout_ms)
        try:
            yield client[options.database]
        finally:
            await client.close()


async def _user(db, name: str) -> dict:
    from app.auth import users

    user = await users.find_by_username(db, name)
    if user is None:
        raise NotFound(f"There is no user named {name!r}.")
    return user


def plural(count: int, word: str) -> str:
    """'1 image', '2 images'."""
    return f"{count} {word}{'s' if count != 1 else ''}"


def run_serve(options) -> int:
    """`serve`: the web server, on the embedded database unless a URI is given."""
    from app import server

    with database(options, exclusive=True) as (uri, alive):
        return server.run(options, uri, alive)


def run_createuser(options, name: str, password: str, admin: bool) -> int:
    """`createuser`: one account."""
    from app.auth import users

    async def create() -> None:
        async with open_database(options) as db:
            await ensure_indexes(db)
            with ThreadPoolExecutor(max_workers=1) as executor:
                await users.create_user(db, name, password, rounds=options.bcrypt_rounds,
                                        executor=executor, now=utcnow(),
                                        role="admin" if admin else "user")

    asyncio.run(create())
    print(f"Created user {name}")
    return 0


def run_createtoken(options, name: str, token_name: str) -> int:
    """`createtoken`: prints the secret alone, so `TOKEN=$(manage.py createtoken ...)` works."""
    from app.auth import tokens

    async def create() -> str:
        async with open_database(options) as db:
            await ensure_indexes(db)
            _, secret = await tokens.create_token(db, (await _user(db, name))["_id"],
                                                  token_name, now=utcnow())
            return secret

    print(asyncio.run(create()))
    return 0


def run_check(options) -> int:
    """`check`: the database answers and every index exists."""
    async def check() -> int:
        async with open_database(options) as db:
            try:
                await db.command("ping")
            except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
                print(f"FAIL database: {error}")
                return EXIT_DATABASE
            print("ok   database answers ping")
            missing = await missing_indexes(db)
            for index in missing:
                print(f"FAIL index missing: {index}")
            if missing:
                print("     run `manage.py serve` once, or any command that creates indexes")
                return EXIT_INDEXES
            print("ok   indexes present")
            return 0

    print(f"ok   configuration (database {options.database!r})")
    return asyncio.run(check())


def run_gc(options, grace: int) -> int:
    """`gc`: purge what deleted accounts left, then GridFS files no image refers to."""
    from app.images import gc

    async def sweep() -> tuple[int, int]:
        async with open_database(options) as db:
            bucket = AsyncGridFSBucket(db, bucket_name="images")
            images = await gc.sweep_ownerless(db, bucket)
            files = await gc.sweep_orphans(db, bucket, now=utcnow(),
                                           grace=datetime.timedelta(seconds=grace))
            return images, files

    images, files = asyncio.run(sweep())
    print(f"Deleted {plural(images, 'image')} of deleted accounts and "
          f"{plural(files, 'orphaned file')}")
    return 0


def run_import(options, directory: str, name: str, visibility: str | None) -> int:
    """`import`: every image under `directory` into `name`'s gallery, as uploads would."""
    from app.images.ingest import decode_limits, max_upload_bytes
    from app.transfer import import_directory, progress_bar

    async def load():
        async with open_database(options) as db:
            await ensure_indexes(db)
            # One file at a time, as one upload: a single worker is all it uses.
            with ThreadPoolExecutor(max_workers=1) as executor, \
                    progress_bar("Importing", unit="B") as bar:
                return await import_directory(
                    db, AsyncGridFSBucket(db, bucket_name="images"), executor,
                    owner=await _user(db, name), directory=Path(directory),
                    limits=decode_limits(options),
                    now_fn=utcnow, visibility=visibility,
                    max_bytes=max_upload_bytes(options), progress=bar)

    report = asyncio.run(load())
    print(f"Imported {plural(report.imported, 'image')}, {report.existing} already there, "
          f"skipped {len(report.skipped)}" + (":" if report.skipped else ""))
    for path, reason in report.skipped:
        print(f"  {path}: {reason}")
    if report.hidden:
        print(f"Left {plural(report.hidden, 'hidden file or folder')} alone")
    return 0


def run_export(options, name: str, out: str) -> int:
    """`export`: `name`'s originals, albums and a manifest as one zip."""
    from app.exporter import export_user
    from app.images.intake import size_text
    from app.transfer import progress_bar

    async def dump():
        async with open_database(options) as db:
            with progress_bar("Exporting", unit="image") as bar:
                return await export_user(db, AsyncGridFSBucket(db, bucket_name="images"),
                                         owner=await _user(db, name), out_path=Path(out),
                                         progress=bar)

    report = asyncio.run(dump())
    print(f"Exported {plural(report.images, 'image')} ({size_text(report.bytes)}) and "
          f"{plural(report.albums, 'album')} to {out}")
    for image_id in report.missing:
        print(f"  {image_id}: deleted during the export, not included")
    for image_id in report.damaged:
        print(f"warning: image {image_id}: stored original no longer matches its sha256 "
              "(exported as stored)", file=sys.stderr)
    return 1 if report.damaged else 0
