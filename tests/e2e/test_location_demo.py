"""The location example (``examples/location_demo``), started with its documented command:
a consenting visitor sees this visit's and the last visit's country, another sees nothing;
``/stats`` and ``consentkit stats`` count only what they may. Then the same in Chromium."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentkit.cli import main as cli_main

from ..support import ROOT
from ..support.servers import free_port, serve_command

pytestmark = pytest.mark.server

COMMAND = "python examples/location_demo/app.py"
ARTIFACTS = ROOT / "test-artifacts"


def test_the_command_is_documented() -> None:
    readme = (ROOT / "examples" / "location_demo" / "README.md").read_text(encoding="utf-8")
    assert COMMAND in readme


@contextmanager
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """The demo, run with its documented command, its statistics in ``tmp_path``."""
    port = free_port()
    statistics = tmp_path / "สถิติ.sqlite3"
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.setenv("DEMO_STATISTICS", str(statistics))
    argv = [sys.executable, *COMMAND.split()[1:]]
    with serve_command(argv, port, tmp_path / "server.log") as base_url:
        yield base_url, statistics


#: What a browser sends with the banner's form (a form POST without it is refused).
BROWSER = {"Sec-Fetch-Site": "same-origin"}


def test_consenting_and_other_visitors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with demo(tmp_path, monkeypatch) as (base_url, statistics):
        with httpx.Client(base_url=base_url, timeout=20, headers=BROWSER) as alice:
            first = alice.get("/")
            assert 'id="no-location"' in first.text and "49.228.0.0" in first.text
            alice.post("/_consent", data={"choice": "accept_all"})
            page = alice.get("/")
            assert '<strong id="this-visit">TH</strong>' in page.text
            assert 'id="first-visit"' in page.text
            assert "last_visit" in alice.cookies
            page = alice.get("/", headers={"X-Forwarded-For": "8.8.8.8"})
            assert '<strong id="this-visit">US</strong>' in page.text
            assert '<strong id="last-visit">TH</strong>' in page.text
            # Withdrawing: nothing shown, and the last-visit cookie is expired by consentkit.
            alice.post("/_consent", data={"choice": "save", "categories": ["analytics"]})
            page = alice.get("/")
            assert 'id="no-location"' in page.text and "last-visit" not in page.text
            assert "last_visit" not in alice.cookies

        with httpx.Client(base_url=base_url, timeout=20, headers=BROWSER) as bob:
            bob.post("/_consent", data={"choice": "reject_all"})
            for _ in range(2):
                page = bob.get("/", headers={"X-Forwarded-For": "139.130.4.5"})
                assert 'id="no-location"' in page.text and "139.130.4.0" in page.text
                assert "AU" not in page.text
                assert "last_visit" not in page.headers.get("set-cookie", "")

        table = httpx.get(base_url + "/stats", timeout=20).text
        assert "<td>TH</td>" in table and "<td>US</td>" in table and "<td>AU</td>" not in table

    assert cli_main(["stats", str(statistics), "--json"]) == 0
    counted = {e["country"]: e["views"] for e in json.loads(capsys.readouterr().out)}
    # Alice: 1 undecided + 1 TH + 1 US + 1 withdrawn; Bob: 2 refused; /stats itself: 1.
    assert counted == {"TH": 1, "US": 1, None: 5}


@pytest.mark.browser
def test_in_chromium(chromium: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with demo(tmp_path, monkeypatch) as (base_url, _):
        consenting = chromium.new_context(locale="th-TH")
        other = chromium.new_context(locale="th-TH")
        try:
            page = consenting.new_page()
            page.goto(base_url + "/")
            page.click("#consentkit-accept-all")
            page.wait_for_selector("#consentkit-banner", state="hidden")
            page.reload()
            assert page.text_content("#this-visit") == "TH"
            page.reload()
            assert page.text_content("#last-visit") == "TH"
            page.screenshot(path=ARTIFACTS / "location-demo-consenting.png", full_page=True)

            page = other.new_page()
            page.goto(base_url + "/")
            page.click("#consentkit-reject-all")
            page.wait_for_selector("#consentkit-banner", state="hidden")
            page.reload()
            page.wait_for_selector("#no-location")
            assert page.locator("#this-visit, #last-visit").count() == 0
            assert "last_visit" not in {c["name"] for c in other.cookies()}
            page.screenshot(path=ARTIFACTS / "location-demo-refusing.png", full_page=True)
        finally:
            consenting.close()
            other.close()
