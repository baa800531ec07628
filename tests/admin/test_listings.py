"""/admin's user list (search, orders, pages), role and quota changes, /admin/stats and
/admin/audit, as an admin sees them."""

import datetime
import io
import os
import re

import pytest
from PIL import Image

from app.admin import store as admin_store
from app.images.quota import MIB
from tests.admin.test_handlers import make_admin, user_id
from tests.client import PASSWORD, text, upload, upload_one, visible_text
from tests.images.images import jpeg, png


@pytest.fixture
async def root(make_client, db):
    return await make_admin(make_client, db)


def names(response) -> list[str]:
    return re.findall(r'<a href="/u/([^"]+)">', text(response))


def next_page(response) -> str | None:
    found = re.search(r'href="(\?[^"]+)" rel="next"', text(response))
    return "/admin" + found.group(1).replace("&amp;", "&") if found else None


async def add_users(db, clock, rows: dict[str, tuple[int, int]]) -> None:
    """Users named by `rows`, each with (bytes stored, hours since their last sign-in)."""
    for name, (used, hours) in rows.items():
        await db.users.insert_one({
            "_id": f"{name:_<22}", "username": name, "username_key": name.casefold(),
            "password_hash": "x", "role": "user", "created": clock.now, "used_bytes": used,
            "disabled": False, "quota_bytes": None,
            "last_sign_in": clock.now - datetime.timedelta(hours=hours)})


async def every_page(browser, path: str) -> list[str]:
    shown = []
    while path:
        response = await browser.get(path)
        assert response.code == 200
        shown += names(response)
        path = next_page(response)
    return shown


async def test_users_by_name_storage_and_sign_in_page_by_page(root, db, clock, monkeypatch):
    monkeypatch.setattr(admin_store, "USERS_PER_PAGE", 2)
    await add_users(db, clock, {"dora": (50, 5), "Carl": (900, 30), "bea": (10, 1),
                                "eve": (300, 90)})
    clock.advance(minutes=1)
    assert await every_page(root, "/admin") == ["bea", "Carl", "dora", "eve", "root"]
    assert await every_page(root, "/admin?sort=storage") == ["Carl", "eve", "dora", "bea",
                                                            "root"]
    # root signed in by registering, a minute after the others' newest sign-in.
    assert await every_page(root, "/admin?sort=sign-in") == ["root", "bea", "dora", "Carl",
                                                            "eve"]
    # The previous page comes back from the last one.
    last = await root.get(next_page(await root.get("/admin?sort=storage")))
    back = re.search(r'href="(\?[^"]+)" rel="prev"', text(last)).group(1).replace("&amp;", "&")
    assert names(await root.get("/admin" + back)) == ["Carl", "eve"]


async def test_search_finds_names_by_prefix_in_any_case(root, db, clock):
    await add_users(db, clock, {"Carla": (0, 1), "carl": (0, 1), "oscar": (0, 1)})
    assert names(await root.get("/admin?q=CAR")) == ["carl", "Carla"]
    assert names(await root.get("/admin?q=car&sort=storage")) == ["carl", "Carla"]
    nothing = await root.get("/admin?q=.*")  # searched as text, not as a pattern
    assert nothing.code == 200 and names(nothing) == []
    assert "No user has a name starting with" in visible_text(nothing)


async def test_bad_cursor_or_order_is_a_clear_answer(root):
    assert (await root.get("/admin?after=%%%")).code == 400
    response = await root.get("/admin?sort=nonsense")  # the default order
    assert response.code == 200 and names(response) == ["root"]


async def test_an_action_comes_back_to_the_same_list(root, alice, db):
    target = await user_id(db, "alice")
    shown = "q=al&sort=storage&after=abc"
    response = await root.post(f"/admin/users/{target}/disable", {"list": shown})
    assert response.headers["Location"] == "/admin?q=al&sort=storage&after=abc"
    evil = await root.post(f"/admin/users/{target}/enable",
                           {"list": "next=//evil.example&q=x"})
    assert evil.headers["Location"] == "/admin?q=x"


async def test_admin_changes_a_role_and_it_applies_at_once(root, alice, db):
    target = await user_id(db, "alice")
    assert (await alice.get("/admin")).code == 404
    response = await root.post(f"/admin/users/{target}/role", {"role": "admin"})
    assert response.code == 302
    assert (await db.users.find_one({"_id": target}))["role"] == "admin"
    assert (await alice.get("/admin")).code == 200
    entry = await db.audit.find_one({"action": "admin.role_changed"})
    assert entry["target"] == target and entry["details"]["to"] == "admin"

    assert (await root.post(f"/admin/users/{target}/role", {"role": "owner"})).code == 400
    own = await user_id(db, "root")
    assert (await root.post(f"/admin/users/{own}/role", {"role": "user"})).code == 400
    assert (await db.users.find_one({"_id": own}))["role"] == "admin"
    assert (await alice.post(f"/admin/users/{own}/role", {"role": "user"}, xsrf=False)).code == 403


