"""ASGI in-process: the Starlette app called directly with built scopes (no HTTP, no server).

Each case serves a batch of requests in one event loop; before timing, one request of each
case is checked for what it must show (banner injected, loader injected, session read, the
visitor's ``_ga``/``_fbp`` expired), so a case that silently stopped doing its work cannot look
fast.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .apps import (
    BROWSER_HEADERS,
    CONSENT_OPTIONS,
    CONSENTKIT_CASES,
    GATED_UNDECIDED_COOKIE,
    UNDECIDED_COOKIE,
    asgi_variants,
    refused_cookie,
)
from .harness import Case, Result, check_expiry, interleave, with_baselines

_KIND_OF_PATH = {"/": "HTML", "/api": "JSON"}

_REQUEST = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> dict[str, Any]:
    return _REQUEST


async def _discard(message: Any) -> None:
    return None


def build_scope(path: str, cookie: str | None = None) -> dict[str, Any]:
    """An HTTP GET scope for ``path`` with a browser's headers and ``cookie``."""
    headers = [(k.encode(), v.encode()) for k, v in BROWSER_HEADERS]
    if cookie:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("203.0.113.7", 50312),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: Any, scope: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request through ``app`` (with ``scope`` itself): status, headers and the body."""
    messages: list[Any] = []

    async def send(message: Any) -> None:
        messages.append(message)

    await app(scope, _receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], list(start.get("headers", [])), body


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [v for k, v in headers if k.lower() == name]


def cookies(loop: asyncio.AbstractEventLoop, variants: dict[str, Any]) -> dict[str, str]:
    """The cookie headers of each kind of visitor: a valid session, a valid consent."""
    _, headers, _ = loop.run_until_complete(call(variants["session"], build_scope("/login")))
    session_cookie = _header(headers, b"set-cookie")[0].split(b";")[0].decode()
    core = variants["consentkit"].engine
    token = core.codec.encode(["functional", "analytics"], core.settings.policy_version)
    reject_all = core.codec.encode([], core.settings.policy_version)
    return {
        "session": session_cookie,
        "undecided": UNDECIDED_COOKIE,
        "decided": f"consentkit={token}; theme=dark; _ga=GA1.1.1234567890.1764000000",
        "gated": GATED_UNDECIDED_COOKIE,
        "refused": refused_cookie(reject_all),
    }


def _check(loop: asyncio.AbstractEventLoop, name: str, app: Any, scope: dict[str, Any]) -> None:
    scope = scope.copy()
    status, headers, body = loop.run_until_complete(call(app, scope))
    if status != 200:
        raise RuntimeError(f"{name}: status {status}")
    if "banner" in name and b'id="consentkit-banner"' not in body:
        raise RuntimeError(f"{name}: no banner injected")
    if "loader" in name and b"data-consentkit-granted" not in body:
        raise RuntimeError(f"{name}: no script loader injected")
    if ") decided" in name and b'id="consentkit-banner"' in body:
        raise RuntimeError(f"{name}: a decided visitor was shown the banner")
    if "refused all" in name and b"data-consentkit-granted" in body:
        raise RuntimeError(f"{name}: a visitor who refused everything got the script loader")
    if "expiry" in name:
        cookie = b"; ".join(_header(scope["headers"], b"cookie")).decode("latin-1")
        set_cookies = [v.decode("latin-1") for v in _header(headers, b"set-cookie")]
        check_expiry(name, cookie, set_cookies)
    if name.startswith("session") and scope["session"].get("user") != "somchai":
        raise RuntimeError(f"{name}: the session cookie was not read")
    if name.startswith("floor") and "HTML" in name and b"<aside>" not in body:
        raise RuntimeError(f"{name}: no snippet inserted")
    if "JSON" in name and body[:1] != b"{":
        raise RuntimeError(f"{name}: not the JSON body")


def cases(loop: asyncio.AbstractEventLoop) -> list[Case]:
    """The cases of the in-process ASGI benchmark, checked once each."""
    variants = asgi_variants()
    jar = cookies(loop, variants)
    plan = [
        ("no-op middleware HTML", "noop", "/", None),
        ("no-op middleware JSON", "noop", "/api", None),
        ("session HTML", "session", "/", "session"),
        ("session JSON", "session", "/api", "session"),
        ("floor: the least work, HTML + fixed 4 KB snippet", "floor", "/", None),
        ("floor: the least work, JSON", "floor", "/api", None),
        *CONSENTKIT_CASES,
    ]
    result = []
    for name, variant, path, kind, baseline in with_baselines(plan, "bare", _KIND_OF_PATH):
        app = variants[variant]
        scope = build_scope(path, jar[kind] if kind else None)
        _check(loop, name, app, scope)
        result.append(Case(name, _runner(loop, app, scope), baseline))
    return result


def _runner(loop: asyncio.AbstractEventLoop, app: Any, scope: dict[str, Any]) -> Any:
    async def batch(n: int) -> None:
        for _ in range(n):
            await app(scope.copy(), _receive, _discard)

    def run(n: int) -> None:
        loop.run_until_complete(batch(n))

    return run


def run(rounds: int, batch: int | None = None) -> dict[str, Result]:
    """Time every in-process ASGI case, interleaved."""
    loop = asyncio.new_event_loop()
    try:
        return interleave(cases(loop), rounds, batch)
    finally:
        loop.close()


__all__ = ["CONSENT_OPTIONS", "build_scope", "call", "cases", "run"]
