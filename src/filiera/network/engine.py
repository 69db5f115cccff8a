"""The collaboration network: a pure engine (no Django). Organisations (`Node`) and what links them (`Tie`: a shared
project, a B2B meeting held, an event attended together, an agreement signed) in; a weighted graph (`build`), its
measures (`measure`) and suggested missing links (`suggest_links`) out, as plain dataclasses ready for JSON.

The graph (`build`). Undirected, one node per organisation (with or without ties, with its attributes), one edge per
pair of organisations tied at least once in the time window [start, end] by a tie of the chosen kinds; a tie without
a day counts in every window, a tie of an organisation with itself is ignored. Parallel ties add up: the edge's
weight is Σ tie.weight × kind weight (`DEFAULT_WEIGHTS`: an agreement 3, a shared project 2, a B2B meeting 1, an
event attended together 0.5: from the most to the least commitment), and the edge keeps how many ties of each kind it
sums (`ties`).

The measures (`measure`), per organisation:
- degree: the number of partners; strength: the sum of the weights of its edges.
- betweenness: the share of shortest paths between other organisations that pass through it (networkx, normalised,
  paths counted in ties, not weighted: a weight says how close two partners are, not how far apart). Exact on
  graphs of up to `EXACT_BETWEENNESS_MAX_NODES` nodes; above, estimated from `BETWEENNESS_PIVOTS` source nodes drawn
  with the seed (networkx's `k`); `Measures.betweenness_method` says which, with k and the seed.
- brokerage, for each dimension of `DIMENSIONS` (helix, country, region — within its country —, cluster): the number
  of pairs of its partners that belong to different groups of that dimension and are not tied to each other, so
  that the organisation is their only link of the two; `brokerage_share` divides it by all the pairs of its
  partners, d(d − 1) / 2 (so it lies in [0, 1]; like the clustering coefficient, which counts the tied pairs). A
  partner with no value for the dimension (no helix, no country, no cluster) is in no group; two partners' clusters
  differ when they share none.
- community: its Louvain community (networkx, weighted, with the seed), numbered by size, largest first (ties by
  smallest member id).
And for the whole graph: nodes, edges, density, connected components and the size of the largest, the number of
communities (isolated organisations are communities of one) and their modularity, the share of cross-border ties
(edges whose two ends have different countries, among the edges whose two ends have a country) and of cross-helix
ties (likewise), the members given that have no tie, the cluster-to-cluster bridges (for every two clusters, the
edges between an organisation of one and an organisation of the other that share no cluster) and the bridging
organisations: those that belong to several clusters or are tied to organisations of clusters they do not belong to,
ranked by the number of clusters they belong to or reach, then by the number of such ties.

The figures (`figures`): of the same graph, the number of organisations and of ties, the density, the cross-border
ties and their share and the number of isolated members, exactly as `measure` gives them, counted from the ties
without building the graph: cheap enough for the KPI dashboard of every year.

Suggested links (`suggest_links`), for two organisations a and b that are not tied:

    score = SHARED_PARTNERS_WEIGHT · Σ_z 1 / ln(degree(z))        Adamic–Adar over their shared partners z
          + CONCEPTS_WEIGHT · (1 − |A ∩ B| / |A ∪ B|)             complementary concepts A, B (0 if one has none)
          + HELIX_BONUS · [helices known and different]

A shared partner makes the strongest reason (and a rare one, of few partners, more than a hub); what one has that
the other lacks makes the second; a partner of another helix the third. The candidates are the organisations two ties
away (each with a shared partner), unless they are given, when each is scored whatever its distance.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import networkx as nx

KINDS = ("agreement", "project", "meeting", "event")
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({"agreement": 3.0, "project": 2.0, "meeting": 1.0,
                                                         "event": 0.5})
EXACT_BETWEENNESS_MAX_NODES = 2_000  # exact betweenness costs a search from every node
BETWEENNESS_PIVOTS = 100  # source nodes of the estimate above that size
DIMENSIONS = ("helix", "country", "region", "cluster")
SHARED_PARTNERS_WEIGHT = 1.0
CONCEPTS_WEIGHT = 0.5
HELIX_BONUS = 0.1


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    kind: str
    helix: str  # industry, academia, health (health and public sector), civil; "" when not known
    country: str  # ISO code; "" when not known
    region: str = ""
    clusters: frozenset[int] = frozenset()
    concepts: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Tie:
    a: int
    b: int
    kind: str  # one of KINDS
    day: date | None = None
    weight: float = 1.0  # multiplied by the kind's weight


@dataclass(frozen=True)
class Betweenness:
    exact: bool
    pivots: int  # the source nodes the paths were counted from: every node when exact
    seed: int | None  # of the draw of the pivots; None when exact


@dataclass(frozen=True)
class NodeMeasures:
    id: int
    degree: int
    strength: float
    betweenness: float
    brokerage: dict[str, int]  # dimension -> open pairs of partners from different groups
    brokerage_share: dict[str, float]  # the same over all the pairs of partners
    community: int


@dataclass(frozen=True)
class ClusterBridge:
    clusters: tuple[int, int]  # smaller id first
    ties: int  # edges between organisations of the two that share no cluster
    weight: float


@dataclass(frozen=True)
class BridgingOrganisation:
    id: int
    clusters: tuple[int, ...]  # the clusters it belongs to
    reaches: tuple[int, ...]  # the clusters of its partners that share no cluster with it
    ties_across: int  # its edges to those partners
    weight_across: float


@dataclass
class Measures:
    nodes: list[NodeMeasures]  # by id
    node_count: int
    edge_count: int
    density: float
    components: int
    largest_component: int
    communities: int
    community_sizes: list[int]  # largest first: community i has community_sizes[i] organisations
    modularity: float
    cross_border_ties: int
    cross_border_share: float | None  # None when no edge has a country at both ends
    cross_helix_ties: int
    cross_helix_share: float | None
    isolated_members: list[int]
    cluster_bridges: list[ClusterBridge]  # most ties first
    bridging_organisations: list[BridgingOrganisation]  # ranked
    betweenness_method: Betweenness
    seconds: dict[str, float] = field(default_factory=dict, compare=False)  # time of each step, not a result

    def node(self, id: int) -> NodeMeasures:
        i = bisect.bisect_left(self.nodes, id, key=lambda n: n.id)
        if i == len(self.nodes) or self.nodes[i].id != id:
            raise KeyError(id)
        return self.nodes[i]

    def as_dict(self) -> dict[str, Any]:
        """Everything but the timings, in JSON types (tuples read as lists)."""
        result = asdict(self)
        del result["seconds"]
        return result


@dataclass(frozen=True)
class Figures:
    nodes: int
    edges: int
    density: float
    cross_border_ties: int
    cross_border_share: float | None  # None when no edge has a country at both ends
    isolated_members: int


@dataclass(frozen=True)
class Suggestion:
    a: int  # the organisation asked about, when one was
    b: int
    score: float
    shared_partners: tuple[int, ...]
    complementary_concepts: tuple[int, ...]  # the concepts one of the two has and the other lacks
    parts: dict[str, float]  # shared_partners, complementary_concepts, other_helix: the score is their sum

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _kinds(kinds: Collection[str] | None) -> set[str]:
    wanted = set(KINDS if kinds is None else kinds)
    if wanted - set(KINDS):
        raise ValueError(f"unknown kinds of tie: {', '.join(sorted(wanted - set(KINDS)))}")
    return wanted


def build(nodes: Iterable[Node], ties: Iterable[Tie], *, start: date | None = None, end: date | None = None,
          kinds: Collection[str] | None = None, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> nx.Graph:
    """The graph of the module's docstring: every node, and the ties of `kinds` (all by default) in [start, end]."""
    wanted = _kinds(kinds)
    if wanted - set(weights):
        raise ValueError(f"no weight for: {', '.join(sorted(wanted - set(weights)))}")
    graph = nx.Graph()
    for node in sorted(nodes, key=lambda n: n.id):
        if node.id in graph:
            raise ValueError(f"organisation {node.id} given twice")
        graph.add_node(node.id, name=node.name, kind=node.kind, helix=node.helix, country=node.country,
                       region=node.region, clusters=node.clusters, concepts=node.concepts)
    edges: dict[tuple[int, int], list] = {}  # (a, b) -> [weight, {kind: ties}]
    for tie in ties:
        kind = tie.kind
        if kind not in wanted:
            if kind not in KINDS:
                raise ValueError(f"unknown kind of tie: {kind}")
            continue
        day = tie.day
        if day is not None and ((start is not None and day < start) or (end is not None and day > end)):
            continue
        a, b = tie.a, tie.b
        if a == b:
            continue
        if a not in graph or b not in graph:
            raise ValueError(f"tie to an unknown organisation: {a if a not in graph else b}")
        key = (a, b) if a < b else (b, a)
        edge = edges.get(key)
        if edge is None:
            edges[key] = [tie.weight * weights[kind], {kind: 1}]
        else:
            edge[0] += tie.weight * weights[kind]
            edge[1][kind] = edge[1].get(kind, 0) + 1
    graph.add_edges_from((a, b, {"weight": w, "ties": counts}) for (a, b), (w, counts) in sorted(edges.items()))
    return graph


