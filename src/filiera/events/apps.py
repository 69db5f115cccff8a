from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "filiera.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from filiera.core import audit
        from filiera.events.models import Event, Registration, RegistrationQuestion

        audit.register(Event, cluster=lambda e: e.cluster_id)
        audit.register(RegistrationQuestion, cluster=lambda q: Event.objects.filter(pk=q.event_id).values_list(
            "cluster_id", flat=True).first())
        audit.register(Registration, organisation=lambda r: r.organisation_id,
                       cluster=lambda r: Event.objects.filter(pk=r.event_id).values_list(
                           "cluster_id", flat=True).first())
