"""Real servers' access logs hold no full address of a visitor without ``location`` consent.

uvicorn, hypercorn and gunicorn (sync workers) run as processes on loopback with their default
access logs (turned on where they are off by default), werkzeug's development server with
``TruncateAddresses``; each serves a small site wrapped in consentkit. Visitors come through a
trusted proxy (the test, at 127.0.0.1, sends ``X-Forwarded-For``): one refuses, one accepts
without ``location`` (IPv4 and IPv6), one accepts all. Each asks for pages and every endpoint
(the choice, the consent as JSON, the preferences page, the language switch, a static file)
and opens a WebSocket on the ASGI servers. Then every line the server wrote, to its log or
its stdout and stderr, is read: no full address of the first three, in any form; each of them
is logged truncated (so the lines were there to read); and the visitor who accepted all is
logged in full where nothing truncates every address (so the address did reach the log).

The servers are configured as ``docs/deployment.md`` says, so that their lines show the
visitor's address as consentkit shows it: uvicorn as it comes (its default ``--proxy-headers``
puts the forwarded address in the scope), hypercorn and gunicorn with the documented
``--access-logformat``, gunicorn also with the raw header and the filter.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware, get_consent
from consentkit.location import truncate_ip

from ..support.servers import free_port, serve_command

pytestmark = pytest.mark.server

KEY = "กุญแจทดสอบ-บันทึกการเข้าถึง-0123456789"
PAGE = (
    "<!DOCTYPE html><html lang='th'><head><title>ร้านข้าวแกง</title></head>"
    "<body><h1>ร้านข้าวแกงป้าศรี</h1><p id='ip'>{}</p></body></html>"
)

#: (address, how the visitor chooses): the first three never grant ``location``.
VISITORS = [
    ("203.0.113.77", "reject_all"),
    ("198.51.100.23", "others"),
    ("2001:db8:85a3:4d2::8a2e:370:7334", "others"),
    ("192.0.2.99", "accept_all"),
]
WITHOUT_LOCATION = [ip for ip, choice in VISITORS if choice != "accept_all"]
WITH_LOCATION = [ip for ip, choice in VISITORS if choice == "accept_all"]

#: gunicorn's default access log format, with the visitor's address first as consentkit shows
#: it (the environ's X-Forwarded-For), as docs/deployment.md gives it.
GUNICORN_FORMAT = (
    '%({http_x_forwarded_for}e)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
)
#: The same with the raw header gunicorn keeps for itself: only the filter truncates it.
GUNICORN_RAW_FORMAT = (
    '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
)
#: hypercorn's default access log format, with the scope's X-Forwarded-For first.
HYPERCORN_FORMAT = '%({x-forwarded-for}i)s %(h)s %(l)s %(l)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s"'


# -- the site, as each server imports it ---------------------------------------------------------


def asgi_site() -> Any:
    """The ASGI site: a page and a WebSocket, each telling what the app is shown."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.format(get_consent(request).client_ip))

    async def socket_(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "client_ip": get_consent(websocket).client_ip,
                "forwarded_for": websocket.headers.get("x-forwarded-for"),
                "greeting": "สวัสดีครับ",
            }
        )
        await websocket.close()

    app = Starlette(routes=[Route("/", page), WebSocketRoute("/ws", socket_)])
    return ConsentMiddleware(app, secret_key=KEY, trusted_proxies=["127.0.0.1"])


def wsgi_site() -> Any:
    """The WSGI site: a page telling what the app is shown."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = PAGE.format(get_consent(environ).client_ip).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return ConsentWSGIMiddleware(app, secret_key=KEY, trusted_proxies=["127.0.0.1"])


WERKZEUG_SCRIPT = """
import logging, sys
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import run_simple
from consentkit.access_log import TruncateAddresses
from tests.e2e.test_access_logs import wsgi_site

