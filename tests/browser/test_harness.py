"""The harness itself: it must catch what it promises to catch, and must not disturb the
rest of the suite."""

import asyncio

from tests.browser.harness import PageWatch


def test_asyncio_tests_still_run_after_a_browser_test(browser_session):
    with browser_session.active():
        context = browser_session.browser.new_context()
        context.new_page().set_content("<p>hello</p>")
        context.close()
    # What pytest-asyncio does for the next async test in this worker.
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"


def test_page_watch_catches_console_errors_exceptions_and_foreign_requests(browser_session):
    watch = PageWatch()
    with browser_session.active():
        context = browser_session.browser.new_context()
        watch.attach(context)
        page = context.new_page()
        # Answered here, so nothing leaves the machine; the request is still seen.
        page.route("https://cdn.example.org/**", lambda route: route.fulfill(body=""))
        page.set_content('<img src="https://cdn.example.org/pixel.png" alt="">'
                         '<script>console.error("boom"); throw new Error("kaput");</script>')
        context.close()
    problems = "\n".join(watch.problems())
    assert "console error: boom" in problems
    assert "kaput" in problems
    assert "request to a foreign host: GET https://cdn.example.org/pixel.png" in problems
    watch.allow_console("boom|kaput")
    assert watch.problems() == [
        "request to a foreign host: GET https://cdn.example.org/pixel.png"]
