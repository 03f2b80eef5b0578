"""PostgreSQL stopped for a while during a stream of choices, then started again: every
answered choice ends up in the store (the records wait in the spool meanwhile), against real
servers: uvicorn (ASGI, one worker) and gunicorn (WSGI, several sync workers), with
``records=postgresql://…`` on the session's throw-away cluster.

A choice is *answered* when its ``POST /_consent`` got its ``303``; its consent id is read from
``GET /_consent`` with the cookie it set. The figures (sent, answered, recorded, lost) are
printed (``pytest -s``).
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ..support.apps import OPTIONS
from ..support.postgres import Cluster
from ..support.servers import free_port, serve_command

psycopg = pytest.importorskip("psycopg")

from consentkit.records.signing import RecordSigner, verify_chain  # noqa: E402
from consentkit.records.store import open_store  # noqa: E402

CHOICES = ({"choice": "accept_all"}, {"choice": "reject_all"}, {"choice": "save"})
#: The outage lasts at least this many seconds, and until this many choices were answered
#: during it; as many are answered before it and after it.
OUTAGE, CHOICES_PER_PHASE = 5.0, 15
#: Seconds each phase may take at most (a loaded machine is slow, a stuck server is stuck).
PHASE_TIMEOUT = 120.0
VISITORS = 3  # threads sending choices at once
GUNICORN_WORKERS = 3
#: Seconds to wait for the spools to be written once the server is back.
DRAIN = 30.0


#: The sites the records fault tests serve (``$CONSENTKIT_TEST_RECORDS`` is the store).
SITE = "tests.support.records_sites"
SIGNER = RecordSigner(OPTIONS["secret_key"])


def _uvicorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", f"{SITE}:asgi"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


def _gunicorn(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "--workers", str(GUNICORN_WORKERS)),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        f"{SITE}:wsgi",
    ]


SERVERS = {"uvicorn": _uvicorn, "gunicorn": _gunicorn}


@dataclass
class Stream:
    """Choices sent by :data:`VISITORS` threads, each a new visitor, until stopped."""

    base_url: str
    sent: int = 0
    answered: list[str] = field(default_factory=list)
    answered_in_outage: int = 0
    in_outage: bool = False
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _visitor(self, number: int) -> None:
        for n in itertools.count():
            if self._stop.is_set():
                return
            with self._lock:
                self.sent += 1
            headers = {"Sec-Fetch-Site": "same-origin", "Accept-Language": "th"}
            with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as client:
                try:
                    answer = client.post("/_consent", data=CHOICES[(n + number) % 3])
                    if answer.status_code != 303:
                        self.failures.append(f"{answer.status_code}: {answer.text[:200]}")
                        continue
                    consent_id = client.get("/_consent").json()["consent_id"]
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                    continue
            with self._lock:
                self.answered.append(consent_id)
                self.answered_in_outage += self.in_outage

    def wait_for(self, more: int, *, during_outage: bool = False) -> None:
        """Return once ``more`` choices more were answered (during the outage, if so)."""

        def count() -> int:
            return self.answered_in_outage if during_outage else len(self.answered)

        goal, deadline = count() + more, time.monotonic() + PHASE_TIMEOUT
        while count() < goal:
            assert time.monotonic() < deadline, f"{more} choices not answered: {self.failures}"
            time.sleep(0.05)

    @contextmanager
    def running(self) -> Iterator[Stream]:
        """The visitors send choices inside the block."""
        threads = [threading.Thread(target=self._visitor, args=(n,)) for n in range(VISITORS)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=60)


def _recorded_ids(url: str) -> list[str]:
    store = open_store(url, None)
    try:
        return [row.consent_id for row in store.records()]
    finally:
        store.close()


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_every_answered_choice_is_recorded_across_a_postgresql_outage(
    server: str,
    postgresql_url: str,
    postgresql_cluster: Cluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSENTKIT_TEST_RECORDS", postgresql_url)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the spool of a URL store: this test's own
    port = free_port()
    log = tmp_path / f"{server}.log"
    with serve_command(SERVERS[server](port), port, log) as base_url:
        stream = Stream(base_url)
        with stream.running():
            stream.wait_for(CHOICES_PER_PHASE)
            with postgresql_cluster.stopped():
                stream.in_outage = True
                time.sleep(OUTAGE)
                stream.wait_for(CHOICES_PER_PHASE, during_outage=True)
                stream.in_outage = False
            stream.wait_for(CHOICES_PER_PHASE)
        answered = set(stream.answered)
        deadline = time.monotonic() + DRAIN
        while not answered <= set(recorded := _recorded_ids(postgresql_url)):
            assert time.monotonic() < deadline, (
                f"{len(answered - set(recorded))} of {len(answered)} answered choices not "
                f"written {DRAIN} s after the outage:\n{log.read_text(errors='replace')[-3000:]}"
                f"\nspool: {[(p.name, p.stat().st_size) for p in tmp_path.glob('*spool*')]}"
            )
            time.sleep(0.5)
    lost = answered - set(recorded)
    print(
        f"\n{server}, PostgreSQL down {OUTAGE} s: sent {stream.sent}, answered "
        f"{len(stream.answered)} ({stream.answered_in_outage} during the outage), recorded "
        f"{len(recorded)}, lost {len(lost)}"
    )
    assert not stream.failures, stream.failures[:5]
    assert not lost
    assert len(recorded) == len(set(recorded)) == len(answered)  # each once
    store = open_store(postgresql_url, SIGNER)
    verdict = verify_chain(store.chain(), store.chain_state(), SIGNER)
    store.close()
    assert verdict.ok, verdict.reason
    text = log.read_text(errors="replace")
    workers = GUNICORN_WORKERS if server == "gunicorn" else 1
    assert 1 <= text.count("is unavailable") <= workers, text[-3000:]  # once per process
    assert "Traceback" not in text, text[-3000:]
    assert "error connecting in 'consentkit-" not in text  # the pool's retries are quiet
