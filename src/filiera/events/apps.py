from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _cluster_of_event(event_id: int) -> int | None:
    from filiera.events.models import Event

    return Event.objects.filter(pk=event_id).values_list("cluster_id", flat=True).first()


class EventsConfig(AppConfig):
    name = "filiera.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from filiera.core import audit
        from filiera.events.models import (
            Event,
            EventText,
            FollowUp,
            Meeting,
            MeetingRequest,
            MeetingSeat,
            Participant,
            Registration,
            RegistrationQuestion,
            Slot,
            Table,
            VoicedNeed,
        )

        audit.register(Event, cluster=lambda e: e.cluster_id)
        for model in (EventText, RegistrationQuestion, Slot, Table, Meeting, MeetingRequest, VoicedNeed):
            audit.register(model, cluster=lambda obj: _cluster_of_event(obj.event_id))
        audit.register(Registration, organisation=lambda r: r.organisation_id,
                       cluster=lambda r: _cluster_of_event(r.event_id))
        audit.register(Participant, organisation=lambda p: p.organisation_id,
                       cluster=lambda p: _cluster_of_event(p.event_id))
        audit.register(MeetingSeat, cluster=lambda seat: _cluster_of_event(
            Meeting.objects.filter(pk=seat.meeting_id).values_list("event_id", flat=True).first()))
        audit.register(FollowUp, cluster=lambda f: _cluster_of_event(
            Meeting.objects.filter(pk=f.meeting_id).values_list("event_id", flat=True).first()))
