"""A bounded load run of mixed traffic through real servers: uvicorn (the Starlette app) and
gunicorn (the Flask app, gthread workers), each bare and wrapped in consentkit.

Every server is started up front (one subprocess each, one worker); a fixed number of requests
is split into rounds, and each round loads bare then wrapped for both servers, so drift cancels
as in ``loopback``. The requests are a fixed, seeded mix of what a site receives: new visitors
on a page (banner), decided visitors (a consent cookie got from ``POST /_consent``), visitors
carrying ``_ga``, JSON calls, choice POSTs, the preferences page, and hostile requests (garbage
and forged cookies, large headers within the servers' limits, odd methods). A few client
threads, each with its own keep-alive connection (``http.client``), send them; every request
has a timeout and the whole run a deadline, so it stops by itself.

What must hold: no connection error and no 5xx, on any server, bare or wrapped; and the few
responses whose content is checked (banner for a new visitor, none for a decided one) say so.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .apps import BROWSER_HEADERS, CONSENT_OPTIONS, GA_COOKIE, UNDECIDED_COOKIE, flask_app
from .loopback import serving
from .targets import Target

#: ``(server, variant)`` pairs, in the order each round loads them.
CASES = (
    ("uvicorn", "bare"),
    ("uvicorn", "consentkit"),
    ("gunicorn", "bare"),
    ("gunicorn", "consentkit"),
)
THREADS = 8
REQUEST_TIMEOUT = 10.0
BANNER = b'id="consentkit-banner"'


def flask_bare() -> Any:
    """gunicorn's factory (``benchmarks.load:flask_bare()``): the Flask app, bare."""
    return flask_app()


def flask_consentkit() -> Any:
    """gunicorn's factory: the Flask app with ``app.wsgi_app`` wrapped, as the docs say."""
    from consentkit import ConsentWSGIMiddleware

    app = flask_app()
    app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, **CONSENT_OPTIONS)
    return app


