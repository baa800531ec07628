"""Random identifiers and secret tokens.

Ids in URLs are 128 random bits (never ObjectIds or counters) so they cannot be guessed or
walked. Secret tokens (sessions, API tokens, share links) are 256 bits and only their sha256
is stored.
"""

import hashlib
import re
import secrets

ID_PATTERN = r"[A-Za-z0-9_-]{22}"
_ID_RE = re.compile(ID_PATTERN)


def new_id() -> str:
    """A URL-safe id of 128 random bits (22 characters)."""
    return secrets.token_urlsafe(16)


def is_id(value: str) -> bool:
    """True if `value` has the shape of an id from `new_id` (cheap rejection of junk)."""
    return bool(_ID_RE.fullmatch(value))


def new_token() -> str:
    """A secret of 256 random bits (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The stored form of a secret token: hex sha256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
