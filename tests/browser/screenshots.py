"""Screenshots of pages at desktop and phone size, all in one folder a person can look
through after a run.

The folder is $PIXVAULT_SCREENSHOTS, or <repo>/.screenshots/ (gitignored), which the first
process of a run empties. pytest-xdist hides what its workers print, so the controller
(tests/conftest.py) prints the folder in its terminal summary instead.
"""

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.harness import DESKTOP, PHONE

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = ROOT / ".screenshots"
ENV = "PIXVAULT_SCREENSHOTS"
SIZES = {"desktop": DESKTOP, "phone": PHONE}
_STARTED = pytest.StashKey[float]()  # when this run began: older PNGs are not its own


def folder() -> Path:
    """Where `shoot` saves its PNGs."""
    return Path(os.environ.get(ENV) or DEFAULT_FOLDER)


def shoot(page, name: str) -> list[Path]:
    """Save full-page PNGs of `page` as it is now, at desktop (1366x900) and phone (390x844)
    width: <folder>/<name>-desktop.png and <name>-phone.png. The viewport is restored after."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    try:
        for label, size in SIZES.items():
            page.set_viewport_size(size)
            path = target / f"{slug}-{label}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            paths.append(path)
    finally:
        if original:
            page.set_viewport_size(original)
    return paths


def configure(config) -> None:
    """In the run's first process (not an xdist worker): note the start time, empty the
    default folder of the last run's PNGs, and pass the folder to workers by environment."""
    if hasattr(config, "workerinput"):
        return
    config.stash[_STARTED] = time.time()
    if not os.environ.get(ENV):
        shutil.rmtree(DEFAULT_FOLDER, ignore_errors=True)
        os.environ[ENV] = str(DEFAULT_FOLDER)  # workers start later and inherit it


def report(terminalreporter, config) -> None:
    """One summary line naming the folder, when this run saved screenshots."""
    started = config.stash.get(_STARTED, None)
    if started is None:
        return
    shots = [path for path in folder().glob("*.png") if path.stat().st_mtime >= started - 1]
    if shots:
        terminalreporter.write_line(f"browser screenshots: {len(shots)} PNGs in {folder()}")
