"""The monitoring API through the real HTTP stack: a cluster's KPIs (its staff, observers and admins read them; the
outsider gets a 404, a visitor a 401), the targets of a year (read like the KPIs; set by staff only, all or
nothing, with the errors per indicator), the figures staff enter with their evidence, and a network's clusters side
by side (its coordinator and admins)."""

from __future__ import annotations

import pytest

from filiera.core.models import AuditEntry, Cluster, Network
from filiera.monitoring.models import ManualFigure, Target
from tests.monitoring import conftest as monitoring_fixtures

# The monitoring tests' cluster_a whose 2025 is counted by hand.
history = monitoring_fixtures.history

JSON = {"content_type": "application/json"}



def by_code(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {item["code"]: item for item in response.json()["indicators"]}


@pytest.mark.django_db
def test_a_cluster_s_kpis_are_read_by_its_staff_and_observers(as_token, admin, staff, observer, member, outsider,
                                                             history):
    url = "/api/clusters/alpha/kpis?year=2025"
    assert as_token(None).get(url).status_code == 401
    for user in (outsider, member):
        assert as_token(user).get(url).status_code == 404
    assert as_token(staff).get("/api/clusters/nowhere/kpis").status_code == 404
    for user in (admin, staff, observer):
        assert as_token(user).get(url).status_code == 200

    response = as_token(observer).get(url)
    body = response.json()
    assert (body["cluster"], body["year"], body["value_chain"]) == ("alpha", 2025, None)
    kpis = by_code(response)
    assert {code: kpis[code]["value"] for code in ("members", "sme_share", "events", "projects_funded",
                                                   "funding_total", "satisfaction_score", "staff_fte")} == {
        "members": 3, "sme_share": 66.7, "events": 1, "projects_funded": 1, "funding_total": 1000000.0,
        "satisfaction_score": 4.0, "staff_fte": None}
    lapsed = kpis["members_lapsed"]
    assert (lapsed["previous"], lapsed["trend"], lapsed["higher_is_better"], lapsed["unit"], lapsed["area"]) == (
        0, 1, False, "count", "members")
    assert kpis["members"]["label"] == "Members" and kpis["members"]["target"] is None
    assert body["breakdowns"]["members_by_helix"] == {"industry": 2, "public": 1}
    assert body["series"]["years"] == [2021, 2022, 2023, 2024, 2025]
    assert body["series"]["values"]["members"] == [2, 2, 2, 3, 3]

    # The collaboration network of 2025 (counted in tests/monitoring/test_kpis.py), for the whole cluster only.
    density = kpis["network_density"]
    assert (density["value"], density["previous"], density["unit"], density["area"], density["whole_cluster"]) == (
        26.67, 0.0, "percent", "network", True)
    assert (kpis["cross_border_ties"]["value"], kpis["cross_border_share"]["value"]) == (3, 75.0)
    isolated = kpis["isolated_members"]
    assert (isolated["value"], isolated["previous"], isolated["trend"], isolated["higher_is_better"]) == (
        2, 3, -1, False)
    assert kpis["members"]["whole_cluster"] is False and kpis["staff_fte"]["whole_cluster"] is True
    assert body["series"]["values"]["cross_border_ties"] == [0, 0, 0, 0, 3]

    chain = as_token(staff).get(url + "&value_chain=biomedical")
    assert chain.json()["value_chain"] == "biomedical" and by_code(chain)["members"]["value"] == 1
    assert "staff_fte" not in by_code(chain) and "network_density" not in by_code(chain)
    bad = as_token(staff).get(url + "&value_chain=cardiology")
    assert bad.status_code == 400 and "value_chain" in bad.json()["errors"]
    assert as_token(staff).get("/api/clusters/alpha/kpis?year=1850").status_code == 400
    # Without a year: the current one.
    assert as_token(staff).get("/api/clusters/alpha/kpis").json()["year"] >= 2026


@pytest.mark.django_db
def test_staff_set_a_year_s_targets_all_or_nothing(as_token, staff, manager, observer, outsider, member, cluster_a,
                                                   history):
    url = "/api/clusters/alpha/targets/2025"
    targets = {"members": 4, "events": 1, "funding_total": "900000.50"}
    assert as_token(None).put(url, targets, **JSON).status_code == 401
    assert as_token(outsider).put(url, targets, **JSON).status_code == 404
    assert as_token(member).put(url, targets, **JSON).status_code == 404
    assert as_token(observer).put(url, targets, **JSON).status_code == 403
    assert not Target.objects.exists()

    response = as_token(staff).put(url, targets, **JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {"cluster": "alpha", "year": 2025, "value_chain": None,
                               "targets": {"members": 4.0, "events": 1.0, "funding_total": 900000.5}}
    target = Target.objects.get(indicator="members")
    entry = AuditEntry.objects.get(model="monitoring.target", object_id=str(target.pk), action="create")
    assert entry.actor == staff

    # The KPIs carry the targets and their status; observers read the targets too.
    kpis = by_code(as_token(observer).get("/api/clusters/alpha/kpis?year=2025"))
    assert (kpis["members"]["target"], kpis["members"]["status"]) == (4.0, "missed")
    assert (kpis["events"]["target"], kpis["events"]["status"]) == (1.0, "met")
    # The network's figures have targets like the others: 2 members without a tie meet a target of 2 (fewer is
    # better); a density of 26.67 % misses 30 %.
    response = as_token(staff).put(url, {"isolated_members": 2, "network_density": "30.00"}, **JSON)
    assert response.status_code == 200, response.content
    kpis = by_code(as_token(observer).get("/api/clusters/alpha/kpis?year=2025"))
    assert (kpis["isolated_members"]["status"], kpis["network_density"]["status"]) == ("met", "missed")
    as_token(staff).put(url, {"isolated_members": None, "network_density": None}, **JSON)
    read = as_token(observer).get("/api/clusters/alpha/targets?year=2025")
    assert read.status_code == 200 and read.json()["targets"]["members"] == 4.0
    assert as_token(outsider).get("/api/clusters/alpha/targets?year=2025").status_code == 404

    # null removes a target; those not named stay.
    response = as_token(manager).put(url, {"members": None}, **JSON)
    assert response.json()["targets"] == {"events": 1.0, "funding_total": 900000.5}

    # A refused indicator refuses them all, each error under its indicator.
    response = as_token(staff).put(url, {"events": 5, "members": -1, "nonsense": 3}, **JSON)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"members", "nonsense"}
    assert "negative" in errors["members"][0] and "not an indicator" in errors["nonsense"][0]
    assert Target.objects.get(indicator="events").value == 1  # the good one was not saved either
    assert as_token(staff).put(url, {"events": "many"}, **JSON).status_code == 422  # not a number at all
    assert as_token(staff).put("/api/clusters/alpha/targets/1999", {"events": 1}, **JSON).status_code == 400

    # A value chain's targets, without the figures entered for the whole cluster.
    chain_url = url + "?value_chain=biomedical"
    response = as_token(staff).put(chain_url, {"members": 2}, **JSON)
    assert response.json() == {"cluster": "alpha", "year": 2025, "value_chain": "biomedical",
                               "targets": {"members": 2.0}}
    response = as_token(staff).put(chain_url, {"budget": 1000, "network_density": 10}, **JSON)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"budget", "network_density"}
    assert "whole cluster only" in response.json()["errors"]["network_density"][0]
    assert as_token(staff).put(url + "?value_chain=cardiology", {"members": 2}, **JSON).status_code == 400
    read = as_token(staff).get("/api/clusters/alpha/targets?year=2025&value_chain=biomedical").json()
    assert read["targets"] == {"members": 2.0}


