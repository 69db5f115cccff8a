"""Fixtures of the project tests: a call with rules and needs, a project of cluster_a's portfolio with partners, work
packages and a deliverable, and a public record (imported) in which cluster_a's member takes part."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from filiera.directory.models import Membership, Organisation
from filiera.projects.models import Call, CallNeed, Deliverable, Partner, Project, WorkPackage


@pytest.fixture(autouse=True)
def _english():
    """Messages in English whatever a previous test's request left active in this thread."""
    with translation.override("en"):
        yield


@pytest.fixture
def hospital_a(cluster_a):
    org = Organisation.objects.create(slug="policlinico", name="Policlinico di Sant'Orsola", kind="hospital",
                                      country="IT", city="Bologna")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))
    return org


@pytest.fixture
def university_a(cluster_a):
    org = Organisation.objects.create(slug="unibo", name="Università di Bologna", kind="university", country="IT",
                                      city="Bologna")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2019, 1, 1))
    return org


@pytest.fixture
def call(db, concept):
    call = Call.objects.create(
        identifier="HORIZON-HLTH-2027-CARE-04", title="Telemonitoring of chronic patients in remote areas",
        programme="Horizon Europe", deadline=datetime.date.today() + datetime.timedelta(days=60),
        min_partners=3, max_partners=6, min_countries=1, required_kinds={"sme": 1, "hospital": 1},
        budget_min=Decimal("3000000"), budget_max=Decimal("5000000"), keywords="telemonitoring;chronic care")
    CallNeed.objects.create(call=call, concept=concept, weight=2)
    return call


@pytest.fixture
def project_a(cluster_a, org_a, hospital_a, call):
    project = Project.objects.create(
        cluster=cluster_a, acronym="CARE4ALL", title="Care for all", programme="Horizon Europe", call=call,
        status=Project.Status.RUNNING, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31),
        total_budget=Decimal("4000000"), eu_contribution=Decimal("3500000"))
    Partner.objects.create(project=project, organisation=org_a, role=Partner.Role.COORDINATOR,
                           eu_contribution=Decimal("900000"))
    Partner.objects.create(project=project, organisation=hospital_a, role=Partner.Role.PARTNER,
                           eu_contribution=Decimal("600000"))
    wp = WorkPackage.objects.create(project=project, number=1, title="Coordination")
    Deliverable.objects.create(work_package=wp, code="D1.1", title="Project handbook",
                               due_on=datetime.date.today() + datetime.timedelta(days=5))
    return project


@pytest.fixture
def public_record(org_a, org_b):
    """A project imported from CORDIS: cluster_a's member org_a and cluster_b's org_b take part."""
    project = Project.objects.create(
        ref="101057", acronym="REMOTE", title="Remote care", programme="H2020", status=Project.Status.CLOSED,
        source=Project.Source.CORDIS, start_date=datetime.date(2018, 3, 1), end_date=datetime.date(2021, 2, 28),
        total_budget=Decimal("2521964"), eu_contribution=Decimal("1929500"))
    Partner.objects.create(project=project, organisation=org_a, role=Partner.Role.PARTNER,
                           eu_contribution=Decimal("250000"))
    Partner.objects.create(project=project, organisation=org_b, role=Partner.Role.COORDINATOR,
                           eu_contribution=Decimal("400000"))
    return project
