from django.apps import AppConfig
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _


def _cluster_of(obj) -> int | None:
    """The cluster of a record of an event, from the event cached on it: records loaded through their event (the
    scheduler's meetings, say) cost no query."""
    try:
        return obj.event.cluster_id
    except ObjectDoesNotExist:  # the event is being deleted with it
        return None


def _meeting_cluster(obj) -> int | None:
    try:
        return _cluster_of(obj.meeting)
    except ObjectDoesNotExist:
        return None


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
            audit.register(model, cluster=_cluster_of)
        audit.register(Registration, organisation=lambda r: r.organisation_id,
                       cluster=_cluster_of)
        audit.register(Participant, organisation=lambda p: p.organisation_id,
                       cluster=_cluster_of)
        audit.register(MeetingSeat, cluster=_meeting_cluster)
        audit.register(FollowUp, cluster=_meeting_cluster)
