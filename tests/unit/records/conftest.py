"""Fixtures of the record store tests: a signer, a real SQLite store in a temporary folder, and
entries with Thai-free but realistic fields."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consentkit.records.signing import RecordSigner
from consentkit.records.sqlite import SQLiteRecordStore
from consentkit.records.store import RecordEntry

KEY = "ความลับของร้านกาแฟ-records-key"
UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 21, 14, 59, 123456, tzinfo=UTC)
MakeEntry = Callable[..., RecordEntry]


@pytest.fixture
def signer() -> RecordSigner:
    return RecordSigner([KEY])


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "บันทึก" / "records.sqlite3"


@pytest.fixture
def store(store_path: Path, signer: RecordSigner) -> Iterator[SQLiteRecordStore]:
    store_path.parent.mkdir()
    opened = SQLiteRecordStore(store_path, signer)
    yield opened
    opened.close()


@pytest.fixture
def entry() -> MakeEntry:
    def make(consent_id: str = "Gbp0p7vEDo6HiWfc", **fields: object) -> RecordEntry:
        values: dict[str, object] = {
            "consent_id": consent_id,
            "recorded_at": NOW,
            "choice": "save",
            "granted": ("necessary", "analytics"),
            "refused": ("functional", "location", "marketing"),
            "policy_version": "2026-11-01",
            "locale": "th",
            "gpc": False,
            "banner_sha256": "0" * 64,
        }
        values.update(fields)
        return RecordEntry(**values)  # type: ignore[arg-type]

    return make
