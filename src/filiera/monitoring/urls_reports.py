"""Monitoring URLs: reports (included by urls_staff.py in the "monitoring" namespace)."""

from django.urls import path

from filiera.monitoring import report_views

urlpatterns = [
    path("", report_views.report_list, name="report_list"),
    path("annual/", report_views.report_annual, name="report_annual"),
]
