"""Bounded thread pools: work beyond the running and waiting slots is refused at once."""

import os
import threading

import pytest

from app.application import make_app
from app.errors import Busy
from app.pools import BoundedExecutor


def test_work_beyond_the_queue_is_refused_until_a_slot_frees():
    pool = BoundedExecutor(1, 1, "test")
    release = threading.Event()
    try:
        running = pool.submit(release.wait, 10)
        waiting = pool.submit(sum, [1, 2])
        with pytest.raises(Busy) as refused:
            pool.submit(sum, [3, 4])
        assert refused.value.status == 503
        assert refused.value.retry_after >= 1
        release.set()
        assert running.result(10) and waiting.result(10) == 3
        assert pool.submit(sum, [3, 4]).result(10) == 7
    finally:
        release.set()
        pool.shutdown()


def test_a_failed_task_frees_its_slot():
    pool = BoundedExecutor(1, 0, "test")
    try:
        with pytest.raises(ZeroDivisionError):
            pool.submit(divmod, 1, 0).result(10)
        assert pool.submit(divmod, 7, 2).result(10) == (3, 1)
    finally:
        pool.shutdown()


async def test_the_password_pool_holds_cores_plus_bcrypt_queue_tasks(db, tmp_path):
    app = make_app({"cookie_secret": "test", "share_key": "test", "bcrypt_queue": 1,
                    "data_dir": str(tmp_path)}, db=db)
    release = threading.Event()
    try:
        for _ in range((os.cpu_count() or 2) + 1):
            app.password_executor.submit(release.wait, 10)
        with pytest.raises(Busy):
            app.password_executor.submit(release.wait, 10)
    finally:
        release.set()
        app.close()
