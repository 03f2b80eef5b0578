"""consentkit's Django middleware in Django's own test ``Client`` and ``AsyncClient``, and
through Django's real WSGI and ASGI handlers where only they show it (several ``Set-Cookie``
for one name). The behaviour table runs its every case through the middleware too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.template import engines
from django.test import AsyncClient, Client, override_settings
from django.urls import path

from consentkit import get_consent
from consentkit.contrib.django import wrap_wsgi
from consentkit.contrib.django.middleware import PATH

from ...support.apps import PAGE, SECRET_KEY
from ...support.django_site import configured
from ...support.harness import AsgiClient, WsgiClient

settings = configured()
HOST = "shop.example.co.th"
ORIGIN = f"http://{HOST}"
BANNER = b'id="consentkit-banner"'
FORM = "application/x-www-form-urlencoded"
PAGE_BYTES = PAGE.encode()


def page(request: Any) -> HttpResponse:
    """A whole page that sets an analytics cookie the Django way."""
    response = HttpResponse(PAGE_BYTES)
    response.set_cookie("_ga", "GA1.1.1", max_age=3600)
    response.set_cookie("sessionid", "s3ss10n")
    return response


def raw_header(request: Any) -> HttpResponse:
    """A page whose analytics cookie is a raw header, not in ``response.cookies``."""
    response = HttpResponse(PAGE_BYTES)
    response.headers["Set-Cookie"] = "_gid=GA1.1.2; Path=/"
    return response


def seen(request: Any) -> JsonResponse:
    """What the view is shown: the address headers, and the consent both ways."""
    meta = request.META
    return JsonResponse(
        {
            "remote_addr": meta.get("REMOTE_ADDR"),
            "forwarded_for": meta.get("HTTP_X_FORWARDED_FOR"),
            "real_ip": meta.get("HTTP_X_REAL_IP"),
            "header": request.headers.get("X-Real-Ip"),
            "decided": request.consent.decided,
            "analytics": get_consent(request).allows("analytics"),
        }
    )


def address_headers(request: Any) -> JsonResponse:
    """Every ``HTTP_*`` value the view is shown, and ``request.headers``."""
    meta = {k: v for k, v in request.META.items() if k.startswith("HTTP_")}
    return JsonResponse({"meta": meta, "headers": dict(request.headers)})


def template_page(request: Any) -> HttpResponse:
    template = engines["django"].from_string(
        "<!doctype html><html><body>{% load consentkit %}"
        "{% if consent|allows:'analytics' %}วัดผลได้{% else %}ไม่วัดผล{% endif %}"
        "|{{ consent.decided }}</body></html>"
    )
    return HttpResponse(template.render({}, request))


def _chunks() -> Iterator[bytes]:
    yield b"<!doctype html><html><body><p>"
    yield "กาแฟ</p></bo".encode()
    yield b"dy></html>"


async def _achunks() -> AsyncIterator[bytes]:
    for chunk in _chunks():
        yield chunk


def stream(request: Any) -> StreamingHttpResponse:
    return StreamingHttpResponse(_chunks())


def astream(request: Any) -> StreamingHttpResponse:
    return StreamingHttpResponse(_achunks())


def file_page(request: Any) -> FileResponse:
    import io

    return FileResponse(io.BytesIO(PAGE_BYTES), content_type="text/html; charset=utf-8")


urlpatterns = [
    path("", page),
    path("seen", seen),
    path("raw-header", raw_header),
    path("address-headers", address_headers),
    path("template", template_page),
    path("stream", stream),
    path("astream", astream),
    path("file", file_page),
]

pytestmark = pytest.mark.usefixtures("this_urlconf")


@pytest.fixture
def this_urlconf() -> Iterator[None]:
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        yield


def _choose(client: Client, choice: str = "accept_all") -> Any:
    return client.post(
        "/_consent",
        f"choice={choice}",
        content_type=FORM,
        HTTP_HOST=HOST,
        HTTP_ORIGIN=ORIGIN,
        HTTP_SEC_FETCH_SITE="same-origin",
    )


def test_the_banner_goes_into_a_page_and_gated_cookies_are_dropped() -> None:
    response = Client().get("/", HTTP_HOST=HOST)
    assert BANNER in response.content
    assert response.content.index(BANNER) < response.content.rindex(b"</body>")
    assert response["Vary"] == "Cookie, Accept-Language"
    assert "_ga" not in response.cookies
    assert response.cookies["sessionid"].value == "s3ss10n"


def test_a_choice_posted_in_the_test_client_is_kept_and_read_back() -> None:
    client = Client()
    chosen = _choose(client)
    assert chosen.status_code == 303
    assert chosen.cookies["consentkit"]["httponly"]
    seen_now = client.get("/seen", HTTP_HOST=HOST).json()
    assert seen_now["decided"] and seen_now["analytics"]
    response = client.get("/", HTTP_HOST=HOST)
    assert BANNER not in response.content
    assert response.cookies["_ga"].value == "GA1.1.1"  # granted: the app's cookie stays


def test_consent_in_templates_through_the_context_processor() -> None:
    client = Client()
    before = client.get("/template", HTTP_HOST=HOST).content.decode()
    assert "ไม่วัดผล|False" in before and 'id="consentkit-banner"' in before
    _choose(client)
    after = client.get("/template", HTTP_HOST=HOST).content.decode()
    assert "วัดผลได้|True" in after


def test_refused_cookies_are_expired_for_every_domain_variant_through_real_handlers() -> None:
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application

    headers = [("Host", HOST), ("Cookie", "_ga=GA1.1.9; _gid=GA1.1.8")]
    for client in (WsgiClient(get_wsgi_application()), AsgiClient(get_asgi_application())):
        response = client.request("GET", "/seen", headers=headers)
        expiring = [v.strip() for v in response.all("set-cookie")]
        ga = [v for v in expiring if v.startswith("_ga=;")]
        domains = sorted(a.strip() for v in ga for a in v.split(";") if "Domain=" in a)
        assert domains == ["Domain=co.th", "Domain=example.co.th", "Domain=shop.example.co.th"]
        assert len(ga) == 4 and all("Max-Age=0" in v for v in ga)
        assert len([v for v in expiring if v.startswith("_gid=;")]) == 4


def test_the_test_client_sees_each_expiry_in_response_cookies() -> None:
    client = Client(HTTP_COOKIE="_ga=GA1.1.9")
    response = client.get("/seen", HTTP_HOST=HOST)
    morsels = [m for m in response.cookies.values() if m.key == "_ga"]
    assert len(morsels) == 4
    assert response.cookies["_ga"]["max-age"] == "0"


def test_the_view_sees_masked_addresses_until_location_is_granted() -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")  # a trusted proxy (the site's options)
    extra = {
        "HTTP_X_FORWARDED_FOR": "203.0.113.77",
        "HTTP_X_REAL_IP": "198.51.100.23",
        "HTTP_HOST": HOST,
    }
    shown = client.get("/seen", **extra).json()
    assert shown["remote_addr"] == "10.0.0.0"
    assert shown["forwarded_for"] == "203.0.113.0"
    assert shown["real_ip"] == shown["header"] == "198.51.100.0"
    client.post(
        "/_consent",
        "choice=save&categories=location",
        content_type=FORM,
        HTTP_ORIGIN=ORIGIN,
        **extra,
    )
    shown = client.get("/seen", **extra).json()
    assert shown["forwarded_for"] == "203.0.113.77"


def test_streaming_pages_get_the_banner_sync_and_async() -> None:
    response = Client().get("/stream", HTTP_HOST=HOST)
    body = b"".join(response.streaming_content)
    assert BANNER in body and body.endswith(b"</body></html>")
    assert "กาแฟ".encode() in body

    async def fetch() -> bytes:
        response = await AsyncClient().get("/astream", headers={"host": HOST})
        return b"".join([chunk async for chunk in response.streaming_content])

    body = asyncio.run(fetch())
    assert BANNER in body and body.endswith(b"</body></html>")


def test_a_file_response_page_gets_the_banner_and_its_length() -> None:
    from django.core.wsgi import get_wsgi_application

    response = WsgiClient(get_wsgi_application()).request("GET", "/file")
    assert BANNER.decode() in response.text
    assert int(response.header("content-length") or 0) == len(response.body)


def test_async_client_reads_and_records_consent() -> None:
    async def run() -> tuple[int, dict[str, Any]]:
        client = AsyncClient()
        chosen = await client.post(
            "/_consent",
            "choice=accept_all",
            content_type=FORM,
            headers={"origin": "http://testserver"},
        )
        return chosen.status_code, (await client.get("/seen")).json()

    status, shown = asyncio.run(run())
    assert status == 303 and shown["decided"]


def test_without_the_middleware_the_error_names_the_middleware_line() -> None:
    with override_settings(MIDDLEWARE=[]):
        with pytest.raises(AttributeError, match=PATH.replace(".", r"\.")):
            Client().get("/seen")
        from django.test import RequestFactory

        with pytest.raises(RuntimeError, match="MIDDLEWARE"):
            get_consent(RequestFactory().get("/"))


def test_wrapped_and_in_middleware_gives_one_banner(caplog: pytest.LogCaptureFixture) -> None:
    from django.core.wsgi import get_wsgi_application

    client = WsgiClient(wrap_wsgi(get_wsgi_application()))
    response = client.request("GET", "/")
    assert response.body.count(BANNER) == 1
    assert "consentkit runs twice" in caplog.text
    shown = json.loads(client.request("GET", "/seen").body)  # request.consent: the wrapper's
    assert shown["decided"] is False and shown["remote_addr"] == "127.0.0.0"


def test_a_bad_option_fails_when_django_builds_its_handler() -> None:
    from django.core.exceptions import ImproperlyConfigured

    bad = {"secret_key": SECRET_KEY, "prefix": "no-slash"}
    with override_settings(CONSENTKIT=bad), pytest.raises(ImproperlyConfigured, match="prefix"):
        Client().get("/")


def test_the_consent_json_of_the_endpoint_in_the_test_client() -> None:
    client = Client()
    _choose(client, "reject_all")
    answer = json.loads(client.get("/_consent").content)
    assert answer["decided"] and answer["granted"] == ["necessary"]


def test_a_sync_stream_under_the_async_middleware_gets_the_banner() -> None:
    async def fetch() -> Any:
        return await AsyncClient().get("/stream", headers={"host": HOST})

    response = asyncio.run(fetch())
    body = b"".join(response.streaming_content)  # read in a thread by consentkit, then here
    assert BANNER in body and body.endswith(b"</body></html>")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_on_consent_gets_each_choice(mode: str) -> None:
    records: list[Any] = []
    options = {**settings.CONSENTKIT, "on_consent": records.append}
    with override_settings(CONSENTKIT=options):
        if mode == "sync":
            assert _choose(Client(), "reject_all").status_code == 303
        else:

            async def post() -> int:
                response = await AsyncClient().post(
                    "/_consent",
                    "choice=reject_all",
                    content_type=FORM,
                    headers={"origin": "http://testserver"},
                )
                return response.status_code

            assert asyncio.run(post()) == 303
    assert [r.choice for r in records] == ["reject_all"]


def test_every_address_header_is_masked_in_meta_and_request_headers() -> None:
    from consentkit.core.request import ADDRESS_HEADERS

    extra = {"HTTP_" + name.upper().replace("-", "_"): "203.0.113.77" for name in ADDRESS_HEADERS}
    shown = Client(REMOTE_ADDR="10.0.0.5").get("/address-headers", **extra).json()
    assert "203.0.113.77" not in json.dumps(shown)
    assert shown["meta"]["HTTP_X_FORWARDED_FOR"] == "203.0.113.0"
    assert "HTTP_FORWARDED" not in shown["meta"]  # removed, not rewritten
    assert len(shown["meta"]) >= len(ADDRESS_HEADERS) - 1


def test_no_location_header_reaches_the_view_without_location() -> None:
    from consentkit.core.request import LOCATION_HEADERS

    extra = {"HTTP_" + name.upper().replace("-", "_"): "TH" for name in LOCATION_HEADERS}
    extra["HTTP_CF_IPCITY"] = "Chiang Mai"
    shown = Client(REMOTE_ADDR="10.0.0.5").get("/address-headers", **extra).json()
    assert "Chiang Mai" not in json.dumps(shown)
    assert not set(shown["meta"]) & set(extra)
    assert not {name.lower() for name in shown["headers"]} & set(LOCATION_HEADERS)


def test_a_response_with_several_expiries_survives_pickling() -> None:
    """Django's cache middleware pickles responses: each expiry keeps its whole header."""
    import pickle

    response = Client(HTTP_COOKIE="_ga=GA1.1.9").get("/seen", HTTP_HOST=HOST)
    before = sorted(m.output(header="") for m in response.cookies.values())
    again = pickle.loads(pickle.dumps(response.cookies))
    assert sorted(m.output(header="") for m in again.values()) == before
    assert len(before) == 4 and all("Max-Age=0" in h for h in before)


def reads_the_body_first(get_response: Any) -> Any:
    """A middleware above consentkit that reads ``request.POST`` (so the body) first."""

    def middleware(request: Any) -> Any:
        request.POST  # noqa: B018 (read for its side effect)
        return get_response(request)

    return middleware


def test_a_choice_reaches_consentkit_after_an_outer_middleware_read_the_body() -> None:
    with override_settings(MIDDLEWARE=[f"{__name__}.reads_the_body_first", PATH]):
        client = Client()
        assert _choose(client).status_code == 303
        assert client.get("/seen", HTTP_HOST=HOST).json()["decided"]


def test_a_raw_set_cookie_header_of_a_refused_category_is_dropped() -> None:
    refused = Client().get("/raw-header")
    assert "Set-Cookie" not in refused.headers and BANNER in refused.content
    client = Client()
    _choose(client)
    granted = client.get("/raw-header")
    assert granted.headers["Set-Cookie"] == "_gid=GA1.1.2; Path=/"
