import pytest

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry, Concept, ValueChain
from filiera.directory.models import Membership, Organisation, Visibility
from filiera.directory.queries import DirectoryFilters, search_organisations
from tests.api.conftest import ids

JSON = "application/json"


@pytest.fixture
def private_org(cluster_a):
    org = Organisation.objects.create(slug="quiet", name="Quiet Labs", kind="research_centre", country="IT",
                                      visibility=Visibility.PRIVATE)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return org


@pytest.fixture
def hospital(cluster_a):
    org = Organisation.objects.create(slug="ospedale", name="Ospedale Università di Modena", kind="hospital",
                                      country="IT", city="Modena")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    return org


@pytest.mark.django_db
def test_list_shows_what_each_caller_may_see(as_token, org_a, org_b, private_org, member, staff, outsider,
                                            observer, admin):
    assert ids(as_token(None).get("/api/organisations")) == {org_a.pk, org_b.pk}
    assert ids(as_token(outsider).get("/api/organisations")) == {org_a.pk, org_b.pk}
    assert ids(as_token(observer).get("/api/organisations")) == {org_a.pk, org_b.pk}
    assert ids(as_token(staff).get("/api/organisations")) == {org_a.pk, org_b.pk, private_org.pk}
    assert ids(as_token(admin).get("/api/organisations")) == {org_a.pk, org_b.pk, private_org.pk}


