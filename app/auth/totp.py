"""Authenticator apps (TOTP, RFC 6238, with `pyotp`): the user document's `totp` field,
`{"secret": base32, "since": datetime, "last_step": int}`; absent means none.

A code is accepted for the current 30-second step or the one either side of it (one step
of clock drift between the phone and the server), and only for a step later than the last
one accepted: a code seen over someone's shoulder, or replayed, is worthless. Taking the
step is one conditional update, so two requests racing with the same code cannot both
win.
"""

import datetime
import hmac
import re

import pyotp
import segno
from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Conflict, Invalid

ISSUER = "Pixvault"
DRIFT_STEPS = 1
SECRET_RE = re.compile(r"[A-Z2-7]{32}")  # what pyotp.random_base32() makes: 160 bits
CODE_RE = re.compile(r"\d{6}")


def new_secret() -> str:
    """A fresh random secret (base32, 160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: plain markup, no style attributes or script (the
    page's CSP allows neither inline)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, light="#fff", omitsize=True,
                                                 title="QR code for your authenticator app")


def is_code(code: str) -> bool:
    """True if `code` (as `normalize` leaves it) has the shape of a TOTP code."""
    return bool(CODE_RE.fullmatch(code))


def matching_step(secret: str, code: str, now: datetime.datetime) -> int | None:
    """The time step within the drift allowed for which `code` is right, else None."""
    if not is_code(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def verify(db: AsyncDatabase, user: dict, code: str, now: datetime.datetime) -> bool:
    """True if `code` is right for the user's TOTP now and its step was never used; the step
    is then recorded, so the same code (or an older one) fails from now on."""
    totp = user.get("totp")
    step = matching_step(totp["secret"], code, now) if totp else None
    if step is None:
        return False
    result = await db.users.update_one(
        {"_id": user["_id"], "totp.secret": totp["secret"], "totp.last_step": {"$lt": step}},
        {"$set": {"totp.last_step": step}})
    return result.matched_count == 1


async def enable(db: AsyncDatabase, user_id: str, secret: str, code: str,
                 now: datetime.datetime, recovery_digests: list[str]) -> None:
    """Turn TOTP on with `secret` once `code` proves the app has it, with fresh recovery
    codes (their digests); `Invalid` for a wrong code, `Conflict` if already on."""
    if not SECRET_RE.fullmatch(secret):
        raise Invalid("The setup form is damaged: start the setup again.")
    step = matching_step(secret, code, now)
    if step is None:
        raise Invalid("That code is not right. Check the time on your phone and enter the "
                      "code the app shows now.")
    result = await db.users.update_one(
        {"_id": user_id, "totp": {"$exists": False}},
        {"$set": {"totp": {"secret": secret, "since": now, "last_step": step},
                  "recovery_codes": recovery_digests}})
    if result.matched_count != 1:
        raise Conflict("An authenticator app is already set up for this account.")


async def disable(db: AsyncDatabase, user_id: str) -> bool:
    """Turn TOTP off; True if it was on."""
    result = await db.users.update_one({"_id": user_id, "totp": {"$exists": True}},
                                       {"$unset": {"totp": ""}})
    return result.matched_count == 1
