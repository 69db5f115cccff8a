"""Fixtures of the fuzzing tests: a small world in which every route of the API has something real to find (two
clusters, members and their people, an opportunity, a public event with a registration and a brokerage event, a
call with a partner search and an expression of interest, a project with partners and a work package, a survey,
an assessment and an improvement action, a challenge with needs, a theme and a solution), so that the generated
calls reach the code behind the 404s, not only the 404s."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from filiera.challenges.models import Challenge, Need, Solution, Theme
from filiera.core.access import viewer_for
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility
from filiera.events.models import Event, Registration, Slot, Table
from filiera.monitoring import assessments, excellence
from filiera.monitoring.models import ImprovementAction, Survey
from filiera.projects.models import (
    Call,
    CallNeed,
    Deliverable,
    ExpressionOfInterest,
    Partner,
    PartnerSearch,
    Project,
    WorkPackage,
)


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    """Messages in English whatever a previous request left active in this thread (tests read them)."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(cluster_a, cluster_b, org_a, org_b, member, staff, observer, outsider_member, opportunity_a, concept,
          value_chain):
    """The records of the world, by the API's path parameter names: {"event_id": [ids], ...}."""
    now = timezone.now()
    today = timezone.localdate()
    hospital = Organisation.objects.create(slug="policlinico", name="Policlinico di Sant'Orsola", kind="hospital",
                                           country="IT", city="Bologna", ref="999888777")
    Membership.objects.create(organisation=hospital, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))
    person = Person.objects.create(organisation=org_a, first_name="Anna", last_name="Neri", email="anna@example.org",
                                   consent_directory_at=now)

    event = Event.objects.create(cluster=cluster_a, slug="workshop", title="Telemonitoring workshop",
                                 status=Event.Status.PUBLISHED, starts_at=now + datetime.timedelta(days=10),
                                 ends_at=now + datetime.timedelta(days=10, hours=2), capacity=30)
    registration = Registration.objects.create(event=event, user=member, name="Member Rep",
                                               email="member@example.org", organisation_name=org_a.name)
    b2b = Event.objects.create(cluster=cluster_a, slug="b2b", title="B2B day", kind=Event.Kind.BROKERAGE,
                               status=Event.Status.PUBLISHED, starts_at=now + datetime.timedelta(days=30),
                               ends_at=now + datetime.timedelta(days=30, hours=8))
    for i in range(2):
        begin = b2b.starts_at + datetime.timedelta(minutes=20 * i)
        Slot.objects.create(event=b2b, session="Morning", starts_at=begin,
                            ends_at=begin + datetime.timedelta(minutes=20))
    Table.objects.create(event=b2b, name="Table 1")

    call = Call.objects.create(
        identifier="HORIZON-HLTH-2027-CARE-04", title="Telemonitoring of chronic patients in remote areas",
        programme="Horizon Europe", deadline=today + datetime.timedelta(days=60), min_partners=3, max_partners=6,
        min_countries=1, required_kinds={"sme": 1, "hospital": 1}, budget_min=Decimal("3000000"),
        budget_max=Decimal("5000000"), keywords="telemonitoring;chronic care")
    CallNeed.objects.create(call=call, concept=concept, weight=2)
    search_opportunity = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, author=member, type=Opportunity.Type.RD_PARTNER_SEARCH,
        title="Partners for remote care", summary="A hospital and a university", language="en",
        visibility=Visibility.PUBLIC)
    search = PartnerSearch.objects.create(opportunity=search_opportunity, call=call)
    interest = ExpressionOfInterest.objects.create(search=search, organisation=hospital, message="We are in")

    project = Project.objects.create(
        cluster=cluster_a, acronym="CARE4ALL", title="Care for all", programme="Horizon Europe", call=call,
        status=Project.Status.RUNNING, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31),
        total_budget=Decimal("4000000"), eu_contribution=Decimal("3500000"))
    partner = Partner.objects.create(project=project, organisation=org_a, role=Partner.Role.COORDINATOR,
                                     eu_contribution=Decimal("900000"))
    Partner.objects.create(project=project, organisation=hospital, role=Partner.Role.PARTNER)
    work_package = WorkPackage.objects.create(project=project, number=1, title="Coordination")
    Deliverable.objects.create(work_package=work_package, code="D1.1", title="Project handbook",
                               due_on=today + datetime.timedelta(days=5))

    survey = Survey.objects.create(cluster=cluster_a, title="Members 2026", year=2026, introduction="Five minutes.",
                                   created_by=staff)
    assessment = assessments.start_assessment(viewer_for(staff), cluster_a, year=2025, level="silver", user=staff)
    action = ImprovementAction.objects.create(cluster=cluster_a, assessment=assessment, area="strategy",
                                               title="Write the strategy down", owner="Manager",
                                               due_on=today + datetime.timedelta(days=90))

    challenge = Challenge.objects.create(
        cluster=cluster_a, owner=hospital, title="Fragile and chronic patients in remote areas",
        statement="How can fragile and chronic patients living in mountain villages be cared for at home?",
        language="en", stage=Challenge.Stage.NEEDS)
    needs = [Need.objects.create(challenge=challenge, text=text, language="en", actor="gp")
             for text in ("Heart failure patients need telemonitoring at home.",
                          "Elderly people living alone fall and nobody knows.")]
    theme = Theme.objects.create(challenge=challenge, label="Telemonitoring at home")
    theme.needs.add(needs[0])
    solution = Solution.objects.create(theme=theme, organisation=org_a, title="Wearable patch",
                                       description="Sensors on a patch send vital signs to the nurse.", author=member)
    return {
        "slug": [cluster_a.slug, cluster_b.slug],
        "organisation_id": [org_a.pk, hospital.pk, org_b.pk],
        "membership_id": list(Membership.objects.filter(cluster=cluster_a).values_list("pk", flat=True)),
        "person_id": [person.pk, *Person.objects.filter(organisation=org_a).values_list("pk", flat=True)],
        "opportunity_id": [opportunity_a.pk, search_opportunity.pk],
        "event_id": [event.pk, b2b.pk],
        "registration_id": [registration.pk],
        "call_id": [call.pk],
        "search_id": [search.pk],
        "interest_id": [interest.pk],
        "project_id": [project.pk],
        "partner_id": [partner.pk],
        "work_package_id": [work_package.pk],
        "survey_id": [survey.pk],
        "assessment_id": [assessment.pk],
        "action_id": [action.pk],
        "challenge_id": [challenge.pk],
        "need_id": [need.pk for need in needs],
        "theme_id": [theme.pk],
        "solution_id": [solution.pk],
        "object_id": [org_a.pk, opportunity_a.pk],
        "ref_or_slug": [org_a.slug, hospital.ref],
        "year": [today.year],
        "network_slug": ["alpha-net", "beta-net"],
        "value_chain_slug": [value_chain.slug],
        "concept_slug": [concept.slug],
        "kind": ["organisation", "opportunity"],
        "decision": ["accept", "decline"],
        "code": [criterion.code for criterion in excellence.CATALOGUE[:3]],
    }
