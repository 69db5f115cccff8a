"""KPIs, targets, figures entered by staff and a network's clusters side by side.

A cluster's KPIs, targets and figures are read by its staff, managers and observers (a funder, the network's
coordinator) and platform admins; anyone else gets a 404. Targets and figures are changed by its staff: an
observer gets a 403. A network's comparison is for its coordinator and platform admins."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema
from ninja.responses import Status

from filiera.api.common import observed_cluster, signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.core.models import Cluster, Network, ValueChain
from filiera.monitoring import kpis, services
from filiera.monitoring.models import ManualFigure

router = Router(tags=["monitoring"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
READ_ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class IndicatorOut(Schema):
    code: str
    label: str
    area: str = Field(description="members, activity, projects, international, network (the collaboration network "
                                  "of the year), satisfaction or resources")
    unit: str = Field(description="count, percent, eur, fte or score (1 to 5)")
    higher_is_better: bool
    manual: bool = Field(description="Entered by staff with evidence, not computed")
    whole_cluster: bool = Field(description="For the whole cluster only: left out for a value chain (the figures "
                                            "staff enter and the collaboration network's)")
    value: float | None = Field(description="Null when unknown (no data, nothing entered, no answer)")
    previous: float | None = Field(description="The year before's value")
    trend: float | None = Field(description="value − previous")
    target: float | None
    status: str | None = Field(description="met, on_track, at_risk or missed; null without a target or a value")


class SeriesOut(Schema):
    years: list[int]
    values: dict[str, list[float | None]] = Field(description="Indicator code -> its value in each of `years`")


class KpisOut(Schema):
    cluster: str
    year: int
    value_chain: str | None
    indicators: list[IndicatorOut]
    breakdowns: dict[str, dict[str, int]] = Field(
        description="members_by_kind, members_by_helix and members_by_country at the end of the year (codes)")
    series: SeriesOut


class TargetsOut(Schema):
    cluster: str
    year: int
    value_chain: str | None
    targets: dict[str, float] = Field(description="Indicator code -> target; indicators without one are left out")


class FigureOut(Schema):
    indicator: str
    label: str
    year: int
    value: Decimal
    evidence: str
    entered_by: str | None
    updated_at: datetime

    @staticmethod
    def resolve_label(obj):
        return str(services.LABELS.get(obj.indicator, obj.indicator))

    @staticmethod
    def resolve_entered_by(obj):
        return str(obj.entered_by) if obj.entered_by_id else None


class FigureIn(Schema):
    indicator: str = Field(description="staff_fte, budget or media_coverage")
    year: int
    value: Decimal
    evidence: str = Field(description="Where the figure comes from: a document's link or a short reference")


class ClusterRefOut(Schema):
    slug: str
    name: str


class ComparedIndicatorOut(Schema):
    code: str
    label: str
    area: str
    unit: str
    values: list[float | None] = Field(description="The value in each of `clusters`, in the same order")


class NetworkKpisOut(Schema):
    network: str
    year: int
    clusters: list[ClusterRefOut]
    indicators: list[ComparedIndicatorOut]


# --- helpers -------------------------------------------------------------------------------------------------------


def _value_chain(cluster: Cluster, slug: str | None) -> ValueChain | None:
    if not slug:
        return None
    chain = cluster.value_chains.filter(slug=slug).first()
    if chain is None:
        raise ValidationError({"value_chain": [_("Unknown value chain of this cluster: %(slug)s") % {"slug": slug}]})
    return chain


def _year(year: int | None) -> int:
    if year is None:
        return timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    return year


def _targets(cluster: Cluster, year: int, chain: ValueChain | None, targets: dict[str, float]) -> dict:
    return {"cluster": cluster.slug, "year": year, "value_chain": chain.slug if chain else None, "targets": targets}


# --- a cluster's KPIs ----------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/kpis", response={200: KpisOut, **READ_ERRORS}, summary="A cluster's KPIs")
def cluster_kpis(request, slug: str, year: int | None = None, value_chain: str | None = None):
    """The indicators of a year (default: the current one), for the whole cluster or one of its value chains (its
    slug), with the year before's value, the trend, the target and its status; the members' breakdowns; and each
    indicator's series over the five years up to `year`. The collaboration network's indicators (network_density,
    cross_border_ties, cross_border_share, isolated_members) count the network of the calendar year, every kind of
    tie, as /clusters/{slug}/network does for that window; they are for the whole cluster only. Its staff,
    observers and platform admins."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    year = _year(year)
    chain = _value_chain(cluster, value_chain)
    board = services.dashboard(cluster, year, chain)
    return {
        "cluster": cluster.slug, "year": year, "value_chain": chain.slug if chain else None,
        "indicators": [{"code": row.indicator.code, "label": row.label, "area": row.indicator.area,
                        "unit": row.indicator.unit, "higher_is_better": row.indicator.higher_is_better,
                        "manual": row.indicator.manual, "whole_cluster": row.indicator.whole_cluster,
                        "value": row.value, "previous": row.previous,
                        "trend": row.trend, "target": row.target, "status": row.status} for row in board.rows],
        "breakdowns": board.breakdowns,
        "series": {"years": board.years, "values": board.series},
    }


