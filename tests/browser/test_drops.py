"""Drop links in a browser: the owner makes one on the album page, a signed-out guest drops
files on its page (and one without JavaScript posts the plain form), then the owner
approves one and rejects the other in the inbox, which asks first."""

import re

from tests.browser.files_in_page import drop
from tests.browser.harness import (
    NARROW,
    axe_violations,
    describe_violations,
    expect,
    horizontal_overflow,
)
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import png_bytes


def make_drop_link(page, site, album_id: str) -> str:
    page.goto(f"/a/{album_id}")
    form = page.locator("#drops form")
    form.get_by_label("What guests see").fill("Photos from the party")
    form.get_by_label("Files").fill("5")
    with page.expect_navigation():
        form.get_by_role("button", name="Create drop link").click()
    expect(page.locator(".flash p")).to_have_text("Drop link created: copy it from the list below.")
    field = page.get_by_label("Drop link Photos from the party")
    found = re.search(r"/d/[A-Za-z0-9_-]+", field.input_value())
    assert found, "no drop link in its field"
    return found.group(0)


def test_a_guest_sends_files_and_the_owner_approves_one_and_rejects_one(open_page, site,
                                                                        browser, watch):
    owner = open_page(site.create_user())
    album_id = site.create_album(owner, "Party")
    link = make_drop_link(owner, site, album_id)
    shoot(owner, "album-drop-links")

    guest = open_page()
    guest.goto(link)
    expect(guest.get_by_role("heading", level=1)).to_have_text("Photos from the party")
    expect(guest.get_by_role("link", name="Party")).to_have_count(0)  # the album stays hidden
    assert not axe_violations(guest), describe_violations(axe_violations(guest))
    drop(guest, names=["cake.png", "balloons.png"])
    rows = guest.locator(".queue-item")
    expect(rows).to_have_count(2)
    rows.first.get_by_label("Title").fill("The cake")
    guest.get_by_role("button", name="Upload 2 images").click()
    for row in (rows.first, rows.last):
        expect(row).to_have_attribute("data-state", "done")
        expect(row.locator("[data-status]")).to_have_text(
            "Sent: it waits for the owner's approval.")
    shoot(guest, "drop-guest-sent")
    guest.reload()
    sent = guest.locator(".drop-sent li")
    expect(sent).to_have_count(2)
    expect(sent.first).to_contain_text(re.compile("The cake|balloons.png"))

    # Without JavaScript the same page posts the plain form and comes back with a message.
    plain_context = browser.new_context(base_url=site.base_url, java_script_enabled=False)
    watch.attach(plain_context)
    plain = plain_context.new_page()
    plain.goto(link)
    plain.get_by_label("Images").set_input_files(
        {"name": "plain.png", "mimeType": "image/png", "buffer": png_bytes((50, 40), (9, 99, 9))})
    plain.get_by_label("Title").fill("Sent plainly")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Upload").click()
    expect(plain.locator(".flash p")).to_have_text("Sent 1 file. Thank you!")
    expect(plain.locator(".drop-sent li")).to_have_count(1)  # another visitor: only theirs
    plain_context.close()

    owner.goto("/gallery")
    inbox_link = owner.get_by_role("link", name="Inbox, 3 waiting")
    expect(inbox_link).to_be_visible()
    inbox_link.click()
    items = owner.locator(".trash-list li")
    expect(items).to_have_count(3)
    owner.wait_for_function("() => document.querySelector('.trash-list img').naturalWidth > 0")
    assert not axe_violations(owner), describe_violations(axe_violations(owner))
    shoot(owner, "inbox")
    owner.get_by_label("The cake").check()
    owner.get_by_role("button", name="Approve selected").click()
    expect(owner.locator(".flash p")).to_have_text("Approved 1 image: it is in the album now.")
    expect(items).to_have_count(2)
    owner.get_by_label("balloons.png").check()
    owner.get_by_role("button", name="Reject selected").click()
    dialog = owner.get_by_role("dialog")
    expect(dialog).to_contain_text("Reject the selected images?")
    dialog.get_by_role("button", name="Reject").click()
    expect(owner.locator(".flash p")).to_have_text("Rejected 1 image: deleted for good.")
    expect(items).to_have_count(1)

    owner.goto(f"/a/{album_id}")
    thumbs = owner.locator(".thumbs figure")
    expect(thumbs).to_have_count(1)
    expect(thumbs.first).to_contain_text("The cake")


def test_the_guest_page_fits_a_phone(open_page, site):
    owner = open_page(site.create_user())
    link = make_drop_link(owner, site, site.create_album(owner, "A very long album title "
                                                                "that guests will not see"))
    guest = open_page(viewport=NARROW)
    guest.goto(link)
    drop(guest, names=["a-file-with-a-rather-long-name-from-a-phone-camera.png"])
    expect(guest.locator(".queue-item")).to_have_count(1)
    assert horizontal_overflow(guest) == 0
    shoot(guest, "drop-guest-phone")
