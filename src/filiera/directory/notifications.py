"""Emails to members about their membership, each in the recipient's language, and whom to mail for an
organisation."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from filiera.directory.models import Membership, Person


def representatives_with_email(organisation_ids) -> dict[int, list[Person]]:
    """The representatives with an email of each organisation, one per address: whom the platform mails on an
    organisation's behalf (survey links, invitations to answer a challenge)."""
    people: dict[int, list[Person]] = {}
    seen: set[tuple[int, str]] = set()
    for person in Person.objects.filter(organisation_id__in=organisation_ids, is_representative=True) \
            .exclude(email="").order_by("organisation_id", "last_name", "first_name", "pk"):
        key = (person.organisation_id, person.email.strip().lower())
        if key not in seen:
            seen.add(key)
            people.setdefault(person.organisation_id, []).append(person)
    return people


def send_membership_notice(membership_id: int) -> int:
    """Tell the organisation's representatives that their membership changed. Returns emails sent."""
    membership = Membership.objects.select_related("organisation", "cluster").filter(pk=membership_id).first()
    if membership is None:
        return 0
    sent = 0
    for person in membership.organisation.people.filter(is_representative=True).exclude(email=""):
        with translation.override(person.language):
            context = {"membership": membership, "person": person, "site_url": settings.SITE_URL}
            subject = render_to_string("directory/email/membership_subject.txt", context).strip()
            body = render_to_string("directory/email/membership_body.txt", context)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    return sent
