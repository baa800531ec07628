"""The keys share-link tokens are derived from, so an owner can copy a link again while the
database never holds a usable token.

A link's token is HMAC-SHA256(key, nonce): the share document keeps the random nonce and
the id of the key, and its `_id` is still the token's sha256, which is how an incoming link
is found. Someone who reads the database learns no working link; someone who also holds
the key (kept in the configuration or a 0600 file, never in the database) could rebuild
them, which is the price of re-showable links. Keys rotate: the new key makes new links,
old keys listed in `share_keys_old` still rebuild the links made under them, and a link
whose key is gone keeps working but can no longer be shown.

The same keys sign other URLs the server hands out (signed renditions): `sign` and
`verify` bind each signature to a purpose, so a signature made for one use is worthless for
another and never equals a share token. A URL signed under a key moved to
`share_keys_old` keeps working while that key is listed (the grace period of a rotation)
and stops when it is removed.
"""

import base64
import hashlib
import hmac

_KEY_ID_LABEL = b"pixvault share key id"
SIGNATURE_BYTES = 16  # 128 bits: forging one stays out of reach, URLs stay short


def key_id(key: str) -> str:
    """A short public name of `key` (an HMAC of a fixed label: it reveals nothing of it)."""
    return hmac.new(key.encode("utf-8"), _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


class ShareKeys:
    """The current share key and the older ones still accepted for showing links."""

    def __init__(self, current: str, old: str = ""):
        """`old`: earlier keys, comma-separated (the `share_keys_old` option)."""
        if not current:
            raise ValueError("a share key is required (the share_key option)")
        self.current_id = key_id(current)
        keys = [key.strip() for key in old.split(",") if key.strip()] + [current]
        self._keys = {key_id(key): key.encode("utf-8") for key in keys}

    def token(self, nonce: str, kid: str) -> str | None:
        """The token of a link made under key `kid` with `nonce`; None if the key is gone."""
        key = self._keys.get(kid)
        if key is None:
            return None
        digest = hmac.new(key, nonce.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def sign(self, purpose: bytes, message: bytes) -> str:
        """A signature of `message` for `purpose` under the current key: HMAC-SHA256 under
        a key derived for that purpose, truncated to `SIGNATURE_BYTES`, URL-safe base64."""
        return self._signature(self._keys[self.current_id], purpose, message)

    def verify(self, purpose: bytes, message: bytes, signature: str) -> bool:
        """True if `signature` is `message`'s for `purpose` under any key still listed."""
        return any(hmac.compare_digest(self._signature(key, purpose, message), signature)
                   for key in self._keys.values())

    @staticmethod
    def _signature(key: bytes, purpose: bytes, message: bytes) -> str:
        derived = hmac.new(key, b"pixvault purpose:" + purpose, hashlib.sha256).digest()
        digest = hmac.new(derived, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
