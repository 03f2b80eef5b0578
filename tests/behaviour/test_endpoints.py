"""The endpoints under ``/_consent``: posting a choice (form and JSON), reading it back, the
preferences page, other methods and unknown paths."""

from __future__ import annotations

import json
import re

from ..support.harness import Client
from .helpers import FORM, consent_cookie, post_choice
from .table import case, table_test


@case
def post_sets_a_signed_cookie_and_redirects(client: Client) -> None:
    response = post_choice(client, "choice=accept_all&next=/menu%3Fq%3D1")
    assert response.status == 303
    assert response.header("location") == "/menu?q=1"
    header = response.set_cookies()["consentkit"]
    attributes = [a.strip().lower() for a in header.split(";")]
    assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert f"max-age={182 * 24 * 3600}" in attributes
    assert "secure" not in attributes
    assert len(header) < 1024


@case
def post_json_answer(client: Client) -> None:
    response = client.request(
        "POST",
        "/_consent",
        headers=[FORM, ("Accept", "application/json"), ("Origin", client.origin)],
        body=b"choice=save&categories=analytics&categories=location",
    )
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer == {
        "decided": True,
        "granted": ["necessary", "analytics", "location"],
        "policy_version": "1",
        "gpc": False,
        "consent_id": answer["consent_id"],
        "decided_at": answer["decided_at"],
    }
    assert len(answer["consent_id"]) == 16 and answer["decided_at"].endswith("Z")
    assert response.cookie_value("consentkit")


@case
def post_json_body(client: Client) -> None:
    body = json.dumps({"choice": "save", "categories": ["functional"], "next": "/หน้า"})
    response = client.request(
        "POST",
        "/_consent",
        headers=[("Content-Type", "application/json"), ("Origin", client.origin)],
        body=body.encode(),
    )
    assert response.status == 303
    assert response.header("location") == "/%E0%B8%AB%E0%B8%99%E0%B9%89%E0%B8%B2"


@case
def get_reports_the_choice(client: Client) -> None:
    assert json.loads(client.request("GET", "/_consent").body) == {
        "decided": False,
        "granted": ["necessary"],
        "policy_version": "1",
        "gpc": False,
        "consent_id": None,
        "decided_at": None,
    }
    cookie = consent_cookie(client, "choice=save&categories=marketing")
    response = client.request("GET", "/_consent", headers=[cookie])
    assert response.header("content-type") == "application/json"
    assert json.loads(response.body)["granted"] == ["necessary", "marketing"]


@case
def preferences_page(client: Client) -> None:
    response = client.request("GET", "/_consent/preferences")
    assert response.status == 200
    assert response.header(
        "content-type",
    ).startswith("text/html")  # type: ignore[union-attr]
    assert "<form" in response.text and 'name="categories"' in response.text
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    page = client.request("GET", "/_consent/preferences", headers=[cookie]).text
    assert re.search(r'<input[^>]*value="analytics"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="marketing"[^>]*checked', page)


@case
def other_methods_are_a_405(client: Client) -> None:
    for method, path in (
        ("PUT", "/_consent"),
        ("DELETE", "/_consent"),
        ("POST", "/_consent/preferences"),
    ):
        response = client.request(method, path, headers=[("Origin", client.origin)])
        assert response.status == 405, (method, path)
        assert response.header("allow")


@case
def unknown_endpoint_is_a_404(client: Client) -> None:
    assert client.request("GET", "/_consent/nothing-here").status == 404
    assert client.request("GET", "/_consentx").status == 404  # the app's, not ours


test_endpoints = table_test(__name__)
