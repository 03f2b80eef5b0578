"""What the tests share and that is not a test: clients, the test sites, real servers, the
browser tests' helpers and sites, the examples' documented commands."""

from __future__ import annotations

from pathlib import Path

#: The repository's root (``tests/support/`` is two levels below it).
ROOT = Path(__file__).resolve().parents[2]

#: The test data: MaxMind's test databases (``tests/data/``).
DATA = ROOT / "tests" / "data"
