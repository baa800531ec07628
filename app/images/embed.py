"""Codes people paste elsewhere to show or link an image or album: Markdown, BBCode, HTML.

Each code is escaped for its own syntax, so a title such as `a](x) <b>` stays text.
"""

import html
import re

# Characters that end or change a Markdown link text; a backslash makes them literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\\[\]])")
# BBCode has no escape; brackets in a forum's link text would open tags.
_BBCODE_SPECIAL = re.compile(r"[\[\]]")


def embed_codes(page_url: str, text: str, image_url: str = "") -> list[tuple[str, str, str]]:
    """`(key, label, code)` for each syntax: the picture at `image_url` (or, without one,
    `text` itself) linking to `page_url`. `text` is the alt text or title."""
    markdown_text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    bbcode_text = _BBCODE_SPECIAL.sub("", text)
    html_text = html.escape(text)
    if image_url:
        markdown = f"[![{markdown_text}]({image_url})]({page_url})"
        bbcode = f"[url={page_url}][img]{image_url}[/img][/url]"
        markup = (f'<a href="{html.escape(page_url)}"><img src="{html.escape(image_url)}" '
                  f'alt="{html_text}"></a>')
    else:
        markdown = f"[{markdown_text}]({page_url})"
        bbcode = f"[url={page_url}]{bbcode_text}[/url]"
        markup = f'<a href="{html.escape(page_url)}">{html_text}</a>'
    return [("markdown", "Markdown", markdown), ("bbcode", "BBCode", bbcode),
            ("html", "HTML", markup)]