def _command(server: str, variant: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [sys.executable, "-m", "benchmarks.serve", variant, str(port)]
    factory = "flask_bare()" if variant == "bare" else "flask_consentkit()"
    return [
        *(sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread"),
        *("--threads", str(THREADS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        f"benchmarks.load:{factory}",
    ]


def servers() -> contextlib.AbstractContextManager[dict[tuple[str, str], int]]:
    """Every server of :data:`CASES`, ``(server, variant) -> port`` (see
    :func:`~.loopback.serving`)."""
    return serving({case: functools.partial(_command, *case) for case in CASES})


# -- the requests -------------------------------------------------------------------------------

Request = tuple[str, str, str, list[tuple[str, str]], bytes]  # kind, method, path, headers, body


def _browser(cookie: str | None = None, **extra: str) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in BROWSER_HEADERS if k != "host"]
    if cookie:
        headers.append(("cookie", cookie))
    return [*headers, *((k.replace("_", "-"), v) for k, v in extra.items())]


def _form(choice: str, site: str = "same-origin") -> tuple[list[tuple[str, str]], bytes]:
    body = f"choice={choice}&next=/".encode()
    headers = [
        *[(k, v) for k, v in _browser() if k != "sec-fetch-site"],
        ("sec-fetch-site", site),
        ("content-type", "application/x-www-form-urlencoded"),
    ]
    return headers, body


def consent_cookie(port: int) -> str:
    """A decided visitor's cookie: what ``POST /_consent`` with ``accept_all`` sets."""
    headers, body = _form("accept_all")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("POST", "/_consent", body, dict(headers))
        response = connection.getresponse()
        response.read()
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    finally:
        connection.close()
    for value in cookies:
        pair = value.split(";", 1)[0]
        if pair.startswith("consentkit="):
            return pair
    raise RuntimeError(f"POST /_consent answered {response.status} without a consent cookie")


def kinds(decided: str) -> list[tuple[str, int, Request]]:
    """``(kind, weight, request)``: the mix, each kind with its share of the traffic."""
    accept_headers, accept_body = _form("accept_all")
    cross_headers, cross_body = _form("accept_all", site="cross-site")
    bad_headers, bad_body = _form("accept_everything")
    many = "; ".join(f"c{i}={'v' * 40}" for i in range(120))  # ~6 KB over 120 cookies
    garbage = (
        'consentkit=AAAA.bbbb.cccc; consentkit=; ==; ;;; a=b=c; "q"=x; '
        "consentkit_lang=zz-ZZ; _ga=\xff\xfe; " + "%" * 300
    )
    forged = decided[:-6] + ("AAAAAA" if not decided.endswith("AAAAAA") else "BBBBBB")
    plan: list[tuple[str, int, Request]] = [
        ("new visitor, page", 20, ("GET", "/", _browser(), b"")),
        ("undecided with cookies, page", 8, ("GET", "/", _browser(UNDECIDED_COOKIE), b"")),
        ("decided, page", 20, ("GET", "/", _browser(f"{decided}; theme=dark"), b"")),
        ("undecided with _ga, page", 8, ("GET", "/", _browser(GA_COOKIE), b"")),
        ("decided with _ga, JSON", 8, ("GET", "/api", _browser(f"{decided}; {GA_COOKIE}"), b"")),
        ("JSON call", 12, ("GET", "/api", _browser(accept="application/json"), b"")),
        ("choice POST", 4, ("POST", "/_consent", accept_headers, accept_body)),
        ("cross-site choice POST", 2, ("POST", "/_consent", cross_headers, cross_body)),
        ("unknown choice POST", 2, ("POST", "/_consent", bad_headers, bad_body)),
        ("preferences page", 4, ("GET", "/_consent/preferences?next=/api", _browser(), b"")),
        ("consent as JSON", 2, ("GET", "/_consent", _browser(decided), b"")),
        ("garbage cookies", 3, ("GET", "/", _browser(garbage), b"")),
        ("forged consent cookie", 2, ("GET", "/", _browser(f"{forged}; {GA_COOKIE}"), b"")),
        ("120 cookies, 6 KB", 2, ("GET", "/", _browser(many), b"")),
        ("6 KB Accept-Language", 1, ("GET", "/", _browser(accept_language="x" * 6000), b"")),
        ("bad method on page", 1, ("DELETE", "/", _browser(), b"")),
        ("bad method on endpoint", 1, ("PATCH", "/_consent", _browser(decided), b"")),
        ("unknown method", 1, ("BREW", "/_consent/preferences", _browser(), b"")),
        ("missing page", 1, ("GET", "/nowhere/../%00%ff", _browser(), b"")),
    ]
    return [(kind, weight, (kind, *request)) for kind, weight, request in plan]


def mix(decided: str, count: int, seed: int = 6) -> list[Request]:
    """``count`` requests drawn from :func:`kinds` by weight, the same for every case."""
    table = kinds(decided)
    chooser = random.Random(seed)
    every = [request for _, _, request in table]
    weights = [weight for _, weight, _ in table]
    requests = every + chooser.choices(every, weights, k=max(0, count - len(every)))
    chooser.shuffle(requests)  # every kind at least once, spread over the run
    return requests[:count]


# -- the load -----------------------------------------------------------------------------------


@dataclass
class LoadRun:
    """One case's totals over every round."""

    server: str
    variant: str
    requests: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    #: Content checks that failed (a banner missing or where it must not be), with the kind.
    wrong: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def rps(self) -> float:
        """Requests per second over the time spent loading this case."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        """The ``p``-th latency percentile (ms)."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100)[p - 1]


def _check(run: LoadRun, kind: str, status: int, body: bytes) -> None:
    """The content a few kinds must show (only the wrapped app injects anything)."""
    if run.variant != "consentkit" or status != 200:
        return
    if kind == "new visitor, page" and BANNER not in body:
        run.wrong.append(f"{kind}: no banner")
    elif kind == "decided, page" and BANNER in body:
        run.wrong.append(f"{kind}: a banner for a decided visitor")


def _worker(
    port: int, requests: list[Request], deadline: float, run: LoadRun, lock: threading.Lock
) -> None:
    connection: http.client.HTTPConnection | None = None
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    try:
        for kind, method, path, headers, body in requests:
            if time.monotonic() > deadline:
                errors.append(f"{kind}: the run's deadline passed")
                break
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            start = time.perf_counter()
            try:
                connection.request(method, path, body or None, dict(headers))
                response = connection.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{kind}: {type(error).__name__}: {error}")
                connection.close()
                connection = None
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[response.status] += 1
            with lock:
                _check(run, kind, response.status, content)
            if response.will_close:
                connection.close()
                connection = None
    finally:
        if connection is not None:
            connection.close()
        with lock:
            run.requests += len(latencies) + len(errors)
            run.errors += len(errors)
            run.error_samples += errors[: 5 - len(run.error_samples)]
            run.statuses.update(statuses)
            run.latencies += latencies


def load(port: int, requests: list[Request], run: LoadRun, deadline: float) -> None:
    """Send ``requests`` to ``port`` over :data:`THREADS` keep-alive connections."""
    lock = threading.Lock()
    shares = [requests[i::THREADS] for i in range(THREADS)]
    threads = [
        threading.Thread(target=_worker, args=(port, share, deadline, run, lock), daemon=True)
        for share in shares
        if share
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT)
    run.seconds += time.perf_counter() - start
    if any(thread.is_alive() for thread in threads):
        run.error_samples.append("a client thread was still running at the deadline")
        run.errors += 1


def run(total: int, rounds: int, time_limit: float = 600.0) -> dict[tuple[str, str], LoadRun]:
    """``total`` requests per case, in ``rounds`` interleaved rounds, within ``time_limit`` s."""
    deadline = time.monotonic() + time_limit
    results = {case: LoadRun(*case) for case in CASES}
    with servers() as ports:
        decided = consent_cookie(ports["uvicorn", "consentkit"])
        requests = mix(decided, total)
        warm_up = [request for _, _, request in kinds(decided)] * 2
        for case in CASES:  # every kind twice: imports, templates, lazy stacks (not counted)
            load(ports[case], warm_up, LoadRun(*case), deadline)
        per_round = -(-len(requests) // rounds)
        for start in range(0, len(requests), per_round):
            for case in CASES:
                load(ports[case], requests[start : start + per_round], results[case], deadline)
    return results


def targets(results: dict[tuple[str, str], LoadRun]) -> list[Target]:
    """One target per case: no connection error, no 5xx, no content check failed."""
    return [
        Target(
            f"load, {server} {variant}: connection errors + 5xx + failed checks",
            float(result.errors + result.server_errors + len(result.wrong)),
            0.0,
            "<=",
            "",
        )
        for (server, variant), result in results.items()
    ]


def failed(results: dict[tuple[str, str], LoadRun]) -> bool:
    """Whether any case had a connection error, a 5xx or a failed content check."""
    return any(r.errors or r.server_errors or r.wrong for r in results.values())


def format_table(results: dict[tuple[str, str], LoadRun]) -> str:
    """A Markdown table per run: counts, statuses, requests/s (and the ratio), latency."""
    lines = [
        f"### Load: mixed traffic through real servers ({THREADS} client threads, 1 worker)",
        "",
        "| server | app | requests | errors | 5xx | statuses | requests/s | × bare | p50 ms "
        "| p99 ms |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for (server, variant), result in results.items():
        bare = results[server, "bare"]
        ratio = "" if variant == "bare" or not bare.rps else f"{result.rps / bare.rps:.2f}"
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
        name = "gthread" if server == "gunicorn" else "asyncio"
        lines.append(
            f"| {server} ({name}) | {variant} | {result.requests} | {result.errors} | "
            f"{result.server_errors} | {statuses} | {result.rps:.0f} | {ratio} | "
            f"{result.percentile(50):.2f} | {result.percentile(99):.2f} |"
        )
    problems = [
        f"- {server} {variant}: {sample}"
        for (server, variant), result in results.items()
        for sample in [*result.error_samples, *result.wrong[:5]]
    ]
    if problems:
        lines += ["", "**Problems:**", "", *problems]
    return "\n".join(lines)
