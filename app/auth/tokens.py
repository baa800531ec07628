"""API tokens: long-lived secrets for scripts, ShareX and other clients of the JSON API.

The secret is shown once, at creation; the database keeps only its sha256, which doubles as
the token's public id (it cannot be turned back into the secret, and it names the token in
`DELETE /api/v1/tokens/{id}` and on the account page).

Each token has a `scope`, what it may do (see `app.auth.scopes`), and may expire (`expires`,
None for never; a TTL index removes it once it has, and it is refused from that instant). A
token made with another token (`POST /api/v1/tokens`) never outlives it, and revoking a token
also revokes the tokens made with it (`lineage` lists its ancestors), so a leaked token cannot
leave behind a copy of itself that survives its revocation.
"""

import contextlib
import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from app import audit
from app.auth import users
from app.auth.scopes import SCOPES
from app.errors import Invalid, NotFound, Unauthorized
from app.ids import new_token, token_digest

MAX_NAME = 100
SHAREX_NAME = "ShareX"
EXPIRY_DAYS = (7, 30, 90, 365)  # the choices offered; None is never
# `last_used` is informational: refreshing it once a minute spares a write on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def validate_name(name: str) -> str:
    """The trimmed token name, or `Invalid` unless it has 1 to 100 characters."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise Invalid(f"Give the token a name of 1 to {MAX_NAME} characters.")
    return name


def validate_scope(scope: str) -> str:
    """`scope` if it is one of `SCOPES`, else `Invalid`."""
    if scope not in SCOPES:
        raise Invalid(f"A token's scope is one of: {', '.join(SCOPES)}.")
    return scope


def validate_expiry_days(days: str) -> int | None:
    """The form's expiry choice as a number of days ("" or "never": None), else `Invalid`."""
    if days in ("", "never"):
        return None
    if days.isdigit() and int(days) in EXPIRY_DAYS:
        return int(days)
    raise Invalid(f"A token expires after {', '.join(map(str, EXPIRY_DAYS))} days, or never.")


async def create_token(db: AsyncDatabase, user_id: str, name: str, *,
                       now: datetime.datetime, scope: str = "full",
                       expires_in_days: int | None = None, parent: dict | None = None,
                       purpose: str | None = None, address: str | None) -> tuple[dict, str]:
    """Create a token for `user_id`; returns `(token doc, secret)`. Only the digest is kept.

    It expires after `expires_in_days` (None: never), but never after `parent`, the token
    creating it, if any. `purpose` marks a token the site made for one client (ShareX),
    whatever its name. The audit log records it with the requester's `address` (None: from
    the command line)."""
    expires = now + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    if parent is not None and parent["expires"] is not None:
        expires = min(expires or parent["expires"], parent["expires"])
    secret = new_token()
    doc = {"_id": token_digest(secret), "user_id": user_id, "name": validate_name(name),
           "scope": validate_scope(scope), "created": now, "expires": expires,
           "last_used": None, "purpose": purpose}
    if parent is not None:
        doc["lineage"] = [*parent.get("lineage", ()), parent["_id"]]
    await db.api_tokens.insert_one(doc)
    await audit.record(db, action="token.create", actor=user_id, target=doc["_id"],
                       address=address, now=now,
                       details={"scope": scope, "expires": expires, "purpose": purpose,
                                "parent": parent and parent["_id"]})
    return doc, secret


async def replace_purpose_token(db: AsyncDatabase, user_id: str, purpose: str, name: str, *,
                                scope: str, now: datetime.datetime,
                                address: str) -> tuple[dict, str]:
    """Revoke the user's token made for `purpose` (never one they named alike by hand) and
    create a fresh one of `scope`."""
    async for old in db.api_tokens.find({"user_id": user_id, "purpose": purpose}, {"_id": 1}):
        with contextlib.suppress(NotFound):  # a download at the same time revoked it first
            await revoke_token(db, user_id, old["_id"], now=now, address=address)
    return await create_token(db, user_id, name, now=now, scope=scope, purpose=purpose,
                              address=address)


async def find_token(db: AsyncDatabase, user_id: str, token_id: str) -> dict | None:
    """One of the user's tokens by its id (digest), or None."""
    return await db.api_tokens.find_one({"_id": token_id, "user_id": user_id})


async def list_tokens(db: AsyncDatabase, user_id: str, now: datetime.datetime) -> list[dict]:
    """The user's tokens that have not expired, newest first."""
    live = {"$or": [{"expires": None}, {"expires": {"$gt": now}}]}
    return await (db.api_tokens.find({"user_id": user_id, **live})
                  .sort([("created", DESCENDING), ("_id", DESCENDING)]).to_list())


async def revoke_token(db: AsyncDatabase, user_id: str, token_id: str, *,
                       now: datetime.datetime, address: str) -> None:
    """Delete one of the user's tokens and those made with it, and record it in the audit
    log; `NotFound` for anyone else's or an unknown id."""
    result = await db.api_tokens.delete_one({"_id": token_id, "user_id": user_id})
    if not result.deleted_count:
        raise NotFound()
    made_with = await db.api_tokens.delete_many({"user_id": user_id, "lineage": token_id})
    await audit.record(db, action="token.revoke", actor=user_id, target=token_id,
                       address=address, now=now,
                       details={"descendants": made_with.deleted_count})


async def revoke_all(db: AsyncDatabase, user_id: str) -> None:
    """Delete every token of the user (account deletion)."""
    await db.api_tokens.delete_many({"user_id": user_id})


async def user_for_token(db: AsyncDatabase, token: str, now: datetime.datetime
                         ) -> tuple[dict, dict] | None:
    """`(enabled user, token doc)` for this secret, or None (unknown, expired, or its
    owner disabled); refreshes the token's `last_used`."""
    doc = await db.api_tokens.find_one({"_id": token_digest(token)})
    # The TTL index removes an expired token within a minute or so: until then, refuse it.
    if doc is None or (doc["expires"] is not None and doc["expires"] <= now):
        return None
    user = await db.users.find_one({"_id": doc["user_id"]})
    if not users.is_active(user):
        return None
    if doc["last_used"] is None or now - doc["last_used"] >= LAST_USED_PRECISION:
        await db.api_tokens.update_one({"_id": doc["_id"]}, {"$set": {"last_used": now}})
    return user, doc


async def user_for_authorization(db: AsyncDatabase, header: str,
                                 now: datetime.datetime) -> tuple[dict, dict]:
    """`(user, token doc)` of an `Authorization: Bearer <token>` header; `Unauthorized`
    otherwise.

    A client that sends a token means that token: a bad one is refused even if a session
    cookie came along.
    """
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    found = None
    if scheme.lower() == "bearer" and 0 < len(secret) <= 200:
        found = await user_for_token(db, secret, now)
    if found is None:
        raise Unauthorized("The API token is missing, malformed, expired or revoked.")
    return found
