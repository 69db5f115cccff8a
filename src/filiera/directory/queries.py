"""Read-side queries of the directory: filtering, text search and facet counts, shared by the web pages, the
export and the API so that they always agree on what "the current filters" select."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from filiera.core.access import Viewer
from filiera.core.countries import country_name
from filiera.core.models import Cluster, Concept, ValueChain
from filiera.directory.models import (
    Helix,
    Membership,
    Opportunity,
    Organisation,
    OrganisationKind,
    fold,
    helix_counts,
    kinds_of_helix,
)


def _words(text: str) -> list[str]:
    return [w for w in fold(text).split() if w]


def _many(params: QueryDict | dict, name: str) -> list[str]:
    """The non-blank values of a repeatable parameter, from a query string or a plain dict (the API's)."""
    if isinstance(params, QueryDict):
        values = params.getlist(name)
    else:
        value = params.get(name) or []
        values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if v and v.strip()]


@dataclass
class DirectoryFilters:
    """The directory's filters. Every list holds the values the user ticked (OR inside a facet, AND across)."""

    q: str = ""
    kind: list[str] = field(default_factory=list)
    helix: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    value_chain: list[str] = field(default_factory=list)  # slugs
    concept: list[str] = field(default_factory=list)  # slugs
    cluster: list[str] = field(default_factory=list)  # slugs
    sme: bool = False

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> DirectoryFilters:
        q = params.get("q", "") if params else ""
        return cls(
            q=(q or "").strip()[:200],
            kind=[k for k in _many(params, "kind") if k in OrganisationKind.values],
            helix=[h for h in _many(params, "helix") if h in Helix.values],
            country=[c.upper()[:2] for c in _many(params, "country")],
            value_chain=_many(params, "value_chain"),
            concept=_many(params, "concept"),
            cluster=_many(params, "cluster"),
            sme=str(params.get("sme", "")).lower() in ("1", "true", "on", "yes") if params else False,
        )


def _organisation_q(filters: DirectoryFilters, skip: str = "") -> Q:
    """The filters as one Q; `skip` leaves one facet out (so that its own counts show the alternatives)."""
    q = Q()
    for word in _words(filters.q):
        q &= Q(search_text__contains=word)
    if filters.kind and skip != "kind":
        q &= Q(kind__in=filters.kind)
    if filters.helix and skip != "helix":
        kinds = [k for h in filters.helix for k in kinds_of_helix(h)]
        q &= Q(kind__in=kinds)
    if filters.country and skip != "country":
        q &= Q(country__in=filters.country)
    if filters.sme:
        q &= Q(is_sme=True)
    if filters.value_chain and skip != "value_chain":
        q &= Q(pk__in=Organisation.value_chains.through.objects.filter(
            valuechain__slug__in=filters.value_chain).values("organisation_id"))
    if filters.concept and skip != "concept":
        q &= Q(pk__in=Organisation.concepts.through.objects.filter(
            concept__slug__in=filters.concept).values("organisation_id"))
    if filters.cluster and skip != "cluster":
        q &= Q(pk__in=Membership.objects.filter(
            cluster__slug__in=filters.cluster, status=Membership.Status.ACTIVE).values("organisation_id"))
    return q


def search_organisations(viewer: Viewer, filters: DirectoryFilters) -> QuerySet:
    """Organisations the viewer may see that match the filters, by name."""
    return viewer.visible_organisations().filter(_organisation_q(filters)).order_by("name", "pk")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


