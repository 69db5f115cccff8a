"""Data migrations of the directory, run through the function each migration calls, on today's models."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from filiera.directory.models import Opportunity

pytestmark = pytest.mark.django_db


def test_opportunities_published_before_the_field_existed_date_from_their_creation(opportunity_a,
                                                                                   private_opportunity_a, org_a):
    migration = importlib.import_module("filiera.directory.migrations.0003_opportunity_published_at")
    created = timezone.now() - datetime.timedelta(weeks=5)
    recorded = timezone.now() - datetime.timedelta(days=2)
    Opportunity.objects.filter(pk=opportunity_a.pk).update(created_at=created, published_at=None)
    Opportunity.objects.filter(pk=private_opportunity_a.pk).update(published_at=recorded)
    draft = Opportunity.objects.create(organisation=org_a, type=Opportunity.Type.BUSINESS_REQUEST, title="Draft",
                                       summary="Not yet", status=Opportunity.Status.DRAFT)
    hidden = Opportunity.objects.create(organisation=org_a, type=Opportunity.Type.BUSINESS_OFFER, title="Hidden",
                                        summary="Hidden by the staff", status=Opportunity.Status.HIDDEN)

    migration.published_when_created(apps, None)

    published_at = dict(Opportunity.objects.values_list("pk", "published_at"))
    assert published_at == {opportunity_a.pk: created, private_opportunity_a.pk: recorded, draft.pk: None,
                            hidden.pk: None}


def test_the_text_filter_reads_a_trigram_index_on_postgresql():
    """On PostgreSQL the folded search text has a trigram index (0006), which `LIKE '%word%'` uses; SQLite has none
    and its migration does nothing there."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assert "organisation_search_trigrams" not in connection.introspection.get_constraints(
                cursor, "directory_organisation")
            return
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'organisation_search_trigrams'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM directory_organisation WHERE search_text LIKE '%%universit%%'")
        assert "organisation_search_trigrams" in " ".join(row[0] for row in cursor.fetchall())
