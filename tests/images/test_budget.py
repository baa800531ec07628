"""The decode memory budget: reservations fit the capacity, wait their turn in order, and a
cancelled wait gives its place up."""

import asyncio

import pytest

from app.images.budget import PER_CORE, MemoryBudget, default_capacity


async def hold(budget: MemoryBudget, amount: int, log: list, release: asyncio.Event) -> None:
    async with budget.hold(amount):
        log.append(amount)
        await release.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_reservations_wait_while_the_capacity_is_taken():
    budget, log, release = MemoryBudget(100), [], asyncio.Event()
    tasks = [asyncio.ensure_future(hold(budget, amount, log, release)) for amount in (60, 50, 40)]
    await settle()
    assert log == [60] and budget.used == 60  # 50 does not fit, and 40 waits behind it
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert log == [60, 50, 40] and budget.used == 0


async def test_an_amount_over_the_capacity_runs_alone():
    budget, log, release = MemoryBudget(100), [], asyncio.Event()
    first = asyncio.ensure_future(hold(budget, 10, log, release))
    big = asyncio.ensure_future(hold(budget, 500, log, release))
    await settle()
    assert log == [10]
    release.set()
    await asyncio.wait_for(asyncio.gather(first, big), 5)
    assert log == [10, 500] and budget.used == 0


async def test_a_cancelled_wait_lets_the_next_one_in():
    budget, log = MemoryBudget(100), []
    held, release = asyncio.Event(), asyncio.Event()
    first = asyncio.ensure_future(hold(budget, 70, log, held))
    blocked = asyncio.ensure_future(hold(budget, 90, log, release))
    small = asyncio.ensure_future(hold(budget, 20, log, release))
    await settle()
    assert log == [70]  # 20 would fit, but waits behind 90
    blocked.cancel()
    await settle()
    assert log == [70, 20] and budget.used == 90
    held.set()
    release.set()
    await asyncio.wait_for(asyncio.gather(first, small), 5)
    with pytest.raises(asyncio.CancelledError):
        await blocked
    assert budget.used == 0


def test_the_default_size_is_by_cores_and_bounded_by_available_memory():
    assert default_capacity(2) <= 2 * PER_CORE
    assert default_capacity(1) <= default_capacity(2)
    # On any machine, a million cores cannot claim more than a quarter of its memory.
    assert default_capacity(10**6) < 10**6 * PER_CORE
