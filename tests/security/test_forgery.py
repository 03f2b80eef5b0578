"""Forged consent, against both adapters: cookie tossing over HTTPS, duplicate consent
cookies, a ``Host`` header smuggling cookie attributes, and a form POST with no provenance.

Each case is what an attacker can do from a sibling subdomain, a plain-HTTP page of the same
domain, or another site; none may add consent a visitor did not give.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

from ..support.apps import OPTIONS, asgi_app, wsgi_app
from ..support.harness import AsgiClient, Result, WsgiClient

ALL = ["analytics", "functional", "location", "marketing"]
FORM = ("Content-Type", "application/x-www-form-urlencoded")
#: A trusted proxy's address (OPTIONS trusts 10.0.0.0/8).
PROXY = ("10.0.0.5", 44321)


@pytest.fixture(scope="module", params=["asgi", "wsgi"])
def site(request: pytest.FixtureRequest) -> Any:
    """The test site behind each adapter (in-process)."""
    if request.param == "asgi":
        return ConsentMiddleware(asgi_app, **OPTIONS)
    return ConsentWSGIMiddleware(wsgi_app, **OPTIONS)


def client(site: Any) -> AsgiClient | WsgiClient:
    return AsgiClient(site) if isinstance(site, ConsentMiddleware) else WsgiClient(site)


def token(site: Any, *granted: str) -> str:
    """A validly signed consent cookie value granting ``granted``."""
    return str(site.engine.codec.encode(granted, site.settings.policy_version))


def seen(response: Result) -> dict[str, Any]:
    """What the app's handler saw through get_consent (the site's /consent route)."""
    assert response.status == 200, response.text
    return json.loads(response.body)  # type: ignore[no-any-return]


def expired_names(response: Result) -> set[str]:
    return {
        v.split("=", 1)[0] for v in response.all("set-cookie") if "Max-Age=0" in v.replace(" ", "")
    }


# -- cookie tossing --------------------------------------------------------------------------


def test_over_https_a_tossed_plain_cookie_grants_nothing(site: Any) -> None:
    thai = "ทดสอบ".encode().decode("latin-1")  # UTF-8 bytes, as a browser sends them
    tossed = ("Cookie", f"consentkit={token(site, *ALL)}; _ga=GA1.1.{thai}")
    view = seen(client(site).request("GET", "/consent", headers=[tossed], scheme="https"))
    assert view["decided"] is False and view["granted"] == ["necessary"]
    assert view["client_ip"] == "127.0.0.0"  # no location: the app gets a truncated address
    page = client(site).request("GET", "/set-cookies", headers=[tossed], scheme="https")
    assert 'id="consentkit-banner"' in page.text
    assert not any(v.startswith(("_ga=GA1", "_fbp=fb")) for v in page.all("set-cookie"))
    assert "_ga" in expired_names(page)


def test_over_https_the_host_cookie_is_honoured(site: Any) -> None:
    own = ("Cookie", f"__Host-consentkit={token(site, 'analytics')}")
    view = seen(client(site).request("GET", "/consent", headers=[own], scheme="https"))
    assert view["decided"] is True and view["granted"] == ["analytics", "necessary"]


def test_behind_a_trusted_proxy_https_is_https_too() -> None:
    site = ConsentMiddleware(asgi_app, **OPTIONS)
    proxied = AsgiClient(site, client=PROXY)
    https = ("X-Forwarded-Proto", "https")
    tossed = ("Cookie", f"consentkit={token(site, *ALL)}")
    assert seen(proxied.request("GET", "/consent", headers=[https, tossed]))["decided"] is False
    own = ("Cookie", f"__Host-consentkit={token(site, 'functional')}")
    view = seen(proxied.request("GET", "/consent", headers=[https, own]))
    assert view["granted"] == ["functional", "necessary"]
    # The same plain cookie over plain HTTP is the visitor's own (local development).
    assert seen(proxied.request("GET", "/consent", headers=[tossed]))["decided"] is True


def test_an_untrusted_peer_cannot_claim_http_to_use_a_tossed_cookie(site: Any) -> None:
    """Over HTTPS, a forwarding header from an untrusted peer does not downgrade the request."""
    tossed = ("Cookie", f"consentkit={token(site, *ALL)}")
    headers = [tossed, ("X-Forwarded-Proto", "http")]
    view = seen(client(site).request("GET", "/consent", headers=headers, scheme="https"))
    assert view["decided"] is False


def test_a_planted_duplicate_only_takes_consent_away(site: Any) -> None:
    own_refusal = f"consentkit={token(site)}"
    planted = f"consentkit={token(site, *ALL)}"
    both = ("Cookie", f"{planted}; {own_refusal}; _ga=GA1.1.1; _fbp=fb.1.2")
    view = seen(client(site).request("GET", "/consent", headers=[both]))
    assert view["decided"] is True and view["granted"] == ["necessary"]
    page = client(site).request("GET", "/set-cookies", headers=[both])
    assert {"_ga", "_fbp"} <= expired_names(page)
    partial = ("Cookie", f"{planted}; consentkit={token(site, 'analytics')}")
    assert seen(client(site).request("GET", "/consent", headers=[partial]))["granted"] == [
        "analytics",
        "necessary",
    ]


# -- the Host header -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "a.b; Secure; Domain=evil.example",
        "shop.example;Domain=evil.example",
        "evil.example\tx",
        "ร้าน.example".encode().decode("latin-1"),
        "shop.example, evil.example",
    ],
)
def test_the_host_header_never_reaches_a_cookie_attribute(site: Any, host: str) -> None:
    headers = [("Host", host), ("Cookie", "_ga=GA1.1.1")]
    response = client(site).request("GET", "/", headers=headers)
    assert response.status == 200
    cookies = response.all("set-cookie")
    assert cookies and all(value.startswith("_ga=;") for value in cookies)
    for value in cookies:
        assert "evil" not in value and "Domain" not in value, value


def test_a_valid_host_still_expires_on_the_parent_domains(site: Any) -> None:
    headers = [("Host", "www.shop.example.co.th:8443"), ("Cookie", "_ga=GA1.1.1")]
    cookies = client(site).request("GET", "/", headers=headers).all("set-cookie")
    domains = sorted(v.split("Domain=")[1].split(";")[0] for v in cookies if "Domain=" in v)
    assert domains == ["example.co.th", "shop.example.co.th", "www.shop.example.co.th"]


# -- provenance of a choice ----------------------------------------------------------------


def test_a_form_post_without_provenance_is_refused(site: Any) -> None:
    response = client(site).request("POST", "/_consent", headers=[FORM], body=b"choice=accept_all")
    assert response.status == 403
    assert not response.all("set-cookie")
    assert "Sec-Fetch-Site, Origin and Referer" in response.text


def test_a_json_post_without_provenance_is_allowed(site: Any) -> None:
    response = client(site).request(
        "POST",
        "/_consent",
        headers=[("Content-Type", "application/json"), ("Accept", "application/json")],
        body=json.dumps({"choice": "reject_all"}).encode(),
    )
    assert response.status == 200
    assert json.loads(response.body)["decided"] is True


@pytest.mark.parametrize(
    "provenance",
    [
        [("Sec-Fetch-Site", "same-origin")],
        [("Origin", "http://testserver")],
        [("Referer", "http://testserver/เมนู")],
    ],
    ids=["sec-fetch-site", "origin", "referer"],
)
def test_a_form_post_with_provenance_is_accepted(
    site: Any, provenance: list[tuple[str, str]]
) -> None:
    headers = [FORM, *provenance]
    encoded = [(k, v.encode().decode("latin-1")) for k, v in headers]
    response = client(site).request("POST", "/_consent", headers=encoded, body=b"choice=save")
    assert response.status == 303
