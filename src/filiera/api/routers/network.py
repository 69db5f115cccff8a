"""The collaboration network of a cluster (its staff and observers, platform admins) or of a network of clusters (its
coordinator and platform admins): the latest analysis of a question (a time window, kinds of tie), one analysis by
id, one community of it (what the page's viewer draws of a network too large to draw whole), asking for one
(computed by the task worker: poll the analysis by id), and the files.

Anyone else gets a 404. The name and slug of an organisation the caller does not see in the directory are empty:
such an organisation is in the graph, its measures too, never its name — nor in the files."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from filiera.api.common import observed_cluster, signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.core.access import Viewer
from filiera.core.models import Cluster, Network
from filiera.network import engine, services
from filiera.network.models import Analysis

router = Router(tags=["network"])

READ_ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut}
KINDS = ", ".join(engine.KINDS)


# --- schemas -------------------------------------------------------------------------------------------------------


class QuestionQuery(Schema):
    start: date | None = Field(None, description="First day of the window (open when left out)")
    end: date | None = Field(None, description="Last day of the window (open when left out)")
    kinds: list[str] | None = Field(None, description=f"Kinds of tie, repeated or comma-separated: {KINDS} "
                                                      "(all when left out)")


class GraphQuery(QuestionQuery):
    community: int | None = Field(None, description="Only the organisations of this community and their ties")


class AnalysisQuery(Schema):
    community: int | None = Field(None, description="Only the organisations of this community and their ties")


class ExportQuery(QuestionQuery):
    format: Literal["graphml", "gexf", "csv"] = Field(
        "graphml", description="graphml or gexf (Gephi, yEd, Cytoscape desktop), or csv: a ZIP of nodes.csv and "
                               "ties.csv")


class AnalysisIn(Schema):
    start: date | None = None
    end: date | None = None
    kinds: list[str] | None = Field(None, description=f"Among {KINDS} (all when left out)")
    force: bool = Field(False, description="Compute again even if a recent analysis of the question is done")


class ClusterRefOut(Schema):
    id: int
    slug: str
    name: str


class NodeOut(Schema):
    id: int
    name: str = Field(description="Empty when the caller does not see the organisation in the directory")
    slug: str = Field(description="Of its profile, /org/<slug>/; empty like the name")
    kind: str
    helix: str
    country: str
    clusters: list[int] = Field(description="The ids of the analysis's clusters it was a member of (see clusters)")
    member: bool = Field(description="A member of one of the analysis's clusters in the window")
    degree: int = Field(description="Its partners")
    strength: float = Field(description="The sum of the weights of its ties")
    betweenness: float
    community: int = Field(description="Numbered by size, the largest first (0)")
    brokerage: dict[str, int] = Field(description="helix, country, region, cluster -> the pairs of its partners "
                                                  "from different groups that only it links")


class CommunityOut(Schema):
    analysis: int
    community: int = Field(description="Its number: by size, the largest first (0)")
    nodes: list[NodeOut]
    ties: list[tuple[int, int, float, dict[str, int]]] = Field(
        description="[a, b, weight, {kind of tie: count}] for every pair of its organisations tied")


class SuggestionOut(Schema):
    a: int
    b: int
    score: float
    shared_partners: list[int]
    complementary_concepts: list[int] = Field(description="Concept ids one of the two has and the other lacks")
    parts: dict[str, float] = Field(description="shared_partners, complementary_concepts, other_helix: the score "
                                                "is their sum")


class AnalysisOut(Schema):
    id: int
    status: str = Field(description="queued, done or failed")
    cluster: str | None = Field(description="The cluster's slug, for a cluster's network")
    network: str | None = Field(description="The network's slug, for a network of clusters")
    start: date | None
    end: date | None
    kinds: list[str]
    requested_at: datetime
    computed_at: datetime | None
    seconds: float | None
    error: str
    clusters: list[ClusterRefOut] = Field(description="The clusters the analysis covers")
    measures: dict[str, Any] | None = Field(
        description="Graph-level measures once done: node_count, edge_count, density, components, "
                    "largest_component, communities, community_sizes, modularity, cross_border_ties, "
                    "cross_border_share, cross_helix_ties, cross_helix_share, isolated_members (ids), "
                    "cluster_bridges, bridging_organisations, betweenness_method")
    nodes: list[NodeOut]
    ties: list[tuple[int, int, float, dict[str, int]]] = Field(
        description="[a, b, weight, {kind of tie: count}] for every pair of organisations tied")
    suggestions: list[SuggestionOut] = Field(description="Missing links worth making between members, best first")


# --- helpers -------------------------------------------------------------------------------------------------------


def _cluster(request, slug: str) -> tuple[Viewer, Cluster]:
    current = signed_in_viewer(request)
    return current, observed_cluster(current, slug)


def _network(request, slug: str) -> tuple[Viewer, Network]:
    current = signed_in_viewer(request)
    network = get_object_or_404(Network, slug=slug)
    if not services.can_read(current, network):
        raise Http404
    return current, network


def _kinds(kinds: list[str] | None) -> list[str] | None:
    """Repeated (kinds=a&kinds=b) or comma-separated (kinds=a,b)."""
    if not kinds:
        return None
    return [kind.strip() for value in kinds for kind in value.split(",") if kind.strip()]


def _question(query: QuestionQuery) -> dict:
    return {"start": query.start, "end": query.end, "kinds": _kinds(query.kinds)}


def _out(current: Viewer, analysis: Analysis, community: int | None = None) -> dict:
    what = analysis.cluster or analysis.network
    clusters = [what] if analysis.cluster_id else list(what.clusters.order_by("pk"))
    graph = {"nodes": [], "ties": []}
    if analysis.status == Analysis.Status.DONE:
        graph = services.readable(current, analysis, community)
    return {
        "id": analysis.pk, "status": analysis.status,
        "cluster": analysis.cluster.slug if analysis.cluster_id else None,
        "network": analysis.network.slug if analysis.network_id else None,
        "start": analysis.start, "end": analysis.end, "kinds": analysis.kind_list,
        "requested_at": analysis.requested_at, "computed_at": analysis.computed_at, "seconds": analysis.seconds,
        "error": analysis.error,
        "clusters": [{"id": c.pk, "slug": c.slug, "name": c.name} for c in clusters],
        "measures": analysis.result.get("measures"), **graph,
        "suggestions": analysis.result.get("suggestions", []),
    }


def _latest(current: Viewer, what, query: GraphQuery):
    analysis = services.latest(what, **_question(query))
    if analysis is None:
        return Status(404, {"detail": _("This network has not been measured for this window and these ties yet: "
                                        "ask for an analysis first.")})
    return _out(current, analysis, query.community)


def _one(current: Viewer, what, analysis_id: int, community: int | None) -> dict:
    analysis = get_object_or_404(Analysis, pk=analysis_id, **{
        "cluster" if isinstance(what, Cluster) else "network": what})
    return _out(current, analysis, community)


def _community(current: Viewer, what, analysis_id: int, number: int) -> JsonResponse:
    analysis = get_object_or_404(Analysis.objects.defer("result", "summary"), pk=analysis_id, **{
        "cluster" if isinstance(what, Cluster) else "network": what})
    graph = services.community_readable(current, analysis, number)
    if graph is None:
        raise Http404
    # CommunityOut as stored (services.result_of writes the nodes with NodeOut's fields), written straight to JSON:
    # validating it would take a second for the largest community of the H2020 network (7,000 organisations).
    return JsonResponse({"analysis": analysis.pk, "community": number, **graph})


def _request(request, current: Viewer, what, payload: AnalysisIn):
    analysis = services.request_analysis(current, what, payload.start, payload.end, _kinds(payload.kinds),
                                         force=payload.force, user=request.auth)
    analysis.refresh_from_db()  # computed already when the tasks run immediately
    return Status(202, _out(current, analysis))


def _file(what, query: ExportQuery, current: Viewer):
    analysis = services.latest(what, **_question(query), done=True)
    if analysis is None:
        return Status(404, {"detail": _("This network has not been measured for this window and these ties yet.")})
    graph = services.stored_graph(analysis, services.names_for(current, analysis))
    response = HttpResponse(services.export(graph, None, query.format),
                            content_type=services.EXPORT_FORMATS[query.format])
    response["Content-Disposition"] = f'attachment; filename="{services.filename(analysis, query.format)}"'
    return response


FILE = {"type": "string", "format": "binary"}
FILE_RESPONSE = {"responses": {200: {
    "description": "The graph of the latest finished analysis of the question, as an attachment",
    "content": {content_type: {"schema": FILE} for content_type in services.EXPORT_FORMATS.values()}}}}


# --- a cluster's network -------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/network", response={200: AnalysisOut, **READ_ERRORS},
            summary="A cluster's collaboration network")
def cluster_network(request, slug: str, query: Query[GraphQuery]):
    """The latest analysis of the question (queued, done or failed), with the measures, the graph and the suggested
    links once done; 404 when none was asked for yet. The cluster's staff, observers and platform admins."""
    current, cluster = _cluster(request, slug)
    return _latest(current, cluster, query)


