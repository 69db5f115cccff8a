"""Event pages (namespace "events")."""

from django.urls import path

from filiera.events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="ics"),
    path("events/registration/<str:token>/", views.registration, name="registration"),
    path("events/registration/<str:token>/cancel/", views.registration_cancel, name="registration_cancel"),
]
