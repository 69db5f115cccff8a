"""The KPI dashboard of a cluster's back office (/c/<cluster>/monitoring/: its staff, managers and observers), the
targets of a year and the figures the platform cannot know (its staff), and a network's clusters side by side
(/networks/<network>/monitoring/: the network's coordinator and platform admins).

The charts are drawn in the browser by static/filiera/monitoring-charts.js from the data the page embeds with
json_script; the tables carry the same figures for those who do not see the charts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from filiera.core.access import Role, viewer_for
from filiera.core.countries import country_name
from filiera.core.models import Network
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.directory.models import Helix, OrganisationKind
from filiera.monitoring import kpis, services
from filiera.monitoring.forms import FigureForm, TargetsForm
from filiera.monitoring.models import ManualFigure

# The dashboard's five-year chart: counts on the left axis, money on the right.
SERIES_COUNTS = ("members", "active_members", "events", "meetings_held", "projects_funded")
SERIES_MONEY = ("funding_total",)
# The network's grouped bar chart: counts that are comparable between clusters of different sizes.
COMPARED = ("members", "active_members", "events", "meetings_held", "projects_funded", "international_partners")
STATUS_STYLES = {kpis.MET: "text-bg-success", kpis.ON_TRACK: "text-bg-primary", kpis.AT_RISK: "text-bg-warning",
                 kpis.MISSED: "text-bg-danger"}
NETWORK_YEARS = 10  # the network page offers this many past years


# --- formatting ----------------------------------------------------------------------------------------------------


def _number(value: float, decimals: int | None = None) -> str:
    if decimals is None:  # as many as it has, up to two (a network's density has two, a share one)
        decimals = 0 if float(value).is_integer() else 1 if round(value, 1) == value else 2
    return number_format(value, decimals, force_grouping=True)


def display(value: float | None, unit: str) -> str:
    """A value in its unit, in the reader's number format: 66.7 %, 1,000,000 EUR, 2.5 FTE, 4.0 (of 5), 12."""
    if value is None:
        return "–"
    if unit == "percent":
        return f"{_number(value)} %"
    if unit == "eur":
        return f"{_number(value, 0)} EUR"
    if unit == "fte":
        return _("%(value)s FTE") % {"value": _number(value)}
    if unit == "score":
        return _number(value, 1)
    return _number(value)


def _difference(change: float, unit: str) -> str:
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if unit == "percent":  # a change of a share is in percentage points, not per cent
        return sign + _("%(value)s pp") % {"value": _number(abs(change))}
    return sign + display(abs(change), unit)


def _line(row: services.Row) -> dict:
    """A row of the KPI table as shown: formatted values, the trend's arrow and colour, the status badge."""
    indicator = row.indicator
    line = {"code": indicator.code, "label": row.label, "unit": indicator.unit, "manual": indicator.manual,
            "value": display(row.value, indicator.unit), "previous": display(row.previous, indicator.unit),
            "target": display(row.target, indicator.unit) if row.target is not None else "",
            "status": row.status, "status_label": row.status_label, "status_style": STATUS_STYLES.get(row.status, ""),
            "trend": None}
    if row.trend is not None:
        rising = row.trend > 0
        good = None if row.trend == 0 else rising == indicator.higher_is_better
        line["trend"] = {
            "icon": "bi-arrow-up-right" if rising else "bi-arrow-down-right" if row.trend < 0 else "bi-arrow-right",
            "style": "text-body-secondary" if good is None else "text-success" if good else "text-danger",
            "text": _difference(row.trend, indicator.unit),
            "meaning": "" if good is None else _("better") if good else _("worse"),
        }
    return line


# --- what the pages choose -----------------------------------------------------------------------------------------


