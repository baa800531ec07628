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
