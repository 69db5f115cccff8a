"""Monitoring URLs: surveys (included by urls_staff.py in the "monitoring" namespace)."""

from django.urls import path

from filiera.monitoring import survey_views

urlpatterns = [
    path("", survey_views.survey_list, name="survey_list"),
    path("new/", survey_views.survey_edit, name="survey_new"),
    path("<int:pk>/", survey_views.survey_detail, name="survey_detail"),
    path("<int:pk>/edit/", survey_views.survey_edit, name="survey_edit"),
    path("<int:pk>/send/", survey_views.survey_send, name="survey_send"),
    path("<int:pk>/close/", survey_views.survey_close, name="survey_close"),
]
