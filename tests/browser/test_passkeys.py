"""Passkeys in Chromium with its virtual authenticator (through the DevTools protocol):
added and listed on /account, used to sign in without a password, removed. WebAuthn
refuses IP addresses, so these pages open the site as http://localhost:PORT."""

from tests.browser.harness import expect
from tests.browser.screenshots import shoot


def add_virtual_authenticator(page) -> None:
    """A platform authenticator (like a phone's or laptop's) holding discoverable
    credentials, whose user is verified and present without any prompt."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})


def add_passkey(page, user, name: str) -> None:
    """Add a passkey from the account page's form."""
    page.goto("/account#passkeys")
    form = page.locator("form[data-passkey=create]")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Current password").fill(user.password)
    form.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("status")).to_have_text(f"Passkey “{name}” added.")


def test_add_sign_in_with_and_remove_a_passkey(open_page, site):
    user = site.create_user("passkey")
    page = open_page(user, base_url=site.localhost_url)
    add_virtual_authenticator(page)
    add_passkey(page, user, "Laptop")
    row = page.locator("#passkeys tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("Laptop")
    expect(row.locator("td").nth(2)).to_have_text("never")
    shoot(page, "account-passkeys")

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto("/auth/login?next=/albums")
    shoot(page, "login-with-passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(site.localhost_url + "/albums")

    page.goto("/account#passkeys")
    expect(row.locator("td").nth(2)).not_to_have_text("never")
    remove = page.locator("form[action='/account/passkeys/remove']")
    remove.get_by_label("Passkey").select_option(label="Laptop")
    remove.get_by_label("Current password").fill(user.password)
    remove.get_by_role("button", name="Remove passkey").click()
    expect(page.get_by_role("status")).to_have_text("Passkey “Laptop” removed.")
    expect(page.get_by_text("No passkeys yet.")).to_be_visible()


def test_a_passkey_the_site_does_not_know_is_refused(open_page, site, watch):
    page = open_page(base_url=site.localhost_url)
    add_virtual_authenticator(page)
    page.goto("/auth/login")
    # The authenticator holds no passkey for this site: Chromium reports NotAllowedError.
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("cancelled or timed out")


def test_passkey_as_the_second_step(open_page, site):
    user = site.create_user("twostep")
    page = open_page(user, base_url=site.localhost_url)
    add_virtual_authenticator(page)
    add_passkey(page, user, "Phone")
    page.get_by_role("button", name="Sign out", exact=True).click()

    page.goto("/auth/login?next=/albums")
    form = page.locator("form[action='/auth/login']")
    form.get_by_label("Username").fill(user.name)
    form.get_by_label("Password").fill(user.password)
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.localhost_url + "/auth/second-factor")
    shoot(page, "second-factor-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(site.localhost_url + "/albums")


def test_without_javascript_the_passkey_buttons_stay_hidden(browser_session, site):
    with browser_session.active() as browser:
        context = browser.new_context(base_url=site.localhost_url, java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto("/auth/login")
            expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
            expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        finally:
            context.close()


def test_a_site_reached_by_ip_address_shows_no_passkey_button(open_page, site):
    page = open_page()  # http://127.0.0.1:PORT: WebAuthn would refuse it
    page.goto("/auth/login")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
