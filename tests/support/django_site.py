"""The behaviour table's site (:mod:`tests.support.apps`) as Django views, for consentkit's
Django middleware: each route answered with Django's own response classes (one piece
``HttpResponse``, several chunks ``StreamingHttpResponse``, cookies by ``set_cookie``), so that
the table runs through the real Django handlers and ``response.cookies``.

Also the URL conf of :mod:`tests.support.django_settings` (``urlpatterns``), and
:func:`configured`, which sets Django up once per test process with those settings.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from typing import Any

from .apps import ROUTES, consent_json

SETTINGS_MODULE = "tests.support.django_settings"


def configured() -> Any:
    """Django's settings, set up from :data:`SETTINGS_MODULE` unless already set up."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
        django.setup()
        # Read once, and not left for the subprocesses the tests start (an example's manage.py
        # must find its own settings, not the tests').
        del os.environ["DJANGO_SETTINGS_MODULE"]
    return settings


def _set_cookie(response: Any, header: str) -> None:
    """A ``Set-Cookie`` of the table's site set the Django way, with ``set_cookie``."""
    first, *attributes = header.split(";")
    name, _, value = first.partition("=")
    options: dict[str, Any] = {}
    for attribute in attributes:
        key, _, attribute_value = attribute.strip().partition("=")
        key = key.lower()
        if key == "path":
            options["path"] = attribute_value
        elif key == "max-age":
            options["max_age"] = int(attribute_value)
        elif key == "httponly":
            options["httponly"] = True
    response.set_cookie(name.strip(), value, **options)


def _chunks(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    async def stream() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return stream()


def route(request: Any) -> Any:
    """Every path of the table's site."""
    from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

    path = request.path_info
    if path == "/consent":
        return HttpResponse(consent_json(request), content_type="application/json")
    if path == "/echo-body":
        return HttpResponse(request.body, content_type="text/plain")
    if path == "/meta":  # the address the view is shown
        return JsonResponse({"remote_addr": request.META.get("REMOTE_ADDR")})
    status, headers, chunks = ROUTES.get(path, (404, [("Content-Type", "text/plain")], [b"nope"]))
    response: Any
    if len(chunks) == 1:
        response = HttpResponse(chunks[0], status=status)
    else:  # under ASGI an async iterator, as Django asks of a streaming response there
        stream = _chunks(chunks) if hasattr(request, "scope") else chunks
        response = StreamingHttpResponse(stream, status=status)
    for name, value in headers:
        if name.lower() == "set-cookie":
            _set_cookie(response, value)
        else:
            response.headers[name] = value
    return response


def _urlpatterns() -> list[Any]:
    from django.urls import re_path

    return [re_path(r"", route)]


urlpatterns = _urlpatterns()
