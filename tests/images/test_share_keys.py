from app.ids import token_digest
from app.images.share_keys import ShareKeys, key_id


def test_tokens_are_url_safe_and_differ_per_key():
    keys = ShareKeys("one")
    token = keys.token("nonce", keys.current_id)
    assert len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()
    assert token == ShareKeys("one").token("nonce", key_id("one"))
    assert token != ShareKeys("two").token("nonce", key_id("two"))


def test_old_keys_still_rebuild_their_tokens():
    old = ShareKeys("first")
    token = old.token("n", old.current_id)
    rotated = ShareKeys("second", old=" first , ")
    assert rotated.current_id == key_id("second") != old.current_id
    assert rotated.token("n", old.current_id) == token
    assert ShareKeys("second").token("n", old.current_id) is None


def test_key_id_names_the_key_without_revealing_it():
    assert key_id("secret") != key_id("secret2")
    assert "secret" not in key_id("secret") and token_digest("secret")[:16] != key_id("secret")
