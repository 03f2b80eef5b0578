"""Consent records through every adapter: the choice is in the store before the response,
``GET /_consent`` and the preferences page show the receipt, a later change keeps the consent
id, and page views write nothing."""

from __future__ import annotations

import datetime
import json

from consentkit.records.store import open_store

from ..support.harness import Client
from .helpers import RECORDS, consent_cookie, post_choice
from .table import case, table_test


def _receipt(client: Client, cookie: tuple[str, str]) -> dict[str, object]:
    return json.loads(client.request("GET", "/_consent", headers=[cookie]).body)  # type: ignore[no-any-return]


def _records_of(consent_id: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    store = open_store(RECORDS)
    try:
        return [(r.choice, r.granted, r.refused) for r in store.records(consent_id=consent_id)]
    finally:
        store.close()


@case
def a_choice_is_in_the_store_when_its_answer_arrives(client: Client) -> None:
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    consent_id = _receipt(client, cookie)["consent_id"]
    assert isinstance(consent_id, str) and len(consent_id) == 16
    assert _records_of(consent_id) == [
        ("save", ("necessary", "analytics"), ("functional", "location", "marketing"))
    ]
    store = open_store(RECORDS)
    try:
        (row,) = store.records(consent_id=consent_id)
        shown = store.shown_text(row.banner_sha256)
    finally:
        store.close()
    assert row.locale == "th" and row.policy_version == "1" and row.gpc is False
    assert shown is not None and 'id="consentkit-banner"' in shown.text and "คุกกี้" in shown.text


@case
def get_reports_the_receipt(client: Client) -> None:
    undecided = json.loads(client.request("GET", "/_consent").body)
    assert undecided["consent_id"] is None and undecided["decided_at"] is None
    # The receipt's time is the server's clock at the choice: not before this request (a
    # second's slack for the cookie's whole-second timestamp).
    earliest = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    earliest -= datetime.timedelta(seconds=1)
    receipt = _receipt(client, consent_cookie(client, "choice=reject_all"))
    decided_at = datetime.datetime.fromisoformat(str(receipt["decided_at"]).replace("Z", "+00:00"))
    assert decided_at.tzinfo is not None
    assert decided_at >= earliest


@case
def a_later_change_keeps_the_consent_id(client: Client) -> None:
    cookie = consent_cookie(client, "choice=accept_all")
    consent_id = _receipt(client, cookie)["consent_id"]
    changed = post_choice(client, "choice=reject_all", cookie)
    assert changed.status == 303
    new_cookie = ("Cookie", f"consentkit={changed.cookie_value('consentkit')}")
    assert _receipt(client, new_cookie)["consent_id"] == consent_id
    assert [choice for choice, _, _ in _records_of(str(consent_id))] == ["accept_all", "reject_all"]


@case
def the_preferences_page_shows_the_receipt(client: Client) -> None:
    cookie = consent_cookie(client, "choice=accept_all")
    consent_id = str(_receipt(client, cookie)["consent_id"])
    page = client.request("GET", "/_consent/preferences", headers=[cookie]).text
    assert 'id="consentkit-receipt"' in page and f"<code>{consent_id}</code>" in page
    assert "พ.ศ." in page


@case
def page_views_record_nothing(client: Client) -> None:
    cookie = consent_cookie(client, "choice=accept_all")
    store = open_store(RECORDS)
    try:
        before = store.chain_state()
        for _ in range(3):
            assert client.request("GET", "/", headers=[cookie]).status == 200
            assert client.request("GET", "/").status == 200
        assert store.chain_state() == before
    finally:
        store.close()


test_records = table_test(__name__)
