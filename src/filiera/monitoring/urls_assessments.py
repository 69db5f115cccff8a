"""Monitoring URLs: assessments (included by urls_staff.py in the "monitoring" namespace)."""

urlpatterns: list = []
