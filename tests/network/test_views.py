"""The collaboration network pages through the real HTTP stack: a cluster's network in its back office (its staff,
managers and observers; outsiders get a 404), a network of clusters' (its coordinator and admins), asking for an
analysis, the measures of the `ties` fixture as the page shows them, the files, and the names of the organisations
the viewer does not see, which appear nowhere."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile

import networkx as nx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filiera.core.access import viewer_for
from filiera.directory.models import Membership, Organisation
from filiera.network import services, views
from filiera.network.models import Analysis
from filiera.projects.models import Partner, Project

PAGE = "/c/alpha/network/"
NETWORK_PAGE = "/networks/alpha-net/collaboration/"
ALL_KINDS = "agreement,project,meeting,event"


def embedded(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no data {element_id}"
    return json.loads(match.group(1))


def measure(html: str, code: str) -> str:
    match = re.search(rf'<dd [^>]*data-measure="{code}">(.*?)</dd>', html, re.S)
    assert match, f"no measure {code}"
    return match.group(1).strip()


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<(ul|ol|table)[^>]* id="{element_id}">(.*?)</\1>', html, re.S)
    assert match, f"no {element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


@pytest.fixture
def measured(cluster_a, staff, ties, django_capture_on_commit_callbacks):
    """The latest analysis of cluster_a's whole history, every kind of tie, computed."""
    with django_capture_on_commit_callbacks(execute=True):
        analysis = services.request_analysis(viewer_for(staff), cluster_a)
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.DONE
    return analysis


@pytest.fixture
def secret_partner(cluster_a, ties):
    """A private lab outside the cluster, whose only tie is a project with a new member, the clinic: the staff of
    alpha see the clinic, not the lab. The lab then stands between the clinic and the rest (a broker) and is the
    shared partner of the clinic and org_a (a suggested link)."""
    Organisation.objects.filter(pk=ties["french"].pk).update(visibility="private")
    clinic = Organisation.objects.create(slug="clinic", name="Clinica Serena", kind="hospital", country="IT")
    Membership.objects.create(organisation=clinic, cluster=cluster_a, status="active",
                              joined_on=datetime.date(2022, 1, 1))
    project = Project.objects.create(cluster=cluster_a, acronym="CARE", status="running",
                                     start_date=datetime.date(2025, 6, 1))
    for org in (clinic, ties["french"]):
        Partner.objects.create(project=project, organisation=org)
    return clinic


@pytest.mark.django_db
def test_a_cluster_s_network_is_for_its_staff_and_observers(as_user, client, admin, manager, staff, observer, member,
                                                             outsider, measured):
    urls = (PAGE, PAGE + "export/graphml/")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for user in (outsider, member):
            assert as_user(user).get(url).status_code == 404
        for user in (admin, manager, staff, observer):
            assert as_user(user).get(url).status_code == 200, (url, user)
    # Beta's network is not alpha's staff's business, nor is alpha's POST an outsider's.
    assert as_user(staff).get("/c/beta/network/").status_code == 404
    assert as_user(outsider).post(PAGE).status_code == 404
    assert Analysis.objects.count() == 1
    # The back office's menu leads there, for observers too.
    html = as_user(observer).get("/c/alpha/monitoring/").content.decode()
    assert 'href="/c/alpha/network/"' in html


