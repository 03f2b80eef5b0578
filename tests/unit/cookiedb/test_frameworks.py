"""The frameworks' session and CSRF cookies: never gated by the database, one by one."""

from __future__ import annotations

import pytest

from consentkit.categories import DEFAULT_CATEGORIES, Category
from consentkit.cookiedb import FRAMEWORK_COOKIES, classify_cookies
from consentkit.cookiedb.classifier import CookieClassifier

#: Each name a framework sets, as a real app of it sets it.
SET_BY_FRAMEWORKS = [
    "sessionid",  # Django
    "csrftoken",  # Django
    "messages",  # Django
    "session",  # Flask, Starlette
    "csrf_token",  # Flask-WTF
    "_myshop_session",  # Rails: _<app>_session
    "PHPSESSID",  # PHP
    "laravel_session",  # Laravel
    "XSRF-TOKEN",  # Laravel, Angular
    "connect.sid",  # Express
    "_csrf",  # Express csurf
    "JSESSIONID",  # Java
    "SESSION",  # Spring Session
    "ASP.NET_SessionId",  # ASP.NET
    "__RequestVerificationToken",  # ASP.NET MVC
    ".ASPXAUTH",  # ASP.NET forms
    ".AspNetCore.Session",  # ASP.NET Core
    ".AspNetCore.Antiforgery.x1y2z3",  # ASP.NET Core
    "ASPSESSIONIDQQGGGNCG",  # classic ASP
]


@pytest.mark.parametrize("name", SET_BY_FRAMEWORKS)
def test_never_gated_by_the_database(name: str) -> None:
    [found] = classify_cookies([name])
    assert found.source == "framework", found
    assert found.category == "necessary" and not found.gated
    classifier = CookieClassifier(DEFAULT_CATEGORIES, unknown="block")
    assert classifier.category_of(name) is None


def test_every_exact_name_is_tested() -> None:
    assert set(FRAMEWORK_COOKIES) <= set(SET_BY_FRAMEWORKS)


def test_the_database_would_have_gated_sessionid() -> None:
    from consentkit.cookiedb import load

    entry = load().lookup("sessionid")
    assert entry is not None and entry.category == "Marketing"


def test_a_pattern_loses_to_a_name_the_database_lists_exactly() -> None:
    [found] = classify_cookies(["_Brochure_session"])  # Shopify's, not an app's Rails session
    assert (found.source, found.category) == ("database", "analytics")


def test_a_category_that_names_one_wins() -> None:
    categories = (
        *(c for c in DEFAULT_CATEGORIES if c.name != "marketing"),
        Category("marketing", cookies=("sessionid",)),
    )
    [found] = classify_cookies(["sessionid"], categories)
    assert (found.source, found.category, found.gated) == ("category", "marketing", True)
