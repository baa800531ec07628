"""Big files in the upload page go up resumably (tus, /api/v1/uploads): in pieces of the
server's `resumable_mb` (8 MiB by default), surviving a network drop and a page reload."""

import re

from tests.browser.files_in_page import noise_png
from tests.browser.harness import expect
from tests.browser.screenshots import shoot

PIECE = 8 * 1024 * 1024  # the default `resumable_mb`
FINISHED = re.compile("done")


def big_png() -> bytes:
    """A PNG a little over one piece: two PATCH requests."""
    data = noise_png(1700)
    assert PIECE < len(data) < 2 * PIECE
    return data


def saved(tmp_path, data: bytes):
    """`data` in a file, so picking it twice gives the browser the same file (name, size and
    time of last change: what the uploader recognises it by)."""
    path = tmp_path / "big.png"
    path.write_bytes(data)
    return path


def pick(page, path) -> None:
    page.get_by_label("Images").set_input_files(path)


def patches(page) -> list[str]:
    """The Upload-Offset of every PATCH the page sends, as it sends them."""
    offsets = []
    page.on("request", lambda request: request.method == "PATCH"
            and offsets.append(request.headers["upload-offset"]))
    return offsets


def stored_original(page) -> bytes:
    """The original bytes of the image the queue's first row made, fetched as its owner."""
    page_url = page.locator('[data-link="page"]').first.input_value()
    image_id = page_url.rstrip("/").rsplit("/", 1)[-1]
    answer = page.request.get(f"/api/v1/images/{image_id}")
    original = answer.json()["urls"]["original"]
    return page.request.get(original).body()


def test_a_dropped_connection_resumes_where_the_server_got_to(open_page, site, watch,
                                                              tmp_path):
    page = open_page(site.create_user())
    page.goto("/upload")
    data = big_png()
    sent = patches(page)
    dropped = []

    def drop_second_piece(route):
        if route.request.method == "PATCH" and route.request.headers["upload-offset"] != "0" \
                and not dropped:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*", drop_second_piece)
    watch.allow_console("ERR_INTERNET_DISCONNECTED|Failed to load resource")
    pick(page, saved(tmp_path, data))
    page.locator("#upload-form button[type=submit]").click()
    row = page.locator(".queue-item").first
    expect(row.locator("[data-status]")).to_contain_text("Connection lost", timeout=60_000)
    shoot(page, "resumable-connection-lost")
    expect(row).to_have_attribute("data-state", FINISHED, timeout=120_000)
    shoot(page, "resumable-finished")
    # The first piece was not sent again: the second went twice, the drop and the resume.
    assert sent == ["0", str(PIECE), str(PIECE)]
    assert stored_original(page) == data
    assert page.evaluate("Object.keys(localStorage)") == []


def test_a_reload_and_the_same_file_again_resume_the_upload(open_page, site, watch,
                                                            tmp_path):
    page = open_page(site.create_user())
    page.goto("/upload")
    data = big_png()
    page.route("**/api/v1/uploads/*", lambda route: route.abort("internetdisconnected")
               if route.request.method == "PATCH"
               and route.request.headers["upload-offset"] != "0" else route.continue_())
    watch.allow_console("ERR_INTERNET_DISCONNECTED|Failed to load resource")
    pick(page, saved(tmp_path, data))
    page.locator("#upload-form button[type=submit]").click()
    row = page.locator(".queue-item").first
    expect(row.locator("[data-status]")).to_contain_text("Connection lost", timeout=60_000)

    page.unroute("**/api/v1/uploads/*")
    page.reload()
    creations, sent = [], patches(page)
    page.on("request", lambda request: request.method == "POST"
            and request.url.endswith("/api/v1/uploads") and creations.append(request.url))
    pick(page, tmp_path / "big.png")  # the same file again
    expect(page.locator(".queue-item [data-status]")).to_have_text(
        "Ready: it continues where it stopped")
    shoot(page, "resumable-after-reload")
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator(".queue-item").first).to_have_attribute("data-state", FINISHED,
                                                                 timeout=120_000)
    assert creations == []
    assert sent == [str(PIECE)]
    assert stored_original(page) == data
