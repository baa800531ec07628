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
    """True if `password` matches `hashed`; `None` (no such user) compares against a dummy
    hash of cost `rounds`.

    Every call does the bcrypt work of one check at cost `rounds`, so the time taken tells
    neither an unknown user from a wrong password nor an account whose hash is older and
    cheaper than the current cost: a check at cost c costs 2**c, and one of a cheaper hash
    is followed by dummy checks at costs c, c+1 ... rounds-1, which add up to 2**rounds.
    (A costlier hash, left from before `bcrypt_rounds` was lowered, cannot be checked
    faster; it is replaced at its owner's next sign-in.)
    """
    encoded = password.encode("utf-8")
    if hashed is None or len(encoded) > MAX_BYTES:
        _check_dummy(hashed or _dummy_hash(rounds))
        matched = False
    else:
        matched = bcrypt.checkpw(encoded, hashed.encode("ascii"))
    for cost in range(rounds_of(hashed) if hashed else rounds, rounds):
        _check_dummy(_dummy_hash(cost))
    return matched


def rounds_of(hashed: str) -> int:
    """The cost factor recorded in a bcrypt hash, e.g. 12 for '$2b$12$...'."""
    return int(hashed.split("$")[2])


def _check_dummy(hashed: str) -> None:
    bcrypt.checkpw(b"not the password", hashed.encode("ascii"))


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return hash_password("dummy password for timing", rounds)
