"""The collaboration network of a cluster (or of a network of clusters) from live data, for the pure engine
(network.engine): who works with whom through shared projects, B2B meetings held, events attended together and
agreements signed, in a time window; and the network's files (GraphML, GEXF, CSV).

The organisations of a cluster's network: the organisations that were its members at some time in the window, and
everyone they are tied to through the cluster's projects (its own and the public records with a member), its events
and its meetings. A network of clusters is the union of its clusters' networks.

Tie weights: within one project or one event every pair of organisations is tied; a pair's weight is 1 / (n - 1),
where n is the number of organisations in it (the usual normalisation of co-authorship networks: a consortium of
twenty does not make twenty times the ties of a consortium of two), times the engine's weight of the kind. A meeting
ties its (two or more) organisations with weight 1; an agreement, the organisations of the meeting it came of.
"""

from __future__ import annotations

import csv
import datetime
import io
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from filiera.core.access import Viewer
from filiera.core.models import Cluster, Network
from filiera.directory.models import HELIX_OF_KIND, Helix, Membership, Organisation
from filiera.events.models import FollowUp
from filiera.events.services import events_held, meetings_held
from filiera.network import engine
from filiera.network.models import Analysis, Community
from filiera.projects.models import Partner
from filiera.projects.services import counting_day, portfolio

SUGGESTIONS = 20  # missing links kept with an analysis
LISTED = 10  # brokers and bridging organisations kept in an analysis's summary (the page lists them)
SHARED_LISTED = 5  # shared partners of a suggested link named in the summary (two big members share hundreds)
COMMUNITIES_DRAWN = 200  # the largest communities of the summary's view from afar (communities)
IDS_CHUNK = 5_000  # organisation ids a query is asked about at once (SQLite takes at most 32,766 parameters)
EXPORT_FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "csv": "application/zip"}
EXTENSIONS = {"graphml": "graphml", "gexf": "gexf", "csv": "zip"}


@dataclass
class Scope:
    """What a network is drawn for: one cluster or a network's clusters, between two days (None: open)."""

    clusters: list[Cluster]
    start: datetime.date | None = None
    end: datetime.date | None = None

    @classmethod
    def of(cls, what: Cluster | Network, start=None, end=None) -> Scope:
        clusters = [what] if isinstance(what, Cluster) else list(what.clusters.order_by("pk"))
        return cls(clusters=clusters, start=start, end=end)


def _in_window(day: datetime.date | None, scope: Scope) -> bool:
    return day is None or ((scope.start is None or day >= scope.start) and (scope.end is None or day <= scope.end))


def _pairs(organisations: Iterable[int], kind: str, day: datetime.date | None, normalise: bool) -> list[engine.Tie]:
    distinct = sorted(set(organisations))
    if len(distinct) < 2:
        return []
    weight = 1 / (len(distinct) - 1) if normalise else 1.0
    return [engine.Tie(a, b, kind, day, weight) for a, b in combinations(distinct, 2)]


def _members(scope: Scope) -> dict[int, set[int]]:
    """Organisation -> the scope's clusters it was a member of at some time in the window."""
    window = Q(joined_on__isnull=False)
    if scope.end is not None:
        window &= Q(joined_on__lte=scope.end)
    if scope.start is not None:
        window &= Q(ended_on__isnull=True) | Q(ended_on__gte=scope.start)
    clusters: dict[int, set[int]] = defaultdict(set)
    for org_id, cluster_id in Membership.objects.filter(window, cluster__in=scope.clusters).values_list(
            "organisation_id", "cluster_id"):
        clusters[org_id].add(cluster_id)
    return clusters


