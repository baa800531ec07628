"""What a person does on the site, done through its pages (and, for setup, its CLI):
make users, sign in, upload, make albums and share links."""

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from tests.browser.harness import expect
from tests.browser.server import manage

PASSWORD = "correct horse battery"  # every test user's; bcrypt at 4 rounds keeps it fast


@dataclass
class User:
    """A user of the test site; `name` is unique in the run."""

    name: str
    password: str = PASSWORD


def png_bytes(size=(64, 48), color=(40, 120, 200)) -> bytes:
    """A small PNG made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def unique_name(prefix: str = "user") -> str:
    """A username no other test uses (3 to 32 of [A-Za-z0-9_.-])."""
    return f"{prefix[:16]}-{uuid.uuid4().hex[:12]}"


class Site:
    """The running server: its base URL and the actions tests build on. Pages passed in are
    Playwright sync pages whose context has this site's base_url, so paths work in goto()."""

    def __init__(self, base_url: str, data_dir: Path):
        self.base_url = base_url
        self.data_dir = data_dir

    @property
    def localhost_url(self) -> str:
        """The same server by host name: `http://localhost:PORT` (still a secure context)."""
        return self.base_url.replace("//127.0.0.1:", "//localhost:")

    def url(self, path: str) -> str:
        """Absolute URL of a path on the site."""
        return self.base_url + path

    def create_user(self, prefix: str = "user", *, admin: bool = False) -> User:
        """A new user made with `manage.py createuser` (no browser involved)."""
        user = User(unique_name(prefix))
        manage(self.data_dir, "createuser", user.name, "--password-stdin",
               *(["--admin"] if admin else []), stdin=user.password + "\n")
        return user

    def register(self, page, prefix: str = "user") -> User:
        """A new user made through the register form; the page ends signed in, on /gallery."""
        user = User(unique_name(prefix))
        page.goto("/auth/register")
        form = page.locator("form[action='/auth/register']")
        form.locator("[name=username]").fill(user.name)
        form.locator("[name=password]").fill(user.password)
        form.locator("[name=password_confirm]").fill(user.password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        _expect_path(page, "/gallery")
        return user

    def sign_in(self, page, user: User) -> None:
        """Sign in through the form on /auth/login; the page ends on /gallery."""
        page.goto("/auth/login")
        form = page.locator("form[action='/auth/login']")
        form.locator("[name=username]").fill(user.name)
        form.locator("[name=password]").fill(user.password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        _expect_path(page, "/gallery")

    def upload(self, page, data: bytes | None = None, *, title: str = "",
               visibility: str = "private", filename: str = "picture.png") -> str:
        """Upload one PNG through the upload page's queue (signed-in page); the page ends
        on /gallery. Returns the new image's id, read from the page link the queue shows."""
        title = title or f"Upload {uuid.uuid4().hex[:8]}"
        page.goto("/upload")
        form = page.locator("#upload-form")
        form.locator("input[type=file][name=file]").set_input_files(
            {"name": filename, "mimeType": "image/png", "buffer": data or png_bytes()})
        item = form.locator(".queue-item").last
        item.get_by_label("Title").fill(title)
        form.locator("[name=visibility]").select_option(visibility)
        form.locator("button[type=submit]").click()
        expect(item).to_have_attribute("data-state", re.compile("done|duplicate"))
        image_id = _last_segment(item.locator("[data-link=page]").input_value(), "/i/")
        page.goto("/gallery")
        return image_id

    def create_album(self, page, title: str, visibility: str = "private") -> str:
        """Create an album through the form on /albums; return its id (from /a/<id>)."""
        page.goto("/albums")
        form = page.locator("form[action='/albums']")
        form.locator("[name=title]").fill(title)
        form.locator("[name=visibility]").select_option(visibility)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        return _last_segment(page.url, "/a/")

    def add_to_album(self, page, image_id: str, album_id: str) -> None:
        """Add an image to an album with the form on the image page."""
        page.goto(f"/i/{image_id}")
        form = page.locator("form[action='/albums/add']")
        form.locator("[name=album_id]").select_option(album_id)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()

    def share_image(self, page, image_id: str, label: str = "") -> str:
        """Make a share link with the form on the image page; return its path (/s/<token>),
        read from the field of the new link's row, where the page opens."""
        return self.share(page, f"/i/{image_id}", label)

    def share_album(self, page, album_id: str, label: str = "") -> str:
        """The same with the album page's form: a link to the whole album."""
        return self.share(page, f"/a/{album_id}", label)

    def share(self, page, path: str, label: str = "") -> str:
        """Make a share link with the form on the page at `path` (an image or album page)."""
        page.goto(path)
        form = page.locator("form[action$='/shares']")
        form.locator("[name=label]").fill(label)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        row = urlsplit(page.url).fragment
        assert row.startswith("share-"), f"the page did not open at the new link: {page.url}"
        found = re.search(r"/s/[A-Za-z0-9_-]+", page.locator(f"#{row}").input_value())
        assert found, "no share link in the new link's field"
        return found.group(0)


def _expect_path(page, path: str) -> None:
    current = urlsplit(page.url).path
    if current != path:
        error = page.locator("[role=alert]")
        detail = error.first.inner_text() if error.count() else page.title()
        raise AssertionError(f"expected to be on {path}, but on {current}: {detail}")


def _last_segment(url: str | None, prefix: str) -> str:
    assert url and prefix in url, f"no {prefix} link: {url!r}"
    return url.split(prefix, 1)[1].split("/")[0].split("?")[0].split("#")[0]
