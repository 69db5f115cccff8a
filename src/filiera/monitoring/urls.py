"""Monitoring pages outside a cluster's back office: a network's clusters side by side (its coordinator) and a
member's answer to a satisfaction survey (through the personal link it was mailed)."""

from django.urls import path

from filiera.monitoring import survey_views, views

app_name = "monitoring_public"

urlpatterns = [
    path("networks/<slug:network_slug>/monitoring/", views.network, name="network"),
    path("surveys/<str:token>/", survey_views.answer, name="survey_answer"),
]
