"""The tag rule: one normal form for what looks alike, limits, and hostile input."""

import pytest

from app.errors import Invalid
from app.images import tags


@pytest.mark.parametrize(("raw", "stored"), [
    ("Beach", "beach"),
    ("  New   York ", "new-york"),
    ("new-york", "new-york"),
    ("ＴＯＫＹＯ", "tokyo"),  # full-width letters: NFKC
    ("Straße", "strasse"),  # case-folded, not just lowered
    ("c++", "c++"),
    ("#sunset", "sunset"),
    ("<script>alert(1)</script>", "script-alert-1-script"),
    ("a/b?c#d", "a-b-c-d"),  # nothing of a URL's syntax
    ("zero\u200bwidth", "zero-width"),  # invisible characters separate, never hide
    ("bidi\u202eevil", "bidi-evil"),
    ("tab\tand\nnewline", "tab-and-newline"),
    ("café", "café"),
    ("\u0301\u0301", "\u0301\u0301"),  # marks alone are kept: a letter's part, not syntax
    ("!!!", ""),
])
def test_normal_form(raw, stored):
    assert tags.normalize(raw) == stored


def test_same_looking_tags_are_one():
    assert tags.check(["Beach", "BEACH ", "ｂｅａｃｈ", "", "  "]) == ["beach"]
    assert tags.parse("sea, Sea,,summer 2024") == ["sea", "summer-2024"]


def test_limits_refuse_rather_than_cut():
    assert tags.check(["x" * tags.MAX_TAG]) == ["x" * tags.MAX_TAG]
    with pytest.raises(Invalid, match="at most 40 characters"):
        tags.check(["x" * (tags.MAX_TAG + 1)])
    with pytest.raises(Invalid, match="at most 20 tags"):
        tags.check([f"t{i}" for i in range(tags.MAX_TAGS + 1)])
    with pytest.raises(Invalid):
        tags.parse("a," * 10_000)  # refused before any work


def test_one_tag_must_have_something():
    assert tags.one(" Paris ") == "paris"
    with pytest.raises(Invalid):
        tags.one("<>")


def test_adding_and_removing():
    image = {"_id": "i", "title": "", "tags": ["a"]}
    assert tags.with_tag(image, "b") == ["a", "b"]
    assert tags.with_tag(image, "a") is None
    assert tags.without_tag(image, "a") == []
    assert tags.without_tag({"_id": "old"}, "a") is None  # stored before tags existed
    full = {"_id": "i", "title": "Full", "tags": [f"t{i}" for i in range(tags.MAX_TAGS)]}
    with pytest.raises(Invalid, match="Full"):
        tags.with_tag(full, "one-more")