@pytest.mark.django_db
def test_figures_are_entered_by_staff_and_read_by_observers(as_token, staff, observer, outsider, cluster_a):
    url = "/api/clusters/alpha/figures"
    figure = {"indicator": "staff_fte", "year": 2025, "value": "2.5", "evidence": "HR register 2025"}
    assert as_token(None).post(url, figure, **JSON).status_code == 401
    assert as_token(outsider).post(url, figure, **JSON).status_code == 404
    assert as_token(observer).post(url, figure, **JSON).status_code == 403
    assert not ManualFigure.objects.exists()

    response = as_token(staff).post(url, figure, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["indicator"], body["label"], body["year"], body["value"], body["evidence"], body["entered_by"]) == (
        "staff_fte", "Cluster management team (FTE)", 2025, "2.50", "HR register 2025", "staff")
    saved = ManualFigure.objects.get()
    assert AuditEntry.objects.get(model="monitoring.manualfigure", object_id=str(saved.pk), action="create") \
        .actor == staff
    as_token(staff).post(url, {**figure, "indicator": "budget", "value": 300000, "year": 2024,
                               "evidence": "Accounts 2024"}, **JSON)

    listed = as_token(observer).get(url)
    assert listed.status_code == 200
    assert [(f["indicator"], f["year"]) for f in listed.json()] == [("staff_fte", 2025), ("budget", 2024)]
    assert [f["indicator"] for f in as_token(observer).get(url + "?year=2024").json()] == ["budget"]
    assert as_token(outsider).get(url).status_code == 404
    assert as_token(None).get(url).status_code == 401

    # Computed indicators, missing evidence and negative values are refused with the field's error.
    for bad, field in (({**figure, "indicator": "members"}, "indicator"), ({**figure, "evidence": " "}, "evidence"),
                       ({**figure, "value": -1}, "value")):
        response = as_token(staff).post(url, bad, **JSON)
        assert response.status_code == 400 and field in response.json()["errors"], response.content
    # The dashboard's KPIs show the figure.
    kpis = by_code(as_token(observer).get("/api/clusters/alpha/kpis?year=2025"))
    assert kpis["staff_fte"]["value"] == 2.5 and kpis["staff_fte"]["manual"] is True


@pytest.mark.django_db
def test_a_network_s_clusters_side_by_side_for_its_coordinator(as_token, admin, coordinator, staff, observer,
                                                               outsider, history, cluster_b):
    url = "/api/networks/alpha-net/kpis?year=2025"
    assert as_token(None).get(url).status_code == 401
    for user in (staff, observer, outsider):
        assert as_token(user).get(url).status_code == 404
    assert as_token(coordinator).get("/api/networks/nowhere/kpis").status_code == 404
    gamma = Network.objects.create(slug="gamma-net", name="Gamma")
    gamma.clusters.add(cluster_b, Cluster.objects.create(slug="gamma", name="Gamma Cluster", country="ES"))
    assert as_token(coordinator).get("/api/networks/gamma-net/kpis").status_code == 404
    assert as_token(admin).get("/api/networks/gamma-net/kpis").status_code == 200

    response = as_token(coordinator).get(url)
    assert response.status_code == 200
    body = response.json()
    assert (body["network"], body["year"]) == ("alpha-net", 2025)
    assert [c["slug"] for c in body["clusters"]] == ["alpha", "beta"]
    rows = {row["code"]: row for row in body["indicators"]}
    assert rows["members"]["values"] == [3, 1]
    assert rows["funding_total"]["values"] == [1000000.0, 0.0]
    assert rows["sme_share"]["unit"] == "percent" and rows["sme_share"]["label"] == "Share of SMEs"
    assert rows["network_density"]["values"][0] == 26.67 and rows["cross_border_ties"]["values"][0] == 3
