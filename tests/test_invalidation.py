"""The invalidation signal on the real database: every change reaches every watcher once
it polls, nothing is lost to a gap, and a watcher that cannot poll stops vouching."""

import asyncio

from app import invalidation
from app.invalidation import Watcher


class Heard:
    """A listener recording what it is told."""

    def __init__(self):
        self.events: list[tuple] = []

    def __call__(self, images, owners) -> None:
        self.events.append((images, owners))


def watcher(db, clock=None, *, here: bool = False) -> tuple[Watcher, Heard]:
    """A watcher on `db` as this process's (`here`) or another process's would be."""
    heard = Heard()
    db = db if here else db.client.get_database(db.name)
    found = Watcher(db, clock=clock) if clock else Watcher(db)
    found.subscribe(heard)
    return found, heard


async def test_changes_reach_another_process_s_watcher_at_its_next_poll(db):
    other, heard = watcher(db)
    assert not other.fresh()  # nothing read yet: it vouches for nothing
    await other.poll()
    assert heard.events == [(None, None)] and other.fresh()  # first read: drop all
    await other.poll()
    assert len(heard.events) == 1  # nothing new
    await invalidation.images_changed(db, [{"_id": "i1", "owner_id": "o1"}])
    await invalidation.owner_changed(db, "o2")
    await other.poll()
    assert heard.events[1:] == [({"i1"}, set()), (set(), {"o2"})]


async def test_the_process_making_a_change_hears_it_at_once(db):
    _, heard = watcher(db, here=True)
    await invalidation.owner_changed(db, "o1")
    assert heard.events == [(set(), {"o1"})]


async def test_a_large_batch_names_its_owners(db):
    other, heard = watcher(db)
    await other.poll()
    many = [{"_id": f"i{n}", "owner_id": "o1"} for n in range(invalidation.MAX_IMAGES + 1)]
    await invalidation.images_changed(db, many)
    await other.poll()
    assert heard.events[-1] == (set(), {"o1"})


async def test_missing_more_than_the_document_keeps_drops_everything(db):
    other, heard = watcher(db)
    await other.poll()
    for n in range(invalidation.KEEP + 1):
        await invalidation.owner_changed(db, f"o{n}")
    await other.poll()
    assert heard.events[-1] == (None, None)
    # A sequence that went backwards (a database restored from a backup) too.
    await db.invalidations.delete_many({})
    await invalidation.owner_changed(db, "o1")
    await other.poll()
    assert heard.events[-1] == (None, None)


async def test_a_watcher_that_cannot_poll_stops_vouching(db):
    now = [100.0]
    other, _ = watcher(db, clock=lambda: now[0])
    await other.poll()
    now[0] += invalidation.FRESH_SECONDS - 0.01
    assert other.fresh()
    now[0] += 0.01
    assert not other.fresh()


async def test_a_watcher_given_the_uri_polls_off_the_event_loop(db, mongodb_uri):
    other = Watcher(db.client.get_database(db.name), uri=mongodb_uri)
    heard = Heard()
    other.subscribe(heard)
    other.start()
    try:
        await until(lambda: other.fresh() and heard.events == [(None, None)])
        await invalidation.images_changed(db, [{"_id": "i1", "owner_id": "o1"}])
        await until(lambda: heard.events[1:] == [({"i1"}, set())])
        await until(other.fresh)
    finally:
        other.stop()


async def until(condition) -> None:
    """Wait for `condition()`, with a bound that only catches a hang."""
    for _ in range(30 * 50):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")
