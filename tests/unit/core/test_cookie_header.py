"""CookieRules and CookieHeader: what one ``Cookie`` header says, before and after the consent
cookie is verified."""

from __future__ import annotations

from collections.abc import Callable

from consentkit.categories import Category
from consentkit.core.cookie_header import UNVERIFIED, CookieHeader
from consentkit.core.engine import Engine

BASKET = "ตะกร้า=กาแฟเย็น".encode()  # a Thai cookie value, as a browser sends it (UTF-8)


def parse(engine: Engine, header: str | bytes) -> CookieHeader:
    return engine.cookie_rules.parse(header)


# -- before verification -------------------------------------------------------------------


def test_the_rules_name_the_consent_cookie_per_scheme(engine: Engine) -> None:
    assert engine.cookie_rules.https_name == "__Host-consentkit"
    assert engine.cookie_rules.http_name == "consentkit"
    assert engine.cookie_rules.language_name == "consentkit_lang"


def test_consent_values_are_kept_per_scheme(engine: Engine) -> None:
    header = parse(engine, "consentkit=plain-value; __Host-consentkit=host-value")
    assert header.https_values == ("host-value",)  # over HTTPS only __Host- counts
    assert header.http_values == ("plain-value",)
    planted = parse(engine, "consentkit=planted; consentkit=own; x=1")
    assert planted.http_values == ("planted", "own")  # every one, in the order sent
    assert parse(engine, "other=1").https_values == parse(engine, "other=1").http_values == ()


def test_bytes_are_read_as_latin_1(engine: Engine) -> None:
    header = parse(engine, b"basket=" + BASKET + b"; consentkit_lang=en")
    assert header.cookies["basket"].encode("latin-1").decode("utf-8") == "ตะกร้า=กาแฟเย็น"
    assert header.language == "en"


def test_claims_location_without_verification(engine: Engine) -> None:
    forged = "consentkit=1~abc~analytics+location~1.AAAA.forged"
    header = parse(engine, forged)
    assert header.claims_location is True
    assert header.masked is False  # masking waits for the verification
    assert header.over_http is header.over_https is UNVERIFIED
    assert header.verify(engine.cookie_rules, False) is None
    assert header.over_http is None and header.over_https is UNVERIFIED


def test_a_claim_in_a_host_cookie_counts_too(engine: Engine) -> None:
    header = parse(engine, "__Host-consentkit=1~abc~location~1.AAAA.forged; consentkit=x")
    assert header.claims_location is True and header.masked is False


def test_a_cookie_not_claiming_location_is_masked(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, consent_cookie("analytics", "marketing"))
    assert (header.claims_location, header.masked) == (False, True)
    assert (parse(engine, "").claims_location, parse(engine, "").masked) == (False, True)