logging.getLogger("werkzeug").addFilter(TruncateAddresses())
run_simple("127.0.0.1", int(sys.argv[1]), ProxyFix(wsgi_site()), threaded=True)
"""

GUNICORN_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"truncate_addresses": {"()": "consentkit.access_log.TruncateAddresses"}},
    "formatters": {"plain": {"format": "%(asctime)s [%(name)s] %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["truncate_addresses"],
        }
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}


# -- the servers ---------------------------------------------------------------------------------


def _uvicorn(port: int, tmp_path: Path) -> list[str]:
    # Everything at its default but the address: access log on, --proxy-headers on, trusting
    # 127.0.0.1.
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"{__name__}:asgi_site",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def _hypercorn(port: int, tmp_path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hypercorn",
        f"{__name__}:asgi_site()",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        "--access-logformat",
        HYPERCORN_FORMAT,
    ]


def _gunicorn(port: int, tmp_path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        "--access-logformat",
        GUNICORN_FORMAT,
        f"{__name__}:wsgi_site()",
    ]


def _gunicorn_filtered(port: int, tmp_path: Path) -> list[str]:
    config = tmp_path / "gunicorn_conf.py"
    config.write_text(f"logconfig_dict = {GUNICORN_LOGGING!r}\n", encoding="utf-8")
    return [
        *_gunicorn(port, tmp_path)[:-3],
        "--access-logformat",
        GUNICORN_RAW_FORMAT,
        "--config",
        str(config),
        f"{__name__}:wsgi_site()",
    ]


def _werkzeug(port: int, tmp_path: Path) -> list[str]:
    return [sys.executable, "-c", WERKZEUG_SCRIPT, str(port)]


#: name -> (its command, it serves WebSockets, it truncates every address it logs)
SERVERS = {
    "uvicorn": (_uvicorn, True, False),
    "hypercorn": (_hypercorn, True, False),
    "gunicorn": (_gunicorn, False, False),
    "gunicorn+filter": (_gunicorn_filtered, False, True),
    "werkzeug+filter": (_werkzeug, False, True),
}


@contextmanager
def serving(name: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The server ``name`` on a free loopback port: its base URL and its output file."""
    command, _, _ = SERVERS[name]
    port = free_port()
    log = tmp_path / f"{name}.log"
    with serve_command(command(port, tmp_path), port, log) as url:
        yield url, log


# -- the visitors --------------------------------------------------------------------------------


def _form(choice: str) -> dict[str, Any]:
    if choice == "others":
        return {"choice": "save", "categories": ["functional", "analytics", "marketing"]}
    return {"choice": choice}


def visit(base_url: str, ip: str, choice: str, websocket: bool) -> list[str]:
    """One visitor behind the proxy, over every path; what the app showed of their address."""
    headers = {"X-Forwarded-For": ip, "Accept-Language": "th", "Origin": base_url}
    shown = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        first = client.get("/")
        assert first.status_code == 200
        shown.append(re.search(r"<p id='ip'>([^<]*)</p>", first.text)[1])  # type: ignore[index]
        static = re.search(r"/_consent/static/[^\"']+", first.text)
        assert static is not None, "the banner links no static file"
        assert client.get(static[0]).status_code == 200
        assert client.get("/_consent/preferences").status_code == 200
        assert client.post("/_consent", data=_form(choice)).status_code == 303
        assert client.get("/_consent").json()["decided"] is True
        assert client.get("/_consent/preferences").status_code == 200
        switched = client.get("/_consent/language", params={"locale": "en", "next": "/"})
        assert switched.status_code == 303
        again = client.get("/")
        shown.append(re.search(r"<p id='ip'>([^<]*)</p>", again.text)[1])  # type: ignore[index]
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    if websocket:
        from websockets.sync.client import connect

        ws_url = base_url.replace("http://", "ws://") + "/ws"
        with connect(
            ws_url, additional_headers={"X-Forwarded-For": ip, "Cookie": cookies}, open_timeout=30
        ) as ws:
            seen = json.loads(ws.recv(timeout=30))
        assert seen["greeting"] == "สวัสดีครับ"
        shown += [seen["client_ip"], seen["forwarded_for"]]
    return shown


def _full_forms(ip: str) -> set[str]:
    """Every way a full address may be written in a log line."""
    address = ipaddress.ip_address(ip)
    return {ip, str(address), address.exploded}


def _send_garbage(base_url: str) -> None:
    """A request line the server cannot read: logged from its own copy of the peer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/9.9\r\n\r\n")
        sock.recv(4096)


@pytest.mark.parametrize("server", SERVERS)
def test_the_access_log_holds_no_full_address_of_a_visitor_without_location(
    server: str, tmp_path: Path
) -> None:
    _, websocket, truncates_all = SERVERS[server]
    with serving(server, tmp_path) as (url, log):
        shown = {ip: visit(url, ip, choice, websocket) for ip, choice in VISITORS}
        if truncates_all:
            _send_garbage(url)
    lines = log.read_text(encoding="utf-8", errors="replace")

    for ip in WITHOUT_LOCATION:  # the app saw the truncated address, on every path
        assert set(shown[ip]) == {truncate_ip(ip)}, (ip, shown[ip])
    for ip in WITH_LOCATION:  # truncated before the choice, in full after it
        assert shown[ip][0] == truncate_ip(ip) and set(shown[ip][1:]) == {ip}, shown[ip]

    for ip in WITHOUT_LOCATION:
        for form in _full_forms(ip):
            assert form not in lines, (server, ip, lines)
    for ip, _ in VISITORS:  # the lines are there: each visitor's, truncated
        assert truncate_ip(ip) in lines, (server, ip, lines)
    for path in ("/_consent/preferences", "/_consent/language", "/_consent/static/"):
        assert path in lines, (server, path, lines)
    if websocket:
        assert "/ws" in lines, lines
    if truncates_all:
        assert "127.0.0.1" not in lines, lines  # the peer, the server's own start-up line
        for ip in WITH_LOCATION:
            assert ip not in lines
    else:
        for ip in WITH_LOCATION:  # the address reached the log, in full once granted
            assert ip in lines, (server, lines)
