"""The monitoring use cases: gather a cluster's facts from live data, compute its indicators (monitoring.kpis) for a
year and a value chain with their targets, status and trend, the series behind the dashboard's charts, a network's
clusters side by side, and the targets and figures staff enter.

The collaboration network's figures of a year (network.services.figures_by_year) cost a reading of every tie of the
year — a hundred thousand pairs and more in a cluster of thousands of members — so they are cached (Django's cache)
per cluster and year, under a key that carries a digest of the facts they are counted from: the cluster's
memberships and the organisations of each of the year's events, meetings and projects (_network_keys). A change to
any of them changes the key, and the figures are counted again at the next reading: they are never older than the
rest of the dashboard. Only the organisations' countries (not in the facts) may be up to NETWORK_CACHE_SECONDS
old."""

from __future__ import annotations

import datetime
import hashlib
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiera.core.access import Viewer
from filiera.core.models import Cluster, Network, ValueChain
from filiera.directory.models import HELIX_OF_KIND, Helix, Membership
from filiera.events.services import events_held, meetings_held
from filiera.monitoring import kpis
from filiera.monitoring.models import ManualFigure, SurveyInvitation, SurveyResponse, Target
from filiera.network.services import figures_by_year
from filiera.projects.models import Partner
from filiera.projects.services import counting_day, member_ids, portfolio, project_value_chains

LABELS = {
    "members": _("Members"),
    "sme_share": _("Share of SMEs"),
    "members_joined": _("Members joined"),
    "members_lapsed": _("Members lapsed or left"),
    "retention": _("Members retained"),
    "active_members": _("Active members"),
    "active_share": _("Share of active members"),
    "events": _("Events"),
    "event_participants": _("Event participants"),
    "meetings_held": _("B2B meetings held"),
    "meetings_followed_up": _("B2B meetings followed up"),
    "agreements": _("Agreements signed"),
    "projects_submitted": _("Projects submitted"),
    "projects_funded": _("Projects funded"),
    "success_rate": _("Success rate"),
    "funding_total": _("Funding attracted"),
    "funding_to_members": _("Funding to members"),
    "international_partners": _("International partners"),
    "partner_countries": _("Partner countries"),
    "cluster_collaborations": _("Cluster-to-cluster collaborations"),
    "network_density": _("Network density"),
    "cross_border_ties": _("Cross-border ties"),
    "cross_border_share": _("Share of cross-border ties"),
    "isolated_members": _("Members without a tie"),
    "satisfaction": _("Members satisfied"),
    "satisfaction_score": _("Satisfaction score (1 to 5)"),
    "survey_response_rate": _("Survey response rate"),
    "staff_fte": _("Cluster management team (FTE)"),
    "budget": _("Cluster management budget"),
    "media_coverage": _("Media coverage (articles)"),
}
AREAS = {
    "members": _("Members"), "activity": _("Events and meetings"), "projects": _("Projects and funding"),
    "international": _("International"), "network": _("Collaboration network"),
    "satisfaction": _("Members' satisfaction"),
    "resources": _("Resources (entered by staff)"),
}
STATUS_LABELS = {kpis.MET: _("met"), kpis.ON_TRACK: _("on track"), kpis.AT_RISK: _("at risk"),
                 kpis.MISSED: _("missed")}
HISTORY_YEARS = 5
NETWORK_CACHE_SECONDS = 24 * 3600


# --- facts from live data ----------------------------------------------------------------------------------------


