"""Memberships are cluster-private: only the cluster's staff, manager and platform admins reach them."""

import pytest
from django.core import mail

from filiera.core.models import AuditEntry
from filiera.directory.models import Membership

JSON = "application/json"


@pytest.fixture
def applicant_membership(org_applicant, cluster_a):
    return Membership.objects.get(organisation=org_applicant, cluster=cluster_a)


@pytest.fixture
def membership_a(org_a, cluster_a):
    return Membership.objects.get(organisation=org_a, cluster=cluster_a)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_staff_list_their_cluster_memberships(as_token, request, role, membership_a, applicant_membership, org_b):
    response = as_token(request.getfixturevalue(role)).get("/api/clusters/alpha/memberships")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # org_b is in the other cluster
    by_org = {item["organisation"]["slug"]: item for item in body["items"]}
    assert by_org["medsense"]["status"] == "active"
    assert by_org["medsense"]["fee_tier"] == "medium"
    assert by_org["medsense"]["notes"] == "Pays late, be kind"
    assert by_org["medsense"]["next_statuses"] == ["lapsed", "left"]
    assert by_org["newco"]["status"] == "applicant"
    assert by_org["newco"]["application_message"] == "We make rehabilitation games"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["observer", "member", "outsider", "outsider_member", "applicant_user"])
def test_everyone_else_gets_404(as_token, request, role, membership_a):
    client = as_token(request.getfixturevalue(role))
    base = f"/api/clusters/alpha/memberships/{membership_a.pk}"
    assert client.get("/api/clusters/alpha/memberships").status_code == 404
    assert client.get(base).status_code == 404
    assert client.post(base + "/status", {"status": "lapsed"}, content_type=JSON).status_code == 404
    assert client.patch(base, {"fee_tier": "large"}, content_type=JSON).status_code == 404
    membership_a.refresh_from_db()
    assert membership_a.status == "active" and membership_a.fee_tier == "medium"


@pytest.mark.django_db
def test_visitors_must_authenticate(client, membership_a):
    assert client.get("/api/clusters/alpha/memberships").status_code == 401
    assert client.get(f"/api/clusters/alpha/memberships/{membership_a.pk}").status_code == 401


@pytest.mark.django_db
def test_a_membership_is_reached_only_through_its_own_cluster(as_token, staff, outsider, membership_a, org_b,
                                                              cluster_b):
    beta_membership = Membership.objects.get(organisation=org_b, cluster=cluster_b)
    # staff of alpha cannot reach beta's membership, neither through beta nor through alpha
    assert as_token(staff).get(f"/api/clusters/beta/memberships/{beta_membership.pk}").status_code == 404
    assert as_token(staff).get(f"/api/clusters/alpha/memberships/{beta_membership.pk}").status_code == 404
    # and the outsider (staff of beta) cannot reach alpha's through beta's URL
    assert as_token(outsider).get(f"/api/clusters/beta/memberships/{membership_a.pk}").status_code == 404
    assert as_token(outsider).get(f"/api/clusters/beta/memberships/{beta_membership.pk}").status_code == 200
    assert as_token(staff).get("/api/clusters/nowhere/memberships").status_code == 404


@pytest.mark.django_db
def test_filter_by_status_and_name(as_token, staff, membership_a, applicant_membership):
    client = as_token(staff)
    items = client.get("/api/clusters/alpha/memberships?status=applicant").json()["items"]
    assert [i["id"] for i in items] == [applicant_membership.pk]
    both = client.get("/api/clusters/alpha/memberships?status=applicant&status=active").json()
    assert both["count"] == 2
    assert client.get("/api/clusters/alpha/memberships?status=lapsed").json()["count"] == 0
    assert client.get("/api/clusters/alpha/memberships?status=bogus").status_code == 422
    assert [i["id"] for i in client.get("/api/clusters/alpha/memberships?q=medsense").json()["items"]] == [
        membership_a.pk
    ]


@pytest.mark.django_db
def test_detail(as_token, manager, membership_a):
    response = as_token(manager).get(f"/api/clusters/alpha/memberships/{membership_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["cluster"] == "alpha"
    assert body["organisation"] == {"id": membership_a.organisation_id, "slug": "medsense", "name": "MedSense Srl"}
    assert body["joined_on"] == "2021-03-01"


@pytest.mark.django_db
def test_approve_an_applicant(as_token, staff, applicant_membership, applicant_user,
                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_token(staff).post(f"/api/clusters/alpha/memberships/{applicant_membership.pk}/status",
                                        {"status": "active", "note": "Approved by the board"}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["joined_on"] is not None
    assert body["notes"].endswith(": Approved by the board")
    applicant_membership.refresh_from_db()
    assert applicant_membership.status == Membership.Status.ACTIVE
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["applicant@example.org"]
    entry = AuditEntry.objects.filter(model="directory.membership", object_id=str(applicant_membership.pk),
                                      action="update").first()
    assert entry.actor == staff
    assert entry.changes["status"] == ["applicant", "active"]


@pytest.mark.django_db
def test_invalid_transition_is_400_with_the_message(as_token, staff, membership_a):
    url = f"/api/clusters/alpha/memberships/{membership_a.pk}/status"
    response = as_token(staff).post(url, {"status": "applicant"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["detail"] == "A membership cannot go from Active to Applicant."
    assert response.json()["errors"] == {"__all__": ["A membership cannot go from Active to Applicant."]}
    assert as_token(staff).post(url, {"status": "expelled"}, content_type=JSON).status_code == 422
    membership_a.refresh_from_db()
    assert membership_a.status == Membership.Status.ACTIVE


@pytest.mark.django_db
def test_change_on_a_given_date(as_token, staff, membership_a):
    response = as_token(staff).post(f"/api/clusters/alpha/memberships/{membership_a.pk}/status",
                                    {"status": "left", "on": "2024-12-31"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["ended_on"] == "2024-12-31"
    assert response.json()["next_statuses"] == ["active"]


@pytest.mark.django_db
def test_update_fee_tier_and_notes(as_token, staff, membership_a):
    url = f"/api/clusters/alpha/memberships/{membership_a.pk}"
    response = as_token(staff).patch(url, {"fee_tier": "large"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["fee_tier"] == "large"
    assert response.json()["notes"] == "Pays late, be kind"  # not sent: unchanged
    response = as_token(staff).patch(url, {"notes": ""}, content_type=JSON)
    assert (response.json()["fee_tier"], response.json()["notes"]) == ("large", "")
    assert as_token(staff).patch(url, {"fee_tier": "gigantic"}, content_type=JSON).status_code == 422
    membership_a.refresh_from_db()
    assert (membership_a.fee_tier, membership_a.notes) == ("large", "")
    entry = AuditEntry.objects.filter(model="directory.membership", object_id=str(membership_a.pk)).first()
    assert entry.actor == staff
