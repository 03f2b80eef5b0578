"""``on_consent`` is called after the record is stored, through both adapters; a bad
``records`` value is a start-up error saying what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.consent import ConsentRecord
from consentkit.records.store import open_store

from ...support.apps import OPTIONS, asgi_app, wsgi_app
from ...support.harness import AsgiClient, Client, WsgiClient

FORM = ("Content-Type", "application/x-www-form-urlencoded")


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_on_consent_sees_the_stored_record(adapter: str, tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite3"
    seen: list[tuple[ConsentRecord, int]] = []

    def on_consent(record: ConsentRecord) -> None:
        store = open_store(path)
        try:
            seen.append((record, len(list(store.records(consent_id=record.consent_id)))))
        finally:
            store.close()

    options = {**OPTIONS, "records": str(path), "on_consent": on_consent}
    client: Client
    if adapter == "asgi":
        client = AsgiClient(ConsentMiddleware(asgi_app, **options))
    else:
        client = WsgiClient(ConsentWSGIMiddleware(wsgi_app, **options))
    headers = [FORM, ("Origin", client.origin), ("Sec-Fetch-Site", "same-origin")]
    response = client.request("POST", "/_consent", headers=headers, body=b"choice=reject_all")
    assert response.status == 303
    ((record, stored),) = seen
    assert stored == 1 and record.refused == ("functional", "analytics", "location", "marketing")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("ftp://example.com/records", "unknown store"),
        (42, "not a path or URL"),
        ("/no/such/folder/records.sqlite3", "does not exist; create it"),
    ],
)
def test_a_bad_records_value_fails_at_start_up(value: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=value)


def test_an_unwritable_folder_fails_at_start_up(unwritable_folder: Path) -> None:
    with pytest.raises(ValueError, match="cannot create a file"):
        ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=str(unwritable_folder / "r.sqlite3"))
