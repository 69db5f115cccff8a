"""The collaboration network engine (pure): small graphs whose measures are known by hand — a star, a path, two
triangles joined by a bridge —, the time window and the kinds of tie, parallel ties adding up, isolated members,
cross-border ties, cluster bridges, suggested links, the betweenness estimate and the figures counted without a
graph; and, on random graphs (hypothesis), brokerage against a brute-force count, suggestions that are never an
existing tie and figures that are the measures'."""

from __future__ import annotations

import itertools
import json
import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.network import engine
from filiera.network.engine import Node, Tie, build, measure, suggest_links


def org(id: int, helix: str = "industry", country: str = "IT", region: str = "", clusters=(), concepts=()) -> Node:
    return Node(id, f"organisation {id}", "sme", helix, country, region, frozenset(clusters), frozenset(concepts))


def projects(*pairs: tuple[int, int]) -> list[Tie]:
    return [Tie(a, b, "project") for a, b in pairs]


def test_a_star_centre_is_on_every_path_and_brokers_between_its_partners_helices():
    nodes = [org(0), org(1), org(2), org(3, "academia"), org(4, "academia")]
    result = measure(build(nodes, projects((0, 1), (0, 2), (0, 3), (0, 4))))
    centre, leaf = result.node(0), result.node(1)
    assert (centre.degree, centre.strength, centre.betweenness) == (4, 8.0, 1.0)  # a project weighs 2
    assert (leaf.degree, leaf.strength, leaf.betweenness) == (1, 2.0, 0.0)
    assert centre.brokerage["helix"] == 4  # 1 or 2 (industry) with 3 or 4 (academia), none tied
    assert centre.brokerage_share["helix"] == pytest.approx(4 / 6)  # of the 6 pairs of its partners
    assert centre.brokerage["country"] == 0 and centre.brokerage["cluster"] == 0  # one country, no clusters
    assert (result.node_count, result.edge_count, result.density, result.components) == (5, 4, 0.4, 1)
    assert result.betweenness_method == engine.Betweenness(exact=True, pivots=5, seed=None)


def test_on_a_path_the_middle_carries_the_most_shortest_paths():
    result = measure(build([org(i) for i in range(1, 6)], projects((1, 2), (2, 3), (3, 4), (4, 5))))
    # Normalised by the (5 - 1)(5 - 2) / 2 = 6 pairs of other nodes: 3 is between 4 of them, 2 between 3.
    assert [result.node(i).betweenness for i in range(1, 6)] == pytest.approx([0, 0.5, 2 / 3, 0.5, 0])
    assert result.largest_component == 5


# Two triangles joined by the tie 3–4: academia in Italy and Denmark on the left, industry on the right.
TRIANGLES = [org(1, "academia", "IT"), org(2, "academia", "DK"), org(3, "academia", "IT"),
             org(4, "industry", "IT"), org(5, "industry", "ES"), org(6, "industry", "ES")]
