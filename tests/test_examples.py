"""Each example started for real, with the command examples/README.md documents, and checked
over HTTP: banner for a new visitor, none after a choice, ``_ga`` gated, preferences reachable.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_until_listening

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BANNER = 'id="consentkit-banner"'

#: name -> the documented command, with PORT where the port goes.
EXAMPLES = {
    "fastapi": "uvicorn --app-dir examples/fastapi app:app --port PORT",
    "starlette": "uvicorn --app-dir examples/starlette app:app --port PORT",
    "litestar": "uvicorn --app-dir examples/litestar app:app --port PORT",
    "quart": "uvicorn --app-dir examples/quart app:app --port PORT",
    "flask": "flask --app examples/flask/app.py run --port PORT",
    "django-wsgi": "python examples/django/manage.py runserver PORT",
    "django-asgi": "uvicorn --app-dir examples/django coffeeshop.asgi:application --port PORT",
}


def _argv(command: str, port: int) -> list[str]:
    """The documented command with the venv's executables, on ``port`` of 127.0.0.1."""
    argv = command.replace("PORT", str(port)).split()
    if argv[0] == "python":
        argv[0] = sys.executable
    else:
        argv[0] = str(BIN / argv[0])
    if "runserver" in argv:
        argv[argv.index("runserver") + 1] = f"127.0.0.1:{port}"
    else:
        argv += ["--host", "127.0.0.1"]
    return argv


@contextmanager
def serve_command(argv: list[str], port: int, log: Path) -> Iterator[str]:
    """``argv`` running in its own process group until it listens on ``port``, its output in
    ``log``; the whole group is killed at the end. Yields the base URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CONSENTKIT_SECRET_KEY", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        try:
            wait_until_listening(port, 60.0, process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log.read_text(errors='replace')}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@contextmanager
def running(name: str, log_dir: Path) -> Iterator[str]:
    """Example ``name`` started with its documented command on a free port."""
    port = free_port()
    with serve_command(_argv(EXAMPLES[name], port), port, log_dir / "server.log") as base_url:
        yield base_url


@pytest.fixture(params=sorted(EXAMPLES), scope="module")
def example(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A running example, shared by the checks of this module."""
    with running(request.param, tmp_path_factory.mktemp(request.param)) as base_url:
        yield base_url


def test_every_example_command_is_documented() -> None:
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    for command in EXAMPLES.values():
        assert command.replace("PORT", "8000") in readme


def test_new_visitor_sees_the_banner_and_no_analytics_cookie(example: str) -> None:
    with httpx.Client(base_url=example, timeout=20) as client:
        home = client.get("/")
        assert home.status_code == 200
        assert "ร้านกาแฟบ้านสวน" in home.text
        assert BANNER in home.text
        assert "cookie" in home.headers["vary"].lower()
        assert 'href="/_consent/preferences"' in home.text  # the footer link
        tracking = client.get("/tracking")
        assert tracking.status_code == 200
        assert BANNER in tracking.text
        assert "_ga" not in tracking.cookies
        assert "analytics-refused" in tracking.text
        analytics = client.get("/analytics")
        assert 'data-consent="analytics"' in analytics.text


def test_accepting_removes_the_banner_and_lets_ga_through(example: str) -> None:
    with httpx.Client(base_url=example, timeout=20) as client:
        chosen = client.post(
            "/_consent",
            data={"choice": "accept_all", "next": "/tracking"},
            headers={"origin": example},
        )
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/tracking"
        tracking = client.get("/tracking")
        assert tracking.status_code == 200
        assert BANNER not in tracking.text
        assert tracking.cookies.get("_ga") == "GA1.1.1234567890.1764028800"
        assert "analytics-allowed" in tracking.text
        assert "คุณเลือกแล้ว" in tracking.text


def test_rejecting_removes_the_banner_and_keeps_ga_out(example: str) -> None:
    with httpx.Client(base_url=example, timeout=20) as client:
        chosen = client.post(
            "/_consent", data={"choice": "reject_all"}, headers={"origin": example}
        )
        assert chosen.status_code == 303
        tracking = client.get("/tracking")
        assert BANNER not in tracking.text
        assert "_ga" not in tracking.cookies
        assert "analytics-refused" in tracking.text


def test_preferences_page_is_reachable(example: str) -> None:
    with httpx.Client(base_url=example, timeout=20) as client:
        page = client.get("/_consent/preferences", headers={"accept-language": "th"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert 'name="categories"' in page.text
        state = client.get("/_consent")
        assert state.json()["decided"] is False


def test_flask_example_overrides_the_banner_intro() -> None:
    """The Flask example's own consentkit/banner.html replaces one block and keeps the rest."""
    spec = importlib.util.spec_from_file_location(
        "consentkit_flask_example", ROOT / "examples" / "flask" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    flask_example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flask_example)
    from werkzeug.test import Client

    client = Client(flask_example.app)
    thai = client.get("/", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert "ร้านกาแฟบ้านสวนใช้คุกกี้เพื่อนับจำนวนผู้เข้าชม" in thai
    assert 'id="consentkit-accept-all"' in thai
    assert 'id="consentkit-reject-all"' in thai
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Baan Suan Coffee counts visits" in english


def test_fastapi_dependency_returns_the_consent(tmp_path: Path) -> None:
    with running("fastapi", tmp_path) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.get("/api/consent").json() == {"decided": False, "analytics": False}
        client.post("/_consent", data={"choice": "accept_all"}, headers={"origin": base_url})
        assert client.get("/api/consent").json() == {"decided": True, "analytics": True}


def test_consentkit_check_passes_every_example(example: str) -> None:
    """What a first-time visitor receives from the cookie-setting page: banner, no ``_ga``."""
    done = subprocess.run(
        [str(BIN / "consentkit"), "check", example + "/tracking"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "present" in done.stdout
