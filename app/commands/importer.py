"""Bulk import (`manage.py import`): a folder goes through the upload intake and `ingest()`
file by file, exactly as uploads."""

import asyncio
import contextlib
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from app.commands.database import find_user, open_database
from app.commands.progress import CHUNK, advance_progress, progress_bar, start_progress
from app.config import DEFAULTS
from app.db import ensure_indexes, images_bucket, utcnow
from app.errors import DomainError, Invalid, TooLarge
from app.images.fields import check_visibility
from app.images.ingest import decode_limits, ingest, max_upload_bytes
from app.images.intake.spool import Spool, SpooledFile
from app.images.processing.pipeline import Limits
from app.images.quota import quota_of
from app.text import plural, size_text


@dataclass
class ImportReport:
    """What `import_directory` did; `skipped` holds (relative path, reason) in path order."""

    imported: int = 0
    existing: int = 0  # the user already had these exact bytes (or an earlier file had them)
    hidden: int = 0  # hidden files and folders (name starts with "."), left alone
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _scan(directory: Path, report: ImportReport) -> list[tuple[str, Path, int]]:
    """(relative path, path, size) of each regular file under `directory`, in path order.
    Folder links are not followed (no loops); a file link only if it stays inside."""
    base, found = directory.resolve(), []

    def skip(path, reason: str) -> None:
        report.skipped.append((Path(path).relative_to(directory).as_posix(), reason))

    for root, dirs, files in os.walk(directory, onerror=lambda e: skip(e.filename, _why(e))):
        report.hidden += sum(name.startswith(".") for name in dirs + files)
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in dirs + [name for name in files if not name.startswith(".")]:
            path = Path(root, name)
            if path.is_symlink() and not path.resolve().is_relative_to(base):
                skip(path, "A link to outside the folder")
            elif name not in dirs:  # a link to a folder inside: its files are found there
                try:
                    info = path.stat()
                except OSError as error:
                    skip(path, _why(error))
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append((path.relative_to(directory).as_posix(), path, info.st_size))
                else:
                    skip(path, "Not a regular file")
    return sorted(found, key=lambda item: item[0].split("/"))


def _why(error: OSError) -> str:
    return f"Cannot read it: {error.strerror}"


def _spool(source: Path, max_bytes: int) -> SpooledFile:
    """Copy `source` through the upload intake's spool (private temporary file, sha256, size
    limit), so `ingest()` works on a snapshot: a file edited mid-import cannot differ from its
    recorded sha256."""
    spool = Spool(None, max_bytes, source.name)
    try:
        with spool.handle, open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                spool.write(chunk)  # TooLarge if it grew since the walk
    except BaseException as error:
        spool.file.path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise Invalid(_why(error)) from None
        raise
    return spool.file


async def import_directory(db, bucket, executor, *, owner: dict, directory: Path,
                           limits: Limits, now_fn, visibility: str | None = None,
                           max_bytes: int = max_upload_bytes(DEFAULTS),
                           quota: int | None = None, progress=None) -> ImportReport:
    """Import every file under `directory` for `owner`, recursively and in path order, each
    as an upload named after the file, without a title; `visibility` None is the owner's
    default. Hidden files and folders are left alone; unsupported, damaged and too large
    (over `max_bytes`) files, and those over the owner's `quota` (bytes, None: unlimited),
    are skipped with a reason. `progress` counts bytes. `Invalid` for a bad visibility or
    folder, before anything is imported."""
    if visibility is not None:
        check_visibility(visibility)
    if not directory.is_dir():  # noqa: ASYNC240 - a command, not a server
        raise Invalid(f"{directory} is not a folder.")
    report = ImportReport()
    files = await asyncio.to_thread(_scan, directory, report)
    start_progress(progress, sum(size for *_, size in files))
    fields = {"visibility": visibility} if visibility else {}
    for relative, path, size in files:
        try:
            if size > max_bytes:
                raise TooLarge(f"{size_text(size)}, over the {size_text(max_bytes)} limit")
            copying = asyncio.ensure_future(asyncio.to_thread(_spool, path, max_bytes))
            try:
                spooled = await asyncio.shield(copying)
            except asyncio.CancelledError:
                # Ctrl-C: the copy goes on in its thread; remove it once it is done.
                with contextlib.suppress(Exception):
                    (await copying).path.unlink(missing_ok=True)
                raise
            try:
                _, created = await ingest(db, bucket, executor, owner=owner, spooled=spooled,
                                          fields=fields, limits=limits, quota=quota,
                                          now=now_fn())
            finally:
                spooled.path.unlink(missing_ok=True)
            report.imported += created
            report.existing += not created
        except DomainError as error:
            report.skipped.append((relative, error.message.rstrip(".")))
        advance_progress(progress, size)
    report.skipped.sort(key=lambda item: item[0].split("/"))
    return report


def run_import(options, directory: str, name: str, visibility: str | None) -> int:
    """`import`: every image under `directory` into `name`'s gallery, as uploads would."""

    async def load():
        async with open_database(options) as db:
            await ensure_indexes(db, audit_days=options.audit_days)
            owner = await find_user(db, name)
            if owner.get("disabled"):
                # Its images are hidden while it is disabled; new ones would not be.
                raise Invalid(f"{owner['username']}'s account is disabled; enable it first.")
            # One file at a time, as one upload: a single worker is all it uses.
            with ThreadPoolExecutor(max_workers=1) as executor, \
                    progress_bar("Importing", unit="B") as bar:
                owner = await find_user(db, name)
                return await import_directory(
                    db, images_bucket(db), executor,
                    owner=owner, directory=Path(directory),
                    limits=decode_limits(options),
                    now_fn=utcnow, visibility=visibility,
                    max_bytes=max_upload_bytes(options), quota=quota_of(owner, options),
                    progress=bar)

    report = asyncio.run(load())
    print(f"Imported {plural(report.imported, 'image')}, {report.existing} already there, "
          f"skipped {len(report.skipped)}" + (":" if report.skipped else ""))
    for path, reason in report.skipped:
        print(f"  {path}: {reason}")
    if report.hidden:
        print(f"Left {plural(report.hidden, 'hidden file or folder')} alone")
    return 0
