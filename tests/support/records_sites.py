"""The sites the consent-record fault tests and benchmark serve from real servers: the test
apps wrapped with ``records=`` the store named by ``$CONSENTKIT_TEST_RECORDS``.

``uvicorn tests.support.records_sites:asgi`` and ``gunicorn tests.support.records_sites:wsgi``.
"""

from __future__ import annotations

import logging
import os

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

from .apps import OPTIONS, asgi_app, wsgi_app

logging.basicConfig(level=logging.WARNING, format="%(process)d %(name)s %(levelname)s %(message)s")
_RECORDS = os.environ["CONSENTKIT_TEST_RECORDS"]

asgi = ConsentMiddleware(asgi_app, **OPTIONS, records=_RECORDS)
wsgi = ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=_RECORDS)
