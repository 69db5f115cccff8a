"""Event pages (namespace "events")."""

from django.urls import path

from filiera.events import brokerage_views, views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="ics"),
    path("events/<int:pk>/meetings/", brokerage_views.marketplace, name="marketplace"),
    path("events/<int:pk>/meetings/request/<int:participant_pk>/", brokerage_views.request_meeting,
         name="request_meeting"),
    path("events/<int:pk>/meetings/requests/<int:request_pk>/<str:decision>/", brokerage_views.answer_request,
         name="answer_request"),
    path("events/<int:pk>/agenda/", brokerage_views.agenda, name="agenda"),
    path("events/<int:pk>/agenda.ics", brokerage_views.agenda_ics, name="agenda_ics"),
    path("events/<int:pk>/agenda.pdf", brokerage_views.agenda_pdf, name="agenda_pdf"),
    path("events/<int:pk>/agenda/<int:meeting_pk>/follow-up/", brokerage_views.follow_up, name="follow_up"),
    path("events/registration/<str:token>/", views.registration, name="registration"),
    path("events/registration/<str:token>/cancel/", views.registration_cancel, name="registration_cancel"),
]
