""":mod:`tests.support.django_settings` with a bad consentkit option (a prefix without its
leading slash): a server must refuse to start, saying what to change."""

from tests.support.django_settings import *  # noqa: F403
from tests.support.django_settings import CONSENTKIT

CONSENTKIT = {**CONSENTKIT, "prefix": "ไม่มีทับ"}
