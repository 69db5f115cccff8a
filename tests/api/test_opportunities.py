import datetime

import pytest
from django.utils import timezone

from filiera.core.models import AuditEntry
from filiera.directory.models import Opportunity
from tests.api.conftest import ids

JSON = "application/json"


@pytest.fixture
def opportunity_b(org_b, cluster_b, outsider_member):
    return Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, author=outsider_member, type=Opportunity.Type.BUSINESS_REQUEST,
        title="Distributors for care robots", summary="Looking for distributors in Italy", language="en",
    )


@pytest.mark.django_db
def test_who_sees_which_opportunity(as_token, opportunity_a, private_opportunity_a, opportunity_b, member, staff,
                                    outsider, outsider_member, observer):
    public = {opportunity_a.pk, opportunity_b.pk}
    assert ids(as_token(None).get("/api/opportunities")) == public
    assert ids(as_token(outsider).get("/api/opportunities")) == public
    assert ids(as_token(outsider_member).get("/api/opportunities")) == public
    assert ids(as_token(observer).get("/api/opportunities")) == public
    assert ids(as_token(member).get("/api/opportunities")) == public | {private_opportunity_a.pk}
    assert ids(as_token(staff).get("/api/opportunities")) == public | {private_opportunity_a.pk}


@pytest.mark.django_db
def test_members_only_opportunity_is_404_for_others(as_token, private_opportunity_a, member, outsider,
                                                    outsider_member, observer):
    url = f"/api/opportunities/{private_opportunity_a.pk}"
    for user in (None, outsider, outsider_member, observer):
        assert as_token(user).get(url).status_code == 404
    response = as_token(member).get(url)
    assert response.status_code == 200
    assert response.json()["visibility"] == "members"


@pytest.mark.django_db
def test_detail(client, opportunity_a, concept, value_chain):
    opportunity_a.concepts.add(concept)
    response = client.get(f"/api/opportunities/{opportunity_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"] == {"id": opportunity_a.organisation_id, "slug": "medsense", "name": "MedSense Srl"}
    assert body["cluster"] == "alpha"
    assert body["type"] == "technology_offer"
    assert body["concepts"] == [{"slug": "telemonitoring", "label": "Telemonitoring"}]
    assert body["is_expired"] is False
    assert body["moderation_note"] is None  # not for visitors
    assert client.get("/api/opportunities/999999").status_code == 404