@pytest.mark.django_db
def test_organisation_detail_is_public_profile_only(client, org_a, value_chain, concept):
    response = client.get(f"/api/organisations/{org_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "MedSense Srl"
    assert body["helix"] == "industry"
    assert body["keywords"] == ["sensori", "telemedicina"]
    assert body["value_chains"] == [{"slug": "biomedical", "label": "Biomedical devices"}]
    assert body["concepts"] == [{"slug": "telemonitoring", "label": "Telemonitoring"}]
    assert body["clusters"] == ["alpha"]
    # cluster-private membership data never appears
    assert not {"status", "fee_tier", "notes", "memberships"} & set(body)
    assert b"Pays late" not in response.content and b"medium" not in response.content


@pytest.mark.django_db
def test_invisible_organisation_is_404(as_token, private_org, member, staff, outsider, observer):
    url = f"/api/organisations/{private_org.pk}"
    assert as_token(None).get(url).status_code == 404
    assert as_token(outsider).get(url).status_code == 404
    assert as_token(member).get(url).status_code == 404  # a fellow member does not see a private profile
    assert as_token(observer).get(url).status_code == 404
    assert as_token(staff).get(url).status_code == 200
    assert as_token(None).get("/api/organisations/999999").status_code == 404


@pytest.mark.django_db
def test_filters_match_the_directory_queries(client, org_a, org_b, hospital, value_chain, concept, cluster_a):
    def found(query: str) -> set[int]:
        return ids(client.get("/api/organisations" + query))

    assert found("?q=universita") == {hospital.pk}  # accents ignored
    assert found("?q=sensori bologna") == {org_a.pk}
    assert found("?kind=sme") == {org_a.pk}
    assert found("?kind=sme&kind=startup") == {org_a.pk, org_b.pk}
    assert found("?kind=not-a-kind") == {org_a.pk, org_b.pk, hospital.pk}  # unknown values are ignored, as on the page
    assert found("?helix=public") == {hospital.pk}
    assert found("?helix=industry&country=dk") == {org_b.pk}
    assert found("?country=it") == {org_a.pk, hospital.pk}
    assert found("?value_chain=biomedical") == {org_a.pk}
    assert found("?concept=telemonitoring") == {org_a.pk}
    assert found("?cluster=alpha") == {org_a.pk, hospital.pk}
    assert found("?cluster=alpha&cluster=beta") == {org_a.pk, org_b.pk, hospital.pk}
    assert found("?sme=true") == {org_a.pk}
    # the API and the directory page agree on the same filters
    params = {"kind": ["sme", "hospital"], "country": ["IT"], "q": ""}
    expected = set(search_organisations(viewer_for(None), DirectoryFilters.from_query(params))
                   .values_list("pk", flat=True))
    assert found("?kind=sme&kind=hospital&country=IT") == expected == {org_a.pk, hospital.pk}


@pytest.mark.django_db
def test_pagination(client, cluster_a):
    Organisation.objects.bulk_create(
        Organisation(slug=f"org-{n:03}", name=f"Organisation {n:03}", country="IT") for n in range(105)
    )
    first = client.get("/api/organisations").json()
    assert first["count"] == 105
    assert len(first["items"]) == 20  # the default page size
    page = client.get("/api/organisations?page=2&page_size=50").json()
    assert [item["name"] for item in page["items"]][:2] == ["Organisation 050", "Organisation 051"]
    assert len(client.get("/api/organisations?page=3&page_size=50").json()["items"]) == 5
    assert len(client.get("/api/organisations?page_size=1000").json()["items"]) == 100  # capped
    assert client.get("/api/organisations?page=0").status_code == 422
    assert client.get("/api/organisations?page=99").json()["items"] == []
    # A page whose offset no database takes is refused, not a 500 (SQLite: "datatype mismatch"; schemathesis).
    assert client.get("/api/organisations?page=1000000").json()["items"] == []
    assert client.get("/api/organisations?page=67874545481624698880").status_code == 422


@pytest.mark.django_db
def test_a_nul_character_in_a_filter_finds_nothing_rather_than_failing(client, org_a, value_chain):
    """PostgreSQL refuses NUL in a query's text: it used to be a 500 (schemathesis)."""
    assert ids(client.get("/api/organisations?value_chain=bio%00medical&q=Med%00Sense")) == {org_a.pk}
    assert ids(client.get("/api/organisations?value_chain=%00&concept=x%00y")) == set()
    assert client.get("/directory/?value_chain=%00&q=%00").status_code == 200


# --- create ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_creates_an_organisation_with_vocabulary(as_token, admin, value_chain, concept):
    response = as_token(admin).post("/api/organisations", {
        "name": "Nuova Biotech Srl", "country": "IT", "kind": "startup", "value_chains": ["biomedical"],
        "concepts": ["telemonitoring"], "visibility": "members",
    }, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "nuova-biotech-srl"
    assert body["helix"] == "industry"
    assert body["visibility"] == "members"
    assert body["clusters"] == []
    organisation = Organisation.objects.get(pk=body["id"])
    assert list(organisation.concepts.all()) == [concept]


@pytest.mark.django_db
def test_staff_create_inside_their_cluster_which_makes_an_active_member(as_token, staff, cluster_a, cluster_b):
    client = as_token(staff)
    response = client.post("/api/organisations", {"name": "Clinica Nord", "country": "IT", "kind": "hospital",
                                                   "cluster": "alpha"}, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["clusters"] == ["alpha"]
    membership = Membership.objects.get(organisation_id=response.json()["id"])
    assert membership.cluster == cluster_a and membership.status == Membership.Status.ACTIVE
    # not in another cluster, and not without a cluster
    assert client.post("/api/organisations", {"name": "X", "country": "IT", "cluster": "beta"},
                       content_type=JSON).status_code == 403
    assert client.post("/api/organisations", {"name": "X", "country": "IT"}, content_type=JSON).status_code == 403
    assert not Organisation.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_others_may_not_create(as_token, member, outsider, observer, cluster_a):
    for user in (member, outsider, observer):
        response = as_token(user).post("/api/organisations", {"name": "X", "country": "IT", "cluster": "alpha"},
                                       content_type=JSON)
        assert response.status_code == 403, user
    assert not Organisation.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_create_validation_errors(as_token, admin, value_chain):
    client = as_token(admin)
    response = client.post("/api/organisations", {"name": "X", "country": "IT", "concepts": ["no-such-thing"]},
                           content_type=JSON)
    assert response.status_code == 400
    assert response.json()["errors"] == {"concepts": ["Unknown concept: no-such-thing"]}
    response = client.post("/api/organisations", {"name": "X", "country": "ITALY", "website": "not a url"},
                           content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"country", "website"}
    response = client.post("/api/organisations", {"name": "X", "country": "IT", "cluster": "nowhere"},
                           content_type=JSON)
    assert response.status_code == 400 and "cluster" in response.json()["errors"]
    assert client.post("/api/organisations", {"country": "IT"}, content_type=JSON).status_code == 422
    assert client.post("/api/organisations", {"name": "X", "country": "IT", "kind": "castle"},
                       content_type=JSON).status_code == 422
    assert not Organisation.objects.filter(name="X").exists()


# --- update ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_representative_and_staff_update(as_token, member, staff, admin, org_a, concept):
    Concept.objects.create(slug="robotics", labels={"en": "Robotics"})
    response = as_token(member).patch(f"/api/organisations/{org_a.pk}",
                                      {"city": "Parma", "concepts": ["robotics", "telemonitoring"]}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Parma"
    assert {c["slug"] for c in response.json()["concepts"]} == {"robotics", "telemonitoring"}
    org_a.refresh_from_db()
    assert org_a.city == "Parma" and org_a.name == "MedSense Srl"  # fields not sent stay as they were
    assert org_a.value_chains.count() == 1
    assert as_token(staff).patch(f"/api/organisations/{org_a.pk}", {"value_chains": []},
                                 content_type=JSON).status_code == 200
    assert not ValueChain.objects.filter(organisations=org_a).exists()
    assert as_token(admin).patch(f"/api/organisations/{org_a.pk}", {"is_sme": False},
                                 content_type=JSON).status_code == 200


@pytest.mark.django_db
def test_who_sees_but_may_not_edit_gets_403_and_who_cannot_see_gets_404(as_token, org_a, private_org, outsider,
                                                                       outsider_member, observer, member):
    for user in (outsider, outsider_member, observer):
        response = as_token(user).patch(f"/api/organisations/{org_a.pk}", {"city": "Roma"}, content_type=JSON)
        assert response.status_code == 403, user
        assert as_token(user).patch(f"/api/organisations/{private_org.pk}", {"city": "Roma"},
                                    content_type=JSON).status_code == 404
    assert as_token(member).patch(f"/api/organisations/{private_org.pk}", {"city": "Roma"},
                                  content_type=JSON).status_code == 404
    org_a.refresh_from_db()
    private_org.refresh_from_db()
    assert org_a.city == "Bologna" and private_org.city == ""


@pytest.mark.django_db
def test_update_validation_error_keeps_the_record(as_token, member, org_a):
    response = as_token(member).patch(f"/api/organisations/{org_a.pk}", {"name": "", "website": "nope"},
                                      content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "website"}
    org_a.refresh_from_db()
    assert org_a.name == "MedSense Srl"


@pytest.mark.django_db
def test_null_leaves_a_field_as_it_is_and_clears_only_the_ref(as_token, member, org_a):
    """`"website": null` used to be saved as NULL into a column that cannot hold it: a 500 (schemathesis)."""
    org_a.website, org_a.ref = "https://medsense.example", "999000111"
    org_a.save()
    response = as_token(member).patch(f"/api/organisations/{org_a.pk}",
                                      {"website": None, "city": None, "name": None, "ref": None, "postcode": "40100"},
                                      content_type=JSON)
    assert response.status_code == 200, response.content
    org_a.refresh_from_db()
    assert (org_a.website, org_a.city, org_a.name, org_a.ref, org_a.postcode) == (
        "https://medsense.example", "Bologna", "MedSense Srl", None, "40100")


@pytest.mark.django_db
def test_changes_are_audited_as_the_token_user(as_token, member, org_a):
    response = as_token(member).patch(f"/api/organisations/{org_a.pk}", {"city": "Ferrara"}, content_type=JSON)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(model="directory.organisation", object_id=str(org_a.pk)).first()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == member and entry.actor_label == "member"
    assert entry.changes["city"] == ["Bologna", "Ferrara"]
