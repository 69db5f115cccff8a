import datetime

import pytest

from filiera.core.models import ExcellenceLabel

PRIVATE_KEYS = {"status", "fee_tier", "notes", "memberships"}


@pytest.mark.django_db
def test_clusters_are_public_with_their_active_member_count(client, cluster_a, cluster_b, org_a, org_applicant,
                                                            org_b, value_chain):
    ExcellenceLabel.objects.create(cluster=cluster_a, level="silver", awarded_on=datetime.date(2023, 5, 1),
                                   valid_until=datetime.date(2099, 5, 1))
    response = client.get("/api/clusters")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    alpha, beta = body["items"]  # by name
    assert alpha["slug"] == "alpha" and beta["slug"] == "beta"
    assert alpha["active_member_count"] == 1  # org_a; the applicant does not count
    assert alpha["value_chains"] == [
        {"slug": "biomedical", "label": "Biomedical devices", "labels": {"en": "Biomedical devices",
                                                                         "it": "Biomedicale"}}
    ]
    assert alpha["networks"] == [{"slug": "alpha-net", "name": "Alpha network", "kind": "regional"}]
    assert alpha["current_label"]["level"] == "silver"
    assert alpha["excellence_labels"][0]["awarded_on"] == "2023-05-01"
    assert not PRIVATE_KEYS & set(alpha)
    assert b"Pays late" not in response.content


@pytest.mark.django_db
def test_cluster_detail_and_filter(client, cluster_a, cluster_b, org_a):
    response = client.get("/api/clusters/alpha")
    assert response.status_code == 200
    assert response.json()["name"] == "Alpha Health Cluster"
    assert response.json()["region"] == "Emilia-Romagna"
    assert client.get("/api/clusters/nowhere").status_code == 404
    assert [c["slug"] for c in client.get("/api/clusters?country=dk").json()["items"]] == ["beta"]


@pytest.mark.django_db
def test_labels_follow_the_requested_language(client, cluster_a):
    response = client.get("/api/clusters/alpha", headers={"accept-language": "it"})
    assert response.json()["value_chains"][0]["label"] == "Biomedicale"
