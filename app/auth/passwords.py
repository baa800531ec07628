"""Password rules and bcrypt hashing. Plain sync functions: callers run them in an executor.

bcrypt reads at most 72 bytes and bcrypt >= 5 raises on longer input, so the limit is checked
here, in bytes of UTF-8, before bcrypt ever sees the password.
"""

import functools

import bcrypt

from app.errors import Invalid

MIN_BYTES = 8
MAX_BYTES = 72


def validate_new_password(password: str) -> None:
    """Raise `Invalid` with a clear message unless `password` is 8 to 72 bytes of UTF-8."""
    size = len(password.encode("utf-8"))
    if size < MIN_BYTES:
        raise Invalid(f"Password must be at least {MIN_BYTES} characters.")
    if size > MAX_BYTES:
        raise Invalid(f"Password must be at most {MAX_BYTES} bytes "
                      "(fewer characters if you use accents, symbols or emoji).")


def hash_password(password: str, rounds: int) -> str:
    """bcrypt hash of a password already accepted by `validate_new_password`."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str | None, rounds: int) -> bool:
    """True if `password` matches `hashed`; `None` compares against a dummy hash of `rounds`.

    Every path runs one bcrypt check of the same cost, so a response time does not tell an
    unknown username from a wrong password.
    """
    encoded = password.encode("utf-8")
    target = (hashed or _dummy_hash(rounds)).encode("ascii")
    if hashed is None or len(encoded) > MAX_BYTES:
        bcrypt.checkpw(b"not the password", target)
        return False
    return bcrypt.checkpw(encoded, target)


def rounds_of(hashed: str) -> int:
    """The cost factor recorded in a bcrypt hash, e.g. 12 for '$2b$12$...'."""
    return int(hashed.split("$")[2])


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return hash_password("dummy password for timing", rounds)
