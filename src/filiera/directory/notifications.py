"""Emails to members about their membership, each in the recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from filiera.directory.models import Membership


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
