"""Managing images in the gallery: selecting (ranges, a whole page), bulk visibility and
deletion to the trash with Undo (with and without JavaScript), search and sort,
Newer/Older both ways, and pages that fit a 320 px screen."""

import re

from tests.browser.harness import DESKTOP, NARROW, expect, horizontal_overflow
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import png_bytes


def upload_many(page, count: int, visibility: str = "private") -> None:
    """`count` distinct PNGs through the upload page's queue, untitled."""
    page.goto("/upload")
    form = page.locator("#upload-form")
    form.locator("input[type=file][name=file]").set_input_files([
        {"name": f"shot-{i}.png", "mimeType": "image/png",
         "buffer": png_bytes((40, 30), (i * 7 % 256, i * 13 % 256, 100))}
        for i in range(count)])
    form.locator("[name=visibility]").select_option(visibility)
    form.locator("button[type=submit]").click()
    expect(form.locator(".queue-item[data-state=done]")).to_have_count(count, timeout=180_000)


def thumbnail_titles(page) -> list[str]:
    return page.locator(".thumbs img").evaluate_all("imgs => imgs.map(img => img.alt)")


def thumbnail_ids(page) -> list[str]:
    links = page.locator(".thumbs a[data-viewer-item]")
    return [href.rsplit("/", 1)[1] for href in
            links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def test_three_made_public_in_one_go(open_page, site):
    page = open_page(site.create_user())
    ids = [site.upload(page, png_bytes((50, 40), (i * 60, 90, 90)), title=f"Shot {i}")
           for i in range(4)]
    page.goto("/gallery")
    boxes = page.locator("input.pick")
    expect(page.locator(".bulk-actions")).to_be_hidden()  # nothing selected yet
    boxes.nth(0).check()
    boxes.nth(2).click(modifiers=["Shift"])  # a range: the first three
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    bar = page.get_by_role("group", name="Selected images")
    bar.get_by_label("Visibility").select_option("public")
    bar.get_by_role("button", name="Set visibility").click()
    expect(page.locator(".flash")).to_have_text("Made 3 images public.")
    page_ids = thumbnail_ids(page)
    badges = [page.locator(f"figure:has(a[href='/i/{i}']) .badge").count() for i in page_ids]
    assert page_ids == ids[::-1]
    assert badges == [0, 0, 0, 1]  # only the fourth (oldest) is still private


def test_bulk_delete_moves_to_the_trash_and_undo_brings_them_back(open_page, site):
    page = open_page(site.create_user())
    for i in range(3):
        site.upload(page, png_bytes((50, 40), (20, i * 80, 20)), title=f"Keep {i}")
    page.goto("/gallery")
    page.get_by_label("Select Keep 0").check()
    page.get_by_label("Select Keep 2").check()
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".flash p")).to_have_text("Moved 2 images to the trash.")
    expect(page.get_by_role("dialog")).to_have_count(0)  # nothing asked: Undo is there
    assert len(thumbnail_ids(page)) == 1
    page.locator(".flash").get_by_role("button", name="Undo").click()
    expect(page.locator(".flash p")).to_have_text("Restored.")
    assert len(thumbnail_ids(page)) == 3


def test_delete_and_undo_without_javascript(open_page, browser, site, watch):
    user = site.create_user()
    image_id = site.upload(open_page(user), png_bytes(), title="Old scan")
    # open_page's factory cannot turn scripts off: a context of our own, watched alike.
    context = browser.new_context(base_url=site.base_url, java_script_enabled=False,
                                  viewport=DESKTOP)
    watch.attach(context)
    try:
        page = context.new_page()
        site.sign_in(page, user)
        page.goto("/gallery")
        page.get_by_label("Select Old scan").check()
        page.get_by_role("button", name="Move to trash").click()
        expect(page.locator(".flash p")).to_have_text("Moved 1 image to the trash.")
        assert page.goto(f"/i/{image_id}").status == 404
        page.goto("/trash")
        page.get_by_role("button", name="Delete forever").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Delete this forever?")
        page.get_by_role("link", name="Cancel").click()
        expect(page).to_have_url(site.url("/trash"))
        page.get_by_role("button", name="Restore").click()
        expect(page.locator(".flash p")).to_have_text("Restored.")
        assert page.goto(f"/i/{image_id}").status == 200
    finally:
        context.close()


