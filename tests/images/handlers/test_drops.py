"""Drop links from both sides: the owner makes one on the album page, guests upload through
`/d/<token>` without an account, and the owner approves or rejects in `/inbox`; and every
way a guest might push past a link."""

import re

import pytest

from app.auth import throttle
from app.images import store
from tests.client import json_body, multipart, text, upload_one, visible_text
from tests.images.images import jpeg, png

MIB = 1024 * 1024


async def make_album(owner, title="Wedding") -> str:
    response = await owner.post("/albums", {"title": title})
    assert response.code == 302, response.body
    return response.headers["Location"].removeprefix("/a/")


async def make_drop(owner, album_id: str, **limits) -> str:
    """A new drop link into the album, as its owner copies it from the album page."""
    response = await owner.post(f"/a/{album_id}/drops", limits)
    assert response.code == 303, response.body
    page = text(await owner.get(f"/a/{album_id}"))
    return re.findall(r'value="http://[^"]+(/d/[^"]+)"', page)[0]


async def send(guest, path: str, files, *, as_json=True, fields=None, xsrf=True):
    """POST files to a drop link as its page does (XSRF cookie from the page itself)."""
    if xsrf and "_xsrf" not in guest.cookies:
        assert (await guest.get(path)).code == 200
    content_type, body = multipart(files, fields)
    headers = {"Content-Type": content_type}
    if xsrf:
        headers["X-XSRFToken"] = guest.cookies["_xsrf"]
    if as_json:
        headers["Accept"] = "application/json"
    return await guest.request("POST", path, body=body, headers=headers)


@pytest.fixture
async def album(alice):
    return await make_album(alice)


@pytest.fixture
async def drop(alice, album):
    return await make_drop(alice, album)


async def test_guest_uploads_wait_in_the_inbox_until_approved(alice, make_client, db, album,
                                                              drop):
    guest = make_client()
    page = await guest.get(drop)
    assert page.code == 200
    assert "Wedding" in text(page)  # the link's label: the album's title by default
    assert page.headers["Cache-Control"] == "no-store"
    agent = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                           "Firefox/128.0"}
    sent = []
    for color in ((10, 10, 10), (20, 20, 20), (30, 30, 30)):
        content_type, body = multipart([(f"{color[0]}.jpg", jpeg(color))])
        response = await guest.request("POST", drop, body=body, headers={
            "Content-Type": content_type, "X-XSRFToken": guest.cookies["_xsrf"],
            "Accept": "application/json", **agent})
        assert response.code == 201, response.body
        sent += json_body(response)["images"]
    # The guest is told what they sent, nothing of the owner's: no id, no URL.
    assert sent[0] == {"title": "", "filename": "10.jpg", "bytes": len(jpeg((10, 10, 10)))}
    guest_page = visible_text(await guest.get(drop))
    assert all(name in guest_page for name in ("10.jpg", "20.jpg", "30.jpg"))

    waiting = await db.images.find({}).sort("filename", 1).to_list(None)
    assert [image["visibility"] for image in waiting] == ["private"] * 3
    assert all(image["inbox"] and image["album_ids"] == [] for image in waiting)
    assert waiting[0]["dropped"]["device"] == "Firefox 128 on Linux"
    assert set(waiting[0]["dropped"]) == {"drop_id", "album_id", "device", "at", "visit"}
    # Not in the gallery, the album, or the API's list until approved.
    assert "10.jpg" not in text(await alice.get("/gallery"))
    assert "/i/" not in text(await alice.get(f"/a/{album}"))
    assert "Inbox <span class=\"badge\">3</span>" in text(await alice.get("/gallery"))
    inbox_page = text(await alice.get("/inbox"))
    assert "Firefox 128 on Linux" in inbox_page and "10.jpg" in inbox_page

    first, second, third = (image["_id"] for image in waiting)
    response = await alice.post("/inbox/approve", {"image_id": first})
    assert response.code == 302
    response = await alice.post("/inbox/reject", {"image_id": second, "confirm": "1"})
    assert response.code == 302
    album_page = text(await alice.get(f"/a/{album}"))
    assert f"/i/{first}" in album_page
    assert f"/i/{second}" not in album_page and f"/i/{third}" not in album_page
    approved = await db.images.find_one({"_id": first})
    assert "inbox" not in approved and approved["album_ids"] == [album]
    assert approved["dropped"]["drop_id"]  # where it came from stays
    # Rejected: purged with its files at once, its bytes off the owner's storage use.
    assert await db.images.find_one({"_id": second}) is None
    assert await db["images.files"].count_documents({"metadata.image_id": second}) == 0
    user = await db.users.find_one({"username": "alice"})
    assert user["inbox_count"] == 1
    remaining = [doc async for doc in db.images.find({}, {"files": 1})]
    assert user["used_bytes"] == sum(store.stored_bytes(doc) for doc in remaining)
    # Once decided, an image leaves the guest's list, whatever the decision.
    guest_page = visible_text(await guest.get(drop))
    assert "10.jpg" not in guest_page and "20.jpg" not in guest_page and "30.jpg" in guest_page


