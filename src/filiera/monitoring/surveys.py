"""The member-satisfaction survey: staff write it, send it to the representatives of the cluster's active members
(a personal link per organisation, mailed to each representative in their language), remind those who have not
answered, close it, and read its results; a member answers through its link, without signing in.

Rules chosen here:
- Only a draft survey can be changed; sending opens it. Sending an open survey again is a reminder: it invites the
  members that joined since, and mails the organisations that have not answered and were not mailed in the last
  day (REMIND_AFTER), so two clicks in a row do not mail anyone twice.
- An invitation counts as sent (and so in the response rate, as the KPI engine counts it) once it was mailed to at
  least one representative. Members with no representative email are reported back to the staff, and reached by
  a later reminder once the directory has an address.
- One answer per organisation: the link then shows the answer given, and cannot change it. A closed survey, or one
  past its closing date, takes no more answers.
- The personal link carries the invitation's token signed with the site's secret key (link_token): the stored
  token, which the audit log shows the staff, does not open the survey on its own.
- Results: the staff see which organisations answered (with their comments) and which have not; observers (a
  funder, a network coordinator) see the same figures and comments without organisation names.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiera.core.access import Viewer
from filiera.core.audit import acting_as
from filiera.core.models import Cluster
from filiera.directory.models import Membership, Organisation
from filiera.directory.notifications import representatives_with_email
from filiera.monitoring.models import Survey, SurveyInvitation, SurveyResponse

SURVEY_FIELDS = ("title", "year", "introduction", "closes_on")
# The cluster's services a member rates, each optional ("did not use"); codes are stored in SurveyResponse.services.
SERVICES = {
    "events": gettext_lazy("Events and workshops"),
    "b2b": gettext_lazy("B2B meetings and matchmaking"),
    "projects": gettext_lazy("Partner search and project support"),
    "communication": gettext_lazy("Information and communication"),
    "international": gettext_lazy("International opportunities"),
}
REMIND_AFTER = datetime.timedelta(days=1)
MAX_COMMENT = 5000


# --- who may do what -----------------------------------------------------------------------------------------------


def can_manage(viewer: Viewer, cluster: Cluster) -> bool:
    return viewer.is_admin or viewer.is_staff_of(cluster)


def can_read(viewer: Viewer, cluster: Cluster) -> bool:
    """Staff and observers (funders, the network's coordinator) read the surveys and their results."""
    return viewer.can_read_dashboard(cluster)


def _require_manage(viewer: Viewer, cluster: Cluster) -> None:
    if not can_manage(viewer, cluster):
        raise PermissionDenied


# --- the staff's side ----------------------------------------------------------------------------------------------


def surveys_of(cluster: Cluster) -> QuerySet:
    """The cluster's surveys, newest year first, each with `invited` (invitations sent) and `answered`."""
    return Survey.objects.filter(cluster=cluster).annotate(
        invited=Count("invitations", filter=Q(invitations__sent_at__isnull=False), distinct=True),
        answered=Count("responses", distinct=True),
    ).order_by("-year", "-created_at")


def response_rate(invited: int, answered: int) -> float | None:
    return round(100 * answered / invited, 1) if invited else None


def accepts_answers(survey: Survey, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.status == Survey.Status.OPEN and (survey.closes_on is None or survey.closes_on >= today)


def _lock(survey: Survey) -> None:
    """Lock the survey's row for the transaction and read its current state (another request may have sent or
    closed it since the caller loaded it)."""
    current = Survey.objects.select_for_update().get(pk=survey.pk)
    survey.status, survey.sent_at, survey.closes_on = current.status, current.sent_at, current.closes_on


@transaction.atomic
def save_survey(viewer: Viewer, cluster: Cluster, data: dict, *, survey: Survey | None = None, user=None,
                today: datetime.date | None = None) -> Survey:
    """Create a survey (a draft) or change a draft. `data` holds some of SURVEY_FIELDS."""
    _require_manage(viewer, cluster)
    if survey is None:
        survey = Survey(cluster=cluster, created_by=user, status=Survey.Status.DRAFT)
    elif survey.cluster_id != cluster.pk:
        raise PermissionDenied
    else:
        _lock(survey)
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("Only a draft survey can be changed; this one was sent already."))
    for name in SURVEY_FIELDS:
        if name in data:
            value = data[name]
            setattr(survey, name, value.strip() if isinstance(value, str) else value)
    errors = {}
    if survey.year is None or not 2000 <= survey.year <= 2100:
        errors["year"] = _("Give a year between 2000 and 2100.")
    if not (survey.title or "").strip():
        errors["title"] = _("Give the survey a title.")
    today = today or timezone.localdate()
    if survey.closes_on is not None and survey.closes_on < today:
        errors["closes_on"] = _("The closing date is past: choose today or a later day, or leave it empty.")
    if errors:
        raise ValidationError(errors)
    survey.full_clean()
    survey.save()
    return survey


@dataclass
class SendReport:
    """What a send (or a reminder) did, for the staff's message."""

    opened: bool  # the survey was a draft and is now open
    invited: int = 0  # invitations created now (every active member on the first send, newcomers on a reminder)
    organisations_mailed: int = 0
    people_mailed: int = 0
    recently_mailed: int = 0  # left alone: mailed less than REMIND_AFTER ago
    unreached: list[str] = field(default_factory=list)  # members with no representative email


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, within the model's 64


# The personal link carries the invitation's token signed with the site's secret key. The token alone (which the
# audit log records with the invitation, for the staff to read) does not open the survey, so nobody but the
# representatives who received the link can answer in an organisation's name.
_LINK_SIGNER = signing.Signer(salt="filiera.monitoring.survey-link")


def link_token(invitation: SurveyInvitation) -> str:
    return _LINK_SIGNER.sign(invitation.token)


def answer_url(invitation: SurveyInvitation) -> str:
    """The organisation's personal link, absolute (for the emails)."""
    return settings.SITE_URL.rstrip("/") + reverse("monitoring_public:survey_answer", args=[link_token(invitation)])


@transaction.atomic
def send(viewer: Viewer, survey: Survey, now: datetime.datetime | None = None) -> SendReport:
    """Open a draft and invite every active member, or remind the members of an open survey (see the module's
    rules). The emails leave after the transaction commits, through a background task."""
    _require_manage(viewer, survey.cluster)
    _lock(survey)  # two clicks at once send once
    now = now or timezone.now()
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("This survey is closed: it cannot be sent again."))
    if survey.closes_on is not None and survey.closes_on < timezone.localdate(now):
        date = formats.date_format(survey.closes_on)
        if survey.status == Survey.Status.DRAFT:
            raise ValidationError(_("The closing date (%(date)s) is past: change it before sending.") % {"date": date})
        raise ValidationError(_("This survey closed on %(date)s: it takes no more answers.") % {"date": date})
    report = SendReport(opened=survey.status == Survey.Status.DRAFT)
    if report.opened:
        survey.status, survey.sent_at = Survey.Status.OPEN, now
        survey.save(update_fields=["status", "sent_at"])
    active = set(Membership.objects.filter(cluster=survey.cluster_id, status=Membership.Status.ACTIVE)
                 .values_list("organisation_id", flat=True))
    invitations = {i.organisation_id: i for i in survey.invitations.all()}
    for organisation_id in sorted(active - set(invitations)):
        invitations[organisation_id] = SurveyInvitation.objects.create(survey=survey, organisation_id=organisation_id,
                                                                       token=_new_token())
        report.invited += 1
    pending = [i for i in invitations.values() if i.organisation_id in active and i.answered_at is None]
    due = []
    for invitation in pending:
        if invitation.sent_at is not None and invitation.sent_at > now - REMIND_AFTER:
            report.recently_mailed += 1
        else:
            due.append(invitation)
    people = representatives_with_email([i.organisation_id for i in due])
    names = dict(Organisation.objects.filter(pk__in=[i.organisation_id for i in due]).values_list("pk", "name"))
    first, again = [], []  # first invitations, and reminders to those mailed before
    for invitation in due:
        if people.get(invitation.organisation_id):
            (first if invitation.sent_at is None else again).append(invitation.pk)
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
            report.organisations_mailed += 1
            report.people_mailed += len(people[invitation.organisation_id])
        else:
            report.unreached.append(names[invitation.organisation_id])
    report.unreached.sort(key=str.casefold)
    from filiera.monitoring.tasks import send_survey_invitations

    for ids, reminder in ((first, False), (again, True)):
        if ids:
            transaction.on_commit(lambda ids=ids, reminder=reminder: send_survey_invitations(ids, reminder))
    return report