def test_search_and_sort(open_page, site):
    page = open_page(site.create_user())
    for title in ("Lighthouse", "Harbour wall", "Boat"):
        site.upload(page, png_bytes((30, 30), (len(title) * 20, 10, 10)), title=title)
    page.goto("/gallery")
    search = page.get_by_role("search")
    search.get_by_label("Search").fill("harb")
    search.get_by_role("button", name="Apply").click()
    expect(page.locator(".thumbs img")).to_have_count(1)
    assert thumbnail_titles(page) == ["Harbour wall"]
    search.get_by_label("Search").fill("")
    search.get_by_label("Sort").select_option("title")
    search.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"sort=title"))
    expect(page.locator(".thumbs img").first).to_have_attribute("alt", "Boat")
    assert thumbnail_titles(page) == ["Boat", "Harbour wall", "Lighthouse"]
    search.get_by_label("Search").fill("zebra")
    search.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No images match “zebra”.")).to_be_visible()


def test_newer_and_older_both_ways_and_select_all(open_page, site):
    page = open_page(site.create_user())
    upload_many(page, 32)
    page.goto("/gallery")
    first = thumbnail_ids(page)
    assert len(first) == 30
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)
    page.get_by_label("Select all on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("30 selected")
    page.get_by_label("Select all on this page").uncheck()
    page.get_by_role("link", name="Older").click()
    second = thumbnail_ids(page)
    assert len(second) == 2 and not set(first) & set(second)
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    page.get_by_role("link", name="Newer").click()
    assert thumbnail_ids(page) == first
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)
    shoot(page, "gallery-page")


def test_selection_boxes_are_reachable_by_keyboard(open_page, site):
    page = open_page(site.create_user())
    site.upload(page, png_bytes(), title="Reach me")
    page.goto("/gallery")
    box = page.get_by_label("Select Reach me")
    assert box.evaluate("box => getComputedStyle(box).opacity") == "0"
    page.get_by_role("link", name="Reach me").focus()
    page.keyboard.press("Shift+Tab")
    expect(box).to_be_focused()
    assert box.evaluate("box => getComputedStyle(box).opacity") == "1"
    page.keyboard.press("Space")
    expect(page.locator("[data-selected-count]")).to_have_text("1 selected")


LONG = "Panorama" + "x" * 150  # a title without a single space


def test_long_words_fit_a_320_px_screen(open_page, site):
    page = open_page(site.create_user(), viewport=NARROW)
    image_id = site.upload(page, png_bytes((900, 300)), title=LONG)
    album_id = site.create_album(page, "Album" + "y" * 150)
    site.add_to_album(page, image_id, album_id)
    site.create_album(page, "Other" + "z" * 150)  # offered by the image page's album menu
    for path in ("/gallery", f"/a/{album_id}", f"/i/{image_id}", "/albums"):
        page.goto(path)
        assert horizontal_overflow(page) <= 0, f"{path} is {horizontal_overflow(page)} px too wide"
    # The navigation fits one line: the menu beside the brand.
    brand = page.locator(".nav .brand").bounding_box()
    menu = page.locator(".nav .menu summary").bounding_box()
    assert abs(brand["y"] + brand["height"] / 2 - (menu["y"] + menu["height"] / 2)) < 4
    page.locator(".nav .menu summary").click()
    expect(page.get_by_role("link", name="Gallery")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    page.get_by_role("link", name="Gallery").click()
    expect(page).to_have_url(site.url("/gallery"))
