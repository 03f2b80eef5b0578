"""The static files the banner uses: what the script must never do, and how they are served."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from consentkit import ConsentMiddleware
from consentkit.banner import BannerRenderer
from consentkit.options import Settings

KEY = "กุญแจไฟล์สถิต-static-key-0123456789"


def _renderer() -> BannerRenderer:
    return BannerRenderer(Settings.from_options(secret_key=KEY))


def test_script_never_evals_nor_touches_document_cookie() -> None:
    script = _renderer().static_files["consentkit.js"].body.decode("utf-8")
    script = re.sub(r"/\*.*?\*/", "", script, flags=re.DOTALL)  # the comments may say it
    for forbidden in (r"\beval\s*\(", r"new\s+Function\b", r"document\.cookie", r"innerHTML"):
        assert re.search(forbidden, script) is None, forbidden
    assert re.search(r"setTimeout\(\s*['\"]", script) is None  # no string timers either


def test_stylesheet_is_driven_by_custom_properties() -> None:
    css = _renderer().static_files["consentkit.css"].body.decode("utf-8")
    for prop in (
        "--consentkit-bg",
        "--consentkit-accent",
        "--consentkit-radius",
        "--consentkit-font",
    ):
        assert f"{prop}:" in css and f"var({prop})" in css
    assert "prefers-color-scheme: dark" in css
    assert ":lang(th)" in css


@pytest.mark.parametrize("name", ["consentkit.js", "consentkit.css"])
def test_static_files_are_served_hashed_and_immutable(name: str) -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the app is not called for consentkit's static files")

    site = ConsentMiddleware(app, secret_key=KEY)
    renderer = _renderer()
    url = renderer.static_url(name)
    assert re.fullmatch(r"/_consent/static/consentkit\.[0-9a-f]{12}\.(js|css)", url)

    async def fetch() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=site)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(url), await client.get(url.replace(".", ".0", 1))

    response, stale = asyncio.run(fetch())
    assert response.status_code == 200
    assert response.content == renderer.static_files[name].body
    assert "immutable" in response.headers["cache-control"]
    assert stale.status_code == 404
