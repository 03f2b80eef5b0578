"""Choices recorded per second, with ``records=`` on SQLite and on PostgreSQL, under servers
with several worker processes: gunicorn (WSGI, sync workers) and uvicorn (ASGI, ``--workers``).

python -m benchmarks.choices                          # a throw-away PostgreSQL cluster
python -m benchmarks.choices --url postgresql://…     # an existing (empty) database
python -m benchmarks.choices --workers 4 --clients 8 --seconds 10

Each client thread posts ``POST /_consent`` as a new visitor (no cookie) over and over; every
answered choice is a record committed (or spooled) before its ``303``. The figures: choices
answered per second, latency percentiles, and that the store then holds exactly that many
records and its chain verifies. The throw-away cluster runs with ``fsync=off`` (as the tests'):
a production server's commits wait for its disk.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .loopback import ROOT, serving

#: The sites the servers run (tests/support/records_sites.py, the records fault tests').
SITE = "tests.support.records_sites"
BODY = b"choice=accept_all"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Sec-Fetch-Site": "same-origin",
    "Accept-Language": "th",
}


def _gunicorn(workers: int) -> Callable[[int], list[str]]:
    return lambda port: [
        *(sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class"),
        *("sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        f"{SITE}:wsgi",
    ]


def _uvicorn(workers: int) -> Callable[[int], list[str]]:
    return lambda port: [
        *(sys.executable, "-m", "uvicorn", f"{SITE}:asgi"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]


SERVERS = {"gunicorn": _gunicorn, "uvicorn": _uvicorn}


def load(port: int, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    """``clients`` threads posting choices for ``seconds``: (answered, failed, latencies ms)."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("POST", "/_consent", BODY, HEADERS)
                response = connection.getresponse()
                response.read()
                ok = response.status == 303
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                with lock:
                    failed[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), failed[0], latencies


def recorded(location: str) -> tuple[int, bool]:
    """How many records the store holds, and whether its chain verifies."""
    from consentkit.records.signing import RecordSigner, verify_chain
    from consentkit.records.store import open_store
    from tests.support.apps import OPTIONS

    signer = RecordSigner(OPTIONS["secret_key"])
    store = open_store(location, signer)
    try:
        count = sum(1 for _ in store.records())
        return count, verify_chain(store.chain(), store.chain_state(), signer).ok
    finally:
        store.close()


def run_case(
    server: str, location: str, workers: int, clients: int, seconds: float
) -> dict[str, Any]:
    """One server on one store: the figures of :func:`load`, then what the store holds."""
    os.environ["CONSENTKIT_TEST_RECORDS"] = location
    with serving({server: SERVERS[server](workers)}) as ports:
        load(ports[server], clients, min(1.0, seconds))  # every worker connected and warm
        before, _ = recorded(location)
        answered, failed, latencies = load(ports[server], clients, seconds)
        deadline = time.monotonic() + 60  # anything spooled is written by then
        while (count := recorded(location)[0] - before) < answered and time.monotonic() < deadline:
            time.sleep(0.5)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "server": server,
        "store": location.split("://")[0] if "://" in location else "sqlite",
        "choices_per_second": answered / seconds,
        "answered": answered,
        "failed": failed,
        "recorded": count,
        "verifies": recorded(location)[1],
        "p50": quantiles[49],
        "p99": quantiles[98],
    }


@contextlib.contextmanager
def postgresql(url: str | None) -> Iterator[Callable[[str], str]]:
    """A function giving the URL of a new database per case: in the cluster at ``url`` (its
    ``postgres`` database's server), or in a throw-away cluster of the tests' own."""
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import Cluster

    if url is not None:
        import psycopg

        def create(name: str) -> str:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {name}")
            return url.rsplit("/", 1)[0] + "/" + name

        yield create
        return
    with Cluster.create() as cluster:
        yield cluster.create_database


def format_rows(rows: list[dict[str, Any]], workers: int, clients: int) -> str:
    """The results as a Markdown table."""
    lines = [
        f"Choices recorded per second ({workers} workers, {clients} client threads)",
        "",
        "| server | store | choices/s | p50 ms | p99 ms | answered | failed | recorded | "
        "verifies |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['server']} | {row['store']} | {row['choices_per_second']:.0f} | "
            f"{row['p50']:.1f} | {row['p99']:.1f} | {row['answered']} | {row['failed']} | "
            f"{row['recorded']} | {'yes' if row['verifies'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every server on SQLite and PostgreSQL; print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.choices", description=__doc__)
    parser.add_argument("--url", help="a PostgreSQL server's URL (default: a throw-away one)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--servers", default="gunicorn,uvicorn")
    args = parser.parse_args(argv)
    rows = []
    with postgresql(args.url) as new_database, tempfile.TemporaryDirectory() as folder:
        for n, server in enumerate(args.servers.split(",")):
            sqlite = str(Path(folder) / f"records-{n}.sqlite3")
            for location in (sqlite, new_database(f"bench_choices_{os.getpid()}_{n}")):
                rows.append(run_case(server, location, args.workers, args.clients, args.seconds))
                print(rows[-1], file=sys.stderr)
    print(format_rows(rows, args.workers, args.clients))
    ok = all(row["recorded"] == row["answered"] and row["verifies"] for row in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
