"""The data migration that turns the consents on file into consent records with their dates."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from filiera.directory.models import Person
from filiera.privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db


def test_existing_consents_become_records_with_their_dates(org_a):
    migration = importlib.import_module("filiera.privacy.migrations.0002_existing_consents")
    directory_at = timezone.now() - datetime.timedelta(days=400)
    newsletter_at = timezone.now() - datetime.timedelta(days=20)
    both = Person.objects.create(organisation=org_a, first_name="Both", last_name="Given",
                                 consent_directory_at=directory_at, consent_newsletter_at=newsletter_at)
    Person.objects.create(organisation=org_a, first_name="No", last_name="Consent")

    migration.records_from_timestamps(apps, None)

    records = {(r.person_id, r.purpose): r for r in ConsentRecord.objects.all()}
    assert set(records) == {(both.pk, "directory"), (both.pk, "newsletter")}
    assert records[(both.pk, "directory")].at == directory_at and records[(both.pk, "newsletter")].at == newsletter_at
    record = records[(both.pk, "directory")]
    assert (record.given, record.source, record.person_ref, record.person_label, record.organisation_id) == (
        True, "import", both.pk, "Both Given", org_a.pk)
