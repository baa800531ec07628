"""Receiving upload bodies as they stream in: multipart forms (browsers, ShareX, curl -F)
and raw `image/*` bodies (scripts). Each file is spooled to a temporary file while its
sha256 is computed, so no upload is held in memory while it arrives, and the per-file
limit is enforced as the bytes arrive.

The temporary files live in a folder of Pixvault's own (`spool_dir`), not the system's: a
server killed mid-upload cannot remove its files, and `manage.py gc` removes them there
(`sweep_spool`) without touching anything else.
"""

import hashlib
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import (
    ParseFailedException,
    UnexpectedPartException,
    parse_content_boundary,
)
from streaming_form_data.targets import BaseTarget, ValueTarget
from streaming_form_data.validators import MaxSizeValidator, ValidationError

from app.errors import Invalid, TooLarge
from app.images.intake.parts import BROKEN_HEADERS, PartGuard
from app.text import size_text

SPOOL_FOLDER = "uploads"
_PREFIX = "pixvault-"
FORM_FIELDS = ("title", "alt", "visibility", "album", "url", "description", "tags")
MAX_FIELD_BYTES = 10_000


@dataclass
class SpooledFile:
    """One uploaded file on disk, with what we learned while it streamed in."""

    path: Path
    filename: str = ""
    size: int = 0
    hasher: "hashlib._Hash" = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        return self.hasher.hexdigest()


