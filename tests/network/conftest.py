"""The collaboration network of cluster_a, counted by hand (the `ties` fixture), for the services, pages and API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from filiera.directory.models import Membership, Organisation
from filiera.events.models import Event, FollowUp, Meeting, MeetingSeat, Participant, Registration, Slot, Table
from filiera.projects.models import Partner, Project

TODAY = datetime.date(2026, 12, 6)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def organisation(slug: str, kind: str, country: str = "IT") -> Organisation:
    return Organisation.objects.create(slug=slug, name=slug.title(), kind=kind, country=country)


@pytest.fixture
def ties(cluster_a, cluster_b, org_a, org_b):
    """cluster_a: org_a (SME, member since 2021) and a hospital (since 2020) tied by
    - a project started 2025-03-01 with a French lab (3 organisations: each pair 1 / 2, times 2 for a project = 1.0),
    - a fair on 2025-05-10 (org_a, the hospital and a visitor without organisation: the pair 1 / 1 × 0.5 = 0.5),
    - a B2B meeting at the fair (1) that ended in an agreement (3): the pair org_a–hospital weighs 5.5;
    a university that was a member 2019–2023 and tied to nobody; a cancelled event and a meeting still to come
    count for nothing. cluster_b's member org_b attends an event of beta with the hospital (a member of both)."""
    hospital = organisation("hospital", "hospital")
    Membership.objects.create(organisation=hospital, cluster=cluster_a, status="active",
                              joined_on=datetime.date(2020, 1, 1))
    Membership.objects.create(organisation=hospital, cluster=cluster_b, status="active",
                              joined_on=datetime.date(2022, 1, 1))
    university = organisation("university", "university")
    Membership.objects.create(organisation=university, cluster=cluster_a, status="left",
                              joined_on=datetime.date(2019, 1, 1), ended_on=datetime.date(2023, 6, 30))
    french = organisation("lyon-lab", "research_centre", country="FR")
    project = Project.objects.create(cluster=cluster_a, acronym="RUN", status="running",
                                     start_date=datetime.date(2025, 3, 1), eu_contribution=Decimal("900000"))
    for org in (org_a, hospital, french):
        Partner.objects.create(project=project, organisation=org)

    fair = Event.objects.create(cluster=cluster_a, slug="fair", title="Fair", kind=Event.Kind.BROKERAGE,
                                status=Event.Status.PUBLISHED, starts_at=at(datetime.date(2025, 5, 10)),
                                ends_at=at(datetime.date(2025, 5, 10), 17))
    a = Registration.objects.create(event=fair, name="A", email="a@example.org", organisation=org_a)
    h = Registration.objects.create(event=fair, name="H", email="h@example.org", organisation=hospital)
    Registration.objects.create(event=fair, name="V", email="v@example.org")
    pa = Participant.objects.create(event=fair, registration=a, organisation=org_a)
    ph = Participant.objects.create(event=fair, registration=h, organisation=hospital)
    table = Table.objects.create(event=fair, name="T1")
    for day, outcome in ((datetime.date(2025, 5, 10), FollowUp.Outcome.AGREEMENT), (TODAY.replace(year=2027), None)):
        slot = Slot.objects.create(event=fair, session=str(day), starts_at=at(day, 9), ends_at=at(day, 10))
        meeting = Meeting.objects.create(event=fair, slot=slot, table=table)
        for participant in (pa, ph):
            MeetingSeat.objects.create(meeting=meeting, participant=participant, slot=slot)
        if outcome:
            FollowUp.objects.create(meeting=meeting, participant=pa, outcome=outcome)
    cancelled = Event.objects.create(cluster=cluster_a, slug="off", title="Off", status=Event.Status.CANCELLED,
                                     starts_at=at(datetime.date(2025, 6, 1)), ends_at=at(datetime.date(2025, 6, 1), 12))
    Registration.objects.create(event=cancelled, name="U", email="u@example.org", organisation=university)
    Registration.objects.create(event=cancelled, name="A", email="a@example.org", organisation=org_a)

    beta_day = Event.objects.create(cluster=cluster_b, slug="dag", title="Dag", status=Event.Status.PUBLISHED,
                                    starts_at=at(datetime.date(2025, 9, 1)), ends_at=at(datetime.date(2025, 9, 1), 12))
    Registration.objects.create(event=beta_day, name="B", email="b@example.org", organisation=org_b)
    Registration.objects.create(event=beta_day, name="H", email="h@example.org", organisation=hospital)
    return {"hospital": hospital, "university": university, "french": french}
