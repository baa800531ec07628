"""A software WebAuthn authenticator for handler tests: it answers the server's options
as a browser with a platform authenticator would (ES256 keys, "none" attestation), so the
tests run the real py_webauthn checks against real signatures."""

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: present, verified, key included


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    """One passkey the authenticator holds."""

    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    count: int = 0


class SoftAuthenticator:
    """Holds passkeys and signs like a browser at `origin`. `count_step` 0 makes it an
    authenticator that always reports a sign count of 0 (as synced passkeys do)."""

    def __init__(self, origin: str, count_step: int = 1):
        self.origin = origin
        self.count_step = count_step
        self.credentials: list[Credential] = []

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict) -> str:
        """The JSON a browser posts after `navigator.credentials.create` with `options`."""
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})
        credential = Credential(secrets.token_bytes(16), key, options["rp"]["id"],
                                unb64url(options["user"]["id"]))
        self.credentials.append(credential)
        auth_data = (hashlib.sha256(credential.rp_id.encode()).digest()
                     + bytes([UP | UV | AT]) + struct.pack(">I", 0) + bytes(16)
                     + struct.pack(">H", len(credential.id)) + credential.id + cose)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({
            "id": b64url(credential.id), "rawId": b64url(credential.id), "type": "public-key",
            "response": {"clientDataJSON": b64url(self._client_data("webauthn.create",
                                                                    options["challenge"])),
                         "attestationObject": b64url(attestation), "transports": ["internal"]},
            "clientExtensionResults": {}})

    def get(self, options: dict, credential: Credential | None = None, *,
            user_handle: bytes | None = None, challenge: str | None = None) -> str:
        """The JSON a browser posts after `navigator.credentials.get`: signed by
        `credential` (default: the last made), for `challenge` (default: the options')."""
        credential = credential or self.credentials[-1]
        credential.count += self.count_step
        auth_data = (hashlib.sha256(credential.rp_id.encode()).digest() + bytes([UP | UV])
                     + struct.pack(">I", credential.count))
        client_data = self._client_data("webauthn.get", challenge or options["challenge"])
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                        ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64url(credential.id), "rawId": b64url(credential.id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(auth_data), "signature": b64url(signature),
                         "userHandle": b64url(user_handle or credential.user_handle)},
            "clientExtensionResults": {}})
