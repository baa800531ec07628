"""Admin pages that read the site: `/admin/stats` (uploads per day, bytes by format; rules
in `app.admin.stats`) and `/admin/audit` (the audit log with filters, `app.admin.audit_log`)."""

import datetime

from app import audit
from app.admin import audit_log, stats
from app.admin.handlers.users import AdminHandler
from app.auth.users import find_by_username
from app.errors import Invalid
from app.images.handlers.listing import position
from app.images.pagination import Page


class StatsHandler(AdminHandler):
    async def get(self) -> None:
        days = await stats.uploads_per_day(self.db, self.now())
        self.render("admin_stats.html", bars=stats.chart(days), width=stats.WIDTH,
                    height=stats.HEIGHT, total=sum(uploads for _, uploads in days),
                    formats=await stats.by_format(self.db))


class AuditHandler(AdminHandler):
    """`/admin/audit?action=&user=&target=&since=&until=` (dates as YYYY-MM-DD, `until`
    included), newest first, paged like every listing."""

    async def get(self) -> None:
        action = self.get_query_argument("action", "")
        username = self.get_query_argument("user", "").strip()[:32]
        target = self.get_query_argument("target", "").strip()[:100]
        since, until = self._date("since"), self._date("until")
        actor = await find_by_username(self.db, username) if username else None
        if username and actor is None:
            entries, note = Page([], None, None), f"No user is named {username}."
        else:
            cursor, backward = position(self)
            entries = await audit_log.entries(
                self.db, action=action if action in audit.ACTIONS else "",
                actor=actor["_id"] if actor else None, target=target,
                since=since, until=until + datetime.timedelta(days=1) if until else None,
                cursor=cursor, backward=backward)
            note = ""
        actors = await self._names({entry["actor"] for entry in entries.items} - {None})
        self.render("admin_audit.html", entries=entries, actors=actors, note=note,
                    actions=audit.ACTIONS, action=action, username=username, target=target,
                    since=self.get_query_argument("since", ""),
                    until=self.get_query_argument("until", ""))

    def _date(self, name: str) -> datetime.datetime | None:
        """Midnight UTC of the query field `name` (YYYY-MM-DD), None when empty."""
        text = self.get_query_argument(name, "")
        if not text:
            return None
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise Invalid(f"Give the {name} date as YYYY-MM-DD.") from None
        return datetime.datetime.combine(day, datetime.time(), datetime.UTC)

    async def _names(self, user_ids: set[str]) -> dict[str, str]:
        """Usernames by id, for the page's entries (deleted accounts are absent)."""
        found = self.db.users.find({"_id": {"$in": list(user_ids)}}, {"username": 1})
        return {user["_id"]: user["username"] async for user in found}


ROUTES = [
    (r"/admin/stats", StatsHandler),
    (r"/admin/audit", AuditHandler),
]
