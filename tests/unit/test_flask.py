"""The Flask extension, in Flask's own test client: ``ConsentKit(app)``, ``init_app`` for app
factories, options from ``app.config``, ``consent`` in every template, ``get_consent`` in views,
``current_app.extensions["consentkit"]``."""

from __future__ import annotations

import gzip
import logging
from typing import Any

import pytest
from flask import Flask, Response, current_app, render_template_string, request

from consentkit import ConsentWSGIMiddleware, get_consent
from consentkit.contrib.flask import ConsentKit, options_from_config
from consentkit.option_checks import OptionError

KEY = "กุญแจลับของร้านข้าวซอย-0123456789abcdef"
ORIGIN = {"Origin": "http://localhost"}
PAGE = (
    "<!doctype html><html><body><h1>ข้าวซอยเชียงใหม่</h1>"
    "{% if consent.allows('analytics') %}<p id=a>วัดผลได้</p>{% else %}<p id=a>ไม่วัดผล</p>"
    "{% endif %}<a href='{{ consent_preferences_url }}'>ตั้งค่าคุกกี้</a></body></html>"
)
BANNER = 'id="consentkit-banner"'


def make_app(name: str = "shop", **config: Any) -> Flask:
    """A small Flask site: a templated page, a view reading the consent, and ``current_app``."""
    app = Flask(name)
    app.config.update(config)

    @app.get("/")
    def home() -> str:
        return render_template_string(PAGE)

    @app.get("/api/consent")
    def consent_view() -> dict[str, Any]:
        consent = get_consent(request)
        middleware = current_app.extensions["consentkit"]
        return {
            "decided": consent.decided,
            "analytics": consent.allows("analytics"),
            "prefix": middleware.settings.prefix,
        }

    return app


def test_consentkit_app_gives_banner_template_consent_and_view_consent() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)
    ConsentKit(app)
    client = app.test_client()
    home = client.get("/", headers={"Accept-Language": "th"})
    text = home.get_data(as_text=True)
    assert home.status_code == 200
    assert BANNER in text
    assert "<p id=a>ไม่วัดผล</p>" in text  # consent in the template, no context processor of ours
    assert "href='/_consent/preferences'" in text
    assert client.get("/api/consent").json == {
        "decided": False,
        "analytics": False,
        "prefix": "/_consent",
    }
    chosen = client.post("/_consent", data={"choice": "accept_all", "next": "/"}, headers=ORIGIN)
    assert chosen.status_code == 303
    assert chosen.headers["Location"] == "/"
    assert client.get("/api/consent").json["analytics"] is True
    after = client.get("/").get_data(as_text=True)
    assert BANNER not in after
    assert "<p id=a>วัดผลได้</p>" in after
    assert client.get("/_consent/preferences").status_code == 200


def test_the_middleware_is_in_app_extensions_and_wraps_wsgi_app() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)
    middleware = ConsentKit().init_app(app)
    assert isinstance(middleware, ConsentWSGIMiddleware)
    assert app.extensions["consentkit"] is middleware
    assert app.wsgi_app is middleware


def test_one_extension_for_several_apps_each_with_its_own_config() -> None:
    consentkit = ConsentKit(policy_url="/นโยบาย")
    shop = make_app("shop", CONSENTKIT_SECRET_KEY=KEY)
    blog = make_app("blog", CONSENTKIT_SECRET_KEY=KEY[::-1], CONSENTKIT_PREFIX="/privacy")
    consentkit.init_app(shop)
    consentkit.init_app(blog)
    assert shop.extensions["consentkit"] is not blog.extensions["consentkit"]
    assert shop.test_client().get("/api/consent").json["prefix"] == "/_consent"
    blog_client = blog.test_client()
    assert blog_client.get("/api/consent").json["prefix"] == "/privacy"
    assert blog_client.get("/privacy/preferences").status_code == 200
    assert blog_client.get("/_consent/preferences").status_code == 404  # the blog's own 404
    assert shop.extensions["consentkit"].settings.policy_url == "/นโยบาย"
    assert blog.extensions["consentkit"].settings.policy_url == "/นโยบาย"