def ties_of(scope: Scope, today: datetime.date | None = None) -> list[engine.Tie]:
    """The ties of the scope's clusters in the window: meetings, events and agreements once they took place (up to
    `today`), projects from their start (or, not started, the day they were entered)."""
    today = today or timezone.localdate()
    ties: list[engine.Tie] = []
    for cluster in scope.clusters:
        by_project: dict[int, list[int]] = defaultdict(list)
        days: dict[int, datetime.date] = {}
        for project_id, org_id, start, created in Partner.objects.filter(project__in=portfolio(cluster)).values_list(
                "project_id", "organisation_id", "project__start_date", "project__created_at"):
            by_project[project_id].append(org_id)
            days[project_id] = counting_day(start, created)
        for project_id, organisations in by_project.items():
            if _in_window(days[project_id], scope):
                ties += _pairs(organisations, "project", days[project_id], normalise=True)

        for held in events_held(cluster, today).values():
            if _in_window(held.day, scope):
                ties += _pairs((o for o in held.organisations if o is not None), "event", held.day, normalise=True)
        for held in meetings_held(cluster, today).values():
            if _in_window(held.day, scope):
                ties += _pairs(held.organisations, "meeting", held.day, normalise=False)
                if FollowUp.Outcome.AGREEMENT in held.outcomes:
                    ties += _pairs(held.organisations, "agreement", held.day, normalise=False)
    return ties


def nodes_of(organisation_ids: Iterable[int], clusters_of: dict[int, set[int]]) -> list[engine.Node]:
    """The engine's nodes of these organisations, with their competences and the scope's clusters they belong to."""
    ids = sorted(set(organisation_ids))
    concepts: dict[int, set[int]] = defaultdict(set)
    for org_id, concept_id in Organisation.concepts.through.objects.filter(organisation_id__in=ids).values_list(
            "organisation_id", "concept_id"):
        concepts[org_id].add(concept_id)
    return [engine.Node(id=pk, name=name, kind=kind, helix=str(HELIX_OF_KIND.get(kind, Helix.CIVIL)), country=country,
                        region=region, clusters=frozenset(clusters_of.get(pk, ())),
                        concepts=frozenset(concepts[pk]))
            for pk, name, kind, country, region in Organisation.objects.filter(pk__in=ids).order_by("pk")
            .values_list("pk", "name", "kind", "country", "region")]


@dataclass
class Collaboration:
    """A scope's network: the engine's nodes and ties, and which of the nodes are members."""

    scope: Scope
    nodes: list[engine.Node]
    ties: list[engine.Tie]
    members: set[int]

    def graph(self, kinds: Iterable[str] | None = None):
        return engine.build(self.nodes, self.ties, start=self.scope.start, end=self.scope.end,
                            kinds=tuple(kinds) if kinds else None)


def collaboration(scope: Scope, today: datetime.date | None = None) -> Collaboration:
    """The members of the scope's clusters in the window and everyone tied to them there."""
    clusters_of = _members(scope)
    ties = ties_of(scope, today)
    members = set(clusters_of)
    touched = {tie.a for tie in ties} | {tie.b for tie in ties}
    # The other clusters of the organisations, among the scope's only: a bridge is between the scope's clusters.
    return Collaboration(scope=scope, nodes=nodes_of(members | touched, clusters_of), ties=ties, members=members)


