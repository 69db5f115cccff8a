"""Monitoring pages outside a cluster's back office: a network's clusters side by side (its coordinator) and a
member's answer to a satisfaction survey (through the personal link it was mailed)."""

from django.urls import path

app_name = "monitoring_public"

urlpatterns: list = []
