"""Read-side queries of the directory: filtering, text search and facet counts, shared by the web pages, the
export and the API so that they always agree on what "the current filters" select."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, IntegerField, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone, translation

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
    # PostgreSQL refuses a NUL character in a query's text (a 500); no slug or code holds one.
    values = [v.replace("\x00", "").strip() for v in values if v]
    return [v for v in values if v]


# How many engine matches a text search considers: enough for any page a person reads, bounded for the SQL.
ENGINE_TOP = 1000


def _engine_ranking(text: str, what: str, filters) -> list[int]:
    """The ids the matching engine finds for `text` (in any language), best first. The engine ranks; the caller's
    queryset applies the viewer's visibility and the SQL filters. Bad input for the engine finds nothing there."""
    from filiera.matching import services  # the directory's models must not import matching at load time

    try:
        return services.ranked_ids(text, what=what, filters=filters, top=ENGINE_TOP)
    except services.MatchingError:
        return []


def _words_q(text: str) -> Q:
    """Every word of `text` as a substring of the folded search text (a city, a reference, part of a name)."""
    q = Q()
    for word in _words(text):
        q &= Q(search_text__contains=word)
    return q


def _pk_column(model) -> str:
    meta = model._meta
    return f"{connection.ops.quote_name(meta.db_table)}.{connection.ops.quote_name(meta.pk.column)}"


def _among(model, ranked: list[int]) -> Q:
    """The rows of `model` among the engine's matches. The ids are the engine's integers, so they are written in the
    SQL: as a thousand parameters they cost Django and psycopg about 25 ms to bind in every query that uses them."""
    ids = ",".join(str(int(pk)) for pk in ranked)
    return Q(RawSQL(f"{_pk_column(model)} IN ({ids})", (), output_field=BooleanField()))


def _text_q(model, words_q: Q, ranked: list[int]) -> Q:
    """Engine matches, plus the substring matches of every word (a city, a reference or part of a name, which the
    engine does not index)."""
    return _among(model, ranked) | words_q if ranked else words_q


def _by_rank(queryset: QuerySet, ranked: list[int], *then: str) -> QuerySet:
    """Engine matches in rank order, then the substring-only matches by `then`."""
    if not ranked:
        return queryset.order_by(*then)
    # Written as SQL: a thousand When() expressions cost Django ~200 ms to build and compile per page. The ids are
    # the engine's integers, so they are written in the SQL rather than passed as parameters.
    rank = RawSQL(_rank_sql(_pk_column(queryset.model), ranked), (), output_field=IntegerField())
    return queryset.alias(engine_rank=rank).order_by("engine_rank", *then)


RANK_LEAF = 8


def _rank_sql(column: str, ranked: list[int]) -> str:
    """Each row's place in `ranked` (len(ranked) when absent), as a balanced tree of comparisons over the sorted
    ids: about ten tests a row. One flat CASE of a thousand WHENs is tried in turn for every candidate row, which
    cost PostgreSQL about 20 ms on a text filter's 1,800 candidates."""
    place = {int(pk): i for i, pk in enumerate(ranked)}
    ids = sorted(place)
    absent = len(ranked)

    def tree(low: int, high: int) -> str:
        if high - low <= RANK_LEAF:
            whens = " ".join(f"WHEN {pk} THEN {place[pk]}" for pk in ids[low:high])
            return f"CASE {column} {whens} ELSE {absent} END"
        middle = (low + high) // 2
        return f"CASE WHEN {column} < {ids[middle]} THEN {tree(low, middle)} ELSE {tree(middle, high)} END"

    return tree(0, len(ids))


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
    # The engine's rankings of `q`, computed once per filters object (the page asks for results and facets).
    _rankings: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def ranking(self, skip: str = "") -> list[int]:
        """The engine's matches of `q` within the facets it knows, best first; `skip` leaves one facet out, as
        the facet counts do. (The engine's answers are cached under the index's version: matching.services.)"""
        if not self.q:
            return []
        if skip not in self._rankings:
            from filiera.matching.services import SearchFilters

            def kept(name: str) -> list[str]:
                return [] if name == skip else getattr(self, name)

            self._rankings[skip] = _engine_ranking(self.q, "organisations", SearchFilters(
                org_kind=kept("kind"), helix=kept("helix"), country=kept("country"),
                value_chain=kept("value_chain"), cluster=kept("cluster"), concept=kept("concept"),
            ))
        return self._rankings[skip]

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> DirectoryFilters:
        q = params.get("q", "") if params else ""
        return cls(
            q=(q or "").replace("\x00", "").strip()[:200],
            kind=[k for k in _many(params, "kind") if k in OrganisationKind.values],
            helix=[h for h in _many(params, "helix") if h in Helix.values],
            country=[c.upper()[:2] for c in _many(params, "country")],
            value_chain=_many(params, "value_chain"),
            concept=_many(params, "concept"),
            cluster=_many(params, "cluster"),
            sme=str(params.get("sme", "")).lower() in ("1", "true", "on", "yes") if params else False,
        )


def _organisation_q(filters: DirectoryFilters, skip: str = "", ranked: list[int] | None = None) -> Q:
    """The filters as one Q; `skip` leaves one facet out (so that its own counts show the alternatives); `ranked`
    are the engine's matches of the text."""
    q = _text_q(Organisation, _words_q(filters.q), ranked or []) if filters.q else Q()
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


