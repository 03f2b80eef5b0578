"""URLs of the Django example."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("analytics", views.analytics),
    path("tracking", views.tracking),
]
