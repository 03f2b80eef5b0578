"""Consent records under faults, against real servers: ``kill -9`` during a stream of choices
(uvicorn; gunicorn with several workers), and a full disk (a tiny tmpfs, as root). Every
choice a server answered must be in the store afterwards; the site keeps serving and the
operator is told once.

Each test prints its figures (sent, answered, recorded, lost); ``pytest -s`` shows them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from consentkit.records.signing import RecordSigner, verify_chain
from consentkit.records.store import open_store

from ..support import ROOT
from ..support.apps import RETIRED_KEY, SECRET_KEY
from ..support.servers import free_port, wait_until_listening

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.server


def _start(argv: list[str], store: Path, log: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CONSENTKIT_TEST_RECORDS": str(store), "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_listening(port, 60.0, process)
    except RuntimeError as error:
        raise RuntimeError(f"{error}\n{log.read_text(errors='replace')}") from None
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def _uvicorn(port: int) -> list[str]:
    return [str(BIN / "uvicorn"), "tests.support.records_sites:asgi", "--port", str(port),
            "--log-level", "warning"]  # fmt: skip


def _gunicorn(port: int, workers: int = 3) -> list[str]:
    return [str(BIN / "gunicorn"), "tests.support.records_sites:wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(workers), "--log-level", "warning", "--graceful-timeout", "5"]  # fmt: skip


class Stream:
    """Clients posting choices as fast as the server answers: what was sent and answered."""

    def __init__(self, base_url: str, clients: int = 4) -> None:
        self.base_url = base_url
        self.sent = 0
        self.answered: list[str] = []
        self.failed = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def _run(self, n: int) -> None:
        choices = ("accept_all", "reject_all", "save&categories=analytics")
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            i = 0
            while not self._stop.is_set():
                i += 1
                with self._lock:
                    self.sent += 1
                try:
                    response = client.post(
                        "/_consent",
                        content=f"choice={choices[(n + i) % 3]}".encode(),
                        headers={
                            "content-type": "application/x-www-form-urlencoded",
                            "accept": "application/json",
                            "origin": self.base_url,
                        },
                    )
                    consent_id = (
                        response.json()["consent_id"] if response.status_code == 200 else None
                    )
                except (httpx.HTTPError, ValueError):
                    consent_id = None
                with self._lock:
                    if consent_id:
                        self.answered.append(consent_id)
                    else:
                        self.failed += 1

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def _figures(name: str, stream: Stream, store_path: Path) -> tuple[int, int]:
    store = open_store(store_path)
    try:
        stored = {row.consent_id for row in store.records()}
        verdict = verify_chain(
            store.chain(), store.chain_state(), RecordSigner([RETIRED_KEY, SECRET_KEY])
        )
    finally:
        store.close()
    recorded = sum(1 for consent_id in stream.answered if consent_id in stored)
    lost = len(stream.answered) - recorded
    print(
        f"\n[{name}] sent {stream.sent}, answered {len(stream.answered)}, "
        f"recorded {recorded}, lost {lost}; chain intact: {verdict.ok}"
    )
    assert verdict.ok, verdict
    return recorded, lost


def _wait(seconds: float) -> None:
    threading.Event().wait(seconds)


def test_uvicorn_killed_mid_stream_loses_no_answered_choice(tmp_path: Path) -> None:
    store, log, port = tmp_path / "records.sqlite3", tmp_path / "uvicorn.log", free_port()
    server = _start(_uvicorn(port), store, log, port)
    with Stream(f"http://127.0.0.1:{port}") as stream:
        _answers_grow(stream, 50)
        os.killpg(server.pid, signal.SIGKILL)  # kill -9, mid-stream
        server.wait(timeout=20)
        _wait(0.5)
    assert stream.answered and stream.failed  # the kill did cut requests short
    # A restart replays whatever a spool holds (nothing, when the store never failed).
    server = _start(_uvicorn(port), store, log, port)
    _wait(1)
    _stop(server)
    _, lost = _figures("uvicorn kill -9", stream, store)
    assert lost == 0


def _answers_grow(stream: Stream, by: int, timeout: float = 60.0) -> None:
    """Wait until ``by`` more choices were answered (workers boot slowly on a busy machine)."""
    target = len(stream.answered) + by
    for _ in range(int(timeout / 0.1)):
        if len(stream.answered) >= target:
            return
        _wait(0.1)
    raise AssertionError(f"the server answered only {len(stream.answered)} choices")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep (procps)")
def test_gunicorn_workers_killed_mid_stream_lose_no_answered_choice(tmp_path: Path) -> None:
    store, log, port = tmp_path / "records.sqlite3", tmp_path / "gunicorn.log", free_port()
    server = _start(_gunicorn(port), store, log, port)
    killed = 0
    try:
        with Stream(f"http://127.0.0.1:{port}", clients=6) as stream:
            for _ in range(3):
                _answers_grow(stream, 20)
                for worker in _children(server.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(worker, signal.SIGKILL)
                        killed += 1
            _answers_grow(stream, 20)  # the master started new workers; the stream goes on
    finally:
        _stop(server)
    print(f"\n[gunicorn] {killed} workers killed with SIGKILL")
    assert killed >= 3 and stream.answered
    _, lost = _figures("gunicorn -w 3, kill -9 of the workers", stream, store)
    assert lost == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB tmpfs (as root; more than SQLite's write-ahead log grows to before a
    checkpoint), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny tmpfs needs root and mount(8)")
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


@pytest.mark.parametrize("server_kind", ["uvicorn", "gunicorn"])
def test_a_full_disk_keeps_the_site_serving_and_loses_nothing(
    tiny_disk: Path, tmp_path: Path, server_kind: str
) -> None:
    store, log, port = tiny_disk / "records.sqlite3", tmp_path / "server.log", free_port()
    argv = _uvicorn(port) if server_kind == "uvicorn" else _gunicorn(port, workers=2)
    server = _start(argv, store, log, port)
    try:
        with Stream(f"http://127.0.0.1:{port}", clients=2) as before:
            _answers_grow(before, 20)
        filler = _fill(tiny_disk)
        with Stream(f"http://127.0.0.1:{port}", clients=2) as during:
            _answers_grow(during, 30)
        assert during.answered and during.failed == 0  # choices take effect on a full disk
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200
        filler.unlink()
        _wait(6)  # the replay runs every 2 s
    finally:
        _stop(server)
    printed = log.read_text(errors="replace")
    outages = printed.count("is unavailable")
    workers = 1 if server_kind == "uvicorn" else 2
    print(f"\n[{server_kind} full disk] outage messages: {outages} (workers: {workers})")
    assert 1 <= outages <= workers  # told once per process, not once per choice
    assert "is back;" in printed
    for name, stream in (("before", before), ("during", during)):
        _, lost = _figures(f"{server_kind} full disk, {name}", stream, store)
        assert lost == 0
