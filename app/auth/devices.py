"""Naming the device behind a session for people: 'Firefox 128 on Windows 10' rather than a
user agent string, with ua-parser (the uap-core rules, kept up to date upstream).

The first parse in a process loads the rules (about a second); `warm_up()` does that before
a server starts answering, so no request pays for it.
"""

import re

import ua_parser

UNKNOWN = "Unknown device"
MAX_RAW = 80  # an unrecognised agent is shown as sent, this many characters at most
# Fetchers that chat apps and social sites send to build a link's preview card. Matched
# anywhere in the agent, case aside: they are not people viewing a link.
LINK_PREVIEWERS = (
    "Slackbot", "Slack-ImgProxy", "Twitterbot", "facebookexternalhit", "Facebot",
    "Discordbot", "WhatsApp", "TelegramBot", "LinkedInBot", "SkypeUriPreview",
    "Iframely", "Embedly", "redditbot", "Pinterestbot", "Applebot", "vkShare",
    "Mastodon", "Google-PageRenderer", "MicrosoftPreview",
)
_PREVIEWER = re.compile("|".join(map(re.escape, LINK_PREVIEWERS)), re.IGNORECASE)


def is_link_previewer(user_agent: str) -> bool:
    """True if the agent is a link-preview fetcher (see `LINK_PREVIEWERS`)."""
    return bool(_PREVIEWER.search(user_agent))


def describe(user_agent: str) -> str:
    """Browser, system and device model of a user agent, or the agent itself, cut short, if
    none of them is recognised."""
    result = ua_parser.parse(user_agent)
    browser = _named(result.user_agent)
    system = _named(result.os)
    model = result.device.family if _known(result.device) else None
    if not browser and not system:
        raw = user_agent.strip()
        return (raw[:MAX_RAW - 1] + "…" if len(raw) > MAX_RAW else raw) or UNKNOWN
    text = " on ".join(part for part in (browser, system) if part)
    return f"{text} ({model})" if model and model not in text else text


def warm_up() -> None:
    """Load the parser's rules now rather than during a request."""
    ua_parser.parse("")


def _known(part) -> bool:
    return part is not None and part.family not in ("Other", "")


def _named(part) -> str | None:
    if not _known(part):
        return None
    return f"{part.family} {part.major}" if part.major else part.family
