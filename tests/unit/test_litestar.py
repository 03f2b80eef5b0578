"""The Litestar plugin, in Litestar's own ``TestClient``: ``plugins=[ConsentPlugin(...)]`` gives
the banner and working endpoints, with the lifespan (``with TestClient(app)``) and without it;
``DefineMiddleware(ConsentMiddleware)`` fails when the app is built, naming the plugin."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar, MediaType, Request, Router, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import Cookie
from litestar.middleware import DefineMiddleware
from litestar.response import Response
from litestar.testing import TestClient

from consentkit import ConsentMiddleware, get_consent
from consentkit.contrib.litestar import ConsentPlugin

KEY = "กุญแจลับของร้านส้มตำ-0123456789abcdef"
BANNER = 'id="consentkit-banner"'
PAGE = "<!doctype html><html><body><h1>ส้มตำไทย</h1>" + "<p>มะละกอ</p>" * 200 + "</body></html>"


@get("/", media_type=MediaType.HTML)
async def home() -> Response[str]:
    ga = Cookie(key="_ga", value="GA1.1.1234567890.1764028800", max_age=3600)
    return Response(PAGE, media_type=MediaType.HTML, cookies=[ga])


@get("/api/consent", sync_to_thread=False)
def consent_view(request: Request[Any, Any, Any]) -> dict[str, Any]:
    consent = get_consent(request)
    return {"decided": consent.decided, "analytics": consent.allows("analytics")}


async def _h() -> str:
    return PAGE


def make_app(**kwargs: Any) -> Litestar:
    """The site with the plugin. Without Litestar's logging config, whose ``dictConfig`` would
    replace the root logger's handlers (and so pytest's ``caplog``)."""
    kwargs = {"route_handlers": [home, consent_view], "logging_config": None, **kwargs}
    return Litestar(plugins=[ConsentPlugin(secret_key=KEY)], **kwargs)


@contextmanager
def client_for(app: Litestar, lifespan: bool) -> Iterator[TestClient[Litestar]]:
    """Litestar's test client, run with the lifespan (``with``) or without it."""
    client = TestClient(app)
    if lifespan:
        with client:
            yield client
    else:
        yield client


LIFESPAN = [pytest.param(True, id="lifespan"), pytest.param(False, id="no lifespan")]


@pytest.mark.parametrize("lifespan", LIFESPAN)
def test_the_banner_its_stylesheet_and_its_buttons_work(lifespan: bool) -> None:
    with client_for(make_app(), lifespan) as client:
        page = client.get("/", headers={"accept-language": "th"})
        assert page.status_code == 200
        assert page.text.count(BANNER) == 1  # once: the route middleware passes it on
        assert "_ga" not in page.cookies
        assert "cookie" in page.headers["vary"].lower()
        stylesheet = re.search(r'href="(/_consent/static/[^"]+\.css)"', page.text)
        assert stylesheet is not None
        css = client.get(stylesheet.group(1))
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert client.head(stylesheet.group(1)).status_code == 200
        assert client.get("/_consent/preferences").status_code == 200
        language = client.get("/_consent/language?locale=en&next=/", follow_redirects=False)
        assert language.status_code == 303
        assert client.get("/_consent").json()["decided"] is False
        assert client.get("/api/consent").json() == {"decided": False, "analytics": False}
        chosen = client.post(
            "/_consent",
            data={"choice": "accept_all", "next": "/"},
            headers={"origin": str(client.base_url)},
            follow_redirects=False,
        )
        assert chosen.status_code == 303, chosen.text
        assert chosen.headers["location"] == "/"
        assert client.get("/api/consent").json() == {"decided": True, "analytics": True}
        after = client.get("/")
        assert BANNER not in after.text
        assert after.cookies.get("_ga") == "GA1.1.1234567890.1764028800"


def test_with_the_lifespan_consentkit_wraps_the_whole_app() -> None:
    """A request no route matches goes through consentkit too (its address masked, its
    consent known), as with ``ConsentMiddleware(app)``."""
    app = make_app()
    seen: list[Any] = []

    def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
        seen.append(get_consent(request).client_ip)
        return Response("ไม่พบหน้านี้", status_code=404, media_type=MediaType.TEXT)

    app.exception_handlers[404] = not_found
    with TestClient(app) as client:
        assert isinstance(app.asgi_handler, ConsentMiddleware)
        assert client.get("/ไม่มี").status_code == 404
    assert len(seen) == 1


def test_a_second_lifespan_does_not_wrap_twice() -> None:
    app = make_app()
    with TestClient(app):
        first = app.asgi_handler
    with TestClient(app) as client:
        assert app.asgi_handler is first
        assert client.get("/").text.count(BANNER) == 1


