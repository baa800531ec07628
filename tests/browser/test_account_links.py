"""Invitations and password reset links in a real browser: an admin makes one, hands the
link over, and the person it was made for uses it."""

from tests.browser.harness import expect
from tests.browser.screenshots import shoot
from tests.browser.site_helpers import User, unique_name


def test_admin_invites_a_friend_and_resets_their_password(open_page, site):
    admin = open_page(site.create_user("root", admin=True))
    admin.goto("/admin/invites")
    admin.get_by_label("For (a note for you)").fill("Sam from the club")
    admin.get_by_role("button", name="Create invitation link").click()
    field = admin.get_by_role("textbox", name="New invitation link")
    link = field.input_value()
    assert link.startswith(site.url("/auth/invite/"))
    expect(admin.get_by_role("cell", name="Sam from the club")).to_be_visible()
    shoot(admin, "admin-invite-created")

    friend = User(unique_name("a-sam"))  # sorts first on /admin
    page = open_page()
    page.goto(link)
    expect(page.get_by_text("You have been invited")).to_be_visible()
    shoot(page, "register-invited")
    page.get_by_label("Username").fill(friend.name)
    page.get_by_label("Password", exact=True).fill(friend.password)
    page.get_by_label("Repeat password").fill(friend.password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(site.url("/gallery"))

    admin.goto("/admin")
    row = admin.get_by_role("row").filter(has_text=friend.name)
    row.get_by_role("button", name="Reset link").click()
    expect(admin.get_by_role("heading", name=f"Password reset for {friend.name}")).to_be_visible()
    shoot(admin, "admin-reset-link")
    reset = admin.get_by_role("textbox", name="Reset link").input_value()

    holder = open_page()
    holder.goto(reset)
    expect(holder.get_by_role("heading", name="Choose a new password")).to_be_visible()
    shoot(holder, "reset-password")
    holder.get_by_label("New password").fill("a new password, typed twice")
    holder.get_by_label("Repeat password").fill("a new password, typed twice")
    holder.get_by_role("button", name="Set password").click()
    expect(holder).to_have_url(site.url("/auth/login"))
    expect(holder.get_by_text("Your new password is set")).to_be_visible()
    page.reload()  # the invited session ended with the reset: /gallery asks to sign in
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
