"""Views of the Django middleware example: ``request.consent`` is the visitor's consent."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The home page."""
    return render(request, "home.html")


def analytics(request: HttpRequest) -> HttpResponse:
    """A page with a ``data-consent="analytics"`` script."""
    return render(request, "analytics.html")


def tracking(request: HttpRequest) -> HttpResponse:
    """A page that sets the ``_ga`` analytics cookie on every response; consentkit's
    middleware removes it from ``response.cookies`` until analytics is granted."""
    allowed = request.consent.allows("analytics")  # type: ignore[attr-defined]
    response = render(request, "tracking.html", {"analytics": allowed})
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response