def clean_filename(name: str | None) -> str:
    """A client-supplied file name made safe to display: no path, no control characters,
    normalised, at most 200 characters. It is never used to name anything on disk."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip().lstrip(".")[:200]


def spool_dir(data_dir: str | Path) -> Path:
    """The folder uploads are spooled to while they arrive, `<data_dir>/uploads`, created
    readable by this user only: it holds originals nobody has checked yet."""
    path = Path(data_dir) / SPOOL_FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def sweep_spool(directory: Path, *, grace: float) -> int:
    """Delete the spool files in `directory` that nothing wrote to for `grace` seconds,
    which is what a server killed mid-upload leaves (a live upload writes to its file as
    its bytes arrive); returns how many went."""
    cutoff = time.time() - grace
    removed = 0
    for path in directory.glob(_PREFIX + "*"):
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # its upload finished meanwhile and removed it
            continue
    return removed


class Spool:
    """Writes one file's bytes to a private temporary file (mode 0600), hashing them and
    enforcing the size limit as they arrive."""

    def __init__(self, directory: Path | None, max_bytes: int, filename: str | None = None):
        self.max_bytes = max_bytes
        fd, path = tempfile.mkstemp(prefix=_PREFIX, dir=directory)
        self.handle = os.fdopen(fd, "wb")
        self.file = SpooledFile(Path(path), filename=clean_filename(filename))

    def write(self, chunk: bytes) -> None:
        """Append `chunk`; `TooLarge` once the file passes the limit."""
        self.file.size += len(chunk)
        if self.file.size > self.max_bytes:
            raise TooLarge(f"Each image must be at most {size_text(self.max_bytes)}.")
        self.handle.write(chunk)
        self.file.hasher.update(chunk)


class _FilesTarget(BaseTarget):
    """Every part of the repeatable `file` field, each in a spool of its own."""

    def __init__(self, intake: "Intake"):
        super().__init__()
        self.intake = intake

    def on_start(self) -> None:
        self.intake.start_file(self.multipart_filename)

    def on_data_received(self, chunk: bytes) -> None:
        self.intake.write(chunk)

    def on_finish(self) -> None:
        self.intake.end_file()


class _FieldTarget(ValueTarget):
    """One small text field, which may come once: the parser would append a repeat to it."""

    def __init__(self, name: str):
        # Small text fields only: a megabyte "title" is an attack, not a title.
        super().__init__(validator=MaxSizeValidator(MAX_FIELD_BYTES))
        self.name = name
        self.parts = 0

    def on_start(self) -> None:
        self.parts += 1
        if self.parts > 1:
            raise Invalid(f"The form field {self.name!r} came more than once.")


class Intake:
    """Collects the files (and small fields) of one request body as it streams in.

    Call `feed()` for each chunk, `finish()` at the end; `discard()` always, afterwards, to
    remove the temporary files.
    """

    def __init__(
        self, headers, *, max_file_bytes: int, max_files: int, temp_dir: Path | None = None
    ):
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.temp_dir = temp_dir
        self.files: list[SpooledFile] = []
        self._spool: Spool | None = None
        content_type = headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            try:
                # Strict: an unknown field (a typo like "visibilty") is an error, not ignored.
                self._parser = StreamingFormDataParser(headers=headers, strict=True)
            except ParseFailedException as error:
                raise Invalid(f"Malformed multipart body: {error}") from None
            # The email parser reads \x85 and the like as line breaks (ValueError) and trips
            # over a parameter cut short after its `*` (IndexError: "boundary=a; b*").
            except (ValueError, IndexError):
                raise Invalid("The Content-Type header is malformed.") from None
            # Files and fields are capped apart as they start (`start_file`, `_FieldTarget`);
            # the guard caps all parts, nameless ones too, before the parser sees them.
            self._guard = PartGuard(parse_content_boundary(headers), max_files + len(FORM_FIELDS))
            self._parser.register("file", _FilesTarget(self))
            self._fields = {name: _FieldTarget(name) for name in FORM_FIELDS}
            for name, target in self._fields.items():
                self._parser.register(name, target)
        else:
            # A raw body is one file; its name may come from the query string later.
            self._parser = None
            self._fields = {}
            self.start_file("")

    def start_file(self, filename: str | None) -> None:
        if len(self.files) >= self.max_files:
            raise Invalid(f"At most {self.max_files} files per upload.")
        self._spool = Spool(self.temp_dir, self.max_file_bytes, filename)
        self.files.append(self._spool.file)

    def write(self, chunk: bytes) -> None:
        self._open_spool().write(chunk)

    def end_file(self) -> None:
        self._open_spool().handle.close()
        self._spool = None

    def _open_spool(self) -> Spool:
        # streaming-form-data ends a `file` part twice when a delimiter shows up inside
        # broken part headers (a stray CR, say); the body is malformed, not our state.
        if self._spool is None:
            raise Invalid(BROKEN_HEADERS)
        return self._spool

    def feed(self, chunk: bytes) -> None:
        """Consume the next chunk of the body; raises `TooLarge` or `Invalid`."""
        if self._parser is None:
            self.write(chunk)
            return
        self._guard.check(chunk)
        try:
            self._parser.data_received(chunk)
        except UnexpectedPartException as error:
            raise Invalid(f"Unknown form field {error.part_name!r}; the fields are 'file', "
                          f"{', '.join(repr(name) for name in FORM_FIELDS)}.") from None
        except ParseFailedException as error:
            raise Invalid(f"Malformed multipart body: {error}") from None
        except ValidationError:
            raise Invalid("A form field is too long.") from None
        except UnicodeDecodeError:
            raise Invalid("Malformed multipart body: a part header is not UTF-8.") from None

    def finish(self) -> None:
        """The body is complete: close the last file and drop empty ones."""
        if self._spool:
            self.end_file()
        for empty in [f for f in self.files if f.size == 0]:
            empty.path.unlink(missing_ok=True)
            self.files.remove(empty)

    @property
    def fields(self) -> dict[str, str]:
        """The text fields that were sent (decoded as UTF-8)."""
        return {
            name: target.value.decode("utf-8", "replace")
            for name, target in self._fields.items()
            if target.value
        }

    def discard(self) -> None:
        """Remove every temporary file (call in a `finally`)."""
        if self._spool:
            self._spool.handle.close()
            self._spool = None
        for spooled in self.files:
            spooled.path.unlink(missing_ok=True)
