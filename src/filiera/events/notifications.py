"""Emails to people who register for an event, in the language they registered in."""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from filiera.events.models import Registration

TOKEN_SALT = "filiera.events.registration"


def cancel_token(registration: Registration) -> str:
    """What a registration's private link carries: who registered without an account cancels with it."""
    return signing.dumps(registration.pk, salt=TOKEN_SALT)


def send_registration_notice(registration_id: int, reminder: bool = False) -> int:
    """Tells a person where their registration stands (confirmed, waiting, cancelled), or reminds them that the
    event is near. Returns emails sent."""
    registration = Registration.objects.select_related("event", "event__cluster").filter(pk=registration_id).first()
    if registration is None:
        return 0
    with translation.override(registration.language):
        context = {"registration": registration, "event": registration.event, "site_url": settings.SITE_URL,
                   "reminder": reminder, "text": registration.event.text_in(registration.language),
                   "registration_url": settings.SITE_URL.rstrip("/") + reverse(
                       "events:registration", args=[cancel_token(registration)]),
                   "calendar_url": settings.SITE_URL.rstrip("/") + reverse("events:ics", args=[registration.event_id])}
        subject = render_to_string("events/email/registration_subject.txt", context).strip()
        body = render_to_string("events/email/registration_body.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])


def send_agenda(participant_id: int, changed: bool = False) -> int:
    """Sends a participant of a brokerage event their agenda (again when it changed). Returns emails sent."""
    from filiera.events.brokerage import agenda
    from filiera.events.models import Participant

    participant = (Participant.objects.select_related("registration", "event", "event__cluster")
                   .filter(pk=participant_id).first())
    if participant is None:
        return 0
    meetings = agenda(participant)
    people = [participant.registration, *participant.delegates.filter(status=Registration.Status.CONFIRMED)]
    sent = 0
    for registration in people:  # the organisation's registrant and its delegates, each in their language
        with translation.override(registration.language):
            context = {"participant": participant, "person": registration, "event": participant.event,
                       "meetings": meetings, "changed": changed,
                       "agenda_url": settings.SITE_URL.rstrip("/") + reverse("events:agenda",
                                                                             args=[participant.event_id])}
            subject = render_to_string("events/email/agenda_subject.txt", context).strip()
            body = render_to_string("events/email/agenda_body.txt", context)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])
    return sent
