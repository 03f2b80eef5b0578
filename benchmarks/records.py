"""Consent records: choices recorded per second, and proof that page views never touch the store.

- **Choices per second**: the whole ``POST /_consent`` path through the WSGI middleware (the
  choice parsed, the cookie signed, the record signed, chained and committed with
  ``synchronous=FULL``) in one thread, in several threads of one process, and in several
  processes writing the same store (what gunicorn's workers do). Each backend in
  :data:`BACKENDS` gives a ``records=`` value for a fresh store; a PostgreSQL variant adds its
  own entry (a URL to a throw-away database).
- **Page views**: the store is wrapped in a counter of every method call; page views with and
  without a consent cookie must make none. Their time per request, with and without
  ``records=``, is shown beside it.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from consentkit import ConsentWSGIMiddleware

KEY = "benchmark-secret-key-0123456789abcdef"
FORM = b"choice=save&categories=analytics"


def _sqlite(folder: Path) -> str:
    return str(folder / "records.sqlite3")


#: name -> a function giving a ``records=`` value for a new, empty store in a folder.
BACKENDS: dict[str, Callable[[Path], str]] = {"SQLite": _sqlite}


def _page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return ["<!DOCTYPE html><html><body><h1>ร้านกาแฟ</h1></body></html>".encode()]


def _environ(method: str, body: bytes = b"", cookie: str | None = None) -> dict[str, Any]:
    import io

    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/_consent" if method == "POST" else "/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_ORIGIN": "http://127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _call(app: ConsentWSGIMiddleware, environ: dict[str, Any]) -> tuple[str, list[Any]]:
    seen: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        seen.extend([status, headers])

    body = b"".join(app(environ, start_response))
    assert seen[0].startswith(("200", "303")), (seen, body[:200])
    return seen[0], seen[1]


def _choices(records: str, count: int) -> None:
    """``count`` choices, each by a new visitor, through one middleware."""
    app = ConsentWSGIMiddleware(_page, secret_key=KEY, records=records)
    try:
        for _ in range(count):
            _call(app, _environ("POST", FORM))
    finally:
        app.close()


def _rate(run: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


def choices_per_second(
    backend: str, count: int, threads: int = 4, processes: int = 4
) -> dict[str, float]:
    """Choices recorded per second on ``backend``: one thread, threads, processes."""
    make = BACKENDS[backend]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="consentkit-bench-") as folder:
        records = make(Path(folder))
        _choices(records, 5)  # the schema, once
        results["1 thread"] = _rate(lambda: _choices(records, count), count)

        def threaded() -> None:
            workers = [
                threading.Thread(target=_choices, args=(records, count // threads))
                for _ in range(threads)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()

        results[f"{threads} threads"] = _rate(threaded, count // threads * threads)

        def forked() -> None:
            context = multiprocessing.get_context("fork")
            workers = [
                context.Process(target=_choices, args=(records, count // processes))
                for _ in range(processes)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
                assert worker.exitcode == 0

        results[f"{processes} processes"] = _rate(forked, count // processes * processes)
        _check_chain(
            records, 5 + count + count // threads * threads + count // processes * processes
        )
    return results


def _check_chain(records: str, expected: int) -> None:
    from consentkit.records.signing import RecordSigner, verify_chain
    from consentkit.records.store import open_store

    store = open_store(records)
    try:
        verdict = verify_chain(store.chain(), store.chain_state(), RecordSigner([KEY]))
        assert verdict.ok and verdict.rows == expected, (verdict, expected)
    finally:
        store.close()


class _CountingStore:
    """A store that counts every call made to it."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls = 0
        self.location = store.location

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return method(*args, **kwargs)

        return counted


def page_views(count: int) -> tuple[int, dict[str, float]]:
    """Store calls made by ``count`` page views (undecided and decided), and µs per page view
    with and without ``records=``."""
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="consentkit-bench-") as folder:
        with_records = ConsentWSGIMiddleware(_page, secret_key=KEY, records=_sqlite(Path(folder)))
        without = ConsentWSGIMiddleware(_page, secret_key=KEY)
        recorder = with_records.engine.recorder
        assert recorder is not None
        counting = _CountingStore(recorder.store)
        recorder.store = counting  # type: ignore[assignment]
        _, headers = _call(with_records, _environ("POST", FORM))
        cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        calls_after_choice = counting.calls
        cases = [
            (f"{label}, {name}", app, cookie_header)
            for label, cookie_header in (("undecided", None), ("decided", cookie))
            for name, app in (("with records", with_records), ("without records", without))
        ]
        for round_ in range(3):  # the first round warms the caches up and is not kept
            for case, app, cookie_header in cases:
                started = time.perf_counter()
                for _ in range(count):
                    _call(app, _environ("GET", cookie=cookie_header))
                elapsed = (time.perf_counter() - started) / count * 1e6
                if round_:
                    timings[case] = min(timings.get(case, elapsed), elapsed)
        page_calls = counting.calls - calls_after_choice
        with_records.close()
    return page_calls, timings


def run(count: int) -> dict[str, Any]:
    """Every measurement of this section."""
    return {
        "choices": {backend: choices_per_second(backend, count) for backend in BACKENDS},
        "pages": page_views(count * 5),
    }


def format_tables(results: dict[str, Any]) -> str:
    """The section as Markdown tables."""
    lines = ["Consent records: choices recorded per second (whole POST path, WSGI)", ""]
    columns = next(iter(results["choices"].values())).keys()
    lines.append("| store | " + " | ".join(columns) + " |")
    lines.append("|---|" + "---:|" * len(columns))
    for backend, rates in results["choices"].items():
        lines.append(f"| {backend} | " + " | ".join(f"{rates[c]:,.0f}" for c in columns) + " |")
    page_calls, timings = results["pages"]
    lines += ["", f"Page views: {page_calls} calls to the record store (must be 0)", ""]
    lines.append("| page view | µs per request |")
    lines.append("|---|---:|")
    lines.extend(f"| {name} | {value:.1f} |" for name, value in timings.items())
    if page_calls:
        lines.append("")
        lines.append("**NOT met: page views touched the record store**")
    return "\n".join(lines)
