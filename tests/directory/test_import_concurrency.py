"""The organisation import under concurrent transactions (PostgreSQL only): two imports of overlapping files at the
same moment, and an import while a member edits one of its organisations.

What is right: imports take turns, so the second plans against what the first wrote (no duplicate, no refused
file, no half-written row); an import locks the organisations it updates from the moment it reads them, so a member's
edit made meanwhile waits and lands after it, on top of the import's values, and the audit log tells each change
from the value it really replaced. Nobody's edit is lost silently."""

from __future__ import annotations

import threading

import pytest
from django.db.models.signals import pre_save

from filiera.core.access import viewer_for
from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry
from filiera.directory.importing import import_organisations
from filiera.directory.models import Membership, Organisation
from filiera.directory.services import update_organisation
from tests.racing import needs_postgresql, race

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    needs_postgresql()


def organisations_file(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["ref,name,country,city"] + [f"{ref},{name},IT,{city}" for ref, name, city in rows]
    return "\n".join(lines).encode()


def imported(viewer, data: bytes, **options):
    with acting_as(None, label="import"):
        return import_organisations(viewer, data, "organisations.csv", **options)


def test_two_imports_of_overlapping_files_at_once_create_each_organisation_once(admin, cluster_a, cluster_b):
    first = organisations_file([(f"PIC{n:03}", f"Company {n}", "Bologna") for n in range(0, 30)]
                               + [("A-1", "Acme Health", "Modena")])
    second = organisations_file([(f"PIC{n:03}", f"Company {n}", "Bologna") for n in range(15, 45)]
                                + [("B-1", "Acme Health", "Parma")])  # another Acme: the same address name wanted
    viewer = viewer_for(admin)
    reports = race(lambda: imported(viewer, first, cluster=cluster_a),
                   lambda: imported(viewer, second, cluster=cluster_b))
    for report in reports:
        assert not isinstance(report, Exception), reports
        assert report.applied and not report.errors, [str(p) for p in report.errors]
    # Whichever went second found the shared organisations already there and left them as they were.
    assert sorted((r.to_create, r.unchanged) for r in reports) in ([(16, 15), (31, 0)], [(16, 15), (31, 0)][::-1])
    assert Organisation.objects.count() == 47
    assert Organisation.objects.filter(name="Acme Health").count() == 2
    assert len(set(Organisation.objects.values_list("slug", flat=True))) == 47
    shared = Organisation.objects.filter(ref__in=[f"PIC{n:03}" for n in range(15, 30)])
    assert Membership.objects.filter(organisation__in=shared, cluster=cluster_a, status="active").count() == 15
    assert Membership.objects.filter(organisation__in=shared, cluster=cluster_b, status="active").count() == 15
    creates = AuditEntry.objects.filter(model="directory.organisation", action="create")
    assert creates.count() == 47  # one creation each: nothing written twice, nothing rolled back half-way


def test_an_import_overlapping_a_running_one_is_never_refused_nor_doubled(admin):
    data = organisations_file([(f"PIC{n:03}", f"Company {n}", "Bologna") for n in range(40)])
    viewer = viewer_for(admin)
    reports = race(*[lambda: imported(viewer, data) for _ in range(3)])
    assert all(r.applied and not r.errors for r in reports), [[str(p) for p in r.errors] for r in reports]
    assert sorted(r.to_create for r in reports) == [0, 0, 40]
    assert Organisation.objects.count() == 40


def test_a_members_edit_during_an_import_is_kept_and_so_is_the_imports(admin, member, org_a):
    org_a.ref, org_a.city = "PIC-A", "Roma"
    org_a.save()
    data = organisations_file([("PIC-A", "Alpha Renamed By Import", "Milano")])
    at_apply, member_done, importing = threading.Event(), threading.Event(), threading.local()

    def pause_at_apply(sender, instance, **kwargs):
        # The import has read the organisation and is about to write it: let the member edit now.
        if getattr(importing, "now", False) and instance.pk == org_a.pk and not at_apply.is_set():
            at_apply.set()
            member_done.wait(3)  # with the import holding the row, the member waits for it instead

    def run_import():
        importing.now = True
        return imported(viewer_for(admin), data)

    def members_edit():
        at_apply.wait(10)
        try:
            with acting_as(member):
                # As the API's PATCH does: only the field the member changed.
                return update_organisation(viewer_for(member), Organisation.objects.get(pk=org_a.pk),
                                           {"city": "Torino"})
        finally:
            member_done.set()

    pre_save.connect(pause_at_apply, sender=Organisation, dispatch_uid="pause-import")
    try:
        report, edited = race(run_import, members_edit)
    finally:
        pre_save.disconnect(sender=Organisation, dispatch_uid="pause-import")
    assert report.applied and not report.errors, report
    assert not isinstance(edited, Exception), edited
    org_a.refresh_from_db()
    # Each kept what it changed: the import's name and the member's city, the member's edit coming last.
    assert (org_a.name, org_a.city) == ("Alpha Renamed By Import", "Torino")
    # And the audit log tells every change from the value it really replaced.
    history = AuditEntry.objects.filter(model="directory.organisation", object_id=str(org_a.pk),
                                        action="update").order_by("pk")
    for name in ("name", "city"):
        changes = [entry.changes[name] for entry in history if name in entry.changes]
        assert all(earlier[1] == later[0] for earlier, later in zip(changes, changes[1:], strict=False)), changes
        assert changes[-1][1] == getattr(org_a, name), changes