def mail_invitations(invitation_ids: list[int], reminder: bool = False) -> int:
    """Mail each representative (with an email) of each invited organisation its personal link, in the person's
    language; one email per person. Returns the emails sent."""
    invitations = list(SurveyInvitation.objects.filter(pk__in=invitation_ids, answered_at__isnull=True,
                                                       survey__status=Survey.Status.OPEN)
                       .select_related("survey__cluster", "organisation"))
    people = representatives_with_email([i.organisation_id for i in invitations])
    sent = 0
    with get_connection() as connection:
        for invitation in invitations:
            survey = invitation.survey
            link = answer_url(invitation)
            for person in people.get(invitation.organisation_id, []):
                with translation.override(person.language):
                    context = {"person": person, "survey": survey, "cluster": survey.cluster,
                               "organisation": invitation.organisation, "link": link, "reminder": reminder}
                    subject = render_to_string("monitoring/email/survey_subject.txt", context).strip()
                    body = render_to_string("monitoring/email/survey_body.txt", context)
                sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], connection=connection)
    return sent


@transaction.atomic
def close(viewer: Viewer, survey: Survey) -> Survey:
    """Close an open survey: its links take no more answers; the answers stay in the year's KPIs."""
    _require_manage(viewer, survey.cluster)
    _lock(survey)
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    survey.status = Survey.Status.CLOSED
    survey.save(update_fields=["status"])
    return survey


