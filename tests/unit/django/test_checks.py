"""consentkit's Django system checks: each one triggered by the mistake it is for, and
registered, so that ``manage.py check`` (``call_command("check")``) reports it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from consentkit import ConsentWSGIMiddleware
from consentkit.contrib.django.checks import (
    MIDDLEWARE_PATH,
    check_compression_outside,
    check_installed,
    check_options,
)

from ...support.apps import SECRET_KEY, wsgi_app
from ...support.django_site import configured

configured()
GZIP = "django.middleware.gzip.GZipMiddleware"
#: An application object with consentkit around it, as a wsgi.py would make it (inside
#: another wrapper, as whitenoise's or Sentry's).


class _Outer:
    def __init__(self, app: Any) -> None:
        self.application = app


wrapped_application = _Outer(ConsentWSGIMiddleware(wsgi_app, secret_key=SECRET_KEY))
plain_application = wsgi_app


def _ids(found: list[Any]) -> list[str]:
    return [message.id for message in found]


@pytest.mark.parametrize(
    ("options", "expected", "words"),
    [
        ({"secret_key": SECRET_KEY, "polcy_url": "/privacy"}, "E001", "'policy_url'"),
        ({"secret_key": SECRET_KEY, "PREFX": "/_c"}, "E001", "'prefix'"),
        ({"secret_key": SECRET_KEY, "prefix": "ไม่มีทับ"}, "E002", "prefix"),
        ({"secret_key": "short"}, "E002", "16"),
        ({"secret_key": SECRET_KEY, "default_locale": "fr"}, "E002", "locales"),
        ({"policy_url": "/privacy"}, "E003", "secret_key"),
        ({"secret_key": None}, "E003", "keygen"),
        ("not a dict", "E002", "dict"),
    ],
    ids=[
        "misspelt",
        "upper-case-misspelt",
        "bad-prefix",
        "short-key",
        "together",
        "no-key",
        "key-none",
        "not-a-dict",
    ],
)
def test_options_check(options: Any, expected: str, words: str) -> None:
    with override_settings(CONSENTKIT=options):
        found = check_options()
    assert _ids(found) == [f"consentkit.{expected}"]
    assert words in found[0].msg + (found[0].hint or "")


def test_options_check_missing_setting_and_good_setting() -> None:
    assert check_options() == []
    with override_settings():
        from django.conf import settings

        del settings.CONSENTKIT
        assert _ids(check_options()) == ["consentkit.E003"]


@pytest.mark.parametrize(
    ("middleware", "application", "expected"),
    [
        ([MIDDLEWARE_PATH], None, []),
        ([], f"{__name__}.wrapped_application", []),
        ([], None, ["consentkit.W002"]),
        ([], f"{__name__}.plain_application", ["consentkit.W002"]),
        ([], f"{__name__}.not_there", []),  # cannot tell: Django reports the import itself
        ([MIDDLEWARE_PATH], f"{__name__}.wrapped_application", ["consentkit.E004"]),
    ],
    ids=["middleware", "wrapped", "neither", "plain-app", "unimportable", "twice"],
)
def test_installed_check(middleware: list[str], application: Any, expected: list[str]) -> None:
    with override_settings(MIDDLEWARE=middleware, WSGI_APPLICATION=application):
        found = check_installed()
    assert _ids(found) == expected
    if expected == ["consentkit.W002"]:
        assert MIDDLEWARE_PATH in found[0].hint


@pytest.mark.parametrize(
    ("middleware", "expected"),
    [
        ([GZIP, MIDDLEWARE_PATH], []),  # above: compresses after the banner is in
        ([MIDDLEWARE_PATH, GZIP], ["consentkit.W001"]),
        ([MIDDLEWARE_PATH], []),
    ],
    ids=["gzip-above", "gzip-below", "no-gzip"],
)
def test_compression_check_says_which_order_is_wrong(
    middleware: list[str], expected: list[str]
) -> None:
    with override_settings(MIDDLEWARE=middleware):
        found = check_compression_outside()
    assert _ids(found) == expected
    if found:
        assert "below" in found[0].msg and f"Move {GZIP} above" in found[0].hint


@pytest.fixture
def bad_site() -> Iterator[None]:
    with override_settings(
        CONSENTKIT={"secret_key": SECRET_KEY, "polcy_url": "/privacy"},
        MIDDLEWARE=[MIDDLEWARE_PATH, GZIP],
    ):
        yield


@pytest.mark.usefixtures("bad_site")
def test_manage_py_check_reports_them(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    report = str(raised.value)
    assert "consentkit.E001" in report and "did you mean 'policy_url'" in report.lower()
    assert "consentkit.W001" in report
