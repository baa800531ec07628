"""`check`, `migrate` and `gc`: is everything in place, bring the database up to this
version, and finish what interruptions left behind."""

import asyncio
import datetime
from pathlib import Path

from app import migrations
from app.commands.database import open_database
from app.db import ensure_indexes, images_bucket, missing_indexes, utcnow
from app.images import gc, quota, resumable
from app.images.intake.spool import SPOOL_FOLDER, sweep_spool
from app.text import plural

# `check` exit codes, so scripts can tell which part failed.
EXIT_CONFIG, EXIT_DATABASE, EXIT_INDEXES, EXIT_MIGRATIONS, EXIT_STORAGE = 2, 3, 4, 5, 6
_DRIFT_SAYS = {
    "found": "run `manage.py check --fix` to set it right",
    "fixed": "fixed",
    "busy": "left alone: uploads in progress; run again later",
    "changed": "left alone: it changed meanwhile; run again",
}


def run_check(options, fix: bool = False) -> int:
    """`check`: the database answers, every index exists, every migration is applied and
    every user's storage use matches their images (`fix`: set it right)."""
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
            pending = await migrations.pending(db)
            for step in pending:
                print(f"FAIL migration pending: {step.name} ({step.description})")
            if missing or pending:
                print("     run `manage.py migrate` (`manage.py serve` does it at start)")
                return EXIT_INDEXES if missing else EXIT_MIGRATIONS
            print("ok   indexes present, migrations applied")
            drifts = await quota.recount(db, now=utcnow(), fix=fix)
            for drift in drifts:
                print(f"{'ok  ' if drift.state == 'fixed' else 'FAIL'} storage use of "
                      f"{drift.username}: recorded {drift.recorded:,} bytes, images hold "
                      f"{drift.counted:,} ({_DRIFT_SAYS[drift.state]})")
            if any(drift.state != "fixed" for drift in drifts):
                return EXIT_STORAGE
            print("ok   storage use matches every user's images")
            return 0

    print(f"ok   configuration (database {options.database!r})")
    return asyncio.run(check())


async def upgrade(db, options) -> None:
    """Create any missing index (and set the audit log's lifetime from `options`), then
    apply the pending migrations, saying which."""
    await ensure_indexes(db, audit_days=options.audit_days)
    for step in await migrations.migrate(db, now=utcnow()):
        print(f"Applied migration {step.name}: {step.description}", flush=True)


def run_migrate(options) -> int:
    """`migrate`: bring the database up to this version (indexes and migrations)."""
    async def apply() -> None:
        async with open_database(options) as db:
            await upgrade(db, options)

    asyncio.run(apply())
    print("The database is up to date")
    return 0


def run_gc(options, grace: int) -> int:
    """`gc`: finish interrupted deletions (accounts, images, albums), purge what has stayed
    its time in the trash, then delete GridFS files no image refers to and the spool files
    of uploads a killed server left in this host's data dir."""

    async def sweep() -> tuple[int, int, int, int]:
        async with open_database(options) as db:
            bucket = images_bucket(db)
            accounts = await gc.sweep_ownerless(db, bucket, now=utcnow())
            images = await gc.sweep_deleted(db, bucket, now=utcnow())
            files = await gc.sweep_orphans(db, bucket, now=utcnow(),
                                           grace=datetime.timedelta(seconds=grace))
            uploads = await resumable.sweep(db, resumable.parts_bucket(db), now=utcnow(),
                                            grace=datetime.timedelta(seconds=grace))
            return accounts, images, files, uploads

    accounts, images, files, uploads = asyncio.run(sweep())
    spooled = sweep_spool(Path(options.data_dir) / SPOOL_FOLDER, grace=grace)
    print(f"Deleted {plural(accounts, 'image')} of deleted accounts, "
          f"{plural(images, 'image')} whose deletion was interrupted or whose time in the "
          f"trash was over, {plural(files, 'orphaned file')}, "
          f"{plural(uploads, 'expired resumable upload')} and "
          f"{plural(spooled, 'unfinished upload')}")
    return 0
