"""The weekly digest: new opportunities that match the organisations a member represents, by email, opt-in only.

Each subscriber gets at most one email a week, in their own language, listing per represented organisation the
opportunities published since their last digest (at most a week back) that they may see. Every email carries a
one-click unsubscribe link (RFC 8058), signed so that it needs no login and cannot be forged for someone else."""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from filiera.core.access import viewer_for
from filiera.core.models import User
from filiera.directory.models import Organisation
from filiera.matching.models import DigestSubscription
from filiera.matching.services import Match, opportunities_matching_organisation

logger = logging.getLogger(__name__)

PERIOD = datetime.timedelta(days=7)  # how far back a first digest (or one after a pause) looks
RESEND_AFTER = datetime.timedelta(days=6)  # a day's slack, so a weekly run a little early still sends
TOP_PER_ORGANISATION = 10
TOKEN_SALT = "filiera.matching.digest.unsubscribe"


# -- subscription ----------------------------------------------------------------------------------------------

def subscribe(user: User) -> DigestSubscription:
    """Switch the digest on (again). A renewed subscription starts a new subscription date."""
    subscription, created = DigestSubscription.objects.get_or_create(user=user)
    if not created and not subscription.active:
        subscription.active = True
        subscription.subscribed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["active", "subscribed_at", "unsubscribed_at"])
    return subscription


def unsubscribe(user: User) -> bool:
    """Switch the digest off, recording when. False when it was not on (a repeated click changes nothing)."""
    return bool(DigestSubscription.objects.filter(user=user, active=True)
                .update(active=False, unsubscribed_at=timezone.now()))


def is_subscribed(user: User) -> bool:
    return DigestSubscription.objects.filter(user=user, active=True).exists()


def unsubscribe_token(user: User) -> str:
    """A token naming the user, signed with the secret key: it proves the click comes from the user's own email."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(user.pk))


def user_for_token(token: str) -> User | None:
    try:
        user_id = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=int(user_id)).first() if user_id.isdigit() else None


def unsubscribe_url(user: User) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("digest:unsubscribe", args=[unsubscribe_token(user)])


# -- content ---------------------------------------------------------------------------------------------------

@dataclass
class DigestItem:
    match: Match
    url: str  # absolute: the email is read outside the site

    @property
    def opportunity(self):
        return self.match.object

    @property
    def closeness_percent(self) -> int | None:
        return None if self.match.closeness is None else round(self.match.closeness * 100)


@dataclass
class OrganisationDigest:
    organisation: Organisation
    items: list[DigestItem]


def digest_since(user: User, now: datetime.datetime) -> datetime.datetime:
    """The later of the last digest sent and a week ago: nothing is sent twice, nothing older than a week."""
    last_sent = DigestSubscription.objects.filter(user=user).values_list("last_sent_at", flat=True).first()
    return max(last_sent, now - PERIOD) if last_sent else now - PERIOD


def build_digest(user: User, now: datetime.datetime) -> list[OrganisationDigest]:
    """Per organisation the user represents, the matching opportunities published since `digest_since` that the
    user may see. The opportunities of any of the user's own organisations are left out, and an opportunity
    matching several of them is listed once, under the first."""
    viewer = viewer_for(user)
    since = digest_since(user, now)
    site = settings.SITE_URL.rstrip("/")
    listed: set[int] = set()
    sections = []
    for organisation in Organisation.objects.filter(pk__in=viewer.organisation_ids).order_by("name"):
        items = []
        for match in opportunities_matching_organisation(viewer, organisation, since, TOP_PER_ORGANISATION):
            opportunity = match.object
            # `now` may be in the past (the command's --now): later publications belong to a later digest.
            if opportunity.organisation_id in viewer.organisation_ids or opportunity.pk in listed \
                    or opportunity.published_at > now:
                continue
            listed.add(opportunity.pk)
            items.append(DigestItem(match, site + reverse("directory:opportunity", args=[opportunity.pk])))
        if items:
            sections.append(OrganisationDigest(organisation, items))
    return sections


def digest_email(user: User, sections: list[OrganisationDigest]) -> EmailMultiAlternatives:
    """The email in the user's language: plain text with an HTML alternative, and the RFC 8058 headers."""
    link = unsubscribe_url(user)
    with translation.override(user.language):
        context = {
            "user": user, "sections": sections, "count": sum(len(s.items) for s in sections),
            "site_url": settings.SITE_URL.rstrip("/"), "unsubscribe_url": link,
            "account_url": settings.SITE_URL.rstrip("/") + reverse("account"),
        }
        subject = " ".join(render_to_string("matching/digest/email_subject.txt", context).split())
        context["subject"] = subject
        text = render_to_string("matching/digest/email.txt", context)
        html = render_to_string("matching/digest/email.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email],
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


# -- sending ---------------------------------------------------------------------------------------------------

@dataclass
class DigestReport:
    subscribers: int = 0
    sent: int = 0  # in a dry run: would be sent
    skipped_empty: int = 0
    skipped_recent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def send_weekly_digests(now: datetime.datetime | None = None, dry_run: bool = False) -> DigestReport:
    """One email per active subscriber with at least one match who had none in the last six days."""
    now = now or timezone.now()
    report = DigestReport()
    subscriptions = (DigestSubscription.objects.filter(active=True, user__is_active=True).exclude(user__email="")
                     .select_related("user").order_by("pk"))
    for subscription in subscriptions:
        report.subscribers += 1
        previous = subscription.last_sent_at
        if previous is not None and previous > now - RESEND_AFTER:
            report.skipped_recent += 1
            continue
        sections = build_digest(subscription.user, now)
        if not sections:
            report.skipped_empty += 1
            continue
        if dry_run:
            report.sent += 1
            continue
        # Claim the subscription before sending: a second run at the same time finds it claimed and skips it.
        if not DigestSubscription.objects.filter(pk=subscription.pk, last_sent_at=previous).update(last_sent_at=now):
            report.skipped_recent += 1
            continue
        try:
            digest_email(subscription.user, sections).send()
        except (smtplib.SMTPException, OSError):
            logger.exception("digest to user %s not sent", subscription.user_id)
            DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=previous)  # next run retries
            report.failed += 1
            continue
        report.sent += 1
    return report