async def test_plain_form_without_script_redirects_back_with_a_message(make_client, db, drop):
    guest = make_client()
    await guest.get(drop)
    content_type, body = multipart([("a.png", png())], {"title": "From Bob"})
    response = await guest.request("POST", f"{drop}?_xsrf={guest.cookies['_xsrf']}",
                                   body=body, headers={"Content-Type": content_type})
    assert response.code == 302 and response.headers["Location"] == drop
    page = visible_text(await guest.get(drop))
    assert "Sent 1 file. Thank you!" in page and "From Bob" in page
    assert (await db.images.find_one({}))["title"] == "From Bob"


async def test_approve_all_puts_everything_in_the_album_with_the_default_visibility(
        alice, make_client, db, album, drop):
    assert (await alice.post("/account/settings", {"visibility": "unlisted"})).code in (302, 303)
    guest = make_client()
    for color in ((1, 2, 3), (4, 5, 6)):
        assert (await send(guest, drop, [("x.jpg", jpeg(color))])).code == 201
    response = await alice.post("/inbox/approve", {"all": "1"})
    assert response.code == 302
    images = await db.images.find({}).to_list(None)
    assert all(image["album_ids"] == [album] and "inbox" not in image for image in images)
    assert {image["visibility"] for image in images} == {"unlisted"}
    assert "Nothing waiting" in text(await alice.get("/inbox"))


async def test_a_file_the_owner_has_is_answered_like_any_other(alice, make_client, db, album,
                                                               drop):
    """The guest cannot tell: both answers are the same, both files wait as images of
    their own; approval then keeps one image, the owner's, and puts it in the album."""
    owned = await upload_one(alice, jpeg((9, 9, 9)), filename="mine.jpg")
    guest = make_client()
    known = await send(guest, drop, [("x.jpg", jpeg((9, 9, 9)))])
    unknown = await send(guest, drop, [("x.jpg", jpeg((8, 8, 8)))])
    assert (known.code, unknown.code) == (201, 201)
    strip = {"bytes"}  # the two files differ in size, nothing else
    answer = [{k: v for k, v in json_body(r)["images"][0].items() if k not in strip}
              for r in (known, unknown)]
    assert answer[0] == answer[1]
    assert json_body(known)["errors"] == json_body(unknown)["errors"] == []
    assert await db.images.count_documents({"inbox": True}) == 2

    assert (await alice.post("/inbox/approve", {"all": "1"})).code == 302
    assert await db.images.count_documents({}) == 2  # the owner's and the new one
    mine = await db.images.find_one({"_id": owned["id"]})
    assert mine["album_ids"] == [album]
    assert await db.image_digests.count_documents({}) == 2


async def test_owner_cannot_edit_or_share_an_inbox_image_before_approving(alice, make_client,
                                                                          db, drop):
    guest = make_client()
    await send(guest, drop, [("x.jpg", jpeg())])
    image = await db.images.find_one({})
    assert (await alice.get(f"/i/{image['_id']}/thumb")).code == 200  # the inbox shows it
    response = await alice.post(f"/i/{image['_id']}/edit", {"visibility": "public"})
    assert response.code == 403
    assert (await db.images.find_one({}))["visibility"] == "private"


# ----- abuse -----

async def test_dead_links_are_404_for_page_and_post(alice, make_client, clock, db, album):
    guest = make_client()
    await guest.get("/auth/login")  # an XSRF cookie, so only the link decides
    wrong = "/d/" + "A" * 43
    assert (await guest.get(wrong)).code == 404
    assert (await send(guest, wrong, [("x.jpg", jpeg())], xsrf=True)).code == 404

    expiring = await make_drop(alice, album, expires_in="3600")
    clock.advance(hours=2)
    assert (await guest.get(expiring)).code == 404
    assert (await send(guest, expiring, [("x.jpg", jpeg())])).code == 404

    revoked = await make_drop(alice, album)
    drop_id = (await db.drops.find_one({"expires": None}))["_id"]  # no expiry given: never
    assert (await alice.post(f"/drops/{drop_id}/revoke", {"confirm": "1"})).code == 302
    assert await db.audit.count_documents({"action": "drop.create"}) == 2
    assert await db.audit.count_documents({"action": "drop.revoke", "target": drop_id}) == 1
    assert (await guest.get(revoked)).code == 404
    assert (await send(guest, revoked, [("x.jpg", jpeg())])).code == 404
    assert await db.images.count_documents({}) == 0


async def test_a_link_takes_no_more_files_than_it_may(alice, make_client, db, album):
    drop = await make_drop(alice, album, max_files="2")
    guest = make_client()
    response = await send(guest, drop, [("a.jpg", jpeg((1, 1, 1))), ("b.jpg", jpeg((2, 2, 2))),
                                        ("c.jpg", jpeg((3, 3, 3)))])
    assert response.code == 201
    assert len(json_body(response)["images"]) == 2
    assert json_body(response)["errors"][0]["filename"] == "c.jpg"
    assert await db.images.count_documents({}) == 2
    assert (await guest.get(drop)).code == 404  # used up
    assert (await send(guest, drop, [("d.jpg", jpeg((4, 4, 4)))])).code == 404
    page = text(await alice.get(f"/a/{album}"))
    assert "used up" in page and "2 of 2 files" in page


