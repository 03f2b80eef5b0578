"""Each example started for real, with the command examples/README.md documents, and checked
over HTTP: banner for a new visitor, none after a choice, ``_ga`` gated, preferences reachable.
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..support import ROOT
from ..support.examples import BIN, EXAMPLES, running

pytestmark = pytest.mark.server

BANNER = 'id="consentkit-banner"'


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


@pytest.mark.parametrize("name", ["flask", "litestar"])
def test_the_framework_way_gives_views_the_consent(name: str, tmp_path: Path) -> None:
    """The Flask extension and the Litestar plugin, under the example's real server: the
    consent in a view before and after a choice posted to consentkit's endpoint."""
    with running(name, tmp_path) as base_url, httpx.Client(base_url=base_url) as client:
        before = client.get("/api/consent").json()
        assert before["decided"] is False and before["analytics"] is False
        chosen = client.post(
            "/_consent", data={"choice": "accept_all"}, headers={"origin": base_url}
        )
        assert chosen.status_code == 303
        after = client.get("/api/consent").json()
        assert after["decided"] is True and after["analytics"] is True
        if name == "flask":  # current_app.extensions["consentkit"] in the view
            assert after["prefix"] == "/_consent"


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
