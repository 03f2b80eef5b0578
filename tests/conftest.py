"""What every test folder shares. The folders mirror the code: ``unit/`` (no server, one file
per module), ``behaviour/`` (the behaviour table, one file per subject, against four
adapters), ``adapters/`` (ASGI and WSGI protocol corners), ``e2e/`` (examples, CLI, browser,
benchmarks, real servers; marked ``e2e``), ``support/`` (not tests). A fixture used by one
folder lives in that folder's ``conftest.py``; one used by several lives here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# No time limit per example: the suite asserts no timings, and a loaded machine (CI, a
# laptop building something) would otherwise fail a property for being slow, not wrong.
settings.register_profile("consentkit", deadline=None)
settings.load_profile("consentkit")

# The table's helpers assert (a choice was stored, the handler answered): report those
# failures with their values, as pytest does in test files.
pytest.register_assert_rewrite("tests.behaviour.helpers")


def _can_create_a_file_in(folder: Path) -> bool:
    try:
        fd, path = tempfile.mkstemp(dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(path)
    return True


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot create a file in (for the statistics check, in the
    security and e2e start-up tests): ``chmod 0o500`` does not stop root, so, as root,
    ``/proc/self`` (procfs refuses new files to everyone). Each is tried for real."""
    folder = tmp_path / "สถิติ"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        for candidate in (folder, Path("/proc/self")):
            if candidate.is_dir() and not _can_create_a_file_in(candidate):
                yield candidate
                return
        pytest.skip("no folder here refuses this user a new file")
    finally:
        folder.chmod(0o700)


# The PostgreSQL fixtures: postgresql_cluster (one throw-away server), postgresql_url.
pytest_plugins = ["tests.support.postgres_fixtures"]
