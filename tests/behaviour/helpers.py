"""The behaviour table's helpers: a choice posted as the banner posts it, the consent cookie
it sets, what the handler sees, reading ``Vary`` and ``Set-Cookie``, and the record store the
table's sites record choices in (:data:`RECORDS`)."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

from ..support.harness import Client, Result

#: The SQLite record store of the table's sites (``records=``), one for the session.
RECORDS = Path(tempfile.mkdtemp(prefix="consentkit-behaviour-")) / "บันทึกความยินยอม.sqlite3"
atexit.register(shutil.rmtree, RECORDS.parent, True)

GATED = ("_ga", "_ga_ABC123", "_gid", "_fbp")
FORM = ("Content-Type", "application/x-www-form-urlencoded")
BANNER = 'id="consentkit-banner"'


def post_choice(client: Client, body: str, *extra: tuple[str, str]) -> Result:
    """A same-origin form POST of a choice, as the banner sends it."""
    headers = [FORM, ("Origin", client.origin), ("Sec-Fetch-Site", "same-origin"), *extra]
    return client.request("POST", "/_consent", headers=headers, body=body.encode())


def consent_cookie(client: Client, body: str = "choice=accept_all") -> tuple[str, str]:
    """The ``Cookie`` header pair of a visitor who just made this choice."""
    response = post_choice(client, body)
    assert response.status == 303, response.text
    value = response.cookie_value("consentkit")
    assert value
    return ("Cookie", f"consentkit={value}")


def handler_view(client: Client, *headers: tuple[str, str]) -> dict[str, object]:
    """What ``get_consent`` tells the app's handler."""
    response = client.request("GET", "/consent", headers=headers)
    assert response.status == 200, response.text
    return json.loads(response.body)  # type: ignore[no-any-return]


def vary_tokens(response: Result) -> list[str]:
    return [t.strip().lower() for v in response.all("vary") for t in v.split(",")]


def expired(response: Result) -> set[str]:
    """Names of the cookies a response removes."""
    return {
        name
        for name, header in _each_set_cookie(response)
        if "max-age=0" in header.lower().replace(" ", "")
    }


def kept(response: Result) -> set[str]:
    """Names of the cookies a response sets to a value."""
    return {
        name
        for name, header in _each_set_cookie(response)
        if "max-age=0" not in header.lower().replace(" ", "")
    }


def _each_set_cookie(response: Result) -> list[tuple[str, str]]:
    return [(v.split("=", 1)[0].strip(), v) for v in response.all("set-cookie")]
