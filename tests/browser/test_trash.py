"""The trash in a browser: delete from the image page (nothing asked), Undo from the
message, then the trash page at phone and desktop sizes, where Delete forever asks in a
dialog."""

from tests.browser.harness import expect
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import png_bytes


def test_delete_from_the_image_page_then_undo_then_the_trash(open_page, site):
    page = open_page(site.create_user())
    image_id = site.upload(page, png_bytes((60, 40), (200, 120, 30)), title="Sunset")
    site.upload(page, png_bytes((60, 40), (30, 120, 200)), title="A rather long title that "
                "has to wrap on a phone without pushing the buttons off the screen")
    page.goto(f"/i/{image_id}")
    page.get_by_role("button", name="Move to trash").click()
    expect(page).to_have_url(site.url("/gallery"))
    expect(page.locator(".flash p")).to_have_text("Moved to the trash.")
    expect(page.get_by_role("dialog")).to_have_count(0)
    shoot(page, "gallery-moved-to-trash")
    page.locator(".flash").get_by_role("button", name="Undo").click()
    expect(page).to_have_url(site.url(f"/i/{image_id}"))
    expect(page.locator(".flash p")).to_have_text("Restored.")

    page.get_by_role("button", name="Move to trash").click()
    page.goto("/gallery")
    page.locator(".thumbs input.pick").first.check()
    page.get_by_role("button", name="Move to trash").click()
    page.get_by_role("link", name="Trash").click()
    items = page.locator(".trash-list li")
    expect(items).to_have_count(2)
    expect(items.last).to_contain_text("Sunset")
    expect(items.last).to_contain_text("30 days left")
    assert items.locator("img").first.evaluate("img => img.naturalWidth") > 0  # owner's thumb
    shoot(page, "trash")
    items.last.get_by_role("button", name="Delete forever").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete Sunset forever?")
    dialog.get_by_role("button", name="Delete forever").click()
    expect(page.locator(".flash p")).to_have_text("Deleted forever.")
    expect(items).to_have_count(1)
    assert page.goto(f"/i/{image_id}").status == 404