def figures(ties: Iterable[Tie], countries: Mapping[int, str], members: Collection[int] = (), *,
            start: date | None = None, end: date | None = None, kinds: Collection[str] | None = None) -> Figures:
    """`measure(build(nodes, ties, start=, end=, kinds=), members=members)`'s node_count, edge_count, density,
    cross_border_ties, cross_border_share and the number of isolated_members, for the nodes a scope's network has
    (network.services.collaboration): the members and both ends of every tie in [start, end], of any kind, while the
    edges are those of `kinds`. `countries`: each organisation's country (missing or "": unknown)."""
    wanted = _kinds(kinds)
    nodes = set(members)
    pairs: set[tuple[int, int]] = set()
    for tie in ties:
        kind = tie.kind
        if kind not in KINDS:
            raise ValueError(f"unknown kind of tie: {kind}")
        day = tie.day
        if day is not None and ((start is not None and day < start) or (end is not None and day > end)):
            continue
        a, b = tie.a, tie.b
        nodes.add(a)
        nodes.add(b)
        if kind in wanted and a != b:
            pairs.add((a, b) if a < b else (b, a))
    n, edges = len(nodes), len(pairs)
    cross = known = 0
    for a, b in pairs:
        ca, cb = countries.get(a), countries.get(b)
        if ca and cb:
            known += 1
            cross += ca != cb
    tied = {v for pair in pairs for v in pair}
    return Figures(nodes=n, edges=edges, density=2 * edges / (n * (n - 1)) if n > 1 else 0.0,
                   cross_border_ties=cross, cross_border_share=cross / known if known else None,
                   isolated_members=len(set(members) - tied))


