"""ASGI over loopback: each variant under uvicorn (one worker, a subprocess each), loaded in
rounds by ``wrk`` (or, where wrk is missing, a small asyncio load generator).

Every server is started up front and idles while the others are loaded, so each round loads
bare, no-op, session and consentkit back to back and drift cancels as in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .apps import BROWSER_HEADERS, CONSENT_OPTIONS, UNDECIDED_COOKIE

K = TypeVar("K")

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("bare", "noop", "session", "consentkit")


@dataclass
class LoadResult:
    """Requests per second and latency percentiles (ms) of one case, one entry per round."""

    name: str
    baseline: str | None
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p90: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def median(self, what: str) -> float:
        """The median over rounds of ``rps``, ``p50``, ``p90`` or ``p99``."""
        return statistics.median(getattr(self, what))

    def ratio(self, other: LoadResult) -> float:
        """The median over rounds of this case's requests/s over ``other``'s in the same round
        (paired, so a burst of load from elsewhere on the machine cancels)."""
        return statistics.median(a / b for a, b in zip(self.rps, other.rps, strict=True))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmark server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no server on port {port} after {timeout} s")


@contextlib.contextmanager
def serving(commands: dict[K, Callable[[int], list[str]]]) -> Iterator[dict[K, int]]:
    """Start one subprocess per ``key -> command(port)`` on a free loopback port; yield
    ``key -> port`` once each listens; stop them all."""
    processes: list[subprocess.Popen[bytes]] = []
    ports: dict[K, int] = {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    try:
        for key, command in commands.items():
            port = _free_port()
            process = subprocess.Popen(
                command(port),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            ports[key] = port
        for process, port in zip(processes, ports.values(), strict=True):
            _wait(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def servers() -> contextlib.AbstractContextManager[dict[str, int]]:
    """One uvicorn subprocess per variant; ``name -> port``."""
    return serving({name: functools.partial(_uvicorn, name) for name in VARIANTS})


def _uvicorn(name: str, port: int) -> list[str]:
    return [sys.executable, "-m", "benchmarks.serve", name, str(port)]


def _cookies(ports: dict[str, int]) -> dict[str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['session']}/login") as response:
        session = response.headers["set-cookie"].split(";")[0]
    from consentkit.core.codec import ConsentCodec
    from consentkit.options import Settings

    settings = Settings.from_options(**CONSENT_OPTIONS)
    token = ConsentCodec(settings.secret_keys, settings.max_age).encode(
        ["functional", "analytics"], settings.policy_version
    )
    return {
        "session": session,
        "undecided": UNDECIDED_COOKIE,
        "decided": f"consentkit={token}; theme=dark; _ga=GA1.1.1234567890.1764000000",
    }


def _request_headers(cookie: str | None) -> list[tuple[str, str]]:
    """A browser's headers less ``Host`` (the load generator sends the real one)."""
    headers = [(k, v) for k, v in BROWSER_HEADERS if k != "host"]
    return [*headers, ("cookie", cookie)] if cookie else headers


# -- load generators ----------------------------------------------------------------------------

_WRK_LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_available() -> bool:
    """Whether ``wrk`` is on the PATH."""
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, headers: list[tuple[str, str]], seconds: float, connections: int
) -> tuple[float, dict[str, float]]:
    """Requests/s and latency percentiles (ms) measured by ``wrk`` for ``url``."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk failed on {url}:\n{output}")
    latencies = {p: float(v) * _UNITS[u] for p, v, u in _WRK_LATENCY.findall(output)}
    return float(match.group(1)), latencies


async def _client(port: int, request: bytes, deadline: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"status line {head.splitlines()[0]!r}")
            length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if length is None:
                raise RuntimeError("the Python load generator needs a Content-Length")
            await reader.readexactly(int(length.group(1)))
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        writer.close()


def run_python(
    url: str, headers: list[tuple[str, str]], seconds: float, connections: int
) -> tuple[float, dict[str, float]]:
    """Requests/s and latency percentiles (ms) from a small asyncio keep-alive load generator.

    It spends CPU of its own (wrk is much lighter), so its figures are lower than wrk's.
    """
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    path = "/" + url.rsplit(":", 1)[1].split("/", 1)[1]
    lines = [
        f"GET {path} HTTP/1.1",
        f"host: 127.0.0.1:{port}",
        *(f"{k}: {v}" for k, v in headers),
        "",
        "",
    ]
    request = "\r\n".join(lines).encode("latin-1")
    latencies: list[float] = []

    async def main() -> float:
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(
            *(_client(port, request, deadline, latencies) for _ in range(connections))
        )
        return time.perf_counter() - start

    elapsed = asyncio.run(main())
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, {"50": q[49], "90": q[89], "99": q[98]}


# -- the benchmark ------------------------------------------------------------------------------


def run(rounds: int, seconds: float, connections: int = 16) -> tuple[dict[str, LoadResult], str]:
    """Load every case ``rounds`` times for ``seconds`` each; results and the tool used."""
    load = run_wrk if wrk_available() else run_python
    tool = "wrk" if load is run_wrk else "python (wrk not found)"
    with servers() as ports:
        jar = _cookies(ports)
        plan = [
            ("bare HTML", "bare", "/", None, None),
            ("no-op middleware HTML", "noop", "/", None, "bare HTML"),
            ("session HTML", "session", "/", jar["session"], "bare HTML"),
            ("consentkit (a) no cookie, HTML + banner", "consentkit", "/", None, "bare HTML"),
            (
                "consentkit (b) undecided with cookies, HTML + banner",
                "consentkit",
                "/",
                jar["undecided"],
                "bare HTML",
            ),
            (
                "consentkit (c) decided, HTML + loader",
                "consentkit",
                "/",
                jar["decided"],
                "bare HTML",
            ),
            ("bare JSON", "bare", "/api", None, None),
            ("session JSON", "session", "/api", jar["session"], "bare JSON"),
            ("consentkit (d) decided, JSON", "consentkit", "/api", jar["decided"], "bare JSON"),
        ]
        results = {name: LoadResult(name, baseline) for name, _, _, _, baseline in plan}
        for _name, variant, path, cookie, _ in plan:  # warm-up, and a check that each answers
            headers = _request_headers(cookie)
            load(f"http://127.0.0.1:{ports[variant]}{path}", headers, 1, 2)
        for _ in range(rounds):
            for name, variant, path, cookie, _ in plan:
                headers = _request_headers(cookie)
                rps, latency = load(
                    f"http://127.0.0.1:{ports[variant]}{path}", headers, seconds, connections
                )
                result = results[name]
                result.rps.append(rps)
                result.p50.append(latency.get("50", float("nan")))
                result.p90.append(latency.get("90", float("nan")))
                result.p99.append(latency.get("99", float("nan")))
    return results, tool


def format_table(results: dict[str, LoadResult], tool: str, connections: int = 16) -> str:
    """A Markdown table: median requests/s, ratio to the baseline, latency percentiles."""
    lines = [
        f"### ASGI over loopback (uvicorn, 1 worker; {tool}, {connections} connections)",
        "",
        "| case | requests/s | × baseline (paired) | p50 ms | p90 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results.values():
        ratio = ""
        if result.baseline is not None:
            ratio = f"{result.ratio(results[result.baseline]):.2f}"
        lines.append(
            f"| {result.name} | {result.median('rps'):.0f} | {ratio} | "
            f"{result.median('p50'):.2f} | {result.median('p90'):.2f} | "
            f"{result.median('p99'):.2f} |"
        )
    return "\n".join(lines)
