"""Protected share links in a real browser: the owner makes one with a password and a view
limit, a visitor unlocks it, and the owner sees the view counted and logged."""

from tests.browser.harness import axe_violations, describe_violations, expect
from tests.browser.screenshots import shoot

PASSWORD = "harbour lights"


def test_unlocking_a_password_link(open_page, site):
    page = open_page(site.create_user())
    image_id = site.upload(page, title="Behind a password")
    page.goto(f"/i/{image_id}")
    form = page.locator("form[action$='/shares']")
    form.get_by_label("Label").fill("Sam")
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_label("View limit").fill("5")
    form.get_by_role("button", name="Create link").click()
    field = page.get_by_role("textbox", name="Share link Sam")
    expect(field).to_be_focused()
    link = field.input_value()
    row = page.locator(".share-item", has=field)
    expect(row).to_contain_text("0 of 5 views")
    expect(row).to_contain_text("password")

    visitor = open_page()
    assert visitor.goto(link).status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This link has a password")
    assert visitor.locator("meta[property='og:image']").count() == 0
    violations = axe_violations(visitor)
    assert not violations, describe_violations(violations)
    shoot(visitor, "share-password")
    visitor.get_by_label("Password").fill("not the password")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("alert")).to_contain_text("not the password of this link")
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Behind a password")
    assert visitor.url == link  # back on the link itself, no password in the address
    visitor.wait_for_function(
        "() => { const img = document.querySelector('.image-view img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    shoot(visitor, "share-unlocked")

    page.reload()
    expect(row).to_contain_text("1 of 5 views")
    row.get_by_text("View log (1)").click()
    expect(row.locator(".share-log li")).to_have_count(1)
    row.get_by_text("Change or remove the password").click()
    expect(row.get_by_label("New password for Sam")).to_be_visible()
    shoot(page, "share-protected-row")
