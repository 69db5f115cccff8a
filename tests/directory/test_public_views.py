"""The public directory pages through the real HTTP stack: directory with facets, export, profiles, opportunities.

Every page is asked by a visitor, a fellow member of cluster_a, and outsiders (staff and members of cluster_b)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from filiera.core.models import ValueChain
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility
from tests.conftest import make_member

DIRECTORY = reverse("directory:directory")
OPPORTUNITIES = reverse("directory:opportunities")


def names(response) -> list[str]:
    return [org.name for org in response.context["page"].object_list]


def facet_counts(response, facet: str) -> dict[str, int]:
    for name, _title, values in response.context["facet_groups"]:
        if name == facet:
            return {value.value: value.count for value in values}
    raise AssertionError(f"no facet {facet}")


@pytest.fixture
def university(cluster_a, value_chain):
    org = Organisation.objects.create(slug="unife", name="Università di Ferrara", kind="university", country="IT",
                                      city="Ferrara", language="it", description="Ricerca biomedica")
    org.value_chains.add(value_chain)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def hospital(db):
    return Organisation.objects.create(slug="ausl", name="Azienda Ospedaliera Test", kind="hospital", country="IT",
                                       city="Parma")


@pytest.fixture
def members_only_org(cluster_a):
    org = Organisation.objects.create(slug="hidden-lab", name="Hidden Lab Srl", kind="sme", is_sme=True, country="IT",
                                      visibility=Visibility.MEMBERS)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def private_org(cluster_a):
    org = Organisation.objects.create(slug="secret", name="Secret Devices Srl", kind="sme", country="IT",
                                      visibility=Visibility.PRIVATE)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def fellow(cluster_a):
    """The representative of another active member of cluster_a."""
    org = Organisation.objects.create(slug="fellow-org", name="Fellow Org", kind="foundation", country="IT")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return make_member("fellow", org)


@pytest.fixture
def directory_world(org_a, org_b, org_applicant, university, hospital, members_only_org, private_org):
    return None


# --- directory -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_visitor_sees_public_organisations_only(as_user, directory_world):
    response = as_user(None).get(DIRECTORY)
    assert response.status_code == 200
    assert names(response) == sorted(
        ["MedSense Srl", "Velfærd Robotics ApS", "NewCo Health", "Università di Ferrara", "Azienda Ospedaliera Test"]
    )
    body = response.content.decode()
    assert "Hidden Lab Srl" not in body and "Secret Devices Srl" not in body
    assert response.context["page"].paginator.count == 5


@pytest.mark.django_db
def test_members_only_profiles_reach_fellow_members_not_outsiders(as_user, directory_world, fellow, outsider,
                                                                  outsider_member, staff):
    assert "Hidden Lab Srl" in names(as_user(fellow).get(DIRECTORY))
    assert "Secret Devices Srl" not in names(as_user(fellow).get(DIRECTORY))
    for user in (outsider, outsider_member):
        found = names(as_user(user).get(DIRECTORY))
        assert "Hidden Lab Srl" not in found and "Secret Devices Srl" not in found
    # the staff of cluster_a see their private members too
    assert {"Hidden Lab Srl", "Secret Devices Srl"} <= set(names(as_user(staff).get(DIRECTORY)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=sme", ["MedSense Srl"]),
        ("kind=sme&kind=startup", ["MedSense Srl", "NewCo Health", "Velfærd Robotics ApS"]),
        ("helix=academia", ["Università di Ferrara"]),
        ("helix=public", ["Azienda Ospedaliera Test"]),
        ("country=DK", ["Velfærd Robotics ApS"]),
        ("country=it&kind=startup", ["NewCo Health"]),
        ("value_chain=biomedical", ["MedSense Srl", "Università di Ferrara"]),
        ("concept=telemonitoring", ["MedSense Srl"]),
        ("cluster=alpha", ["MedSense Srl", "Università di Ferrara"]),  # active members only, not the applicant
        ("cluster=beta", ["Velfærd Robotics ApS"]),
        ("sme=1", ["MedSense Srl"]),
        ("q=universita", ["Università di Ferrara"]),
        ("q=UNIVERSITÀ+ferrara", ["Università di Ferrara"]),
        ("q=bologna", ["MedSense Srl"]),  # the city
        ("q=telemedicina", ["MedSense Srl"]),  # a keyword
        ("q=nothing-like-this", []),
    ],
)
def test_filters(as_user, directory_world, query, expected):
    response = as_user(None).get(f"{DIRECTORY}?{query}")
    assert response.status_code == 200
    assert names(response) == expected
    assert response.context["page"].paginator.count == len(expected)


@pytest.mark.django_db
def test_facet_counts_ignore_their_own_selection(as_user, directory_world):
    response = as_user(None).get(f"{DIRECTORY}?kind=sme")
    # kind counts ignore the kind selection, so the alternatives stay visible
    assert facet_counts(response, "kind") == {"sme": 1, "startup": 2, "university": 1, "hospital": 1}
    # the other facets count within the selection
    assert facet_counts(response, "country") == {"IT": 1}
    assert facet_counts(response, "helix") == {"industry": 1}
    assert facet_counts(response, "value_chain") == {"biomedical": 1}
    assert facet_counts(response, "cluster") == {"alpha": 1}
    kinds = dict((v.value, v.selected) for n, _t, vals in response.context["facet_groups"] if n == "kind" for v in vals)
    assert kinds["sme"] is True and kinds["startup"] is False
    body = response.content.decode()
    assert 'id="f-kind-sme" name="kind" value="sme" checked' in body


@pytest.mark.django_db
def test_facet_counts_follow_visibility(as_user, directory_world, staff):
    assert facet_counts(as_user(None).get(DIRECTORY), "cluster") == {"alpha": 2, "beta": 1}
    assert facet_counts(as_user(staff).get(DIRECTORY), "cluster") == {"alpha": 4, "beta": 1}


@pytest.mark.django_db
def test_active_filters_are_removable_chips(as_user, directory_world):
    response = as_user(None).get(f"{DIRECTORY}?kind=sme&kind=startup&q=srl&page=1")
    chips = {(c.title, c.label): c.url for c in response.context["chips"]}
    assert chips[("Kind", "SME")] == "?kind=startup&q=srl"
    assert chips[("Kind", "Start-up")] == "?kind=sme&q=srl"
    assert chips[("Search", "srl")] == "?kind=sme&kind=startup"
    body = response.content.decode()
    assert "Remove filter Kind: SME" in body


@pytest.mark.django_db
def test_pagination(as_user, db):
    for i in range(45):
        Organisation.objects.create(slug=f"org-{i:02d}", name=f"Org {i:02d}", kind="sme", country="IT")
    client = as_user(None)
    first = client.get(DIRECTORY)
    assert names(first) == [f"Org {i:02d}" for i in range(20)]
    assert first.context["page"].paginator.num_pages == 3
    body = first.content.decode()
    assert 'href="?page=2"' in body and 'aria-current="page"' in body
    last = client.get(f"{DIRECTORY}?kind=sme&page=3")
    assert names(last) == [f"Org {i:02d}" for i in range(40, 45)]
    assert 'href="?kind=sme&amp;page=2"' in last.content.decode()
    # out-of-range and junk page numbers fall back instead of failing
    assert names(client.get(f"{DIRECTORY}?page=99")) == names(last)
    assert names(client.get(f"{DIRECTORY}?page=abc")) == names(first)


@pytest.mark.django_db
def test_directory_query_count_does_not_grow_with_results(as_user, value_chain, django_assert_max_num_queries):
    for i in range(30):
        org = Organisation.objects.create(slug=f"org-{i:02d}", name=f"Org {i:02d}", kind="sme", country="IT")
        org.value_chains.add(value_chain)
    client = as_user(None)
    client.get(DIRECTORY)  # warm up (sessions, content types)
    with django_assert_max_num_queries(12):
        response = client.get(DIRECTORY)
    assert "Biomedical devices" in response.content.decode()


@pytest.mark.django_db
def test_htmx_request_gets_the_results_partial(as_user, directory_world):
    client = as_user(None)
    response = client.get(f"{DIRECTORY}?kind=university", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<form" not in body
    assert "Università di Ferrara" in body and "MedSense Srl" not in body
    assert 'id="facets" hx-swap-oob="true"' in body  # the facet counts follow the results
    assert 'id="results-status" hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in response["Vary"]
    # without htmx, and when htmx restores history, the whole page
    full = client.get(f"{DIRECTORY}?kind=university")
    assert "<html" in full.content.decode() and 'hx-get="/directory/"' in full.content.decode()
    restored = client.get(f"{DIRECTORY}?kind=university", HTTP_HX_REQUEST="true",
                          HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restored.content.decode()


@pytest.mark.django_db
def test_directory_links_to_exports_with_the_current_filters(as_user, directory_world):
    body = as_user(None).get(f"{DIRECTORY}?country=IT&kind=sme&page=1").content.decode()
    assert f'href="{reverse("directory:export", args=["csv"])}?country=IT&amp;kind=sme"' in body
    assert f'href="{reverse("directory:export", args=["xlsx"])}?country=IT&amp;kind=sme"' in body


# --- export ----------------------------------------------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_export_csv_respects_filters_and_visibility(as_user, directory_world, fellow):
    url = reverse("directory:export", args=["csv"])
    response = as_user(None).get(f"{url}?country=IT")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [r["name"] for r in rows] == ["Azienda Ospedaliera Test", "Fellow Org", "MedSense Srl", "NewCo Health",
                                         "Università di Ferrara"]
    medsense = next(r for r in rows if r["name"] == "MedSense Srl")
    assert medsense["value_chains"] == "biomedical" and medsense["is_sme"] == "yes" and medsense["city"] == "Bologna"
    assert "Pays late" not in response.content.decode("utf-8-sig")
    # a fellow member of cluster_a also gets the members-only profile, never the private one
    rows = csv_rows(as_user(fellow).get(f"{url}?cluster=alpha"))
    assert {r["name"] for r in rows} == {"MedSense Srl", "Università di Ferrara", "Hidden Lab Srl", "Fellow Org"}


@pytest.mark.django_db
def test_export_xlsx(as_user, directory_world):
    response = as_user(None).get(reverse("directory:export", args=["xlsx"]) + "?value_chain=biomedical")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("ref", "name")
    assert [row[1] for row in rows[1:]] == ["MedSense Srl", "Università di Ferrara"]


@pytest.mark.django_db
def test_export_outsider_gets_no_members_only_rows(as_user, directory_world, outsider):
    rows = csv_rows(as_user(outsider).get(reverse("directory:export", args=["csv"])))
    assert "Hidden Lab Srl" not in {r["name"] for r in rows}
    assert "Velfærd Robotics ApS" in {r["name"] for r in rows}


@pytest.mark.django_db
def test_export_unknown_format_is_404(as_user, directory_world):
    assert as_user(None).get(reverse("directory:export", args=["pdf"])).status_code == 404
    assert as_user(None).get("/directory/export.json").status_code == 404


# --- profile ---------------------------------------------------------------------------------------------------


@pytest.fixture
def contacts(org_a):
    consented = Person.objects.create(organisation=org_a, first_name="Giulia", last_name="Contatto",
                                      job_title="Business developer", email="giulia.contatto@example.org",
                                      consent_directory_at=timezone.now())
    shy = Person.objects.create(organisation=org_a, first_name="Piero", last_name="Riservato",
                                email="piero.riservato@example.org")
    return consented, shy


@pytest.mark.django_db
def test_visitor_sees_public_profile_without_cluster_private_data(as_user, org_a, contacts, opportunity_a,
                                                                  private_opportunity_a):
    response = as_user(None).get(reverse("directory:profile", args=["medsense"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "MedSense Srl" in body and "Bologna" in body and "Alpha Health Cluster" in body
    assert '<div class="text-prewrap" lang="it">Sensori indossabili per la telemedicina</div>' in body
    assert "Biomedical devices" in body and "Telemonitoring" in body and "telemedicina" in body
    # the membership is cluster-private: no notes, fee tier or status
    for secret in ("Pays late", "Medium (SME)", "medium", "Active"):
        assert secret not in body
    # opportunities visible to a visitor only
    assert opportunity_a.title in body and private_opportunity_a.title not in body
    # contacts with directory consent, without e-mail for a visitor
    assert "Giulia" in body and "Business developer" in body and "giulia.contatto@example.org" not in body
    assert "Riservato" not in body
    # no edit buttons, no back-office link
    assert reverse("directory:org_edit", args=["medsense"]) not in body
    assert "/c/alpha/" not in body


@pytest.mark.django_db
def test_profile_emails_for_members_of_its_clusters(as_user, org_a, contacts, fellow, member, staff, outsider,
                                                    outsider_member, observer):
    url = reverse("directory:profile", args=["medsense"])
    for user in (fellow, member, staff):
        assert "giulia.contatto@example.org" in as_user(user).get(url).content.decode()
    for user in (outsider, outsider_member, observer):
        body = as_user(user).get(url).content.decode()
        assert "Giulia" in body and "giulia.contatto@example.org" not in body
    assert "piero.riservato@example.org" not in as_user(member).get(url).content.decode()


@pytest.mark.django_db
def test_profile_emails_for_admins_but_not_for_members_of_clusters_it_only_applies_to(
    as_user, org_a, contacts, admin, cluster_b, outsider_member
):
    url = reverse("directory:profile", args=["medsense"])
    assert "giulia.contatto@example.org" in as_user(admin).get(url).content.decode()
    # applying to Beta does not open its contacts to Beta's members; becoming an active member there does
    membership = Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Membership.Status.APPLICANT)
    assert "giulia.contatto@example.org" not in as_user(outsider_member).get(url).content.decode()
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.ACTIVE)
    assert "giulia.contatto@example.org" in as_user(outsider_member).get(url).content.decode()


@pytest.mark.django_db
def test_profile_buttons_for_editors_and_staff(as_user, org_a, member, staff, fellow, outsider, admin):
    url = reverse("directory:profile", args=["medsense"])
    membership = Membership.objects.get(organisation=org_a)
    staff_link = reverse("staff:membership", kwargs={"cluster_slug": "alpha", "pk": membership.pk})
    edit_links = [reverse(name, args=["medsense"]) for name in
                  ("directory:org_edit", "directory:org_people", "directory:org_opportunities")]

    body = as_user(member).get(url).content.decode()
    assert all(link in body for link in edit_links) and staff_link not in body
    body = as_user(staff).get(url).content.decode()
    assert all(link in body for link in edit_links) and staff_link in body
    assert "Pays late" not in body  # even staff see notes only in their back office
    for user in (fellow, outsider):
        body = as_user(user).get(url).content.decode()
        assert not any(link in body for link in edit_links) and staff_link not in body
    assert staff_link in as_user(admin).get(url).content.decode()


@pytest.mark.django_db
def test_profile_404_for_what_the_viewer_may_not_see(as_user, members_only_org, private_org, fellow, outsider,
                                                     outsider_member, staff):
    members_url = reverse("directory:profile", args=["hidden-lab"])
    private_url = reverse("directory:profile", args=["secret"])
    for user in (None, outsider, outsider_member):
        assert as_user(user).get(members_url).status_code == 404
        assert as_user(user).get(private_url).status_code == 404
    assert as_user(fellow).get(members_url).status_code == 200
    assert as_user(fellow).get(private_url).status_code == 404
    assert as_user(staff).get(private_url).status_code == 200
    assert as_user(None).get(reverse("directory:profile", args=["no-such-org"])).status_code == 404


@pytest.mark.django_db
def test_profile_shows_only_active_clusters_and_working_languages(as_user, org_a, cluster_b):
    Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Membership.Status.LEFT)
    Organisation.objects.filter(pk=org_a.pk).update(languages_spoken="it, en,de")
    body = as_user(None).get(reverse("directory:profile", args=["medsense"])).content.decode()
    assert "Alpha Health Cluster" in body and "Beta Welfare Cluster" not in body
    assert "Italian, English, German" in body


# --- opportunities ---------------------------------------------------------------------------------------------


@pytest.fixture
def more_opportunities(org_a, org_b, cluster_a, cluster_b, member, concept, value_chain):
    today = timezone.localdate()
    expired = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.BUSINESS_OFFER, title="Old distribution offer",
        summary="Expired already", language="en", expires_on=today - datetime.timedelta(days=1))
    danish = Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, type=Opportunity.Type.TECHNOLOGY_REQUEST,
        title="Søger løsning til sårpleje", summary="Vi søger en partner til sårbehandling i hjemmet", language="da")
    danish.concepts.add(concept)
    draft = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.BUSINESS_REQUEST, title="Draft request",
        summary="Not yet", language="en", status=Opportunity.Status.DRAFT)
    hidden = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.BUSINESS_OFFER, title="Miracle cure",
        summary="Too good to be true", language="en", status=Opportunity.Status.HIDDEN,
        moderation_note="Unfounded medical claims")
    return {"expired": expired, "danish": danish, "draft": draft, "hidden": hidden}


def titles(response) -> list[str]:
    return [o.title for o in response.context["page"].object_list]


@pytest.mark.django_db
def test_opportunity_list_visibility(as_user, opportunity_a, private_opportunity_a, more_opportunities, fellow,
                                     outsider_member, member):
    public = {opportunity_a.title, "Søger løsning til sårpleje"}
    assert set(titles(as_user(None).get(OPPORTUNITIES))) == public
    assert set(titles(as_user(outsider_member).get(OPPORTUNITIES))) == public
    assert set(titles(as_user(fellow).get(OPPORTUNITIES))) == public | {private_opportunity_a.title}
    # the list shows published ones only, even to their owner
    assert set(titles(as_user(member).get(OPPORTUNITIES))) == public | {private_opportunity_a.title}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=technology_offer", ["Sensore indossabile per pazienti cronici"]),
        ("type=technology_request&type=technology_offer",
         ["Søger løsning til sårpleje", "Sensore indossabile per pazienti cronici"]),
        ("language=da", ["Søger løsning til sårpleje"]),
        ("country=DK", ["Søger løsning til sårpleje"]),
        ("cluster=alpha", ["Sensore indossabile per pazienti cronici"]),
        ("concept=telemonitoring", ["Søger løsning til sårpleje"]),
        ("q=sarpleje", ["Søger løsning til sårpleje"]),
        ("q=domicilio", ["Sensore indossabile per pazienti cronici"]),
        ("expired=1&language=en", ["Old distribution offer"]),
    ],
)
def test_opportunity_filters(as_user, opportunity_a, more_opportunities, query, expected):
    response = as_user(None).get(f"{OPPORTUNITIES}?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.django_db
def test_opportunity_list_renders_items_and_htmx_partial(as_user, opportunity_a, more_opportunities, concept):
    opportunity_a.concepts.add(concept)
    body = as_user(None).get(OPPORTUNITIES).content.decode()
    assert "Technology offer" in body and "MedSense Srl" in body and "Telemonitoring" in body
    assert reverse("directory:opportunity", args=[opportunity_a.pk]) in body
    assert '<label class="form-check-label" for="o-type-technology_offer">Technology offer</label>' in body
    partial = as_user(None).get(f"{OPPORTUNITIES}?language=da", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Søger løsning" in partial and "Sensore" not in partial
    assert 'id="opportunity-filters" hx-swap-oob="true"' in partial


@pytest.mark.django_db
def test_opportunity_list_pagination(as_user, org_a, cluster_a):
    for i in range(25):
        Opportunity.objects.create(organisation=org_a, cluster=cluster_a, type=Opportunity.Type.BUSINESS_OFFER,
                                   title=f"Offer {i:02d}", summary="s", language="en")
    client = as_user(None)
    assert len(titles(client.get(OPPORTUNITIES))) == 20
    assert len(titles(client.get(f"{OPPORTUNITIES}?page=2"))) == 5


@pytest.mark.django_db
def test_opportunity_detail_public(as_user, opportunity_a, value_chain, concept, outsider):
    Opportunity.objects.filter(pk=opportunity_a.pk).update(body="Descrizione completa del cerotto")
    opportunity_a.value_chains.add(value_chain)
    opportunity_a.concepts.add(concept)
    url = reverse("directory:opportunity", args=[opportunity_a.pk])
    for user in (None, outsider):
        response = as_user(user).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert '<div class="text-prewrap" lang="it">Descrizione completa del cerotto</div>' in body
        assert reverse("directory:profile", args=["medsense"]) in body
        assert "Biomedical devices" in body and "Telemonitoring" in body and "Technology offer" in body
        assert reverse("directory:opportunity_edit", args=[opportunity_a.pk]) not in body


@pytest.mark.django_db
def test_profile_lists_live_opportunities_and_all_of_them_to_its_editors(
    as_user, opportunity_a, private_opportunity_a, more_opportunities, fellow, outsider_member, member, staff
):
    url = reverse("directory:profile", args=["medsense"])

    def listed(user) -> set[str]:
        return {o.title for o in as_user(user).get(url).context["opportunities"]}

    live = {opportunity_a.title}
    assert listed(None) == live and listed(outsider_member) == live
    assert listed(fellow) == live | {private_opportunity_a.title}  # members-only, for a fellow member
    # the organisation and its cluster's staff also see the expired, draft and hidden ones
    everything = live | {private_opportunity_a.title, "Old distribution offer", "Draft request", "Miracle cure"}
    assert listed(member) == everything and listed(staff) == everything


@pytest.mark.django_db
def test_opportunity_detail_members_only(as_user, private_opportunity_a, fellow, member, outsider, outsider_member):
    url = reverse("directory:opportunity", args=[private_opportunity_a.pk])
    for user in (None, outsider, outsider_member):
        assert as_user(user).get(url).status_code == 404
    assert as_user(fellow).get(url).status_code == 200
    body = as_user(member).get(url).content.decode()
    assert reverse("directory:opportunity_edit", args=[private_opportunity_a.pk]) in body
    assert as_user(None).get(reverse("directory:opportunity", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_hidden_and_draft_opportunities(as_user, more_opportunities, member, staff, fellow, outsider):
    hidden = reverse("directory:opportunity", args=[more_opportunities["hidden"].pk])
    draft = reverse("directory:opportunity", args=[more_opportunities["draft"].pk])
    for user in (None, fellow, outsider):
        assert as_user(user).get(hidden).status_code == 404
        assert as_user(user).get(draft).status_code == 404
    for user in (member, staff):
        body = as_user(user).get(hidden).content.decode()
        assert "Hidden by the cluster staff." in body and "Unfounded medical claims" in body
    assert "This is a draft" in as_user(member).get(draft).content.decode()


@pytest.mark.django_db
def test_expired_opportunity_notice(as_user, more_opportunities):
    response = as_user(None).get(reverse("directory:opportunity", args=[more_opportunities["expired"].pk]))
    assert response.status_code == 200
    assert "This opportunity expired on" in response.content.decode()


@pytest.mark.django_db
def test_value_chain_labels_follow_the_language(as_user, org_a):
    ValueChain.objects.filter(slug="biomedical").update(labels={"en": "Biomedical devices", "it": "Biomedicale"})
    body = as_user(None).get(DIRECTORY, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Biomedicale" in body
