"""The collaboration network of a cluster in its back office (/c/<cluster>/network/: its staff, managers and
observers) and of a network of clusters (/networks/<network>/collaboration/: its coordinator and platform admins).

A page asks a question (a time window, the kinds of tie) and shows the latest analysis of it: its measures, the
brokers, bridges and suggested links, the graph drawn in the browser by static/filiera/network-viewer.js from the
data the page embeds with json_script, and the files (GraphML, GEXF, CSV). The page reads the analysis's summary
(services.summary_of), and its graph (`result`) only when it is small enough to be drawn whole: a network of tens of
thousands of organisations is drawn by its communities (in the summary), and the browser fetches one community's
organisations from the API when asked, so that the page of the whole H2020 network is first painted in under a
second (bench/network_viewer.py). "Compute again" queues a new analysis for the task worker; everyone who reads the
page may ask (an observer included: computing changes no data, and a funder or a coordinator reads the network at a
date of its choosing). The names of the organisations the viewer does not see in the directory appear nowhere: not
in the page, its data or the files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from filiera.core.access import Role, Viewer, viewer_for
from filiera.core.countries import country_name
from filiera.core.models import Cluster, Concept, Network
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.directory.models import Helix, OrganisationKind
from filiera.network import engine, services
from filiera.network.forms import TIE_KINDS, QuestionForm
from filiera.network.models import Analysis

VIEWER_MAX_NODES = 1_500  # above, the viewer draws the communities, and one community's organisations on demand
REFRESH_SECONDS = 5  # while an analysis is computed, the page reloads itself this often
DIMENSIONS = {"helix": gettext_lazy("helices"), "country": gettext_lazy("countries"),
              "region": gettext_lazy("regions"), "cluster": gettext_lazy("clusters")}


def _number(value: float, decimals: int) -> str:
    # number_format cuts the digits beyond `decimals`: round first.
    return number_format(round(value, decimals), decimals)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{_number(value * 100, 1)} %"


def _question_form(data) -> QuestionForm:
    """The form of the question asked (GET, or the POST of "Compute again"); every kind of tie unless some are."""
    data = data.copy()
    if not data.getlist("kinds"):
        data.setlist("kinds", list(engine.KINDS))
    return QuestionForm(data)


def _fields(question: dict) -> list[tuple[str, str]]:
    """The question as the form's fields and values, for a link or the hidden fields of "Compute again"."""
    pairs = [(key, question[key].isoformat()) for key in ("start", "end") if question[key]]
    return pairs + [("kinds", kind) for kind in question["kinds"]]


def _query(question: dict) -> str:
    return "?" + urlencode(_fields(question))


# --- what an analysis says, as the viewer may read it --------------------------------------------------------------


class Reader:
    """What the page says of an analysis, from its summary (services.summary_of): the organisations it lists,
    named only where the viewer may read the name, and the clusters by id."""

    def __init__(self, viewer: Viewer, analysis: Analysis):
        self.summary = summary = analysis.summary
        self.whole = summary["measures"]["node_count"] <= VIEWER_MAX_NODES
        self.organisations = {o["id"]: o for o in summary["organisations"]}
        self.profiles = services.profiles_for(viewer, {pk: o["name"] for pk, o in self.organisations.items()})
        self.clusters = {pk: str(cluster) for pk, cluster in Cluster.objects.in_bulk(summary["clusters"]).items()}

    def organisation(self, pk: int) -> dict:
        name, slug = self.profiles.get(pk, ("", ""))
        return {"id": pk, "name": name, "slug": slug}

    def cluster_names(self, ids) -> list[str]:
        return [self.clusters.get(pk, "?") for pk in ids]


def _brokers(reader: Reader) -> list[dict]:
    return [{"organisation": reader.organisation(node["id"]), "betweenness": _number(node["betweenness"], 3),
             "degree": node["degree"],
             "brokerage": ", ".join(f"{DIMENSIONS[dim]} {n}" for dim, n in node["brokerage"].items() if n)}
            for node in reader.summary["brokers"]]


