"""The framework helpers: thin, and reading only what the middleware left on the request."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.urls import path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.contrib.django import option_names, options_from_settings, wrap_wsgi
from consentkit.contrib.templating import consent_context, csp_nonce, preferences_url

from ..support.django_site import configured

KEY = "กุญแจลับสำหรับทดสอบ-0123456789abcdef"


def _settings(value: Any) -> Any:
    return types.SimpleNamespace(CONSENTKIT=value)


async def _context_page(request: Request) -> JSONResponse:
    context = consent_context(request)
    return JSONResponse(
        {
            "decided": context["consent"].decided,
            "analytics": context["consent"].allows("analytics"),
            "preferences": context["consent_preferences_url"],
            "nonce_stable": context["csp_nonce"] == csp_nonce(request),
            "nonce": context["csp_nonce"],
        }
    )


@pytest.mark.parametrize(
    ("root_path", "expected"),
    [
        pytest.param("", "/_consent/preferences", id="root"),
        pytest.param("/shop", "/shop/_consent/preferences", id="mounted"),
    ],
)
def test_template_context_in_starlette(root_path: str, expected: str) -> None:
    app = ConsentMiddleware(Starlette(routes=[Route("/", _context_page)]), secret_key=KEY)
    transport = httpx.ASGITransport(app=app, root_path=root_path)

    async def visit() -> tuple[Any, Any, Any]:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            first = (await c.get(root_path + "/")).json()
            second = (await c.get(root_path + "/")).json()
            await c.post(
                root_path + "/_consent",
                data={"choice": "accept_all"},
                headers={"origin": "http://testserver"},
            )
            return first, second, (await c.get(root_path + "/")).json()

    first, second, after = asyncio.run(visit())
    assert first["decided"] is False and first["analytics"] is False
    assert first["preferences"] == expected
    assert first["nonce_stable"] is True
    assert len(first["nonce"]) >= 16
    assert first["nonce"] != second["nonce"]  # a fresh nonce per request
    assert after["decided"] is True and after["analytics"] is True


def test_template_context_in_flask() -> None:
    import flask
    from werkzeug.test import Client

    app = flask.Flask(__name__)
    app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, secret_key=KEY)  # type: ignore[method-assign]
    app.context_processor(lambda: consent_context(flask.request))

    @app.get("/")
    def home() -> str:
        return flask.render_template_string(
            "{{ consent.decided }}|{{ consent.allows('marketing') }}|"
            "{{ consent_preferences_url }}|{{ csp_nonce == csp_nonce }}|"
            "{{ consentkit_preferences_link(request) }}"
        )

    body = Client(app).get("/", base_url="http://localhost/shop").get_data(as_text=True)
    assert body.startswith("False|False|/shop/_consent/preferences|True|<a ")
    assert 'href="/shop/_consent/preferences' in body.split("|")[4]
    assert "ตั้งค่าคุกกี้" in body.split("|")[4]
    assert 'id="consentkit-banner"' not in body  # a fragment, not a document: no banner


def test_helpers_outside_a_middleware_say_what_is_wrong() -> None:
    with pytest.raises(RuntimeError, match="ConsentMiddleware"):
        preferences_url({"type": "http"})
    with pytest.raises(RuntimeError, match="request object"):
        csp_nonce(object())


def test_django_options_map_onto_the_middleware_options() -> None:
    options = options_from_settings(
        _settings({"SECRET_KEY": KEY, "policy_version": "2569-01", "Locales": ["th"]})
    )
    assert options == {"secret_key": KEY, "policy_version": "2569-01", "locales": ["th"]}
    assert options_from_settings(types.SimpleNamespace()) == {}
    assert {"secret_key", "template_dirs", "trusted_proxies"} <= option_names()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"secret_key": KEY, "cookie_nmae": "x"}, "cookie_nmae", id="typo"),
        pytest.param(["secret_key"], "must be a dict", id="not-a-dict"),
    ],
)
def test_django_bad_settings_are_a_value_error(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        options_from_settings(_settings(value))


@pytest.fixture
def django_contrib() -> Iterator[None]:
    """Django set up (tests/support/django_settings.py), with this module's URLs and options
    and no consentkit middleware (these tests wrap the application instead)."""
    configured()
    from django.test import override_settings

    with override_settings(
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        ALLOWED_HOSTS=["testserver", "localhost"],
        CONSENTKIT={"secret_key": KEY, "prefix": "/_ck"},
    ):
        yield


def _django_page(request: Any) -> Any:
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        "{% load consentkit %}{% if consent|allows:'analytics' %}อนุญาต{% else %}ไม่อนุญาต"
        "{% endif %}|{% consent_preferences_url %}|{% get_consent as c %}{{ c.decided }}"
        "{% if request.consentkit_links %}|{% consent_preferences_link %}|{% consent_mode_tag %}"
        "{% endif %}"
    )
    return HttpResponse(template.render({}, request))


def _django_links_page(request: Any) -> Any:
    request.consentkit_links = True
    return _django_page(request)


urlpatterns = [path("", _django_page), path("links", _django_links_page)]


@pytest.mark.usefixtures("django_contrib")
def test_django_wrapped_wsgi_application_and_template_tags() -> None:
    from django.core.wsgi import get_wsgi_application
    from werkzeug.test import Client

    client = Client(wrap_wsgi(get_wsgi_application()))
    first = client.get("/").get_data(as_text=True)
    assert first.startswith("ไม่อนุญาต|/_ck/preferences|False")
    assert 'id="consentkit-banner"' not in first  # a fragment, not a document: no banner
    chosen = client.post(
        "/_ck", data={"choice": "accept_all"}, headers={"Origin": "http://localhost"}
    )
    assert chosen.status_code == 303
    body = client.get("/").get_data(as_text=True)
    assert body.startswith("อนุญาต|/_ck/preferences|True")
    assert 'id="consentkit-banner"' not in body


@pytest.mark.usefixtures("django_contrib")
def test_django_link_tags_render_markup_unescaped() -> None:
    from django.core.wsgi import get_wsgi_application
    from werkzeug.test import Client

    body = Client(wrap_wsgi(get_wsgi_application())).get("/links").get_data(as_text=True)
    link, tag = body.split("|")[3:5]
    assert link.startswith("<a ") and 'href="/_ck/preferences' in link
    assert "ตั้งค่าคุกกี้" in link
    assert tag.startswith("<script") and "data-consentkit-head" in tag


@pytest.mark.usefixtures("django_contrib")
def test_django_without_the_wrapper_falls_back_safely(caplog: pytest.LogCaptureFixture) -> None:
    from django.test import RequestFactory

    response = _django_page(RequestFactory().get("/"))
    assert response.content.decode() == "ไม่อนุญาต|/_ck/preferences|"
    assert "consentkit.contrib.django.middleware.ConsentMiddleware" in caplog.text


@pytest.mark.usefixtures("django_contrib")
def test_django_check_warns_about_gzip_inside_consentkit() -> None:
    from django.test import override_settings

    from consentkit.contrib.django.checks import check_compression_outside

    assert check_compression_outside() == []
    with override_settings(MIDDLEWARE=["django.middleware.gzip.GZipMiddleware"]):
        warnings = check_compression_outside()
    assert [w.id for w in warnings] == ["consentkit.W001"]
    assert "GZipMiddleware" in warnings[0].msg
