"""Sharing in a real browser: copy buttons for links and embed codes, share links shown
in view and copied again later, new API tokens shown once, and an accessibility scan."""

from tests.browser.harness import expect
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
    expect(page.get_by_role("textbox", name="Share link Sam")).to_have_count(0)
    assert visitor.goto(link).status == 404


def test_new_api_token_shown_once_after_redirect(open_page, site):
    page = open_page(site.create_user())
    page.goto("/account")
    page.get_by_label("Name").fill("backup script")
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
