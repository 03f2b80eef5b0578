"""The Flask extension and the Litestar plugin under real servers: a Flask app factory under
gunicorn (configured from the environment, with no Starlette imported), a Litestar site under
uvicorn without the lifespan, and ``DefineMiddleware(ConsentMiddleware)`` stopping uvicorn at
start-up with a message naming ``ConsentPlugin``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from ..support.examples import BIN
from ..support.servers import free_port, serve_command
from .test_startup_errors import _exit_without_serving, _uvicorn

pytestmark = pytest.mark.server

KEY = "กุญแจลับของร้านก๋วยเตี๋ยว-0123456789abcdef"
BANNER = 'id="consentkit-banner"'

FLASK_FACTORY = """
import sys

from flask import Flask, render_template_string, request

from consentkit import get_consent
from consentkit.contrib.flask import ConsentKit

consentkit = ConsentKit(policy_url="/นโยบาย")


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()  # FLASK_CONSENTKIT_SECRET_KEY, FLASK_CONSENTKIT_PREFIX

    @app.get("/")
    def home():
        return render_template_string(
            "<!doctype html><html><body><h1>ก๋วยเตี๋ยวเรือ</h1>"
            "<p id=a>{{ consent.allows('analytics') }}</p></body></html>"
        )

    @app.get("/api")
    def api():
        consent = get_consent(request)
        return {"decided": consent.decided, "starlette": "starlette" in sys.modules}

    consentkit.init_app(app)
    return app
"""

LITESTAR_SITE = """
from litestar import Litestar, MediaType, get

from consentkit.contrib.litestar import ConsentPlugin


@get("/", media_type=MediaType.HTML)
async def home() -> str:
    return "<!doctype html><html><body><h1>ข้าวมันไก่</h1></body></html>"


app = Litestar(route_handlers=[home], plugins=[ConsentPlugin(secret_key=KEY)])
"""


def _write(folder: Path, code: str) -> None:
    text = f"KEY = {KEY!r}\n" + textwrap.dedent(code)
    (folder / "site_under_test.py").write_text(text, encoding="utf-8")


def test_a_flask_factory_under_gunicorn_configured_from_the_environment(tmp_path: Path) -> None:
    _write(tmp_path, FLASK_FACTORY)
    port = free_port()
    argv = [
        str(BIN / "gunicorn"),
        "--chdir",
        str(tmp_path),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "site_under_test:create_app()",
    ]
    os.environ["FLASK_CONSENTKIT_SECRET_KEY"] = KEY
    os.environ["FLASK_CONSENTKIT_PREFIX"] = "/privacy"
    try:
        with (
            serve_command(argv, port, tmp_path / "gunicorn.log") as base_url,
            httpx.Client(base_url=base_url, timeout=20) as client,
        ):
            home = client.get("/", headers={"accept-language": "th"})
            assert BANNER in home.text
            assert "<p id=a>False</p>" in home.text
            assert 'action="/privacy"' in home.text
            assert client.get("/api").json() == {"decided": False, "starlette": False}
            chosen = client.post(
                "/privacy", data={"choice": "accept_all"}, headers={"origin": base_url}
            )
            assert chosen.status_code == 303
            assert client.get("/api").json()["decided"] is True
            after = client.get("/")
            assert BANNER not in after.text and "<p id=a>True</p>" in after.text
    finally:
        del os.environ["FLASK_CONSENTKIT_SECRET_KEY"], os.environ["FLASK_CONSENTKIT_PREFIX"]


def test_a_litestar_plugin_under_uvicorn_without_the_lifespan(tmp_path: Path) -> None:
    """No lifespan, so no whole-app wrap: the plugin's route middleware and routes serve."""
    _write(tmp_path, LITESTAR_SITE)
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--app-dir", str(tmp_path), "site_under_test:app"]
    argv += ["--port", str(port), "--lifespan", "off"]
    with (
        serve_command(argv, port, tmp_path / "uvicorn.log") as base_url,
        httpx.Client(base_url=base_url, timeout=20) as client,
    ):
        home = client.get("/")
        assert home.text.count(BANNER) == 1
        stylesheet = re.search(r'href="(/_consent/static/[^"]+\.css)"', home.text)
        assert stylesheet is not None
        assert client.get(stylesheet.group(1)).status_code == 200
        chosen = client.post(
            "/_consent", data={"choice": "reject_all"}, headers={"origin": base_url}
        )
        assert chosen.status_code == 303
        assert BANNER not in client.get("/").text


def test_define_middleware_stops_uvicorn_naming_the_plugin(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        from litestar import Litestar, MediaType, get
        from litestar.middleware import DefineMiddleware

        from consentkit import ConsentMiddleware


        @get("/", media_type=MediaType.HTML)
        async def home() -> str:
            return "<!doctype html><html><body>สวัสดี</body></html>"


        app = Litestar(
            route_handlers=[home],
            middleware=[DefineMiddleware(ConsentMiddleware, secret_key=KEY)],
        )
        """,
    )
    port = free_port()
    status, output = _exit_without_serving(_uvicorn(tmp_path, port), port)
    assert status != 0, output
    assert "plugins=[ConsentPlugin(secret_key=...)]" in output, output


def test_a_flask_site_never_imports_starlette() -> None:
    code = """
        import sys
        from flask import Flask
        from consentkit.contrib.flask import ConsentKit

        app = Flask("shop")
        app.config["CONSENTKIT_SECRET_KEY"] = "กุญแจลับ-0123456789abcdef"
        app.get("/")(lambda: "<!doctype html><html><body>ร้าน</body></html>")
        ConsentKit(app)
        assert 'id="consentkit-banner"' in app.test_client().get("/").get_data(as_text=True)
        imported = sorted(m for m in sys.modules if m.split(".")[0] == "starlette")
        assert not imported, imported
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
