"""Tenant isolation across the whole API: staff of cluster_b (the outsider) and members of cluster_b never get
cluster_a's memberships, people or members-only opportunities, whichever route they try."""

import pytest

from filiera.directory.models import Membership, Person

JSON = "application/json"


@pytest.fixture
def alpha_records(org_a, org_applicant, member, applicant_user, private_opportunity_a, opportunity_a):
    return {
        "memberships": list(Membership.objects.filter(cluster__slug="alpha").values_list("pk", flat=True)),
        "people": list(Person.objects.filter(organisation__memberships__cluster__slug="alpha")
                       .values_list("pk", flat=True)),
        "opportunity": private_opportunity_a.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "outsider_member"])
def test_nothing_of_cluster_a_leaks(request, as_token, as_user, who, alpha_records, cluster_b):
    user = request.getfixturevalue(who)
    for client in (as_token(user), as_user(user)):  # by token and by session
        assert client.get("/api/clusters/alpha/memberships").status_code == 404
        for membership_id in alpha_records["memberships"]:
            assert client.get(f"/api/clusters/alpha/memberships/{membership_id}").status_code == 404
            assert client.get(f"/api/clusters/beta/memberships/{membership_id}").status_code == 404
        people = client.get("/api/people?page_size=100").json()["items"]
        assert not {p["id"] for p in people} & set(alpha_records["people"])
        for person_id in alpha_records["people"]:
            assert client.get(f"/api/people/{person_id}").status_code == 404
        opportunities = client.get("/api/opportunities?page_size=100&expired=1").json()["items"]
        assert alpha_records["opportunity"] not in {o["id"] for o in opportunities}
        assert client.get(f"/api/opportunities/{alpha_records['opportunity']}").status_code == 404
        # and no public response carries alpha's private membership data
        for url in ("/api/clusters", "/api/clusters/alpha", "/api/organisations", "/api/opportunities"):
            content = client.get(url).content
            assert b"Pays late" not in content and b"fee_tier" not in content
            assert b"rehabilitation games" not in content  # the application message