def test_config_wins_over_the_extensions_keywords() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY, CONSENTKIT_POLICY_VERSION="2026-12")
    ConsentKit(app, policy_version="1", cookie_name="ck")
    settings = app.extensions["consentkit"].settings
    assert settings.policy_version == "2026-12"
    assert settings.cookie_name == "ck"


def test_every_option_has_a_config_key() -> None:
    from consentkit.options import OPTIONS

    config = {"CONSENTKIT_" + o.name.upper(): o.default for o in OPTIONS}
    assert set(options_from_config(config)) == {o.name for o in OPTIONS}


def test_a_misspelt_config_key_fails_at_init_naming_the_nearest() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY, CONSENTKIT_POLICY_URLL="/privacy")
    with pytest.raises(ValueError, match=r"did you mean 'CONSENTKIT_POLICY_URL'\?"):
        ConsentKit(app)
    assert "consentkit" not in app.extensions


def test_a_misspelt_keyword_fails_naming_the_nearest() -> None:
    with pytest.raises(TypeError, match=r"did you mean 'policy_url'\?"):
        ConsentKit(policy_ulr="/privacy")


def test_a_missing_key_names_the_config_key() -> None:
    with pytest.raises(OptionError, match=r"app.config\['CONSENTKIT_SECRET_KEY'\]"):
        ConsentKit(make_app())


def test_a_bad_config_value_names_its_key() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY, CONSENTKIT_MAX_AGE=500 * 86400)
    with pytest.raises(OptionError, match=r"400 days.*app.config\['CONSENTKIT_MAX_AGE'\]"):
        ConsentKit(app)


def test_registering_twice_on_one_app_fails() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)
    consentkit = ConsentKit(app)
    with pytest.raises(RuntimeError, match="already registered"):
        consentkit.init_app(app)


def test_registering_over_a_manual_wrap_fails() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)
    app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, secret_key=KEY)  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="not both"):
        ConsentKit(app)


def test_a_template_rendered_outside_a_request_through_consentkit_still_renders() -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)
    ConsentKit(app)
    with app.app_context():
        assert render_template_string("{{ consent is defined }}") == "False"
    with app.test_request_context("/"):
        assert render_template_string("{{ consent is defined }}") == "False"


def test_a_route_under_the_prefix_is_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)

    @app.get("/_consent/mine")
    def mine() -> str:
        return "ของฉัน"

    caplog.set_level(logging.WARNING, "consentkit")
    ConsentKit(app)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "/_consent/mine is never reached" in warnings[0]


def test_a_page_compressed_inside_consentkit_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """Compression in an ``after_request`` runs inside ``app.wsgi_app``, so inside consentkit."""
    app = make_app(CONSENTKIT_SECRET_KEY=KEY)

    @app.after_request
    def compress(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.set_data(gzip.compress(response.get_data()))
            response.headers["Content-Encoding"] = "gzip"
        return response

    ConsentKit(app)
    caplog.set_level(logging.WARNING, "consentkit")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Put compression outside consentkit" in warnings[0]


def test_the_start_up_line_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "consentkit")
    ConsentKit(make_app(CONSENTKIT_SECRET_KEY=KEY, CONSENTKIT_POLICY_URL="/privacy"))
    (line,) = [r.getMessage() for r in caplog.records if "started" in r.getMessage()]
    assert "policy_url='/privacy'" in line and "secret_key=<1 key>" in line
    assert KEY not in caplog.text


def test_on_consent_is_called_through_the_extension() -> None:
    records: list[Any] = []
    app = make_app(CONSENTKIT_SECRET_KEY=KEY, CONSENTKIT_ON_CONSENT=records.append)
    ConsentKit(app)
    app.test_client().post("/_consent", data={"choice": "reject_all"}, headers=ORIGIN)
    (record,) = records
    assert record.choice == "reject_all"
