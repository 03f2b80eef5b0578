"""The local spool: where a record waits while its store is down, full, read-only or slow.

One JSON object per line, appended with ``O_APPEND`` under an exclusive ``flock`` (several
worker processes share the file) and ``fsync``-ed before the visitor's response goes, so a
record the server answered survives a crash. :meth:`Spool.replay` writes the waiting records
into the store in their order and empties the file; a record already there (same consent id
and time: a write that was slow, not failed) is not written twice. Replay runs whenever the
store is back, and at start-up, so a restart loses nothing either.

The spool is next to the store (``<store>.spool.jsonl``) when that folder can be written, else
in the system's temporary folder under a name derived from the store's location; both are read
on replay.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .store import RecordEntry, RecordStore, ShownText, format_time, parse_time, sqlite_path


def spool_paths(location: str) -> tuple[Path, ...]:
    """Where the spool of the store at ``location`` may be, the preferred one first."""
    name = hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]
    fallback = Path(tempfile.gettempdir()) / f"consentkit-records-{name}.spool.jsonl"
    path = sqlite_path(location)
    if path is None:
        return (fallback,)
    return (path.with_name(path.name + ".spool.jsonl"), fallback)


def _entry_json(entry: RecordEntry) -> dict[str, Any]:
    fields = dataclasses.asdict(entry)
    fields["recorded_at"] = format_time(entry.recorded_at)
    return {"type": "record", **fields}


def _shown_json(text: ShownText) -> dict[str, Any]:
    fields = dataclasses.asdict(text)
    fields["first_shown"] = format_time(text.first_shown)
    return {"type": "shown", **fields}


def _parse(line: str) -> RecordEntry | ShownText | None:
    try:
        data = json.loads(line)
        kind = data.pop("type")
        if kind == "record":
            data["recorded_at"] = parse_time(data["recorded_at"])
            data["granted"] = tuple(data["granted"])
            data["refused"] = tuple(data["refused"])
            return RecordEntry(**data)
        if kind == "shown":
            data["first_shown"] = parse_time(data["first_shown"])
            return ShownText(**data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a line cut short by a crash mid-write: nothing was answered for it
    return None


class Spool:
    """The spool files of one store."""

    def __init__(self, location: str) -> None:
        self.paths = spool_paths(location)

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[int]:
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)  # releases the lock

    def add(self, item: RecordEntry | ShownText) -> Path:
        """Append ``item`` durably; where it went. ``OSError`` when no spool can be written."""
        fields = _entry_json(item) if isinstance(item, RecordEntry) else _shown_json(item)
        line = (json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8")
        error: OSError | None = None
        for path in self.paths:
            try:
                with self._locked(path) as descriptor:
                    os.write(descriptor, line)
                    os.fsync(descriptor)
                return path
            except OSError as failure:
                error = failure
        assert error is not None
        raise error

    def pending(self) -> bool:
        """Whether a spool file holds anything (read under a shared lock: a replay that is
        rewriting the file is waited for, never seen empty half-way)."""
        for path in self.paths:
            try:
                descriptor = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_SH)
                if os.fstat(descriptor).st_size > 0:
                    return True
            finally:
                os.close(descriptor)
        return False

    def replay(self, store: RecordStore) -> int:
        """Write the spooled items into ``store`` and empty the spool; how many records were
        written. Raises what the store raises (the rest stays spooled for the next time)."""
        written = 0
        for path in self.paths:
            if not path.exists():
                continue
            with self._locked(path) as descriptor:
                with open(path, encoding="utf-8", errors="replace") as spooled:
                    lines = spooled.readlines()
                try:
                    for index, line in enumerate(lines):
                        item = _parse(line)
                        if isinstance(item, ShownText):
                            store.add_shown_text(item)
                        elif isinstance(item, RecordEntry) and not _already_stored(store, item):
                            store.append(item)
                            written += 1
                        lines[index] = ""
                finally:
                    os.ftruncate(descriptor, 0)
                    rest = "".join(lines).encode("utf-8")
                    if rest:
                        os.write(descriptor, rest)
                    os.fsync(descriptor)
        return written


def _already_stored(store: RecordStore, entry: RecordEntry) -> bool:
    latest = store.latest(entry.consent_id)
    if latest is None or latest.recorded_at < entry.recorded_at:
        return False
    return any(
        row.recorded_at == entry.recorded_at
        for row in store.records(consent_id=entry.consent_id, since=entry.recorded_at)
    )


def now_utc() -> datetime.datetime:
    """The server's time, UTC (one place, so tests can see where time is read)."""
    return datetime.datetime.now(datetime.timezone.utc)
