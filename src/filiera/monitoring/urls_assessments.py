"""Monitoring URLs: the excellence self-assessment, its evidence and the improvement actions (included by
urls_staff.py under "assessments/" in the "monitoring" namespace)."""

from django.urls import path

from filiera.monitoring import assessment_views

urlpatterns = [
    path("", assessment_views.assessment_list, name="assessment_list"),
    path("new/", assessment_views.assessment_new, name="assessment_new"),
    path("<int:pk>/", assessment_views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/criteria/<str:criterion>/", assessment_views.assessment_answer, name="assessment_answer"),
    path("<int:pk>/evidence/", assessment_views.assessment_evidence, name="assessment_evidence"),
    path("<int:pk>/evidence/<int:doc>/", assessment_views.assessment_evidence_file, name="assessment_evidence_file"),
    path("<int:pk>/evidence/<int:doc>/delete/", assessment_views.assessment_evidence_delete,
         name="assessment_evidence_delete"),
    path("<int:pk>/complete/", assessment_views.assessment_complete, name="assessment_complete"),
    path("<int:pk>/pack.zip", assessment_views.assessment_pack, name="assessment_pack"),
    path("actions/", assessment_views.action_list, name="action_list"),
    path("actions/new/", assessment_views.action_new, name="action_new"),
    path("actions/<int:pk>/", assessment_views.action_edit, name="action_edit"),
]
