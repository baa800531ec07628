"""An import interrupted (Ctrl-C cancels the task) while a file is being copied leaves no
private copy of it in the temporary folder: the copy runs on in its thread, then goes."""

import asyncio
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from app.auth import users
from app.commands import importer
from app.db import images_bucket
from app.images.intake import spool as intake_spool
from app.images.processing.pipeline import Limits
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.images.images import jpeg


async def test_cancelled_import_leaves_no_spooled_copy(db, clock, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "private.jpg").write_bytes(jpeg())

    in_spool, release = threading.Event(), threading.Event()
    real_clean = intake_spool.clean_filename

    def slow_clean(name):  # called by the spool right after mkstemp: the copy is on disk
        in_spool.set()
        release.wait(10)
        return real_clean(name)

    monkeypatch.setattr(intake_spool, "clean_filename", slow_clean)
    with ThreadPoolExecutor(max_workers=1) as executor:
        owner = await users.create_user(db, "alice", "a long password",
                                        rounds=TEST_BCRYPT_ROUNDS, executor=executor,
                                        now=clock())
        task = asyncio.create_task(importer.import_directory(
            db, images_bucket(db), executor, owner=owner,
            directory=folder, limits=Limits(), now_fn=clock))
        await asyncio.to_thread(in_spool.wait, 10)
        task.cancel()  # what Ctrl-C does to asyncio.run's main task
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.5)  # the spooling thread finishes its copy
    assert list(spool.iterdir()) == []
