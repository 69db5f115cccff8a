"""A cluster's projects in its back office, under /c/<cluster_slug>/projects/ (namespace "projects_staff")."""

from django.urls import path

from filiera.projects import import_views, staff_views

app_name = "projects_staff"

urlpatterns = [
    path("", staff_views.portfolio, name="portfolio"),
    path("board/", staff_views.board, name="board"),
    path("funding/", staff_views.funding, name="funding"),
    path("new/", staff_views.project_edit, name="new"),
    path("<int:pk>/", staff_views.project, name="project"),
    path("<int:pk>/edit/", staff_views.project_edit, name="edit"),
    path("<int:pk>/move/", staff_views.move, name="move"),
    path("<int:pk>/add-<str:what>/", staff_views.project_add, name="add"),
    path("<int:pk>/<str:what>/<int:item>/", staff_views.project_remove, name="remove"),
    path("calls/new/", staff_views.call_edit, name="call_new"),
    path("calls/<int:pk>/edit/", staff_views.call_edit, name="call_edit"),
    path("builder/", staff_views.builder, name="builder"),
    path("builder/save/", staff_views.builder_save, name="builder_save"),
    path("import/", import_views.import_projects, name="import"),
]