# --- the member's answer -------------------------------------------------------------------------------------------


def invitation_for(link: str) -> SurveyInvitation:
    """The invitation of a personal link (see link_token); an unknown or forged link is a 404 (nothing tells whether
    it ever existed)."""
    try:
        token = _LINK_SIGNER.unsign(link)
    except signing.BadSignature:
        token = None
    invitation = (SurveyInvitation.objects.select_related("survey__cluster", "organisation")
                  .filter(token=token).first()) if token else None
    if invitation is None:
        raise Http404("No such survey link.")
    return invitation


def response_of(invitation: SurveyInvitation) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(invitation=invitation).first()


def _rating(value, low: int, high: int, message: str) -> int:
    """A whole number from low to high, given as a number or as its digits (a form's text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValidationError(message)
    if not low <= number <= high:
        raise ValidationError(message)
    return number


def clean_answer(data: dict) -> dict:
    """The answer's fields checked: overall 1-5 (required), services {code: 1-5} (known codes, each optional),
    recommend 0-10 or None, comment. Raises ValidationError by field."""
    errors: dict[str, str] = {}
    cleaned: dict = {"services": {}, "recommend": None, "comment": ""}
    try:
        if data.get("overall") in (None, ""):
            raise ValidationError(_("Rate the cluster from 1 to 5."))
        cleaned["overall"] = _rating(data["overall"], 1, 5, _("Rate the cluster from 1 to 5."))
    except ValidationError as error:
        errors["overall"] = error.messages[0]
    services = data.get("services") or {}
    if not isinstance(services, dict):
        errors["services"] = _("Rate the services as a map of service to rating.")
    else:
        unknown = sorted(str(code) for code in services if code not in SERVICES)
        if unknown:
            errors["services"] = _("Unknown service: %(codes)s") % {"codes": ", ".join(unknown)}
        for code in SERVICES:
            value = services.get(code)
            if value in (None, ""):
                continue  # did not use it
            try:
                cleaned["services"][code] = _rating(value, 1, 5, _("Rate each service from 1 to 5, or say you did "
                                                                   "not use it."))
            except ValidationError as error:
                errors[f"service_{code}"] = error.messages[0]
    if data.get("recommend") not in (None, ""):
        try:
            cleaned["recommend"] = _rating(data["recommend"], 0, 10, _("Give a number from 0 to 10."))
        except ValidationError as error:
            errors["recommend"] = error.messages[0]
    comment = str(data.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Keep the comment under %(max)s characters.") % {"max": MAX_COMMENT}
    cleaned["comment"] = comment
    if errors:
        raise ValidationError(errors)
    return cleaned


def answer(link: str, data: dict, today: datetime.date | None = None) -> SurveyResponse:
    """Record an organisation's answer through its personal link (link_token: the credential). Refuses an unknown
    link (404), a survey that is not open or is past its closing date, and a second answer."""
    invitation = invitation_for(link)
    survey = invitation.survey
    today = today or timezone.localdate()
    if survey.status == Survey.Status.CLOSED or (survey.closes_on is not None and survey.closes_on < today):
        raise ValidationError(_("This survey is closed: it takes no more answers."))
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(_("This survey is not open."))
    cleaned = clean_answer(data)
    label = f"survey link of {invitation.organisation.name}"[:150]  # the audit log's actor: who answered
    try:
        with transaction.atomic(), acting_as(None, label=label):
            invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.answered_at is not None:
                raise ValidationError(_("Your organisation has already answered this survey."))
            response = SurveyResponse.objects.create(survey=survey, invitation=invitation,
                                                     organisation_id=invitation.organisation_id, **cleaned)
            invitation.answered_at = timezone.now()
            invitation.save(update_fields=["answered_at"])
    except IntegrityError:  # the same link answered twice at the same moment
        raise ValidationError(_("Your organisation has already answered this survey.")) from None
    return response


# --- results -------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """One response, as the results count it (plain values: summarise() needs no database)."""

    overall: int
    services: dict[str, int]
    recommend: int | None
    comment: str = ""
    organisation: int | None = None


@dataclass
class ServiceResult:
    code: str
    label: str
    mean: float | None
    ratings: int  # members who rated it (the others did not use it)


@dataclass
class Comment:
    text: str
    organisation: str | None  # None for readers who see anonymous results


@dataclass
class Results:
    invited: int
    answered: int
    response_rate: float | None
    overall_mean: float | None
    distribution: dict[int, int]  # rating 1..5 -> answers
    satisfied: float | None  # percent of answers rating 4 or 5
    services: list[ServiceResult]
    recommendations: int  # answers that said how likely they are to recommend
    promoters: float | None
    detractors: float | None
    nps: float | None  # percent of promoters (9-10) minus percent of detractors (0-6)
    comments: list[Comment] = field(default_factory=list)
    named: bool = False  # whether organisations are named (staff) or not (observers)
    answered_by: list[str] = field(default_factory=list)  # staff only
    not_answered: list[str] = field(default_factory=list)  # staff only: invited, no answer yet
    unreached: list[str] = field(default_factory=list)  # staff only: never mailed (no representative email)

    @property
    def bars(self) -> list[tuple[int, int, float]]:
        """(rating, answers, percent of the answers) from 5 down to 1, for the distribution's bars."""
        return [(r, self.distribution[r], round(100 * self.distribution[r] / self.answered, 1) if self.answered
                 else 0.0) for r in range(5, 0, -1)]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def summarise(answers: list[Answer], invited: set[int]) -> Results:
    """The figures of a survey from its answers and the organisations invited (as the KPI engine counts them: the
    response rate is the invited organisations that answered over those invited)."""
    count = len(answers)
    distribution = Counter(a.overall for a in answers)
    recommendations = [a.recommend for a in answers if a.recommend is not None]
    promoters = _percent(sum(1 for r in recommendations if r >= 9), len(recommendations))
    detractors = _percent(sum(1 for r in recommendations if r <= 6), len(recommendations))
    services = []
    for code, label in SERVICES.items():
        ratings = [a.services[code] for a in answers if code in a.services]
        services.append(ServiceResult(code=code, label=str(label), ratings=len(ratings),
                                      mean=round(sum(ratings) / len(ratings), 2) if ratings else None))
    nps = None
    if recommendations:
        nps = round(100 * (sum(1 for r in recommendations if r >= 9) - sum(1 for r in recommendations if r <= 6))
                    / len(recommendations), 1)
    return Results(
        invited=len(invited), answered=count,
        response_rate=_percent(len({a.organisation for a in answers if a.organisation in invited}), len(invited)),
        overall_mean=round(sum(a.overall for a in answers) / count, 2) if count else None,
        distribution={rating: distribution.get(rating, 0) for rating in range(1, 6)},
        satisfied=_percent(sum(1 for a in answers if a.overall >= 4), count),
        services=services, recommendations=len(recommendations), promoters=promoters, detractors=detractors, nps=nps)


def results(viewer: Viewer, survey: Survey) -> Results:
    """The survey's results for a reader: named for the cluster's staff, anonymous for observers."""
    if not can_read(viewer, survey.cluster):
        raise PermissionDenied
    named = can_manage(viewer, survey.cluster)
    responses = list(survey.responses.select_related("organisation").order_by("submitted_at", "pk"))
    invitations = list(survey.invitations.select_related("organisation").order_by("organisation__name"))
    invited = {i.organisation_id for i in invitations if i.sent_at is not None}
    summary = summarise([Answer(overall=r.overall, services={k: int(v) for k, v in (r.services or {}).items()},
                                recommend=r.recommend, comment=r.comment, organisation=r.organisation_id)
                         for r in responses], invited)
    summary.named = named
    summary.comments = [Comment(text=r.comment, organisation=(r.organisation.name if r.organisation else None)
                                if named else None) for r in responses if r.comment]
    if named:
        summary.answered_by = sorted((r.organisation.name for r in responses if r.organisation), key=str.casefold)
        summary.not_answered = [i.organisation.name for i in invitations
                                if i.sent_at is not None and i.answered_at is None]
        summary.unreached = [i.organisation.name for i in invitations if i.sent_at is None and i.answered_at is None]
    return summary
