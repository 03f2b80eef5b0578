"""A page behind consentkit with ``records=`` set, for the servers of the records fault tests
and ``benchmarks.choices``: ``asgi_site`` for ``uvicorn --factory``, ``wsgi_site()`` for
gunicorn. The store is the environment's :data:`STORE_VARIABLE` (a path or URL)."""

from __future__ import annotations

import os
from typing import Any

STORE_VARIABLE = "RECORDS_SITE_STORE"
SECRET = "กุญแจ-records-site-0123456789abcdef"
PAGE = "<!doctype html><html lang='th'><body><p>สวัสดี</p></body></html>".encode()


def asgi_site() -> Any:
    """The ASGI site: a page behind :class:`~consentkit.ConsentMiddleware`."""
    from consentkit import ConsentMiddleware

    async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})

    return ConsentMiddleware(page, secret_key=SECRET, records=os.environ[STORE_VARIABLE])


def wsgi_site() -> Any:
    """The WSGI site: the same page behind :class:`~consentkit.ConsentWSGIMiddleware`."""
    from consentkit import ConsentWSGIMiddleware

    def page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [PAGE]

    return ConsentWSGIMiddleware(page, secret_key=SECRET, records=os.environ[STORE_VARIABLE])