def _suggestions(reader: Reader) -> list[dict]:
    suggestions = reader.summary["suggestions"]
    concept_ids = {c for s in suggestions for c in s["complementary_concepts"]}
    concepts = {pk: concept.label for pk, concept in Concept.objects.in_bulk(concept_ids).items()}
    lines = []
    for suggestion in suggestions:
        reasons = []
        if suggestion["shared_count"]:
            count, listed = suggestion["shared_count"], suggestion["shared_partners"]
            reasons.append({"text": ngettext("%(count)d shared partner", "%(count)d shared partners", count)
                            % {"count": count},
                            "organisations": [reader.organisation(pk) for pk in listed],
                            "more": count - len(listed)})
        if suggestion["complementary_concepts"]:
            labels = sorted(concepts.get(pk, "?") for pk in suggestion["complementary_concepts"])
            reasons.append({"text": _("Complementary competences: %(concepts)s") % {"concepts": ", ".join(labels)}})
        if suggestion["parts"].get("other_helix"):
            helices = dict(Helix.choices)
            reasons.append({"text": _("Different helices: %(a)s and %(b)s") % {
                "a": helices.get(reader.organisations[suggestion["a"]]["helix"], "?"),
                "b": helices.get(reader.organisations[suggestion["b"]]["helix"], "?")}})
        lines.append({"a": reader.organisation(suggestion["a"]), "b": reader.organisation(suggestion["b"]),
                      "score": _number(suggestion["score"], 2), "reasons": reasons})
    return lines


def _findings(reader: Reader) -> dict:
    """The graph-level measures and the lists below the graph."""
    measures = reader.summary["measures"]
    figures = [
        ("node_count", _("Organisations"), number_format(measures["node_count"], 0, force_grouping=True)),
        ("edge_count", _("Ties"), number_format(measures["edge_count"], 0, force_grouping=True)),
        ("density", _("Density"), _number(measures["density"], 4)),
        ("components", _("Connected components"), _("%(count)s (the largest: %(size)s organisations)") % {
            "count": measures["components"], "size": measures["largest_component"]}),
        ("communities", _("Communities"), _("%(count)s (modularity %(modularity)s)") % {
            "count": measures["communities"], "modularity": _number(measures["modularity"], 3)}),
        ("cross_border_share", _("Cross-border ties"), _share(measures["cross_border_share"])),
        ("cross_helix_share", _("Cross-helix ties"), _share(measures["cross_helix_share"])),
    ]
    isolated = [reader.organisation(pk) for pk in measures["isolated_members"]]
    bridges = [{"clusters": reader.cluster_names(bridge["clusters"]), "ties": bridge["ties"],
                "weight": _number(bridge["weight"], 2)} for bridge in measures["cluster_bridges"]]
    bridging = [{"organisation": reader.organisation(b["id"]), "clusters": reader.cluster_names(b["clusters"]),
                 "reaches": reader.cluster_names(b["reaches"]), "ties_across": b["ties_across"]}
                for b in measures["bridging_organisations"]]
    return {"figures": figures, "isolated": isolated, "brokers": _brokers(reader), "bridges": bridges,
            "bridging": bridging, "suggestions": _suggestions(reader),
            "estimated": not measures["betweenness_method"]["exact"]}


def _viewer_data(reader: Reader, viewer: Viewer, analysis: Analysis, source: str) -> tuple[dict, dict]:
    """The graph the browser draws (whole, or its communities when too large) and the words it labels it with."""
    summary = reader.summary
    if reader.whole:
        graph = {"mode": "full", **services.readable(viewer, analysis)}
    else:
        graph = {"mode": "communities", **summary["communities"], "source": source}
    countries, kinds, helices = summary["countries"], set(summary["kinds"]), set(summary["helices"])
    labels = {
        "kinds": {code: str(label) for code, label in OrganisationKind.choices},
        "helices": {code: str(label) for code, label in Helix.choices},
        "countries": {code: country_name(code) for code in countries},
        "clusters": {str(pk): name for pk, name in reader.clusters.items()},
        "ties": {kind: str(label) for kind, label in TIE_KINDS.items()},
        "dimensions": {dim: str(label) for dim, label in DIMENSIONS.items()},
        "profile": reverse("directory:profile", args=["__slug__"]),
        "hidden": _("An organisation you cannot see"),
        "community": _("Community %(number)s"),
        "shown": _("Organisations shown: %(nodes)s; ties: %(ties)s"),
        "communities_shown": _("Communities shown: %(nodes)s; ties between them: %(ties)s"),
    }
    filters = {
        "countries": sorted(((code, labels["countries"][code]) for code in countries), key=lambda c: c[1]),
        "kinds": [(code, label) for code, label in OrganisationKind.choices if code in kinds],
        "helices": [(code, label) for code, label in Helix.choices if code in helices],
        "clusters": sorted(reader.clusters.items(), key=lambda c: c[1]) if len(reader.clusters) > 1 else [],
        "ties": [(kind, TIE_KINDS[kind]) for kind in analysis.kind_list],
    }
    return {"graph": graph, "labels": labels}, filters


