"""``{% load consentkit %}``: consent in Django templates.

::

    {% load consentkit %}
    {% if consent|allows:"analytics" %}...{% endif %}
    <a href="{% consent_preferences_url %}">ตั้งค่าคุกกี้</a>
    <script nonce="{% csp_nonce %}">...</script>
    <footer>{% consent_preferences_link %}</footer>      (a ready-made, translated link)
    <head>{% consent_mode_tag %} ...Google tags...</head>  (Google Consent Mode defaults)

``consent`` comes from the context processor, or ``{% get_consent as consent %}``.
"""

from __future__ import annotations

from typing import Any

from django import template  # type: ignore[import-untyped]

from .... import links
from ....consent import Consent
from ....lookup import find_exchange
from ...templating import csp_nonce as _csp_nonce
from ...templating import preferences_url

register = template.Library()


def allows(consent: Consent | None, category: str) -> bool:
    """``consent|allows:"analytics"``: the category is granted (``False`` without consent)."""
    return isinstance(consent, Consent) and consent.allows(category)


def get_consent(context: Any) -> Consent | None:
    """``{% get_consent as consent %}``: the request's consent, or ``None`` without one."""
    request = context.get("request")
    x = find_exchange(request) if request is not None else None
    return x.consent if x is not None else None


def consent_preferences_url(context: Any) -> str:
    """``{% consent_preferences_url %}``: the preferences page's URL."""
    request = context.get("request")
    if request is not None and find_exchange(request) is not None:
        return preferences_url(request)
    from .. import configured_prefix

    return configured_prefix() + "/preferences"


def csp_nonce(context: Any) -> str:
    """``{% csp_nonce %}``: the request's CSP nonce (as ``contrib.templating.csp_nonce``)."""
    return _csp_nonce(context["request"])


def consent_preferences_link(context: Any, text: str | None = None) -> str:
    """``{% consent_preferences_link %}``: :func:`consentkit.links.preferences_link`."""
    return links.preferences_link(context["request"], text)


def consent_mode_tag(context: Any) -> str:
    """``{% consent_mode_tag %}``: :func:`consentkit.links.consent_mode_tag`, with the
    request's CSP nonce."""
    request = context["request"]
    return links.consent_mode_tag(request, nonce=_csp_nonce(request))


register.filter("allows", allows)
register.simple_tag(consent_preferences_link, takes_context=True)
register.simple_tag(consent_mode_tag, takes_context=True)
register.simple_tag(get_consent, takes_context=True)
register.simple_tag(consent_preferences_url, takes_context=True)
register.simple_tag(csp_nonce, takes_context=True)
