"""`filiera retention [--dry-run]` and the weekly task apply the retention rule platform-wide."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from filiera.core.models import AuditEntry
from filiera.directory.models import Membership, Organisation, Person
from filiera.privacy.models import Erasure
from filiera.privacy.tasks import apply_retention


def _lapsed_contact(cluster, slug: str, days_ago: int) -> Person:
    org = Organisation.objects.create(slug=slug, name=slug.title(), country="IT")
    Membership.objects.create(organisation=org, cluster=cluster, status=Membership.Status.LEFT,
                              ended_on=timezone.localdate() - datetime.timedelta(days=days_ago))
    return Person.objects.create(organisation=org, first_name="Anna", last_name=slug, email=f"{slug}@example.org")


def test_dry_run_lists_then_the_command_erases(cluster_a, cluster_b, member):
    due = [_lapsed_contact(cluster_a, "old-a", 800), _lapsed_contact(cluster_b, "old-b", 1000)]
    recent = _lapsed_contact(cluster_a, "recent", 100)
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "would erase 2 people" in out.getvalue() and f"person #{due[0].pk}" in out.getvalue()
    assert Person.objects.filter(pk__in=[p.pk for p in due]).count() == 2
    out = StringIO()
    call_command("retention", stdout=out)
    assert "erased 2 of 2 people due" in out.getvalue()
    assert not Person.objects.filter(pk__in=[p.pk for p in due]).exists()
    assert Person.objects.filter(pk=recent.pk).exists() and Person.objects.filter(user=member).exists()
    erasures = Erasure.objects.all()
    assert {e.reason for e in erasures} == {Erasure.Reason.RETENTION} and all(len(e.export_digest) == 64
                                                                           for e in erasures)
    assert set(AuditEntry.objects.filter(model="privacy.erasure").values_list("actor_label", flat=True)) == {
        "retention"}


def test_the_weekly_task_runs_the_rule(cluster_a):
    person = _lapsed_contact(cluster_a, "old", 800)
    assert apply_retention.call_local() == {"due": 1, "erased": 1}
    assert not Person.objects.filter(pk=person.pk).exists()
