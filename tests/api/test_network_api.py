"""The collaboration network API through the real HTTP stack: a cluster's network (its staff, observers and admins;
the outsider gets a 404, a visitor a 401), asking for an analysis and polling it, the files (GraphML, GEXF, a ZIP of
CSV), the same for a network of clusters (its coordinator and admins), and the names of the organisations the
caller does not see, which appear nowhere."""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import pytest

from filiera.directory.models import Organisation
from filiera.network.models import Analysis
from tests.network import conftest as network_fixtures

# The network tests' cluster_a whose network is counted by hand.
ties = network_fixtures.ties

JSON = {"content_type": "application/json"}
BASE = "/api/clusters/alpha/network"



def ask(client, url, django_capture_on_commit_callbacks, **body):
    """Ask for an analysis, and read it by id (as a client polls it) once the task has run."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body, **JSON)
    assert response.status_code == 202, response.content
    asked = response.json()
    assert asked["status"] in ("queued", "done")
    response = client.get(f"{url}/{asked['id']}")
    assert response.status_code == 200 and response.json()["status"] == "done"
    return response.json()


@pytest.mark.django_db
def test_a_cluster_s_network_is_read_by_its_staff_and_observers(as_token, admin, staff, observer, member, outsider,
                                                               org_a, ties, django_capture_on_commit_callbacks):
    analyses = BASE + "/analyses"
    for url in (BASE, BASE + "/export"):
        assert as_token(None).get(url).status_code == 401
        for user in (outsider, member):
            assert as_token(user).get(url).status_code == 404
    assert as_token(None).post(analyses, {}, **JSON).status_code == 401
    for user in (outsider, member):
        assert as_token(user).post(analyses, {}, **JSON).status_code == 404
    assert as_token(staff).get("/api/clusters/nowhere/network").status_code == 404
    # Nothing asked yet: no analysis to read, no file.
    response = as_token(staff).get(BASE)
    assert response.status_code == 404 and "not been measured" in response.json()["detail"]
    assert as_token(staff).get(BASE + "/export").status_code == 404

    body = ask(as_token(observer), analyses, django_capture_on_commit_callbacks)  # an observer may ask
    assert body["status"] == "done" and body["cluster"] == "alpha" and body["network"] is None
    assert body["kinds"] == ["agreement", "project", "meeting", "event"] and body["start"] is None
    assert body["clusters"] == [{"id": org_a.memberships.get().cluster_id, "slug": "alpha",
                                 "name": "Alpha Health Cluster"}]
    measures = body["measures"]
    assert (measures["node_count"], measures["edge_count"], measures["density"]) == (4, 3, 0.5)
    assert measures["isolated_members"] == [ties["university"].pk]
    nodes = {node["id"]: node for node in body["nodes"]}
    assert nodes[org_a.pk]["name"] == "MedSense Srl" and nodes[org_a.pk]["slug"] == "medsense"
    assert nodes[org_a.pk]["degree"] == 2 and nodes[org_a.pk]["helix"] == "industry"
    pair = next(tie for tie in body["ties"] if {tie[0], tie[1]} == {org_a.pk, ties["hospital"].pk})
    assert pair[2] == pytest.approx(5.5) and pair[3] == {"project": 1, "event": 1, "meeting": 1, "agreement": 1}
    assert {(s["a"], s["b"]) for s in body["suggestions"]} == {
        tuple(sorted((org_a.pk, ties["university"].pk))), tuple(sorted((ties["hospital"].pk, ties["university"].pk)))}

    for user in (admin, staff, observer):
        response = as_token(user).get(BASE)
        assert response.status_code == 200 and response.json()["id"] == body["id"]
    # Asked again within the day, the same analysis answers; `force` measures anew.
    assert ask(as_token(staff), analyses, django_capture_on_commit_callbacks)["id"] == body["id"]
    again = ask(as_token(staff), analyses, django_capture_on_commit_callbacks, force=True)
    assert again["id"] != body["id"] and as_token(staff).get(BASE).json()["id"] == again["id"]
    assert Analysis.objects.get(pk=again["id"]).requested_by == staff


@pytest.mark.django_db
def test_questions_polling_and_communities(as_token, staff, outsider, cluster_b, org_a, ties,
                                           django_capture_on_commit_callbacks):
    client = as_token(staff)
    body = ask(client, BASE + "/analyses", django_capture_on_commit_callbacks, kinds=["project"],
               start="2025-01-01", end="2025-12-31")
    assert body["kinds"] == ["project"] and (body["start"], body["end"]) == ("2025-01-01", "2025-12-31")
    assert body["measures"]["edge_count"] == 3
    # The question is the window and the kinds, repeated or comma-separated.
    assert client.get(BASE, {"kinds": "project", "start": "2025-01-01", "end": "2025-12-31"}).json()["id"] == \
        body["id"]
    assert client.get(BASE + "?kinds=project&kinds=meeting&start=2025-01-01&end=2025-12-31").status_code == 404
    assert client.get(BASE + "?kinds=project,meeting").status_code == 404
    bad = client.get(BASE, {"kinds": "hugs"})
    assert bad.status_code == 400 and "kinds" in bad.json()["errors"]
    bad = client.post(BASE + "/analyses", {"start": "2025-05-01", "end": "2025-01-01"}, **JSON)
    assert bad.status_code == 400 and "start" in bad.json()["errors"]

    # An analysis by id, as a client polls it, whole or one community.
    url = f"{BASE}/analyses/{body['id']}"
    assert client.get(url).json()["measures"] == body["measures"]
    community = client.get(url, {"community": 0}).json()
    assert len(community["nodes"]) == 3 and len(community["ties"]) == 3
    # The university had left by 2025: it is not in this network, and there is no other community.
    assert client.get(url, {"community": 1}).json()["nodes"] == []
    # A community read apart from the rest of the analysis (what the page's viewer fetches): the same graph.
    part = client.get(f"{url}/communities/0").json()
    assert (part["analysis"], part["community"]) == (body["id"], 0)
    assert part["nodes"] == community["nodes"] and part["ties"] == community["ties"]
    assert client.get(f"{url}/communities/1").status_code == 404
    # Not through another cluster, nor by its staff.
    assert client.get(f"/api/clusters/beta/network/analyses/{body['id']}").status_code == 404
    assert client.get(f"/api/clusters/beta/network/analyses/{body['id']}/communities/0").status_code == 404
    assert as_token(outsider).get(f"/api/clusters/beta/network/analyses/{body['id']}").status_code == 404
    assert as_token(outsider).get(url).status_code == 404
    assert as_token(outsider).get(f"{url}/communities/0").status_code == 404

    # Queued: the status, no graph yet.
    queued = Analysis.objects.create(cluster=org_a.memberships.get().cluster, kinds="meeting")
    body = client.get(f"{BASE}/analyses/{queued.pk}").json()
    assert body["status"] == "queued" and body["measures"] is None and body["nodes"] == [] and body["ties"] == []
    assert client.get(BASE, {"kinds": "meeting"}).json()["status"] == "queued"


@pytest.mark.django_db
def test_the_files(as_token, staff, org_a, ties, django_capture_on_commit_callbacks):
    client = as_token(staff)
    ask(client, BASE + "/analyses", django_capture_on_commit_callbacks)
    hospital = ties["hospital"].pk
    response = client.get(BASE + "/export")  # GraphML by default
    assert response.status_code == 200 and response["Content-Type"] == "application/graphml+xml"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-network.graphml"'
    graph = nx.read_graphml(io.BytesIO(response.content), node_type=int)
    assert graph.number_of_nodes() == 4 and graph.nodes[org_a.pk]["name"] == "MedSense Srl"
    assert graph.edges[org_a.pk, hospital]["ties_meeting"] == 1 and "betweenness" in graph.nodes[hospital]
    response = client.get(BASE + "/export", {"format": "gexf"})
    assert response["Content-Type"] == "application/gexf+xml"
    assert nx.read_gexf(io.BytesIO(response.content), node_type=int).number_of_edges() == 3
    response = client.get(BASE + "/export", {"format": "csv"})
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["nodes.csv", "ties.csv"]
        nodes = archive.read("nodes.csv").decode().splitlines()
    assert nodes[0].startswith("id,") and "degree" in nodes[0] and len(nodes) == 5
    assert client.get(BASE + "/export", {"format": "pdf"}).status_code == 422
    assert client.get(BASE + "/export", {"kinds": "project"}).status_code == 404  # never measured


@pytest.mark.django_db
def test_names_the_caller_cannot_see_appear_nowhere(as_token, staff, admin, org_a, ties,
                                                    django_capture_on_commit_callbacks):
    Organisation.objects.filter(pk=ties["french"].pk).update(visibility="private")
    client = as_token(staff)
    body = ask(client, BASE + "/analyses", django_capture_on_commit_callbacks)
    french = next(node for node in body["nodes"] if node["id"] == ties["french"].pk)
    assert (french["name"], french["slug"], french["country"], french["degree"]) == ("", "", "FR", 2)
    for response in (client.get(BASE), client.get(f"{BASE}/analyses/{body['id']}"),
                     client.get(f"{BASE}/analyses/{body['id']}/communities/0"),
                     client.get(BASE + "/export"), client.get(BASE + "/export", {"format": "gexf"})):
        assert b"Lyon" not in response.content and b"lyon-lab" not in response.content
    with zipfile.ZipFile(io.BytesIO(client.get(BASE + "/export", {"format": "csv"}).content)) as archive:
        assert b"Lyon" not in archive.read("nodes.csv")
    # An admin sees it.
    assert b"Lyon-Lab" in as_token(admin).get(BASE).content


@pytest.mark.django_db
def test_a_network_s_collaboration_is_read_by_its_coordinator(as_token, admin, coordinator, staff, outsider,
                                                             cluster_a, cluster_b, org_b, ties,
                                                             django_capture_on_commit_callbacks):
    base = "/api/networks/alpha-net/network"
    for url in (base, base + "/export"):
        assert as_token(None).get(url).status_code == 401
        for user in (staff, outsider):  # the staff of one of its clusters do not read the network's
            assert as_token(user).get(url).status_code == 404
    assert as_token(staff).post(base + "/analyses", {}, **JSON).status_code == 404
    assert as_token(coordinator).get("/api/networks/nowhere/network").status_code == 404

    body = ask(as_token(coordinator), base + "/analyses", django_capture_on_commit_callbacks, kinds=["event"])
    assert body["network"] == "alpha-net" and body["cluster"] is None
    assert [c["slug"] for c in body["clusters"]] == ["alpha", "beta"]
    assert body["measures"]["edge_count"] == 2  # the fair, and beta's day with the hospital
    hospital = next(node for node in body["nodes"] if node["id"] == ties["hospital"].pk)
    assert sorted(hospital["clusters"]) == sorted([cluster_a.pk, cluster_b.pk])
    for user in (admin, coordinator):
        assert as_token(user).get(base, {"kinds": "event"}).json()["id"] == body["id"]
    assert as_token(coordinator).get(f"{base}/analyses/{body['id']}").status_code == 200
    assert as_token(coordinator).get(f"{base}/analyses/{body['id']}/communities/0").json()["community"] == 0
    assert as_token(staff).get(f"{base}/analyses/{body['id']}/communities/0").status_code == 404
    # A network's analysis is not read through a cluster's route, nor a cluster's through the network's.
    assert as_token(admin).get(f"/api/clusters/alpha/network/analyses/{body['id']}").status_code == 404
    gexf = as_token(coordinator).get(base + "/export", {"format": "gexf", "kinds": "event"})
    assert gexf["Content-Disposition"] == 'attachment; filename="alpha-net-network.gexf"'
    assert nx.read_gexf(io.BytesIO(gexf.content)).number_of_edges() == 2


@pytest.mark.django_db
def test_the_routes_are_documented(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for scope in ("clusters", "networks"):
        base = f"/api/{scope}/{{slug}}/network"
        assert set(paths[base]) == {"get"} and set(paths[base + "/analyses"]) == {"post"}
        assert set(paths[base + "/analyses/{analysis_id}"]) == {"get"}
        assert set(paths[base + "/analyses/{analysis_id}/communities/{number}"]) == {"get"}
        export = paths[base + "/export"]["get"]
        assert "application/graphml+xml" in export["responses"]["200"]["content"]
        assert {p["name"] for p in export["parameters"]} >= {"format", "start", "end", "kinds"}
