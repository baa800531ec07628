"""How the page handlers delete an image or album: to its owner's trash, with an Undo
button in the message and nothing asked, or for good (an admin's moderation, or no trash:
`trash_days` = 0), which asks first (`BaseHandler.confirmed`)."""

import datetime
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


def say_deleted(handler: BaseHandler, message: str, *, trashed_at: datetime.datetime | None,
                back: str) -> None:
    """Flash `message` after a deletion, with an Undo button if it went to the trash at
    `trashed_at` (the very `now` the deletion was given): Undo restores what this request
    moved there, then leads back to `back`."""
    if trashed_at is None:
        handler.flash(message)
        return
    query = urlencode({"return": back})
    handler.flash(message, action=f"/trash/undo/{trash.stamp(trashed_at)}?{query}")
