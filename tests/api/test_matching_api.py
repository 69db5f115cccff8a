"""The matching API: search in any language with reasons, more like this, recommendations; bad input is a 400 and
what the caller may not see is a 404 (or simply absent from results)."""

from __future__ import annotations

import pytest

from filiera.core.vocabulary import sync_vocabulary
from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from filiera.matching.services import rebuild_index


@pytest.fixture
def world(cluster_a, cluster_b, org_a, concept):
    sync_vocabulary()
    dk = Organisation.objects.create(
        name="Faldvagt ApS", slug="faldvagt", ref="PIC-999", kind="sme", country="DK", language="da",
        description="Vi udvikler faldsensorer og telemonitorering af ældre borgere i eget hjem.",
    )
    Membership.objects.create(organisation=dk, cluster=cluster_b, status=Membership.Status.ACTIVE)
    need = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Cerchiamo soluzioni di telemonitoraggio per anziani a domicilio",
        summary="Telemonitoraggio dei pazienti anziani fragili dopo la dimissione.",
    )
    need.concepts.add(concept)
    private = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Telemonitoraggio riservato", summary="Telemonitoraggio di anziani.", visibility=Visibility.PRIVATE,
    )
    unverified = Organisation.objects.create(
        name="Telecura Nascosta Srl", slug="telecura-nascosta", kind="startup", country="IT", language="it",
        verified=False, description="Telemonitoraggio di anziani fragili a domicilio.",
    )
    Membership.objects.create(organisation=unverified, cluster=cluster_a, status=Membership.Status.APPLICANT)
    rebuild_index()
    return {"dk": dk, "need": need, "private": private, "unverified": unverified}


def keys(items) -> set[tuple[str, int]]:
    return {(item["kind"], item["id"]) for item in items}


def test_search_across_languages_with_reasons(as_token, world):
    response = as_token(None).get("/api/search", {"q": "telemonitorering af ældre"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["language"] == "da"
    need = next(r for r in data["results"] if r["id"] == world["need"].pk and r["kind"] == "opportunity")
    assert need["ref"] == str(world["need"].pk) and need["name"] == world["need"].title and 0 < need["score"] <= 1
    assert "telemonitoring" in [c["slug"] for c in need["why"]["concepts"]]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_filters_and_top(as_token, world):
    client = as_token(None)
    only = client.get("/api/search", {"q": "telemonitoraggio", "what": "organisations", "country": "dk"}).json()
    assert keys(only["results"]) == {("organisation", world["dk"].pk)}
    assert client.get("/api/search", {"q": "telemonitoraggio", "lang": "it"}).json()["language"] == "it"
    assert len(client.get("/api/search", {"q": "telemonitoraggio", "top": 1}).json()["results"]) == 1
    requests = client.get("/api/search", {"q": "telemonitoraggio", "type": "technology_request"}).json()
    assert keys(requests["results"]) == {("opportunity", world["need"].pk)}


@pytest.mark.parametrize("params, message", [
    ({"q": " "}, "empty"),
    ({"q": "telemonitoraggio", "lang": "xx"}, "unknown language"),
    ({"q": "telemonitoraggio", "what": "projects"}, "unknown"),
])
def test_bad_input_is_a_400_with_a_message(as_token, world, params, message):
    response = as_token(None).get("/api/search", params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_visitors_and_outsiders_never_get_what_they_may_not_see(as_token, world, outsider_member, member, staff):
    hidden = {("opportunity", world["private"].pk), ("organisation", world["unverified"].pk)}
    for user in (None, outsider_member):
        found = keys(as_token(user).get("/api/search", {"q": "telemonitoraggio anziani", "top": 100})
                     .json()["results"])
        assert found and not found & hidden
    assert ("opportunity", world["private"].pk) in keys(
        as_token(member).get("/api/search", {"q": "telemonitoraggio", "top": 100}).json()["results"])
    assert ("organisation", world["unverified"].pk) in keys(
        as_token(staff).get("/api/search", {"q": "telemonitoraggio", "top": 100}).json()["results"])


def test_more_like_this(as_token, world, outsider_member):
    client = as_token(outsider_member)
    response = client.get(f"/api/search/like/opportunity/{world['need'].pk}")
    assert response.status_code == 200
    assert not keys(response.json()) & {("opportunity", world["need"].pk), ("opportunity", world["private"].pk)}
    assert client.get(f"/api/search/like/opportunity/{world['private'].pk}").status_code == 404
    assert client.get(f"/api/search/like/organisation/{world['unverified'].pk}").status_code == 404
    assert client.get(f"/api/search/like/project/{world['need'].pk}").status_code == 404


def test_recommendations_for_an_opportunity(as_token, world, org_a):
    response = as_token(None).get(f"/api/recommendations/opportunities/{world['need'].pk}")
    assert response.status_code == 200
    found = keys(response.json())
    assert ("organisation", world["dk"].pk) in found
    assert ("organisation", org_a.pk) not in found and ("organisation", world["unverified"].pk) not in found
    assert as_token(None).get(f"/api/recommendations/opportunities/{world['private'].pk}").status_code == 404


def test_partner_recommendations(as_token, world, member, outsider_member, org_a):
    assert as_token(None).get(f"/api/recommendations/organisations/{org_a.slug}").status_code == 401
    client = as_token(member)
    by_slug = client.get(f"/api/recommendations/organisations/{org_a.slug}")
    assert by_slug.status_code == 200
    assert ("organisation", world["dk"].pk) in keys(by_slug.json())
    eu = client.get(f"/api/recommendations/organisations/{org_a.slug}", {"eu_call": "true"}).json()
    dk = next(item for item in eu if item["id"] == world["dk"].pk)
    assert "other_country" in dk["why"]["reasons"]
    by_ref = as_token(member).get("/api/recommendations/organisations/PIC-999")
    assert by_ref.status_code == 200
    hidden = as_token(outsider_member).get(f"/api/recommendations/organisations/{world['unverified'].slug}")
    assert hidden.status_code == 404
