"""The demo site ``consentkit demo`` serves: a small Starlette app, in Thai and English.

Everything it needs is here (pages as in-memory Jinja templates, an embedded configuration), so
it runs from an installed wheel with only the ``demo`` extra.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..asgi import ConsentMiddleware
from ..contrib.templating import consent_context
from ..core.exchange import Exchange
from ..lookup import find_exchange

#: The demo's embedded configuration (everything but the key, made fresh per run).
DEMO_OPTIONS: Mapping[str, Any] = {
    "policy_version": "2026-11-01",
    "policy_url": "/privacy",
    "policy_updated": datetime.date(2026, 11, 1),
    "default_locale": "th",
    "locales": ("th", "en"),
    "contact": "privacy@example.com",
}

TEXT: dict[str, dict[str, str]] = {
    "th": {
        "site": "ร้านกาแฟบ้านสวน · เดโม consentkit",
        "home": "หน้าแรก",
        "analytics": "สคริปต์สถิติ",
        "tracking": "คุกกี้จากเซิร์ฟเวอร์",
        "privacy": "นโยบายความเป็นส่วนตัว",
        "settings": "ตั้งค่าคุกกี้",
        "welcome": "ยินดีต้อนรับ",
        "intro": "นี่คือเว็บไซต์ตัวอย่างของ consentkit แบนเนอร์ด้านล่างจะแสดงจนกว่าคุณจะเลือก "
        "คุกกี้เพื่อการวิเคราะห์และการตลาดจะถูกตัดออกจนกว่าคุณจะยินยอม",
        "your_choice": "ความยินยอมของคุณในคำขอนี้",
        "decided": "เลือกแล้ว",
        "granted": "ประเภทที่อนุญาต",
        "gpc": "สัญญาณ Global Privacy Control",
        "ip": "ที่อยู่ IP ที่แอปเห็น",
        "location": "ตำแหน่งโดยประมาณ",
        "yes": "ใช่",
        "no": "ไม่ใช่",
        "unknown": "ไม่ทราบ หรือไม่ได้รับความยินยอม",
        "analytics_body": "หน้านี้มีสคริปต์ที่จะทำงานเฉพาะเมื่อคุณอนุญาตคุกกี้เพื่อการวิเคราะห์",
        "analytics_off": "สคริปต์สถิติยังไม่ทำงาน",
        "analytics_on": "สคริปต์สถิติทำงานแล้ว",
        "tracking_body": "เซิร์ฟเวอร์ตั้งคุกกี้ _ga (การวิเคราะห์) และ _fbp (การตลาด) ในทุกคำตอบของหน้านี้ "
        "consentkit ตัดคุกกี้ของประเภทที่คุณยังไม่อนุญาตออก",
        "policy_body": "เราเก็บที่อยู่ IP และตำแหน่งโดยประมาณ ใช้คุกกี้เพื่อสถิติและการตลาด "
        "เฉพาะเมื่อคุณยินยอม คุณถอนความยินยอมได้ทุกเมื่อจากหน้าตั้งค่าคุกกี้ "
        "ติดต่อขอลบข้อมูลได้ที่ privacy@example.com",
    },
    "en": {
        "site": "Baan Suan Coffee · consentkit demo",
        "home": "Home",
        "analytics": "Analytics script",
        "tracking": "Server cookies",
        "privacy": "Privacy policy",
        "settings": "Cookie settings",
        "welcome": "Welcome",
        "intro": "This is consentkit's demo site. The banner below stays until you choose; "
        "analytics and marketing cookies are removed until you agree.",
        "your_choice": "Your consent for this request",
        "decided": "Chosen",
        "granted": "Categories granted",
        "gpc": "Global Privacy Control signal",
        "ip": "IP address the app sees",
        "location": "Approximate location",
        "yes": "yes",
        "no": "no",
        "unknown": "unknown, or not consented to",
        "analytics_body": "This page has a script that runs only once you allow analytics.",
        "analytics_off": "The analytics script has not run.",
        "analytics_on": "The analytics script has run.",
        "tracking_body": "The server sets _ga (analytics) and _fbp (marketing) on every response "
        "of this page; consentkit removes those of the categories you have not allowed.",
        "policy_body": "We record your IP address and approximate location, and use statistics "
        "and marketing cookies, only with your consent. Withdraw it at any time from the "
        "cookie settings page. To have your data deleted, write to privacy@example.com.",
    },
}

_PAGES = {
    "base.html": """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.site }}</title>
