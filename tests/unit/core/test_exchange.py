"""Exchange: one request's lazy facts (stored consent, grants, refused cookies, consent,
locale, masked address, expiring headers)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import pytest

from consentkit.core.codec import FUTURE_SKEW, StoredConsent
from consentkit.core.engine import COOKIE_HEADER_LIMIT, Engine
from consentkit.core.exchange import Exchange

#: UTC's offset.
NO_OFFSET = datetime.timedelta(0)

MakeExchange = Callable[..., Exchange]
Cookie = Callable[..., str]
THAI_HOST = "ร้านกาแฟ.example".encode("idna").decode("ascii")  # xn--12c1ctan9ec9hrc.example


# -- the Cookie header ---------------------------------------------------------------------


def test_no_cookie_header_is_the_engines_no_cookies(engine: Engine, exchange: MakeExchange) -> None:
    assert exchange().cookies is engine.no_cookies
    assert exchange(cookie="").cookies is engine.no_cookies
    assert exchange(cookie=b"").cookies is engine.no_cookies


def test_the_same_header_twice_is_the_same_cookie_header(
    engine: Engine, exchange: MakeExchange
) -> None:
    header = "ตะกร้า=1".encode() + b"; _ga=GA1.1.12345"
    first = exchange(cookie=header)
    second = exchange(cookie=header)
    assert second.cookies is first.cookies
    assert engine.cookie_headers[header] is first.cookies


def test_a_header_over_the_limit_is_parsed_but_not_cached(
    engine: Engine, exchange: MakeExchange
) -> None:
    header = "_ga=GA1.1.1; big=" + "ก" * COOKIE_HEADER_LIMIT
    assert len(header) > 4096
    before = len(engine.cookie_headers)
    first = exchange(cookie=header)
    second = exchange(cookie=header)
    assert first.cookies.gated_names == ("_ga",)
    assert first.cookies.cookies["big"] == "ก" * COOKIE_HEADER_LIMIT
    assert second.cookies is not first.cookies
    assert header not in engine.cookie_headers
    assert len(engine.cookie_headers) == before


def test_a_header_of_exactly_the_limit_is_cached(engine: Engine, exchange: MakeExchange) -> None:
    header = "a=" + "x" * (COOKIE_HEADER_LIMIT - 2)
    assert exchange(cookie=header).cookies is exchange(cookie=header).cookies


# -- Sec-GPC, endpoints --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"1", True),
        ("1", True),
        (" 1 ", True),
        (b" 1\t", True),
        ("0", False),
        (b"true", False),
        ("", False),
        (None, False),
    ],
)
def test_gpc(exchange: MakeExchange, value: str | bytes | None, expected: bool) -> None:
    x = exchange() if value is None else exchange(sec_gpc=value)
    assert x.gpc is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/_consent", True),
        ("/_consent/", True),
        ("/_consent/preferences", True),
        ("/_consent/static/x.js", True),
        ("/_consentX", False),
        ("/_consen", False),
        ("/เมนู/_consent", False),
        ("/", False),
    ],
)
def test_is_endpoint(exchange: MakeExchange, path: str, expected: bool) -> None:
    assert exchange(path=path).is_endpoint is expected


def test_is_endpoint_follows_the_prefix(
    make_engine: Callable[..., Engine], exchange: MakeExchange
) -> None:
    engine = make_engine(prefix="/cookies/")
    assert exchange(path="/cookies/language", engine=engine).is_endpoint is True
    assert exchange(path="/_consent", engine=engine).is_endpoint is False


# -- masked_peer ---------------------------------------------------------------------------


def test_a_visitor_without_consent_is_masked(exchange: MakeExchange) -> None:
    assert exchange(peer="203.0.113.77").masked_peer == "203.0.113.0"
    assert exchange(peer="2001:db8:abcd:12::7").masked_peer == "2001:db8:abcd::"


def test_a_visitor_who_granted_location_is_not_masked(
    exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(peer="203.0.113.77", cookie=consent_cookie("location"))
    assert x.masked_peer is None
    assert x.granted() == frozenset({"location"})


def test_a_forged_claim_of_location_is_masked(exchange: MakeExchange) -> None:
    x = exchange(peer="203.0.113.77", cookie="consentkit=1~id~location~1.AAAA.forged")
    assert x.cookies.claims_location is True
    assert x.masked_peer == "203.0.113.0"


def test_a_granted_location_from_another_policy_is_masked(
    exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(peer="203.0.113.77", cookie=consent_cookie("location", policy_version="0"))
    assert x.masked_peer == "203.0.113.0"


def test_nothing_is_masked_with_mask_client_ip_off(
    make_engine: Callable[..., Engine], exchange: MakeExchange
) -> None:
    engine = make_engine(mask_client_ip=False)
    assert exchange(peer="203.0.113.77", engine=engine).masked_peer is None


def test_no_peer_is_not_masked(exchange: MakeExchange) -> None:
    assert exchange(peer=None).masked_peer is None


# -- stored, granted, refused_cookies ------------------------------------------------------


def test_no_consent_cookie_stores_nothing(exchange: MakeExchange) -> None:
    x = exchange(cookie="_ga=1")
    assert x.stored() is None
    assert x.granted() == frozenset()


def test_a_signed_cookie_is_stored(exchange: MakeExchange, consent_cookie: Cookie) -> None:
    x = exchange(cookie=consent_cookie("analytics", "marketing"))
    stored = x.stored()
    assert isinstance(stored, StoredConsent)
    assert stored.granted == frozenset({"analytics", "marketing"})
    assert x.granted() == frozenset({"analytics", "marketing"})


def test_stored_ages_out(
    engine: Engine,
    exchange: MakeExchange,
    consent_cookie: Cookie,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cookie = consent_cookie("analytics")
    fresh = exchange(cookie=cookie).stored()
    assert fresh is not None
    max_age = engine.settings.max_age
    monkeypatch.setattr(time, "time", lambda: fresh.decided_at + max_age)
    assert exchange(cookie=cookie).stored() == fresh  # the last second still counts
    monkeypatch.setattr(time, "time", lambda: fresh.decided_at + max_age + 1)
    aged = exchange(cookie=cookie)
    assert aged.stored() is None
    assert aged.granted() == frozenset()
    assert aged.consent.decided is False


def test_a_consent_from_the_future_is_not_stored(
    exchange: MakeExchange, consent_cookie: Cookie, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = consent_cookie("analytics")
    fresh = exchange(cookie=cookie).stored()
    assert fresh is not None
    monkeypatch.setattr(time, "time", lambda: fresh.decided_at - FUTURE_SKEW - 1)
    assert exchange(cookie=cookie).stored() is None


def test_granted_with_gpc(exchange: MakeExchange, consent_cookie: Cookie) -> None:
    cookie = consent_cookie("analytics", "marketing")
    assert exchange(cookie=cookie, sec_gpc="1").granted() == frozenset({"analytics"})
    assert exchange(cookie=cookie, sec_gpc="0").granted() == frozenset({"analytics", "marketing"})


def test_refused_cookies(exchange: MakeExchange, consent_cookie: Cookie) -> None:
    gated = "_ga=1; _fbp=2; basket=3; _ga_X=4"
    assert exchange(cookie="basket=3").refused_cookies() == ()
    assert exchange(cookie=gated).refused_cookies() == ("_ga", "_fbp", "_ga_X")
    decided = gated + "; " + consent_cookie("marketing")
    assert exchange(cookie=decided).refused_cookies() == ("_ga", "_ga_X")
    assert exchange(cookie=decided, sec_gpc="1").refused_cookies() == ("_ga", "_fbp", "_ga_X")
    everything = gated + "; " + consent_cookie("analytics", "marketing")
    assert exchange(cookie=everything).refused_cookies() == ()


# -- consent, decide() ---------------------------------------------------------------------


def test_the_consent_of_an_undecided_visitor(exchange: MakeExchange) -> None:
    consent = exchange(sec_gpc="1").consent
    assert consent.decided is False
    assert consent.granted == frozenset({"necessary"})
    assert consent.required == frozenset({"necessary"})
    assert (consent.gpc, consent.policy_version) == (True, "1")
    assert (consent.consent_id, consent.decided_at) == (None, None)


def test_the_consent_of_a_decided_visitor(exchange: MakeExchange, consent_cookie: Cookie) -> None:
    x = exchange(cookie=consent_cookie("analytics"))
    stored = x.stored()
    assert stored is not None
    consent = x.consent
    assert consent.decided is True
    assert consent.granted == frozenset({"necessary", "analytics"})
    assert consent.consent_id == stored.consent_id
    assert len(consent.consent_id) == 16
    assert consent.decided_at == datetime.datetime.fromtimestamp(
        stored.decided_at, datetime.timezone.utc
    )
    offset = consent.decided_at.utcoffset()  # type: ignore[union-attr]
    assert offset == NO_OFFSET
    assert x.consent is consent  # worked out once


def test_the_consent_knows_the_truncated_address(exchange: MakeExchange) -> None:
    consent = exchange(peer="198.51.100.23").consent
    assert consent.client_ip == "198.51.100.0"


def test_decide_changes_the_consent(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(cookie=consent_cookie("analytics"), sec_gpc=b"1")
    assert x.consent.granted == frozenset({"necessary", "analytics"})
    stored = engine.codec.decode(engine.codec.encode(["marketing", "location"], "1"))
    assert stored is not None
    decided = x.decide(stored)
    assert x.consent is decided
    assert decided.granted == frozenset({"necessary", "location"})  # GPC refuses marketing
    assert decided.consent_id == stored.consent_id
    assert decided.gpc is True


def test_decide_for_an_undecided_visitor(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange()
    assert x.consent.decided is False
    stored = engine.codec.decode(engine.codec.encode([], "1"))
    assert stored is not None
    assert x.decide(stored).decided is True
    assert x.consent.granted == frozenset({"necessary"})


# -- locale --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected"),
    [
        pytest.param("consentkit_lang=en", "th-TH,th;q=0.9", "en", id="cookie-wins"),
        pytest.param("consentkit_lang=TH-th", "en-US", "th", id="cookie-region-and-case"),
        pytest.param("consentkit_lang=fr", "en-US,en;q=0.8", "en", id="unknown-cookie"),
        pytest.param(None, "th-TH,th;q=0.9,en;q=0.5", "th", id="thai"),
        pytest.param(None, "en-GB,en;q=0.9,th;q=0.1", "en", id="english"),
        pytest.param(None, "fr-FR", "th", id="no-match-default"),
        pytest.param(None, None, "th", id="nothing-default"),
    ],
)
def test_locale(
    exchange: MakeExchange, cookie: str | None, accept_language: str | None, expected: str
) -> None:
    headers = {}
    if cookie is not None:
        headers["cookie"] = cookie
    if accept_language is not None:
        headers["accept_language"] = accept_language
    assert exchange(**headers).locale == expected


# -- expiring() ----------------------------------------------------------------------------


def expired(name: str, domain: str | None = None, *, secure: bool = False) -> tuple[bytes, bytes]:
    value = f"{name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    value += f"; Domain={domain}" if domain else ""
    value += "; SameSite=Lax" + ("; Secure" if secure else "")
    return (b"set-cookie", value.encode())


def test_expiring_host_only_and_parent_domains(exchange: MakeExchange) -> None:
    x = exchange(host=f"www.{THAI_HOST}:8443")
    assert x.expiring(("_ga", "_fbp")) == (
        expired("_ga"),
        expired("_ga", f"www.{THAI_HOST}"),
        expired("_ga", THAI_HOST),
        expired("_fbp"),
        expired("_fbp", f"www.{THAI_HOST}"),
        expired("_fbp", THAI_HOST),
    )


def test_expiring_over_https_is_secure(exchange: MakeExchange) -> None:
    x = exchange(host=THAI_HOST, scheme="https")
    assert x.secure is True
    assert x.expiring(("_ga",)) == (
        expired("_ga", secure=True),
        expired("_ga", THAI_HOST, secure=True),
    )


def test_expiring_for_an_address_or_no_host_is_host_only(exchange: MakeExchange) -> None:
    assert exchange(host="192.0.2.10:8000").expiring(("_ga",)) == (expired("_ga"),)
    assert exchange().expiring(("_ga",)) == (expired("_ga"),)


def test_expiring_the_same_call_returns_the_cached_tuple(exchange: MakeExchange) -> None:
    first = exchange(host=THAI_HOST).expiring(("_gid",))
    second = exchange(host=THAI_HOST).expiring(("_gid",))
    assert second is first
    assert exchange(host=THAI_HOST, scheme="https").expiring(("_gid",)) is not first


def test_expiring_nothing_is_empty(exchange: MakeExchange) -> None:
    assert exchange(host=THAI_HOST).expiring(()) == ()
