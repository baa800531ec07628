"""Database access: the client, the clock its documents use, the GridFS bucket, and the
indexes every query relies on. The embedded server lives in `app.embedded`."""

import datetime

import pymongo
from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    ConnectionFailure,
    ExecutionTimeout,
    ServerSelectionTimeoutError,
    WTimeoutError,
)

# What an unreachable, frozen or failing-over database raises: answered 503, never 500.
DB_UNAVAILABLE = (ConnectionFailure, ServerSelectionTimeoutError, ExecutionTimeout,
                  WTimeoutError)

# Seconds for one write over every image or album of an account (hiding it, marking it
# deleted): the per-operation bound of the server's client is meant for pages and would cut
# it short on a large account.
ACCOUNT_WRITE_TIMEOUT = 120

# GridFS buckets: every image's bytes, the renditions cache, resumable uploads' parts.
IMAGES_BUCKET, RENDITIONS_BUCKET, PARTS_BUCKET = "images", "renditions", "upload_parts"

# Keyset-paginated listings (`app.images.pagination`): equality fields, then the order's field
# and `_id`, so a server reads one page of entries; the planner picks them (no hint).
OWNER_NEWEST = [("owner_id", ASCENDING), ("created", DESCENDING), ("_id", DESCENDING)]
# The feed's: equality on both hiding states (`access.LISTED`), so images of a disabled or
# deleted account, however many, are never even read by it.
VISIBILITY_NEWEST = [("visibility", ASCENDING), ("deleted_at", ASCENDING),
                     ("owner_hidden", ASCENDING), ("created", DESCENDING), ("_id", DESCENDING)]
ALBUM_NEWEST = [("album_ids", ASCENDING), ("created", DESCENDING), ("_id", DESCENDING)]
# The trash page (`app.images.trash`): an owner's deleted items, newest deleted first; and
# `gc`'s sweep of what is marked deleted, which skips every live document through it.
TRASH_NEWEST = [("owner_id", ASCENDING), ("deleted_at", DESCENDING), ("_id", DESCENDING)]
DELETED = [("deleted_at", ASCENDING)]
# The gallery's other orders, and its search: `terms` is multikey and a search is equality
# on it, so the index keeps each term's images in date order (see app.images.terms).
OWNER_TITLE = [("owner_id", ASCENDING), ("title", ASCENDING), ("_id", ASCENDING)]
OWNER_LARGEST = [("owner_id", ASCENDING), ("bytes", DESCENDING), ("_id", DESCENDING)]
OWNER_TERMS = [("owner_id", ASCENDING), ("terms", ASCENDING), ("created", DESCENDING),
               ("_id", DESCENDING)]
# `/t/<tag>`: a tag's public images of everyone, equality on the feed's hiding states too.
TAG_LISTED = [("tags", ASCENDING), ("visibility", ASCENDING), ("deleted_at", ASCENDING),
              ("owner_hidden", ASCENDING), ("created", DESCENDING), ("_id", DESCENDING)]
# The rendition cache's eviction, per image and in all (app.images.rendition_cache).
RENDITION_LEAST_USED = [("used", ASCENDING)]
IMAGE_RENDITION_LEAST_USED = [("image_id", ASCENDING), ("used", ASCENDING)]
# The owner's inbox (`app.images.inbox`): guests' uploads waiting, newest first.
INBOX_NEWEST = [("owner_id", ASCENDING), ("inbox", ASCENDING), ("created", DESCENDING),
                ("_id", DESCENDING)]
# The admin pages: users in each order they offer, the site's uploads by day, and the audit
# log newest first, whole or by kind of event, by who acted or by what was acted on.
USERS_BY_NAME = [("username_key", ASCENDING), ("_id", ASCENDING)]
USERS_BY_STORAGE = [("used_bytes", DESCENDING), ("_id", DESCENDING)]
USERS_BY_SIGN_IN = [("last_sign_in", DESCENDING), ("_id", DESCENDING)]
IMAGES_BY_DATE = [("created", DESCENDING)]
AUDIT_NEWEST = [("at", DESCENDING), ("_id", DESCENDING)]
AUDIT_BY_ACTION = [("action", ASCENDING), *AUDIT_NEWEST]
AUDIT_BY_ACTOR = [("actor", ASCENDING), *AUDIT_NEWEST]
AUDIT_BY_TARGET = [("target", ASCENDING), *AUDIT_NEWEST]

