"""Bulk transfer for the command line: import a folder of images for a user, export a user's
images and albums to a zip (`manage.py import` / `manage.py export`).

Import feeds each file through `ingest()`, exactly as an upload: re-imported bytes return the
existing image, and a bad file is reported and skipped without stopping the run. Export writes
the untouched originals and a `pixvault.json` manifest; the zip appears under its final name
only once complete.
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

MIB = 1024 * 1024
CHUNK = MIB  # per read and zip write: a thread hop per MiB is negligible next to the copy
MANIFEST = "pixvault.json"
EXTENSIONS = {"jpeg": "jpg", "tiff": "tif", "image/heic": "heic", "image/heic-sequence": "heic"}


@dataclass
class ImportReport:
    """What `import_directory` did; `skipped` holds (relative path, reason), sorted."""

    imported: int = 0
    existing: int = 0  # the user already had these exact bytes (or an earlier file did)
    hidden: int = 0  # hidden files and folders (names starting with "."), left alone
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ExportReport:
    """What `export_user` wrote; `missing` and `damaged` list image ids whose original was
    gone, or whose bytes no longer match their sha256 (written anyway, as stored)."""

    images: int = 0
    albums: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def progress_bar(description: str, unit: str = "file") -> tqdm:
    """A bar on stderr for the CLI, silent when stderr is not a terminal. Pass it as
    `progress`: the transfer sets its total and advances it. `unit="B"` counts bytes."""
    return tqdm(desc=description, unit=unit, unit_scale=unit == "B", disable=None,
                unit_divisor=1024 if unit == "B" else 1000, dynamic_ncols=True)


def _start(progress, total: int) -> None:
    # `progress` is tqdm-like (`total`, `refresh()`, `update(n)`) or a plain callable `f(n)`.
    if hasattr(progress, "total"):
        progress.total = total
        progress.refresh()


def _advance(progress, n: int) -> None:
    if progress is not None:
        getattr(progress, "update", progress)(n)


def _scan(directory: Path, report: ImportReport) -> list[tuple[Path, str, int]]:
    """The regular files under `directory` as (path, relative path, size), in path order.
    Folders are walked without following links; a link to a file is read only when it
    stays inside `directory`."""
    base, found = directory.resolve(), []

    def skip(path: Path | str, reason: str) -> None:
        report.skipped.append((Path(path).relative_to(directory).as_posix(), reason))

    def unreadable(error: OSError) -> None:
        skip(error.filename, f"Cannot read it: {error.strerror}")

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        report.hidden += sum(name.startswith(".") for name in dirs + files)
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in dirs + [name for name in files if not name.startswith(".")]:
            path = Path(root, name)
            if path.is_symlink() and not path.resolve().is_relative_to(base):
                skip(path, "A link to outside the folder")
                continue
            if name in dirs:  # a link to a folder inside: its files are found where they are
                continue
            try:
                info = path.stat()
            except OSError as error:
                skip(path, f"Cannot read it: {error.strerror}")
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((path, path.relative_to(directory).as_posix(), info.st_size))
            else:
                skip(path, "Not a regular file")
    return sorted(found, key=lambda item: item[1].split("/"))


def _spool(source: Path, max_bytes: int) -> SpooledFile:
    """Copy `source` to a private temporary file, hashing as it goes: `ingest()` then works
    on a snapshot, so a file edited mid-import cannot differ from its stored sha256."""
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
    except OSError as error:
        spooled.path.unlink(missing_ok=True)
        raise Invalid(f"Cannot read it: {error.strerror}") from None
    except BaseException:
        spooled.path.unlink(missing_ok=True)
        raise
    return spooled


async def import_directory(db, bucket, executor, *, owner: dict, directory: Path,
                           limits: Limits, now_fn, visibility: str | None = None,
                           max_bytes: int = DEFAULTS["max_upload_mb"] * MIB,
                           progress=None) -> ImportReport:
    """Import every file under `directory` (recursively, in path order) for `owner`, one
    at a time, as uploads with the file's name and no title; `visibility` None means the
    owner's default. Hidden files and folders are left alone; unsupported, damaged or too
    large files (over `max_bytes`) are skipped with a reason. `progress` advances by bytes.
    Raises `Invalid` for a bad visibility or a missing folder, before importing anything."""
    if visibility is not None and visibility not in VISIBILITIES:
        raise Invalid("Visibility must be private, unlisted or public.")
    if not directory.is_dir():
        raise Invalid(f"{directory} is not a folder.")
    report = ImportReport()
    files = await asyncio.to_thread(_scan, directory, report)
    _start(progress, sum(size for *_, size in files))
    fields = {"visibility": visibility} if visibility else {}
    for path, relative, size in files:
        try:
            if size > max_bytes:
                raise TooLarge(f"{size_text(size)}, over the {size_text(max_bytes)} limit")
            spooled = await asyncio.to_thread(_spool, path, max_bytes)
            try:
                _, created = await ingest(db, bucket, executor, owner=owner, spooled=spooled,
                                          fields=fields, limits=limits, now=now_fn())
            finally:
                spooled.path.unlink(missing_ok=True)
            if created:
                report.imported += 1
            else:
                report.existing += 1
        except DomainError as error:
            report.skipped.append((relative, error.message.rstrip(".")))
        _advance(progress, size)
    report.skipped.sort(key=lambda item: item[0].split("/"))
    return report


def _entry_name(image: dict) -> str:
    """`images/<id>-<name>.<ext>`: the id keeps names unique, the name keeps them readable,
    the extension follows the real format; characters Windows refuses become "_"."""
    stem = re.sub(r'[<>:"|?*\\]', "_", clean_filename(image.get("filename")).rsplit(".", 1)[0])
    original = image["files"]["original"]
    ext = EXTENSIONS.get(original["type"]) or EXTENSIONS.get(image["format"], image["format"])
    return f"images/{image['_id']}-{stem or image['_id']}.{ext}"


async def _write_original(bucket, zf: zipfile.ZipFile, image: dict, name: str) -> str:
    """Stream one original from GridFS into the zip; returns the sha256 of what was written.
    Every zip call blocks on disk, so each runs in a thread (one at a time: the zip is not
    thread-safe, and the awaits keep them in order)."""
    original = image["files"]["original"]
    stream = await bucket.open_download_stream(original["id"])
    info = zipfile.ZipInfo(name, date_time=image["created"].timetuple()[:6])
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


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def _finish(zf: zipfile.ZipFile, out, temp: str, out_path: Path, manifest: dict) -> None:
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1),
                compress_type=zipfile.ZIP_DEFLATED)
    zf.close()
    out.flush()
    os.fsync(out.fileno())  # durable before it takes the real name
    out.close()
    os.replace(temp, out_path)


async def export_user(db, bucket, *, owner: dict, out_path: Path, progress=None,
                      now: datetime.datetime | None = None) -> ExportReport:
    """Write `owner`'s originals (byte for byte) and a `pixvault.json` manifest to the zip
    `out_path`, replacing any file there. It is written as a hidden temporary file (mode
    600: private images) in the same folder and renamed when complete, so a failure leaves
    nothing behind. Originals are stored, not deflated: they are compressed already.
    `progress` advances by one per image."""
    out_path = Path(out_path)
    if not out_path.parent.is_dir() or out_path.is_dir():
        raise Invalid(f"Cannot write {out_path}: its folder does not exist or it is a folder.")
    query = {"owner_id": owner["_id"]}
    order = [("created", 1), ("_id", 1)]
    # Documents are small: read them up front, so no cursor idles out while files copy.
    images = await db.images.find(query).sort(order).to_list(None)
    albums = await db.albums.find(query).sort(order).to_list(None)
    members: dict[str, list[str]] = {album["_id"]: [] for album in albums}
    for image in images:
        for album_id in image.get("album_ids", []):
            members.setdefault(album_id, []).append(image["_id"])
    report = ExportReport(albums=len(albums))
    _start(progress, len(images))
    fd, temp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".part")
    out = os.fdopen(fd, "w+b")
    zf = zipfile.ZipFile(out, "w", zipfile.ZIP_STORED)
    try:
        entries = []
        for image in images:
            name = _entry_name(image)
            try:
                digest = await _write_original(bucket, zf, image, name)
            except NoFile:  # deleted while we were exporting
                report.missing.append(image["_id"])
                name = None
            else:
                report.images += 1
                report.bytes += image["files"]["original"]["bytes"]
                if digest != image["sha256"]:
                    report.damaged.append(image["_id"])
            entries.append({
                "id": image["_id"], "file": name, "filename": image.get("filename", ""),
                **{key: image.get(key) for key in ("title", "description", "visibility",
                                                    "format", "width", "height", "bytes",
                                                    "sha256")},
                "created": _iso(image["created"]), "album_ids": image.get("album_ids", []),
            })
            _advance(progress, 1)
        manifest = {
            "format": "pixvault-export", "version": 1, "exported": _iso(now or utcnow()),
            "user": {"id": owner["_id"], "username": owner["username"]},
            "images": entries,
            "albums": [{
                "id": album["_id"], "title": album["title"],
                "description": album.get("description", ""),
                "visibility": album["visibility"], "created": _iso(album["created"]),
                "cover": album.get("cover"),
                "image_ids": members[album["_id"]],
            } for album in albums],
        }
        await asyncio.to_thread(_finish, zf, out, temp, out_path, manifest)
    except BaseException:
        with contextlib.suppress(Exception):
            zf.close()
        out.close()
        Path(temp).unlink(missing_ok=True)
        raise
    return report
