"""Chromium through Playwright's sync API, and the checks every browser test shares.

Nothing here imports playwright at module level: on a machine without it (or without
Chromium) the browser tests skip, or fail under CI=true, instead of breaking collection.
"""

import asyncio
import contextlib
import os
import re
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 800}  # the smallest phones still in use


def unavailable_reason() -> str | None:
    """Why browser tests cannot run on this machine, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: .venv/bin/pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: apt-get install chromium"
    return None


def expect(*args, **kwargs):
    """Playwright's `expect` (auto-waiting assertions), imported only when used."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


class BrowserSession:
    """One Playwright driver and one headless Chromium for a test session (per xdist worker).

    Playwright's sync API runs its own asyncio loop in a greenlet and marks that loop as the
    thread's running loop between calls. Left so, every pytest-asyncio test that runs later in
    the same worker fails ("cannot be called from a running event loop"). So the loop is
    marked running only inside `active()`, which the page fixtures hold around each browser
    test, and it is cleared otherwise.
    """

    def __init__(self):
        from playwright.sync_api import expect as playwright_expect
        from playwright.sync_api import sync_playwright

        # expect() waits 5 s by default; CI's two cores also run the rest of the suite.
        playwright_expect.set_options(timeout=10_000)

        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        self._loop = asyncio.events._get_running_loop()
        assert self._loop is not None, "Playwright no longer marks its loop as running"
        try:
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                # Containers give /dev/shm 64 MB, too little for Chromium's renderers.
                args=["--disable-dev-shm-usage"])
        except BaseException:
            self._manager.__exit__()
            raise
        asyncio.events._set_running_loop(None)

    @contextlib.contextmanager
    def active(self):
        """Playwright calls work inside this block (nesting is fine)."""
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self._loop)
        try:
            yield self.browser
        finally:
            asyncio.events._set_running_loop(previous)

    def close(self) -> None:
        """Close Chromium and stop the driver (its loop is closed and unmarked after)."""
        asyncio.events._set_running_loop(self._loop)
        try:
            self.browser.close()
        finally:
            self._manager.__exit__()
            asyncio.events._set_running_loop(None)


class PageWatch:
    """Collects what must never happen on a page: console errors, uncaught exceptions and
    requests to any host but this machine (a CDN, fonts, analytics). The page fixtures fail
    the test at teardown when `problems()` is not empty.

    Chromium also logs "Failed to load resource" for every page (document) answered with a
    4xx or 5xx, such as a form shown again with its error (400) or a 404 page. Those are not
    counted: a test sees the page's status and content itself. The same message for an
    image, stylesheet or script is counted, since nothing else would notice it.
    """

    def __init__(self):
        self.console_errors: list[tuple[str, str]] = []  # (text, url it names)
        self.foreign_requests: list[str] = []
        self._documents: set[str] = set()
        self._allowed: list[re.Pattern] = []

    def allow_console(self, pattern: str) -> None:
        """Accept console errors matching `pattern` in this test, e.g. the 'status of 404'
        that Chromium logs when a test opens a missing page on purpose."""
        self._allowed.append(re.compile(pattern))

    def attach(self, context) -> None:
        """Watch every page of a browser context, popups included."""
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.console_errors.append(
            (f"uncaught: {error.error}", "")))
        context.on("request", self._on_request)

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.console_errors.append((message.text, where))

    def _on_request(self, request) -> None:
        if request.resource_type == "document":
            self._documents.add(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self.foreign_requests.append(f"{request.method} {request.url}")

    def problems(self) -> list[str]:
        """Everything collected that no `allow_console` pattern accepts."""
        errors = [f"{text} ({url})" for text, url in self.console_errors
                  if not (text.startswith("Failed to load resource") and url in self._documents)
                  and not any(pattern.search(text) for pattern in self._allowed)]
        return ([f"console error: {text}" for text in errors]
                + [f"request to a foreign host: {text}" for text in self.foreign_requests])


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (shipped inside axe-playwright-python, no network) on the page as it is
    now; return its violations of the given impacts as {id, impact, help, targets}."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [{"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
             "targets": [" ".join(map(str, node["target"])) for node in violation["nodes"]]}
            for violation in results["violations"] if violation["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    """One line per violation, for assertion messages."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'][:5])}"
                     for v in violations)
