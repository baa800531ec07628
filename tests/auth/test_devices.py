"""Devices named from user agents, for the sessions list."""

import pytest

from app.auth.devices import describe


@pytest.mark.parametrize(("user_agent", "device"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", "Chrome 126 on Windows 10"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.6478.71 Mobile Safari/537.36", "Chrome Mobile 126 on Android 14 (Pixel 8)"),
    ("curl/8.5.0", "curl 8"),
    ("ShareX/16.1", "ShareX/16.1"),  # not recognised: shown as sent
    ("x" * 300, "x" * 79 + "…"),
    ("", "Unknown device"),
    ("   ", "Unknown device"),
])
def test_describe(user_agent, device):
    assert describe(user_agent) == device
