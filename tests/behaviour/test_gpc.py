"""Global Privacy Control: ``Sec-GPC: 1`` refuses marketing, before and after a choice."""

from __future__ import annotations

import json

from ..support.harness import Client
from .helpers import consent_cookie, handler_view, kept
from .table import case, table_test


@case
def gpc_refuses_marketing_even_after_accept_all(client: Client) -> None:
    cookie = consent_cookie(client)
    gpc = ("Sec-GPC", "1")
    response = client.request("GET", "/set-cookies", headers=[cookie, gpc])
    assert "_fbp" not in kept(response) and "_ga" in kept(response)
    view = handler_view(client, cookie, gpc)
    assert view["gpc"] is True and "marketing" not in view["granted"]
    assert handler_view(client, cookie, ("Sec-GPC", "0"))["gpc"] is False
    assert "marketing" in handler_view(client, cookie, ("Sec-GPC", "yes"))["granted"]


@case
def gpc_on_the_first_request(client: Client) -> None:
    view = handler_view(client, ("Sec-GPC", "1"))
    assert view == {
        "decided": False,
        "granted": ["necessary"],
        "gpc": True,
        "analytics": False,
        "client_ip": view["client_ip"],
    }
    data = json.loads(client.request("GET", "/_consent", headers=[("Sec-GPC", "1")]).body)
    assert data["gpc"] is True


test_gpc = table_test(__name__)
