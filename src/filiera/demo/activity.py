"""The demo's past activity, so that monitoring has five years to show (data/monitoring.json): for a few clusters,
events of each past year with members registered, one B2B brokerage a year with meetings and what came of them,
past project proposals (funded or not) with members and partners abroad, a satisfaction survey each past year,
targets, figures entered by staff with their evidence, improvement actions, and last year's excellence
self-assessment of Clust-ER Health, completed.

Everything is drawn from a seeded random generator over the members the cluster had on each day, so the demo is the
same for the same day. Registrations, meetings and answers are written in bulk (like the back-dated creation dates of
the loader): they are history, not changes anyone made.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from filiera.core.models import Cluster
from filiera.demo.generator import SEED, load
from filiera.directory.models import Membership, Person
from filiera.events.models import Event, FollowUp, Meeting, MeetingSeat, Participant, Registration, Slot, Table
from filiera.monitoring import surveys
from filiera.monitoring.models import ImprovementAction, ManualFigure, Survey, SurveyInvitation, SurveyResponse, Target
from filiera.projects.models import Partner, Project

YEARS = 5
EVENT_MONTHS = (2, 4, 6, 9, 11, 12)
SLOTS, TABLES = 8, 8


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class _Cluster:
    """A cluster's members over time, one contact per member organisation, and how engaged each member is: a few
    members come to almost everything, many rarely."""

    def __init__(self, cluster: Cluster, rng: random.Random):
        self.cluster = cluster
        self.rng = rng
        self.memberships = list(Membership.objects.filter(cluster=cluster, joined_on__isnull=False)
                                .select_related("organisation").order_by("organisation__slug"))
        self.contacts: dict[int, tuple[str, str]] = {}
        for person in Person.objects.filter(organisation__in=[m.organisation_id for m in self.memberships]) \
                .exclude(email="").order_by("organisation_id", "-is_representative", "last_name"):
            self.contacts.setdefault(person.organisation_id, (f"{person.first_name} {person.last_name}",
                                                              person.email))

        self.engagement = {m.organisation_id: 0.03 + rng.random() ** 3 for m in self.memberships}

    def attending(self, day: datetime.date, count: int) -> list:
        """`count` members of the day, drawn without replacement in proportion to their engagement."""
        members = self.members_on(day)
        keyed = sorted(members, key=lambda o: self.rng.random() ** (1 / self.engagement[o.pk]), reverse=True)
        return keyed[:count]

    def members_on(self, day: datetime.date) -> list:
        return [m.organisation for m in self.memberships
                if m.joined_on <= day and (m.ended_on is None or m.ended_on > day)]

    def registration(self, event: Event, organisation) -> Registration:
        name, email = self.contacts.get(organisation.pk, (organisation.name, f"info@{organisation.slug}.example"))
        return Registration(event=event, organisation=organisation, organisation_name=organisation.name, name=name,
                            email=email, language=self.cluster.language)


def _events(place: _Cluster, spec: dict, titles: list, year: int, today: datetime.date, rng: random.Random) -> None:
    cluster = place.cluster
    for index in range(spec["events_per_year"] + spec["growth"] * (year - today.year + YEARS) // 2):
        kind, title = titles[index % len(titles)]
        day = datetime.date(year, EVENT_MONTHS[index % len(EVENT_MONTHS)], 8 + 3 * (index // len(EVENT_MONTHS)))
        if day >= today:
            continue
        attending = place.attending(day, rng.randint(*spec["attendance"]))
        if not attending:
            continue
        event = Event.objects.create(
            cluster=cluster, slug=f"{kind.replace('_', '-')}-{year}-{index + 1}", kind=kind, title=f"{title} {year}",
            status=Event.Status.PUBLISHED, audience=Event.Audience.MEMBERS, starts_at=_at(day, 10),
            ends_at=_at(day, 13), city=cluster.region, country=cluster.country, languages=[cluster.language])
        Registration.objects.bulk_create([place.registration(event, o) for o in attending])


def _brokerage(place: _Cluster, spec: dict, title: str, year: int, today: datetime.date,
               rng: random.Random) -> None:
    """A morning of one-to-one meetings: each participant meets others in free slots at free tables; afterwards
    some say a follow-up is planned and a few that an agreement was signed."""
    day = datetime.date(year, 10, 15)
    members = place.members_on(day)
    if day >= today or len(members) < 4:
        return
    cluster = place.cluster
    event = Event.objects.create(
        cluster=cluster, slug=f"brokerage-{year}", kind=Event.Kind.BROKERAGE, title=f"{title} {year}",
        status=Event.Status.PUBLISHED, audience=Event.Audience.MEMBERS, starts_at=_at(day, 9),
        ends_at=_at(day, 13), city=cluster.region, country=cluster.country, languages=[cluster.language])
    attending = place.attending(day, spec["meetings"] // 2 + 6)
    registrations = Registration.objects.bulk_create([place.registration(event, o) for o in attending])
    participants = Participant.objects.bulk_create([Participant(event=event, registration=r,
                                                                organisation=r.organisation)
                                                    for r in registrations])
    slots = Slot.objects.bulk_create([Slot(event=event, session="Morning", starts_at=_at(day, 9, 30) + i * datetime.
                                           timedelta(minutes=30), ends_at=_at(day, 10) + i * datetime.timedelta(
                                               minutes=30)) for i in range(SLOTS)])
    tables = Table.objects.bulk_create([Table(event=event, name=f"T{i + 1}") for i in range(TABLES)])
    busy: set[tuple[int, int]] = set()  # (participant index, slot index)
    planned = []
    pairs = [(a, b) for a in range(len(participants)) for b in range(a + 1, len(participants))]
    rng.shuffle(pairs)
    for a, b in pairs:
        if len(planned) == spec["meetings"]:
            break
        for s in range(SLOTS):
            at_slot = sum(1 for _, _, slot in planned if slot == s)
            if (a, s) not in busy and (b, s) not in busy and at_slot < TABLES:
                planned.append((a, b, s))
                busy |= {(a, s), (b, s)}
                break
    table_of: dict[int, int] = {}
    meetings = []
    for _a, _b, s in planned:
        table_of[s] = table_of.get(s, -1) + 1
        meetings.append(Meeting(event=event, slot=slots[s], table=tables[table_of[s]]))
    meetings = Meeting.objects.bulk_create(meetings)
    seats, follow_ups = [], []
    for meeting, (a, b, s) in zip(meetings, planned, strict=True):
        seats += [MeetingSeat(meeting=meeting, participant=participants[i], slot=slots[s]) for i in (a, b)]
        draw = rng.random()
        outcome = (FollowUp.Outcome.AGREEMENT if draw < 0.1 else FollowUp.Outcome.FOLLOW_UP if draw < 0.55
                   else FollowUp.Outcome.NO_INTEREST if draw < 0.8 else None)
        if outcome:
            follow_ups.append(FollowUp(meeting=meeting, participant=participants[a], outcome=outcome))
    MeetingSeat.objects.bulk_create(seats)
    FollowUp.objects.bulk_create(follow_ups)


def _past_projects(clusters: dict[str, Cluster], spec: dict, today: datetime.date, rng: random.Random) -> None:
    """A cluster's past proposals, spread over the years before this one: the most engaged members as partners
    (the first one coordinates) and one or two members of the partner cluster abroad. A funded project runs from its
    start date for its months, so it is closed once that is past."""
    for slug, data in ((k, v) for k, v in spec.items() if not k.startswith("_")):
        home, abroad = _Cluster(clusters[slug], rng), _Cluster(clusters[data["abroad"]], rng)
        for index, (acronym, title, programme, months, eu, outcome) in enumerate(data["projects"]):
            year = today.year - YEARS + index * YEARS // len(data["projects"])
            start = datetime.date(year, 3 + 2 * (index % 4), 1)
            end = start + datetime.timedelta(days=round(months * 30.44))
            status = (Project.Status.REJECTED if outcome == "rejected" else
                      Project.Status.CLOSED if end < today else Project.Status.RUNNING)
            project = Project.objects.create(
                cluster=home.cluster, acronym=acronym, title=title, programme=programme, status=status,
                start_date=start, end_date=end, total_budget=Decimal(round(eu * 1.25)), eu_contribution=Decimal(eu))
            partners = home.attending(start, rng.randint(3, 5)) + abroad.attending(start, rng.randint(1, 2))
            share = Decimal(eu) / len(partners) if outcome == "funded" else None
            Partner.objects.bulk_create([
                Partner(project=project, organisation=organisation, role="coordinator" if i == 0 else "partner",
                        eu_contribution=round(share, 2) if share else None)
                for i, organisation in enumerate(partners)])


def _survey(place: _Cluster, year: int, comments: list[str], rng: random.Random) -> None:
    """The members' satisfaction survey of a past year: sent in November to the members then, about 60 % answer."""
    sent = datetime.date(year, 11, 20)
    members = place.members_on(sent)
    if not members:
        return
    survey = Survey.objects.create(cluster=place.cluster, title=f"Members' satisfaction {year}", year=year,
                                   status=Survey.Status.CLOSED, closes_on=datetime.date(year, 12, 15),
                                   sent_at=_at(sent, 9))
    invitations = SurveyInvitation.objects.bulk_create([
        SurveyInvitation(survey=survey, organisation=o, token=f"demo-{place.cluster.pk}-{year}-{o.pk}-"
                         f"{rng.getrandbits(64):016x}", sent_at=_at(sent, 9)) for o in members])
    responses = []
    for invitation in invitations:
        if rng.random() < 0.6:
            overall = rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 10, 22, 14))[0]
            services = {s: max(1, min(5, overall + rng.choice((-1, 0, 0, 1)))) for s in surveys.SERVICES
                        if rng.random() < 0.7}
            responses.append(SurveyResponse(survey=survey, invitation=invitation, organisation=invitation.organisation,
                                            overall=overall, services=services,
                                            recommend=max(0, min(10, 2 * overall + rng.choice((-1, 0, 0, 1)))),
                                            comment=rng.choice(comments) if rng.random() < 0.08 else ""))
            invitation.answered_at = _at(sent + datetime.timedelta(days=rng.randint(1, 20)), 11)
    SurveyResponse.objects.bulk_create(responses)
    SurveyInvitation.objects.bulk_update(invitations, ["answered_at"])


