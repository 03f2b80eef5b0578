"""The privacy promise, tested end to end (issue 4, item 6).

Many visitors, consenting to ``location`` and not, visit a real Starlette app under uvicorn and a
real Flask app under werkzeug's server, each behind a trusted proxy (the test, at 127.0.0.1,
sets ``X-Forwarded-For``). Then the statistics SQLite file, ``consentkit stats --json``, every
log record (all loggers, DEBUG and up) and everything written to the process's stdout and
stderr are read, and:

- no address of a non-consenting visitor is anywhere: not whole, not truncated, not packed;
- no country only non-consenting visitors came from is counted, and the countries consenting
  visitors share with them count only the consenting visitors' views;
- no address at all, of anyone, is in the statistics file;
- consenting visitors are counted under the country the bundled data places them in (TH, US,
  AU), and a consenting visitor with a private address under no country.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware, get_consent
from consentkit.cli import main as cli_main
from consentkit.location import truncate_ip
from consentkit.location.geo import EmbeddedGeolocator
from consentkit.location.stats import read_statistics

from ..support.servers import serve_asgi, serve_wsgi

pytestmark = pytest.mark.server

KEY = "กุญแจทดสอบ-privacy-0123456789abc"
VIEWS = 3  # page views per visitor

#: (address, country the bundled geoip2fast data gives, how the visitor chooses)
CONSENTING = [
    ("49.228.0.1", "TH", "accept_all"),
    ("171.96.0.1", "TH", "location"),
    ("2001:44c8::1", "TH", "accept_all"),
    ("8.8.8.8", "US", "location"),
    ("17.0.0.1", "US", "accept_all"),
    ("139.130.4.5", "AU", "accept_all"),
    ("2001:4479::abcd", "AU", "location"),
    ("10.1.2.3", None, "accept_all"),
]
NON_CONSENTING = [
    ("133.242.0.1", "JP", None),
    ("2400:4050::1", "JP", "reject_all"),
    ("85.214.0.1", "DE", "others"),
    ("2a01:4f8::1", "DE", None),
    ("200.160.2.3", "BR", "reject_all"),
    ("177.0.0.1", "BR", "others"),
    ("58.8.0.1", "TH", "reject_all"),  # shares a country with consenting visitors
    ("27.55.0.1", "TH", "others"),
    ("4.2.2.2", "US", None),
    ("203.2.218.214", "AU", "others"),
    ("192.168.7.7", None, "reject_all"),
]
ONLY_NON_CONSENTING = {"JP", "DE", "BR"}


def test_the_bundled_data_places_the_visitors_where_this_test_says() -> None:
    geolocator = EmbeddedGeolocator()
    for ip, country, _ in CONSENTING + NON_CONSENTING:
        location = geolocator.lookup(ip)
        assert (location.country if location else None) == country, ip


PAGE = "<!DOCTYPE html><html lang='th'><body><h1>ร้านกาแฟ</h1><p>{}</p></body></html>"


def _greeting(consent: Any) -> str:
    # The page uses the location as an app would: only what consentkit hands out.
    location = consent.location
    return f"สวัสดีจาก {location.country}" if location else "สวัสดีครับ"


def starlette_site(statistics: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.format(_greeting(get_consent(request))))

    async def api(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/", page), Route("/api", api)])
    app.add_middleware(
        ConsentMiddleware,
        secret_key=KEY,
        trusted_proxies=["127.0.0.1"],
        statistics=statistics,
    )
    return app


@contextmanager
def serve_starlette(statistics: Path) -> Iterator[str]:
    # uvicorn's own proxy handling is off, so consentkit's is what reads X-Forwarded-For.
    with serve_asgi(starlette_site(statistics), proxy_headers=False) as url:
        yield url
    # Leaving the block ran the lifespan shutdown: the statistics are flushed.


@contextmanager
def serve_flask(statistics: Path) -> Iterator[str]:
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.get("/")
    def page() -> str:
        return PAGE.format(_greeting(get_consent(app_request())))

    @app.get("/api")
    def api() -> Any:
        return jsonify(ok=True)

    def app_request() -> Any:
        from flask import request

        return request

    middleware = ConsentWSGIMiddleware(
        app.wsgi_app, secret_key=KEY, trusted_proxies=["127.0.0.1"], statistics=statistics
    )
    app.wsgi_app = middleware  # type: ignore[method-assign]
    with serve_wsgi(app) as url:
        yield url
    middleware.close()


def visit(base_url: str, ip: str, choice: str | None) -> None:
    """One visitor: records a choice (or none), then browses."""
    headers = {"X-Forwarded-For": ip, "Accept-Language": "th"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        if choice is not None:
            form: dict[str, Any] = {"choice": choice}
            if choice == "location":
                form = {"choice": "save", "categories": ["location"]}
            elif choice == "others":
                form = {"choice": "save", "categories": ["analytics", "functional"]}
            response = client.post(
                "/_consent",
                data=form,
                headers={"Accept": "application/json", "Sec-Fetch-Site": "same-origin"},
            )
            assert response.status_code == 200
            assert ("location" in response.json()["granted"]) == (ip in CONSENTING_IPS)
        for _ in range(VIEWS):
            page = client.get("/")
            assert page.status_code == 200
            expected = dict((i, c) for i, c, _ in CONSENTING).get(ip)
            assert (f"สวัสดีจาก {expected}" in page.text) == (expected is not None)
        # Not page views: not counted.
        assert client.get("/api").status_code == 200
        assert client.head("/").status_code == 200
        assert client.get("/missing").status_code == 404


CONSENTING_IPS = {ip for ip, _, _ in CONSENTING}


def _forms(ip: str) -> set[str]:
    """Every way an address could be written down: text, truncated, exploded, packed."""
    address = ipaddress.ip_address(ip)
    return {ip, str(address), address.exploded, truncate_ip(ip)}


@pytest.mark.parametrize("serve", [serve_starlette, serve_flask], ids=["uvicorn", "werkzeug"])
def test_nothing_about_a_non_consenting_visitor_is_kept(
    serve: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    statistics = tmp_path / "สถิติ.sqlite3"
    caplog.set_level(logging.DEBUG)
    with serve(statistics) as url:
        for ip, _, choice in CONSENTING + NON_CONSENTING:
            visit(url, ip, choice)

    # The statistics, as the store and as `consentkit stats --json` give them.
    rows = read_statistics(statistics)
    counted = Counter[str | None]()
    for row in rows:
        counted[row.country] += row.views
        assert row.region is None  # the embedded data has countries only
    expected = Counter[str | None]()
    for _, country, _ in CONSENTING:
        expected[country] += VIEWS
    expected[None] += VIEWS * len(NON_CONSENTING)
    assert counted == expected
    assert not ONLY_NON_CONSENTING & set(counted)
    assert cli_main(["stats", str(statistics), "--json"]) == 0
    cli_output = capfd.readouterr()
    listed = json.loads(cli_output.out)
    assert {(e["country"], e["views"]) for e in listed} == set(expected.items())

    # The file itself: no address of anyone, in any form.
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("สถิติ"))
    for ip, _, _ in CONSENTING + NON_CONSENTING:
        for form in _forms(ip):
            if form:
                assert form.encode() not in stored, (ip, form)
        assert ipaddress.ip_address(ip).packed not in stored, ip

    # The logs and the process's output: nothing of a non-consenting visitor.
    output = capfd.readouterr()
    logged = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.args!r}" for r in caplog.records
    )
    seen = "\n".join([logged, cli_output.err, output.out, output.err])
    for ip, _, _ in NON_CONSENTING:
        for form in _forms(ip):
            assert form not in seen, (ip, form)
    for country in ONLY_NON_CONSENTING:
        assert f"สวัสดีจาก {country}" not in seen
