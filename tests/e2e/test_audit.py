"""``consentkit audit MODULE:APP`` as a subprocess: a leaking Flask app fails with exit 1 and a
``categories=`` to paste, the same app wrapped in consentkit passes, an ASGI app (Starlette,
with its lifespan) is driven too, and ``--json`` has its shape."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CONSENTKIT = str(Path(sys.executable).parent / "consentkit")

TRACKERS = ("_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd")

FLASK_APP = """
from flask import Flask, make_response

from consentkit import ConsentWSGIMiddleware

NAMES = ("_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd", "sessionid", "csrftoken")


def make_app():
    app = Flask(__name__)

    @app.get("/")
    def home():
        response = make_response("<!doctype html><html><body><h1>ร้านผ้าไหม</h1></body></html>")
        for name in NAMES:
            response.set_cookie(name, "x")
        return response

    @app.get("/cart")
    def cart():
        response = make_response("<!doctype html><html><body>ตะกร้า</body></html>")
        response.set_cookie("cart_token_xyz", "1")
        return response

    return app


app = make_app()
wrapped = make_app()
wrapped.wsgi_app = ConsentWSGIMiddleware(wrapped.wsgi_app, secret_key="กุญแจลับ-0123456789abcdef")


def hidden(environ, start_response):
    # Wrapped where the audit cannot see it (as a framework's own middleware list does).
    return wrapped(environ, start_response)
"""

STARLETTE_APP = """
import contextlib

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from consentkit import ConsentMiddleware

STARTED = []


@contextlib.asynccontextmanager
async def lifespan(app):
    STARTED.append(True)  # the audit runs the lifespan: a page needs it
    yield


async def home(request):
    assert STARTED, "the lifespan did not run"
    response = HTMLResponse("<!doctype html><html><body>สวัสดี</body></html>")
    response.set_cookie("_ttp", "tt.1")
    response.set_cookie("session", "s")
    return response


app = Starlette(routes=[Route("/", home)], lifespan=lifespan)
wrapped = Starlette(routes=[Route("/", home)], lifespan=lifespan)
wrapped.add_middleware(ConsentMiddleware, secret_key="กุญแจลับ-0123456789abcdef")
"""


def _audit(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONSENTKIT, "audit", *args], cwd=folder, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "shop.py").write_text(textwrap.dedent(FLASK_APP), encoding="utf-8")
    (tmp_path / "asgishop.py").write_text(textwrap.dedent(STARLETTE_APP), encoding="utf-8")
    return tmp_path


def test_a_leaking_unwrapped_flask_app_fails_with_a_suggestion(site: Path) -> None:
    done = _audit(site, "shop:app")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT wrapped in consentkit" in done.stdout
    for name in TRACKERS:
        line = next(line for line in done.stdout.splitlines() if line.startswith(name + " "))
        assert "LEAK" in line and "database" in line
    assert "sessionid" in done.stdout and "framework" in done.stdout
    assert '"_clck", "_pk_id.*"' in done.stdout
    assert 'Category("marketing", cookies=("_fbp", "_gcl_*", "_uetsid", "_ttp", "hubspotutk")' in (
        done.stdout
    )


def test_the_same_app_wrapped_passes(site: Path) -> None:
    done = _audit(site, "shop:wrapped")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS" in done.stdout and "LEAK" not in done.stdout
    assert "categories=[" not in done.stdout


def test_an_app_wrapped_out_of_sight_is_found_by_its_endpoint(site: Path) -> None:
    done = _audit(site, "shop:hidden")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(WSGI, wrapped in consentkit)" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("_clck "))
    assert row.split()[4:7] == ["-", "-", "set"]


def test_an_unknown_cookie_fails_even_when_wrapped(site: Path) -> None:
    done = _audit(site, "shop:wrapped", "--path", "/", "--path", "/cart")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cart_token_xyz" in done.stdout and "UNKNOWN" in done.stdout


def test_an_asgi_app_with_a_lifespan(site: Path) -> None:
    leaking = _audit(site, "asgishop:app")
    assert leaking.returncode == 1, leaking.stdout + leaking.stderr
    assert "ASGI" in leaking.stdout
    clean = _audit(site, "asgishop:wrapped")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    row = next(line for line in clean.stdout.splitlines() if line.startswith("_ttp "))
    assert row.split()[4:7] == ["-", "-", "set"]


def test_json_shape(site: Path) -> None:
    done = _audit(site, "shop:app", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["interface"] == "wsgi" and report["wrapped"] is False
    assert report["paths"] == ["/"] and report["passed"] is False
    assert report["visitors"] == ["no_choice", "reject_all", "accept_all"]
    cookies = {c["name"]: c for c in report["cookies"]}
    clarity = cookies["_clck"]
    assert set(clarity) >= {"category", "source", "provider", "purpose", "retention", "leaks"}
    assert (clarity["category"], clarity["source"], clarity["provider"]) == (
        "analytics",
        "database",
        "Microsoft",
    )
    assert clarity["leaks"] == ["no_choice", "reject_all"]
    assert cookies["sessionid"]["failed"] is False
    assert report["suggested_categories"].startswith("categories=[")
    wrapped = json.loads(_audit(site, "shop:wrapped", "--json").stdout)
    assert wrapped["passed"] is True and wrapped["suggested_categories"] is None
    assert wrapped["cookies"][0]["reached"] == {
        "no_choice": False,
        "reject_all": False,
        "accept_all": True,
    }


def test_a_bad_target_is_exit_2(site: Path) -> None:
    done = _audit(site, "nosuchmodule:app")
    assert done.returncode == 2 and "cannot import" in done.stderr
