"""Bulk transfer (`manage.py import` and `export`): a folder goes through `ingest()` file by
file, exactly as uploads; a user's originals and a `pixvault.json` manifest go to a zip.

`progress` is tqdm-like (`total` is set, then `update(n)` called) or a plain callable `f(n)`.
"""

import asyncio
import contextlib
import datetime
import hashlib
import json
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gridfs.errors import NoFile
from tqdm import tqdm

from app import DEFAULTS, utcnow
from app.errors import DomainError, Invalid, TooLarge
from app.images.ingest import ingest
from app.images.intake import SpooledFile, clean_filename, size_text
from app.images.processing import Limits
from app.images.store import VISIBILITIES
from app.images.urls import EXTENSIONS

MIB = 1024 * 1024
CHUNK = MIB  # per read and zip write: a thread hop per MiB costs nothing next to the copy
IMAGE_FIELDS = ("filename", "title", "description", "visibility", "format", "width", "height",
                "bytes", "sha256", "album_ids")
ALBUM_FIELDS = ("title", "description", "visibility", "cover")


@dataclass
class ImportReport:
    """What `import_directory` did; `skipped` holds (relative path, reason) in path order."""

    imported: int = 0
    existing: int = 0  # the user already had these exact bytes (or an earlier file had them)
    hidden: int = 0  # hidden files and folders (name starts with "."), left alone
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ExportReport:
    """What `export_user` wrote. `missing`: ids whose original vanished meanwhile (`file` is
    null in the manifest); `damaged`: ids whose bytes no longer match their sha256."""

    images: int = 0
    albums: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def progress_bar(description: str, unit: str = "file") -> tqdm:
    """A bar on stderr, silent when stderr is not a terminal; `unit="B"` counts bytes. It
    first shows once the transfer sets its total (`delay` skips the empty first draw)."""
    return tqdm(desc=description, unit=unit, unit_scale=unit == "B", disable=None, delay=0.1,
                unit_divisor=1024 if unit == "B" else 1000, dynamic_ncols=True)


def _start(progress, total: int) -> None:
    if hasattr(progress, "total"):
        progress.total = total
        progress.refresh()


def _advance(progress, n: int) -> None:
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
                           max_bytes: int = DEFAULTS["max_upload_mb"] * MIB,
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
    _start(progress, sum(size for *_, size in files))
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
        _advance(progress, size)
    report.skipped.sort(key=lambda item: item[0].split("/"))
    return report


def _entry_name(image: dict) -> str:
    """`images/<id>-<name>.<ext>`: the id keeps it unique, the name readable, the extension
    true to the format; characters Windows refuses in names become "_"."""
    stem = re.sub(r'[<>:"|?*\\]', "_", clean_filename(image.get("filename")).rsplit(".", 1)[0])
    ext = EXTENSIONS.get(image["files"]["original"]["type"], image["format"])
    return f"images/{image['_id']}-{stem or image['_id']}.{ext}"


async def _write_original(bucket, zf: zipfile.ZipFile, image: dict, name: str) -> str:
    """Stream one original from GridFS into the zip; the sha256 of what was written. Zip
    calls block on disk, so each runs in a thread, one at a time (the awaits order them)."""
    original = image["files"]["original"]
    stream = await bucket.open_download_stream(original["id"])
    info = zipfile.ZipInfo(name, date_time=image["created"].astimezone().timetuple()[:6])
    info.file_size = original["bytes"]  # lets zipfile choose ZIP64 up front for huge files
    hasher = hashlib.sha256()
    handle = await asyncio.to_thread(zf.open, info, "w")
    try:
        while chunk := await stream.read(CHUNK):
            hasher.update(chunk)
            await asyncio.to_thread(handle.write, chunk)
    finally:
        await asyncio.to_thread(handle.close)
        await stream.close()
    return hasher.hexdigest()


def _finish(zf: zipfile.ZipFile, out, temp: str, out_path: Path, manifest: dict) -> None:
    zf.writestr("pixvault.json", json.dumps(manifest, ensure_ascii=False, indent=1),
                compress_type=zipfile.ZIP_DEFLATED)
    zf.close()
    out.flush()
    os.fsync(out.fileno())  # on disk before it takes the real name
    out.close()
    os.replace(temp, out_path)


async def export_user(db, bucket, *, owner: dict, out_path: Path, progress=None,
                      now: datetime.datetime | None = None) -> ExportReport:
    """Write `owner`'s originals, byte for byte (stored, not deflated: they are compressed
    already), and a `pixvault.json` manifest to the zip `out_path`, replacing any file
    there. It is written to a hidden temporary file in the same folder (mode 600: private
    images) and renamed once complete, so a failure leaves nothing behind. `progress`
    counts images."""
    out_path = Path(out_path)
    if not out_path.parent.is_dir() or out_path.is_dir():
        raise Invalid(f"Cannot write {out_path}: no such folder, or it is a folder.")
    query, order = {"owner_id": owner["_id"]}, [("created", 1), ("_id", 1)]
    # Documents are small: read them up front, so no cursor idles out while files copy.
    images = await db.images.find(query).sort(order).to_list(None)
    albums = await db.albums.find(query).sort(order).to_list(None)
    members = {album["_id"]: [] for album in albums}
    for image in images:
        for album_id in image.get("album_ids", []):
            members.setdefault(album_id, []).append(image["_id"])
    report = ExportReport(albums=len(albums))
    _start(progress, len(images))
    try:
        fd, temp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.",
                                    suffix=".part")
    except OSError as error:
        raise Invalid(f"Cannot write {out_path}: {error.strerror}.") from None
    out = os.fdopen(fd, "w+b")
    zf = zipfile.ZipFile(out, "w", zipfile.ZIP_STORED)
    try:
        entries = []
        for image in images:
            name = _entry_name(image)
            try:
                digest = await _write_original(bucket, zf, image, name)
            except NoFile:  # deleted while the export ran
                report.missing.append(image["_id"])
                name = None
            else:
                report.images += 1
                report.bytes += image["files"]["original"]["bytes"]
                if digest != image["sha256"]:
                    report.damaged.append(image["_id"])
            entries.append({"id": image["_id"], "file": name,
                            "created": image["created"].isoformat(),
                            **{key: image.get(key) for key in IMAGE_FIELDS}})
            _advance(progress, 1)
        manifest = {
            "format": "pixvault-export", "version": 1, "exported": (now or utcnow()).isoformat(),
            "user": {"id": owner["_id"], "username": owner["username"]},
            "images": entries,
            "albums": [{"id": album["_id"], "created": album["created"].isoformat(),
                        **{key: album.get(key) for key in ALBUM_FIELDS},
                        "image_ids": members[album["_id"]]} for album in albums],
        }
        await asyncio.to_thread(_finish, zf, out, temp, out_path, manifest)
    except BaseException as error:
        with contextlib.suppress(Exception):
            zf.close()
        out.close()
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError):  # a full disk, say
            raise Invalid(f"Cannot write {out_path}: {error.strerror}.") from None
        raise
    return report
