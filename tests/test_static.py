"""Static files under a release path, cached for a year; modules import within it."""

import re

from app.static import IMMUTABLE, release_of
from tests.client import text


async def static_urls(client, path: str = "/auth/login") -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', text(await client.get(path)))


async def test_pages_link_assets_under_the_release_and_they_are_immutable(client, app):
    release = app.settings["static_release"]
    urls = await static_urls(client)
    assert f"/static/{release}/style.css" in urls and f"/static/{release}/js/site.js" in urls
    for url in urls:
        response = await client.get(url)
        assert response.code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_module_imported_by_relative_url_stays_in_the_release(client, app):
    release = app.settings["static_release"]
    site = text(await client.get(f"/static/{release}/js/site.js"))
    assert 'from "./dropzone.js"' in site  # resolves to /static/<release>/js/dropzone.js
    imported = await client.get(f"/static/{release}/js/dropzone.js")
    assert imported.code == 200 and imported.headers["Cache-Control"] == IMMUTABLE
    assert imported.headers["Content-Type"].split(";")[0] in ("text/javascript",
                                                              "application/javascript")


async def test_other_releases_and_bare_paths_are_not_kept_for_long(client):
    for path in ("/static/style.css", "/static/0123456789ab/style.css"):
        response = await client.get(path)
        assert response.code == 200
        assert response.headers["Cache-Control"] == "no-cache"


async def test_nothing_outside_static_is_served(client, app):
    release = app.settings["static_release"]
    for path in (f"/static/{release}/../app/web.py", f"/static/{release}/%2e%2e/app/web.py",
                 f"/static/{release}/nothing.css"):
        assert (await client.get(path)).code in (403, 404), path


def test_the_release_changes_with_any_file(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;")
    (tmp_path / "style.css").write_text("body {}")
    first = release_of(str(tmp_path))
    assert re.fullmatch(r"[0-9a-f]{12}", first) and release_of(str(tmp_path)) == first
    (tmp_path / "js" / "a.js").write_text("export const a = 2;")
    assert release_of(str(tmp_path)) != first
