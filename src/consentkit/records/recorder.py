"""What the adapters call for each choice: :class:`Recorder`.

A choice becomes a :class:`~.store.RecordEntry` (server time, UTC) and is written by a small
pool of writer threads, never on an event loop's thread:

- ASGI, :meth:`Recorder.record_async`: awaits the commit (so a server killed right after
  answering has lost nothing it answered), at most :attr:`Recorder.wait` seconds;
- WSGI, :meth:`Recorder.record`: the same, in the worker's thread.

When the store cannot take the record (:class:`~.store.StoreUnavailable`) or does not commit
it within :attr:`Recorder.wait`, the record goes to the :class:`~.spool.Spool` (fsync-ed)
before the response, and a background thread replays the spool every
:data:`RETRY_INTERVAL` seconds until the store takes it. The outage is logged once at ERROR
in the ``consentkit`` logger, the recovery once at WARNING. The visitor's choice takes effect
either way: the cookie does not wait for the store.

The same choice (same granted set and policy version) by the same consent id within
:data:`DEDUP_SECONDS` (a double click) is recorded once. What the visitor was shown is
stored once per process by its SHA-256, before the first record that points to it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..consent import ConsentRecord
from .signing import RecordSigner
from .spool import Spool
from .store import RecordEntry, RecordStore, ShownText, StoreUnavailable, open_store

if TYPE_CHECKING:
    from ..options import Settings

logger = logging.getLogger("consentkit")

#: Seconds a response waits for its record's commit before the record is spooled instead.
WAIT = 3.0
#: Seconds between attempts to replay the spool while the store is unavailable.
RETRY_INTERVAL = 2.0
#: A repeat of the same choice by the same consent id within this many seconds is not recorded.
DEDUP_SECONDS = 5.0
#: Writer threads per process.
WRITERS = 4
_DEDUP_LIMIT = 4096


class Recorder:
    """Records the choices of one middleware in its store (or its spool)."""

    def __init__(
        self,
        store: RecordStore,
        optional: tuple[str, ...],
        shown_text: Callable[[str], ShownText],
    ) -> None:
        self.store = store
        self.spool = Spool(store.location)
        #: See :data:`WAIT`.
        self.wait = WAIT
        #: See :data:`RETRY_INTERVAL`.
        self.retry_interval = RETRY_INTERVAL
        self._optional = optional
        self._shown_text = shown_text
        self._stored_texts: set[str] = set()
        self._recent: dict[str, tuple[tuple[str, ...], str, float]] = {}
        self._lock = threading.Lock()
        self._down = False
        self._closed = threading.Event()
        self._pid = os.getpid()
        self._writers: concurrent.futures.ThreadPoolExecutor | None = None
        self._replayer: threading.Thread | None = None
        if self.spool.pending():  # left by an earlier run: replay it soon
            self._start_replayer()

    # -- the adapters' calls ----------------------------------------------------------------

    def entry(self, record: ConsentRecord) -> RecordEntry:
        """The entry of a choice the core made, at the server's time to the microsecond (the
        cookie's time has whole seconds: two choices in a second are two records)."""
        granted = set(record.granted)
        return RecordEntry(
            consent_id=record.consent_id,
            recorded_at=datetime.datetime.now(datetime.timezone.utc),
            choice=record.choice,
            granted=record.granted,
            refused=tuple(name for name in self._optional if name not in granted),
            policy_version=record.policy_version,
            locale=record.locale,
            gpc=record.gpc,
            banner_sha256=record.banner_sha256,
        )

    def record(self, record: ConsentRecord) -> None:
        """Store ``record`` (or spool it) before returning; for a WSGI worker's thread."""
        entry = self.entry(record)
        if self._is_repeat(entry):
            return
        future = self._executor().submit(self._write, entry)
        try:
            future.result(timeout=self.wait)
        except concurrent.futures.TimeoutError:
            self._spool(entry, f"no commit within {self.wait} s")

    async def record_async(self, record: ConsentRecord) -> None:
        """Store ``record`` (or spool it) off the event loop's thread; returns once it is."""
        entry = self.entry(record)
        if self._is_repeat(entry):
            return
        future = asyncio.wrap_future(self._executor().submit(self._write, entry))
        try:
            await asyncio.wait_for(asyncio.shield(future), self.wait)
        except asyncio.TimeoutError:
            await asyncio.to_thread(self._spool, entry, f"no commit within {self.wait} s")

    def close(self) -> None:
        """Stop the writers and the replayer (after a last replay) and close the store."""
        self._closed.set()
        writers, self._writers = self._writers, None
        if writers is not None:
            writers.shutdown(wait=True)
        replayer = self._replayer
        if replayer is not None and replayer.is_alive():
            replayer.join(timeout=self.retry_interval + 1)
        self.store.close()

    # -- writing ------------------------------------------------------------------------------

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._writers is None or os.getpid() != self._pid:  # none yet, or a forked worker
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._replayer = None
            self._writers = concurrent.futures.ThreadPoolExecutor(
                WRITERS, thread_name_prefix="consentkit-records"
            )
        return self._writers

    def _is_repeat(self, entry: RecordEntry) -> bool:
        now = time.monotonic()
        key = (entry.granted, entry.policy_version, now)
        with self._lock:
            earlier = self._recent.get(entry.consent_id)
            if len(self._recent) >= _DEDUP_LIMIT:
                self._recent.clear()
            self._recent[entry.consent_id] = key
        return earlier is not None and earlier[:2] == key[:2] and now - earlier[2] < DEDUP_SECONDS

    def _write(self, entry: RecordEntry) -> None:
        """In a writer thread: the shown text (once), then the record; spooled on failure."""
        if self._down:
            self._spool(entry, "the store is still unavailable")
            return
        try:
            self._store_shown_text(entry)
            self.store.append(entry)
        except StoreUnavailable as error:
            self._spool(entry, str(error))

    def _store_shown_text(self, entry: RecordEntry) -> None:
        sha = entry.banner_sha256
        if not sha or sha in self._stored_texts:
            return
        text = self._shown_text(entry.locale)
        if text.sha256 == sha:
            self.store.add_shown_text(text)
        self._stored_texts.add(sha)

    def _spool(self, entry: RecordEntry, reason: str) -> None:
        with self._lock:
            first = not self._down
            self._down = True
        try:
            if entry.banner_sha256 not in self._stored_texts and entry.banner_sha256:
                text = self._shown_text(entry.locale)
                if text.sha256 == entry.banner_sha256:
                    self.spool.add(text)
            where = self.spool.add(entry)
        except OSError as error:
            logger.error(
                "consent records: neither the store %s nor its spool can take a record (%s); "
                "the record, to add by hand: %r",
                self.store.location,
                error,
                entry,
            )
            where = None
        if first:
            logger.error(
                "consent records: the store %s is unavailable (%s); choices still take effect "
                "and their records wait in %s until it is back",
                self.store.location,
                reason,
                where or "the log (the spool cannot be written either)",
            )
        self._start_replayer()

    # -- replaying ----------------------------------------------------------------------------

    def _start_replayer(self) -> None:
        with self._lock:
            if self._replayer is not None:
                return
            self._replayer = threading.Thread(
                target=self._replay_until_empty, name="consentkit-records-replay", daemon=True
            )
            self._replayer.start()

    def _replay_until_empty(self) -> None:
        while True:
            try:
                written = self.spool.replay(self.store)
            except Exception as error:  # the store still down, or worse: keep trying
                if not isinstance(error, (StoreUnavailable, OSError)):
                    logger.exception("consent records: replaying the spool failed")
                if self._closed.wait(self.retry_interval):
                    with self._lock:
                        self._replayer = None
                    return
                continue
            with self._lock:
                was_down, self._down = self._down, False
            if was_down or written:
                logger.warning(
                    "consent records: the store %s is back; %d spooled record(s) written",
                    self.store.location,
                    written,
                )
            with self._lock:  # a record spooled meanwhile sees either this thread or none
                if not self.spool.pending():
                    self._replayer = None
                    return


def open_recorder(settings: Settings, shown_text: Callable[[str], ShownText]) -> Recorder:
    """The recorder of a middleware whose ``records`` option is set; a ``ValueError`` saying
    what to change when the store can never be used."""
    assert settings.records is not None
    store = open_store(settings.records, RecordSigner(settings.secret_keys))
    return Recorder(store, settings.optional_names, shown_text)