@pytest.mark.django_db
def test_filters_match_the_opportunity_queries(client, opportunity_a, opportunity_b, concept, value_chain):
    opportunity_a.concepts.add(concept)
    opportunity_b.value_chains.add(value_chain)
    expired = Opportunity.objects.create(
        organisation=opportunity_a.organisation, cluster=opportunity_a.cluster, type="technology_request",
        title="Old request", summary="Expired", expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    def found(query: str) -> set[int]:
        return ids(client.get("/api/opportunities" + query))

    assert found("") == {opportunity_a.pk, opportunity_b.pk}
    assert found("?expired=true") == {opportunity_a.pk, opportunity_b.pk, expired.pk}
    assert found("?q=pazienti cronici") == {opportunity_a.pk}
    assert found("?q=ROBOTS") == {opportunity_b.pk}
    assert found("?type=business_request") == {opportunity_b.pk}
    assert found("?type=business_request&type=technology_offer") == {opportunity_a.pk, opportunity_b.pk}
    assert client.get("/api/opportunities?type=rumour").status_code == 422
    assert found("?language=it") == {opportunity_a.pk}
    assert found("?cluster=beta") == {opportunity_b.pk}
    assert found("?country=it") == {opportunity_a.pk}
    assert found("?concept=telemonitoring") == {opportunity_a.pk}
    assert found("?value_chain=biomedical") == {opportunity_b.pk}
    assert found(f"?organisation={opportunity_b.organisation_id}") == {opportunity_b.pk}


@pytest.mark.django_db
def test_drafts_are_listed_to_their_organisation_and_moderators_only(as_token, opportunity_a, member, staff,
                                                                     outsider):
    draft = Opportunity.objects.create(organisation=opportunity_a.organisation, cluster=opportunity_a.cluster,
                                       type="technology_offer", title="Draft", summary="Not yet",
                                       status=Opportunity.Status.DRAFT)
    assert draft.pk not in ids(as_token(member).get("/api/opportunities"))
    assert ids(as_token(member).get("/api/opportunities?status=draft")) == {draft.pk}
    assert ids(as_token(staff).get("/api/opportunities?status=draft")) == {draft.pk}
    assert ids(as_token(outsider).get("/api/opportunities?status=draft")) == set()
    assert ids(as_token(None).get("/api/opportunities?status=draft&status=published")) == {opportunity_a.pk}
    assert as_token(outsider).get(f"/api/opportunities/{draft.pk}").status_code == 404


@pytest.mark.django_db
def test_representative_posts_for_their_organisation(as_token, member, org_a, concept, value_chain):
    response = as_token(member).post("/api/opportunities", {
        "organisation": org_a.pk, "type": "rd_partner_search", "title": "Partners for a Horizon call",
        "summary": "Hospitals to pilot remote monitoring", "language": "en", "visibility": "network",
        "concepts": ["telemonitoring"], "value_chains": ["biomedical"], "expires_on": "2099-01-31",
    }, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "published" and body["published_at"] is not None
    assert body["cluster"] == "alpha"  # its membership's cluster moderates it
    assert body["moderation_note"] == ""  # the author may read it
    opportunity = Opportunity.objects.get(pk=body["id"])
    assert opportunity.author == member
    assert list(opportunity.concepts.values_list("slug", flat=True)) == ["telemonitoring"]
    entry = AuditEntry.objects.get(model="directory.opportunity", object_id=str(opportunity.pk), action="create")
    assert entry.actor == member


@pytest.mark.django_db
def test_a_draft_can_be_posted(as_token, member, org_a):
    response = as_token(member).post("/api/opportunities", {
        "organisation": org_a.pk, "type": "business_offer", "title": "Draft offer", "summary": "Soon",
        "status": "draft",
    }, content_type=JSON)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["published_at"] is None
    published = as_token(member).patch(f"/api/opportunities/{body['id']}", {"status": "published"}, content_type=JSON)
    assert published.status_code == 200 and published.json()["published_at"] is not None


@pytest.mark.django_db
def test_posting_elsewhere_is_refused(as_token, member, outsider, outsider_member, observer, org_a, org_b,
                                      cluster_b):
    data = {"type": "business_offer", "title": "Nope", "summary": "Nope"}
    assert as_token(member).post("/api/opportunities", {**data, "organisation": org_b.pk},
                                 content_type=JSON).status_code == 403
    for user in (outsider, outsider_member, observer):
        assert as_token(user).post("/api/opportunities", {**data, "organisation": org_a.pk},
                                   content_type=JSON).status_code == 403
    assert as_token(None).post("/api/opportunities", {**data, "organisation": org_a.pk},
                               content_type=JSON).status_code == 401
    # the moderating cluster must be one of the organisation's: beta's staff must not get alpha's member's post
    response = as_token(member).post("/api/opportunities", {**data, "organisation": org_a.pk, "cluster": "beta"},
                                     content_type=JSON)
    assert response.status_code == 400
    assert "cluster" in response.json()["errors"]
    assert not Opportunity.objects.filter(title="Nope").exists()


@pytest.mark.django_db
def test_post_validation(as_token, member, org_a):
    client = as_token(member)
    response = client.post("/api/opportunities", {"organisation": org_a.pk, "type": "business_offer", "title": "",
                                                  "summary": "x", "language": "xx"}, content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "language"}
    assert client.post("/api/opportunities", {"organisation": org_a.pk, "title": "t", "summary": "s"},
                       content_type=JSON).status_code == 422
    assert client.post("/api/opportunities", {"organisation": org_a.pk, "type": "business_offer", "title": "t",
                                              "summary": "s", "status": "hidden"}, content_type=JSON).status_code == 422


@pytest.mark.django_db
def test_edit_by_author_and_by_moderating_staff(as_token, member, staff, opportunity_a):
    url = f"/api/opportunities/{opportunity_a.pk}"
    response = as_token(member).patch(url, {"title": "Cerotto intelligente", "concepts": ["telemonitoring"]},
                                      content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Cerotto intelligente"
    assert response.json()["summary"] == opportunity_a.summary
    response = as_token(staff).patch(url, {"status": "archived"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    entry = AuditEntry.objects.filter(model="directory.opportunity", object_id=str(opportunity_a.pk),
                                      action="update").first()
    assert entry.actor == staff and entry.changes["status"] == ["published", "archived"]


@pytest.mark.django_db
def test_hidden_by_staff_cannot_be_republished_by_its_author(as_token, member, opportunity_a):
    Opportunity.objects.filter(pk=opportunity_a.pk).update(status=Opportunity.Status.HIDDEN,
                                                           moderation_note="Please remove the price")
    client = as_token(member)
    url = f"/api/opportunities/{opportunity_a.pk}"
    assert client.get(url).json()["moderation_note"] == "Please remove the price"
    response = client.patch(url, {"status": "published"}, content_type=JSON)
    assert response.status_code == 400
    assert "hidden by the cluster staff" in response.json()["detail"]


@pytest.mark.django_db
def test_who_sees_but_may_not_edit_gets_403_and_who_cannot_see_gets_404(as_token, outsider, outsider_member,
                                                                       observer, opportunity_a,
                                                                       private_opportunity_a):
    for user in (outsider, outsider_member, observer):
        client = as_token(user)
        assert client.patch(f"/api/opportunities/{opportunity_a.pk}", {"title": "Mine"},
                            content_type=JSON).status_code == 403
        assert client.delete(f"/api/opportunities/{opportunity_a.pk}").status_code == 403
        assert client.patch(f"/api/opportunities/{private_opportunity_a.pk}", {"title": "Mine"},
                            content_type=JSON).status_code == 404
        assert client.delete(f"/api/opportunities/{private_opportunity_a.pk}").status_code == 404
    opportunity_a.refresh_from_db()
    assert opportunity_a.title != "Mine"
    assert Opportunity.objects.filter(pk=private_opportunity_a.pk).exists()


@pytest.mark.django_db
def test_delete(as_token, member, opportunity_a):
    assert as_token(member).delete(f"/api/opportunities/{opportunity_a.pk}").status_code == 204
    assert not Opportunity.objects.filter(pk=opportunity_a.pk).exists()
    entry = AuditEntry.objects.get(model="directory.opportunity", object_id=str(opportunity_a.pk), action="delete")
    assert entry.actor == member
