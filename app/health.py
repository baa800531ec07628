"""`GET /healthz`: 200 while the database answers a ping, 503 otherwise, within ~2 s."""

import pymongo
from pymongo.errors import PyMongoError

from app.web import BaseHandler


class HealthHandler(BaseHandler):
    async def prepare(self) -> None:
        # No session lookup: a probe carries no cookie and must not touch more than the ping.
        pass

    async def get(self) -> None:
        try:
            with pymongo.timeout(self.settings["db_timeout_ms"] / 1000):
                await self.db.command("ping")
        except PyMongoError:
            self.write_json({"status": "unavailable"}, 503)
            return
        self.write_json({"status": "ok"})


ROUTES = [(r"/healthz", HealthHandler)]
