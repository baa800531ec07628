"""What forms share across a redirect: where a `next` or `return` target may lead (never off
the site), the flash message shown on the page after a redirect, a secret handed over to
the page after a redirect to be shown once, and the confirmation step of destructive forms
when the page's script could not ask in a dialog."""

import json
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import tornado.web

FLASH_COOKIE = "flash"
HAND_OVER_DAYS = 5 / (24 * 60)  # five minutes to follow the redirect; the page then clears it


def safe_next(target: str | None, default: str = "/gallery") -> str:
    """`target` if it is a same-origin path, else `default`.

    Browsers treat `//host`, `/\\host` and their percent-encoded forms as other origins, and
    control characters can split headers, so any of those falls back to `default`.
    """
    if not target or len(target) > 2048:
        return default
    for candidate in (target, unquote(target)):
        if (not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate
                or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate)):
            return default
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return default
    return target


class FormFlow(tornado.web.RequestHandler):
    """Flash messages, secrets shown once and confirmations, for `app.web.BaseHandler`."""

    # ----- secrets shown once, after a redirect (POST, 303, GET) -----

    def hand_over(self, cookie: str, secret: str, url: str) -> None:
        """Redirect (303) to `url`, whose page shows `secret` once (`take_over`). The secret
        travels in a signed, HttpOnly cookie limited to that page's path that lives five
        minutes, never in a URL; reloading the page neither shows it again nor repeats the
        POST that made it."""
        self.set_signed_cookie(cookie, secret, version=2, path=urlsplit(url).path,
                               expires_days=HAND_OVER_DAYS, httponly=True, samesite="Strict",
                               secure=self.request.protocol == "https")
        self.redirect(url, status=303)

    def take_over(self, cookie: str) -> str:
        """The secret handed over to this page in `cookie`, once ("" if none): the cookie
        is cleared."""
        raw = self.get_signed_cookie(cookie, min_version=2, max_age_days=HAND_OVER_DAYS)
        if self.get_cookie(cookie) is not None:
            self.clear_cookie(cookie, path=self.request.path)
        return raw.decode("ascii", "replace") if raw else ""

    # ----- flash messages: one signed cookie that lives until the next page renders -----

    def flash(self, message: str, kind: str = "success", *, action: str = "",
              action_label: str = "Undo") -> None:
        """Show `message` on the next rendered page (survives one redirect), with a button
        posting to the local path `action` if one is given (Undo)."""
        # Browsers drop cookies over 4 KB: a very long message is cut rather than lost.
        message = message if len(message) <= 1000 else message[:999] + "…"
        self.set_signed_cookie(FLASH_COOKIE, json.dumps([kind, message, action, action_label]),
                               version=2, httponly=True, samesite="Lax", expires_days=None,
                               secure=self.request.protocol == "https")

    def _take_flash(self) -> tuple[str, str, str, str] | None:
        """`(kind, message, action, action_label)`; `action` is "" unless a local path."""
        raw = self.get_signed_cookie(FLASH_COOKIE, min_version=2, max_age_days=1)
        if raw is None:
            return None
        self.clear_cookie(FLASH_COOKIE)
        try:
            kind, message, *rest = json.loads(raw)
            action, label = rest or ("", "")  # a flash set before buttons existed
        except (ValueError, TypeError):
            return None
        return str(kind), str(message), safe_next(str(action), ""), str(label)

    def get_template_namespace(self) -> dict[str, Any]:
        namespace = super().get_template_namespace()
        namespace["flash"] = self._take_flash()
        return namespace

    # ----- confirming destructive forms -----

    def confirmed(self) -> bool:
        """True if the form says `confirm=1`. Otherwise redirect (303) to this path as a GET
        with the form's fields, where the handler shows what would happen and asks again
        (`ask_confirmation`), and return False. Pages' scripts ask in a dialog and send
        `confirm=1` themselves: this is the way without JavaScript."""
        if self.get_body_argument("confirm", "") == "1":
            return True
        fields = _form_fields(self.request.body_arguments)
        self.redirect(self.request.path + (f"?{urlencode(fields)}" if fields else ""), status=303)
        return False

    def ask_confirmation(self, question: str, consequence: str, button: str, cancel: str,
                         images: list[dict] | tuple = ()) -> None:
        """Render the confirmation page: what will happen, the `images` concerned, and a
        form posting this request's query fields back here with `confirm=1`. Cancel leads
        to the form's `return` field if safe, else to `cancel`."""
        fields = _form_fields(self.request.query_arguments)
        self.render("confirm.html", question=question, consequence=consequence, button=button,
                    fields=fields, images=images,
                    cancel=safe_next(self.get_query_argument("return", ""), cancel))


def _form_fields(arguments: dict[str, list[bytes]]) -> list[tuple[str, str]]:
    """A form's fields in order, without its XSRF token and confirmation."""
    return [(name, value.decode("utf-8", "replace")) for name, values in arguments.items()
            if name not in ("_xsrf", "confirm") for value in values]