# --- targets -------------------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/targets", response={200: TargetsOut, **READ_ERRORS}, summary="A year's targets")
def get_targets(request, slug: str, year: int | None = None, value_chain: str | None = None):
    """The targets of a year (default: the current one), of the whole cluster or of one value chain. Its staff,
    observers (they see the targets on the dashboard too) and platform admins."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    year = _year(year)
    chain = _value_chain(cluster, value_chain)
    return _targets(cluster, year, chain, services.targets_of(cluster, year, chain))


PUT_TARGETS = (
    "Set the targets of a year, `{\"members\": 120, \"events\": 10, \"budget\": null}`: a number sets an "
    "indicator's target, null removes it; indicators not named keep theirs. All or nothing: a 400 names each refused "
    "indicator and nothing is saved. `value_chain` (a slug of the cluster's value chains, in the query) sets that "
    "chain's targets. The cluster's staff; an observer gets a 403. Indicators: "
    + ", ".join(indicator.code for indicator in kpis.CATALOGUE) + ".")


@router.put("/clusters/{slug}/targets/{year}", response={200: TargetsOut, **ERRORS}, summary="Set a year's targets",
            description=PUT_TARGETS)
def put_targets(request, slug: str, year: int, payload: Body[dict[str, Decimal | None]],
                value_chain: str | None = None):
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    chain = _value_chain(cluster, value_chain)
    targets = services.set_targets(current, cluster, year, dict(payload), chain)
    return _targets(cluster, year, chain, targets)


# --- figures entered by staff ----------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/figures", response={200: list[FigureOut], **READ_ERRORS},
            summary="Figures entered by staff")
def list_figures(request, slug: str, year: int | None = None):
    """The figures the platform cannot know (team FTE, budget, media coverage) with their evidence, latest year
    first; `year` narrows to one. Its staff, observers and platform admins."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    figures = ManualFigure.objects.filter(cluster=cluster).select_related("entered_by").order_by("-year", "indicator")
    if year is not None:
        figures = figures.filter(year=year)
    return list(figures)


@router.post("/clusters/{slug}/figures", response={201: FigureOut, **ERRORS}, summary="Enter a figure (staff)")
def enter_figure(request, slug: str, payload: FigureIn):
    """Enter (or, for the same indicator and year, replace) a figure with its evidence. The cluster's staff."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    figure = services.enter_figure(current, cluster, payload.indicator, payload.year, payload.value,
                                   payload.evidence, user=request.auth)
    # As stored (two decimals), the way the list shows it.
    return Status(201, ManualFigure.objects.select_related("entered_by").get(pk=figure.pk))


# --- a network's clusters side by side -----------------------------------------------------------------------------


@router.get("/networks/{slug}/kpis", response={200: NetworkKpisOut, **READ_ERRORS},
            summary="A network's clusters side by side")
def network_kpis(request, slug: str, year: int | None = None):
    """Each indicator of a year (default: the current one) in each cluster of the network. The network's
    coordinator and platform admins; anyone else gets a 404."""
    current = signed_in_viewer(request)
    network = get_object_or_404(Network, slug=slug)
    if not current.can_compare(network):
        raise Http404
    year = _year(year)
    clusters, rows = services.network_comparison(network, year)
    return {
        "network": network.slug, "year": year,
        "clusters": [{"slug": cluster.slug, "name": cluster.name} for cluster in clusters],
        "indicators": [{"code": indicator.code, "label": label, "area": indicator.area, "unit": indicator.unit,
                        "values": values} for indicator, label, values in rows],
    }

