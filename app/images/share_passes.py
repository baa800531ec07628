"""What a share link's visitors carry between requests: the values of the two cookies that
open a protected link, both scoped to that link's path and signed with the cookie secret
(the web layer sets and reads them; this module only says what they hold).

- The unlock cookie says its holder gave the link's password. Its value is derived from
  the link's id and its password hash, so it opens that link only, and dies when the owner
  changes or removes the password (a new salt, a new hash); revoking kills the link itself.
- The grant cookie lets the visitor whose page view was counted fetch what that page needs
  (its images, an album's image pages) for a short while, even once that view was the
  link's last one.
"""

import datetime
import hashlib

UNLOCK_COOKIE = "share_unlock"
UNLOCK_DAYS = 7  # how long a browser is trusted with a link's password
GRANT_COOKIE = "share_grant"
GRANT_LIFETIME = datetime.timedelta(hours=1)


def unlock_value(share: dict) -> str:
    """The unlock cookie's value for `share` under its current password."""
    material = f"{share['_id']}:{share.get('password_hash') or ''}".encode()
    return hashlib.sha256(material).hexdigest()


def is_unlocked(share: dict, value: str | None) -> bool:
    """True if `value` (a verified cookie value, or None) unlocks `share` as it is now."""
    return value is not None and value == unlock_value(share)


def grant_value(share: dict, now: datetime.datetime) -> str:
    """The grant cookie's value for a view of `share` counted at `now`."""
    until = int((now + GRANT_LIFETIME).timestamp())
    return f"{share['_id']}:{until}"


def is_granted(share: dict, value: str | None, now: datetime.datetime) -> bool:
    """True if `value` (a verified cookie value, or None) is a grant of `share` still valid
    at `now`."""
    share_id, _, until = (value or "").partition(":")
    return (share_id == share["_id"] and until.isdigit()
            and int(until) > now.timestamp())
