"""The custom size panel in a real browser: a signed URL from a plain form, the picture it
names loading, and an accessibility scan."""

from tests.browser.harness import axe_violations, describe_violations, expect
from tests.browser.screenshots import shoot


def test_custom_size_link_from_the_image_page(open_page, site):
    page = open_page(site.create_user())
    image_id = site.upload(page, title="Quay", visibility="unlisted")
    page.goto(f"/i/{image_id}")
    panel = page.locator("#custom-size")
    panel.get_by_label("Width").fill("64")
    panel.get_by_label("Height").fill("64")
    panel.get_by_label("Fit").select_option("smart")
    panel.get_by_label("Format").select_option("png")
    panel.get_by_role("button", name="Make link").click()
    field = page.get_by_role("textbox", name="Custom size link")
    url = field.input_value()
    assert url.startswith(site.url("/r/")) and url.endswith(f"/{image_id}/w64_h64_smart_png")
    expect(panel.get_by_label("Fit")).to_have_value("smart")  # the form keeps its choices
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shoot(page, "rendition-custom-size")
    visitor = open_page()
    response = visitor.goto(url)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
