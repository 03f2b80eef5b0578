"""The consent cookie codec and cookie header parsing, with hypothesis."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

from hypothesis import given
from hypothesis import strategies as st

from consentkit.core.codec import ConsentCodec
from consentkit.core.cookies import expiring_set_cookies, parse_cookie_header

KEY = "กุญแจทดสอบ-0123456789abcdef"
NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,31}", fullmatch=True), max_size=16, unique=True)
VERSIONS = st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True)


@given(NAMES, VERSIONS)
def test_round_trip(granted: list[str], version: str) -> None:
    codec = ConsentCodec([KEY], max_age=3600)
    signed_at = int(time.time())
    value = codec.encode(granted, version)
    stored = codec.decode(value)
    assert stored is not None
    assert stored.granted == frozenset(granted) and stored.policy_version == version
    assert signed_at <= stored.decided_at <= signed_at + 5  # the time of the choice
    assert len(value) < 1024  # even 16 categories of 32 characters fit far under 4096


@given(NAMES, VERSIONS)
def test_cookie_value_needs_no_quoting(granted: list[str], version: str) -> None:
    value = ConsentCodec([KEY], max_age=3600).encode(granted, version)
    assert all(c.isalnum() or c in "-_.~+:" for c in value), value


def test_each_choice_gets_a_fresh_consent_id() -> None:
    codec = ConsentCodec([KEY], max_age=3600)
    first = codec.decode(codec.encode(["analytics"], "1"))
    second = codec.decode(codec.encode(["analytics"], "1"))
    assert first and second and first.consent_id != second.consent_id


@given(st.text(max_size=2000))
def test_any_text_decodes_to_none_or_a_consent_never_raises(value: str) -> None:
    assert ConsentCodec([KEY], max_age=3600).decode(value) is None


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_refused(position: int, byte: int) -> None:
    codec = ConsentCodec([KEY], max_age=3600)
    value = codec.encode(["analytics"], "1")
    index = position % len(value)
    changed = value[:index] + chr(byte) + value[index + 1 :]
    if changed != value:
        assert codec.decode(changed) is None


def test_expiry_is_checked_on_the_server_even_for_cached_tokens() -> None:
    codec = ConsentCodec([KEY], max_age=60)
    value = codec.encode(["analytics"], "1")
    assert codec.decode(value) is not None  # now cached
    now = time.time()
    assert codec.decode(value, now=now + 61) is None
    assert codec.decode(value, now=now - 3600) is None  # from the future: refused


def test_key_rotation() -> None:
    old, new = "old-key-0123456789abcdef", "new-key-0123456789abcdef"
    signed_with_old = ConsentCodec([old], max_age=60).encode(["marketing"], "1")
    rotated = ConsentCodec([old, new], max_age=60)
    assert rotated.decode(signed_with_old) is not None  # older keys still verify
    assert ConsentCodec([new], max_age=60).decode(signed_with_old) is None  # retired: refused
    signed_now = rotated.encode(["marketing"], "1")
    assert ConsentCodec([new], max_age=60).decode(signed_now) is not None  # newest signs


def test_another_purposes_signature_is_refused() -> None:
    from itsdangerous import TimestampSigner

    other = TimestampSigner(KEY, salt="itsdangerous.Signer").sign("1~id~analytics~1").decode()
    assert ConsentCodec([KEY], max_age=60).decode(other) is None


def test_the_verified_cache_is_bounded() -> None:
    codec = ConsentCodec([KEY], max_age=60)
    for _ in range(5000):
        codec.decode(codec.encode(["analytics"], "1"))
    assert len(codec._verified) <= 4096


COOKIE_NAME = st.from_regex(r"[A-Za-z0-9_\-]{1,20}", fullmatch=True)
COOKIE_VALUE = st.from_regex(r"[A-Za-z0-9_\-.~+/=]{0,40}", fullmatch=True)
# Garbage pieces: no separator, and either no "=" at all or a name no cookie can have.
JUNK = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters=";,="), max_size=20),
    st.from_regex(r'[ "(){}@\\]+=[^;,]{0,10}', fullmatch=True),
)


@given(st.text(max_size=500))
def test_parsing_never_raises(header: str) -> None:
    parse_cookie_header(header)


@given(st.dictionaries(COOKIE_NAME, COOKIE_VALUE, max_size=8), st.lists(JUNK, max_size=5))
def test_one_bad_pair_does_not_hide_the_others(good: dict[str, str], junk: list[str]) -> None:
    pieces = [f"{k}={v}" for k, v in good.items()]
    for index, bad in enumerate(junk):
        pieces.insert(index * 2 % (len(pieces) + 1), bad)
    assert parse_cookie_header("; ".join(pieces)) == good


def test_simplecookie_would_have_lost_everything() -> None:
    header = 'a=1; b="unterminated; consentkit=abc; c=3'
    assert "consentkit" not in SimpleCookie(header)
    assert parse_cookie_header(header)["consentkit"] == "abc"


def test_first_duplicate_wins_and_commas_separate() -> None:
    assert parse_cookie_header("a=1; a=2") == {"a": "1"}
    assert parse_cookie_header("a=1,b=2") == {"a": "1", "b": "2"}
    assert list(parse_cookie_header("_ga=1; =x; ; _gid=2, sessionid=ตะกร้า")) == [
        "_ga",
        "_gid",
        "sessionid",
    ]


def test_expiry_covers_parent_domains() -> None:
    headers = [h.decode() for h in expiring_set_cookies("_ga", "www.shop.example.co.th", False)]
    assert headers[0].startswith("_ga=; Path=/; Max-Age=0")
    assert "Domain=" not in headers[0]
    domains = [h.split("Domain=")[1].split(";")[0] for h in headers[1:]]
    assert domains[:2] == ["www.shop.example.co.th", "shop.example.co.th"]
    assert len(expiring_set_cookies("_ga", "127.0.0.1:8000", True)) == 1
    assert len(expiring_set_cookies("_ga", "[::1]:8000", True)) == 1


def test_another_spelling_of_the_signature_is_refused() -> None:
    """Base64 leaves spare bits in a signature's last character: a value whose last character
    differs only in those bits decodes to the same signature, and must be refused all the same
    (hypothesis found one such single-byte change that passed)."""
    codec = ConsentCodec([KEY], max_age=3600)
    value = codec.encode(["analytics"], "1")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variants = [value[:-1] + ch for ch in alphabet if ch != value[-1]]
    assert [v for v in variants if codec.decode(v) is not None] == []
    assert codec.decode(value) is not None
