"""The application object: what `serve` prepares before it listens."""

from pathlib import Path

from app.application import TORNADO_SETTINGS

TEMPLATES = Path(TORNADO_SETTINGS["template_path"])
NAMES = {str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")}


async def test_every_template_is_compiled_into_the_applications_loader(app, client):
    assert app.compile_templates() == len(NAMES) > 40

    assert set(app.settings["template_loader"].templates) == NAMES
    page = await client.get("/auth/login")
    assert page.code == 200 and b"<form" in page.body
