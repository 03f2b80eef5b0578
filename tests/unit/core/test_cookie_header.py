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


def test_the_rules_name_the_host_cookie_first(engine: Engine) -> None:
    assert engine.cookie_rules.consent_names == ("__Host-consentkit", "consentkit")
    assert engine.cookie_rules.language_name == "consentkit_lang"


def test_consent_value_prefers_the_host_cookie(engine: Engine) -> None:
    header = parse(engine, "consentkit=plain-value; __Host-consentkit=host-value")
    assert header.consent_value == "host-value"
    assert parse(engine, "consentkit=plain-value").consent_value == "plain-value"
    assert parse(engine, "__Host-consentkit=; consentkit=plain-value").consent_value == (
        "plain-value"
    )
    assert parse(engine, "other=1").consent_value == ""


def test_bytes_are_read_as_latin_1(engine: Engine) -> None:
    header = parse(engine, b"basket=" + BASKET + b"; consentkit_lang=en")
    assert header.cookies["basket"].encode("latin-1").decode("utf-8") == "ตะกร้า=กาแฟเย็น"
    assert header.language == "en"


def test_claims_location_without_verification(engine: Engine) -> None:
    forged = "consentkit=1~abc~analytics+location~1.AAAA.forged"
    header = parse(engine, forged)
    assert header.claims_location is True
    assert header.masked is False  # masking waits for the verification
    assert header.verified is UNVERIFIED
    assert header.verify(engine.cookie_rules) is None


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


def test_before_verification_everything_gated_is_refused(engine: Engine) -> None:
    header = parse(engine, "_ga=1; _fbp=2")
    assert header.verified is UNVERIFIED
    assert header.granted == header.granted_gpc == frozenset()
    assert header.refused == header.refused_gpc == ("_ga", "_fbp")


# -- verify() ------------------------------------------------------------------------------


def test_verify_a_signed_value(engine: Engine, consent_cookie: Callable[..., str]) -> None:
    header = parse(engine, "_ga=1; _fbp=2; _gid=3; " + consent_cookie("marketing", "functional"))
    stored = header.verify(engine.cookie_rules)
    assert stored is not None
    assert stored.granted == frozenset({"marketing", "functional"})
    assert stored.policy_version == "1"
    assert header.verified is stored
    assert header.granted == frozenset({"marketing", "functional"})
    assert header.granted_gpc == frozenset({"functional"})  # marketing is gpc_opt_out
    assert header.refused == ("_ga", "_gid")
    assert header.refused_gpc == ("_ga", "_fbp", "_gid")
    assert (header.valid_from, header.valid_until) == (
        stored.decided_at - 60,
        stored.decided_at + engine.settings.max_age,
    )


def test_verify_keeps_only_optional_categories(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, consent_cookie("necessary", "analytics", "ads"))
    assert header.verify(engine.cookie_rules) is not None
    assert header.granted == frozenset({"analytics"})


def test_verify_with_another_policy_version_is_none(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    header = parse(engine, "_ga=1; " + consent_cookie("analytics", policy_version="2"))
    assert header.verify(engine.cookie_rules) is None
    assert header.verified is None
    assert header.granted == frozenset()
    assert header.refused == ("_ga",)


def test_verify_a_tampered_value_is_none(
    engine: Engine, consent_cookie: Callable[..., str]
) -> None:
    name, value = consent_cookie("analytics").split("=", 1)
    payload, timestamp, signature = value.rsplit(".", 2)
    tampered = f"{name}={payload.replace('analytics', 'marketing')}.{timestamp}.{signature}"
    header = parse(engine, tampered)
    assert header.claims_location is False
    assert header.verify(engine.cookie_rules) is None
    assert header.verified is None


def test_verify_a_value_signed_with_another_key_is_none(
    engine: Engine, make_engine: Callable[..., Engine], consent_cookie: Callable[..., str]
) -> None:
    other = make_engine(secret_key="กุญแจของร้านอื่น-0123456789")
    header = parse(engine, consent_cookie("analytics", engine=other))
    assert header.verify(engine.cookie_rules) is None


def test_honor_gpc_off_leaves_marketing_granted(
    make_engine: Callable[..., Engine], consent_cookie: Callable[..., str]
) -> None:
    engine = make_engine(honor_gpc=False)
    header = parse(engine, "_fbp=1; " + consent_cookie("marketing", engine=engine))
    assert header.verify(engine.cookie_rules) is not None
    assert header.granted == header.granted_gpc == frozenset({"marketing"})
    assert header.refused == header.refused_gpc == ()


def test_rules_granted_applies_gpc(engine: Engine) -> None:
    rules = engine.cookie_rules
    stored = frozenset({"analytics", "marketing", "necessary"})
    assert rules.granted(stored, gpc=False) == frozenset({"analytics", "marketing"})
    assert rules.granted(stored, gpc=True) == frozenset({"analytics"})


def test_rules_read_an_empty_value_is_none(engine: Engine) -> None:
    assert engine.cookie_rules.read("") is None
