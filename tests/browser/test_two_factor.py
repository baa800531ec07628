"""Two-factor sign-in in a real browser: set up an authenticator app from /account (the
code computed as the app would, with pyotp), then sign in with password and code."""

import re
import time

import pyotp

from tests.browser.harness import expect
from tests.browser.screenshots import shoot


def test_enrol_then_sign_in_with_a_code(open_page, site):
    user = site.create_user()
    page = open_page(user)
    page.goto("/account#two-factor")
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.locator("figure.qr svg")).to_be_visible()
    shoot(page, "two-factor-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_label("Current password").fill(user.password)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(re.compile(r"/account#recovery-codes$"))
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    expect(page.locator("#two-factor")).to_contain_text("You have 10 unused recovery codes")
    shoot(page, "two-factor-recovery-codes")

    other = open_page()
    other.goto("/auth/login?next=/albums")
    other.get_by_label("Username").fill(user.name)
    other.get_by_label("Password").fill(user.password)
    other.get_by_role("button", name="Sign in", exact=True).click()
    expect(other).to_have_url(re.compile(r"/auth/second-factor$"))
    expect(other.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    shoot(other, "two-factor-sign-in")
    # The next step's code: the one used to enrol no longer counts, one step of drift does.
    other.get_by_label(re.compile("Code from your authenticator app")).fill(
        totp.at(time.time() + 30))
    other.get_by_role("button", name="Continue").click()
    expect(other).to_have_url(re.compile(r"/albums$"))
    expect(other.locator(".nav .user")).to_have_text(user.name)


def test_admin_removes_second_factors_after_confirming(open_page, site, world):
    user = site.create_user()
    page = open_page(user)
    page.goto("/account/two-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Current password").fill(user.password)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(re.compile(r"/account#recovery-codes$"))

    admin = open_page(state=world.admin_state)
    admin.goto("/admin")
    row = admin.locator("tr", has=admin.get_by_role("link", name=user.name, exact=True))
    expect(row).to_contain_text("2FA")
    shoot(admin, "admin-users-with-2fa")
    row.get_by_role("button", name="Remove 2FA").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Remove the second factors of {user.name}?")
    dialog.get_by_role("button", name="Remove second factors").click()
    expect(admin.locator("[role=status]")).to_have_text(
        f"Removed the second factors of {user.name}.")
    expect(row.get_by_role("button", name="Remove 2FA")).to_have_count(0)
    site.sign_in(open_page(), user)  # the password alone again