@router.get("/clusters/{slug}/network/analyses/{analysis_id}", response={200: AnalysisOut, **READ_ERRORS},
            summary="One analysis of a cluster's network", url_name="cluster_network_analysis")
def cluster_network_analysis(request, slug: str, analysis_id: int, query: Query[AnalysisQuery]):
    """An analysis by id: poll it after asking for one until its status is done."""
    current, cluster = _cluster(request, slug)
    return _one(current, cluster, analysis_id, query.community)


@router.get("/clusters/{slug}/network/analyses/{analysis_id}/communities/{number}",
            response={200: CommunityOut, **READ_ERRORS}, summary="One community of an analysis of a cluster's network",
            url_name="cluster_network_community")
def cluster_network_community(request, slug: str, analysis_id: int, number: int):
    """The organisations of one community of a finished analysis (of two organisations or more; 404 otherwise) and
    the ties among them, read apart from the rest of the graph: fast whatever the network's size (the page's
    viewer draws a large network's communities this way)."""
    current, cluster = _cluster(request, slug)
    return _community(current, cluster, analysis_id, number)


@router.post("/clusters/{slug}/network/analyses", response={202: AnalysisOut, **READ_ERRORS},
             summary="Ask for an analysis of a cluster's network")
def request_cluster_analysis(request, slug: str, payload: AnalysisIn):
    """Queue an analysis of the question for the task worker, or answer with a recent one done (or one already
    queued) unless `force`. The cluster's staff, observers and platform admins."""
    current, cluster = _cluster(request, slug)
    return _request(request, current, cluster, payload)


