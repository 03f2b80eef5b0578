"""Misconfiguration fails at start-up with a ValueError that says what to change."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from consentkit import Category, ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.categories import DEFAULT_CATEGORIES
from consentkit.options import Settings

from ..support.apps import asgi_app, wsgi_app

KEY = "ความลับ-0123456789abcdef"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"secret_key": None}, "consentkit keygen"),
        ({"secret_key": "short"}, "too short"),
        ({"secret_key": []}, "empty list"),
        ({"secret_key": [KEY, "short"]}, "too short"),
        ({"secret_key": [KEY, 42]}, "str or bytes"),
        ({"max_age": 401 * 24 * 3600}, "400 days"),
        ({"max_age": 0}, "positive"),
        ({"max_age": "182d"}, "positive"),
        ({"categories": ["necessary", "ads"]}, "Unknown category name 'ads'"),
        ({"categories": []}, "empty"),
        ({"categories": "analytics"}, "sequence"),
        ({"categories": [Category("a"), Category("a")]}, "repeated: a"),
        (
            {
                "categories": [
                    Category("necessary", required=True, cookies=("_ga",)),
                    *DEFAULT_CATEGORIES[1:],
                ]
            },
            "clashes",
        ),
        (
            {
                "categories": [
                    Category("necessary", required=True, cookies=("_g*",)),
                    Category("analytics", cookies=("_gid",)),
                ]
            },
            "clashes",
        ),
        ({"categories": [Category("x", cookies=("consent*",))]}, "consentkit's own cookie"),
        ({"policy_version": "v 2"}, "policy_version"),
        ({"policy_updated": "2026-11-01"}, "datetime.date"),
        ({"cookie_name": "bad name"}, "cookie_name"),
        ({"cookie_name": "__Host-consent"}, "without the __Host- prefix"),
        ({"prefix": "consent"}, "prefix"),
        ({"default_locale": "fr"}, "not in locales"),
        ({"locales": ()}, "empty"),
        ({"locales": ("th", "english")}, "locale identifier"),
        ({"template_dirs": ["/no/such/folder"]}, "is not a folder"),
        ({"trusted_proxies": ["10.0.0.300"]}, "trusted_proxies"),
        ({"statistics": "/no/such/folder/stats.sqlite3"}, "does not exist"),
        ({"geolocator": 42}, "geolocator"),
        ({"ip_prefixes": (25, 48)}, "finer prefix identifies"),
        ({"ip_prefixes": (24, 64)}, "finer prefix identifies"),
        ({"ip_prefixes": "24"}, "two numbers"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
@pytest.mark.parametrize("middleware", [ConsentMiddleware, ConsentWSGIMiddleware])
def test_misconfiguration_is_a_clear_value_error(
    middleware: Any, options: dict[str, Any], message: str
) -> None:
    options = {"secret_key": KEY, **options}
    app = asgi_app if middleware is ConsentMiddleware else wsgi_app
    with pytest.raises(ValueError, match=message):
        middleware(app, **options)


@pytest.mark.parametrize(
    "middleware, app", [(ConsentMiddleware, asgi_app), (ConsentWSGIMiddleware, wsgi_app)]
)
def test_a_missing_key_says_how_to_make_one(middleware: Any, app: Any) -> None:
    with pytest.raises(ValueError, match=r"secret_key=.*consentkit keygen"):
        middleware(app)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        ConsentMiddleware(asgi_app, KEY)  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["", "Analytics", "1st", "with space", "a" * 33, "a-b"])
def test_bad_category_names(name: str) -> None:
    with pytest.raises(ValueError, match="Category name"):
        Category(name)


def test_a_required_category_cannot_be_refused_by_gpc() -> None:
    with pytest.raises(ValueError, match="required and gpc_opt_out"):
        Category("necessary", required=True, gpc_opt_out=True)


def test_category_cookies_must_be_a_sequence() -> None:
    with pytest.raises(ValueError, match=r"cookies=\('_ga',\)"):
        Category("analytics", cookies="_ga")  # type: ignore[arg-type]


def test_defaults_follow_the_contract() -> None:
    settings = Settings.from_options(secret_key=KEY)
    assert settings.policy_version == "1"
    assert settings.policy_url is None and settings.policy_updated is None
    assert settings.cookie_name == "consentkit"
    assert settings.max_age == 182 * 24 * 3600
    assert settings.prefix == "/_consent"
    assert settings.default_locale == "th" and settings.locales == ("th", "en")
    assert settings.template_dirs == () and settings.trusted_proxies == ()
    assert settings.honor_gpc is True and settings.statistics is None
    names = [(c.name, c.required, c.cookies, c.gpc_opt_out) for c in settings.categories]
    assert names == [
        ("necessary", True, (), False),
        ("functional", False, (), False),
        ("analytics", False, ("_ga", "_ga_*", "_gid", "_gat*"), False),
        ("location", False, (), False),
        ("marketing", False, ("_fbp", "_gcl_*"), True),
    ]


def test_a_good_configuration_is_accepted() -> None:
    settings = Settings.from_options(
        secret_key=[b"old-key-0123456789abcdef", KEY],
        policy_version="2026-11-01",
        policy_updated=datetime.date(2026, 11, 1),
        categories=["necessary", "analytics", Category("chat", cookies=("crisp-*",))],
        max_age=400 * 24 * 3600,
        locales=("th", "en-US"),
        default_locale="en-US",
        trusted_proxies=["10.0.0.0/8", "::1"],
    )
    assert settings.optional_names == ("analytics", "chat")
    assert settings.default_locale == "en_US"


@pytest.mark.parametrize(
    "middleware, app", [(ConsentMiddleware, asgi_app), (ConsentWSGIMiddleware, wsgi_app)]
)
def test_a_misspelt_option_names_the_nearest_one(middleware: Any, app: Any) -> None:
    with pytest.raises(TypeError, match=r"option 'secret'; did you mean 'secret_key'\?"):
        middleware(app, secret=KEY)
    listed = "the options are categories, contact, cookie_database, cookie_name"
    with pytest.raises(TypeError, match=listed):
        middleware(app, secret_key=KEY, ความลับ=1)


def test_derived_values_are_fields() -> None:
    settings = Settings.from_options(
        secret_key=KEY,
        cookie_name="yinyom",
        categories=[*DEFAULT_CATEGORIES, Category("chat", gpc_opt_out=True)],
    )
    assert settings.language_cookie_name == "yinyom_lang"
    assert settings.required_names == {"necessary"}
    assert settings.gpc_refused_names == {"marketing", "chat"}
    assert settings.category_names[-1] == "chat"
