"""``on_consent``: every recorded choice reaches the site's proof-of-consent log."""

from __future__ import annotations

import logging

import pytest

from consentkit import ConsentMiddleware, ConsentRecord, ConsentWSGIMiddleware

from ..support.apps import OPTIONS, asgi_app, wsgi_app
from ..support.harness import AsgiClient, WsgiClient

FORM = ("Content-Type", "application/x-www-form-urlencoded")


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_each_choice_is_logged_without_an_ip(adapter: str) -> None:
    records: list[ConsentRecord] = []
    options = {**OPTIONS, "on_consent": records.append}
    client = (
        AsgiClient(ConsentMiddleware(asgi_app, **options), client=("203.0.113.77", 1))
        if adapter == "asgi"
        else WsgiClient(ConsentWSGIMiddleware(wsgi_app, **options))
    )
    headers = [FORM, ("Origin", "http://testserver"), ("Accept-Language", "th-TH")]
    client.request("POST", "/_consent", headers=headers, body=b"choice=save&categories=analytics")
    client.request(
        "POST", "/_consent", headers=[*headers, ("Sec-GPC", "1")], body=b"choice=accept_all"
    )
    first, second = records
    assert (first.choice, first.granted, first.locale) == ("save", ("necessary", "analytics"), "th")
    assert second.choice == "accept_all" and second.gpc and "marketing" not in second.granted
    assert first.consent_id != second.consent_id and first.policy_version == "1"
    assert "203.0.113" not in repr(records) and "127.0.0.1" not in repr(records)


def test_a_failing_log_does_not_fail_the_visitor(caplog: pytest.LogCaptureFixture) -> None:
    def broken(record: ConsentRecord) -> None:
        raise OSError("ดิสก์เต็ม")

    client = AsgiClient(ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": broken}))
    with caplog.at_level(logging.ERROR, logger="consentkit"):
        response = client.request(
            "POST",
            "/_consent",
            headers=[FORM, ("Origin", "http://testserver")],
            body=b"choice=reject_all",
        )
    assert response.status == 303 and response.cookie_value("consentkit")
    assert "on_consent failed" in caplog.text


def test_on_consent_must_be_callable() -> None:
    with pytest.raises(ValueError, match="on_consent"):
        ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": "log.txt"})
