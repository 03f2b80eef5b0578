"""Django: a plain view vs the same page with django-cookie-consent vs with consentkit.

django-cookie-consent is set up as its documentation says: ``cookie_consent`` in
``INSTALLED_APPS`` with its models in SQLite (its ``common_cookies`` fixture: analytics and
social groups), its URLs, ``CleanCookiesMiddleware``, and in the page's template the
``cookie_group_accepted`` filter gating the analytics script plus the JavaScript cookie bar
(``<template>``, ``{% all_cookie_groups %}``, ``showCookieBar`` with the status URL).

A plain JSON view (``/api``) gives the JSON cases (a visitor's ``_ga``/``_fbp`` expired on an
API response).

consentkit wraps the same plain Django application (``consentkit.contrib.django.wrap_wsgi``
when present, else ``ConsentWSGIMiddleware``); the "consentkit MIDDLEWARE" cases run it as a
``MIDDLEWARE`` entry instead (``consentkit.contrib.django.middleware.ConsentMiddleware``, just
below ``SecurityMiddleware``), when this consentkit has one. Django is configured once per
process, so run this in its own process (``python -m benchmarks`` does).
"""

from __future__ import annotations

import sys
import tempfile
import types
from typing import Any

from .apps import CONSENT_OPTIONS, GATED_UNDECIDED_COOKIE, JSON_BODY, PAGE, SECRET, refused_cookie
from .harness import Case, Result, check_expiry, interleave
from .wsgi_inprocess import build_environ, call, runner

_CC_BLOCK = """
{% if request|cookie_group_accepted:"analytics" %}
<script async src="https://www.googletagmanager.com/gtag/js?id=G-BENCH"></script>
{% endif %}
{% url "cookie_consent_cookie_group_list" as url_cookies %}
<template id="cookie-consent__cookie-bar">
  <div class="cookie-bar">
    เว็บไซต์นี้ใช้คุกกี้ ยอมรับหรือไม่?
    <button type="button" class="cookie-consent__accept">ยอมรับ</button>
    <button type="button" class="cookie-consent__decline">ปฏิเสธ</button>
    <a href="{{ url_cookies }}">ข้อมูลคุกกี้</a>
  </div>
</template>
{% all_cookie_groups 'cookie-consent__cookie-groups' %}
{% static "cookie_consent/cookiebar.module.js" as cookiebar_src %}
{% url 'cookie_consent_status' as status_url %}
<script type="module">
  import {showCookieBar} from '{{ cookiebar_src }}';
  showCookieBar({
    statusUrl: '{{ status_url|escapejs }}',
    templateSelector: '#cookie-consent__cookie-bar',
    cookieGroupsSelector: '#cookie-consent__cookie-groups',
  });
</script>
"""

#: The stateless part of ``startproject``'s middleware (CommonMiddleware sets Content-Length).
BASE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

_configured: dict[str, Any] = {}