@pytest.mark.django_db
def test_compute_and_read_the_measures_of_the_fixture(as_user, staff, cluster_a, org_a, ties,
                                                      django_capture_on_commit_callbacks):
    client = as_user(staff)
    html = client.get(PAGE).content.decode()
    assert "has not been measured for this window and these ties yet" in html
    assert "network-data" not in html and ">Compute<" in html.replace("</i> ", "")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"kinds": ALL_KINDS.split(",")})
    assert response.status_code == 302 and response["Location"].startswith(PAGE + "?kinds=agreement")
    analysis = Analysis.objects.get()
    assert analysis.status == Analysis.Status.DONE and analysis.requested_by == staff

    html = client.get(PAGE).content.decode()
    assert 'data-status="done"' in html and "Compute again" in html
    # Four organisations: the triangle org_a – hospital – the French lab, and the university that left, alone.
    assert measure(html, "node_count") == "4" and measure(html, "edge_count") == "3"
    assert measure(html, "density") == "0.5000"
    assert measure(html, "components") == "2 (the largest: 3 organisations)"
    assert measure(html, "communities").startswith("2 (modularity")
    assert measure(html, "cross_border_share") == "66.7 %"  # the French lab's two ties of three
    assert measure(html, "cross_helix_share") == "100.0 %"  # an SME, a hospital and a lab: every tie crosses
    assert section(html, "isolated") == "University"
    assert "No organisation stands between others." in html  # in a triangle nobody does
    suggestions = section(html, "suggestions")
    assert suggestions == ("MedSense Srl – University 0.10 Different helices: Industry and Academia and research "
                           "Hospital – University 0.10 Different helices: Health and public sector and Academia and "
                           "research")
    data = embedded(html, "network-data")
    assert data["mode"] == "full" and len(data["nodes"]) == 4 and len(data["ties"]) == 3
    nodes = {node["id"]: node for node in data["nodes"]}
    assert nodes[org_a.pk]["name"] == "MedSense Srl" and nodes[org_a.pk]["slug"] == "medsense"
    assert nodes[org_a.pk]["member"] and not nodes[ties["french"].pk]["member"]
    labels = embedded(html, "network-labels")
    assert labels["profile"] == "/org/__slug__/" and labels["countries"]["FR"] == "France"
    assert "vendor/cytoscape/cytoscape.min.js" in html and "filiera/network-viewer.js" in html
    for file_format in ("graphml", "gexf", "csv"):
        assert f"/c/alpha/network/export/{file_format}/?kinds=agreement" in html

    # "Compute again" measures anew, even within the day.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"kinds": ALL_KINDS.split(",")})
    assert Analysis.objects.filter(status=Analysis.Status.DONE).count() == 2