<style>
body{font-family:system-ui,"Noto Sans Thai",sans-serif;max-width:46rem;margin:2rem auto;
  padding:0 1rem;line-height:1.6;color:#1f2328}
nav a{margin-right:1rem} table{border-collapse:collapse}
td,th{padding:.2rem .8rem .2rem 0;text-align:left}
footer{margin-top:3rem;border-top:1px solid #d0d7de;padding-top:1rem;font-size:.9rem}
</style></head>
<body>
<header><strong>{{ t.site }}</strong>
<p class="languages">
<a href="{{ language_url }}?locale=th&amp;next={{ here }}" lang="th">ภาษาไทย</a> ·
<a href="{{ language_url }}?locale=en&amp;next={{ here }}" lang="en">English</a></p>
<nav><a href="/">{{ t.home }}</a><a href="/analytics">{{ t.analytics }}</a>
<a href="/tracking">{{ t.tracking }}</a><a href="/privacy">{{ t.privacy }}</a></nav>
</header>
<main>{% block content %}{% endblock %}</main>
<footer>
<a href="{{ consent_preferences_url }}" id="consent-preferences">{{ t.settings }}</a>
</footer>
</body></html>""",
    "home.html": """{% extends "base.html" %}{% block content %}
<h1>{{ t.welcome }}</h1><p>{{ t.intro }}</p>
<h2>{{ t.your_choice }}</h2>
<table>
<tr><th>{{ t.decided }}</th><td id="decided">{{ t.yes if consent.decided else t.no }}</td></tr>
<tr><th>{{ t.granted }}</th><td id="granted">{{ granted | join(", ") }}</td></tr>
<tr><th>{{ t.gpc }}</th><td>{{ t.yes if consent.gpc else t.no }}</td></tr>
<tr><th>{{ t.ip }}</th><td>{{ consent.client_ip }}</td></tr>
<tr><th>{{ t.location }}</th><td>{% if consent.location %}{{ consent.location.country }}
{%- if consent.location.region %}, {{ consent.location.region }}{% endif %}
{%- else %}{{ t.unknown }}{% endif %}</td></tr>
</table>{% endblock %}""",
    "analytics.html": """{% extends "base.html" %}{% block content %}
<h1>{{ t.analytics }}</h1><p>{{ t.analytics_body }}</p>
<p id="analytics-state">{{ t.analytics_off }}</p>
<script type="text/plain" data-consent="analytics">
document.getElementById("analytics-state").textContent = {{ t.analytics_on | tojson }};
</script>{% endblock %}""",
    "tracking.html": """{% extends "base.html" %}{% block content %}
<h1>{{ t.tracking }}</h1><p>{{ t.tracking_body }}</p>{% endblock %}""",
    "privacy.html": """{% extends "base.html" %}{% block content %}
<h1>{{ t.privacy }}</h1><p>{{ t.policy_body }}</p>{% endblock %}""",
}

_environment = jinja2.Environment(loader=jinja2.DictLoader(_PAGES), autoescape=True)


def _render(request: Request, name: str) -> HTMLResponse:
    x = find_exchange(request)
    locale = x.locale if x is not None else "th"
    language = "en" if locale.startswith("en") else "th"
    context = consent_context(request)
    here = request.url.path
    body = _environment.get_template(name).render(
        t=TEXT[language],
        lang=language,
        here=here,
        granted=_granted_labels(x, context["consent"].granted),
        language_url=context["consent_preferences_url"].rsplit("/", 1)[0] + "/language",
        **context,
    )
    return HTMLResponse(body, headers={"content-language": language})


def _granted_labels(x: Exchange | None, granted: frozenset[str]) -> list[str]:
    """The granted categories as the banner names them, in the visitor's language and in the
    order of the configured categories (never the raw keys such as ``necessary``)."""
    if x is None:
        return sorted(granted)
    return [
        x.engine.catalogs.category_label(category, x.locale)
        for category in x.engine.settings.categories
        if category.name in granted
    ]


async def home(request: Request) -> Response:
    """The home page: what the app sees of this visitor."""
    return _render(request, "home.html")


async def analytics(request: Request) -> Response:
    """A page with a ``data-consent="analytics"`` script."""
    return _render(request, "analytics.html")


async def tracking(request: Request) -> Response:
    """A page whose server sets an analytics and a marketing cookie on every response."""
    response = _render(request, "tracking.html")
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    response.set_cookie("_fbp", "fb.1.1764028800.42", max_age=3600 * 24 * 90)
    return response


async def privacy(request: Request) -> Response:
    """The privacy policy the banner links to."""
    return _render(request, "privacy.html")


def build_app(secret_key: str, **overrides: Any) -> ConsentMiddleware:
    """The demo site with consentkit around it, configured by :data:`DEMO_OPTIONS`."""
    site = Starlette(
        routes=[
            Route("/", home),
            Route("/analytics", analytics),
            Route("/tracking", tracking),
            Route("/privacy", privacy),
        ]
    )
    return ConsentMiddleware(site, secret_key=secret_key, **{**DEMO_OPTIONS, **overrides})
