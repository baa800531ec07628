"""The site's statistics on `/admin/stats`: uploads per day over the last 30 days, drawn as
a small bar chart, and what is stored by format.

Both are computed when the page is asked for: an admin page is asked for rarely, and
counters kept on every upload would cost every upload a write. Uploads per day read only
the last 30 days through the `created` index; bytes by format read every image document
once (one grouped pass on the server).
"""

import datetime
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

DAYS = 30
# The chart's drawing box (SVG user units; the page scales it to its width).
WIDTH, HEIGHT, GAP = 600, 120, 2


@dataclass(frozen=True)
class Bar:
    """One day of the chart: its date, its uploads, and its rectangle."""

    day: datetime.date
    uploads: int
    x: float
    y: float
    width: float
    height: float


async def uploads_per_day(db: AsyncDatabase,
                          now: datetime.datetime) -> list[tuple[datetime.date, int]]:
    """(day, uploads still stored) for each of the last `DAYS` days (UTC), oldest first,
    today included; days without uploads count 0."""
    today = now.astimezone(datetime.UTC).date()
    first = today - datetime.timedelta(days=DAYS - 1)
    start = datetime.datetime.combine(first, datetime.time(), datetime.UTC)
    rows = await (await db.images.aggregate([
        {"$match": {"created": {"$gte": start}}},
        {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$created"}},
                    "uploads": {"$sum": 1}}},
    ])).to_list()
    counts = {row["_id"]: row["uploads"] for row in rows}
    days = [first + datetime.timedelta(days=n) for n in range(DAYS)]
    return [(day, counts.get(day.isoformat(), 0)) for day in days]


def chart(days: list[tuple[datetime.date, int]]) -> list[Bar]:
    """The bars of `days` in the `WIDTH` x `HEIGHT` box, the highest day full height; a day
    with uploads is always at least one unit tall, so it never looks like none."""
    top = max((uploads for _, uploads in days), default=0) or 1
    step = WIDTH / max(1, len(days))
    bars = []
    for n, (day, uploads) in enumerate(days):
        height = max(1.0, HEIGHT * uploads / top) if uploads else 0.0
        bars.append(Bar(day, uploads, round(n * step, 2), round(HEIGHT - height, 2),
                        round(step - GAP, 2), round(height, 2)))
    return bars


async def by_format(db: AsyncDatabase) -> list[dict]:
    """`{format, images, bytes}` for each stored format (bytes: the originals'), the most
    bytes first."""
    rows = await (await db.images.aggregate([
        {"$group": {"_id": "$format", "images": {"$sum": 1}, "bytes": {"$sum": "$bytes"}}},
    ])).to_list()
    rows = [{"format": row["_id"] or "unknown", "images": row["images"], "bytes": row["bytes"]}
            for row in rows]
    return sorted(rows, key=lambda row: (-row["bytes"], row["format"]))