@pytest.mark.django_db
def test_an_observer_may_ask_too_and_the_question_is_checked(as_user, observer, cluster_a, ties,
                                                             django_capture_on_commit_callbacks):
    client = as_user(observer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE + "?kinds=project", {"kinds": ["project"], "start": "2025-04-01"})
    assert response.status_code == 302
    html = client.get(PAGE, {"kinds": "project", "start": "2025-04-01"}).content.decode()
    # From April 2025 the only project (started in March) is out of the window: no tie.
    assert measure(html, "edge_count") == "0" and 'value="project" data-filter="tie"' in html
    assert client.get(PAGE).content.decode().count('data-status="done"') == 0  # another question
    # A window that ends before it starts is refused, on the page and when asked to compute.
    response = client.get(PAGE, {"start": "2025-05-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "The window starts after it ends." in response.content.decode()
    response = client.post(PAGE, {"start": "2025-05-01", "end": "2025-01-01"})
    assert response.status_code == 400 and Analysis.objects.count() == 1
    assert client.get(PAGE, {"start": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_a_queued_analysis_reloads_the_page_and_the_last_one_done_is_shown(as_user, staff, cluster_a, measured):
    Analysis.objects.create(cluster=cluster_a, kinds=ALL_KINDS)  # a worker has not taken it yet
    html = as_user(staff).get(PAGE).content.decode()
    assert 'data-status="queued"' in html and '<meta http-equiv="refresh" content="5">' in html
    assert "Below, the analysis of" in html and measure(html, "edge_count") == "3"
    assert "Compute again" not in html  # it is being computed
    # A failure is said, and the last analysis done still shown.
    Analysis.objects.filter(status=Analysis.Status.QUEUED).update(status=Analysis.Status.FAILED,
                                                                  error="MemoryError: ")
    html = as_user(staff).get(PAGE).content.decode()
    assert "The last measurement failed (MemoryError: )" in html and "http-equiv" not in html
    assert measure(html, "edge_count") == "3" and "Compute again" in html


@pytest.mark.django_db
def test_names_the_viewer_cannot_see_appear_nowhere(as_user, staff, admin, cluster_a, org_a, ties, secret_partner,
                                                    django_capture_on_commit_callbacks):
    client = as_user(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"kinds": ALL_KINDS.split(",")})
    html = client.get(PAGE).content.decode()
    french = ties["french"].pk
    assert "lyon-lab" not in html.lower()
    nodes = {node["id"]: node for node in embedded(html, "network-data")["nodes"]}
    assert nodes[french]["name"] == "" and nodes[french]["slug"] == "" and nodes[french]["country"] == "FR"
    assert nodes[secret_partner.pk]["name"] == "Clinica Serena"
    # The lab is the broker between the clinic and the rest, and the partner the clinic shares with org_a: it is
    # listed, unnamed.
    assert section(html, "brokers").endswith("An organisation you cannot see 0.333 3 helices 1")
    assert "1 shared partner: An organisation you cannot see" in section(html, "suggestions")
    assert "Clinica Serena" in section(html, "suggestions")
    for file_format in ("graphml", "gexf", "csv"):
        content = client.get(f"{PAGE}export/{file_format}/").content
        if file_format == "csv":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = archive.read("nodes.csv") + archive.read("ties.csv")
        assert b"Lyon" not in content and b"Clinica Serena" in content, file_format
    # An admin sees every organisation, and its name.
    assert "Lyon-Lab" in as_user(admin).get(PAGE).content.decode()


@pytest.mark.django_db
def test_the_files(as_user, staff, cluster_a, org_a, ties, measured):
    client = as_user(staff)
    hospital = ties["hospital"].pk
    response = client.get(PAGE + "export/graphml/")
    assert response["Content-Type"] == "application/graphml+xml"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-network.graphml"'
    graph = nx.read_graphml(io.BytesIO(response.content), node_type=int)
    assert graph.number_of_nodes() == 4 and graph.edges[org_a.pk, hospital]["weight"] == pytest.approx(5.5)
    assert graph.edges[org_a.pk, hospital]["ties_agreement"] == 1
    assert graph.nodes[org_a.pk]["name"] == "MedSense Srl" and graph.nodes[org_a.pk]["degree"] == 2
    assert graph.nodes[org_a.pk]["member"] is True and "brokerage_helix" in graph.nodes[org_a.pk]
    gexf = nx.read_gexf(io.BytesIO(client.get(PAGE + "export/gexf/").content), node_type=int)
    assert gexf.number_of_edges() == 3
    response = client.get(PAGE + "export/csv/")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('alpha-network.zip"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len(archive.read("nodes.csv").decode().splitlines()) == 5
        assert len(archive.read("ties.csv").decode().splitlines()) == 4
    assert client.get(PAGE + "export/pdf/").status_code == 404
    # Only a question that was measured has files.
    assert client.get(PAGE + "export/graphml/", {"kinds": "project"}).status_code == 404
    assert client.get(PAGE + "export/graphml/", {"start": "2025-05-01", "end": "2025-01-01"}).status_code == 404


@pytest.mark.django_db
def test_a_large_network_is_drawn_as_its_communities(as_user, staff, measured, monkeypatch):
    monkeypatch.setattr(views, "VIEWER_MAX_NODES", 3)
    client = as_user(staff)
    client.get(PAGE)  # the session and the viewer's queries
    with CaptureQueriesContext(connection) as queries:
        html = client.get(PAGE).content.decode()
    # The page reads the analysis's summary, never its graph (tens of megabytes for a large network).
    assert not [query["sql"] for query in queries if '"result"' in query["sql"]]
    assert "the network is drawn as its communities" in html
    data = embedded(html, "network-data")
    assert data["mode"] == "communities" and "nodes" not in data
    # The triangle is one community; the university, alone, is not drawn.
    assert [(c["size"], c["members"], c["ties_within"]) for c in data["communities"]] == [(3, 2, 3)]
    assert data["ties"] == [] and data["left_out"] == 1
    assert data["source"] == f"/api/clusters/alpha/network/analyses/{measured.pk}/communities/"
    assert "1 organisation of smaller communities or without ties is not drawn." in html


@pytest.mark.django_db
def test_a_suggestion_names_a_few_of_many_shared_partners(as_user, staff, cluster_a, org_a, ties):
    """Two members sharing seven partners (organisations the staff cannot see): five are listed, two counted."""
    shared = list(range(900_001, 900_008))
    names = {org_a.pk: "MedSense Srl", ties["hospital"].pk: "Hospital"}
    nodes = [{"id": pk, "name": names.get(pk, "Secret"), "kind": "sme", "helix": "industry", "country": "IT",
              "clusters": [], "member": False, "degree": 2, "strength": 1.0, "betweenness": 0.0, "community": 0,
              "brokerage": {}} for pk in [org_a.pk, ties["hospital"].pk, *shared]]
    measures = {"node_count": 9, "edge_count": 14, "density": 0.39, "components": 1, "largest_component": 9,
                "communities": 1, "community_sizes": [9], "modularity": 0.0, "cross_border_ties": 0,
                "cross_border_share": 0.0, "cross_helix_ties": 0, "cross_helix_share": 0.0, "isolated_members": [],
                "cluster_bridges": [], "bridging_organisations": [],
                "betweenness_method": {"exact": True, "pivots": 9, "seed": None}}
    result = {"measures": measures, "nodes": nodes, "ties": [], "suggestions": [{
        "a": org_a.pk, "b": ties["hospital"].pk, "score": 3.0, "shared_partners": shared,
        "complementary_concepts": [], "parts": {"shared_partners": 3.0}}]}
    Analysis.objects.create(cluster=cluster_a, kinds=ALL_KINDS, status=Analysis.Status.DONE,
                            computed_at=timezone.now(), result=result, summary=services.summary_of(result))
    suggestions = section(as_user(staff).get(PAGE).content.decode(), "suggestions")
    assert suggestions.startswith("MedSense Srl – Hospital 3.00 7 shared partners: An organisation you cannot see")
    assert suggestions.count("An organisation you cannot see") == 5 and suggestions.endswith("and 2 others")
    assert "Secret" not in suggestions


@pytest.mark.django_db
def test_a_network_s_collaboration_is_for_its_coordinator(as_user, client, admin, coordinator, staff, outsider,
                                                          cluster_a, cluster_b, org_a, org_b, ties,
                                                          django_capture_on_commit_callbacks):
    response = client.get(NETWORK_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (staff, outsider):  # the staff of one cluster do not read the network's
        assert as_user(user).get(NETWORK_PAGE).status_code == 404
        assert as_user(user).get(NETWORK_PAGE + "export/gexf/").status_code == 404
    assert as_user(coordinator).get("/networks/nowhere/collaboration/").status_code == 404
    assert as_user(admin).get(NETWORK_PAGE).status_code == 200

    client = as_user(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(NETWORK_PAGE, {"kinds": ["event"]}).status_code == 302
    analysis = Analysis.objects.get()
    assert analysis.network.slug == "alpha-net" and analysis.cluster is None
    html = client.get(NETWORK_PAGE, {"kinds": "event"}).content.decode()
    # The fair (org_a and the hospital) and beta's day (org_b and the hospital, a member of both).
    assert measure(html, "edge_count") == "2"
    assert 'id="filter-cluster"' in html and "Alpha" in html and "Beta" in html
    nodes = {node["id"]: node for node in embedded(html, "network-data")["nodes"]}
    assert nodes[org_b.pk]["name"] == "Velfærd Robotics ApS"
    assert sorted(nodes[ties["hospital"].pk]["clusters"]) == sorted([cluster_a.pk, cluster_b.pk])
    gexf = nx.read_gexf(io.BytesIO(client.get(NETWORK_PAGE + "export/gexf/", {"kinds": "event"}).content))
    assert gexf.number_of_edges() == 2

    # The network's page leads there, for the coordinator only.
    assert 'href="/networks/alpha-net/collaboration/"' in client.get("/networks/alpha-net/").content.decode()
    assert "/collaboration/" not in as_user(staff).get("/networks/alpha-net/").content.decode()
