"""Views of the Django example."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from consentkit import get_consent


def home(request: HttpRequest) -> HttpResponse:
    """The home page."""
    return render(request, "home.html")


def analytics(request: HttpRequest) -> HttpResponse:
    """A page with a ``data-consent="analytics"`` script."""
    return render(request, "analytics.html")


def tracking(request: HttpRequest) -> HttpResponse:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    consent = get_consent(request)  # works under WSGI (request.META) and ASGI (request.scope)
    response = render(request, "tracking.html", {"analytics": consent.allows("analytics")})
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response