@pytest.mark.parametrize(
    "registration",
    [
        pytest.param(lambda m: {"middleware": [m]}, id="app middleware"),
        pytest.param(
            lambda m: {"route_handlers": [Router("/shop", route_handlers=[home], middleware=[m])]},
            id="router middleware",
        ),
        pytest.param(
            lambda m: {
                "route_handlers": [get("/h", media_type=MediaType.HTML, middleware=[m])(_h)]
            },
            id="handler middleware",
        ),
    ],
)
def test_define_middleware_fails_when_the_app_is_built_naming_the_plugin(
    registration: Any,
) -> None:
    define = DefineMiddleware(ConsentMiddleware, secret_key=KEY)
    kwargs = {"route_handlers": [home], **registration(define)}
    with pytest.raises(TypeError, match=r"plugins=\[ConsentPlugin\(secret_key=\.\.\.\)\]"):
        Litestar(**kwargs)


def test_wrapping_the_whole_litestar_app_still_works() -> None:
    app = ConsentMiddleware(Litestar(route_handlers=[home]), secret_key=KEY)
    with TestClient(app) as client:  # type: ignore[arg-type]
        assert BANNER in client.get("/").text
        assert client.get("/_consent/preferences").status_code == 200


def test_a_bad_option_fails_when_the_plugin_is_built() -> None:
    with pytest.raises(ValueError, match="secret_key is too short"):
        ConsentPlugin(secret_key="สั้น")


def test_litestar_compression_is_named_at_start_up_and_its_pages_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "consentkit")
    app = make_app(compression_config=CompressionConfig(backend="gzip", minimum_size=10))
    (startup,) = [r.getMessage() for r in caplog.records]
    assert "compression_config" in startup and "gzip" in startup
    caplog.clear()
    with TestClient(app) as client:
        for _ in range(3):
            page = client.get("/", headers={"accept-encoding": "gzip"})
            assert page.status_code == 200 and BANNER not in page.text
    (compressed,) = [r.getMessage() for r in caplog.records]
    assert "Content-Encoding: gzip" in compressed
    assert "Put compression outside consentkit" in compressed


def test_a_route_under_the_prefix_is_named_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    @get("/_consent/mine", sync_to_thread=False)
    def mine() -> str:
        return "ของฉัน"

    app = make_app(route_handlers=[home, mine])
    caplog.set_level(logging.WARNING, "consentkit")
    with TestClient(app):
        pass
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "/_consent/mine is never reached" in warning


def test_the_start_up_line_is_logged_once_per_plugin(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "consentkit")
    with TestClient(make_app()) as client:
        client.get("/")
    lines = [r.getMessage() for r in caplog.records if "started" in r.getMessage()]
    assert len(lines) == 1 and "secret_key=<1 key>" in lines[0]
    assert KEY not in caplog.text


def test_a_bad_option_in_an_event_loop_fails_the_start_up_and_answers_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """uvicorn's workers import the app inside their event loop: the plugin then fails the
    lifespan start-up with the message, and answers 500 where no lifespan runs."""

    async def build() -> Litestar:
        return Litestar(
            route_handlers=[home], plugins=[ConsentPlugin(secret_key="สั้น")], logging_config=None
        )

    caplog.set_level(logging.ERROR, "consentkit")
    app = asyncio.run(build())
    assert "secret_key is too short" in caplog.text
    with pytest.raises(BaseException) as failed, TestClient(app):  # anyio groups it
        pass
    assert "secret_key is too short" in "".join(traceback.format_exception(failed.value))
    page = TestClient(app).get("/")
    assert page.status_code == 500 and "consentkit could not start" in page.text


@pytest.mark.parametrize(("path", "unreachable"), [("", False), ("/api", True)])
def test_without_the_lifespan_the_first_request_says_what_is_left_out(
    path: str, unreachable: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "consentkit")
    client = TestClient(make_app(path=path))
    for _ in range(3):
        assert BANNER in client.get(f"{path}/").text
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "runs as route middleware only" in warning
    assert "with TestClient(app) as client" in warning
    assert ("endpoints are not reachable" in warning) is unreachable
    if unreachable:
        assert "/api/_consent" in warning


def test_with_the_lifespan_nothing_is_said(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "consentkit")
    with TestClient(make_app()) as client:
        client.get("/")
    assert caplog.records == []


@pytest.mark.parametrize("lifespan", LIFESPAN)
def test_on_consent_is_called_through_the_plugin(lifespan: bool) -> None:
    records: list[Any] = []
    app = Litestar(
        route_handlers=[home],
        plugins=[ConsentPlugin(secret_key=KEY, on_consent=records.append)],
        logging_config=None,
    )
    with client_for(app, lifespan) as client:
        client.post(
            "/_consent",
            data={"choice": "reject_all"},
            headers={"origin": str(client.base_url)},
            follow_redirects=False,
        )
    (record,) = records
    assert record.choice == "reject_all"