def figures_by_year(cluster: Cluster, years: Iterable[int], today: datetime.date | None = None
                    ) -> dict[int, engine.Figures]:
    """The figures of the cluster's collaboration network in each of `years` (engine.figures): the network the page
    measures for the calendar year and every kind of tie — the members at some time in the year and everyone tied
    to them in it —, counted without measuring it, from one reading of the ties of all the years (for the KPIs)."""
    years = sorted(set(years))
    if not years:
        return {}
    ties = ties_of(Scope.of(cluster, datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)), today)
    by_year: dict[int | None, list[engine.Tie]] = defaultdict(list)
    for tie in ties:
        by_year[tie.day.year if tie.day else None].append(tie)
    members = {year: set(_members(Scope.of(cluster, datetime.date(year, 1, 1), datetime.date(year, 12, 31))))
               for year in years}
    ids = sorted(set().union(*members.values()) | {tie.a for tie in ties} | {tie.b for tie in ties})
    countries = {}
    for i in range(0, len(ids), IDS_CHUNK):
        countries.update(Organisation.objects.filter(pk__in=ids[i:i + IDS_CHUNK]).values_list("pk", "country"))
    return {year: engine.figures(by_year[year] + by_year[None], countries, members[year],
                                 start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
            for year in years}


# --- analyses: computed in a task, kept, read by the page and the API -----------------------------------------------

FRESH_FOR = datetime.timedelta(hours=24)  # a finished analysis of the same question is reused this long


def can_read(viewer: Viewer, what: Cluster | Network) -> bool:
    """A cluster's network: its staff and observers; a network's: its coordinator and platform admins."""
    if isinstance(what, Cluster):
        return viewer.can_read_dashboard(what)
    return viewer.can_compare(what)


def _question(what: Cluster | Network, start, end, kinds: Iterable[str] | None) -> dict:
    chosen = [kind for kind in engine.KINDS if kinds is None or kind in set(kinds)]
    unknown = sorted(set(kinds or ()) - set(engine.KINDS))
    errors = {}
    if unknown or not chosen:
        errors["kinds"] = _("Choose among: %(kinds)s.") % {"kinds": ", ".join(engine.KINDS)}
    if start and end and start > end:
        errors["start"] = _("The window starts after it ends.")
    if errors:
        raise ValidationError(errors)
    return {"cluster" if isinstance(what, Cluster) else "network": what, "start": start, "end": end,
            "kinds": ",".join(chosen)}


def latest(what: Cluster | Network, start=None, end=None, kinds: Iterable[str] | None = None, *,
           done: bool = False) -> Analysis | None:
    """The newest analysis of this question (finished or not; `done`: the newest finished one, which a page shows
    while a newer one is being computed), without its graph: `result` is read when asked for (the summary is what
    a page needs)."""
    analyses = Analysis.objects.filter(**_question(what, start, end, kinds)).defer("result")
    if done:
        analyses = analyses.filter(status=Analysis.Status.DONE)
    return analyses.order_by("-requested_at").first()


def request_analysis(viewer: Viewer, what: Cluster | Network, start=None, end=None,
                     kinds: Iterable[str] | None = None, *, force: bool = False, user=None) -> Analysis:
    """The analysis of this question: a recent finished one, one already queued, or a new one queued for the task
    worker (`force` queues a new one anyway, to take the latest data into account)."""
    if not can_read(viewer, what):
        raise PermissionDenied
    question = _question(what, start, end, kinds)
    if not force:
        recent = Analysis.objects.filter(**question).defer("result").order_by("-requested_at").first()
        if recent is not None and (recent.status == Analysis.Status.QUEUED or (
                recent.status == Analysis.Status.DONE and recent.computed_at >= timezone.now() - FRESH_FOR)):
            return recent
    analysis = Analysis.objects.create(**question, requested_by=user)
    from filiera.network.tasks import compute_analysis

    transaction.on_commit(lambda: compute_analysis(analysis.pk))
    return analysis


def compute(analysis: Analysis, today: datetime.date | None = None) -> Analysis:
    """Measure the network the analysis asks about and keep the result (result_of) and its summary (summary_of)."""
    started = time.perf_counter()
    what = analysis.cluster or analysis.network
    try:
        found = collaboration(Scope.of(what, analysis.start, analysis.end), today)
        graph = found.graph(analysis.kind_list)
        measures = engine.measure(graph, members=found.members)
        suggestions = engine.suggest_links(graph, candidates=found.members, top=SUGGESTIONS)
    except Exception as exc:  # kept on the analysis for the page to say; the task worker logs the traceback
        analysis.status, analysis.error = Analysis.Status.FAILED, f"{type(exc).__name__}: {exc}"
        analysis.save(update_fields=["status", "error"])
        raise
    analysis.result = result_of(found.nodes, found.members, graph, measures, suggestions)
    analysis.summary = summary_of(analysis.result)
    analysis.status, analysis.error = Analysis.Status.DONE, ""
    analysis.computed_at, analysis.seconds = timezone.now(), round(time.perf_counter() - started, 3)
    with transaction.atomic():
        analysis.save()
        Community.objects.bulk_create([Community(analysis=analysis, number=number, graph=part)
                                       for number, part in community_graphs(analysis.result).items()],
                                      batch_size=500)
    return analysis


def result_of(nodes: Iterable[engine.Node], members: set[int], graph, measures: engine.Measures,
              suggestions: Iterable[engine.Suggestion]) -> dict:
    """What an analysis keeps (`Analysis.result`): the graph-level measures, each organisation with its measures,
    the ties (the graph to draw and to export) and the missing links worth making between members."""
    summary = measures.as_dict()
    by_id = {node["id"]: node for node in summary.pop("nodes")}
    rows = []
    for node in nodes:
        values = by_id.get(node.id, {})
        rows.append({"id": node.id, "name": node.name, "kind": node.kind, "helix": node.helix,
                     "country": node.country, "clusters": sorted(node.clusters), "member": node.id in members,
                     **{key: values.get(key) for key in ("degree", "strength", "betweenness", "community",
                                                         "brokerage")}})
    ties = [[a, b, round(data["weight"], 4), data["ties"]] for a, b, data in graph.edges(data=True)]
    return {"measures": summary, "nodes": rows, "ties": ties, "suggestions": [s.as_dict() for s in suggestions]}


def summary_of(result: dict) -> dict:
    """What a page reads of an analysis (`Analysis.summary`), a few kilobytes whatever the network's size: the
    graph-level measures (with the first LISTED bridging organisations, and their number), the LISTED brokers (the
    highest betweenness above 0), the suggestions (each with SHARED_LISTED of its shared partners, those with the
    fewest partners, who weigh most in its score, and their number), the name and helix of every organisation these
    name, the
    clusters, countries, kinds and helices present (the page's filters), and the network seen from afar by its
    COMMUNITIES_DRAWN largest communities (communities)."""
    measures = dict(result["measures"])
    bridging = measures["bridging_organisations"]
    measures["bridging_organisations"], measures["bridging_count"] = bridging[:LISTED], len(bridging)
    nodes = result["nodes"]
    brokers = sorted((node for node in nodes if node["betweenness"]),
                     key=lambda node: (-node["betweenness"], node["id"]))[:LISTED]
    degree = {node["id"]: node["degree"] for node in nodes}
    suggestions = [{**s, "shared_count": len(s["shared_partners"]),
                    "shared_partners": sorted(s["shared_partners"], key=lambda pk: (degree[pk], pk))[:SHARED_LISTED]}
                   for s in result["suggestions"]]
    named = {*measures["isolated_members"], *(node["id"] for node in brokers),
             *(b["id"] for b in measures["bridging_organisations"]),
             *(pk for s in suggestions for pk in (s["a"], s["b"], *s["shared_partners"]))}
    clusters = {c for node in nodes for c in node["clusters"]}
    for bridge in measures["cluster_bridges"]:
        clusters.update(bridge["clusters"])
    for b in measures["bridging_organisations"]:
        clusters.update(b["clusters"], b["reaches"])
    return {
        "measures": measures,
        "brokers": [{key: node[key] for key in ("id", "degree", "betweenness", "brokerage")} for node in brokers],
        "suggestions": suggestions,
        "organisations": [{"id": node["id"], "name": node["name"], "helix": node["helix"]} for node in nodes
                          if node["id"] in named],
        "clusters": sorted(clusters),
        "countries": sorted({node["country"] for node in nodes if node["country"]}),
        "kinds": sorted({node["kind"] for node in nodes}),
        "helices": sorted({node["helix"] for node in nodes}),
        "communities": communities(result, COMMUNITIES_DRAWN),
    }


def community_graphs(result: dict) -> dict[int, dict]:
    """Each community of two organisations or more of an analysis's result: its organisations and the ties among
    them ({"nodes", "ties"}, as in the result), by number (`Community`)."""
    parts: dict[int, dict] = defaultdict(lambda: {"nodes": [], "ties": []})
    community_of = {}
    for node in result["nodes"]:
        community_of[node["id"]] = node["community"]
        parts[node["community"]]["nodes"].append(node)
    for tie in result["ties"]:
        number = community_of[tie[0]]
        if community_of[tie[1]] == number:
            parts[number]["ties"].append(tie)
    return {number: part for number, part in sorted(parts.items()) if len(part["nodes"]) > 1}


def profiles_for(viewer: Viewer, names: dict[int, str]) -> dict[int, tuple[str, str]]:
    """Of these organisations (id -> name), the names the viewer may read, with the slug of each one's profile:
    those it sees in the directory (the cluster's members for its staff and observers); the others are shown
    without a name. The ids are asked in chunks: SQLite takes at most 32,766 parameters a query, and a network has
    more organisations."""
    ids = sorted(names)
    profiles = {}
    for i in range(0, len(ids), IDS_CHUNK):
        for pk, slug in viewer.visible_organisations_among(ids[i:i + IDS_CHUNK]).values_list("pk", "slug"):
            profiles[pk] = (names[pk], slug)
    return profiles


def names_for(viewer: Viewer, analysis: Analysis) -> dict[int, str]:
    """The names the viewer may read of the analysis's organisations (profiles_for without the slugs)."""
    names = {node["id"]: node["name"] for node in analysis.result.get("nodes", [])}
    return {pk: name for pk, (name, _slug) in profiles_for(viewer, names).items()}


def _named(viewer: Viewer, nodes: list[dict]) -> list[dict]:
    """The organisations with the names and slugs the viewer may read (profiles_for), "" for the others."""
    profiles = profiles_for(viewer, {node["id"]: node["name"] for node in nodes})
    named = []
    for node in nodes:
        name, slug = profiles.get(node["id"], ("", ""))
        named.append({**node, "name": name, "slug": slug})
    return named


def readable(viewer: Viewer, analysis: Analysis, community: int | None = None) -> dict:
    """The analysis's graph as the viewer may read it: its organisations (all, or those of one community) with the
    names and slugs the viewer may read and "" for the others, and the ties among them. The whole graph is read:
    for one community of a large network, community_readable is fast."""
    nodes = _named(viewer, [node for node in analysis.result.get("nodes", [])
                            if community is None or node["community"] == community])
    ties = analysis.result.get("ties", [])
    if community is not None:
        ids = {node["id"] for node in nodes}
        ties = [tie for tie in ties if tie[0] in ids and tie[1] in ids]
    return {"nodes": nodes, "ties": ties}


def community_readable(viewer: Viewer, analysis: Analysis, number: int) -> dict | None:
    """One community of two organisations or more of a finished analysis as the viewer may read it (readable),
    from its own row: what the viewer draws when asked, without reading the rest of the graph. None when the
    analysis has no such community."""
    part = analysis.communities.filter(number=number).first()
    if part is None:
        return None
    return {"nodes": _named(viewer, part.graph["nodes"]), "ties": part.graph["ties"]}


def communities(result: dict, top: int) -> dict:
    """An analysis's graph (its result) seen from afar, for networks too large to draw whole: one node per
    community of two organisations or more (the `top` largest), with its organisations, members and the ties
    within, and one edge between two communities summing the ties between their organisations. `left_out`: the
    organisations of the communities not drawn (smaller ones, and those without ties)."""
    sizes = result.get("measures", {}).get("community_sizes", [])
    drawn = {c for c, size in enumerate(sizes[:top]) if size > 1}
    community_of = {node["id"]: node["community"] for node in result.get("nodes", [])}
    groups = {c: {"id": c, "size": sizes[c], "members": 0, "ties_within": 0, "weight_within": 0.0} for c in drawn}
    for node in result.get("nodes", []):
        if node["member"] and node["community"] in drawn:
            groups[node["community"]]["members"] += 1
    between: dict[tuple[int, int], list] = {}
    for a, b, weight, kinds in result.get("ties", []):
        x, y = community_of[a], community_of[b]
        if x not in drawn or y not in drawn:
            continue
        if x == y:
            groups[x]["ties_within"] += 1
            groups[x]["weight_within"] += weight
            continue
        edge = between.setdefault((min(x, y), max(x, y)), [0.0, {}])
        edge[0] += weight
        for kind, n in kinds.items():
            edge[1][kind] = edge[1].get(kind, 0) + n
    return {"communities": [groups[c] for c in sorted(drawn)],
            "ties": [[x, y, round(weight, 4), kinds] for (x, y), (weight, kinds) in sorted(between.items())],
            "left_out": sum(size for c, size in enumerate(sizes) if c not in drawn)}


# --- files ---------------------------------------------------------------------------------------------------------


def _for_files(graph):
    """A copy of the graph whose attributes GraphML and GEXF can hold (text and numbers only)."""
    import networkx as nx

    plain = nx.Graph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{key: (";".join(str(v) for v in sorted(value)) if isinstance(value, (set, frozenset))
                                      else value) for key, value in data.items() if value is not None})
    for a, b, data in graph.edges(data=True):
        plain.add_edge(a, b, weight=data["weight"], **{f"ties_{kind}": n for kind, n in data["ties"].items()})
    return plain