def measure(graph: nx.Graph, *, members: Collection[int] | None = None, betweenness_sample: int | None = None,
            seed: int = 0) -> Measures:
    """The measures of the module's docstring. `members`: the organisations whose lack of ties is reported (a
    cluster's members); `betweenness_sample`: the number of pivots of the betweenness estimate (default: exact up to
    EXACT_BETWEENNESS_MAX_NODES nodes, BETWEENNESS_PIVOTS above); `seed`: of the pivots and of Louvain."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = now - clock
        clock = now

    ids = sorted(graph)
    degree = dict(graph.degree())
    strength = dict(graph.degree(weight="weight"))
    lap("degree")
    betweenness, method = _betweenness(graph, betweenness_sample, seed)
    lap("betweenness")
    brokerage = _brokerage(graph)
    lap("brokerage")
    communities = _communities(graph, seed)
    community_of = {v: i for i, community in enumerate(communities) for v in community}
    modularity = nx.community.modularity(graph, communities, weight="weight") if graph.number_of_edges() else 0.0
    lap("communities")
    components = [len(c) for c in nx.connected_components(graph)]
    border, border_known = _cross_ties(graph, "country")
    helix, helix_known = _cross_ties(graph, "helix")
    bridges, bridging = _cluster_bridges(graph)
    isolated = sorted(m for m in set(members or ()) if m not in graph or degree[m] == 0)
    lap("summary")
    nodes = []
    for v in ids:
        pairs = degree[v] * (degree[v] - 1) // 2
        open_pairs = {dim: brokerage[dim][v] for dim in DIMENSIONS}
        nodes.append(NodeMeasures(v, degree[v], strength[v], betweenness[v], open_pairs,
                                  {dim: n / pairs if pairs else 0.0 for dim, n in open_pairs.items()},
                                  community_of[v]))
    return Measures(
        nodes=nodes, node_count=len(ids), edge_count=graph.number_of_edges(), density=nx.density(graph),
        components=len(components), largest_component=max(components, default=0), communities=len(communities),
        community_sizes=[len(c) for c in communities], modularity=modularity,
        cross_border_ties=border, cross_border_share=border / border_known if border_known else None,
        cross_helix_ties=helix, cross_helix_share=helix / helix_known if helix_known else None,
        isolated_members=isolated, cluster_bridges=bridges, bridging_organisations=bridging,
        betweenness_method=method, seconds=seconds)


def _betweenness(graph: nx.Graph, sample: int | None, seed: int) -> tuple[dict[int, float], Betweenness]:
    n = graph.number_of_nodes()
    pivots = sample if sample is not None else (BETWEENNESS_PIVOTS if n > EXACT_BETWEENNESS_MAX_NODES else None)
    if pivots is None or pivots >= n:
        return nx.betweenness_centrality(graph, normalized=True), Betweenness(True, n, None)
    if pivots < 1:
        raise ValueError("the betweenness sample needs at least one pivot")
    return nx.betweenness_centrality(graph, k=pivots, normalized=True, seed=seed), Betweenness(False, pivots, seed)


def _group_keys(graph: nx.Graph) -> dict[str, dict[int, Any]]:
    """For each dimension, each node's group (None when it has none): a string, or a frozenset for clusters."""
    keys: dict[str, dict[int, Any]] = {dim: {} for dim in DIMENSIONS}
    for v, data in graph.nodes(data=True):
        keys["helix"][v] = data["helix"] or None
        keys["country"][v] = data["country"] or None
        keys["region"][v] = (data["country"], data["region"]) if data["region"] else None
        keys["cluster"][v] = data["clusters"] or None
    return keys


