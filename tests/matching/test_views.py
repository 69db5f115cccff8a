"""The search page, "more like this" and the recommendation panels through the real HTTP stack: reasons shown,
bad input kept in the form, and nobody shown what they may not see (private or members-only opportunities,
unverified organisations) in results or panels."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from tests.conftest import make_member

SEARCH = reverse("matching:search")


@pytest.fixture
def danish_sme(cluster_b):
    org = Organisation.objects.create(
        name="Faldvagt ApS", slug="faldvagt", kind="sme", country="DK", language="da",
        description="Vi udvikler faldsensorer og telemonitorering af ældre borgere i eget hjem og på plejehjem.",
    )
    Membership.objects.create(organisation=org, cluster=cluster_b, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def italian_need(cluster_a, org_a):
    return Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Cerchiamo soluzioni di telemonitoraggio per anziani a domicilio",
        summary="L'ospedale cerca una piattaforma di telemonitoraggio dei pazienti anziani fragili.",
    )


@pytest.fixture
def hidden_needs(cluster_a, org_a):
    """A members-only and a private telemonitoring need of org_a."""
    return [
        Opportunity.objects.create(
            organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
            title=f"Telemonitoraggio riservato {visibility}", summary="Telemonitoraggio di anziani fragili.",
            visibility=visibility,
        )
        for visibility in (Visibility.MEMBERS, Visibility.PRIVATE)
    ]


@pytest.fixture
def unverified_org(cluster_a):
    org = Organisation.objects.create(
        name="Telecura Nascosta Srl", slug="telecura-nascosta", kind="startup", country="IT", language="it",
        verified=False, description="Telemonitoraggio di anziani fragili a domicilio.",
    )
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.APPLICANT)
    return org


@pytest.fixture
def world(reindex, danish_sme, italian_need, hidden_needs, unverified_org, concept):
    italian_need.concepts.add(concept)
    reindex()


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def result_objects(response) -> list:
    return [m.object for m in response.context["matches"]]


def test_first_visit_shows_the_form_without_an_error(as_user, db):
    page = body(as_user(None).get(SEARCH))
    assert 'name="q"' in page and "Detect automatically" in page
    assert "is-invalid" not in page
    assert f'href="{SEARCH}"' in page  # the navigation's link


def test_a_danish_query_finds_the_italian_need_with_its_reasons(as_user, world, danish_sme, italian_need):
    response = as_user(None).get(SEARCH, {"q": "telemonitorering af ældre"})
    assert italian_need in result_objects(response)
    page = body(response)
    assert "Detected language: Danish" in page
    assert "Shared concepts:" in page and "Telemonitoring" in page
    assert reverse("directory:opportunity", args=[italian_need.pk]) in page
    assert reverse("matching:like", args=["opportunity", italian_need.pk]) in page
    assert reverse("directory:profile", args=[danish_sme.slug]) in page
    assert "Matched words:" in page  # the Danish SME shares the very word
    # Concept labels follow the reader's interface language.
    italian = as_user(None).get(SEARCH, {"q": "telemonitorering af ældre"}, headers={"accept-language": "it"})
    assert "Telemonitoraggio" in body(italian)


def test_the_chosen_language_and_the_filters_narrow_the_search(as_user, world, danish_sme, italian_need):
    response = as_user(None).get(SEARCH, {"q": "telemonitoraggio", "lang": "it", "what": "organisations"})
    assert "Searched as Italian" in body(response)
    assert all(isinstance(obj, Organisation) for obj in result_objects(response))
    only_dk = as_user(None).get(SEARCH, {"q": "telemonitoraggio", "country": "DK"})
    assert result_objects(only_dk) == [danish_sme]
    assert 'value="DK" selected' in body(only_dk)
    requests = as_user(None).get(SEARCH, {"q": "telemonitoraggio", "type": "technology_request"})
    assert result_objects(requests) == [italian_need]


@pytest.mark.parametrize("params, message", [
    ({"q": "   "}, "Type what you are looking for"),
    ({"q": "telemonitoraggio anziani", "lang": "xx"}, "is not a language the search knows"),
])
def test_bad_input_is_explained_and_the_text_kept(as_user, world, params, message):
    response = as_user(None).get(SEARCH, params)
    page = body(response)
    assert message in page and "is-invalid" in page
    assert response.context["matches"] is None
    if params["q"].strip():
        assert f'value="{params["q"]}"' in page


def test_htmx_gets_the_form_and_results_only(as_user, world, italian_need):
    response = as_user(None).get(SEARCH, {"q": "telemonitoraggio"}, headers={"hx-request": "true"})
    page = body(response)
    assert '<div id="search-area">' in page and "<html" not in page
    assert italian_need.title in page


def test_visitors_and_outsiders_never_see_hidden_needs_or_unverified_organisations(
        as_user, world, hidden_needs, unverified_org, outsider, outsider_member, member, staff):
    for user in (None, outsider, outsider_member):
        found = result_objects(as_user(user).get(SEARCH, {"q": "telemonitoraggio anziani fragili"}))
        assert found, user
        assert not set(hidden_needs) & set(found)
        assert unverified_org not in found
    # The organisation's own representative sees both its needs; the staff see the applicant too.
    assert set(hidden_needs) <= set(result_objects(as_user(member).get(SEARCH, {"q": "telemonitoraggio"})))
    assert unverified_org in result_objects(as_user(staff).get(SEARCH, {"q": "telemonitoraggio"}))


def test_more_like_this(as_user, world, italian_need, hidden_needs, outsider_member):
    url = reverse("matching:like", args=["opportunity", italian_need.pk])
    response = as_user(outsider_member).get(url)
    page = body(response)
    assert "More like this" in page and italian_need.title in page
    found = result_objects(response)
    assert italian_need not in found and not set(hidden_needs) & set(found)
    # What one may not see has no "more like this" either.
    assert as_user(None).get(reverse("matching:like", args=["opportunity", hidden_needs[0].pk])).status_code == 404
    assert as_user(None).get(reverse("matching:like", args=["project", italian_need.pk])).status_code == 404


def test_who_can_answer_this_panel(as_user, world, italian_need, danish_sme, unverified_org, hidden_needs):
    detail = body(as_user(None).get(reverse("directory:opportunity", args=[italian_need.pk])))
    panel_url = reverse("matching:opportunity_panel", args=[italian_need.pk])
    assert f'hx-get="{panel_url}"' in detail and "Who can answer this" in detail
    response = as_user(None).get(panel_url, headers={"hx-request": "true"})
    page = body(response)
    assert "<html" not in page and danish_sme.name in page and "Shared concepts:" in page
    assert unverified_org not in result_objects(response)
    assert italian_need.organisation not in result_objects(response)
    # Without JavaScript the same address is a whole page.
    assert "<html" in body(as_user(None).get(panel_url))
    # A need one may not see has no panel.
    private = reverse("matching:opportunity_panel", args=[hidden_needs[1].pk])
    assert as_user(None).get(private).status_code == 404


def test_partner_panel_is_for_signed_in_viewers_of_the_profile(as_user, world, org_a, danish_sme, unverified_org,
                                                              member, outsider_member, outsider):
    profile = reverse("directory:profile", args=[org_a.slug])
    panel_url = reverse("matching:partners_panel", args=[org_a.slug])
    assert panel_url not in body(as_user(None).get(profile))
    assert as_user(None).get(panel_url).status_code == 404
    assert f'hx-get="{panel_url}"' in body(as_user(outsider_member).get(profile))

    response = as_user(member).get(panel_url, headers={"hx-request": "true"})
    page = body(response)
    assert danish_sme in result_objects(response)
    assert "For an EU call" in page
    eu = as_user(member).get(panel_url, {"eu_call": "1"}, headers={"hx-request": "true"})
    assert eu.context["eu_call"] is True
    assert "Another country: Denmark" in body(eu)
    assert 'name="eu_call" value="1" id="eu-call-' in body(eu) and "checked" in body(eu)
    # An unverified profile is nobody's business but its own and its cluster's staff.
    hidden = reverse("matching:partners_panel", args=[unverified_org.slug])
    assert as_user(outsider).get(hidden).status_code == 404
    assert as_user(outsider_member).get(hidden).status_code == 404
    # ...and it is never suggested as a partner to an outsider.
    assert unverified_org not in result_objects(as_user(outsider_member).get(
        reverse("matching:partners_panel", args=[danish_sme.slug])))


def test_partner_reasons_name_the_other_helix_and_what_they_bring(as_user, reindex, cluster_b, danish_sme, concept):
    hospital = Organisation.objects.create(
        name="Ospedale Telecura", slug="ospedale-telecura", kind="hospital", country="IT", language="it",
        description="Telemonitoraggio e telemedicina per anziani fragili a domicilio, teleriabilitazione.",
    )
    hospital.concepts.add(concept)
    user = make_member("faldvagt", danish_sme)
    reindex()
    response = as_user(user).get(reverse("matching:partners_panel", args=[danish_sme.slug]))
    assert hospital in result_objects(response)
    page = body(response)
    assert "Another helix: Health and public sector" in page
    assert "Brings:" in page


def test_dashboard_shows_recommended_partners_per_organisation(as_user, world, member, org_a):
    page = body(as_user(member).get(reverse("directory:my_organisations")))
    assert "Recommended partners" in page
    assert f'hx-get="{reverse("matching:partners_panel", args=[org_a.slug])}"' in page


def test_directory_text_search_uses_the_engine_with_the_substring_match_as_a_complement(
        as_user, world, org_a, danish_sme, unverified_org):
    directory = reverse("directory:directory")
    response = as_user(None).get(directory, {"q": "telemonitorering"})  # Danish; org_a's profile is Italian
    found = list(response.context["page"].object_list)
    assert set(found) == {org_a, danish_sme}
    assert found[0] == danish_sme  # the very word beats the shared concept
    assert response.context["page"].paginator.count == 2
    kinds = {f.value: f.count for f in response.context["facet_groups"][0][2]}
    assert kinds == {"sme": 2}
    countries = {f.value: f.count for n, _t, values in response.context["facet_groups"] if n == "country"
                 for f in values}
    assert countries == {"IT": 1, "DK": 1}
    narrowed = as_user(None).get(directory, {"q": "telemonitorering", "country": "IT"})
    assert list(narrowed.context["page"].object_list) == [org_a]
    # The city is not in the engine's documents: the substring match still finds it.
    assert list(as_user(None).get(directory, {"q": "bologna"}).context["page"].object_list) == [org_a]


def test_opportunity_list_text_search_uses_the_engine(as_user, world, italian_need, hidden_needs):
    response = as_user(None).get(reverse("directory:opportunities"), {"q": "telemonitorering af ældre"})
    found = list(response.context["page"].object_list)
    assert found == [italian_need]


def test_the_directory_text_search_is_ranked_once_until_the_index_changes(as_user, world, reindex, cluster_a,
                                                                          concept, monkeypatch):
    """The engine's answers and the facet counts of a text are cached under the index's version: the same search
    asks the engine once, and a document indexed since is found at once."""
    from filiera.matching.engine.ranker import MatchIndex

    asked = []
    search = MatchIndex.search
    monkeypatch.setattr(MatchIndex, "search", lambda index, query: asked.append(query.text) or search(index, query))
    directory = reverse("directory:directory")
    first = as_user(None).get(directory, {"q": "telemonitorering"})
    assert first.context["page"].paginator.count == 2 and asked
    engine_calls = len(asked)
    again = as_user(None).get(directory, {"q": "telemonitorering"})
    assert list(again.context["page"].object_list) == list(first.context["page"].object_list)
    assert len(asked) == engine_calls  # read from the cache
    # Only the engine finds this one for a Danish query (its words are Italian; the concept is shared).
    newcomer = Organisation.objects.create(name="Curacasa Srl", slug="curacasa", kind="sme", country="IT",
                                           language="it", description="Telemonitoraggio a domicilio.")
    newcomer.concepts.add(concept)
    Membership.objects.create(organisation=newcomer, cluster=cluster_a, status=Membership.Status.ACTIVE)
    reindex()
    after = as_user(None).get(directory, {"q": "telemonitorering"})
    assert newcomer in list(after.context["page"].object_list)
    assert after.context["page"].paginator.count == 3 and len(asked) > engine_calls


def test_the_search_page_asks_the_engine_once_for_the_same_search(as_user, world, monkeypatch):
    from filiera.matching.engine.ranker import MatchIndex

    asked = []
    search = MatchIndex.search
    monkeypatch.setattr(MatchIndex, "search", lambda index, query: asked.append(query.text) or search(index, query))
    first = result_objects(as_user(None).get(SEARCH, {"q": "telemonitorering"}))
    engine_calls = len(asked)
    assert first and engine_calls
    assert result_objects(as_user(None).get(SEARCH, {"q": "telemonitorering"})) == first
    assert len(asked) == engine_calls


def test_the_search_form_offers_the_countries_of_the_directory_as_it_changes(as_user, world):
    page = body(as_user(None).get(SEARCH))
    assert '<option value="DK">Denmark</option>' in page and 'value="PT"' not in page
    Organisation.objects.create(name="Saúde Lda", slug="saude", kind="sme", country="PT")
    assert '<option value="PT">Portugal</option>' in body(as_user(None).get(SEARCH))  # not the cached choices
    ticked = body(as_user(None).get(SEARCH, {"q": "telemonitorering", "country": "DK", "kind": "sme"}))
    assert '<option value="DK" selected>Denmark</option>' in ticked and '<option value="PT">Portugal' in ticked
    assert '<option value="sme" selected>' in ticked