async def test_a_link_takes_no_more_bytes_than_it_may(alice, make_client, db, album):
    drop = await make_drop(alice, album, max_mb="1", max_file_mb="1")
    guest = make_client()
    assert (await send(guest, drop, [("first.jpg", jpeg((1, 1, 1)))])).code == 201
    used = (await db.drops.find_one({}))["bytes"]
    # Another guest took all but 100 bytes meanwhile.
    await db.drops.update_one({}, {"$set": {"bytes": MIB - 100}})
    response = await send(guest, drop, [("second.jpg", jpeg((2, 2, 2)))])
    assert response.code == 413
    assert await db.images.count_documents({}) == 1
    assert used == len(jpeg((1, 1, 1)))
    await db.drops.update_one({}, {"$set": {"bytes": MIB}})
    assert (await guest.get(drop)).code == 404  # used up


async def test_a_file_over_the_link_limit_is_413_while_it_streams(alice, make_client, db,
                                                                 album):
    drop = await make_drop(alice, album, max_file_mb="1")
    guest = make_client()
    response = await send(guest, drop, [("huge.jpg", b"\xff\xd8" + b"0" * (MIB + 10))])
    assert response.code == 413
    assert await db.images.count_documents({}) == 0


async def test_limits_beyond_the_sites_are_refused(alice, album, db):
    for limits in ({"max_files": "0"}, {"max_files": "1001"}, {"max_file_mb": "51"},
                   {"max_mb": "1", "max_file_mb": "2"}, {"expires_in": "5"},
                   {"max_files": "abc"}):
        response = await alice.post(f"/a/{album}/drops", limits)
        assert response.code == 400, limits
    assert await db.drops.count_documents({}) == 0


async def test_someone_elses_album_gets_no_drop_link(alice, make_client, db, album):
    bob = make_client()
    await bob.register("bob")
    assert (await bob.post(f"/a/{album}/drops", {})).code == 404
    assert await db.drops.count_documents({}) == 0


async def test_a_guest_sees_only_what_they_sent(alice, make_client, drop):
    first, second = make_client(), make_client()
    await send(first, drop, [("first.jpg", jpeg((1, 0, 0)))])
    await send(second, drop, [("second.jpg", jpeg((0, 1, 0)))])
    await upload_one(alice, jpeg((0, 0, 1)), filename="owners.jpg")
    page = visible_text(await second.get(drop))
    assert "second.jpg" in page
    assert "first.jpg" not in page and "owners.jpg" not in page
    # The visit is a signed secret: another value, or none, lists nothing.
    second.cookies["drop_visit"] = first.cookies["drop_visit"][:-4] + "AAAA"
    assert "second.jpg" not in visible_text(await second.get(drop))
    assert "first.jpg" in visible_text(await first.get(drop))


async def test_full_quota_is_a_clear_4xx_without_numbers(alice, make_client, db, drop):
    await db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": 100}})
    guest = make_client()
    response = await send(guest, drop, [("x.jpg", jpeg())])
    assert response.code == 413
    message = json_body(response)["error"]["message"]
    assert "cannot take more files" in message
    assert not re.search(r"\d", message)
    assert (await db.drops.find_one({}))["files"] == 0
    assert await db.images.count_documents({}) == 0


async def test_a_flood_is_429_with_retry_after(make_client, db, drop):
    guest = make_client()
    await guest.get(drop)
    for _ in range(throttle.DROP_PER_ADDRESS):
        response = await send(guest, drop, [])
        assert response.code == 400  # no file: counted all the same
    response = await send(guest, drop, [("x.jpg", jpeg())])
    assert response.code == 429
    assert int(response.headers["Retry-After"]) > 0
    plain = await send(guest, drop, [("x.jpg", jpeg())], as_json=False)
    assert plain.code == 429 and "Retry-After" in plain.headers
    assert await db.images.count_documents({}) == 0


async def test_xsrf_is_required_of_guests(make_client, db, drop):
    guest = make_client()
    response = await send(guest, drop, [("x.jpg", jpeg())], xsrf=False)
    assert response.code == 403
    assert await db.images.count_documents({}) == 0


async def test_a_trashed_album_closes_its_links(alice, make_client, db, album, drop):
    guest = make_client()
    assert (await send(guest, drop, [("x.jpg", jpeg())])).code == 201
    assert (await alice.post(f"/a/{album}/delete")).code == 302
    assert (await guest.get(drop)).code == 404
    assert (await send(guest, drop, [("y.jpg", jpeg((1, 2, 3)))])).code == 404
    # Deleted for good, the album takes its drop links along; what was sent still waits,
    # and approving it puts it in the gallery.
    response = await alice.post(f"/trash/albums/{album}/delete", {"confirm": "1"})
    assert response.code == 303
    assert await db.drops.count_documents({}) == 0
    assert (await alice.post("/inbox/approve", {"all": "1"})).code == 302
    image = await db.images.find_one({})
    assert "inbox" not in image and image["album_ids"] == []
    assert "x.jpg" in text(await alice.get("/gallery"))
