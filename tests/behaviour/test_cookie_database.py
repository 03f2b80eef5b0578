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


def _seen_table(page: str, category: str) -> str:
    start = page.index(f'id="consentkit-seen-{category}"')
    return page[start : page.index("</div>", start)]


@case
def preferences_list_the_cookies_the_site_really_sets(client: Client) -> None:
    client.request("GET", "/trackers")
    page = client.request("GET", "/_consent/preferences", headers=[("Accept-Language", "th")])
    text = page.body.decode()
    analytics = _seen_table(text, "analytics")
    assert "<code>_clck</code>" in analytics and "<code>_pk_id.1.abcd</code>" in analytics
    assert "คุกกี้ที่ตรวจพบว่าเว็บไซต์นี้ใช้จริง" in analytics
    assert '<span lang="en">Microsoft</span>' in analytics  # the database's English, marked
    assert "Open Cookie Database" in analytics  # and the note that says so
    marketing = _seen_table(text, "marketing")
    assert all(f"<code>{n}</code>" in marketing for n in ("_uetsid", "_ttp", "hubspotutk"))
    necessary = _seen_table(text, "necessary")
    assert "<code>sessionid</code>" in necessary and "เว็บไซต์นี้" in necessary
    english = client.request("GET", "/_consent/preferences", headers=[("Accept-Language", "en")])
    assert "Cookies this site has been seen setting" in english.body.decode()


test_cookie_database = table_test(__name__)
