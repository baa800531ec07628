"""Sharing in a real browser: copy buttons for links and embed codes, share links shown
in view and copied again later, new API tokens shown once, and an accessibility scan."""

import pytest

from tests.browser.harness import axe_violations, describe_violations, expect
from tests.browser.page_types import PAGE_TYPES
from tests.browser.screenshots import shoot


def test_copying_the_markdown_code(open_page, site, browser):
    page = open_page(site.create_user())
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    image_id = site.upload(page, title="Quay [night]", visibility="unlisted")
    page.goto(f"/i/{image_id}")
    field = page.get_by_label("Markdown")
    expected = (f"[![Quay \\[night\\]]({site.url(f'/i/{image_id}/full.png')})]"
                f"({site.url(f'/i/{image_id}')})")
    expect(field).to_have_value(expected)
    page.locator("[data-copy-target='embed-markdown']").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    shoot(page, "share-embed-panel")


def test_share_link_shown_copied_again_opened_and_revoked(open_page, site):
    owner = site.create_user()
    page = open_page(owner)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    image_id = site.upload(page, title="Only for Sam")  # private
    page.goto(f"/i/{image_id}")
    page.get_by_label("Label").fill("Sam")
    page.get_by_role("button", name="Create link").click()
    field = page.get_by_role("textbox", name="Share link Sam")
    expect(field).to_be_focused()  # the page opens at the new link, keyboard there too
    expect(field).to_be_in_viewport()
    link = field.input_value()
    assert link.startswith(site.url("/s/"))
    shoot(page, "share-link-created")

    page.reload()
    page.get_by_role("button", name="Copy").last.click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    visitor = open_page()
    visitor.goto(link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Only for Sam")

    page.get_by_role("button", name="Revoke “Sam”").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("textbox", name="Share link Sam")).to_have_count(0)
    assert visitor.goto(link).status == 404


def test_new_api_token_shown_once_after_redirect(open_page, site):
    page = open_page(site.create_user())
    page.goto("/account")
    page.locator("form[action='/account/tokens']").get_by_label("Name").fill("backup script")
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_url(site.url("/account#new-token"))
    field = page.get_by_role("textbox", name="New API token")
    expect(field).to_be_focused()
    token = field.input_value()
    assert len(token) == 43
    page.locator("[data-copy-target='new-token']").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    shoot(page, "account-new-token")
    page.reload()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_role("textbox", name="New API token")).to_have_count(0)
    assert token not in page.content()
    expect(page.get_by_role("cell", name="backup script")).to_have_count(1)  # no second token


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_one_h1_and_no_serious_accessibility_violations_in_dark_mode(open_page_type, name):
    # test_pages.py scans the light colours; the system's dark mode has its own palette.
    page = open_page_type(name)
    assert page.locator("h1").count() == 1
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(20, 23, 28)"
    violations = axe_violations(page)
    assert not violations, f"{name} (dark):\n{describe_violations(violations)}"


def test_keyboard_focus_is_visible_inside_clipping_boxes(open_page, world):
    page = open_page(state=world.owner_state)
    page.goto("/gallery")
    link = page.locator(".grid figure a").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    style = link.evaluate(
        "a => [getComputedStyle(a).outlineStyle, getComputedStyle(a).outlineOffset]")
    assert style[0] == "solid" and style[1].startswith("-"), style
