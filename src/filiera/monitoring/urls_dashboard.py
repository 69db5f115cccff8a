"""Monitoring URLs: dashboard, targets and figures (included by urls_staff.py in the "monitoring" namespace)."""

from django.urls import path

from filiera.monitoring import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/", views.targets, name="targets"),
    path("figures/", views.figures, name="figures"),
]
