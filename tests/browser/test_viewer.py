"""The in-page viewer: opened from thumbnails (gallery, feed, shared album) and from the
image page, moved with keys, buttons and swipes, zoomed, closed with Escape or Back, and
at the image's own address while open."""

import re

from tests.browser.harness import axe_violations, describe_violations, expect
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import png_bytes

BIG = (2400, 1600)  # `large` is 1600 px wide, `full` 2400


def upload_three(site, page) -> list[str]:
    """Photo 1, 2, 3 (the gallery shows them newest first: 3, 2, 1)."""
    colours = [(200, 60, 40), (40, 160, 90), (50, 80, 200)]
    return [site.upload(page, png_bytes(BIG, colour), title=f"Photo {n}")
            for n, colour in enumerate(colours, 1)]


def viewer_image(page):
    return page.locator("dialog.viewer img")


def loaded_source(page) -> str:
    """The address of the picture the viewer shows, once decoded."""
    img = viewer_image(page)
    expect(img).to_have_attribute("src", re.compile("/large$"))
    return img.evaluate("img => img.decode().then(() => img.currentSrc)")


def test_viewer_from_the_gallery_keys_escape_back_and_reload(open_page, site):
    page = open_page(site.create_user())
    one, two, three = upload_three(site, page)
    page.goto("/gallery")
    page.get_by_role("link", name="Photo 2").click()
    viewer = page.get_by_role("dialog", name="Photo 2")
    expect(viewer).to_be_visible()
    expect(page).to_have_url(site.url(f"/i/{two}"))
    expect(viewer_image(page)).to_have_attribute("alt", "Photo 2")
    assert loaded_source(page).endswith(f"/i/{two}/large")
    expect(viewer.get_by_text("2 of 3")).to_be_visible()
    # The neighbours' pictures were fetched ahead.
    page.wait_for_function(
        "urls => urls.every(u => performance.getEntriesByType('resource')"
        ".some(e => e.name.endsWith(u)))", arg=[f"/i/{one}/large", f"/i/{three}/large"])

    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(site.url(f"/i/{one}"))
    expect(page.get_by_role("dialog", name="Photo 1")).to_be_visible()
    expect(page.get_by_role("button", name="Next image")).to_be_hidden()  # the last one
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(site.url(f"/i/{three}"))
    expect(viewer_image(page)).to_have_attribute("alt", "Photo 3")
    assert page.title() == "Photo 3 · Pixvault"

    page.keyboard.press("Escape")
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(site.url("/gallery"))
    assert page.title() == "My gallery · Pixvault"
    # The keyboard carries on from the picture last seen.
    expect(page.get_by_role("link", name="Photo 3")).to_be_focused()
    page.go_forward()  # back into the viewer, where it was
    expect(page.get_by_role("dialog", name="Photo 3")).to_be_visible()
    expect(page).to_have_url(site.url(f"/i/{three}"))
    page.keyboard.press("Escape")
    expect(page).to_have_url(site.url("/gallery"))

    page.get_by_role("link", name="Photo 1").click()
    expect(page).to_have_url(site.url(f"/i/{one}"))
    page.go_back()
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(site.url("/gallery"))

    page.get_by_role("link", name="Photo 1").click()
    expect(page).to_have_url(site.url(f"/i/{one}"))
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photo 1")


def viewing_photo_3(open_page, site):
    """A new user's gallery of three photos, the viewer open on the newest."""
    page = open_page(site.create_user())
    upload_three(site, page)
    page.goto("/gallery")
    page.get_by_role("link", name="Photo 3").click()
    expect(page.get_by_role("dialog", name="Photo 3")).to_be_visible()
    return page