TRIANGLE_TIES = projects((1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (4, 6), (5, 6))


def test_the_bridge_of_two_triangles_carries_the_paths_and_brokers_between_them():
    result = measure(build(TRIANGLES, TRIANGLE_TIES))
    # Every path from {1, 2} to {4, 5, 6} crosses 3 and 4: 6 of the 10 pairs of other nodes.
    assert [result.node(i).betweenness for i in range(1, 7)] == pytest.approx([0, 0, 0.6, 0.6, 0, 0])
    assert [result.node(i).brokerage["helix"] for i in range(1, 7)] == [0, 0, 2, 2, 0, 0]
    assert result.node(3).brokerage_share["helix"] == pytest.approx(2 / 3)
    # Countries: 3 links DK (2) and IT (4), but 1 (IT) and 2 (DK) are tied; 4 links IT (3) with ES (5 and 6).
    assert [result.node(i).brokerage["country"] for i in range(1, 7)] == [0, 0, 1, 2, 0, 0]
    assert result.communities == 2 and result.community_sizes == [3, 3]
    assert {result.node(i).community for i in (1, 2, 3)} == {0} and {result.node(i).community for i in (4, 5, 6)} == {1}
    assert result.modularity == pytest.approx(2 * (3 / 7 - (7 / 14) ** 2))  # 5/14
    assert (result.cross_border_ties, result.cross_border_share) == (4, pytest.approx(4 / 7))  # 1–2, 2–3, 4–5, 4–6
    assert (result.cross_helix_ties, result.cross_helix_share) == (1, pytest.approx(1 / 7))  # the bridge


def test_shares_leave_out_ties_with_an_unknown_country_or_helix():
    nodes = [org(1, "academia", "IT"), org(2, "", "DK"), org(3, "industry", "")]
    result = measure(build(nodes, projects((1, 2), (1, 3), (2, 3))))
    assert (result.cross_border_ties, result.cross_border_share) == (1, 1.0)  # only 1–2 has two countries
    assert (result.cross_helix_ties, result.cross_helix_share) == (1, 1.0)  # only 1–3 has two helices
    assert measure(build([org(1, "", ""), org(2, "", "")], projects((1, 2)))).cross_border_share is None


def test_the_time_window_and_the_kinds_choose_the_ties_and_keep_every_node():
    nodes = [org(1), org(2), org(3), org(4)]
    ties = [Tie(1, 2, "project", date(2020, 1, 1)), Tie(2, 3, "meeting", date(2021, 6, 1)), Tie(3, 4, "event"),
            Tie(1, 4, "agreement", date(2022, 3, 1))]
    assert sorted(build(nodes, ties).edges()) == [(1, 2), (1, 4), (2, 3), (3, 4)]
    window = build(nodes, ties, start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert sorted(window.edges()) == [(2, 3), (3, 4)]  # the event has no day: it counts in every window
    assert sorted(build(nodes, ties, end=date(2020, 1, 1)).edges()) == [(1, 2), (3, 4)]  # bounds included
    meetings = build(nodes, ties, kinds={"meeting"})
    assert sorted(meetings.edges()) == [(2, 3)] and sorted(meetings) == [1, 2, 3, 4]
    assert meetings.nodes[1]["name"] == "organisation 1" and meetings.nodes[1]["helix"] == "industry"


def test_parallel_ties_add_up_by_the_weight_of_their_kind():
    ties = [Tie(1, 2, "project"), Tie(2, 1, "project"), Tie(1, 2, "meeting"), Tie(1, 2, "agreement", weight=0.5),
            Tie(1, 1, "event")]  # with itself: ignored
    graph = build([org(1), org(2)], ties)
    assert graph.number_of_edges() == 1
    assert graph[1][2]["weight"] == 2 + 2 + 1 + 3 * 0.5
    assert graph[1][2]["ties"] == {"project": 2, "meeting": 1, "agreement": 1}
    custom = build([org(1), org(2)], ties, weights={"project": 1, "meeting": 1, "agreement": 1, "event": 1})
    assert custom[1][2]["weight"] == 3.5
    assert measure(graph).node(1).strength == 6.5


def test_an_unknown_kind_or_organisation_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        build([org(1), org(2)], [Tie(1, 2, "lunch")])
    with pytest.raises(ValueError, match="unknown kinds"):
        build([org(1)], [], kinds={"lunch"})
    with pytest.raises(ValueError, match="unknown organisation: 9"):
        build([org(1)], [Tie(1, 9, "project")])
    with pytest.raises(ValueError, match="given twice"):
        build([org(1), org(1)], [])


def test_members_without_a_tie_are_reported_isolated():
    graph = build([org(1), org(2), org(3), org(4)], projects((1, 2)))
    result = measure(graph, members={1, 3, 4, 99})  # 99 is not even in the graph: no tie either
    assert result.isolated_members == [3, 4, 99]
    assert result.components == 3 and result.communities == 3
    assert measure(graph).isolated_members == []


# Clusters 10, 20, 30: 3 belongs to 10 and 20; 6 to none.
CLUSTERED = [org(1, clusters={10}), org(2, clusters={10}), org(3, clusters={10, 20}), org(4, clusters={20}),
             org(5, clusters={30}), org(6)]
CLUSTER_TIES = projects((1, 2), (2, 4), (3, 4), (1, 5), (4, 5), (3, 5), (6, 1), (6, 4))


def test_cluster_bridges_and_the_organisations_that_tie_clusters_together():
    result = measure(build(CLUSTERED, CLUSTER_TIES))
    # 2–4 links 10 and 20; 1–5 links 10 and 30; 4–5 links 20 and 30; 3–5 both (3 is in 10 and 20); 3–4 share 20.
    assert [(b.clusters, b.ties, b.weight) for b in result.cluster_bridges] == [
        ((10, 30), 2, 4.0), ((20, 30), 2, 4.0), ((10, 20), 1, 2.0)]
    ranked = [(o.id, o.clusters, o.reaches, o.ties_across) for o in result.bridging_organisations]
    assert ranked == [(5, (30,), (10, 20), 3), (4, (20,), (10, 30), 2), (3, (10, 20), (30,), 1),
                      (6, (), (10, 20), 2), (1, (10,), (30,), 1), (2, (10,), (20,), 1)]
    # 4's partners 2 {10}, 3 {10, 20} and 5 {30}: 2–5 and 3–5 cross clusters, but 3 and 5 are tied.
    assert result.node(4).brokerage["cluster"] == 1


def test_regions_are_groups_within_their_country():
    nodes = [org(1, region="Lombardia"), org(2, region="Hovedstaden", country="DK"),
             org(3, region="Lombardia", country="CH"), org(4)]
    result = measure(build(nodes, projects((4, 1), (4, 2), (4, 3))))
    assert result.node(4).brokerage["region"] == 3  # three different (country, region) groups


def test_suggestions_rank_shared_partners_first_and_complementary_concepts_break_ties():
    # 1 works with 2 and 3; 4 works with both, 5 with 2, 6 with 3; 7 with nobody.
    nodes = [org(1, concepts={100}), org(2), org(3), org(4, concepts={100}), org(5, concepts={100, 101}),
             org(6, concepts={100}), org(7, concepts={200})]
    graph = build(nodes, projects((1, 2), (1, 3), (2, 4), (2, 5), (3, 4), (3, 6)))
    found = suggest_links(graph, for_node=1)
    assert [(s.a, s.b) for s in found] == [(1, 4), (1, 5), (1, 6)]  # never 2 or 3 (tied), 1 itself, nor 7
    four, five, six = found
    shared = 1 / math.log(3)  # 2 and 3 have three partners each
    assert four.shared_partners == (2, 3) and four.score == pytest.approx(2 * shared)
    assert five.shared_partners == (2,) and five.complementary_concepts == (101,)
    assert five.parts == {"shared_partners": pytest.approx(shared), "complementary_concepts": 0.25,
                          "other_helix": 0.0}  # Jaccard of {100} and {100, 101}: 1/2
    assert six.score == pytest.approx(shared) and five.score == pytest.approx(shared + 0.25)  # the concepts decide
    assert json.loads(json.dumps(five.as_dict()))["shared_partners"] == [2]


def test_given_candidates_are_scored_at_any_distance_and_another_helix_earns_a_bonus():
    nodes = [org(1, concepts={100}), org(2), org(3, "academia"), org(4), org(7, concepts={200})]
    graph = build(nodes, projects((1, 2), (2, 3), (2, 4)))
    found = suggest_links(graph, for_node=1, candidates=[7, 3, 4, 2, 1, 99])
    assert [s.b for s in found] == [3, 4, 7]
    assert found[0].parts["other_helix"] == 0.1 and found[0].score > found[1].score
    assert found[2].parts == {"shared_partners": 0.0, "complementary_concepts": 0.5, "other_helix": 0.0}
    assert suggest_links(graph, for_node=1, top=1) == found[:1]
    with pytest.raises(ValueError, match="not in the graph"):
        suggest_links(graph, for_node=99)


def test_suggestions_for_the_whole_graph_are_missing_links_best_first():
    graph = build(TRIANGLES, TRIANGLE_TIES)
    found = suggest_links(graph, top=100)
    assert {(s.a, s.b) for s in found} == {(1, 4), (2, 4), (3, 5), (3, 6)}  # the pairs two ties apart
    assert all(not graph.has_edge(s.a, s.b) and s.a < s.b for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    among = suggest_links(graph, candidates=[1, 5, 6], top=100)
    assert [(s.a, s.b) for s in among] == [(1, 5), (1, 6)]  # 5 and 6 are tied; the other helix only


def test_betweenness_is_estimated_from_pivots_on_a_large_graph_and_says_so():
    graph = build(TRIANGLES, TRIANGLE_TIES)
    sampled = measure(graph, betweenness_sample=3, seed=7)
    assert sampled.betweenness_method == engine.Betweenness(exact=False, pivots=3, seed=7)
    assert measure(graph, betweenness_sample=6).betweenness_method.exact  # as many pivots as nodes
    nodes = [org(i) for i in range(engine.EXACT_BETWEENNESS_MAX_NODES + 1)]
    large = measure(build(nodes, projects(*((i, i + 1) for i in range(0, 40)))))
    assert large.betweenness_method == engine.Betweenness(False, engine.BETWEENNESS_PIVOTS, 0)
    assert set(large.seconds) == {"degree", "betweenness", "brokerage", "communities", "summary"}


def test_measures_are_json_ready_and_the_same_for_the_same_seed():
    graph = build(CLUSTERED, CLUSTER_TIES + projects((2, 6), (5, 6)))
    first, second = measure(graph, members=[1, 6], seed=3), measure(graph, members=[1, 6], seed=3)
    assert first == second and first.as_dict() == second.as_dict()
    data = json.loads(json.dumps(first.as_dict()))
    assert "seconds" not in data and data["nodes"][0]["id"] == 1
    assert data["cluster_bridges"][0]["clusters"] == [10, 30]
    assert data["betweenness_method"] == {"exact": True, "pivots": 6, "seed": None}


def test_the_figures_of_two_triangles_and_of_a_window_counted_by_hand():
    countries = {node.id: node.country for node in TRIANGLES}
    # 6 organisations, 7 ties: density 2 × 7 / (6 × 5) = 7 / 15; cross-border 1–2, 2–3, 4–5, 4–6: 4 of 7.
    found = engine.figures(TRIANGLE_TIES, countries, members={1, 4, 9})
    assert found == engine.Figures(nodes=7, edges=7, density=pytest.approx(14 / 42), cross_border_ties=4,
                                   cross_border_share=pytest.approx(4 / 7), isolated_members=1)  # 9: no tie
    found = engine.figures(TRIANGLE_TIES, countries)
    assert (found.nodes, found.edges, found.density, found.isolated_members) == (6, 7, pytest.approx(7 / 15), 0)
    # A window: 1–2 (2024, twice: one tie), 2–3 (2025); 3–4 has no day (every window); 5–6 is a meeting. In 2025,
    # with projects only: the organisations 2, 3, 4, 5, 6 and the member 1; ties 2–3 and 3–4: 2 × 2 / (6 × 5).
    ties = [Tie(1, 2, "project", date(2024, 3, 1)), Tie(2, 1, "event", date(2024, 5, 1)),
            Tie(2, 3, "project", date(2025, 1, 1)), Tie(3, 4, "project"), Tie(5, 6, "meeting", date(2025, 6, 1)),
            Tie(6, 6, "project", date(2025, 2, 1))]
    found = engine.figures(ties, countries, members={1, 5}, start=date(2025, 1, 1), end=date(2025, 12, 31),
                           kinds={"project"})
    assert (found.nodes, found.edges, found.cross_border_ties, found.isolated_members) == (6, 2, 1, 2)
    assert found.density == pytest.approx(4 / 30) and found.cross_border_share == pytest.approx(1 / 2)
    assert engine.figures([Tie(1, 2, "project")], {1: "IT"}).cross_border_share is None  # 2 has no country
    assert engine.figures([], {}, members={1}) == engine.Figures(1, 0, 0.0, 0, None, 1)
    with pytest.raises(ValueError, match="unknown kind"):
        engine.figures([Tie(1, 2, "lunch", date(2020, 1, 1))], {}, start=date(2025, 1, 1))


def test_an_empty_graph_has_measures_too():
    result = measure(build([], []), members=[1])
    assert (result.node_count, result.edge_count, result.components, result.communities) == (0, 0, 0, 0)
    assert result.isolated_members == [1] and result.modularity == 0.0 and suggest_links(build([], [])) == []


@st.composite
def random_graphs(draw):
    n = draw(st.integers(2, 9))
    nodes = [org(i, draw(st.sampled_from(["", "industry", "academia"])), draw(st.sampled_from(["", "IT", "DK"])),
                 draw(st.sampled_from(["", "north", "south"])), draw(st.sets(st.integers(1, 3), max_size=2)),
                 draw(st.sets(st.integers(1, 4), max_size=3))) for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))
    return build(nodes, projects(*pairs))


def group(graph, v, dim):
    data = graph.nodes[v]
    return {"helix": data["helix"] or None, "country": data["country"] or None,
            "region": (data["country"], data["region"]) if data["region"] else None,
            "cluster": data["clusters"] or None}[dim]


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_brokerage_counts_the_open_pairs_of_partners_from_different_groups(graph):
    result = measure(graph)
    for v in graph:
        for dim in engine.DIMENSIONS:
            expected = 0
            for x, y in itertools.combinations(graph[v], 2):
                gx, gy = group(graph, x, dim), group(graph, y, dim)
                differ = gx is not None and gy is not None and (gx.isdisjoint(gy) if dim == "cluster" else gx != gy)
                expected += differ and not graph.has_edge(x, y)
            assert result.node(v).brokerage[dim] == expected
            assert 0 <= result.node(v).brokerage_share[dim] <= 1


@settings(max_examples=100, deadline=None)
@given(random_graphs())
def test_suggestions_are_never_an_existing_tie_nor_a_node_with_itself(graph):
    everything = [*suggest_links(graph, top=50), *suggest_links(graph, candidates=list(graph), top=50)]
    for v in graph:
        everything += suggest_links(graph, for_node=v, top=50)
        everything += suggest_links(graph, for_node=v, candidates=list(graph), top=50)
    for s in everything:
        assert s.a != s.b and not graph.has_edge(s.a, s.b) and s.score > 0
        assert s.score == pytest.approx(sum(s.parts.values()))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_figures_are_the_measures_of_the_graph_of_the_same_nodes(data):
    """engine.figures counts what measure(build(…)) measures, for the nodes network.services.collaboration keeps: the
    members and both ends of every tie of the window, whatever its kind."""
    n = data.draw(st.integers(1, 9))
    countries = {i: data.draw(st.sampled_from(["", "IT", "DK", "ES"])) for i in range(n)}
    days = st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2026, 12, 31)))
    ends = st.integers(0, n - 1)
    ties = data.draw(st.lists(st.builds(Tie, ends, ends, st.sampled_from(engine.KINDS), days), max_size=25))
    members = data.draw(st.sets(st.integers(0, n - 1)))
    kinds = data.draw(st.one_of(st.none(), st.sets(st.sampled_from(engine.KINDS), min_size=1)))
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    in_window = [t for t in ties if t.day is None or start <= t.day <= end]
    ids = members | {t.a for t in in_window} | {t.b for t in in_window}
    graph = build([org(i, country=countries[i]) for i in ids], ties, start=start, end=end, kinds=kinds)
    measured = measure(graph, members=members)
    found = engine.figures(ties, countries, members, start=start, end=end, kinds=kinds)
    assert (found.nodes, found.edges, found.cross_border_ties, found.isolated_members) == (
        measured.node_count, measured.edge_count, measured.cross_border_ties, len(measured.isolated_members))
    assert found.density == pytest.approx(measured.density)
    assert found.cross_border_share == pytest.approx(measured.cross_border_share)