@router.get("/clusters/{slug}/network/export", response=READ_ERRORS, summary="A cluster's network as a file",
            openapi_extra=FILE_RESPONSE)
def export_cluster_network(request, slug: str, query: Query[ExportQuery]):
    """The graph of the latest finished analysis of the question with each organisation's measures, as GraphML,
    GEXF or CSV (a ZIP); the organisations the caller does not see have no name."""
    current, cluster = _cluster(request, slug)
    return _file(cluster, query, current)


# --- a network of clusters -----------------------------------------------------------------------------------------


@router.get("/networks/{slug}/network", response={200: AnalysisOut, **READ_ERRORS},
            summary="A network's collaboration network")
def network_network(request, slug: str, query: Query[GraphQuery]):
    """The latest analysis of the question for all the network's clusters; 404 when none was asked for yet. The
    network's coordinator and platform admins."""
    current, network = _network(request, slug)
    return _latest(current, network, query)


@router.get("/networks/{slug}/network/analyses/{analysis_id}", response={200: AnalysisOut, **READ_ERRORS},
            summary="One analysis of a network's network", url_name="network_network_analysis")
def network_network_analysis(request, slug: str, analysis_id: int, query: Query[AnalysisQuery]):
    current, network = _network(request, slug)
    return _one(current, network, analysis_id, query.community)


@router.get("/networks/{slug}/network/analyses/{analysis_id}/communities/{number}",
            response={200: CommunityOut, **READ_ERRORS}, summary="One community of an analysis of a network's network",
            url_name="network_network_community")
def network_network_community(request, slug: str, analysis_id: int, number: int):
    current, network = _network(request, slug)
    return _community(current, network, analysis_id, number)


@router.post("/networks/{slug}/network/analyses", response={202: AnalysisOut, **READ_ERRORS},
             summary="Ask for an analysis of a network's network")
def request_network_analysis(request, slug: str, payload: AnalysisIn):
    current, network = _network(request, slug)
    return _request(request, current, network, payload)


@router.get("/networks/{slug}/network/export", response=READ_ERRORS, summary="A network's network as a file",
            openapi_extra=FILE_RESPONSE)
def export_network_network(request, slug: str, query: Query[ExportQuery]):
    current, network = _network(request, slug)
    return _file(network, query, current)
