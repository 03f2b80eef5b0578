"""consentkit's Django middleware under real servers: gunicorn (WSGI, sync worker) and uvicorn
(ASGI, the middleware async) serving a Django project whose ``MIDDLEWARE`` holds it, with
Django's own application objects (nothing wrapped). Checked over HTTP: the banner, a choice
kept, refused cookies expired for every domain variant (several ``Set-Cookie`` of one name on
the wire), the view and the server's access log shown only the truncated address."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..support import ROOT
from ..support.harness import HttpClient
from ..support.servers import free_port, serve_command

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent
HOST = "shop.example.co.th"
BANNER = 'id="consentkit-banner"'


def _argv(server: str, port: int) -> list[str]:
    if server == "gunicorn":
        return [
            str(BIN / "gunicorn"),
            "tests.support.django_serve:wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "-",
        ]
    return [
        str(BIN / "uvicorn"),
        "tests.support.django_serve:asgi",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
    ]


def _logged(log: Path, needle: str) -> list[str]:
    """The log's lines with ``needle``, waiting a while for the server to write them (it
    logs a request after answering it)."""
    deadline = time.monotonic() + 15
    while True:
        lines = [line for line in log.read_text(errors="replace").splitlines() if needle in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.fixture(params=["gunicorn", "uvicorn"], scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[HttpClient, Path]]:
    """The Django site served by a real server, and the file its output goes to."""
    port = free_port()
    log = tmp_path_factory.mktemp(request.param) / "server.log"
    with serve_command(_argv(request.param, port), port, log) as url:
        yield HttpClient(url, request.param), log


def test_banner_then_a_choice_kept(served: tuple[HttpClient, Path]) -> None:
    client, _ = served
    first = client.request("GET", "/")
    assert BANNER in first.text and "สวัสดีครับ" in first.text
    assert "cookie" in (first.header("vary") or "").lower()
    chosen = client.request(
        "POST",
        "/_consent",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", client.origin),
        ],
        body=b"choice=accept_all",
    )
    assert chosen.status == 303
    cookie = chosen.cookie_value("consentkit")
    after = client.request("GET", "/set-cookies", headers=[("Cookie", f"consentkit={cookie}")])
    assert BANNER not in after.text
    assert {"_ga", "_gid", "sessionid"} <= set(after.set_cookies())


def test_refused_cookies_expire_for_every_domain_on_the_wire(
    served: tuple[HttpClient, Path],
) -> None:
    client, _ = served
    response = httpx.get(
        client.base_url + "/plain-json",
        headers={"Host": HOST, "Cookie": "_ga=GA1.1.1; _fbp=fb.1.2"},
        timeout=10,
    )
    assert response.status_code == 200
    for name in ("_ga", "_fbp"):
        cookies = response.headers.get_list("set-cookie")
        values = [v for v in cookies if v.strip().startswith(f"{name}=;")]
        domains = {m.group(1) for v in values if (m := re.search(r"Domain=([^;]+)", v))}
        assert len(values) == 4 and domains == {HOST, "example.co.th", "co.th"}


def test_the_view_and_the_access_log_see_the_truncated_address(
    served: tuple[HttpClient, Path],
) -> None:
    client, log = served
    shown = client.request("GET", "/meta")
    assert shown.status == 200
    assert '"remote_addr": "127.0.0.0"' in shown.text
    lines = _logged(log, "/meta")
    assert lines, "the server logged the request"
    assert all("127.0.0.1" not in line and "127.0.0.0" in line for line in lines)


@pytest.mark.parametrize("example", ["django", "django_middleware"])
def test_manage_py_check_passes_both_django_examples(example: str) -> None:
    """Both ways of installing consentkit (wrapped in wsgi.py/asgi.py, a MIDDLEWARE entry)
    are seen by the checks: no consentkit.W002 nor E004 for either, run as a user runs it."""
    done = subprocess.run(
        [sys.executable, f"examples/{example}/manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_a_bad_option_stops_the_server_at_start_up(server: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.support.django_settings_bad"}
    argv = _argv(server, free_port())
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "ImproperlyConfigured: settings.CONSENTKIT" in output and "prefix" in output