def organisation_facets(viewer: Viewer, filters: DirectoryFilters, limit: int = 30) -> dict[str, list[FacetValue]]:
    """Counts per facet value among the viewer's visible organisations, each facet ignoring its own selection.

    A facet whose own filter is not set is counted over the same set as the results, so queries are shared:
    the kind counts serve the helix facet too, and unfiltered facets reuse one "matching" subquery."""
    visible = viewer.visible_organisations()

    def scope(name: str) -> str:
        return name if getattr(filters, name) else ""

    def matching(name: str) -> QuerySet:
        return visible.filter(_organisation_q(filters, skip=scope(name)))

    kind_counts_by_scope: dict[str, dict[str, int]] = {}

    def kind_counts(name: str) -> dict[str, int]:
        key = scope(name)
        if key not in kind_counts_by_scope:
            kind_counts_by_scope[key] = dict(
                matching(name).values_list("kind").annotate(n=Count("pk")).order_by()
            )
        return kind_counts_by_scope[key]

    facets: dict[str, list[FacetValue]] = {}
    counts = kind_counts("kind")
    facets["kind"] = [
        FacetValue(k, label, counts.get(k, 0), k in filters.kind)
        for k, label in OrganisationKind.choices
        if counts.get(k) or k in filters.kind
    ]

    counts_by_helix = helix_counts(kind_counts("helix"))
    facets["helix"] = [
        FacetValue(h, label, counts_by_helix.get(h, 0), h in filters.helix)
        for h, label in Helix.choices
        if counts_by_helix.get(h) or h in filters.helix
    ]

    country_counts = matching("country").values_list("country").annotate(n=Count("pk")).order_by("-n", "country")
    facets["country"] = [FacetValue(c, country_name(c), n, c in filters.country) for c, n in country_counts[:limit]]

    vc_counts = dict(
        matching("value_chain").filter(value_chains__isnull=False)
        .values_list("value_chains").annotate(n=Count("pk")).order_by()
    )
    chains = ValueChain.objects.filter(Q(pk__in=vc_counts) | Q(slug__in=filters.value_chain))
    facets["value_chain"] = sorted(
        (FacetValue(vc.slug, vc.label, vc_counts.get(vc.pk, 0), vc.slug in filters.value_chain) for vc in chains),
        key=lambda f: (-f.count, f.label),
    )

    concept_counts = (
        matching("concept").filter(concepts__isnull=False)
        .values_list("concepts").annotate(n=Count("pk")).order_by("-n")
    )
    top = dict(concept_counts[:limit])
    concepts = Concept.objects.filter(Q(pk__in=top) | Q(slug__in=filters.concept))
    facets["concept"] = sorted(
        (FacetValue(c.slug, c.label, top.get(c.pk, 0), c.slug in filters.concept) for c in concepts),
        key=lambda f: (-f.count, f.label),
    )

    cluster_counts = dict(
        matching("cluster").filter(memberships__status=Membership.Status.ACTIVE)
        .values_list("memberships__cluster").annotate(n=Count("pk")).order_by()
    )
    clusters = Cluster.objects.filter(Q(pk__in=cluster_counts) | Q(slug__in=filters.cluster))
    facets["cluster"] = sorted(
        (FacetValue(c.slug, str(c), cluster_counts.get(c.pk, 0), c.slug in filters.cluster) for c in clusters),
        key=lambda f: (-f.count, f.label),
    )
    return facets


def matching_count(facets: dict[str, list[FacetValue]], filters: DirectoryFilters) -> int:
    """How many organisations match the filters, read off the kind facet: its counts ignore only the kind
    filter, so the ticked kinds (or all kinds when none is ticked) add up to the number of results."""
    return sum(f.count for f in facets["kind"] if f.selected or not filters.kind)


@dataclass
class OpportunityFilters:
    q: str = ""
    type: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    value_chain: list[str] = field(default_factory=list)
    concept: list[str] = field(default_factory=list)
    cluster: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    include_expired: bool = False

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> OpportunityFilters:
        base = DirectoryFilters.from_query(params)

        return cls(
            q=base.q,
            type=[t for t in _many(params, "type") if t in Opportunity.Type.values],
            language=[lang[:8] for lang in _many(params, "language")],
            value_chain=base.value_chain,
            concept=base.concept,
            cluster=base.cluster,
            country=base.country,
            include_expired=str(params.get("expired", "")).lower() in ("1", "true", "on", "yes") if params else False,
        )


def search_opportunities(viewer: Viewer, filters: OpportunityFilters, *, published_only: bool = True) -> QuerySet:
    """Opportunities the viewer may see matching the filters, newest first. Expired ones are left out unless asked."""
    qs = viewer.visible_opportunities()
    if published_only:
        qs = qs.filter(status=Opportunity.Status.PUBLISHED)
    if not filters.include_expired:
        qs = qs.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
    for word in _words(filters.q):
        qs = qs.filter(search_text__contains=word)
    if filters.type:
        qs = qs.filter(type__in=filters.type)
    if filters.language:
        qs = qs.filter(language__in=filters.language)
    if filters.country:
        qs = qs.filter(organisation__country__in=filters.country)
    if filters.value_chain:
        qs = qs.filter(pk__in=Opportunity.value_chains.through.objects.filter(
            valuechain__slug__in=filters.value_chain).values("opportunity_id"))
    if filters.concept:
        qs = qs.filter(pk__in=Opportunity.concepts.through.objects.filter(
            concept__slug__in=filters.concept).values("opportunity_id"))
    if filters.cluster:
        qs = qs.filter(cluster__slug__in=filters.cluster)
    return qs.select_related("organisation", "cluster").order_by("-created_at", "-pk")
