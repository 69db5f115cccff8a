"""The migration that gives the analyses done before a summary and their communities (the page reads those): an
analysis stored as 0001 left it is summarised as compute summarises a new one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from filiera.core.access import viewer_for
from filiera.network import services
from filiera.network.models import Analysis

BEFORE = [("collaboration", "0001_analysis")]
AFTER = [("collaboration", "0002_summary_and_communities")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_analyses_done_before_get_their_summary_and_communities(cluster_a, org_a, ties, staff,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        computed = services.request_analysis(viewer_for(staff), cluster_a)
    computed.refresh_from_db()
    result = computed.result
    apps = migrate(BEFORE)
    old = apps.get_model("collaboration", "Analysis").objects.create(
        cluster_id=cluster_a.pk, kinds=computed.kinds, status="done", result=result)
    apps.get_model("collaboration", "Analysis").objects.create(cluster_id=cluster_a.pk, kinds="project")
    migrate(AFTER)
    migrated = Analysis.objects.get(pk=old.pk)
    assert migrated.summary == computed.summary
    assert [(c.number, c.graph) for c in migrated.communities.all()] == [
        (c.number, c.graph) for c in computed.communities.all()]
    queued = Analysis.objects.get(kinds="project")
    assert queued.summary == {} and not queued.communities.exists()
