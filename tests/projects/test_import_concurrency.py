"""The project imports under concurrent transactions (PostgreSQL only): participations files, CORDIS exports and an
organisation import running at the same moment, and two imports of the call topics. Imports take turns (see
filiera.core.locks), so the second plans against what the first wrote: nothing is created twice, nothing is
half-written, and no file is refused or crashes because another import was running."""

from __future__ import annotations

import json

import pytest

from filiera.core.access import viewer_for
from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry
from filiera.directory.importing import import_organisations
from filiera.directory.models import Organisation
from filiera.projects.importing import import_call_topics, import_cordis, import_participations
from filiera.projects.models import Call, Partner, Project
from tests.projects.test_importing import (
    CORDIS,
    OTHER_TOPIC,
    PARTICIPATION_COLUMNS,
    PARTICIPATIONS,
    TOPIC,
    csv_text,
    needs_cordis,
)
from tests.racing import needs_postgresql, race

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    needs_postgresql()


def participations(rows) -> bytes:
    return csv_text([list(PARTICIPATION_COLUMNS), *rows]).encode()


def quietly(call, *args, **options):
    with acting_as(None, label="import"):
        return call(*args, **options)


# Two files naming the same project and the same new organisations (placeholders), each with one of its own.
SHARED = [row[:8] for row in PARTICIPATIONS[:3]]
FIRST = [[*SHARED[0], "800000001", "coordinator", "1000"], [*SHARED[0], "800000002", "participant", "2000"],
         ["P-A", "ACARE", "Care in A", "Horizon Europe", "2024-01-01", "2026-12-31", "10", "10", "800000003",
          "coordinator", "10"]]
SECOND = [[*SHARED[0], "800000001", "coordinator", "1000"], [*SHARED[0], "800000002", "participant", "2000"],
          ["P-B", "BCARE", "Care in B", "Horizon Europe", "2024-01-01", "2026-12-31", "10", "10", "800000004",
           "coordinator", "10"]]


def test_two_participations_imports_at_once_create_each_project_partner_and_placeholder_once():
    reports = race(lambda: quietly(import_participations, participations(FIRST), "first.csv", create_missing=True),
                   lambda: quietly(import_participations, participations(SECOND), "second.csv", create_missing=True))
    for report in reports:
        assert not isinstance(report, Exception), reports
        assert report.applied and not report.errors, [str(p) for p in report.errors]
    assert sorted(r.placeholders_created for r in reports) == [1, 3]
    assert sorted(r.projects_created for r in reports) == [1, 2]
    assert set(Project.objects.values_list("ref", flat=True)) == {"P-OLD", "P-A", "P-B"}
    assert Organisation.objects.filter(ref__startswith="80000000").count() == 4
    assert Partner.objects.filter(project__ref="P-OLD").count() == 2
    assert AuditEntry.objects.filter(model="projects.project", action="create").count() == 3


def test_an_organisation_import_and_a_participations_import_at_once_share_the_new_organisations(admin):
    refs = [str(800_001_000 + n) for n in range(200)]
    organisations = "\n".join(["ref,name,country,city", *[f"{ref},Company {ref},IT,Milano" for ref in refs]]).encode()
    project = ["P-BIG", "BIGCARE", "Care at scale", "Horizon Europe", "2024-01-01", "2026-12-31", "10", "10"]
    rows = [[*project, ref, "coordinator" if n == 0 else "participant", "10"] for n, ref in enumerate(refs)]
    reports = race(lambda: quietly(import_organisations, viewer_for(admin), organisations, "orgs.csv"),
                   lambda: quietly(import_participations, participations(rows), "big.csv", create_missing=True))
    for report in reports:
        assert not isinstance(report, Exception), reports
        assert report.applied and not report.errors, [str(p) for p in report.errors]
    # One organisation for each PIC, whichever import went first; the project's partners point at them.
    assert Organisation.objects.filter(ref__in=refs).count() == 200
    assert Partner.objects.filter(project__ref="P-BIG", organisation__ref__in=refs).count() == 200


@needs_cordis
def test_the_same_cordis_export_imported_twice_at_once_is_written_once():
    projects, organisations = (CORDIS / "project.json").read_bytes(), (CORDIS / "organization.json").read_bytes()
    reports = race(*[lambda: quietly(import_cordis, projects, "project.json", organisations, "organization.json")
                     for _ in range(2)])
    for report in reports:
        assert not isinstance(report, Exception), reports
        assert report.applied and not report.errors, [str(p) for p in report.errors]
    assert sorted(r.projects_created for r in reports) == [0, 26]
    assert sorted(r.organisations_created for r in reports) == [0, 765]
    assert (Project.objects.count(), Partner.objects.count(), Organisation.objects.count()) == (26, 1075, 765)


def test_two_call_topic_imports_at_once_create_each_call_once():
    data = "\n".join(json.dumps(topic) for topic in (TOPIC, OTHER_TOPIC)).encode()
    reports = race(*[lambda: quietly(import_call_topics, data, "topics.jsonl") for _ in range(3)])
    for report in reports:
        assert not isinstance(report, Exception), reports
        assert report.applied and not report.errors, [str(p) for p in report.errors]
    assert sorted(r.calls_created for r in reports) == [0, 0, 2]
    assert Call.objects.count() == 2
    assert AuditEntry.objects.filter(model="projects.call", action="create").count() == 2
