"""Cookies that no category names are gated by the Open Cookie Database: Clarity, Bing,
TikTok, HubSpot and Matomo (a wildcard name) stay away from visitors who refused and pass
after "accept all", while the frameworks' session and CSRF cookies are never touched."""

from __future__ import annotations

from ..support.harness import Client
from .helpers import consent_cookie, expired, kept
from .table import case, table_test

TRACKERS = ("_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd")
FRAMEWORK = ("sessionid", "csrftoken")
SENT = "; ".join(f"{name}=x" for name in (*TRACKERS, *FRAMEWORK))


@case
def database_cookies_dropped_before_a_choice(client: Client) -> None:
    response = client.request("GET", "/trackers")
    assert not kept(response) & set(TRACKERS)
    assert set(FRAMEWORK) <= kept(response)


@case("choice", ["choice=reject_all", "choice=save&categories=functional"], ids=["reject", "save"])
def database_cookies_dropped_and_expired_after_a_refusal(client: Client, choice: str) -> None:
    name, value = consent_cookie(client, choice)
    response = client.request("GET", "/trackers", headers=[(name, f"{value}; {SENT}")])
    assert not kept(response) & set(TRACKERS)
    assert set(FRAMEWORK) <= kept(response)
    sent = client.request("GET", "/plain-json", headers=[(name, f"{value}; {SENT}")])
    assert set(TRACKERS) <= expired(sent)
    assert not expired(sent) & set(FRAMEWORK)


@case
def database_cookies_pass_after_accept_all(client: Client) -> None:
    name, value = consent_cookie(client)
    response = client.request("GET", "/trackers", headers=[(name, f"{value}; {SENT}")])
    assert set(TRACKERS) | set(FRAMEWORK) <= kept(response)
    assert not expired(response)


@case
def database_category_granted_alone(client: Client) -> None:
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    response = client.request("GET", "/trackers", headers=[cookie])
    assert {"_clck", "_pk_id.1.abcd"} | set(FRAMEWORK) <= kept(response)
    assert not kept(response) & {"_uetsid", "_ttp", "hubspotutk"}


test_cookie_database = table_test(__name__)
