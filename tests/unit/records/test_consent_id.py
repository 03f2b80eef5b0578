"""The consent id in the cookie: kept across a change, made for an old cookie without one, and
reported as the receipt."""

from __future__ import annotations

import datetime

from consentkit.consent import Consent
from consentkit.core.codec import ConsentCodec, new_consent_id

KEY = "กุญแจลับของร้าน-0123456789abcdef"


def test_a_new_choice_gets_an_id_and_a_change_keeps_it() -> None:
    codec = ConsentCodec([KEY], 3600)
    first = codec.decode(codec.encode(["analytics"], "1"))
    assert first is not None and len(first.consent_id) == 16
    changed = codec.decode(codec.encode([], "1", first.consent_id))
    assert changed is not None and changed.consent_id == first.consent_id
    assert len(codec.encode(["analytics", "marketing"], "1", first.consent_id)) < 200


def test_an_old_cookie_without_an_id_is_a_choice_without_a_receipt() -> None:
    codec = ConsentCodec([KEY], 3600)
    old = codec._signer.sign("1~~analytics~1").decode()
    stored = codec.decode(old)
    assert stored is not None and stored.consent_id == "" and stored.granted == {"analytics"}
    renewed = codec.decode(codec.encode(["analytics"], "1", stored.consent_id))
    assert renewed is not None and len(renewed.consent_id) == 16
    consent = Consent(
        decided=True,
        granted=frozenset({"analytics"}),
        required=frozenset({"necessary"}),
        gpc=False,
        policy_version="1",
        consent_id="",
        decided_at=datetime.datetime(2026, 12, 1, 21, 14, 59, tzinfo=datetime.timezone.utc),
    )
    receipt = consent.as_json(("necessary", "analytics"))
    assert receipt["consent_id"] is None and receipt["decided_at"] == "2026-12-01T21:14:59Z"


def test_an_id_that_could_break_the_cookie_is_replaced() -> None:
    codec = ConsentCodec([KEY], 3600)
    stored = codec.decode(codec.encode([], "1", "a~b"))
    assert stored is not None and "~" not in stored.consent_id and len(stored.consent_id) == 16


def test_no_receipt_code_starts_like_a_command_line_option() -> None:
    """``consentkit records erase STORE ID`` reads a code starting with ``-`` as an option; one
    code in 64 would, if drawn from the whole alphabet (4,096 here: all would pass by chance
    once in 10^28 runs)."""
    codes = {new_consent_id() for _ in range(4096)}
    assert len(codes) == 4096
    assert all(len(code) == 16 and code[0] != "-" for code in codes)
    assert any(code[0] == "_" for code in codes)  # the rest of the alphabet still drawn
