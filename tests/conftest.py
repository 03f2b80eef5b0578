"""What every test folder shares. The folders mirror the code: ``unit/`` (no server, one file
per module), ``behaviour/`` (the behaviour table, one file per subject, against four
adapters), ``adapters/`` (ASGI and WSGI protocol corners), ``e2e/`` (examples, CLI, browser,
benchmarks, real servers; marked ``e2e``), ``support/`` (not tests). A fixture used by one
folder lives in that folder's ``conftest.py``.
"""

from __future__ import annotations

import pytest

# The table's helpers assert (a choice was stored, the handler answered): report those
# failures with their values, as pytest does in test files.
pytest.register_assert_rewrite("tests.behaviour.helpers")