def facts_of(cluster: Cluster, today: datetime.date | None = None) -> kpis.Facts:
    """Everything the engine needs of the cluster, in a few queries. Events and meetings count once they took place
    (up to `today`)."""
    today = today or timezone.localdate()
    chains_of_org: dict[int, set[int]] = defaultdict(set)
    # Plain rows, not model instances: for thousands of members, building the instances (and the audit log's
    # snapshot of each) cost ten times the query (bench/dashboard.py).
    memberships = list(Membership.objects.filter(cluster=cluster, joined_on__isnull=False).values_list(
        "organisation_id", "organisation__kind", "organisation__country", "organisation__is_sme", "joined_on",
        "ended_on"))
    for org_id, chain_id in ValueChain.organisations.through.objects.filter(
            organisation_id__in=[m[0] for m in memberships]).values_list("organisation_id", "valuechain_id"):
        chains_of_org[org_id].add(chain_id)
    members = [kpis.Member(organisation=org_id, kind=kind, helix=HELIX_OF_KIND.get(kind, Helix.CIVIL),
                           country=country, is_sme=is_sme, joined_on=joined_on, ended_on=ended_on,
                           value_chains=frozenset(chains_of_org[org_id]))
               for org_id, kind, country, is_sme, joined_on, ended_on in memberships]

    events = [kpis.Event(day=held.day, registrations=held.organisations)
              for held in events_held(cluster, today).values()]
    meetings = [kpis.Meeting(day=held.day, organisations=held.organisations, outcomes=held.outcomes)
                for held in meetings_held(cluster, today).values()]

    projects_qs = portfolio(cluster)
    # One read of the portfolio's partners gives their countries, what members received and the members' part (for
    # the value chains); filtering members in Python spares SQLite a query of nested subqueries (bench/dashboard.py).
    members_now = set(member_ids(cluster).values_list("organisation_id", flat=True))
    partners: dict[int, dict[int, str]] = defaultdict(dict)
    funding: dict[int, Decimal] = defaultdict(Decimal)
    member_partners = []
    for project_id, org_id, country, eu in Partner.objects.filter(project__in=projects_qs).values_list(
            "project_id", "organisation_id", "organisation__country", "eu_contribution"):
        partners[project_id][org_id] = country
        if org_id in members_now:
            funding[project_id] += eu or 0
            member_partners.append((project_id, org_id))
    chains = project_value_chains(cluster, projects_qs.values("pk"), member_partners)
    projects = []
    for pk, status, own_cluster, start, end, created, eu in projects_qs.values_list(
            "pk", "status", "cluster_id", "start_date", "end_date", "created_at", "eu_contribution"):
        day = counting_day(start, created)
        projects.append(kpis.Project(day=day, status=status, own=own_cluster == cluster.pk, eu_contribution=eu,
                                     members_funding=funding.get(pk, Decimal(0)),
                                     partners=frozenset(partners[pk]), partner_countries=partners[pk],
                                     value_chains=frozenset(chains.get(pk, ())), start=start, end=end))

    touched = {org for p in partners.values() for org in p} | {o for e in events for o in e.registrations if o}
    other_clusters: dict[int, set[int]] = defaultdict(set)
    for org_id, cluster_id in Membership.objects.filter(organisation_id__in=touched,
                                                        status=Membership.Status.ACTIVE).exclude(
            cluster=cluster).values_list("organisation_id", "cluster_id"):
        other_clusters[org_id].add(cluster_id)
    manual = {(f.indicator, f.year): f.value for f in ManualFigure.objects.filter(cluster=cluster)}
    answers = [kpis.SurveyAnswer(year=year, organisation=org_id, overall=overall) for year, org_id, overall in
               SurveyResponse.objects.filter(survey__cluster=cluster).values_list("survey__year", "organisation_id",
                                                                                  "overall")]
    invited: dict[int, set[int]] = defaultdict(set)
    for year, org_id in SurveyInvitation.objects.filter(survey__cluster=cluster).exclude(sent_at=None).values_list(
            "survey__year", "organisation_id"):
        invited[year].add(org_id)
    return kpis.Facts(country=cluster.country, members=members, events=events, meetings=meetings,
                      projects=projects, other_clusters={o: frozenset(c) for o, c in other_clusters.items()},
                      manual=manual, survey_answers=answers, survey_invited=dict(invited))


def _network_keys(cluster: Cluster, facts: kpis.Facts, years: list[int]) -> dict[int, str]:
    """The cache key of each year's network figures: the cluster, the year and a digest of the facts they are
    counted from — the cluster's memberships (of every year: a change to one counts every year again, which is
    rare, and spares each dashboard a pass per year) and the organisations of the year's events, meetings and
    projects —, in one pass over the facts (a few milliseconds for 2,000 members: bench/dashboard.py). The facts
    keep the database's order, so the same facts make the same digest."""
    members = array("q")
    for m in facts.members:
        members.extend((m.organisation, m.joined_on.toordinal(), m.ended_on.toordinal() if m.ended_on else 0))
    numbers = {year: array("q") for year in years}
    for marker, groups in ((-1, ((e.day, e.registrations) for e in facts.events)),
                           (-2, ((m.day, m.organisations) for m in facts.meetings)),
                           (-3, ((p.day, p.partners) for p in facts.projects if p.day is not None))):
        for day, group in groups:
            digits = numbers.get(day.year)
            if digits is not None:
                digits.append(marker)
                digits.extend([organisation or 0 for organisation in group])  # 0: a visitor without one
    digest = hashlib.blake2b(members.tobytes(), digest_size=16)
    keys = {}
    for year, digits in numbers.items():
        year_digest = digest.copy()
        year_digest.update(digits.tobytes())
        keys[year] = f"filiera:kpis:network:{cluster.pk}:{year}:{year_digest.hexdigest()}"
    return keys