def test_nothing_is_masked_with_mask_client_ip_off(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(mask_client_ip=False)
    assert parse(engine, "").masked is False


def test_gated_cookies_exact_and_pattern(engine: Engine) -> None:
    header = parse(
        engine,
        b"_ga=GA1.1.1; _ga_ABC123=GS1.1; basket=" + BASKET + b"; _fbp=fb.1; _gat_UA1=1; csrf=x",
    )
    assert header.gated == (
        ("_ga", "analytics"),
        ("_ga_ABC123", "analytics"),
        ("_fbp", "marketing"),
        ("_gat_UA1", "analytics"),
    )
    assert header.gated_names == ("_ga", "_ga_ABC123", "_fbp", "_gat_UA1")


def test_cookies_of_a_required_category_are_never_gated(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(
        categories=(
            Category("necessary", required=True, cookies=("sessionid", "cart_*")),
            "analytics",
        )
    )
    header = parse(engine, "sessionid=1; cart_ตะกร้า=2; cart_th=3; _ga=4")
    assert header.gated == (("_ga", "analytics"),)


def test_the_language_cookie(engine: Engine) -> None:
    assert parse(engine, "consentkit_lang=th; a=1").language == "th"
    assert parse(engine, "a=1").language is None


def test_before_verification_nothing_is_known(engine: Engine) -> None:
    header = parse(engine, "_ga=1; _fbp=2")
    assert header.over_http is header.over_https is UNVERIFIED
    assert header.gated_names == ("_ga", "_fbp")


# -- verify() ------------------------------------------------------------------------------


def test_verify_a_signed_value(engine: Engine, consent_cookie: Callable[..., str]) -> None:
    header = parse(engine, "_ga=1; _fbp=2; _gid=3; " + consent_cookie("marketing", "functional"))
    verified = header.verify(engine.cookie_rules, False)
    assert verified is not None
    stored = verified.stored
    assert stored.granted == frozenset({"marketing", "functional"})
    assert stored.policy_version == "1"
    assert header.over_http is verified
    assert header.over_https is UNVERIFIED  # each scheme is verified on its own
    assert verified.granted == frozenset({"marketing", "functional"})
    assert verified.granted_gpc == frozenset({"functional"})  # marketing is gpc_opt_out
    assert verified.refused == ("_ga", "_gid")
    assert verified.refused_gpc == ("_ga", "_fbp", "_gid")
    assert (verified.valid_from, verified.valid_until) == (
        stored.decided_at - 60,
        stored.decided_at + engine.settings.max_age,
    )


def test_over_https_a_plain_cookie_is_not_read(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    tossed = parse(engine, "_ga=1; " + consent_cookie("analytics", "marketing", "location"))
    assert tossed.verify(engine.cookie_rules, True) is None  # planted by a sibling subdomain
    own = parse(engine, consent_cookie("analytics", name="__Host-consentkit"))
    verified = own.verify(engine.cookie_rules, True)
    assert verified is not None and verified.granted == frozenset({"analytics"})
    assert own.verify(engine.cookie_rules, False) is None  # and not over plain HTTP


def test_several_consent_cookies_grant_only_what_all_grant(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    planted = consent_cookie("analytics", "marketing", "location")
    own = consent_cookie("analytics")
    header = parse(engine, f"{planted}; {own}; _fbp=1")
    verified = header.verify(engine.cookie_rules, False)
    assert verified is not None
    assert verified.granted == frozenset({"analytics"})
    assert verified.refused == ("_fbp",)
    refused = parse(engine, f"{planted}; {consent_cookie()}")
    verified = refused.verify(engine.cookie_rules, False)
    assert verified is not None and verified.granted == frozenset()


def test_an_invalid_one_beside_a_valid_one_takes_nothing_away(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, "consentkit=garbage; " + consent_cookie("functional"))
    verified = header.verify(engine.cookie_rules, False)
    assert verified is not None and verified.granted == frozenset({"functional"})


def test_the_receipt_of_several_is_the_newest(engine: Engine) -> None:
    rules = engine.cookie_rules
    older = engine.codec.encode(["analytics", "marketing"], "1")
    newer = engine.codec.encode(["analytics"], "1")
    first, second = (engine.codec.verify(v) for v in (older, newer))
    assert first is not None and second is not None
    read = rules.read((older, newer))
    assert read is not None
    newest = max((first, second), key=lambda stored: stored.decided_at)
    assert (read.consent_id, read.decided_at) == (newest.consent_id, newest.decided_at)
    assert read.granted == frozenset({"analytics"})


def test_verify_keeps_only_optional_categories(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, consent_cookie("necessary", "analytics", "ads"))
    verified = header.verify(engine.cookie_rules, False)
    assert verified is not None and verified.granted == frozenset({"analytics"})


def test_verify_with_another_policy_version_is_none(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, "_ga=1; " + consent_cookie("analytics", policy_version="2"))
    assert header.verify(engine.cookie_rules, False) is None
    assert header.over_http is None


def test_verify_a_tampered_value_is_none(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    name, value = consent_cookie("analytics").split("=", 1)
    payload, timestamp, signature = value.rsplit(".", 2)
    tampered = f"{name}={payload.replace('analytics', 'marketing')}.{timestamp}.{signature}"
    header = parse(engine, tampered)
    assert header.claims_location is False
    assert header.verify(engine.cookie_rules, False) is None
    assert header.over_http is None


def test_verify_a_value_signed_with_another_key_is_none(
    engine: Engine, make_engine: Callable[..., Engine], consent_cookie: Callable[..., str]
) -> None:
    other = make_engine(secret_key="กุญแจของร้านอื่น-0123456789")
    header = parse(engine, consent_cookie("analytics", engine=other))
    assert header.verify(engine.cookie_rules, False) is None


def test_honor_gpc_off_leaves_marketing_granted(
    make_engine: Callable[..., Engine], consent_cookie: Callable[..., str]
) -> None:
    engine = make_engine(honor_gpc=False)
    header = parse(engine, "_fbp=1; " + consent_cookie("marketing", engine=engine))
    verified = header.verify(engine.cookie_rules, False)
    assert verified is not None
    assert verified.granted == verified.granted_gpc == frozenset({"marketing"})
    assert verified.refused == verified.refused_gpc == ()


def test_rules_granted_applies_gpc(engine: Engine) -> None:
    rules = engine.cookie_rules
    stored = frozenset({"analytics", "marketing", "necessary"})
    assert rules.granted(stored, gpc=False) == frozenset({"analytics", "marketing"})
    assert rules.granted(stored, gpc=True) == frozenset({"analytics"})


def test_rules_read_an_empty_value_is_none(engine: Engine) -> None:
    assert engine.cookie_rules.read(("",)) is None
    assert engine.cookie_rules.read(()) is None