def _assessment(clusters: dict[str, Cluster], spec: dict, today: datetime.date) -> None:
    """Last year's self-assessment, answered by the cluster's manager with evidence links and completed, through
    the assessment's own use cases."""
    from filiera.core.access import viewer_for
    from filiera.core.models import ClusterRole
    from filiera.monitoring import assessments

    cluster = clusters[spec["cluster"]]
    manager = ClusterRole.objects.filter(cluster=cluster, role=ClusterRole.Role.MANAGER).order_by("pk").first().user
    viewer = viewer_for(manager)
    assessment = assessments.start_assessment(viewer, cluster, year=today.year - 1, level=spec["level"])
    for code, (answer, title, url) in spec["answers"].items():
        if isinstance(answer, bool):
            assessments.answer_criterion(viewer, assessment, code, met=answer)
        else:
            assessments.answer_criterion(viewer, assessment, code, value=Decimal(str(answer)))
        assessments.add_evidence(viewer, assessment, code, title=title, url=url)
    assessments.complete(viewer, assessment, today)


def load_activity(clusters: dict[str, Cluster], today: datetime.date) -> None:
    data = load("monitoring.json")
    rng = random.Random(SEED)
    for slug, spec in data["activity"].items():
        place = _Cluster(clusters[slug], rng)
        language = place.cluster.language if place.cluster.language in data["event_titles"] else "en"
        for year in range(today.year - YEARS, today.year + 1):  # the last full year shows five years
            _events(place, spec, data["event_titles"][language], year, today, rng)
            _brokerage(place, spec, data["brokerage_titles"][language], year, today, rng)
            if year < today.year:
                _survey(place, year, data["survey_comments"][language], rng)
    _past_projects(clusters, data["past_projects"], today, rng)
    for slug, targets in data["targets"].items():
        for year in (today.year - 1, today.year):
            for indicator, value in targets.items():
                Target.objects.create(cluster=clusters[slug], indicator=indicator, year=year, value=Decimal(str(value)))
    for slug, figures in data["figures"].items():
        for year in (today.year - 1, today.year):
            for indicator, (value, evidence) in figures.items():
                ManualFigure.objects.create(cluster=clusters[slug], indicator=indicator, year=year,
                                            value=Decimal(str(value)), evidence=evidence)
    for slug, actions in data["actions"].items():
        for area, title, owner, due_in_days, status in actions:
            due = today + datetime.timedelta(days=due_in_days)
            ImprovementAction.objects.create(cluster=clusters[slug], area=area, title=title, owner=owner, due_on=due,
                                             status=status, done_on=due if status == "done" else None)
    _assessment(clusters, data["assessment"], today)
