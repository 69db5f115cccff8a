"""A cluster's collaboration network from live data, counted by hand, its files, and `filiera network`."""

from __future__ import annotations

import datetime
import io
import zipfile

import networkx as nx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from filiera.directory.models import Organisation
from filiera.network import engine, services
from filiera.network.services import Scope
from tests.network.conftest import TODAY


@pytest.mark.django_db
def test_a_cluster_s_ties_counted_by_hand(cluster_a, org_a, ties):
    collaboration = services.collaboration(Scope.of(cluster_a), TODAY)
    hospital, university, french = ties["hospital"].pk, ties["university"].pk, ties["french"].pk
    assert collaboration.members == {org_a.pk, hospital, university}
    assert {node.id for node in collaboration.nodes} == {org_a.pk, hospital, university, french}
    graph = collaboration.graph()
    pair = graph.edges[org_a.pk, hospital]
    assert pair["weight"] == pytest.approx(5.5)
    assert pair["ties"] == {"project": 1, "event": 1, "meeting": 1, "agreement": 1}
    assert graph.edges[org_a.pk, french]["weight"] == pytest.approx(1.0)
    assert graph.edges[hospital, french]["ties"] == {"project": 1}
    assert graph.number_of_edges() == 3
    nodes = {node.id: node for node in collaboration.nodes}
    assert nodes[hospital].helix == "public" and nodes[french].country == "FR"
    assert nodes[hospital].clusters == {cluster_a.pk}  # beta is outside this scope
    assert nodes[org_a.pk].concepts  # its competences, for suggesting links
    measures = engine.measure(graph, members=collaboration.members)
    assert measures.isolated_members == [university]
    assert measures.cross_border_ties == 2  # the French lab's two ties


@pytest.mark.django_db
def test_windows_kinds_and_a_network_of_clusters(cluster_a, cluster_b, org_a, org_b, ties):
    hospital = ties["hospital"].pk
    later = services.collaboration(Scope.of(cluster_a, start=datetime.date(2025, 4, 1)), TODAY)
    assert later.members == {org_a.pk, hospital}  # the university had left by then
    assert later.graph().edges[org_a.pk, hospital]["ties"] == {"event": 1, "meeting": 1, "agreement": 1}
    assert later.graph(["project"]).number_of_edges() == 0
    before = services.collaboration(Scope.of(cluster_a, end=datetime.date(2025, 4, 1)), TODAY)
    assert before.graph().edges[org_a.pk, hospital]["ties"] == {"project": 1}

    both = cluster_a.networks.get()
    both.clusters.add(cluster_b)
    network = services.collaboration(Scope.of(both), TODAY)
    nodes = {node.id: node for node in network.nodes}
    assert nodes[hospital].clusters == {cluster_a.pk, cluster_b.pk}
    assert network.graph().edges[hospital, org_b.pk]["ties"] == {"event": 1}
    measures = engine.measure(network.graph(), members=network.members)
    # The bridges between alpha and beta: the French lab, outside both, works with members of each; the hospital
    # belongs to both. No tie joins two organisations of disjoint clusters.
    bridging = {b.id: (b.clusters, b.reaches) for b in measures.bridging_organisations}
    assert bridging == {ties["french"].pk: ((), (cluster_a.pk, cluster_b.pk)),
                        hospital: ((cluster_a.pk, cluster_b.pk), ())}
    assert measures.cluster_bridges == []