def _page(request, what: Cluster | Network, viewer: Viewer, *, template: str, page_url: str, export_url,
          source_url) -> HttpResponse:
    form = _question_form(request.POST if request.method == "POST" else request.GET)
    latest = shown = None
    if form.is_valid():
        question = form.question()
        try:
            if request.method == "POST":
                analysis = services.request_analysis(viewer, what, **question, force=True, user=request.user)
                analysis.refresh_from_db(fields=["status"])  # measured already if the task ran at once
                messages.success(request, _("The network is measured.") if analysis.status == Analysis.Status.DONE
                                 else _("The network is being measured: the page shows it once it is done."))
                return redirect(page_url + _query(question))
            latest = services.latest(what, **question)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            shown = latest if latest is None or latest.status == Analysis.Status.DONE else services.latest(
                what, **question, done=True)
    elif request.method == "POST":
        messages.error(request, _("The network is not measured: correct the fields marked below."))
    context = {"form": form, "latest": latest, "shown": shown, "what": what,
               "refresh": REFRESH_SECONDS if latest and latest.status == Analysis.Status.QUEUED else None}
    if form.is_valid():
        context["hidden"] = _fields(form.question())
    if shown is not None:
        reader = Reader(viewer, shown)
        query = _query(form.question())
        data, filters = _viewer_data(reader, viewer, shown, source_url(shown))
        context.update(_findings(reader), data=data, filters=filters, aggregated=data["graph"]["mode"] != "full",
                       viewer_max_nodes=VIEWER_MAX_NODES,
                       downloads=[(label, export_url(file_format) + query) for file_format, label in
                                  (("graphml", "GraphML"), ("gexf", "GEXF"), ("csv", _("CSV (ZIP)")))])
    return render(request, template, context, status=400 if form.errors else 200)


def _download(request, what: Cluster | Network, viewer: Viewer, file_format: str) -> HttpResponse:
    """The graph of the latest finished analysis of the question, as the page shows it (services.stored_graph)."""
    if file_format not in services.EXPORT_FORMATS:
        raise Http404("No such format.")
    form = _question_form(request.GET)
    if not form.is_valid():
        raise Http404("No such analysis.")
    try:
        analysis = services.latest(what, **form.question(), done=True)
    except ValidationError as error:
        raise Http404("No such analysis.") from error
    if analysis is None:
        raise Http404("No such analysis.")
    graph = services.stored_graph(analysis, services.names_for(viewer, analysis))
    response = HttpResponse(services.export(graph, None, file_format),
                            content_type=services.EXPORT_FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{services.filename(analysis, file_format)}"'
    return response


# --- a cluster's network, in its back office -----------------------------------------------------------------------


def _api_communities(kind: str, slug: str):
    """The API URL of the analysis's communities, to which the viewer adds a community's number."""
    return lambda analysis: reverse(f"api:{kind}_network_community", kwargs={
        "slug": slug, "analysis_id": analysis.pk, "number": 0}).removesuffix("0")


@cluster_view(Role.OBSERVER)
def cluster_network(request):
    cluster = request.cluster
    return _page(request, cluster, request.viewer, template="network/staff/network.html",
                 page_url=reverse("network_staff:network", args=[cluster.slug]),
                 export_url=lambda file_format: reverse("network_staff:export", args=[cluster.slug, file_format]),
                 source_url=_api_communities("cluster", cluster.slug))


@cluster_view(Role.OBSERVER)
def cluster_export(request, file_format: str):
    return _download(request, request.cluster, request.viewer, file_format)


# --- a network of clusters -----------------------------------------------------------------------------------------


def _readable_network(request, network_slug: str) -> tuple[Network, Viewer]:
    network = get_object_or_404(Network, slug=network_slug)
    viewer = viewer_for(request.user)
    if not services.can_read(viewer, network):
        raise Http404("No such page.")
    return network, viewer


def network_collaboration(request, network_slug: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    network, viewer = _readable_network(request, network_slug)
    return _page(request, network, viewer, template="network/collaboration.html",
                 page_url=reverse("network_public:collaboration", args=[network.slug]),
                 export_url=lambda file_format: reverse("network_public:export", args=[network.slug, file_format]),
                 source_url=_api_communities("network", network.slug))


def network_export(request, network_slug: str, file_format: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    network, viewer = _readable_network(request, network_slug)
    return _download(request, network, viewer, file_format)