def stored_graph(analysis: Analysis, names: dict[int, str]):
    """The graph of a finished analysis as it was measured, each organisation with its measures, for the files
    (export(stored_graph(…), None, format)): the page, the API and the files then tell the same story, and nothing
    is measured again. An organisation missing from `names` (names_for) is written without a name."""
    import networkx as nx

    graph = nx.Graph()
    for node in analysis.result.get("nodes", []):
        graph.add_node(node["id"], name=names.get(node["id"], ""), kind=node["kind"], helix=node["helix"],
                       country=node["country"], clusters=frozenset(node["clusters"]), member=node["member"],
                       degree=node["degree"], strength=node["strength"], betweenness=node["betweenness"],
                       community=node["community"],
                       **{f"brokerage_{dimension}": n for dimension, n in (node["brokerage"] or {}).items()})
    for a, b, weight, kinds in analysis.result.get("ties", []):
        graph.add_edge(a, b, weight=weight, ties=kinds)
    return graph


def filename(analysis: Analysis, file_format: str) -> str:
    """alpha-network-2025-01-01-2025-12-31.graphml: whose network, and its window (open ends left out)."""
    what = analysis.cluster or analysis.network
    window = "-".join(day.isoformat() for day in (analysis.start, analysis.end) if day)
    return f"{what.slug}-network{'-' + window if window else ''}.{EXTENSIONS[file_format]}"


