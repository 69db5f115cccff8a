"""Public pages of calls and projects (namespace "projects")."""

from django.urls import path

from filiera.projects import views

app_name = "projects"

urlpatterns = [
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/searches/<int:pk>/follow/", views.follow, name="follow"),
    path("calls/searches/<int:pk>/interest/", views.interest, name="interest"),
    path("calls/interests/<int:pk>/<str:decision>/", views.answer, name="answer"),
    path("projects/", views.project_list, name="list"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
]
