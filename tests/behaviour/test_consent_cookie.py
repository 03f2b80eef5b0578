"""Reading the consent cookie: anything invalid or tampered with means undecided; malformed
neighbours and repeated ``Cookie`` headers do not hide a good one."""

from __future__ import annotations

import json

from ..support.harness import Client
from .helpers import BANNER, consent_cookie, handler_view
from .table import case, table_test


@case(
    "value",
    [
        "garbage",
        "",
        "1~abc~analytics~1.AAAA.BBBB",
        "x" * 3000,
        '"quoted"',
        "1~id~functional+analytics+location+marketing~1.ZZZZZZ.forged-signature",
    ],
    ids=["garbage", "empty", "forged", "oversized", "quoted", "bad-signature"],
)
def invalid_consent_cookie_means_undecided(client: Client, value: str) -> None:
    response = client.request("GET", "/consent", headers=[("Cookie", f"consentkit={value}")])
    assert response.status == 200
    assert json.loads(response.body)["decided"] is False
    assert BANNER in client.request("GET", "/", headers=[("Cookie", f"consentkit={value}")]).text


@case
def tampered_cookie_means_undecided(client: Client) -> None:
    _, header = consent_cookie(client, "choice=reject_all")
    value = header.split("=", 1)[1]
    tampered = value.replace("~~", "~analytics~", 1)
    assert tampered != value
    assert handler_view(client, ("Cookie", f"consentkit={tampered}"))["decided"] is False


@case
def malformed_pairs_do_not_hide_the_consent(client: Client) -> None:
    name, header = consent_cookie(client)
    value = header.split("=", 1)[1]
    mess = f'=bad; ;;; noval; "quoted"=x; café=1; consentkit={value}; x=\\"'
    assert handler_view(client, (name, mess))["decided"] is True


@case
def several_cookie_headers_are_joined(client: Client) -> None:
    name, header = consent_cookie(client)
    assert handler_view(client, (name, "sessionid=abc"), (name, header))["decided"] is True


test_consent_cookie = table_test(__name__)