def _differ(dim: str, x: Any, y: Any) -> bool:
    if x is None or y is None:
        return False
    return x.isdisjoint(y) if dim == "cluster" else x != y


def _cross_pairs(dim: str, groups: Counter) -> int:
    """The pairs of partners from different groups, from the partners' count per group."""
    if dim != "cluster":
        total = sum(groups.values())
        return (total * total - sum(n * n for n in groups.values())) // 2
    items = list(groups.items())  # a partner's key is its set of clusters: two differ when they share none
    return sum(n * m for i, (x, n) in enumerate(items) for y, m in items[i + 1:] if x.isdisjoint(y))


def _brokerage(graph: nx.Graph) -> dict[str, dict[int, int]]:
    """Open pairs of partners from different groups: all the pairs from different groups (counted per group) less
    the tied ones, which are the edges (x, y) from different groups of which the organisation is a shared partner."""
    keys = _group_keys(graph)
    result = {dim: dict.fromkeys(graph, 0) for dim in DIMENSIONS}
    active = [dim for dim in DIMENSIONS if any(k is not None for k in keys[dim].values())]
    adjacency = dict(graph.adjacency())
    for dim in active:
        key, counts = keys[dim], result[dim]
        for v, partners in adjacency.items():
            groups = Counter(key[u] for u in partners if key[u] is not None)
            if len(groups) > 1:
                counts[v] = _cross_pairs(dim, groups)
    tied = {dim: Counter() for dim in active}
    checks = [(keys[dim], dim == "cluster", tied[dim]) for dim in active]
    for x, y in graph.edges():
        differing = [closed for key, sets, closed in checks
                     if (kx := key[x]) is not None and (ky := key[y]) is not None
                     and (kx.isdisjoint(ky) if sets else kx != ky)]
        if differing:
            shared = adjacency[x].keys() & adjacency[y].keys()
            if shared:
                for closed in differing:
                    closed.update(shared)
    for dim in active:
        counts = result[dim]
        for v, n in tied[dim].items():
            counts[v] -= n
    return result


def _communities(graph: nx.Graph, seed: int) -> list[list[int]]:
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def _cross_ties(graph: nx.Graph, attribute: str) -> tuple[int, int]:
    """(edges whose ends differ in `attribute`, edges whose two ends have one)."""
    values = dict(graph.nodes(data=attribute))
    cross = known = 0
    for x, y in graph.edges():
        vx, vy = values[x], values[y]
        if vx and vy:
            known += 1
            cross += vx != vy
    return cross, known


def _cluster_bridges(graph: nx.Graph) -> tuple[list[ClusterBridge], list[BridgingOrganisation]]:
    clusters = dict(graph.nodes(data="clusters"))
    if not any(clusters.values()):
        return [], []
    ties: Counter[tuple[int, int]] = Counter()
    weights: dict[tuple[int, int], float] = defaultdict(float)
    for x, y, w in graph.edges(data="weight"):
        cx, cy = clusters[x], clusters[y]
        if cx and cy and cx.isdisjoint(cy):
            for i in cx:
                for j in cy:
                    pair = (i, j) if i < j else (j, i)
                    ties[pair] += 1
                    weights[pair] += w
    bridges = sorted((ClusterBridge(pair, n, weights[pair]) for pair, n in ties.items()),
                     key=lambda b: (-b.ties, -b.weight, b.clusters))
    bridging = []
    for v, partners in graph.adjacency():
        own = clusters[v]
        reached: set[int] = set()
        across = 0
        weight = 0.0
        for u, data in partners.items():
            cu = clusters[u]
            if cu and own.isdisjoint(cu):
                reached |= cu
                across += 1
                weight += data["weight"]
        if len(own | reached) >= 2:
            bridging.append(BridgingOrganisation(v, tuple(sorted(own)), tuple(sorted(reached)), across, weight))
    bridging.sort(key=lambda o: (-len(o.clusters) - len(o.reaches), -o.ties_across, -o.weight_across, o.id))
    return bridges, bridging


