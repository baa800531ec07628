"""How the page handlers delete an image or album: to its owner's trash, with an Undo
button in the message and nothing asked, or for good (an admin's moderation, or no trash:
`trash_days` = 0), which asks first (`BaseHandler.confirmed`)."""

from urllib.parse import urlencode

from app.images import trash
from app.web import BaseHandler


def trash_days(handler: BaseHandler) -> int:
    """Days deleted items stay in the trash (0: no trash), from the `trash_days` option."""
    return handler.settings["trash_days"]


def asks_first(handler: BaseHandler, items: list[dict]) -> bool:
    """True if deleting `items` cannot be undone, so the request must be confirmed."""
    return not all(trash.goes_to_trash(item, handler.current_user, trash_days(handler))
                   for item in items)


def say_deleted(handler: BaseHandler, message: str, *, undo: bool, back: str) -> None:
    """Flash `message` after a deletion, with an Undo button if it went to the trash
    (`undo`): it restores what this request moved there, then leads back to `back`."""
    if not undo:
        handler.flash(message)
        return
    query = urlencode({"return": back})
    handler.flash(message, action=f"/trash/undo/{trash.stamp(handler.now())}?{query}")
