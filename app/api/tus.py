"""The tus 1.0.0 resumable upload protocol's headers (https://tus.io/protocols/resumable-upload):
what the server announces, and parsing what clients send, each bad value an `Invalid`.

Extensions served: creation, termination, expiration and checksum.
"""

import base64
import binascii
import datetime
import email.utils
import hashlib
import hmac

from app.errors import DomainError, Invalid

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"
CHECKSUMS = ("sha1", "sha256", "md5")
OFFSET_TYPE = "application/offset+octet-stream"
# The metadata an upload may carry; other keys (tus clients add their own, e.g. `filetype`
# or Uppy's `relativePath`) are accepted and ignored.
FIELDS = ("filename", "title", "alt", "description", "visibility", "album")
MAX_METADATA = 16 * 1024  # bytes of Upload-Metadata header
_MAX_NUMBER = 10**18
REASONS = {460: "Checksum Mismatch"}  # status lines HTTP itself does not name


class VersionUnsupported(DomainError):
    """The request speaks another version of the protocol (412)."""

    status = 412
    code = "precondition_failed"


class ChecksumMismatch(DomainError):
    """The bytes sent do not match their Upload-Checksum (460, the checksum extension's)."""

    status = 460
    code = "checksum_mismatch"


def check_version(value: str | None) -> None:
    """`VersionUnsupported` unless the request's Tus-Resumable is ours."""
    if value != VERSION:
        raise VersionUnsupported(f"Send 'Tus-Resumable: {VERSION}', the only version served.")


def number(value: str | None, header: str) -> int:
    """A non-negative integer header (Upload-Length, Upload-Offset)."""
    if value is None or not value.isascii() or not value.isdigit() or int(value) > _MAX_NUMBER:
        raise Invalid(f"The {header} header must be a non-negative integer.")
    return int(value)


def metadata(value: str | None) -> dict[str, str]:
    """The fields of an Upload-Metadata header (`key base64value` pairs separated by
    commas), keeping only `FIELDS`."""
    if not value:
        return {}
    if len(value) > MAX_METADATA:
        raise Invalid("The Upload-Metadata header is too long.")
    pairs = {}
    for pair in value.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key or not key.isascii() or key in pairs or " " in encoded.strip():
            raise Invalid("Upload-Metadata must be comma-separated 'key base64value' pairs, "
                          "each key once.")
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Invalid(f"Upload-Metadata: the value of {key!r} is not base64 of "
                          "UTF-8 text.") from None
    return {key: text for key, text in pairs.items() if key in FIELDS}


def encode_metadata(fields: dict[str, str]) -> str:
    """`fields` as an Upload-Metadata header."""
    return ",".join(f"{key} {base64.b64encode(text.encode()).decode()}"
                    for key, text in fields.items())


class Checksum:
    """An Upload-Checksum header (`algorithm base64digest`) and the hash of the bytes it
    covers, fed as they arrive."""

    def __init__(self, value: str):
        algorithm, _, encoded = value.strip().partition(" ")
        if algorithm not in CHECKSUMS:
            raise Invalid(f"Upload-Checksum: the algorithms are {', '.join(CHECKSUMS)}.")
        self.hasher = hashlib.new(algorithm)
        try:
            self.expected = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise Invalid("Upload-Checksum: the digest is not base64.") from None
        if len(self.expected) != self.hasher.digest_size:
            raise Invalid(f"Upload-Checksum: a {algorithm} digest is "
                          f"{self.hasher.digest_size} bytes.")

    def verify(self) -> None:
        """`ChecksumMismatch` unless the bytes fed match the expected digest."""
        if not hmac.compare_digest(self.hasher.digest(), self.expected):
            raise ChecksumMismatch("The bytes sent do not match their Upload-Checksum; "
                                   "they were dropped.")


def expires(moment: datetime.datetime) -> str:
    """`moment` as Upload-Expires writes it (an HTTP date)."""
    return email.utils.format_datetime(moment.astimezone(datetime.UTC), usegmt=True)