def _year(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


def _selection(request, facts, today):
    """The year and value chain asked for (the current year and the whole cluster by default), the years and value
    chains to choose from."""
    cluster = request.cluster
    years = services.years_with_data(cluster, facts, today)
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year") or request.GET.get("year"), today.year)
    if year not in years:
        years = sorted({*years, year})
    chains = list(cluster.value_chains.all())
    slug = source.get("value_chain") or request.GET.get("value_chain") or ""
    chain = next((c for c in chains if c.slug == slug), None)
    return year, years, chain, chains


def _query(year: int, chain) -> str:
    return "?" + urlencode({"year": year, **({"value_chain": chain.slug} if chain else {})})


# --- the dashboard -------------------------------------------------------------------------------------------------


def _pie(title: str, counts: dict[str, int], labels: dict[str, str]) -> dict:
    return {"type": "pie", "title": title,
            "items": [{"name": str(labels.get(code, code)), "value": n} for code, n in counts.items()]}


def _dashboard_charts(board: services.Dashboard) -> dict:
    years = [str(year) for year in board.years]
    series = [{"name": str(services.LABELS[code]), "values": board.series[code], "axis": 0} for code in SERIES_COUNTS]
    series += [{"name": str(services.LABELS[code]), "values": board.series[code], "axis": 1, "type": "bar"}
               for code in SERIES_MONEY]
    by_country = board.breakdowns.get("members_by_country", {})
    return {
        "trend": {"type": "line", "title": _("The last five years"), "categories": years, "series": series,
                  "axes": [_("Number"), "EUR"]},
        "kind": _pie(_("Members by kind"), board.breakdowns.get("members_by_kind", {}),
                     dict(OrganisationKind.choices)),
        "helix": _pie(_("Members by helix"), board.breakdowns.get("members_by_helix", {}), dict(Helix.choices)),
        "country": {"type": "bar", "title": _("Members by country"),
                    "categories": [country_name(code) for code in by_country],
                    "series": [{"name": _("Members"), "values": list(by_country.values())}]},
    }


@cluster_view(Role.OBSERVER)
def dashboard(request):
    cluster = request.cluster
    today = timezone.localdate()
    facts = services.facts_of(cluster, today)  # once: the five years and the breakdowns are all computed from it
    year, years, chain, chains = _selection(request, facts, today)
    board = services.dashboard(cluster, year, chain, today, facts)
    charts = _dashboard_charts(board)
    # The breakdowns as tables too, for those who do not see the charts.
    breakdowns = [{"id": f"chart-{key}", "chart": charts[key],
                   "rows": [(item["name"], item["value"]) for item in charts[key]["items"]]}
                  for key in ("kind", "helix")]
    country = charts["country"]
    breakdowns.append({"id": "chart-country", "chart": country,
                       "rows": list(zip(country["categories"], country["series"][0]["values"], strict=True))})
    return render(request, "monitoring/staff/dashboard.html", {
        "board": board, "areas": [(area, [_line(row) for row in rows]) for area, rows in board.areas()],
        "charts": charts, "breakdowns": breakdowns, "year": year, "years": years, "chain": chain, "chains": chains,
        "reportable": year <= today.year,  # the annual report is made for a year begun
        "query": _query(year, chain)})


# --- targets and figures -------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def targets(request):
    """The targets of a year (and value chain): one field per indicator, beside its value so far and the year
    before's. Saved all together; an emptied field removes its target."""
    cluster = request.cluster
    today = timezone.localdate()
    facts = services.facts_of(cluster, today)
    year, years, chain, chains = _selection(request, facts, today)
    form = TargetsForm(request.POST if request.method == "POST" else None,
                       targets=services.targets_of(cluster, year, chain), value_chain=chain)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changed = form.changed_targets()
            try:
                services.set_targets(request.viewer, cluster, year, changed, chain)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if changed:
                    messages.success(request, ngettext("%(count)d target of %(year)d saved.",
                                                       "%(count)d targets of %(year)d saved.", len(changed))
                                     % {"count": len(changed), "year": year})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(reverse("monitoring:targets", args=[cluster.slug]) + _query(year, chain))
        status = 400
        messages.error(request, _("The targets are not saved: correct the fields marked below."))
    # Each field beside the indicator's value so far and the year before's, to set a target knowingly.
    rows = {row.indicator.code: row for row in services.dashboard(cluster, year, chain, today, facts).rows}
    areas = [(area, [(field, display(rows[field.name].value, rows[field.name].indicator.unit),
                      display(rows[field.name].previous, rows[field.name].indicator.unit)) for field in fields])
             for area, fields in form.areas()]
    return render(request, "monitoring/staff/targets.html", {
        "form": form, "areas": areas, "year": year, "years": years, "chain": chain, "chains": chains,
        "query": _query(year, chain)}, status=status)


@cluster_view(Role.STAFF)
def figures(request):
    """The figures staff enter (team FTE, budget, media coverage) with their evidence, and the form to enter one; a
    figure entered again for the same year replaces the one before."""
    cluster = request.cluster
    entered = list(ManualFigure.objects.filter(cluster=cluster).select_related("entered_by")
                   .order_by("-year", "indicator"))
    if request.method == "POST":
        form = FigureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.enter_figure(request.viewer, cluster, data["indicator"], data["year"], data["value"],
                                      data["evidence"], user=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("%(figure)s of %(year)d saved.") % {
                    "figure": services.LABELS[data["indicator"]], "year": data["year"]})
                return redirect("monitoring:figures", cluster_slug=cluster.slug)
    else:
        # "Change" on a figure fills the form with it.
        wanted = next((f for f in entered if f.indicator == request.GET.get("indicator")
                       and str(f.year) == request.GET.get("year")), None)
        form = FigureForm(initial={"indicator": wanted.indicator, "year": wanted.year, "value": wanted.value,
                                   "evidence": wanted.evidence} if wanted else None)
    years: dict[int, list[dict]] = {}
    for figure in entered:
        indicator = kpis.BY_CODE.get(figure.indicator)
        years.setdefault(figure.year, []).append({
            "figure": figure, "label": services.LABELS.get(figure.indicator, figure.indicator),
            "value": display(float(figure.value), indicator.unit if indicator else "count"),
            "evidence_url": figure.evidence if figure.evidence.startswith(("https://", "http://")) else "",
            "change": "?" + urlencode({"indicator": figure.indicator, "year": figure.year}),
        })
    return render(request, "monitoring/staff/figures.html", {"form": form, "years": list(years.items())},
                  status=400 if form.is_bound and form.errors else 200)


# --- a network's clusters side by side -----------------------------------------------------------------------------


def network(request, network_slug: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    network = get_object_or_404(Network, slug=network_slug)
    if not viewer_for(request.user).can_compare(network):
        raise Http404("No such page.")
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    years = sorted({*range(today.year - NETWORK_YEARS + 1, today.year + 2), year})
    clusters, rows = services.network_comparison(network, year, today)
    by_code = {indicator.code: values for indicator, _label, values in rows}
    areas: dict[str, list[dict]] = {}
    for indicator, label, values in rows:
        areas.setdefault(str(services.AREAS[indicator.area]), []).append(
            {"code": indicator.code, "label": label, "values": [display(v, indicator.unit) for v in values]})
    chart = {"type": "bar", "title": _("The clusters side by side"),
             "categories": [str(services.LABELS[code]) for code in COMPARED],
             "series": [{"name": str(cluster), "values": [by_code[code][i] for code in COMPARED]}
                        for i, cluster in enumerate(clusters)]}
    return render(request, "monitoring/network.html", {
        "network": network, "clusters": clusters, "areas": list(areas.items()), "year": year, "years": years,
        "chart": chart})
