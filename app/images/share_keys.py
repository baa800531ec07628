"""The keys share-link tokens are derived from, so an owner can copy a link again while the
database never holds a usable token.

A link's token is HMAC-SHA256(key, nonce): the share document keeps the random nonce and
the id of the key, and its `_id` is still the token's sha256, which is how an incoming link
is found. Someone who reads the database learns no working link; someone who also holds
the key (kept in the configuration or a 0600 file, never in the database) could rebuild
them, which is the price of re-showable links. Keys rotate: the new key makes new links,
old keys listed in `share_keys_old` still rebuild the links made under them, and a link
whose key is gone keeps working but can no longer be shown.
"""

import base64
import hashlib
import hmac

_KEY_ID_LABEL = b"pixvault share key id"


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