def export(graph, measures: engine.Measures | None, file_format: str) -> bytes:
    """The network as GraphML or GEXF (Gephi, yEd, Cytoscape desktop), or as CSV: a ZIP of nodes.csv (with the
    measures when given) and ties.csv."""
    import networkx as nx

    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"Unknown format {file_format!r}: {', '.join(EXPORT_FORMATS)}")
    plain = _for_files(graph)
    if measures is not None:
        for values in measures.nodes:
            if values.id in plain:
                plain.nodes[values.id].update(
                    degree=values.degree, strength=values.strength, betweenness=values.betweenness,
                    community=values.community,
                    **{f"brokerage_{dimension}": n for dimension, n in values.brokerage.items()})
    buffer = io.BytesIO()
    if file_format == "graphml":
        nx.write_graphml(plain, buffer)
        return buffer.getvalue()
    if file_format == "gexf":
        nx.write_gexf(plain, buffer)
        return buffer.getvalue()
    import zipfile

    from filiera.core.spreadsheets import safe_cell

    node_keys = sorted({key for _node, data in plain.nodes(data=True) for key in data})
    edge_keys = sorted({key for _a, _b, data in plain.edges(data=True) for key in data})
    nodes, edges = io.StringIO(), io.StringIO()
    writer = csv.writer(nodes)
    writer.writerow(["id", *node_keys])
    for node, data in sorted(plain.nodes(data=True)):
        writer.writerow([node, *(safe_cell(data.get(key, "")) for key in node_keys)])
    writer = csv.writer(edges)
    writer.writerow(["source", "target", *edge_keys])
    for a, b, data in sorted(plain.edges(data=True)):
        writer.writerow([a, b, *(data.get(key, "") for key in edge_keys)])
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes.getvalue())
        archive.writestr("ties.csv", edges.getvalue())
    return buffer.getvalue()