@pytest.mark.django_db
def test_the_figures_of_each_year_are_the_measures_of_its_network(cluster_a, org_a, ties):
    """2025: org_a, the hospital and the French lab in a triangle (the project; the fair and its meeting tie org_a
    and the hospital again): 3 organisations, 3 ties, density 2 × 3 / (3 × 2) = 1, the French lab's 2 ties of 3
    cross a border, no member alone. 2023: org_a, the hospital and the university (a member until June), no tie."""
    figures = services.figures_by_year(cluster_a, [2025, 2023], TODAY)
    assert figures[2025] == engine.Figures(nodes=3, edges=3, density=1.0, cross_border_ties=2,
                                           cross_border_share=pytest.approx(2 / 3), isolated_members=0)
    assert figures[2023] == engine.Figures(nodes=3, edges=0, density=0.0, cross_border_ties=0,
                                           cross_border_share=None, isolated_members=3)
    for year in (2023, 2025):  # what the page measures for the calendar year
        found = services.collaboration(Scope.of(cluster_a, datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
                                       TODAY)
        measured = engine.measure(found.graph(), members=found.members)
        assert (figures[year].nodes, figures[year].edges, figures[year].density, figures[year].isolated_members) == (
            measured.node_count, measured.edge_count, measured.density, len(measured.isolated_members))
    assert services.figures_by_year(cluster_a, [], TODAY) == {}


@pytest.mark.django_db
def test_files(cluster_a, org_a, ties):
    collaboration = services.collaboration(Scope.of(cluster_a), TODAY)
    graph = collaboration.graph()
    measures = engine.measure(graph, members=collaboration.members)
    hospital = ties["hospital"].pk
    graphml = nx.read_graphml(io.BytesIO(services.export(graph, measures, "graphml")), node_type=int)
    assert graphml.number_of_nodes() == 4 and graphml.edges[org_a.pk, hospital]["ties_agreement"] == 1
    assert graphml.nodes[hospital]["name"] == "Hospital" and "betweenness" in graphml.nodes[hospital]
    gexf = nx.read_gexf(io.BytesIO(services.export(graph, None, "gexf")), node_type=int)
    assert gexf.number_of_edges() == 3
    with zipfile.ZipFile(io.BytesIO(services.export(graph, measures, "csv"))) as archive:
        nodes = archive.read("nodes.csv").decode().splitlines()
        edges = archive.read("ties.csv").decode().splitlines()
    assert nodes[0].startswith("id,") and "degree" in nodes[0] and len(nodes) == 5
    assert edges[0].startswith("source,target,") and len(edges) == 4
    with pytest.raises(ValueError):
        services.export(graph, measures, "pdf")


@pytest.mark.django_db
def test_the_command(cluster_a, org_a, ties, tmp_path):
    out = io.StringIO()
    call_command("network", "--cluster", "alpha", stdout=out)
    text = out.getvalue()
    assert "Alpha: 4 organisations, 3 ties" in text and "members with no tie: 1: University" in text
    call_command("network", "--cluster", "alpha", "--format", "graphml", "--out", str(tmp_path / "a.graphml"),
                 stdout=io.StringIO())
    assert nx.read_graphml(tmp_path / "a.graphml").number_of_nodes() == 4
    out = io.StringIO()
    call_command("network", "--network", "alpha-net", "--kinds", "project", "--json", stdout=out)
    assert '"edge_count": 3' in out.getvalue()
    for args, message in ((["--cluster", "nowhere"], "No cluster"),
                          (["--cluster", "alpha", "--kinds", "hugs"], "kinds"),
                          (["--cluster", "alpha", "--format", "gexf"], "go together"),
                          (["--cluster", "alpha", "--from", "2025-05-01", "--to", "2025-01-01"], "after")):
        with pytest.raises(CommandError, match=message):
            call_command("network", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_an_analysis_is_computed_by_the_task_and_reused(cluster_a, org_a, ties, staff, observer, outsider,
                                                        django_capture_on_commit_callbacks):
    from filiera.core.access import viewer_for
    from filiera.network.models import Analysis

    with pytest.raises(PermissionDenied):
        services.request_analysis(viewer_for(outsider), cluster_a)
    with django_capture_on_commit_callbacks(execute=True):
        analysis = services.request_analysis(viewer_for(observer), cluster_a, kinds=["project", "meeting"])
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.DONE and analysis.kinds == "project,meeting"
    result = analysis.result
    assert result["measures"]["edge_count"] == 3 and result["measures"]["isolated_members"] == [ties["university"].pk]
    nodes = {node["id"]: node for node in result["nodes"]}
    assert nodes[org_a.pk]["member"] and not nodes[ties["french"].pk]["member"]
    assert nodes[org_a.pk]["degree"] == 2 and nodes[ties["hospital"].pk]["clusters"] == [cluster_a.pk]
    pair = next(t for t in result["ties"] if {t[0], t[1]} == {org_a.pk, ties["hospital"].pk})
    assert pair[2] == pytest.approx(2.0) and pair[3] == {"project": 1, "meeting": 1}  # 1.0 + 1 (no agreement kind)
    # The same question again is answered by the same analysis; `force` computes a new one.
    assert services.request_analysis(viewer_for(staff), cluster_a, kinds=["meeting", "project"]) == analysis
    with django_capture_on_commit_callbacks(execute=True):
        fresh = services.request_analysis(viewer_for(staff), cluster_a, kinds=["project", "meeting"], force=True)
    assert fresh != analysis and services.latest(cluster_a, kinds=["project", "meeting"]) == fresh
    with pytest.raises(ValidationError):
        services.request_analysis(viewer_for(staff), cluster_a, kinds=["hugs"])
    with pytest.raises(ValidationError):
        services.request_analysis(viewer_for(staff), cluster_a, start=datetime.date(2025, 2, 1),
                                  end=datetime.date(2025, 1, 1))


@pytest.mark.django_db
def test_an_analysis_keeps_a_summary_for_the_page(cluster_a, org_a, ties, staff, django_capture_on_commit_callbacks):
    from filiera.core.access import viewer_for

    with django_capture_on_commit_callbacks(execute=True):
        analysis = services.request_analysis(viewer_for(staff), cluster_a)
    analysis.refresh_from_db()
    summary = analysis.summary
    assert summary == services.summary_of(analysis.result)  # what the migration gives the analyses done before
    measures = summary["measures"]
    assert (measures["node_count"], measures["edge_count"], measures["bridging_count"]) == (4, 3, 0)
    assert summary["brokers"] == []  # in a triangle nobody stands between others
    # The organisations it names: the university alone, and the ends of the suggested links (with their helix).
    assert {o["id"]: o["helix"] for o in summary["organisations"]} == {
        org_a.pk: "industry", ties["hospital"].pk: "public", ties["university"].pk: "academia"}
    assert summary["clusters"] == [cluster_a.pk] and summary["countries"] == ["FR", "IT"]
    assert summary["kinds"] == ["hospital", "research_centre", "sme", "university"]
    # The view from afar: the triangle is the one community of more than one organisation.
    assert [(c["size"], c["members"], c["ties_within"]) for c in summary["communities"]["communities"]] == [
        (3, 2, 3)]
    assert summary["communities"]["left_out"] == 1
    # Its communities of two organisations or more, each apart: the triangle.
    assert [(c.number, len(c.graph["nodes"]), len(c.graph["ties"])) for c in analysis.communities.all()] == [
        (0, 3, 3)]
    assert services.community_graphs(analysis.result) == {0: analysis.communities.get().graph}
    # The page's query leaves the graph out until it is asked for.
    latest = services.latest(cluster_a)
    assert latest == analysis and "result" in latest.get_deferred_fields()


def test_a_summary_names_a_few_shared_partners_of_each_suggestion():
    """Two large members may share hundreds of partners: the summary names the SHARED_LISTED of them with the fewest
    partners (they weigh most in the score) and counts the others."""
    shared = list(range(10, 17))  # organisation 10 + i has 9 - i partners: 16 has the fewest
    nodes = [{"id": pk, "name": f"Org {pk}", "kind": "sme", "helix": "industry", "country": "IT", "clusters": [],
              "member": pk < 10, "degree": 9 - (pk - 10) if pk >= 10 else 7, "strength": 1.0, "betweenness": 0.0,
              "community": 0, "brokerage": {}} for pk in [1, 2, *shared]]
    measures = {"isolated_members": [], "bridging_organisations": [], "cluster_bridges": [], "community_sizes": [9]}
    suggestion = {"a": 1, "b": 2, "score": 3.0, "shared_partners": shared, "complementary_concepts": [],
                  "parts": {"shared_partners": 3.0}}
    summary = services.summary_of({"measures": measures, "nodes": nodes, "ties": [], "suggestions": [suggestion]})
    listed = summary["suggestions"][0]
    assert listed["shared_partners"] == [16, 15, 14, 13, 12] and listed["shared_count"] == 7
    assert {o["id"] for o in summary["organisations"]} == {1, 2, 12, 13, 14, 15, 16}
    assert summary["measures"]["bridging_count"] == 0


@pytest.mark.django_db
def test_names_follow_the_directory_s_visibility(cluster_a, org_a, ties, staff, outsider_member,
                                                 django_capture_on_commit_callbacks):
    from filiera.core.access import viewer_for

    Organisation.objects.filter(pk=ties["french"].pk).update(visibility="private")
    with django_capture_on_commit_callbacks(execute=True):
        analysis = services.request_analysis(viewer_for(staff), cluster_a)
    analysis.refresh_from_db()
    names = services.names_for(viewer_for(staff), analysis)
    assert names[org_a.pk] == "MedSense Srl" and ties["french"].pk not in names
    # One community of the graph as the staff read it: the French lab without its name.
    graph = services.readable(viewer_for(staff), analysis, community=0)
    nodes = {node["id"]: node for node in graph["nodes"]}
    assert set(nodes) == {org_a.pk, ties["hospital"].pk, ties["french"].pk} and len(graph["ties"]) == 3
    assert (nodes[ties["french"].pk]["name"], nodes[ties["french"].pk]["slug"]) == ("", "")
    assert nodes[org_a.pk]["slug"] == "medsense"
