"""URLs of the Django middleware example (consentkit's own, under ``/_consent``, are
answered by its middleware before these)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("analytics", views.analytics),
    path("tracking", views.tracking),
]
