"""A cluster's challenges in its back office, under /c/<cluster_slug>/challenges/ (namespace "challenges_staff")."""

from django.urls import path

from filiera.challenges import staff_views

app_name = "challenges_staff"

urlpatterns = [
    path("", staff_views.challenge_list, name="list"),
    path("new/", staff_views.challenge_edit, name="new"),
    path("<int:pk>/", staff_views.manage, name="manage"),
    path("<int:pk>/edit/", staff_views.challenge_edit, name="edit"),
    path("<int:pk>/stage/", staff_views.stage, name="stage"),
    path("<int:pk>/needs/", staff_views.need, name="need"),
    path("<int:pk>/needs/<int:need_pk>/", staff_views.need_action, name="need_action"),
    path("<int:pk>/group/", staff_views.group, name="group"),
    path("<int:pk>/invite/", staff_views.invite, name="invite"),
    path("<int:pk>/themes/<int:theme_pk>/", staff_views.theme, name="theme"),
    path("<int:pk>/themes/<int:theme_pk>/activity/", staff_views.activity, name="activity"),
    path("<int:pk>/solutions/<int:solution_pk>/", staff_views.solution_status, name="solution_status"),
]
