"""`check` and `gc`: is everything in place, and finish what interruptions left behind."""

import asyncio
import datetime

from app.commands.database import open_database
from app.db import images_bucket, missing_indexes, utcnow
from app.images import gc
from app.text import plural

# `check` exit codes, so scripts can tell which part failed.
EXIT_CONFIG, EXIT_DATABASE, EXIT_INDEXES = 2, 3, 4


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
    """`gc`: finish interrupted deletions (accounts, images, albums), then delete GridFS files
    no image refers to."""

    async def sweep() -> tuple[int, int, int]:
        async with open_database(options) as db:
            bucket = images_bucket(db)
            accounts = await gc.sweep_ownerless(db, bucket, now=utcnow())
            images = await gc.sweep_deleted(db, bucket)
            files = await gc.sweep_orphans(db, bucket, now=utcnow(),
                                           grace=datetime.timedelta(seconds=grace))
            return accounts, images, files

    accounts, images, files = asyncio.run(sweep())
    print(f"Deleted {plural(accounts, 'image')} of deleted accounts, "
          f"{plural(images, 'image')} whose deletion was interrupted and "
          f"{plural(files, 'orphaned file')}")
    return 0
