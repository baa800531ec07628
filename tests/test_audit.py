"""The audit log: its entries and its indexes (the TTL follows the `audit_days` option)."""

from app import audit
from app.db import ensure_indexes, missing_indexes


async def test_record(db, clock):
    await audit.record(db, action="2fa.enabled", actor="u1", target="u1",
                       address="192.0.2.7", now=clock.now, details={"factor": "totp"})
    await audit.record(db, action="admin.user_disabled", actor=None, target="u2",
                       address="::1", now=clock.now)
    entries = await db.audit.find({}, {"_id": 0}).sort("action", 1).to_list()
    assert entries == [
        {"at": clock.now, "action": "2fa.enabled", "actor": "u1", "target": "u1",
         "address": "192.0.2.7", "details": {"factor": "totp"}},
        {"at": clock.now, "action": "admin.user_disabled", "actor": None, "target": "u2",
         "address": "::1", "details": {}}]


async def ttl(db) -> int | None:
    for info in (await db.audit.index_information()).values():
        if list(info["key"]) == [("at", 1)]:
            return info.get("expireAfterSeconds")
    return None


async def test_indexes_keep_entries_audit_days(db):
    assert await ttl(db) == 365 * 86400  # the fixture's ensure_indexes, at the default
    assert await missing_indexes(db) == []
    await ensure_indexes(db, audit_days=30)
    assert await ttl(db) == 30 * 86400
    await ensure_indexes(db, audit_days=30)  # idempotent
    assert await ttl(db) == 30 * 86400
    await db.audit.drop_indexes()
    assert await missing_indexes(db) == [
        "audit: [('at', -1), ('_id', -1)]", "audit: [('action', 1), ('at', -1), ('_id', -1)]",
        "audit: [('actor', 1), ('at', -1), ('_id', -1)]",
        "audit: [('target', 1), ('at', -1), ('_id', -1)]", "audit: [('at', 1)]"]
