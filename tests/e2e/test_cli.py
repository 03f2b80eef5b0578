"""The ``consentkit`` command: ``--help``, ``keygen``, ``check`` against real servers, ``demo``
as a real process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentkit import ConsentWSGIMiddleware
from consentkit.cli import main
from consentkit.options import Settings

from ..support.servers import free_port, serve_command, serve_wsgi

CONSENTKIT = str(Path(sys.executable).parent / "consentkit")
KEY = "กุญแจลับสำหรับทดสอบ-0123456789abcdef"


def _shop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A Thai shop page that sets a session cookie, and ``_ga`` and ``_fbp`` as if no law
    existed."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Set-Cookie", "sessionid=ร้าน".encode().decode("latin-1") + "; HttpOnly; Path=/"),
            ("Set-Cookie", "_ga=GA1.1.42.1764028800; Max-Age=63072000; Path=/"),
            ("Set-Cookie", "_fbp=fb.1.1764028800.7; Max-Age=7776000; Path=/"),
        ],
    )
    return ["<html><body><h1>ร้านกาแฟบ้านสวน</h1></body></html>".encode()]


def _redirect_then_shop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/":
        start_response(
            "302 Found",
            [("Location", "/th/"), ("Set-Cookie", "_gid=GA1.2.1.1; Max-Age=86400; Path=/")],
        )
        return [b""]
    return _shop(environ, start_response)


def _check(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONSENTKIT, "check", url, *extra], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "command", ["demo", "keygen", "check", "stats", "records", "report", "audit"]
)
def test_every_subcommand_has_help(command: str) -> None:
    done = subprocess.run([CONSENTKIT, command, "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert f"usage: consentkit {command}" in done.stdout


def test_keygen_prints_a_new_key_the_middleware_accepts() -> None:
    keys = [
        subprocess.run(
            [CONSENTKIT, "keygen"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert keys[0] != keys[1]
    for key in keys:
        assert len(key) >= 43
        assert Settings.from_options(secret_key=key).secret_keys == (key,)


@pytest.mark.server
def test_check_catches_a_leaking_page() -> None:
    with serve_wsgi(_shop) as base_url:
        done = _check(base_url + "/")
    assert done.returncode == 1, done.stdout
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "LEAK" in rows["_ga"] and "analytics" in rows["_ga"]
    assert "LEAK" in rows["_fbp"] and "marketing" in rows["_fbp"]
    assert "LEAK" not in rows["sessionid"]
    assert "MISSING" in done.stdout  # no banner
    assert "FAIL: cookies set without consent: _fbp, _ga; no consent banner" in done.stdout


@pytest.mark.server
def test_check_follows_redirects_and_reports_cookies_of_every_hop() -> None:
    with serve_wsgi(_redirect_then_shop) as base_url:
        done = _check(base_url + "/", "--no-banner-ok")
    assert done.returncode == 1
    assert "_gid" in done.stdout
    assert "no consent banner" not in done.stdout


@pytest.mark.server
def test_check_passes_the_same_page_behind_consentkit() -> None:
    app = ConsentWSGIMiddleware(_shop, secret_key=KEY)
    with serve_wsgi(app) as base_url:
        done = _check(base_url + "/")
    assert done.returncode == 0, done.stdout
    assert "present" in done.stdout
    assert "_ga" not in done.stdout and "_fbp" not in done.stdout
    assert done.stdout.rstrip().endswith("PASS")


@pytest.mark.server
def test_check_extra_category_patterns() -> None:
    def shop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(
            "200 OK",
            [("Content-Type", "text/plain"), ("Set-Cookie", "shop_visit=x; Path=/")],
        )
        return [b"ok"]

    with serve_wsgi(shop) as base_url:
        assert _check(base_url + "/").returncode == 0  # unclassified: reported, not failed
        done = _check(base_url + "/", "--category", "analytics=shop_*")
    assert done.returncode == 1
    assert "LEAK" in done.stdout


def test_check_reports_an_unreachable_site() -> None:
    done = _check(f"http://127.0.0.1:{free_port()}/")
    assert done.returncode == 2
    assert "could not fetch" in done.stderr


def test_check_rejects_a_malformed_category() -> None:
    assert main(["check", "http://127.0.0.1/", "--category", "analytics"]) == 2


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        pytest.param(["demo", "--port", "1"], "uvicorn", id="demo-needs-uvicorn"),
        pytest.param(["check", "http://127.0.0.1/"], "httpx", id="check-needs-httpx"),
    ],
)
def test_missing_extra_says_what_to_install(
    argv: list[str],
    module: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"needs {module}" in err
    assert "pip install 'consentkit[demo]'" in err


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``consentkit demo`` running in its own process: (base URL, what it printed)."""
    port = free_port()
    log = tmp_path / "demo.log"
    with serve_command([CONSENTKIT, "demo", "--port", str(port)], port, log) as base_url:
        yield base_url, log.read_text(encoding="utf-8")


@pytest.mark.server
def test_demo_serves_the_banner_in_thai_and_english(demo: tuple[str, str]) -> None:
    base_url, printed = demo
    assert f"Open {base_url}/" in printed
    assert "generated a fresh secret key" in printed
    thai = httpx.get(base_url + "/", headers={"accept-language": "th"})
    assert thai.status_code == 200
    assert 'id="consentkit-banner"' in thai.text and 'lang="th"' in thai.text
    assert "ยินดีต้อนรับ" in thai.text
    english = httpx.get(base_url + "/", headers={"accept-language": "en"})
    assert 'id="consentkit-banner"' in english.text and 'lang="en"' in english.text
    assert "Welcome" in english.text


@pytest.mark.server
def test_demo_gates_cookies_and_remembers_a_choice(demo: tuple[str, str]) -> None:
    base_url, _ = demo
    assert subprocess.run([CONSENTKIT, "check", base_url + "/tracking"]).returncode == 0
    with httpx.Client(base_url=base_url, timeout=20) as client:
        assert "_ga" not in client.get("/tracking").cookies
        chosen = client.post(
            "/_consent",
            data={"choice": "save", "categories": "analytics"},
            headers={"origin": base_url},
        )
        assert chosen.status_code == 303
        page = client.get("/tracking")
        assert 'id="consentkit-banner"' not in page.text
        assert "_ga" in page.cookies and "_fbp" not in page.cookies
        assert client.get("/privacy").status_code == 200


def test_demo_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 1
    assert "in use" in capsys.readouterr().err