def test_viewer_buttons_zoom_and_accessibility(open_page, site):
    page = viewing_photo_3(open_page, site)
    fitted = viewer_image(page).bounding_box()
    assert fitted["width"] < 1366 and fitted["height"] <= 900
    assert loaded_source(page).endswith("/large")

    # A click zooms to 100 %: one picture pixel per CSS pixel, from `full`.
    stage = page.locator(".viewer-stage")
    stage.click(position={"x": 400, "y": 300})
    zoom = page.locator(".viewer-zoom")
    expect(zoom).to_have_attribute("aria-pressed", "true")
    assert round(viewer_image(page).bounding_box()["width"]) == BIG[0]
    page.wait_for_function("() => document.querySelector('dialog.viewer img')"
                           ".currentSrc.includes('/full.')")
    stage.click(position={"x": 400, "y": 300})
    expect(zoom).to_have_attribute("aria-pressed", "false")
    assert viewer_image(page).bounding_box() == fitted

    # The wheel zooms around the pointer; the button fits again.
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -300)
    expect(zoom).to_have_attribute("aria-pressed", "true")
    assert viewer_image(page).bounding_box()["width"] > fitted["width"]
    zoom.click()
    expect(zoom).to_have_attribute("aria-pressed", "false")

    page.get_by_role("button", name="Next image").click()
    expect(page.get_by_role("dialog", name="Photo 2")).to_be_visible()
    page.get_by_role("button", name="Previous image").click()
    expect(page.get_by_role("dialog", name="Photo 3")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shoot(page, "viewer")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(site.url("/gallery"))


def touch(page, kind: str, x: float, y: float) -> None:
    """A touch pointer event on the viewer's stage (Playwright has no swipe gesture)."""
    page.locator(".viewer-stage").dispatch_event(kind, {
        "pointerId": 7, "pointerType": "touch", "isPrimary": True, "button": 0,
        "clientX": x, "clientY": y, "bubbles": True})


def test_swipe_and_double_tap(open_page, site):
    page = viewing_photo_3(open_page, site)
    touch(page, "pointerdown", 900, 400)
    touch(page, "pointermove", 600, 410)
    touch(page, "pointerup", 500, 410)
    expect(page.get_by_role("dialog", name="Photo 2")).to_be_visible()
    for _ in range(2):
        touch(page, "pointerdown", 600, 400)
        touch(page, "pointerup", 600, 400)
    expect(page.locator(".viewer-zoom")).to_have_attribute("aria-pressed", "true")
    # Zoomed, a drag pans instead of turning the page.
    touch(page, "pointerdown", 900, 400)
    touch(page, "pointermove", 600, 400)
    touch(page, "pointerup", 500, 400)
    expect(page.get_by_role("dialog", name="Photo 2")).to_be_visible()


def test_viewer_from_the_image_page(open_page, site):
    page = open_page(site.create_user())
    image_id = site.upload(page, png_bytes(BIG), title="Wide")
    page.goto(f"/i/{image_id}")
    picture = page.locator(".image-view img")
    # Fitted below the header: the whole picture is in view.
    assert picture.bounding_box()["y"] + picture.bounding_box()["height"] <= 900
    picture.click()
    expect(page.get_by_role("dialog", name="Wide")).to_be_visible()
    expect(page).to_have_url(site.url(f"/i/{image_id}"))
    expect(page.get_by_role("button", name="Next image")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(site.url(f"/i/{image_id}"))


def test_viewer_on_the_feed_for_visitors(page, site, world):
    page.goto("/")
    page.get_by_role("link", name="Harbour at dusk").first.click()
    expect(page.get_by_role("dialog", name="Harbour at dusk")).to_be_visible()
    expect(page).to_have_url(site.url(f"/i/{world.image_id}"))


def test_viewer_on_a_shared_album(open_page, site):
    page = open_page(site.create_user())
    image_id = site.upload(page, png_bytes((300, 200)), title="Secret cove")
    album_id = site.create_album(page, "Private trip")
    site.add_to_album(page, image_id, album_id)
    link = site.share_album(page, album_id)
    visitor = open_page()
    visitor.goto(link)
    visitor.get_by_role("link", name="Secret cove").click()
    expect(visitor.get_by_role("dialog", name="Secret cove")).to_be_visible()
    expect(visitor).to_have_url(site.url(f"{link}/i/{image_id}"))
    visitor.reload()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Secret cove")