def setup() -> dict[str, Any]:
    """Configure Django once: settings, the database and its fixture, the three handlers."""
    if _configured:
        return _configured
    import django
    from django.conf import settings

    page = PAGE.decode("utf-8")
    index = page.rindex("</body>")
    page_cc = "{% load static cookie_consent_tags %}" + page[:index] + _CC_BLOCK + page[index:]
    urls = types.ModuleType("benchmarks._django_urls")
    sys.modules[urls.__name__] = urls
    database = tempfile.NamedTemporaryFile(prefix="consentkit-bench-", suffix=".sqlite3")  # noqa: SIM115 (kept open for the process)
    settings.configure(
        DEBUG=False,
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        ROOT_URLCONF=urls.__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "cookie_consent"],
        MIDDLEWARE=BASE_MIDDLEWARE,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database.name}},
        STATIC_URL="/static/",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "context_processors": ["django.template.context_processors.request"],
                    "loaders": [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                (
                                    "django.template.loaders.locmem.Loader",
                                    {"page.html": page, "page_cc.html": page_cc},
                                )
                            ],
                        )
                    ],
                },
            }
        ],
        CONSENTKIT=dict(CONSENT_OPTIONS),
    )
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import include, path

    def plain(request: Any) -> Any:
        return render(request, "page.html")

    def with_cookie_consent(request: Any) -> Any:
        return render(request, "page_cc.html")

    def api(request: Any) -> Any:
        return HttpResponse(JSON_BODY, content_type="application/json")

    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("", plain),
        path("api", api),
        path("cc/", with_cookie_consent),
        path("cookies/", include("cookie_consent.urls")),
    ]
    call_command("migrate", verbosity=0, interactive=False)
    _cookie_groups()

    plain_handler = WSGIHandler()
    settings.MIDDLEWARE = [*BASE_MIDDLEWARE, "cookie_consent.middleware.CleanCookiesMiddleware"]
    cc_handler = WSGIHandler()
    middleware_handler = None
    try:
        from consentkit.contrib.django.middleware import PATH

        settings.MIDDLEWARE = [BASE_MIDDLEWARE[0], PATH, *BASE_MIDDLEWARE[1:]]
        middleware_handler = WSGIHandler()
    except ImportError:
        pass
    settings.MIDDLEWARE = BASE_MIDDLEWARE
    try:
        from consentkit.contrib.django import wrap_wsgi

        consent_handler = wrap_wsgi(WSGIHandler())
        integration = "consentkit.contrib.django.wrap_wsgi"
    except ImportError:
        from consentkit import ConsentWSGIMiddleware

        consent_handler = ConsentWSGIMiddleware(WSGIHandler(), **CONSENT_OPTIONS)
        integration = "ConsentWSGIMiddleware"
    _configured.update(
        plain=plain_handler,
        cookie_consent=cc_handler,
        consentkit=consent_handler,
        consentkit_middleware=middleware_handler,
        integration=integration,
        database=database,
    )
    return _configured


def _cookie_groups() -> None:
    """The same categories as consentkit's defaults, as django-cookie-consent's models."""
    from cookie_consent.models import Cookie, CookieGroup

    groups = [
        ("necessary", "คุกกี้ที่จำเป็น", True, ["sessionid", "csrftoken"]),
        ("analytics", "สถิติการใช้งาน", False, ["_ga", "_gid", "_gat"]),
        ("marketing", "การตลาด", False, ["_fbp"]),
    ]
    for ordering, (varname, name, required, cookie_names) in enumerate(groups):
        group = CookieGroup.objects.create(
            varname=varname,
            name=name,
            description=name,
            is_required=required,
            is_deletable=not required,
            ordering=ordering,
        )
        for cookie in cookie_names:
            Cookie.objects.create(cookiegroup=group, name=cookie, description=cookie)


def _cc_accepted_cookie() -> str:
    from cookie_consent.cache import all_cookie_groups
    from cookie_consent.util import dict_to_cookie_str

    groups = all_cookie_groups()
    value = dict_to_cookie_str({"analytics": groups["analytics"].get_version(), "marketing": "-1"})
    return f"cookie_consent={value}; theme=dark; _ga=GA1.1.1234567890.1764000000"


def _consentkit_core(handler: Any) -> Any:
    return handler.engine


