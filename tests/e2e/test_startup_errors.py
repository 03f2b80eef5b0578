"""A bad option stops a real uvicorn at start-up, with the message, in every registration style
the README shows; it never gives a running site that answers 500.

Each case writes a small site module, starts ``python -m uvicorn module:app`` with uvicorn's
defaults (``--lifespan auto``) on a loopback port, and expects the process to exit non-zero
with consentkit's message in its output, without ever listening. Starlette's
``middleware=[Middleware(...)]`` and FastAPI's ``add_middleware`` build the middleware on the
first ASGI call (the lifespan scope), inside the running event loop; the other styles build it
when the module is imported.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from ..support.servers import free_port, wait_until_listening

#: How long a server may take to start and exit (importing FastAPI or Litestar is slow).
EXIT_BOUND = 60.0

GOOD_KEY = "กุญแจลับของร้านกาแฟ-0123456789abcdef"

#: Each registration style: the code that defines ``app`` from ``OPTIONS``.
STYLES = {
    "starlette Middleware(...)": """
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.responses import HTMLResponse
        from starlette.routing import Route

        async def home(request):
            return HTMLResponse("<!doctype html><html><body>สวัสดี</body></html>")

        app = Starlette(
            routes=[Route("/", home)], middleware=[Middleware(ConsentMiddleware, **OPTIONS)]
        )
    """,
    "fastapi add_middleware": """
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse

        app = FastAPI()

        @app.get("/", response_class=HTMLResponse)
        async def home():
            return "<!doctype html><html><body>สวัสดี</body></html>"

        app.add_middleware(ConsentMiddleware, **OPTIONS)
    """,
    "app = ConsentMiddleware(app)": """
        async def site(scope, receive, send):
            if scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": "สวัสดี".encode()})

        app = ConsentMiddleware(site, **OPTIONS)
    """,
    "quart app.asgi_app": """
        from quart import Quart

        app = Quart(__name__)

        @app.route("/")
        async def home():
            return "<!doctype html><html><body>สวัสดี</body></html>"

        app.asgi_app = ConsentMiddleware(app.asgi_app, **OPTIONS)
    """,
    "litestar wrapped": """
        from litestar import Litestar, MediaType, get

        @get("/", media_type=MediaType.HTML)
        async def home() -> str:
            return "<!doctype html><html><body>สวัสดี</body></html>"

        app = ConsentMiddleware(Litestar(route_handlers=[home]), **OPTIONS)
    """,
    "litestar plugin": """
        from litestar import Litestar, MediaType, get

        from consentkit.contrib.litestar import ConsentPlugin

        @get("/", media_type=MediaType.HTML)
        async def home() -> str:
            return "<!doctype html><html><body>สวัสดี</body></html>"

        app = Litestar(route_handlers=[home], plugins=[ConsentPlugin(**OPTIONS)])
    """,
}


def _misconfigurations(unwritable: Path) -> dict[str, tuple[str, str]]:
    """name -> (the OPTIONS literal, a part of the message the output must show)."""
    statistics = str(unwritable / "stats.sqlite3")
    return {
        "short key": ('{"secret_key": "สั้นไป"}', "secret_key is too short"),
        "unknown category": (
            f'{{"secret_key": {GOOD_KEY!r}, "categories": ["necessary", "analitycs"]}}',
            "Unknown category name 'analitycs'",
        ),
        "unwritable statistics folder": (
            f'{{"secret_key": {GOOD_KEY!r}, "statistics": {statistics!r}}}',
            f"cannot create a file in the folder {str(unwritable)!r}",
        ),
    }


def _write_site(folder: Path, style: str, options: str) -> None:
    code = "from consentkit import ConsentMiddleware\n\nOPTIONS = " + options + "\n"
    code += textwrap.dedent(STYLES[style])
    (folder / "site_under_test.py").write_text(code, encoding="utf-8")


def _uvicorn(folder: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "uvicorn", "site_under_test:app", "--port", str(port), *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _exit_without_serving(process: subprocess.Popen[bytes], port: int) -> tuple[int, str]:
    """Wait (bounded) for the server to exit; fail as soon as it listens instead."""
    deadline = time.monotonic() + EXIT_BOUND
    try:
        while process.poll() is None:
            if _listening(port):
                pytest.fail("the server started with a bad option: it would answer 500")
            if time.monotonic() > deadline:
                pytest.fail(f"the server neither started nor exited in {EXIT_BOUND} s")
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        output = process.communicate(timeout=15)[0].decode("utf-8", "replace")
    return process.returncode, output


@pytest.mark.server
@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize(
    "mistake", ["short key", "unknown category", "unwritable statistics folder"]
)
def test_a_bad_option_stops_uvicorn_at_start_up(
    style: str, mistake: str, tmp_path: Path, unwritable_folder: Path
) -> None:
    options, message = _misconfigurations(unwritable_folder)[mistake]
    _write_site(tmp_path, style, options)
    port = free_port()
    status, output = _exit_without_serving(_uvicorn(tmp_path, port), port)
    assert status != 0, output
    assert message in output, output


@pytest.mark.server
def test_with_lifespan_off_every_request_is_a_500_that_says_what_to_fix(tmp_path: Path) -> None:
    """Without the lifespan protocol nothing can stop the server at start-up: each request is
    a 500 that names the option, and the log has the whole message."""
    _write_site(tmp_path, "starlette Middleware(...)", '{"secret_key": "สั้นไป"}')
    port = free_port()
    process = _uvicorn(tmp_path, port, "--lifespan", "off")
    try:
        wait_until_listening(port, EXIT_BOUND, process)
        responses = [httpx.get(f"http://127.0.0.1:{port}/", timeout=10) for _ in range(2)]
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode("utf-8", "replace")
    for response in responses:
        assert response.status_code == 500
        assert "consentkit" in response.text and "secret_key" in response.text
        assert "restart" in response.text
    assert "secret_key is too short" in output, output


@pytest.mark.server
def test_with_workers_the_parent_stops_instead_of_restarting_workers(tmp_path: Path) -> None:
    """uvicorn's workers import the app inside their event loops; one whose lifespan start-up
    fails stops the parent, where an exception at the import made it restart them forever."""
    _write_site(tmp_path, "app = ConsentMiddleware(app)", '{"secret_key": "สั้นไป"}')
    process = _uvicorn(tmp_path, free_port(), "--workers", "2")
    try:
        output = process.communicate(timeout=EXIT_BOUND)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate(timeout=15)[0].decode("utf-8", "replace")
        pytest.fail(f"uvicorn kept restarting its workers:\n{output[-2000:]}")
    assert "secret_key is too short" in output, output
    assert "died" not in output, output
