"""API tokens: long-lived secrets for scripts, ShareX and other clients of the JSON API.

The secret is shown once, at creation; the database keeps only its sha256, which doubles as
the token's public id (it cannot be turned back into the secret, and it names the token in
`DELETE /api/v1/tokens/{id}` and on the account page).
"""

import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from app.auth import users
from app.errors import Invalid, NotFound, Unauthorized
from app.ids import new_token, token_digest

MAX_NAME = 100
SHAREX_NAME = "ShareX"
# `last_used` is informational: refreshing it once a minute spares a write on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def validate_name(name: str) -> str:
    """The trimmed token name, or `Invalid` unless it has 1 to 100 characters."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise Invalid(f"Give the token a name of 1 to {MAX_NAME} characters.")
    return name


async def create_token(db: AsyncDatabase, user_id: str, name: str, *,
                       now: datetime.datetime, purpose: str | None = None) -> tuple[dict, str]:
    """Create a token for `user_id`; returns `(token doc, secret)`. Only the digest is kept.
    `purpose` marks a token the site made for one client (ShareX), whatever its name."""
    secret = new_token()
    doc = {"_id": token_digest(secret), "user_id": user_id, "name": validate_name(name),
           "created": now, "last_used": None, "purpose": purpose}
    await db.api_tokens.insert_one(doc)
    return doc, secret


async def replace_purpose_token(db: AsyncDatabase, user_id: str, purpose: str, name: str, *,
                                now: datetime.datetime) -> tuple[dict, str]:
    """Revoke the user's token made for `purpose` (never one they named alike by hand) and
    create a fresh one."""
    await db.api_tokens.delete_many({"user_id": user_id, "purpose": purpose})
    return await create_token(db, user_id, name, now=now, purpose=purpose)


async def find_token(db: AsyncDatabase, user_id: str, token_id: str) -> dict | None:
    """One of the user's tokens by its id (digest), or None."""
    return await db.api_tokens.find_one({"_id": token_id, "user_id": user_id})


async def list_tokens(db: AsyncDatabase, user_id: str) -> list[dict]:
    """The user's tokens, newest first."""
    return await (db.api_tokens.find({"user_id": user_id})
                  .sort([("created", DESCENDING), ("_id", DESCENDING)]).to_list())


async def revoke_token(db: AsyncDatabase, user_id: str, token_id: str) -> None:
    """Delete one of the user's tokens; `NotFound` for anyone else's or an unknown id."""
    result = await db.api_tokens.delete_one({"_id": token_id, "user_id": user_id})
    if not result.deleted_count:
        raise NotFound()


async def revoke_all(db: AsyncDatabase, user_id: str) -> None:
    """Delete every token of the user (account deletion)."""
    await db.api_tokens.delete_many({"user_id": user_id})


async def user_for_token(db: AsyncDatabase, token: str, now: datetime.datetime) -> dict | None:
    """The enabled user owning this secret, or None; refreshes the token's `last_used`."""
    doc = await db.api_tokens.find_one({"_id": token_digest(token)})
    if doc is None:
        return None
    user = await db.users.find_one({"_id": doc["user_id"]})
    if not users.is_active(user):
        return None
    if doc["last_used"] is None or now - doc["last_used"] >= LAST_USED_PRECISION:
        await db.api_tokens.update_one({"_id": doc["_id"]}, {"$set": {"last_used": now}})
    return user


async def user_for_authorization(db: AsyncDatabase, header: str,
                                 now: datetime.datetime) -> dict:
    """The user of an `Authorization: Bearer <token>` header; `Unauthorized` otherwise.

    A client that sends a token means that token: a bad one is refused even if a session
    cookie came along.
    """
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    user = None
    if scheme.lower() == "bearer" and 0 < len(secret) <= 200:
        user = await user_for_token(db, secret, now)
    if user is None:
        raise Unauthorized("The API token is missing, malformed or revoked.")
    return user