def add_network_figures(cluster: Cluster, facts: kpis.Facts, years, today: datetime.date | None = None) -> None:
    """Put the collaboration network's figures of `years` in the facts (from the cache, or counted once for all the
    years missing from it); the facts must be the cluster's of `today` (facts_of)."""
    keys = _network_keys(cluster, facts, [year for year in sorted(set(years)) if year not in facts.network])
    cached = cache.get_many(keys.values())
    missing = [year for year, key in keys.items() if key not in cached]
    counted = {}
    for year, found in figures_by_year(cluster, missing, today).items():
        counted[keys[year]] = kpis.NetworkFigures(
            organisations=found.nodes, ties=found.edges, density=found.density,
            cross_border_ties=found.cross_border_ties, cross_border_share=found.cross_border_share,
            isolated_members=found.isolated_members)
    if counted:
        cache.set_many(counted, NETWORK_CACHE_SECONDS)
    facts.network.update({year: counted[key] if key in counted else cached[key] for year, key in keys.items()})


# --- the dashboard -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    indicator: kpis.Indicator
    label: str
    value: float | None
    previous: float | None
    trend: float | None
    target: float | None
    status: str | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))


@dataclass
class Dashboard:
    cluster: Cluster
    year: int
    value_chain: ValueChain | None
    rows: list[Row]
    breakdowns: dict[str, dict[str, int]]
    series: dict[str, list[float | None]] = field(default_factory=dict)  # code -> values of `years`
    years: list[int] = field(default_factory=list)

    def areas(self) -> list[tuple[str, list[Row]]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            grouped[row.indicator.area].append(row)
        return [(str(AREAS[area]), grouped[area]) for area in AREAS if grouped[area]]

    def value(self, code: str) -> float | None:
        return next((row.value for row in self.rows if row.indicator.code == code), None)


def targets_of(cluster: Cluster, year: int, value_chain: ValueChain | None = None) -> dict[str, float]:
    return {t.indicator: float(t.value) for t in Target.objects.filter(cluster=cluster, year=year,
                                                                       value_chain=value_chain)}


def dashboard(cluster: Cluster, year: int, value_chain: ValueChain | None = None,
              today: datetime.date | None = None, facts: kpis.Facts | None = None) -> Dashboard:
    """The indicators of a year (and value chain) with target, status and trend, and the last five years' series."""
    today = today or timezone.localdate()
    facts = facts or facts_of(cluster, today)
    chain = value_chain.pk if value_chain else None
    years = list(range(year - HISTORY_YEARS + 1, year + 1))
    if chain is None:
        add_network_figures(cluster, facts, years, today)
    results = {y: kpis.compute(facts, y, chain) for y in years}
    current, previous = results[year], results[year - 1]
    targets = targets_of(cluster, year, value_chain)
    rows = []
    for indicator in kpis.CATALOGUE:
        if indicator.whole_cluster and value_chain is not None:
            continue
        value = current.values[indicator.code]
        rows.append(Row(indicator=indicator, label=str(LABELS[indicator.code]), value=value,
                        previous=previous.values[indicator.code],
                        trend=kpis.trend(value, previous.values[indicator.code]),
                        target=targets.get(indicator.code),
                        status=kpis.status(indicator, value, targets.get(indicator.code), year, today)))
    series = {code: [results[y].values[code] for y in years] for code in current.values}
    return Dashboard(cluster=cluster, year=year, value_chain=value_chain, rows=rows, breakdowns=current.breakdowns,
                     series=series, years=years)


def years_with_data(cluster: Cluster, facts: kpis.Facts, today: datetime.date | None = None) -> list[int]:
    """The years a dashboard offers: from the cluster's founding or its first recorded fact (not before 2000) to
    next year, for which targets are set ahead."""
    today = today or timezone.localdate()
    firsts = [m.joined_on.year for m in facts.members if m.joined_on] + [e.day.year for e in facts.events] + \
        [m.day.year for m in facts.meetings] + [p.day.year for p in facts.projects if p.day] + \
        [year for _code, year in facts.manual] + [a.year for a in facts.survey_answers]
    if cluster.founded_on:
        firsts.append(cluster.founded_on.year)
    first = max(2000, min(min(firsts, default=today.year), today.year))
    return list(range(first, today.year + 2))


def network_comparison(network: Network, year: int, today: datetime.date | None = None
                       ) -> tuple[list[Cluster], list[tuple[kpis.Indicator, str, list[float | None]]]]:
    """A network's clusters side by side: each indicator's value in each cluster."""
    clusters = list(network.clusters.order_by("name"))
    results = []
    for cluster in clusters:
        facts = facts_of(cluster, today)
        add_network_figures(cluster, facts, [year], today)
        results.append(kpis.compute(facts, year))
    rows = [(indicator, str(LABELS[indicator.code]), [result.values[indicator.code] for result in results])
            for indicator in kpis.CATALOGUE]
    return clusters, rows


# --- targets and figures entered by staff --------------------------------------------------------------------------


def _check(viewer: Viewer, cluster: Cluster, indicator: str, year: int) -> kpis.Indicator:
    if not (viewer.is_admin or viewer.is_staff_of(cluster)):
        raise PermissionDenied
    if indicator not in kpis.BY_CODE:
        raise ValidationError({"indicator": _("“%(code)s” is not an indicator.") % {"code": indicator}})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    return kpis.BY_CODE[indicator]


@transaction.atomic
def set_target(viewer: Viewer, cluster: Cluster, indicator: str, year: int, value: Decimal | None,
               value_chain: ValueChain | None = None) -> Target | None:
    """Set (or, with no value, remove) the target of an indicator for a year."""
    _check(viewer, cluster, indicator, year)
    existing = Target.objects.filter(cluster=cluster, indicator=indicator, year=year, value_chain=value_chain).first()
    if value is None:
        if existing is not None:
            existing.delete()
        return None
    if value < 0:
        raise ValidationError({"value": _("A target cannot be negative.")})
    target = existing or Target(cluster=cluster, indicator=indicator, year=year, value_chain=value_chain)
    target.value = value
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def set_targets(viewer: Viewer, cluster: Cluster, year: int, values: dict[str, Decimal | None],
                value_chain: ValueChain | None = None) -> dict[str, float]:
    """Set (or, with no value, remove) several targets of a year at once, all or nothing: the targets form and the
    API's PUT. Indicators not named are left alone; an unchanged one is not written again. A ValidationError names
    each indicator refused, and nothing is saved. Returns the year's targets after the change."""
    if not (viewer.is_admin or viewer.is_staff_of(cluster)):
        raise PermissionDenied
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    if value_chain is not None and not cluster.value_chains.filter(pk=value_chain.pk).exists():
        raise ValidationError({"value_chain": _("This is not one of the cluster's value chains.")})
    current = targets_of(cluster, year, value_chain)
    errors: dict[str, list[str]] = {}
    for code, value in values.items():
        indicator = kpis.BY_CODE.get(code)
        if indicator is None:
            errors[code] = [_("“%(code)s” is not an indicator.") % {"code": code}]
            continue
        if indicator.whole_cluster and value_chain is not None:
            errors[code] = [_("This indicator is for the whole cluster only, not for a value chain.")]
            continue
        if (None if value is None else float(value)) == current.get(code):
            continue
        try:
            set_target(viewer, cluster, code, year, value, value_chain)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)  # leaving the transaction undoes the targets already set
    return targets_of(cluster, year, value_chain)


@transaction.atomic
def enter_figure(viewer: Viewer, cluster: Cluster, indicator: str, year: int, value: Decimal, evidence: str,
                 user=None) -> ManualFigure:
    """A figure the platform cannot know, with where it comes from."""
    if not _check(viewer, cluster, indicator, year).manual:
        raise ValidationError({"indicator": _("This indicator is computed from the platform's data.")})
    if value < 0:
        raise ValidationError({"value": _("The figure cannot be negative.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _("Say where the figure comes from.")})
    figure = ManualFigure.objects.filter(cluster=cluster, indicator=indicator, year=year).first() or \
        ManualFigure(cluster=cluster, indicator=indicator, year=year)
    figure.value, figure.evidence, figure.entered_by = value, evidence.strip(), user
    figure.full_clean()
    figure.save()
    return figure
