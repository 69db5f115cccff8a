import pytest

from filiera.core.models import Concept, ValueChain


@pytest.fixture
def vocabulary(value_chain, concept):
    ValueChain.objects.create(slug="digital-health", labels={"en": "Digital health", "it": "Sanità digitale",
                                                             "da": "Digital sundhed"})
    Concept.objects.create(slug="dementia", scheme="condition", labels={"en": "Dementia", "it": "Demenza"},
                           synonyms={"en": ["Alzheimer's disease"]})
    Concept.objects.create(slug="remote-monitoring", scheme="technology", labels={"en": "Remote monitoring"},
                           broader=concept)


@pytest.mark.django_db
def test_value_chains_with_all_their_labels(client, vocabulary):
    response = client.get("/api/value-chains")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["items"][1] == {"slug": "digital-health", "label": "Digital health",
                                "labels": {"en": "Digital health", "it": "Sanità digitale", "da": "Digital sundhed"}}
    assert client.get("/api/value-chains/digital-health", headers={"accept-language": "da"}).json()["label"] == (
        "Digital sundhed")
    assert client.get("/api/value-chains/nothing").status_code == 404


@pytest.mark.django_db
def test_value_chain_search_in_any_language(client, vocabulary):
    assert [v["slug"] for v in client.get("/api/value-chains?q=sanita").json()["items"]] == ["digital-health"]
    assert [v["slug"] for v in client.get("/api/value-chains?q=biomedicale").json()["items"]] == ["biomedical"]


@pytest.mark.django_db
def test_concepts_by_scheme_and_label(client, vocabulary):
    everything = client.get("/api/concepts").json()
    assert everything["count"] == 3
    assert [c["slug"] for c in client.get("/api/concepts?scheme=condition").json()["items"]] == ["dementia"]
    assert client.get("/api/concepts?scheme=condition&scheme=technology").json()["count"] == 3
    assert client.get("/api/concepts?scheme=astrology").status_code == 422
    assert [c["slug"] for c in client.get("/api/concepts?q=telemonitoraggio").json()["items"]] == ["telemonitoring"]
    assert [c["slug"] for c in client.get("/api/concepts?q=alzheimer").json()["items"]] == ["dementia"]
    assert [c["slug"] for c in client.get("/api/concepts?q=monitoring&scheme=technology").json()["items"]] == [
        "remote-monitoring", "telemonitoring"]
    detail = client.get("/api/concepts/remote-monitoring").json()
    assert detail["broader"] == "telemonitoring" and detail["scheme"] == "technology"
    assert client.get("/api/concepts/dementia", headers={"accept-language": "it"}).json()["label"] == "Demenza"


@pytest.mark.django_db
def test_vocabulary_pagination(client, db):
    ValueChain.objects.bulk_create(ValueChain(slug=f"chain-{n:02}", labels={"en": f"Chain {n}"}) for n in range(30))
    page = client.get("/api/value-chains?page=2&page_size=25").json()
    assert page["count"] == 30 and len(page["items"]) == 5
    assert len(client.get("/api/value-chains?q=chain&page_size=10").json()["items"]) == 10