async def test_admin_sets_a_quota_that_uploads_obey(root, alice, db):
    target = await user_id(db, "alice")
    await upload_one(alice, png())
    assert (await root.post(f"/admin/users/{target}/quota", {"quota_mib": "1"})).code == 302
    assert (await db.users.find_one({"_id": target}))["quota_bytes"] == MIB
    page = text(await root.get("/admin"))
    assert 'value="1"' in page and "aria-label=\"Quota of alice" in page

    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    big = io.BytesIO()
    noise.save(big, "PNG")
    assert len(big.getvalue()) > MIB
    refused = await upload(alice, [("noise.png", big.getvalue())])
    assert refused.code == 413 and "Not enough storage left" in text(refused)

    for bad in ("-1", "0", "1.5", "²", "9" * 40, "lots"):
        response = await root.post(f"/admin/users/{target}/quota", {"quota_mib": bad})
        assert response.code == 400, bad
    assert (await db.users.find_one({"_id": target}))["quota_bytes"] == MIB
    assert (await root.post(f"/admin/users/{target}/quota", {"quota_mib": ""})).code == 302
    assert (await db.users.find_one({"_id": target}))["quota_bytes"] is None
    assert await db.audit.count_documents({"action": "admin.quota_changed"}) == 2


async def test_stats_chart_uploads_per_day_and_bytes_by_format(root, alice, db, clock):
    await upload_one(alice, jpeg())
    clock.advance(days=2)
    await upload_one(alice, png())
    await upload_one(alice, jpeg(color=(1, 2, 3)))
    response = await root.get("/admin/stats")
    assert response.code == 200
    page = text(response)
    today, before = clock.now.date(), (clock.now - datetime.timedelta(days=2)).date()
    assert f"<title>{today.isoformat()}: 2</title>" in page
    assert f"<title>{before.isoformat()}: 1</title>" in page
    assert len(re.findall(r"<rect ", page)) == 30
    assert "3 uploads in the last 30 days" in visible_text(response)
    jpegs = sum([i["bytes"] async for i in db.images.find({"format": "jpeg"})])
    assert re.search(rf"<td>JPEG</td><td>2</td><td title=\"{jpegs} bytes\">", page)
    assert "<td>PNG</td><td>1</td>" in page
    # Thirty days on, the first day has left the chart.
    clock.advance(days=29)
    assert f"<title>{before.isoformat()}" not in text(await root.get("/admin/stats"))


async def test_audit_log_filters_and_pages(root, alice, make_client, db, clock, monkeypatch):
    monkeypatch.setattr("app.admin.audit_log.PER_PAGE", 2)
    target = await user_id(db, "alice")
    for action in ("disable", "enable", "disable"):
        await root.post(f"/admin/users/{target}/{action}")
        clock.advance(hours=1)
    await root.post(f"/admin/users/{target}/enable")

    page = await root.get("/admin/audit")
    assert page.code == 200 and page.headers["Cache-Control"] == "no-store"
    shown = re.findall(r'data-label="Event">([\w.]+)<', text(page))
    assert shown == ["admin.user_enabled", "admin.user_disabled"]  # newest first
    assert "root" in visible_text(page) and target in text(page)
    older = re.search(r'href="(\?[^"]+)" rel="next"', text(page)).group(1).replace("&amp;", "&")
    second = text(await root.get("/admin/audit" + older))
    assert re.findall(r'data-label="Event">([\w.]+)<', second) == ["admin.user_enabled",
                                                                  "admin.user_disabled"]

    only = await root.get("/admin/audit?action=admin.user_disabled")
    assert set(re.findall(r'data-label="Event">([\w.]+)<', text(only))) == {"admin.user_disabled"}
    assert "No user is named nobody" in visible_text(await root.get("/admin/audit?user=nobody"))
    by_root = await root.get("/admin/audit?user=ROOT")
    assert len(re.findall(r'data-label="Event">', text(by_root))) == 2
    day = clock.now.date().isoformat()
    dated = await root.get(f"/admin/audit?since={day}&until={day}&target={target}")
    assert dated.code == 200 and re.findall(r'data-label="Event">', text(dated))
    tomorrow = (clock.now + datetime.timedelta(days=1)).date().isoformat()
    assert "No entries match" in visible_text(await root.get(f"/admin/audit?since={tomorrow}"))
    assert (await root.get("/admin/audit?since=yesterday")).code == 400
    assert (await alice.get("/admin/audit")).code == 404


async def test_security_events_are_audited(alice, make_client, db):
    thief = make_client()
    for _ in range(12):
        await thief.post("/auth/login", {"username": "alice", "password": "wrong-password-1"})
    assert await db.audit.count_documents({"action": "sign_in.throttled"}) == 1
    entry = await db.audit.find_one({"action": "sign_in.throttled"})
    assert entry["details"] == {"username": "alice"} and entry["actor"] is None

    await alice.post("/account/password", {"current_password": PASSWORD,
                                           "new_password": "a-new-long-password-2"})
    assert await db.audit.count_documents(
        {"action": "password.changed", "actor": await user_id(db, "alice")}) == 1