def _engine_version() -> str:
    from filiera.matching import services  # the directory's models must not import matching at load time

    return services.index_version()


def search_organisations(viewer: Viewer, filters: DirectoryFilters) -> QuerySet:
    """Organisations the viewer may see that match the filters: by name, or best first when a text is searched."""
    ranked = filters.ranking()
    return _by_rank(viewer.visible_organisations().filter(_organisation_q(filters, ranked=ranked)), ranked,
                    "name", "pk")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


# Facet counts are kept this long at most (seconds); any change to an organisation or a membership (and to the
# matching index, for counts with a text) makes them count again at once (see _directory_stamp).
FACETS_CACHE_SECONDS = 600


FACETS_GENERATION = "directory-facets-generation"


def directory_changed(**kwargs) -> None:
    """Receiver of the changes the stamp below cannot see: an organisation's value chains and competences set, an
    organisation or a membership deleted."""
    try:
        cache.incr(FACETS_GENERATION)
    except ValueError:
        cache.set(FACETS_GENERATION, 1, None)


def _directory_stamp() -> str:
    """What the facet counts are computed from, read off two indexes: every save of an organisation or a membership
    moves its table's latest `updated_at` (bulk imports set it too); a deletion, or a change of an organisation's
    value chains or competences, moves the generation (directory_changed, connected in directory.apps).
    Labels (clusters, value chains, concepts) change rarely and wait for FACETS_CACHE_SECONDS."""
    orgs = Organisation.objects.aggregate(at=Max("updated_at"))["at"]
    memberships = Membership.objects.aggregate(at=Max("updated_at"))["at"]
    generation = cache.get(FACETS_GENERATION, 0)
    return f"{orgs}:{memberships}:{generation}"


def country_choices_in_use() -> list[tuple[str, str]]:
    """The countries of the organisations as a select's options, by name in the active language: what the search
    form offers. Cached until the directory changes (see _directory_stamp)."""
    stamp = f"{translation.get_language()}:{_directory_stamp()}"
    key = "directory-countries:" + hashlib.sha256(stamp.encode()).hexdigest()
    choices = cache.get(key)
    if choices is None:
        codes = set(Organisation.objects.values_list("country", flat=True).distinct().order_by())
        choices = sorted(((c, country_name(c)) for c in codes if c), key=lambda c: str(c[1]))
        cache.set(key, choices, FACETS_CACHE_SECONDS)
    return choices


def _facets_cache_key(viewer: Viewer, filters: DirectoryFilters, limit: int) -> str:
    """Viewers who see the same organisations (every visitor, say) share the counts of the same filters. With a
    text, the counts depend on the engine's matches too: the index's version is part of the key."""
    sees = (viewer.is_admin, sorted(viewer.staff_cluster_ids), sorted(viewer.member_cluster_ids),
            sorted(viewer.network_cluster_ids), sorted(viewer.organisation_ids))
    chosen = (filters.q, filters.kind, filters.helix, filters.country, filters.value_chain, filters.concept,
              filters.cluster, filters.sme, limit)
    engine = _engine_version() if filters.q else ""
    text = repr((sees, chosen, translation.get_language(), _directory_stamp(), engine))
    return "directory-facets:" + hashlib.sha256(text.encode()).hexdigest()


def organisation_facets(viewer: Viewer, filters: DirectoryFilters, limit: int = 30) -> dict[str, list[FacetValue]]:
    """Counts per facet value among the viewer's visible organisations, each facet ignoring its own selection.

    The counts are the same for everyone who sees the same organisations, and they cost most of a directory page
    on a large directory: they are cached until the directory changes (see _directory_stamp) and, with a text,
    until the matching index changes too."""
    key = _facets_cache_key(viewer, filters, limit)
    facets = cache.get(key)
    if facets is None:
        facets = _count_facets(viewer, filters, limit)
        cache.set(key, facets, FACETS_CACHE_SECONDS)
    return facets


def _count_facets(viewer: Viewer, filters: DirectoryFilters, limit: int) -> dict[str, list[FacetValue]]:
    """A facet whose own filter is not set is counted over the same set as the results, so queries are shared:
    the kind counts serve the helix facet too, and unfiltered facets reuse one "matching" subquery."""
    visible = viewer.visible_organisations()

    def scope(name: str) -> str:
        return name if getattr(filters, name) else ""

    def matching(name: str) -> QuerySet:
        return visible.filter(_organisation_q(filters, skip=scope(name), ranked=filters.ranking(scope(name))))

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
    """Opportunities the viewer may see matching the filters, newest first, or best first when a text is searched.
    Expired ones are left out unless asked."""
    qs = viewer.visible_opportunities()
    if published_only:
        qs = qs.filter(status=Opportunity.Status.PUBLISHED)
    if not filters.include_expired:
        qs = qs.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
    ranked: list[int] = []
    if filters.q:
        from filiera.matching.services import SearchFilters

        # The engine pre-filters on the facets it knows, so that its top matches are within them.
        ranked = _engine_ranking(filters.q, "opportunities", SearchFilters(
            type=filters.type, value_chain=filters.value_chain, concept=filters.concept,
            country=filters.country, include_expired=filters.include_expired,
        ))
        qs = qs.filter(_text_q(Opportunity, _words_q(filters.q), ranked))
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
    return _by_rank(qs.select_related("organisation", "cluster"), ranked, "-created_at", "-pk")
