"""Memory: streaming a 100 MB page through consentkit, and 100,000 distinct visitors.

Measured with ``tracemalloc`` (Python allocations: what consentkit could hold on to), RSS
shown alongside for reference.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import tracemalloc
from dataclasses import dataclass
from typing import Any

from .apps import CONSENT_OPTIONS, starlette_app, streaming_app
from .asgi_inprocess import _receive, build_scope

MB = 1024 * 1024


@dataclass
class StreamResult:
    """Peak traced memory while streaming ``size`` bytes, and when the first byte went out."""

    size: int
    peak: int
    chunks_before_first_byte: int
    chunks: int
    injected: bool


def _current_rss() -> int:
    """The process's resident set size now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def stream(size: int) -> StreamResult:
    """Stream an HTML page of ``size`` bytes through consentkit (banner injected), traced."""
    from consentkit import ConsentMiddleware

    app = streaming_app(size)
    middleware = ConsentMiddleware(app, **CONSENT_OPTIONS)
    scope = build_scope("/")
    state: dict[str, Any] = {"first": None, "bytes": 0, "banner": False, "tail": b""}

    async def send(message: Any) -> None:
        if message["type"] != "http.response.body":
            return
        body = message.get("body", b"")
        if body and state["first"] is None:
            state["first"] = app.produced
        state["bytes"] += len(body)
        if b'id="consentkit-banner"' in state["tail"] + body:
            state["banner"] = True
        state["tail"] = body[-64:]

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(middleware(scope.copy(), _receive, send))  # warm-up
        state.update(first=None, bytes=0, banner=False)
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        loop.run_until_complete(middleware(scope.copy(), _receive, send))
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    finally:
        loop.close()
    if state["bytes"] <= size:
        raise RuntimeError("the streamed body came out no longer than it went in")
    return StreamResult(size, peak, state["first"] or 0, app.produced, state["banner"])


@dataclass
class VisitorsResult:
    """RSS growth serving ``visitors`` distinct visitors, and the caches' sizes."""

    visitors: int
    growth: int
    peak: int
    rss_before: int
    rss_after: int
    caches: dict[str, int]


def visitors(count: int) -> VisitorsResult:
    """Serve ``count`` distinct visitors (each its own consent cookie, cookie names and
    ``Accept-Language``) through consentkit; the process's RSS growth after the first 1,000.

    RSS, not tracemalloc: tracing would make 100,000 requests take minutes."""
    from consentkit import ConsentMiddleware

    middleware = ConsentMiddleware(starlette_app(), **CONSENT_OPTIONS)
    core = middleware.engine
    version = core.settings.policy_version
    kinds = (["analytics"], ["functional", "analytics", "marketing"], [], ["location"])

    async def serve(start: int, stop: int) -> None:
        for i in range(start, stop):
            cookie = f"ab_{i}=1; _ga_{i}=GA1.1.{i}; _gid=GA1.2.{i}"
            if i % 5:  # four in five have decided, the fifth sees the banner
                cookie = f"consentkit={core.codec.encode(kinds[i % 4], version)}; {cookie}"
            scope = build_scope("/" if i % 2 else "/api", cookie)
            scope["headers"] = [
                (k, v) if k != b"accept-language" else (k, f"th-TH,th;q=0.9,x-{i};q=0.5".encode())
                for k, v in scope["headers"]
            ]
            scope["client"] = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", 40000)
            await middleware(scope, _receive, _discard)

    loop = asyncio.new_event_loop()
    try:
        warm = min(1000, count // 10)
        loop.run_until_complete(serve(0, warm))
        gc.collect()
        before = _current_rss()
        peak = before
        step = max(1, (count - warm) // 20)
        for start in range(warm, count, step):
            loop.run_until_complete(serve(start, min(count, start + step)))
            peak = max(peak, _current_rss())
        gc.collect()
        after = _current_rss()
    finally:
        loop.close()
    caches = {
        "distinct Cookie headers": len(core.cookie_headers),
        "verified consent tokens": len(core.codec._verified),
        "truncated addresses": len(core.truncated),
        "cookie names classified": len(core.classifier._cache),
        "Accept-Language negotiated": len(core.renderer.catalogs._negotiated),
    }
    return VisitorsResult(count, after - before, peak - before, before, after, caches)


async def _discard(message: Any) -> None:
    return None


def format_tables(streams: list[StreamResult], crowd: VisitorsResult) -> str:
    """Markdown tables of the memory measurements."""
    lines = [
        "### Memory",
        "",
        "| streamed HTML page | peak traced memory | first byte sent after chunk | banner |",
        "|---|---:|---:|---|",
    ]
    for result in streams:
        lines.append(
            f"| {_size(result.size)} | {result.peak / 1024:.0f} KiB | "
            f"{result.chunks_before_first_byte} of {result.chunks} | "
            f"{'injected' if result.injected else 'MISSING'} |"
        )
    lines += [
        "",
        f"{crowd.visitors:,} distinct visitors: RSS growth {crowd.growth / MB:.2f} MB "
        f"(peak {crowd.peak / MB:.2f} MB; RSS {crowd.rss_before / MB:.0f} → "
        f"{crowd.rss_after / MB:.0f} MB); cache sizes after: "
        + ", ".join(f"{k} {v:,}" for k, v in crowd.caches.items())
        + ".",
    ]
    return "\n".join(lines)


def _size(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size / 1024:.0f} KB"