def cases() -> list[Case]:
    """The Django cases, checked once each."""
    handlers = setup()
    core = _consentkit_core(handlers["consentkit"])
    token = core.codec.encode(["functional", "analytics"], core.settings.policy_version)
    decided = f"consentkit={token}; theme=dark; _ga=GA1.1.1234567890.1764000000"
    refused = refused_cookie(core.codec.encode([], core.settings.policy_version))
    cc_decided = _cc_accepted_cookie()
    plain = "Django plain, no cookie"
    plain_cc = "Django plain, django-cookie-consent decided visitor's cookies"
    plain_ck = "Django plain, consentkit decided visitor's cookies"
    plain_gated = "Django plain, undecided visitor's cookies with _ga, _fbp"
    plain_gated_json = "Django plain JSON, undecided visitor's cookies with _ga, _fbp"
    plain_refused = "Django plain, consentkit refused-all visitor's cookies"
    plain_refused_json = "Django plain JSON, consentkit refused-all visitor's cookies"
    gated = GATED_UNDECIDED_COOKIE
    plan = [
        (plain, "plain", "/", None, None),
        (plain_cc, "plain", "/", cc_decided, None),
        (plain_ck, "plain", "/", decided, None),
        (plain_gated, "plain", "/", gated, None),
        (plain_gated_json, "plain", "/api", gated, None),
        (plain_refused, "plain", "/", refused, None),
        (plain_refused_json, "plain", "/api", refused, None),
        ("django-cookie-consent, undecided", "cookie_consent", "/cc/", None, plain),
        ("django-cookie-consent, decided", "cookie_consent", "/cc/", cc_decided, plain_cc),
        ("consentkit, undecided + banner", "consentkit", "/", None, plain),
        ("consentkit, decided + loader", "consentkit", "/", decided, plain_ck),
        (
            "consentkit, undecided with _ga, _fbp + banner + expiry",
            "consentkit",
            "/",
            gated,
            plain_gated,
        ),
        (
            "consentkit, undecided with _ga, _fbp, JSON + expiry",
            "consentkit",
            "/api",
            gated,
            plain_gated_json,
        ),
        ("consentkit, decided, refused all + expiry", "consentkit", "/", refused, plain_refused),
        (
            "consentkit, decided, refused all, JSON + expiry",
            "consentkit",
            "/api",
            refused,
            plain_refused_json,
        ),
    ]
    if handlers["consentkit_middleware"] is not None:
        plan += [
            (
                "consentkit MIDDLEWARE, undecided + banner",
                "consentkit_middleware",
                "/",
                None,
                plain,
            ),
            (
                "consentkit MIDDLEWARE, decided + loader",
                "consentkit_middleware",
                "/",
                decided,
                plain_ck,
            ),
            (
                "consentkit MIDDLEWARE, undecided with _ga, _fbp, JSON + expiry",
                "consentkit_middleware",
                "/api",
                gated,
                plain_gated_json,
            ),
            (
                "consentkit MIDDLEWARE, decided, refused all + expiry",
                "consentkit_middleware",
                "/",
                refused,
                plain_refused,
            ),
        ]
    result = []
    for name, handler, path, cookie, baseline in plan:
        app = handlers[handler]
        environ = build_environ(path, cookie)
        _check(name, app, environ)
        result.append(Case(name, runner(app, environ), baseline))
    return result


def _check(name: str, app: Any, environ: dict[str, Any]) -> None:
    status, headers, body = call(app, environ)
    if not status.startswith("200"):
        raise RuntimeError(f"{name}: status {status}")
    if name.startswith("django-cookie-consent"):
        if b"cookie-consent__cookie-groups" not in body:
            raise RuntimeError(f"{name}: the cookie bar was not rendered")
        accepted = b"googletagmanager" in body
        if accepted != name.endswith(", decided"):
            raise RuntimeError(f"{name}: the analytics gate gave the wrong answer")
    if "banner" in name and b'id="consentkit-banner"' not in body:
        raise RuntimeError(f"{name}: no banner injected")
    if "loader" in name and b"data-consentkit-granted" not in body:
        raise RuntimeError(f"{name}: no script loader injected")
    if "refused all" in name and (
        b'id="consentkit-banner"' in body or b"data-consentkit-granted" in body
    ):
        raise RuntimeError(f"{name}: a visitor who refused everything got the banner or loader")
    if "JSON" in name and body[:1] != b"{":
        raise RuntimeError(f"{name}: not the JSON body")
    if "expiry" in name:
        set_cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        check_expiry(name, environ.get("HTTP_COOKIE"), set_cookies)


def run(rounds: int, batch: int | None = None) -> dict[str, Result]:
    """Time every Django case, interleaved."""
    return interleave(cases(), rounds, batch)


def integration() -> str:
    """How consentkit was put around Django in this run."""
    return str(setup()["integration"])
