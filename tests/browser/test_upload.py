"""The upload page in a real browser: the queue (picker, paste, drop anywhere), progress on
a slow connection, limits checked before sending, duplicates, copy buttons, the plain form
without JavaScript, and image bytes opened on their own."""

import re

from tests.browser.files_in_page import drag_over, drop, noise_png, paste, pick
from tests.browser.harness import (
    NARROW,
    axe_violations,
    describe_violations,
    expect,
    horizontal_overflow,
)
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import png_bytes

SLOW_UPLOAD = 48 * 1024  # bytes per second, shared by the uploads running at once
FINISHED = re.compile("done|duplicate")


def upload_page(open_page, site, **kwargs):
    page = open_page(site.create_user(), **kwargs)
    page.goto("/upload")
    return page


def rows(page):
    return page.locator(".queue-item")


def upload_button(page):
    return page.locator("#upload-form button[type=submit]")


def throttle(page, upload_bytes_per_second: int) -> None:
    """Slow this page's uploads down with Chromium's network emulation."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1,
        "uploadThroughput": upload_bytes_per_second})


def test_three_files_through_the_picker_on_a_slow_connection(open_page, site):
    page = upload_page(open_page, site)
    throttle(page, SLOW_UPLOAD)
    files = [{"name": f"noise-{i}.png", "mimeType": "image/png", "buffer": noise_png()}
             for i in range(4)]
    page.get_by_label("Images").set_input_files(files)
    expect(rows(page)).to_have_count(4)
    # Titles are empty: the file name is only a placeholder.
    expect(rows(page).first.get_by_label("Title")).to_have_value("")
    expect(rows(page).first.get_by_label("Title")).to_have_attribute("placeholder", "noise-0.png")
    rows(page).first.get_by_label("Title").fill("Static")
    expect(upload_button(page)).to_have_text("Upload 4 images")
    upload_button(page).click()
    # Three at a time: the fourth waits while the others climb between 0 and 100 %.
    page.wait_for_function("""() => {
        const rows = [...document.querySelectorAll('.queue-item')];
        const sending = rows.filter(r => r.dataset.state === 'uploading');
        return sending.length === 3 && rows[3].dataset.state === 'waiting'
            && sending.some(r => r.querySelector('progress').value > 0
                                 && r.querySelector('progress').value < 100);
    }""")
    shoot(page, "upload-in-progress")
    for row in rows(page).all():
        expect(row).to_have_attribute("data-state", "done", timeout=60_000)
        thumb = row.locator(".queue-preview img")
        expect(thumb).to_have_attribute("src", re.compile(r"/i/[\w-]{22}/thumb$"))
        assert thumb.evaluate("img => img.naturalWidth") > 0
    expect(rows(page).first.locator("[data-name]")).to_have_text("Static")
    expect(page.locator("[data-summary]")).to_have_text("4 uploaded")
    shoot(page, "upload-finished")


def test_a_transfer_can_be_cancelled_and_retried(open_page, site):
    page = upload_page(open_page, site)
    throttle(page, 16 * 1024)
    page.get_by_label("Images").set_input_files(
        {"name": "slow.png", "mimeType": "image/png", "buffer": noise_png(150)})
    upload_button(page).click()
    row = rows(page).first
    expect(row).to_have_attribute("data-state", "uploading")
    row.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-state", "cancelled")
    throttle(page, -1)
    row.get_by_role("button", name="Retry").click()
    expect(row).to_have_attribute("data-state", "done", timeout=30_000)


def test_a_pasted_screenshot_joins_the_queue_and_uploads(open_page, site):
    page = upload_page(open_page, site)
    paste(page, names=["image.png"], color="#c83c28")
    row = rows(page).first
    expect(row.locator("[data-name]")).to_have_text("image.png")
    row.get_by_label("Alt text").fill("A red rectangle")
    upload_button(page).click()
    expect(row).to_have_attribute("data-state", "done", timeout=30_000)
    page.goto(row.locator("[data-link=page]").input_value())
    expect(page.get_by_role("img", name="A red rectangle")).to_be_visible()


def test_a_file_over_the_limit_is_refused_before_sending(open_page, site):
    page = upload_page(open_page, site)
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    pick(page, names=["huge.png"], bytes=51 * 1024 * 1024, type="image/png")
    pick(page, names=["drawing.svg"], bytes=100, type="image/svg+xml")
    pick(page, names=["fine.png"])
    huge, svg, fine = rows(page).all()
    expect(huge.locator("[data-status]")).to_have_text(
        "Too large: 51 MB, the limit is 50 MB.")
    expect(svg.locator("[data-status]")).to_have_text(
        "image/svg+xml is not an image type Pixvault accepts.")
    expect(upload_button(page)).to_have_text("Upload 1 image")
    upload_button(page).click()
    expect(fine).to_have_attribute("data-state", "done", timeout=30_000)
    expect(huge).to_have_attribute("data-state", "refused")
    assert len(posts) == 1, posts  # only the file that may go was sent
    expect(page.locator("[data-summary]")).to_have_text("1 uploaded, 2 cannot be uploaded")


def test_a_duplicate_is_reported_as_already_in_the_gallery(open_page, site):
    page = upload_page(open_page, site)
    same = {"name": "twice.png", "mimeType": "image/png", "buffer": png_bytes((90, 60))}
    page.get_by_label("Images").set_input_files(same)
    upload_button(page).click()
    first = rows(page).first
    expect(first).to_have_attribute("data-state", "done", timeout=30_000)
    page.get_by_label("Images").set_input_files(same)
    upload_button(page).click()
    second = rows(page).last
    expect(second).to_have_attribute("data-state", "duplicate", timeout=30_000)
    expect(second.locator("[data-status]")).to_contain_text("Already in your gallery")
    link = second.get_by_role("link", name="see it")
    expect(link).to_have_attribute("href", first.locator("[data-link=page]").input_value())


def test_files_dropped_on_another_page_open_the_upload_queue(open_page, site):
    page = open_page(site.create_user())
    page.goto("/gallery")
    drag_over(page)
    expect(page.locator(".drop-target")).to_be_visible()
    expect(page.locator(".drop-target")).to_have_text("Drop images to upload them")
    drop(page, names=["one.png", "two.png"])
    expect(page).to_have_url(site.url("/upload"))  # the hand-over marker is gone
    expect(rows(page)).to_have_count(2)
    expect(rows(page).locator("[data-name]")).to_have_text(["one.png", "two.png"])
    # Dropped on the upload page itself, they join the same queue.
    drop(page, names=["three.png"])
    expect(rows(page)).to_have_count(3)
    expect(page.locator(".drop-target")).to_be_hidden()
    upload_button(page).click()
    for row in rows(page).all():
        expect(row).to_have_attribute("data-state", "done", timeout=30_000)
    page.reload()
    expect(rows(page)).to_have_count(0)  # handed over once, not at every visit


def test_copy_buttons_copy_the_links(open_page, site):
    page = upload_page(open_page, site)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    pick(page, names=["copied.png"])
    upload_button(page).click()
    row = rows(page).first
    expect(row).to_have_attribute("data-state", "done", timeout=30_000)
    direct = row.locator("[data-link=full]").input_value()
    assert re.search(r"/i/[\w-]{22}/full\.png$", direct)
    button = row.locator(".copy-row").nth(1).get_by_role("button")
    button.click()
    expect(button).to_have_text("Copied")
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == direct
    expect(button).to_have_text("Copy", timeout=5_000)


def test_the_queue_fits_a_phone_and_passes_the_accessibility_scan(open_page, site):
    page = upload_page(open_page, site, viewport=NARROW)
    pick(page, names=["a-file-with-a-rather-long-name-indeed.png", "b.png"])
    pick(page, names=["huge.png"], bytes=51 * 1024 * 1024, type="image/png")
    upload_button(page).click()
    expect(rows(page).first).to_have_attribute("data-state", "done", timeout=30_000)
    expect(rows(page).nth(1)).to_have_attribute("data-state", "done", timeout=30_000)
    assert horizontal_overflow(page) <= 0
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shoot(page, "upload-queue")


def test_without_javascript_the_form_posts_and_errors_leave_no_token_in_the_url(
        browser_session, site, watch):
    with browser_session.active() as browser:
        context = browser.new_context(base_url=site.base_url, java_script_enabled=False)
        watch.attach(context)
        try:
            plain_form_uploads(context.new_page(), site)
        finally:
            context.close()


def plain_form_uploads(page, site):
    site.sign_in(page, site.create_user())
    page.goto("/upload")
    form = page.locator("#upload-form")
    form.get_by_label("Images").set_input_files(
        {"name": "vector.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"})
    form.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(site.url("/upload"))
    expect(page.locator(".flash-error")).to_have_text(re.compile("SVG is not supported"))
    form.get_by_label("Images").set_input_files(
        {"name": "plain.png", "mimeType": "image/png", "buffer": png_bytes()})
    form.get_by_label("Title").fill("Plain form")
    form.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(site.url("/gallery"))
    expect(page.locator(".flash")).to_have_text("Uploaded 1 image.")
    expect(page.get_by_role("img", name="Plain form")).to_be_visible()


def test_image_bytes_open_in_the_browsers_own_viewer(open_page, site, world):
    # The viewer styles its page inline; under the page policy the browser would refuse
    # that and log the refusal, which fails this test.
    page = open_page()
    page.goto(f"/i/{world.image_id}")
    full = page.locator("figure a").get_attribute("href")
    response = page.goto(full)
    assert response.status == 200
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"


def test_thumbnails_show_their_colour_while_they_load(open_page, site):
    page = open_page(site.create_user())
    site.upload(page, png_bytes((64, 48), (40, 120, 200)), title="Blue")
    held = []  # thumbnail requests kept waiting until the test lets them go
    page.route(re.compile(r"/thumb(2x)?$"), lambda route: held.append(route))
    page.goto("/gallery")
    thumb = page.get_by_role("img", name="Blue")
    expect(thumb).to_have_attribute("data-color", "#2878c8")
    expect(thumb).to_have_css("background-color", "rgb(40, 120, 200)")
    assert held
    for route in held:
        route.continue_()
    expect(thumb).to_have_attribute("data-loaded", "")
    expect(thumb).to_have_css("background-color", "rgba(0, 0, 0, 0)")
