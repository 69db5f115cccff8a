"""A cluster's events in its back office, under /c/<cluster_slug>/events/ (namespace "events_staff")."""

from django.urls import path

from filiera.events import staff_views

app_name = "events_staff"

urlpatterns = [
    path("", staff_views.event_list, name="list"),
    path("new/", staff_views.event_edit, name="new"),
    path("<int:pk>/edit/", staff_views.event_edit, name="edit"),
    path("<int:pk>/attendees/", staff_views.attendees, name="attendees"),
    path("<int:pk>/attendees/export.<str:fmt>", staff_views.export, name="export"),
    path("<int:pk>/attendees/<int:registration_pk>/check-in/", staff_views.check_in, name="check_in"),
    path("<int:pk>/attendees/<int:registration_pk>/cancel/", staff_views.cancel, name="cancel"),
    path("<int:pk>/needs/", staff_views.needs, name="needs"),
    path("<int:pk>/needs/export.<str:fmt>", staff_views.needs_export, name="needs_export"),
    path("<int:pk>/board/", staff_views.board, name="board"),
    path("<int:pk>/board/add-<str:what>/", staff_views.board_setup, name="board_setup"),
    path("<int:pk>/board/run/", staff_views.board_run, name="board_run"),
    path("<int:pk>/board/announce/", staff_views.board_announce, name="board_announce"),
    path("<int:pk>/board/meetings/new/", staff_views.board_new_meeting, name="board_new_meeting"),
    path("<int:pk>/board/meetings/<int:meeting_pk>/<str:action>/", staff_views.board_meeting, name="board_meeting"),
]
