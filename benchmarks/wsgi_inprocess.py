"""WSGI in-process: Flask called directly with built environs (no HTTP, no server).

Variants: bare Flask (no cookie: Flask opens an empty session), Flask reading its own signed
session cookie, and consentkit's ``ConsentWSGIMiddleware`` around the same Flask app.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from .apps import (
    BROWSER_HEADERS,
    CONSENT_OPTIONS,
    CONSENTKIT_CASES,
    GATED_UNDECIDED_COOKIE,
    UNDECIDED_COOKIE,
    flask_app,
    refused_cookie,
)
from .harness import Case, Result, check_expiry, interleave, with_baselines

_KIND_OF_PATH = {"/": "HTML", "/api": "JSON"}

WSGIApp = Callable[..., Any]


def build_environ(path: str, cookie: str | None = None) -> dict[str, Any]:
    """A GET environ for ``path`` with a browser's headers and ``cookie``."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in BROWSER_HEADERS:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def call(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request through ``app``: status, headers and the whole body."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    environ = {**environ, "wsgi.input": io.BytesIO(b"")}
    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return started[0], started[1], body


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def runner(app: WSGIApp, environ: dict[str, Any]) -> Callable[[int], None]:
    """``run(n)``: serve ``n`` requests, reading every body and closing every iterable."""

    def run(n: int) -> None:
        for _ in range(n):
            env = environ.copy()
            env["wsgi.input"] = io.BytesIO(b"")
            iterable = app(env, _start_response)
            for _chunk in iterable:
                pass
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return run


def check(name: str, app: WSGIApp, environ: dict[str, Any]) -> None:
    """Fail when a case does not do what it claims (banner shown, loader shown, ...)."""
    status, headers, body = call(app, environ)
    if not status.startswith("200"):
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
        set_cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        check_expiry(name, environ.get("HTTP_COOKIE"), set_cookies)
    if "JSON" in name and body[:1] != b"{":
        raise RuntimeError(f"{name}: not the JSON body")


def cases() -> list[Case]:
    """The cases of the in-process WSGI (Flask) benchmark, checked once each."""
    from consentkit import ConsentWSGIMiddleware

    app = flask_app()
    wrapped = ConsentWSGIMiddleware(flask_app(), **CONSENT_OPTIONS)
    _, headers, _ = call(app, build_environ("/login"))
    session_cookie = next(v for k, v in headers if k.lower() == "set-cookie").split(";")[0]
    core = wrapped.engine
    token = core.codec.encode(["functional", "analytics"], core.settings.policy_version)
    decided = f"consentkit={token}; theme=dark; _ga=GA1.1.1234567890.1764000000"
    refused = refused_cookie(core.codec.encode([], core.settings.policy_version))
    session_check = flask_app()

    @session_check.after_request
    def _read(response: Any) -> Any:
        from flask import session

        if session.get("user") != "somchai":
            raise RuntimeError("Flask session: the session cookie was not read")
        return response

    call(session_check, build_environ("/", session_cookie))
    jar = {
        "session": session_cookie,
        "undecided": UNDECIDED_COOKIE,
        "decided": decided,
        "gated": GATED_UNDECIDED_COOKIE,
        "refused": refused,
    }
    apps = {"Flask": app, "consentkit": wrapped}
    plan = [
        ("Flask session HTML", "Flask", "/", "session"),
        ("Flask session JSON", "Flask", "/api", "session"),
        *CONSENTKIT_CASES,
    ]
    result = []
    for name, variant, path, kind, baseline in with_baselines(plan, "Flask", _KIND_OF_PATH):
        target = apps[variant]
        environ = build_environ(path, jar[kind] if kind else None)
        check(name, target, environ)
        result.append(Case(name, runner(target, environ), baseline))
    return result


def run(rounds: int, batch: int | None = None) -> dict[str, Result]:
    """Time every in-process Flask case, interleaved."""
    return interleave(cases(), rounds, batch)
