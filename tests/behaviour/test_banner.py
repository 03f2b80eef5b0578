"""The banner: shown once to a new visitor, in the visitor's language, with the contract's
markup and the page's CSP nonce; gone once a choice is made."""

from __future__ import annotations

import re

from ..support.harness import Client
from .helpers import BANNER, consent_cookie, vary_tokens
from .table import case, table_test


@case
def banner_for_a_new_visitor(client: Client) -> None:
    response = client.request("GET", "/")
    assert response.status == 200
    text = response.text
    assert text.count(BANNER) == 1
    assert text.index(BANNER) < text.lower().rindex("</body>")
    assert re.search(r'<[^>]*id="consentkit-banner"[^>]*\slang="[a-z]{2}', text)
    assert "สวัสดีครับ" in text
    assert "cookie" in vary_tokens(response)


@case
def banner_markup_follows_the_contract(client: Client) -> None:
    text = client.request("GET", "/").text
    form = re.search(r'<form[^>]*method="post"[^>]*>', text)
    assert form and 'action="/_consent"' in form.group(0)
    accept = re.search(r'<button[^>]*id="consentkit-accept-all"[^>]*>', text)
    reject = re.search(r'<button[^>]*id="consentkit-reject-all"[^>]*>', text)
    assert accept and reject
    for tag, value in ((accept.group(0), "accept_all"), (reject.group(0), "reject_all")):
        assert 'type="submit"' in tag and 'name="choice"' in tag and f'value="{value}"' in tag
    klass = re.compile(r'class="([^"]*)"')
    assert klass.search(accept.group(0)).group(1) == klass.search(reject.group(0)).group(1)  # type: ignore[union-attr]
    assert re.search(r'<button[^>]*name="choice"[^>]*value="save"', text)
    boxes = re.findall(r'<input[^>]*name="categories"[^>]*>', text)
    values = sorted(re.search(r'value="([^"]+)"', b).group(1) for b in boxes)  # type: ignore[union-attr]
    assert values == ["analytics", "functional", "location", "marketing"]
    assert not any("checked" in box for box in boxes)
    assert 'href="/_consent/preferences' in text
    assert 'href="/privacy"' in text


@case
def banner_language_follows_accept_language(client: Client) -> None:
    thai = client.request("GET", "/", headers=[("Accept-Language", "th-TH,th;q=0.9")]).text
    english = client.request("GET", "/", headers=[("Accept-Language", "en-GB,en;q=0.8")]).text
    assert 'lang="th"' in thai and 'lang="en"' in english
    assert "accept-language" in vary_tokens(client.request("GET", "/"))


@case
def no_banner_once_decided(client: Client) -> None:
    for choice in ("choice=accept_all", "choice=reject_all", "choice=save&categories=analytics"):
        cookie = consent_cookie(client, choice)
        response = client.request("GET", "/", headers=[cookie])
        assert BANNER not in response.text, choice
        assert "cookie" in vary_tokens(response)


@case
def csp_nonce_is_carried(client: Client) -> None:
    text = client.request("GET", "/csp").text
    tags = re.findall(r"<(?:script|link)\b[^>]*>", text[text.index("สวัสดีครับ") :])
    assert tags and all('nonce="r4nd0m123"' in tag for tag in tags)


test_banner = table_test(__name__)
