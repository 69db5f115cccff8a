"""The data of the monitoring benchmarks (bench/annual_report.py, bench/dashboard.py): a cluster with N member
organisations and five years of activity, written with bulk_create, the same for the same seed.

`build(slug, members, last_year)` creates, for the five years up to `last_year`:
- N organisations with memberships: joined over the ten years before (a third of them in the five years), about
  one in eight lapsed or left since; plus partners abroad and a neighbouring cluster whose members share events
  and projects (the cluster-to-cluster collaborations);
- events every year (N / 50 of them; a few cancelled) with confirmed, waiting and cancelled registrations of the
  members of the day; two B2B brokerage days a year with participants, slots, tables, meetings (N / 10 a day) and
  follow-ups (a third planned, a tenth an agreement);
- own projects every year (N / 70: proposals, rejected, funded, running and closed) and public records of the
  members' projects (N / 50), with 3 to 10 partners each from the members, the neighbour and abroad;
- a satisfaction survey every year sent to the members of 1 November, a third of them answering;
- the figures staff enter (team, budget, media), targets for the last year and a silver label.
Nothing goes through save(): no signal fires, so no audit entry and no indexing task (they would measure the
import, not the report).

The helpers shared by the two benchmarks are here too: a scratch database migrated in a fresh process
(`setup_django`), the machine's description and the staff user.
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import sqlite3
from decimal import Decimal
from pathlib import Path

KINDS = (("sme", 0.38), ("startup", 0.14), ("large_enterprise", 0.08), ("university", 0.07),
         ("research_centre", 0.08), ("hospital", 0.07), ("public_body", 0.04), ("training_body", 0.03),
         ("patient_association", 0.04), ("foundation", 0.03), ("cluster_organisation", 0.01), ("other", 0.03))
HOME_SHARE = 0.86  # members from the cluster's own country
COUNTRIES = ("DE", "FR", "ES", "DK", "NL", "BE", "AT", "SE", "PT", "PL", "IE", "FI", "SI", "CZ", "GR", "CH")
EVENT_KINDS = ("workshop", "webinar", "conference", "needs_workshop", "study_tour")
PROGRAMMES = ("Horizon Europe", "Interreg Alpine Space", "Interreg Central Europe", "ERDF Emilia-Romagna",
              "EU4Health", "Digital Europe", "Erasmus+")
SLOTS_A_DAY = 16
TABLES = 30


def setup_django(database_url: str | None, var_dir: str) -> None:
    """Django on a scratch database (SQLite in `var_dir`, or the PostgreSQL database given), migrated."""
    os.environ["FILIERA_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return {"cpu": cpu, "nproc": len(os.sched_getaffinity(0)), "ram_gib": round(mem_kib / 1024 ** 2, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def describe(m: dict) -> str:
    return (f"{m['cpu']}, nproc {m['nproc']}, {m['ram_gib']} GiB RAM, Python {m['python']}, SQLite {m['sqlite']}, "
            f"PostgreSQL {m.get('postgresql') or '—'}")


def postgres_version() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def staff_user(slug: str):
    from filiera.core.models import Cluster, ClusterRole, User

    user, _ = User.objects.get_or_create(username=f"{slug}-staff")
    ClusterRole.objects.get_or_create(user=user, cluster=Cluster.objects.get(slug=slug),
                                      defaults={"role": ClusterRole.Role.STAFF})
    return user


def _aware(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _day_in(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def build(slug: str, members: int, last_year: int, seed: int = 6) -> dict[str, int]:
    """The cluster `slug` with `members` member organisations and the five years up to `last_year`; returns how many
    records of each kind were written."""
    from django.db import transaction

    from filiera.core.models import Cluster, ExcellenceLabel, ValueChain
    from filiera.directory.models import Membership, Organisation
    from filiera.events.models import (
        Event,
        FollowUp,
        Meeting,
        MeetingSeat,
        Participant,
        Registration,
        Slot,
        Table,
    )
    from filiera.monitoring.models import ManualFigure, Survey, SurveyInvitation, SurveyResponse, Target
    from filiera.projects.models import Partner, Project

    rng = random.Random(f"{seed}-{slug}")
    first_year = last_year - 4
    written: dict[str, int] = {}

    def bulk(model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=2000)
        written[model._meta.model_name] = written.get(model._meta.model_name, 0) + len(created)
        return created

    with transaction.atomic():
        cluster = Cluster.objects.create(slug=slug, name=f"{slug.title()} Health Cluster", short_name=slug.title(),
                                         country="IT", region="Emilia-Romagna", language="it")
        neighbour = Cluster.objects.create(slug=f"{slug}-neighbour", name=f"{slug.title()} Neighbour Cluster",
                                           country="AT", language="en")
        chains = bulk(ValueChain, [ValueChain(slug=f"{slug}-{name}", labels={"en": name.title()})
                                   for name in ("biomedical", "digital-health", "wellbeing")])
        cluster.value_chains.add(*chains)
        ExcellenceLabel.objects.create(cluster=cluster, level="silver", awarded_on=datetime.date(last_year - 2, 3, 1),
                                       valid_until=datetime.date(last_year + 2, 3, 1))

        # --- organisations and memberships ----------------------------------------------------------------------
        kinds, weights = zip(*KINDS, strict=True)
        foreign_count, neighbour_count = max(20, members // 6), max(10, members // 10)
        orgs = []
        for i in range(members + foreign_count + neighbour_count):
            kind = rng.choices(kinds, weights)[0]
            home = i < members and rng.random() < HOME_SHARE
            country = "IT" if home else ("AT" if i >= members + foreign_count else rng.choice(COUNTRIES))
            orgs.append(Organisation(slug=f"{slug}-org-{i}", name=f"{slug.title()} organisation {i}", kind=kind,
                                     country=country, is_sme=kind in ("sme", "startup"), language="it"))
        orgs = bulk(Organisation, orgs)
        member_orgs = orgs[:members]
        foreign = orgs[members:members + foreign_count]
        neighbours = orgs[members + foreign_count:]
        bulk(Organisation.value_chains.through, [
            Organisation.value_chains.through(organisation_id=org.pk, valuechain_id=chain.pk)
            for org in member_orgs for chain in rng.sample(chains, rng.choice((1, 1, 1, 2)))])

        memberships = []
        for org in member_orgs:
            joined = _day_in(rng, rng.choice(range(last_year - 9, last_year + 1)))
            ended = None
            if rng.random() < 0.13:
                ended = joined + datetime.timedelta(days=rng.randrange(200, 2500))
                ended = ended if ended.year <= last_year else None
            status = Membership.Status.ACTIVE if ended is None else rng.choice((Membership.Status.LAPSED,
                                                                                 Membership.Status.LEFT))
            memberships.append(Membership(organisation=org, cluster=cluster, status=status, joined_on=joined,
                                          ended_on=ended, applied_on=joined, fee_tier="medium"))
        applicants = rng.sample(foreign, min(10, len(foreign)))
        memberships += [Membership(organisation=org, cluster=cluster, status=Membership.Status.APPLICANT)
                        for org in applicants]
        memberships += [Membership(organisation=org, cluster=neighbour, status=Membership.Status.ACTIVE,
                                   joined_on=datetime.date(last_year - 8, 1, 1)) for org in neighbours]
        bulk(Membership, memberships)
        spans = [(m.organisation_id, m.joined_on, m.ended_on) for m in memberships[:members]]

        def members_on(day: datetime.date) -> list[int]:
            return [org for org, joined, ended in spans if joined <= day and (ended is None or ended > day)]

        # --- events, registrations, brokerage -------------------------------------------------------------------
        events_a_year = max(4, members // 50)
        event_rows, planned = [], []
        for year in range(first_year, last_year + 1):
            for k in range(events_a_year + 2):
                brokerage = k >= events_a_year
                day = _day_in(rng, year)
                kind = "brokerage" if brokerage else rng.choice(EVENT_KINDS)
                status = Event.Status.CANCELLED if not brokerage and rng.random() < 0.03 else Event.Status.PUBLISHED
                title = f"{kind.replace('_', ' ').capitalize()} {year}/{k}"
                event_rows.append(Event(cluster=cluster, slug=f"{year}-{k}", title=title, kind=kind, status=status,
                                        starts_at=_aware(day), ends_at=_aware(day, 17), city="Bologna",
                                        country="IT"))
                planned.append((day, brokerage))
        events = bulk(Event, event_rows)

        registration_rows, brokerage_days = [], []
        for event, (day, brokerage) in zip(events, planned, strict=True):
            present = members_on(day)
            size = min(len(present), rng.randrange(20, 81) if not brokerage else max(20, members // 8))
            attendees = rng.sample(present, size) + rng.sample([o.pk for o in neighbours], min(3, len(neighbours)))
            start = len(registration_rows)
            for n, org in enumerate(attendees):
                status = rng.choices(("confirmed", "waiting", "cancelled"), (0.88, 0.04, 0.08))[0]
                if brokerage:
                    status = "confirmed"
                registration_rows.append(Registration(event=event, organisation_id=org, name=f"Person {org}",
                                                      email=f"p{org}-{n}@{slug}.example", status=status))
            for n in range(rng.randrange(0, 6)):  # visitors without an organisation
                registration_rows.append(Registration(event=event, name=f"Visitor {n}",
                                                      email=f"v{n}@{slug}.example"))
            if brokerage:
                brokerage_days.append((event, day, start, start + len(attendees)))
        registrations = bulk(Registration, registration_rows)

        participants_of, slot_rows, table_rows = {}, [], []
        participant_rows = []
        for event, day, start, end in brokerage_days:
            for registration in registrations[start:end]:
                participant_rows.append(Participant(event=event, registration=registration,
                                                    organisation_id=registration.organisation_id))
            slot_rows += [Slot(event=event, session="Morning" if s < SLOTS_A_DAY // 2 else "Afternoon",
                               starts_at=_aware(day, 9 + s // 2, 30 * (s % 2)),
                               ends_at=_aware(day, 9 + s // 2, 30 * (s % 2)) + datetime.timedelta(minutes=25))
                          for s in range(SLOTS_A_DAY)]
            table_rows += [Table(event=event, name=f"T{t}") for t in range(TABLES)]
        participants = bulk(Participant, participant_rows)
        slots = bulk(Slot, slot_rows)
        tables = bulk(Table, table_rows)
        for participant in participants:
            participants_of.setdefault(participant.event_id, []).append(participant)

        meeting_rows, pairs = [], []
        for index, (event, _day, _start, _end) in enumerate(brokerage_days):
            people = participants_of[event.pk]
            wanted = max(10, members // 10)
            event_slots = slots[index * SLOTS_A_DAY:(index + 1) * SLOTS_A_DAY]
            event_tables = tables[index * TABLES:(index + 1) * TABLES]
            per_slot = min(TABLES, len(people) // 2, -(-wanted // SLOTS_A_DAY))
            for slot in event_slots:
                shuffled = rng.sample(people, 2 * per_slot)
                for t in range(per_slot):
                    meeting_rows.append(Meeting(event=event, slot=slot, table=event_tables[t]))
                    pairs.append((shuffled[2 * t], shuffled[2 * t + 1], slot))
        meetings = bulk(Meeting, meeting_rows)
        seat_rows, follow_up_rows = [], []
        for meeting, (a, b, slot) in zip(meetings, pairs, strict=True):
            seat_rows += [MeetingSeat(meeting=meeting, participant=a, slot=slot),
                          MeetingSeat(meeting=meeting, participant=b, slot=slot)]
            roll = rng.random()
            if roll < 0.45:
                outcome = "no_interest" if roll < 0.12 else ("agreement" if roll < 0.22 else "follow_up")
                follow_up_rows.append(FollowUp(meeting=meeting, participant=a, outcome=outcome))
        bulk(MeetingSeat, seat_rows)
        bulk(FollowUp, follow_up_rows)

        # --- projects ---------------------------------------------------------------------------------------------
        project_rows, partner_plans = [], []
        own_a_year, public_a_year = max(3, members // 70), max(2, members // 50)
        for year in range(first_year, last_year + 1):
            for k in range(own_a_year + public_a_year):
                own = k < own_a_year
                if own:
                    status = rng.choices(("idea", "proposal", "rejected", "funded", "running", "closed"),
                                         (0.08, 0.12, 0.35, 0.1, 0.25, 0.1))[0]
                else:
                    status = rng.choice(("running", "closed"))
                start = _day_in(rng, year)
                eu = Decimal(rng.randrange(150, 3000) * 1000)
                project_rows.append(Project(
                    cluster=cluster if own else None, ref=None if own else f"{slug}-pub-{year}-{k}",
                    acronym=f"{slug[:3].upper()}{year % 100}{k:02d}", title=f"Project {k} of {year}",
                    programme=rng.choice(PROGRAMMES), status=status, start_date=start,
                    end_date=start + datetime.timedelta(days=rng.choice((730, 1095, 1461))),
                    total_budget=eu * Decimal("1.3"), eu_contribution=eu))
                present = members_on(start) or [o.pk for o in member_orgs]
                team = rng.sample(present, min(len(present), rng.randrange(1, 5)))
                team += [o.pk for o in rng.sample(foreign, rng.randrange(1, 5))]
                team += [o.pk for o in rng.sample(neighbours, rng.randrange(0, 2))]
                partner_plans.append((team, eu))
        projects = bulk(Project, project_rows)
        partner_rows, chain_rows = [], []
        for project, (team, eu) in zip(projects, partner_plans, strict=True):
            share = (eu / len(team)).quantize(Decimal(1))
            partner_rows += [Partner(project=project, organisation_id=org, role="coordinator" if n == 0 else "partner",
                                     eu_contribution=share, budget=share) for n, org in enumerate(team)]
            chain_rows.append(Project.value_chains.through(project_id=project.pk, valuechain_id=rng.choice(chains).pk))
        bulk(Partner, partner_rows)
        bulk(Project.value_chains.through, chain_rows)

        # --- satisfaction surveys ---------------------------------------------------------------------------------
        invitation_rows, answered = [], []
        surveys = bulk(Survey, [Survey(cluster=cluster, title=f"Members' satisfaction {year}", year=year,
                                       status=Survey.Status.CLOSED, sent_at=_aware(datetime.date(year, 11, 1)))
                                for year in range(first_year, last_year + 1)])
        for survey in surveys:
            for org in members_on(datetime.date(survey.year, 11, 1)):
                invitation_rows.append(SurveyInvitation(survey=survey, organisation_id=org, sent_at=survey.sent_at,
                                                        token=f"{slug}-{survey.year}-{org}"))
        invitations = bulk(SurveyInvitation, invitation_rows)
        for invitation in invitations:
            if rng.random() < 0.33:
                answered.append(SurveyResponse(survey_id=invitation.survey_id, invitation=invitation,
                                               organisation_id=invitation.organisation_id,
                                               overall=rng.choices((1, 2, 3, 4, 5), (0.04, 0.08, 0.2, 0.43, 0.25))[0],
                                               recommend=rng.randrange(4, 11)))
        bulk(SurveyResponse, answered)

        # --- what staff enter -------------------------------------------------------------------------------------
        figures = []
        for year in range(first_year, last_year + 1):
            figures += [
                ManualFigure(cluster=cluster, indicator="staff_fte", year=year,
                             value=Decimal(f"{2 + (year - first_year) * 0.5}"), evidence=f"Payroll {year}"),
                ManualFigure(cluster=cluster, indicator="budget", year=year,
                             value=Decimal(rng.randrange(300, 600) * 1000), evidence=f"Approved accounts {year}"),
                ManualFigure(cluster=cluster, indicator="media_coverage", year=year, value=rng.randrange(10, 60),
                             evidence=f"Press review {year}"),
            ]
        bulk(ManualFigure, figures)
        goals = {"members": members, "members_joined": members // 10, "events": events_a_year,
                 "event_participants": events_a_year * 45, "meetings_held": members // 5, "projects_submitted":
                 own_a_year, "projects_funded": own_a_year // 3, "funding_total": 5_000_000, "satisfaction": 70,
                 "active_share": 60}
        bulk(Target, [Target(cluster=cluster, indicator=code, year=last_year, value=Decimal(value))
                      for code, value in goals.items()])
    return written
