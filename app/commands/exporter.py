"""Bulk export (`manage.py export`): a user's untouched originals and a `pixvault.json`
manifest of their images and albums, streamed into a zip written atomically."""

import asyncio
import contextlib
import datetime
import hashlib
import json
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gridfs.errors import NoFile

from app.commands.database import find_user, open_database
from app.commands.progress import CHUNK, advance_progress, progress_bar, start_progress
from app.db import images_bucket, utcnow
from app.errors import Invalid
from app.images import access
from app.images.intake.spool import clean_filename
from app.images.urls import EXTENSIONS
from app.text import plural, size_text

IMAGE_FIELDS = ("filename", "title", "alt", "description", "tags", "visibility", "format",
                "width", "height", "bytes", "sha256", "album_ids")
ALBUM_FIELDS = ("title", "description", "visibility", "cover")


@dataclass
class ExportReport:
    """What `export_user` wrote. `missing`: ids whose original vanished meanwhile (`file` is
    null in the manifest); `damaged`: ids whose bytes no longer match their sha256."""

    images: int = 0
    albums: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


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
    query, order = access.owned(owner["_id"]), [("created", 1), ("_id", 1)]
    # Documents are small: read them up front, so no cursor idles out while files copy.
    images = await db.images.find(query).sort(order).to_list(None)
    albums = await db.albums.find(query).sort(order).to_list(None)
    members = {album["_id"]: [] for album in albums}
    for image in images:
        for album_id in image.get("album_ids", []):
            members.setdefault(album_id, []).append(image["_id"])
    report = ExportReport(albums=len(albums))
    start_progress(progress, len(images))
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
            advance_progress(progress, 1)
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
        Path(temp).unlink(missing_ok=True)  # noqa: ASYNC240 - a command, not a server
        if isinstance(error, OSError):  # a full disk, say
            raise Invalid(f"Cannot write {out_path}: {error.strerror}.") from None
        raise
    return report


def run_export(options, name: str, out: str) -> int:
    """`export`: `name`'s originals, albums and a manifest as one zip."""

    async def dump():
        async with open_database(options) as db:
            with progress_bar("Exporting", unit="image") as bar:
                return await export_user(db, images_bucket(db),
                                         owner=await find_user(db, name), out_path=Path(out),
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
