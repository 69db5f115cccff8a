"""A cluster's monitoring in its back office, under /c/<cluster_slug>/monitoring/ (namespace "monitoring"): the KPI
dashboard, targets and figures (views.py), satisfaction surveys (survey_views.py), the excellence self-assessment
(assessment_views.py) and the reports (report_views.py)."""

from django.urls import include, path

app_name = "monitoring"

urlpatterns = [
    path("", include("filiera.monitoring.urls_dashboard")),
    path("surveys/", include("filiera.monitoring.urls_surveys")),
    path("assessments/", include("filiera.monitoring.urls_assessments")),
    path("reports/", include("filiera.monitoring.urls_reports")),
]