def suggest_links(graph: nx.Graph, *, for_node: int | None = None, top: int = 10,
                  candidates: Collection[int] | None = None) -> list[Suggestion]:
    """The `top` best missing links by the score of the module's docstring, best first (ties by ids), with a
    positive score, never an existing edge nor a node with itself. With `for_node`, links from it (a is for_node)
    to the organisations two ties away, or to `candidates` when given; without, links between any two organisations
    two ties apart (a < b), or between any two `candidates` — meant for a cluster-sized graph or a list of members,
    since every organisation's neighbourhood is searched."""
    if top <= 0:
        return []
    adjacency = dict(graph.adjacency())
    if for_node is not None:
        if for_node not in adjacency:
            raise ValueError(f"organisation {for_node} is not in the graph")
        pairs = ((for_node, b, aa) for b, aa in _reachable(adjacency, for_node, candidates))
    elif candidates is None:
        pairs = ((a, b, aa) for a in sorted(adjacency) for b, aa in _two_hops(adjacency, a) if b > a)
    else:
        chosen = sorted(set(candidates) & adjacency.keys())
        pairs = ((a, b, _adamic_adar(adjacency, a, b)) for i, a in enumerate(chosen) for b in chosen[i + 1:]
                 if b not in adjacency[a])
    helix = dict(graph.nodes(data="helix"))
    concepts = dict(graph.nodes(data="concepts"))

    def parts(a: int, b: int, aa: float) -> tuple[float, float, float]:
        other_helix = helix[a] and helix[b] and helix[a] != helix[b]
        return (SHARED_PARTNERS_WEIGHT * aa, CONCEPTS_WEIGHT * _complementarity(concepts[a], concepts[b]),
                HELIX_BONUS if other_helix else 0.0)

    scored = ((sum(parts(a, b, aa)), a, b, aa) for a, b, aa in pairs)
    best = heapq.nsmallest(top, ((-score, a, b, aa) for score, a, b, aa in scored if score > 0))
    result = []
    for minus_score, a, b, aa in best:
        ca, cb = concepts[a], concepts[b]
        result.append(Suggestion(a, b, -minus_score, tuple(sorted(adjacency[a].keys() & adjacency[b].keys())),
                                 tuple(sorted(ca ^ cb)) if ca and cb else (),
                                 dict(zip(("shared_partners", "complementary_concepts", "other_helix"),
                                          parts(a, b, aa), strict=True))))
    return result


def _two_hops(adjacency: dict[int, dict], a: int) -> Iterator[tuple[int, float]]:
    """(b, Adamic–Adar of a and b) for every b two ties away from a and not tied to it."""
    scores: dict[int, float] = defaultdict(float)
    partners = adjacency[a]
    for z in partners:
        around = adjacency[z]
        if len(around) > 1:
            share = 1 / math.log(len(around))
            for b in around:
                scores[b] += share
    for b, aa in scores.items():
        if b != a and b not in partners:
            yield b, aa


def _reachable(adjacency: dict[int, dict], a: int, candidates: Collection[int] | None) -> Iterator[tuple[int, float]]:
    if candidates is None:
        yield from _two_hops(adjacency, a)
        return
    for b in sorted(set(candidates)):
        if b != a and b in adjacency and b not in adjacency[a]:
            yield b, _adamic_adar(adjacency, a, b)


def _adamic_adar(adjacency: dict[int, dict], a: int, b: int) -> float:
    return sum(1 / math.log(len(adjacency[z])) for z in adjacency[a].keys() & adjacency[b].keys())


def _complementarity(x: frozenset[int], y: frozenset[int]) -> float:
    """1 − Jaccard: the share of their concepts that only one of the two has (0 when one has none)."""
    if not x or not y:
        return 0.0
    common = len(x & y)
    return 1 - common / (len(x) + len(y) - common)