# (collection, keys, options). Every query of the app is designed to be answered by one of
# these on a real MongoDB; `manage.py check` verifies they exist.
INDEXES: tuple[tuple[str, list[tuple[str, int]], dict], ...] = (
    ("users", [("username_key", ASCENDING)], {"unique": True}),
    ("sessions", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("sessions", [("user_id", ASCENDING)], {}),
    ("login_failures", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("upload_slots", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("api_tokens", [("user_id", ASCENDING)], {}),
    ("api_tokens", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("passkeys", [("user_id", ASCENDING)], {}),
    ("webauthn_challenges", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("users", [("role", ASCENDING)], {}),
    ("account_links", [("expires", ASCENDING)], {"expireAfterSeconds": 0}),
    ("account_links", [("kind", ASCENDING), ("created", DESCENDING)], {}),
    ("account_links", [("user_id", ASCENDING)], {"sparse": True}),
    ("images", OWNER_NEWEST, {}),
    ("images", VISIBILITY_NEWEST, {}),
    ("images", ALBUM_NEWEST, {}),
    ("images", OWNER_TITLE, {}),
    ("images", OWNER_LARGEST, {}),
    ("images", OWNER_TERMS, {}),
    ("images", TAG_LISTED, {}),
    ("images", TRASH_NEWEST, {}),
    ("images", DELETED, {}),
    ("images", INBOX_NEWEST, {}),
    ("albums", OWNER_NEWEST, {}),
    ("albums", TRASH_NEWEST, {}),
    ("albums", DELETED, {}),
    ("shares", OWNER_NEWEST, {}),
    ("shares", [("target_id", ASCENDING)], {}),
    ("drops", OWNER_NEWEST, {}),
    ("images.files", [("metadata.image_id", ASCENDING)], {}),
    ("renditions", IMAGE_RENDITION_LEAST_USED, {}),
    ("renditions", RENDITION_LEAST_USED, {}),
    ("renditions", [("file_id", ASCENDING)], {}),
    ("users", USERS_BY_NAME, {}),
    ("users", USERS_BY_STORAGE, {}),
    ("users", USERS_BY_SIGN_IN, {}),
    ("images", IMAGES_BY_DATE, {}),
    ("audit", AUDIT_NEWEST, {}),
    ("audit", AUDIT_BY_ACTION, {}),
    ("audit", AUDIT_BY_ACTOR, {}),
    ("audit", AUDIT_BY_TARGET, {}),
    # Resumable uploads (`app.images.resumable`): a user's unfinished ones, the sweep's
    # expired ones, and each upload's parts.
    ("uploads", [("owner_id", ASCENDING), ("expires_at", ASCENDING)], {}),
    ("uploads", [("expires_at", ASCENDING)], {}),
    ("upload_parts.files", [("metadata.upload_id", ASCENDING)], {}),
    # The GridFS spec's indexes of every bucket: `app.images.gridfs_writer` writes files
    # counting on them.
    *((f"{bucket}.{collection}", keys, options)
      for bucket in (IMAGES_BUCKET, RENDITIONS_BUCKET, PARTS_BUCKET)
      for collection, keys, options in (
          ("files", [("filename", ASCENDING), ("uploadDate", ASCENDING)], {}),
          ("chunks", [("files_id", ASCENDING), ("n", ASCENDING)], {"unique": True}))),
)
# The audit log's TTL index: its lifetime is an option (`audit_days`), set by ensure_indexes.
AUDIT_AT = [("at", ASCENDING)]
DEFAULT_AUDIT_DAYS = 365


def connect(uri: str, timeout_ms: int = 2000, *, bound_operations: bool = True
            ) -> AsyncMongoClient:
    """An async client that gives up on the database after `timeout_ms`, and whose every
    acknowledged write is durable.

    With `bound_operations` (the server), `timeoutMS` bounds each operation as a whole
    (server selection, connecting, waiting for the answer), so an unreachable or frozen
    database becomes a prompt 503 instead of a request that hangs. Commands doing long
    maintenance work bound only finding and connecting to the server.
    Writes wait for the journal of a majority of the replica set (`w="majority", j=True`):
    an acknowledged upload, revocation, visibility change or deletion survives a crash of
    the database and a failover, which cannot roll it back.
    """
    bounds = ({"timeoutMS": timeout_ms} if bound_operations else
              {"serverSelectionTimeoutMS": timeout_ms, "connectTimeoutMS": timeout_ms})
    return AsyncMongoClient(uri, **bounds, w="majority", journal=True, tz_aware=True,
                            appname="pixvault")


async def ensure_indexes(db: AsyncDatabase, *, audit_days: int = DEFAULT_AUDIT_DAYS) -> None:
    """Create every index in `INDEXES`, and the audit log's TTL index keeping entries
    `audit_days` (idempotent; a changed `audit_days` changes the existing index). Building an
    index on a large collection takes as long as it takes: no per-operation timeout here (0
    lifts it)."""
    ttl = audit_days * 24 * 3600
    with pymongo.timeout(0):
        for collection, keys, options in INDEXES:
            await db[collection].create_index(keys, **options)
        existing = [info for info in (await db.audit.index_information()).values()
                    if list(info["key"]) == AUDIT_AT]
        if not existing:
            await db.audit.create_index(AUDIT_AT, expireAfterSeconds=ttl)
        elif existing[0].get("expireAfterSeconds") != ttl:
            await db.command("collMod", "audit",
                             index={"keyPattern": dict(AUDIT_AT), "expireAfterSeconds": ttl})


async def missing_indexes(db: AsyncDatabase) -> list[str]:
    """Names of the `INDEXES` entries absent from `db`, as 'collection: key spec'."""
    missing = []
    for collection, keys, _ in [*INDEXES, ("audit", AUDIT_AT, {})]:
        present = [info["key"] for info in (await db[collection].index_information()).values()]
        if not any(list(key) == keys for key in present):
            missing.append(f"{collection}: {keys}")
    return missing


def utcnow() -> datetime.datetime:
    """The application clock: aware UTC, truncated to milliseconds as BSON stores it."""
    now = datetime.datetime.now(datetime.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def images_bucket(db: AsyncDatabase) -> AsyncGridFSBucket:
    """The GridFS bucket holding every image's bytes (`images.files`, `images.chunks`)."""
    return AsyncGridFSBucket(db, bucket_name=IMAGES_BUCKET)
