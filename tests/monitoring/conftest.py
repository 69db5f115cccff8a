"""A cluster with a history whose indicators are counted by hand (see each fixture's comment), for 2025."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from filiera.directory.models import Membership, Organisation
from filiera.events.models import Event, FollowUp, Meeting, MeetingSeat, Participant, Registration, Slot, Table
from filiera.monitoring.models import Survey, SurveyInvitation, SurveyResponse
from filiera.projects.models import Partner, Project


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def member(cluster, slug, kind, joined, ended=None, status="active", country="IT", is_sme=False):
    org = Organisation.objects.create(slug=slug, name=slug.title(), kind=kind, country=country, is_sme=is_sme)
    Membership.objects.create(organisation=org, cluster=cluster, status=status, joined_on=joined, ended_on=ended)
    return org


@pytest.fixture
def history(cluster_a, cluster_b, org_a):
    """2025 in cluster_a, counted by hand:
    members on 31 Dec 2025: org_a (SME, 2021), hospital (2020), startup (SME, joined 2025) = 3; the university
    (2024 – Sep 2025) lapsed; an applicant never joined. Joined 1, lapsed 1. On 1 Jan 2025: org_a, hospital,
    university = 3, of whom 2 still members: retention 66.7 %. SME share 2 / 3 = 66.7 %.
    Events of 2025: one (2 confirmed registrations, org_a and a visitor; one cancelled); one in 2024.
    Meetings of 2025: one, org_a with the hospital, which org_a says ended in an agreement.
    Active in the 12 months to 31 Dec 2025: org_a and the hospital (event, meeting, running project) = 2: 66.7 %.
    Projects of 2025: alpha's running one (EUR 1,000,000; org_a 300,000, hospital 200,000, a German member of
    beta), alpha's rejected one (entered in 2025), a public record started in 2025 (org_a 100,000, a French
    partner): submitted 2, funded 1, success 50 %, funding 1,000,000, to members 600,000; international
    partners 2 in 2 countries; one other cluster (beta) shared a project.
    The 2025 satisfaction survey went to org_a, the hospital and the startup (3); org_a rated 5, the hospital 3:
    satisfied 1 / 2 = 50 %, score 4.0, response rate 2 / 3 = 66.7 %. A draft survey of 2025 (never sent) and an
    answer to the 2024 survey do not count in 2025."""
    hospital = member(cluster_a, "hospital", "hospital", datetime.date(2020, 1, 1))
    member(cluster_a, "university", "university", datetime.date(2024, 6, 1), datetime.date(2025, 9, 30), "lapsed")
    startup = member(cluster_a, "startup", "startup", datetime.date(2025, 2, 1), is_sme=True)
    member(cluster_a, "applicant", "sme", None, status="applicant")
    german = member(cluster_b, "berlin-med", "sme", datetime.date(2019, 1, 1), country="DE")
    french = Organisation.objects.create(slug="lyon-lab", name="Lyon Lab", kind="research_centre", country="FR")

    event = Event.objects.create(cluster=cluster_a, slug="fair-2025", title="Fair", kind=Event.Kind.BROKERAGE,
                                 status=Event.Status.PUBLISHED, starts_at=at(datetime.date(2025, 5, 10)),
                                 ends_at=at(datetime.date(2025, 5, 10), 17))
    registrations = [
        Registration.objects.create(event=event, name="A", email="a@example.org", organisation=org_a),
        Registration.objects.create(event=event, name="H", email="h@example.org", organisation=hospital,
                                    status=Registration.Status.CANCELLED),
        Registration.objects.create(event=event, name="V", email="v@example.org"),
    ]
    old = Event.objects.create(cluster=cluster_a, slug="fair-2024", title="Old fair", status=Event.Status.PUBLISHED,
                               starts_at=at(datetime.date(2024, 5, 10)), ends_at=at(datetime.date(2024, 5, 10), 17))
    Registration.objects.create(event=old, name="A", email="a@example.org", organisation=org_a)
    host = Registration.objects.create(event=event, name="H2", email="h2@example.org", organisation=hospital,
                                       status=Registration.Status.CANCELLED)
    a = Participant.objects.create(event=event, registration=registrations[0], organisation=org_a)
    h = Participant.objects.create(event=event, registration=host, organisation=hospital)
    slot = Slot.objects.create(event=event, session="Morning", starts_at=at(datetime.date(2025, 5, 10), 9),
                               ends_at=at(datetime.date(2025, 5, 10), 9) + datetime.timedelta(minutes=30))
    table = Table.objects.create(event=event, name="T1")
    meeting = Meeting.objects.create(event=event, slot=slot, table=table)
    for participant in (a, h):
        MeetingSeat.objects.create(meeting=meeting, participant=participant, slot=slot)
    FollowUp.objects.create(meeting=meeting, participant=a, outcome=FollowUp.Outcome.AGREEMENT)

    running = Project.objects.create(cluster=cluster_a, acronym="RUN", status="running", eu_contribution=Decimal(
        "1000000"), start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))
    Partner.objects.create(project=running, organisation=org_a, role="coordinator", eu_contribution=300000)
    Partner.objects.create(project=running, organisation=hospital, eu_contribution=200000)
    Partner.objects.create(project=running, organisation=german, eu_contribution=500000)
    rejected = Project.objects.create(cluster=cluster_a, acronym="NO", status="rejected")
    Project.objects.filter(pk=rejected.pk).update(created_at=at(datetime.date(2025, 3, 1)))
    Partner.objects.create(project=rejected, organisation=startup)
    public = Project.objects.create(ref="777", acronym="PUB", status="running", start_date=datetime.date(2025, 6, 1),
                                    eu_contribution=Decimal("900000"))
    Partner.objects.create(project=public, organisation=org_a, eu_contribution=100000)
    Partner.objects.create(project=public, organisation=french, eu_contribution=800000)

    survey = Survey.objects.create(cluster=cluster_a, title="Members 2025", year=2025, status=Survey.Status.CLOSED,
                                   sent_at=at(datetime.date(2025, 11, 1)))
    for org in (org_a, hospital, startup):
        SurveyInvitation.objects.create(survey=survey, organisation=org, token=f"t-{org.slug}",
                                        sent_at=at(datetime.date(2025, 11, 1)))
    for org, overall in ((org_a, 5), (hospital, 3)):
        invitation = SurveyInvitation.objects.get(survey=survey, organisation=org)
        SurveyResponse.objects.create(survey=survey, invitation=invitation, organisation=org, overall=overall)
    draft = Survey.objects.create(cluster=cluster_a, title="Draft", year=2025)
    SurveyInvitation.objects.create(survey=draft, organisation=german, token="t-draft")
    older = Survey.objects.create(cluster=cluster_a, title="Members 2024", year=2024, status=Survey.Status.CLOSED,
                                  sent_at=at(datetime.date(2024, 11, 1)))
    SurveyResponse.objects.create(survey=older, organisation=org_a, overall=2)
    return {"hospital": hospital, "startup": startup, "german": german}
