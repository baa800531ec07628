"""Bulk import (`manage.py import`): a folder goes through `ingest()` file by file, exactly
as uploads, and the progress helpers `app.exporter` shares.

`progress` is tqdm-like (`total` is set, then `update(n)` called) or a plain callable `f(n)`.
"""

import asyncio
import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from app import DEFAULTS
from app.errors import DomainError, Invalid, TooLarge
from app.images.ingest import MIB, ingest, max_upload_bytes
from app.images.intake import SpooledFile, clean_filename, size_text
from app.images.processing import Limits
from app.images.store import VISIBILITIES

CHUNK = MIB  # per read and zip write: a thread hop per MiB costs nothing next to the copy


@dataclass
class ImportReport:
    """What `import_directory` did; `skipped` holds (relative path, reason) in path order."""

    imported: int = 0
    existing: int = 0  # the user already had these exact bytes (or an earlier file had them)
    hidden: int = 0  # hidden files and folders (name starts with "."), left alone
    skipped: list[tuple[str, str]] = field(default_factory=list)


def progress_bar(description: str, unit: str = "file") -> tqdm:
    """A bar on stderr, silent when stderr is not a terminal; `unit="B"` counts bytes. It
    first shows once the transfer sets its total (`delay` skips the empty first draw)."""
    return tqdm(desc=description, unit=unit, unit_scale=unit == "B", disable=None, delay=0.1,
                unit_divisor=1024 if unit == "B" else 1000, dynamic_ncols=True)


def start_progress(progress, total: int) -> None:
    """Tell a tqdm-like `progress` its total (a plain callable needs none)."""
    if hasattr(progress, "total"):
        progress.total = total
        progress.refresh()


def advance_progress(progress, n: int) -> None:
    """Move `progress` on by `n` (a tqdm-like object or a plain callable)."""
    if progress is not None:
        getattr(progress, "update", progress)(n)


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
    """Copy `source` to a private temporary file, hashing as it goes, so `ingest()` works on
    a snapshot: a file edited mid-import cannot differ from its recorded sha256."""
    fd, temp = tempfile.mkstemp(prefix="pixvault-import-")
    spooled = SpooledFile(Path(temp), filename=clean_filename(source.name))
    try:
        with open(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                spooled.size += len(chunk)
                if spooled.size > max_bytes:  # it grew since the walk
                    raise TooLarge(f"Larger than the {size_text(max_bytes)} limit")
                spooled.hasher.update(chunk)
                out.write(chunk)
    except BaseException as error:
        spooled.path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise Invalid(_why(error)) from None
        raise
    return spooled


async def import_directory(db, bucket, executor, *, owner: dict, directory: Path,
                           limits: Limits, now_fn, visibility: str | None = None,
                           max_bytes: int = max_upload_bytes(DEFAULTS),
                           progress=None) -> ImportReport:
    """Import every file under `directory` for `owner`, recursively and in path order, each
    as an upload named after the file, without a title; `visibility` None is the owner's
    default. Hidden files and folders are left alone; unsupported, damaged and too large
    (over `max_bytes`) files are skipped with a reason. `progress` counts bytes. `Invalid`
    for a bad visibility or folder, before anything is imported."""
    if visibility is not None and visibility not in VISIBILITIES:
        raise Invalid("Visibility must be private, unlisted or public.")
    if not directory.is_dir():
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
                                          fields=fields, limits=limits, now=now_fn())
            finally:
                spooled.path.unlink(missing_ok=True)
            report.imported += created
            report.existing += not created
        except DomainError as error:
            report.skipped.append((relative, error.message.rstrip(".")))
        advance_progress(progress, size)
    report.skipped.sort(key=lambda item: item[0].split("/"))
    return report
