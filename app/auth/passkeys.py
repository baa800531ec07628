"""WebAuthn passkeys (`passkeys` collection): registering them, listing, removing, and
checking an assertion for a passwordless sign-in or as a second factor.

py_webauthn does the cryptography and the checks of the specification; this module keeps
the documents `{_id: credential id (base64url), user_id, public_key, sign_count,
transports, name, created, last_used}` and the rules: discoverable credentials with user
verification required, the relying party being this site's host name, and a sign count
that must grow unless the authenticator always reports 0 (a copied authenticator sends one
it has used before: refused, while synced passkeys that report 0 keep working).
"""

import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import webauthn
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.auth.users import is_active
from app.errors import Conflict, Invalid

NAME_MAX = 60
DEFAULT_NAME = "Passkey"
TIMEOUT_MS = 120_000  # what the browser allows for touching the authenticator
# What a malformed credential makes py_webauthn (or its base64 and CBOR decoding) raise.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError)


class RelyingParty(NamedTuple):
    """Who the passkeys are for: `id` is the host name, `origin` what browsers report."""

    id: str
    origin: str
    name: str = "Pixvault"


class PasskeyRefused(Invalid):
    """An assertion that does not prove a registered passkey; `reason` is for the audit log,
    never for the requester, who only learns that it was refused."""

    def __init__(self, reason: str, passkey_id: str | None = None, user_id: str | None = None):
        super().__init__("That passkey was not accepted. Try again, or use your password.")
        self.reason, self.passkey_id, self.user_id = reason, passkey_id, user_id


def relying_party(public_url: str | None, protocol: str, host: str) -> RelyingParty:
    """The relying party: the host of `public_url` when set, else of the request (`protocol`
    and `Host` header); WebAuthn refuses IP addresses, so a site reached by one has none."""
    parts = urlsplit(public_url) if public_url else urlsplit(f"{protocol}://{host}")
    # Browsers report origins in lower case, whatever case the address was typed in.
    return RelyingParty(parts.hostname or "", f"{parts.scheme}://{parts.netloc.lower()}")


def check_name(name: str) -> str:
    """The passkey's name as shown on the account page, `Invalid` if too long."""
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise Invalid(f"A passkey's name is at most {NAME_MAX} characters.")
    return name or DEFAULT_NAME


async def list_passkeys(db: AsyncDatabase, user_id: str) -> list[dict]:
    """The user's passkeys, oldest first."""
    return await db.passkeys.find({"user_id": user_id}).sort("created", 1).to_list(None)


async def remove_passkey(db: AsyncDatabase, user_id: str, passkey_id: str) -> dict | None:
    """Remove one of the user's passkeys; the removed document, or None if it had none such."""
    return await db.passkeys.find_one_and_delete({"_id": passkey_id, "user_id": user_id})


def _descriptors(passkeys: list[dict]) -> list[PublicKeyCredentialDescriptor]:
    # With its transports the browser knows where to look (this device, a phone, a key).
    return [PublicKeyCredentialDescriptor(
                id=webauthn.base64url_to_bytes(doc["_id"]),
                transports=[AuthenticatorTransport(t) for t in doc.get("transports") or ()])
            for doc in passkeys]


def registration_options(rp: RelyingParty, user: dict, existing: list[dict],
                         challenge: bytes) -> str:
    """Options for `navigator.credentials.create`, as JSON: a discoverable credential with
    user verification, none of the user's authenticators registered twice."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_id=user["_id"].encode(), user_name=user["username"],
        challenge=challenge, timeout=TIMEOUT_MS, exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED))
    return webauthn.options_to_json(options)


async def register(db: AsyncDatabase, user: dict, credential: str, *, challenge: bytes,
                   rp: RelyingParty, name: str, now: datetime.datetime) -> dict:
    """Verify the browser's answer to `registration_options` and store the new passkey;
    `Invalid` if it does not verify, `Conflict` if it is registered already."""
    try:
        parsed = parse_registration_credential_json(credential)
        verified = webauthn.verify_registration_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=True)
    except MALFORMED:
        raise Invalid("The passkey could not be registered. Try again.") from None
    doc = {"_id": bytes_to_base64url(verified.credential_id), "user_id": user["_id"],
           "public_key": verified.credential_public_key, "sign_count": verified.sign_count,
           "transports": [str(t.value) for t in parsed.response.transports or ()],
           "name": check_name(name), "created": now, "last_used": None}
    try:
        await db.passkeys.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("That passkey is registered already.") from None
    return doc


def authentication_options(rp: RelyingParty, challenge: bytes,
                           allow: list[dict] | None = None) -> str:
    """Options for `navigator.credentials.get`, as JSON. Without `allow` any discoverable
    passkey of this site may answer (passwordless sign-in); with it, only those."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, challenge=challenge, timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(allow or []),
        user_verification=UserVerificationRequirement.REQUIRED)
    return webauthn.options_to_json(options)


async def authenticate(db: AsyncDatabase, credential: str, *, challenge: bytes,
                       rp: RelyingParty, now: datetime.datetime,
                       user_id: str | None = None) -> dict:
    """The active user whose passkey signed `challenge` (only `user_id`'s passkeys count
    when given); `PasskeyRefused` otherwise. Its sign count and last use are recorded."""
    try:
        parsed = parse_authentication_credential_json(credential)
    except MALFORMED:
        raise PasskeyRefused("malformed assertion", user_id=user_id) from None
    passkey_id = bytes_to_base64url(parsed.raw_id)
    if parsed.id != passkey_id:
        raise PasskeyRefused("id and rawId differ", user_id=user_id)
    passkey = await db.passkeys.find_one({"_id": passkey_id})
    if passkey is None or (user_id is not None and passkey["user_id"] != user_id):
        raise PasskeyRefused("unknown passkey", passkey_id, user_id)
    handle = parsed.response.user_handle
    if handle is not None and handle != passkey["user_id"].encode():
        raise PasskeyRefused("user handle of another user", passkey_id, passkey["user_id"])
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=passkey["public_key"],
            credential_current_sign_count=passkey["sign_count"],
            require_user_verification=True)
    except MALFORMED as error:
        raise PasskeyRefused(str(error)[:200], passkey_id, passkey["user_id"]) from None
    # Conditional on the count just checked, so two uses racing cannot both pass it.
    updated = await db.passkeys.update_one(
        {"_id": passkey_id, "sign_count": passkey["sign_count"]},
        {"$set": {"sign_count": verified.new_sign_count, "last_used": now}})
    user = await db.users.find_one({"_id": passkey["user_id"]})
    if not updated.matched_count or not is_active(user):
        raise PasskeyRefused("sign count raced or account inactive", passkey_id,
                             passkey["user_id"])
    return user
