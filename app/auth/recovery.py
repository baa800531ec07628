"""Recovery codes: ten single-use codes for a user who lost their other second factors.

They are shown once, when made; the user document keeps only their sha256 digests in
`recovery_codes` (absent or empty means none). Using one removes its digest in the same
conditional update that checks it, so it works exactly once even when raced. Making new
ones replaces the whole list, which voids the old codes.

A code is ten characters from an alphabet without look-alikes (about 49 bits), shown as
`xxxxx-xxxxx`; case, spaces and dashes do not matter when it is typed.
"""

import hashlib
import secrets

from pymongo.asynchronous.database import AsyncDatabase

COUNT = 10
LENGTH = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0 or 1


def normalize(code: str) -> str:
    """A typed code in its canonical form: lower case, without spaces or dashes."""
    return "".join(code.split()).replace("-", "").lower()


def digest(code: str) -> str:
    """The stored form of a code: hex sha256 of its canonical form."""
    return hashlib.sha256(normalize(code).encode("utf-8")).hexdigest()


def new_codes() -> list[str]:
    """`COUNT` fresh codes, formatted for people."""
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


async def replace(db: AsyncDatabase, user_id: str) -> list[str]:
    """Give the user fresh codes, voiding the old ones; returns the new codes (to show
    once)."""
    codes = new_codes()
    await db.users.update_one({"_id": user_id},
                              {"$set": {"recovery_codes": [digest(code) for code in codes]}})
    return codes


async def consume(db: AsyncDatabase, user_id: str, code: str) -> bool:
    """True if `code` is one of the user's unused codes; it is used up by this call."""
    if len(normalize(code)) != LENGTH:
        return False
    hashed = digest(code)
    result = await db.users.update_one({"_id": user_id, "recovery_codes": hashed},
                                       {"$pull": {"recovery_codes": hashed}})
    return result.matched_count == 1


async def remaining(db: AsyncDatabase, user_id: str) -> int:
    """How many unused codes the user has."""
    user = await db.users.find_one({"_id": user_id}, {"recovery_codes": 1})
    return len((user or {}).get("recovery_codes") or [])


async def clear(db: AsyncDatabase, user_id: str) -> None:
    """Remove the user's codes (their last second factor went)."""
    await db.users.update_one({"_id": user_id}, {"$unset": {"recovery_codes": ""}})
