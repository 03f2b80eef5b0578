"""Cookie gating: the app's cookies of a refused category never reach the browser, the
browser's are expired, and what was granted passes."""

from __future__ import annotations

from ..support.harness import Client
from .helpers import GATED, consent_cookie, expired, handler_view, kept, post_choice
from .table import case, table_test


@case
def gated_cookies_dropped_before_consent(client: Client) -> None:
    response = client.request("GET", "/set-cookies")
    assert not kept(response) & set(GATED)
    assert {"sessionid", "csrftoken"} <= kept(response)


@case
def gated_cookies_pass_after_accept_all(client: Client) -> None:
    response = client.request("GET", "/set-cookies", headers=[consent_cookie(client)])
    assert set(GATED) | {"sessionid", "csrftoken"} <= kept(response)


@case
def per_category_choice(client: Client) -> None:
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    response = client.request("GET", "/set-cookies", headers=[cookie])
    assert {"_ga", "_ga_ABC123", "_gid"} <= kept(response)
    assert "_fbp" not in kept(response)
    view = handler_view(client, cookie)
    assert view["decided"] is True and view["analytics"] is True
    assert view["granted"] == ["analytics", "necessary"]


@case
def reject_all_is_stored_and_honoured(client: Client) -> None:
    cookie = consent_cookie(client, "choice=reject_all")
    view = handler_view(client, cookie)
    assert view["decided"] is True and view["granted"] == ["necessary"]
    assert not kept(client.request("GET", "/set-cookies", headers=[cookie])) & set(GATED)


@case
def gating_applies_to_any_content_type(client: Client) -> None:
    response = client.request("GET", "/json")
    assert "_gid" not in kept(response) and response.body == b'{"ok": true}'


@case
def browser_cookies_of_refused_categories_expired(client: Client) -> None:
    cookies = ("Cookie", "_ga=GA1.1.1; _fbp=fb.1; sessionid=ตะกร้า".encode().decode("latin-1"))
    response = client.request("GET", "/plain-json", headers=[cookies])
    assert {"_ga", "_fbp"} <= expired(response)
    assert "sessionid" not in expired(response)
    assert any("Domain=" not in v for v in response.all("set-cookie"))


@case
def withdrawal_expires_cookies_at_once(client: Client) -> None:
    response = post_choice(client, "choice=reject_all", ("Cookie", "_ga=GA1.1.1; _gid=x"))
    assert response.status == 303
    assert {"_ga", "_gid"} <= expired(response)
    assert "consentkit" in kept(response)


@case
def apps_own_deletions_pass(client: Client) -> None:
    assert "_ga" in expired(client.request("GET", "/deletes-ga"))


test_gating = table_test(__name__)
