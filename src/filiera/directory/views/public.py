"""Public directory pages: the organisation directory with facets, its export, organisation profiles and the
opportunities. What a viewer sees is decided by filiera.core.access (through the shared queries); these views only
parse the request, ask the queries and render."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiera.core.access import viewer_for
from filiera.core.countries import country_name
from filiera.core.models import Cluster, Concept, ValueChain
from filiera.directory.exporting import FORMATS, ORGANISATION_COLUMNS, export_response, organisation_rows
from filiera.directory.models import Membership, Opportunity
from filiera.directory.queries import (
    DirectoryFilters,
    OpportunityFilters,
    matching_count,
    organisation_facets,
    search_opportunities,
    search_organisations,
)

PAGE_SIZE = 20
EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK = 2_000  # rows prefetched together: keeps SQLite under its bound-parameter limit

DIRECTORY_FACETS = (
    ("kind", gettext_lazy("Kind")),
    ("helix", gettext_lazy("Helix")),
    ("country", gettext_lazy("Country")),
    ("value_chain", gettext_lazy("Value chain")),
    ("concept", gettext_lazy("Competence")),
    ("cluster", gettext_lazy("Cluster")),
)

OPPORTUNITY_FILTERS = (
    ("type", gettext_lazy("Type")),
    ("language", gettext_lazy("Language")),
    ("value_chain", gettext_lazy("Value chain")),
    ("concept", gettext_lazy("Competence")),
    ("cluster", gettext_lazy("Cluster")),
    ("country", gettext_lazy("Country")),
)


@dataclass
class FilterChip:
    """One active filter, shown as a chip whose link removes it."""

    title: str
    label: str
    url: str
    htmx: bool = True  # the text search chip reloads the page, since the search box sits outside the results


@dataclass
class Choice:
    value: str
    label: str
    selected: bool


def _is_htmx(request) -> bool:
    """A partial is wanted for htmx requests, except when htmx restores a page missing from its history cache."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _query_without(params: QueryDict, name: str, value: str | None = None) -> str:
    """The query string without the page and without `name` (or only its `value`), as '?…'."""
    query = params.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        kept = [v for v in query.getlist(name) if v.strip() and _normalise(name, v) != value]
        query.setlist(name, kept)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _normalise(name: str, value: str) -> str:
    value = value.strip()
    return value.upper()[:2] if name == "country" else value


def _filter_chips(request, filters, groups, labels: dict[tuple[str, str], str], flags) -> list[FilterChip]:
    """Chips for the text search, every ticked value of the `groups` (name, title) and the boolean `flags`
    (query name, title, is set)."""
    chips = []
    if filters.q:
        chips.append(FilterChip(_("Search"), filters.q, _query_without(request.GET, "q"), htmx=False))
    for name, title in groups:
        for value in getattr(filters, name):
            chips.append(FilterChip(str(title), str(labels.get((name, value), value)),
                                    _query_without(request.GET, name, value)))
    for name, title, is_set in flags:
        if is_set:
            chips.append(FilterChip(str(title), _("yes"), _query_without(request.GET, name)))
    return chips


def _page(request, queryset, count: int | None = None):
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # already known (from the facets): saves a COUNT over the whole directory
    page = paginator.get_page(request.GET.get("page"))
    page_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page, page_range


def _render(request, full_template: str, partial_template: str, context: dict):
    response = render(request, partial_template if _is_htmx(request) else full_template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the directory ---------------------------------------------------------------------------------------------


def directory(request):
    viewer = viewer_for(request.user)
    filters = DirectoryFilters.from_query(request.GET)
    facets = organisation_facets(viewer, filters)
    page, page_range = _page(request, search_organisations(viewer, filters).prefetch_related("value_chains"),
                             count=matching_count(facets, filters))
    labels = {(name, f.value): f.label for name, values in facets.items() for f in values}
    filter_query = _query_without(request.GET, "page")
    context = {
        "filters": filters,
        "page": page,
        "page_range": page_range,
        "facet_groups": [(name, title, facets[name]) for name, title in DIRECTORY_FACETS],
        "chips": _filter_chips(request, filters, DIRECTORY_FACETS, labels, [("sme", _("SME only"), filters.sme)]),
        "filter_query": filter_query,
    }
    return _render(request, "directory/public/directory.html", "directory/public/_directory_partial.html", context)


def export_directory(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    viewer = viewer_for(request.user)
    filters = DirectoryFilters.from_query(request.GET)
    organisations = (
        search_organisations(viewer, filters).prefetch_related("value_chains")[:EXPORT_MAX_ROWS]
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    filename = f"filiera-directory-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, ORGANISATION_COLUMNS, organisation_rows(organisations))


# --- organisation profile --------------------------------------------------------------------------------------


def _language_names(codes: str) -> list[str]:
    names = dict(settings.CONTENT_LANGUAGES)
    return [str(names.get(code, code)) for code in (c.strip().lower() for c in codes.split(",")) if code]


def profile(request, slug: str):
    viewer = viewer_for(request.user)
    organisation = get_object_or_404(viewer.visible_organisations(), slug=slug)
    memberships = list(Membership.objects.filter(organisation=organisation).select_related("cluster"))
    can_edit = viewer.can_edit_organisation(organisation)

    if can_edit:
        # The organisation and its moderators see its drafts, hidden and expired ones too.
        opportunities = viewer.visible_opportunities(organisation.opportunities.all()).order_by("-created_at", "-pk")
    else:
        opportunities = search_opportunities(viewer, OpportunityFilters()).filter(organisation=organisation)

    context = {
        "organisation": organisation,
        "clusters": [m.cluster for m in memberships if m.status == Membership.Status.ACTIVE],
        "staff_memberships": [m for m in memberships if viewer.is_staff_of(m.cluster)],
        "can_edit": can_edit,
        "opportunities": opportunities.prefetch_related("concepts"),
        "contacts": organisation.people.filter(consent_directory_at__isnull=False).order_by("last_name", "first_name"),
        "show_emails": viewer.can_see_contact_emails(organisation),
        "working_languages": _language_names(organisation.languages_spoken),
        "value_chains": organisation.value_chains.all(),
        "concepts": organisation.concepts.all(),
    }
    return render(request, "directory/public/profile.html", context)


# --- opportunities ---------------------------------------------------------------------------------------------


def _opportunity_choices(viewer, filters: OpportunityFilters) -> list[tuple[str, str, list[Choice]]]:
    """The values each opportunity filter offers: the fixed lists, and the concepts and countries that the viewer's
    published opportunities actually use."""
    published = viewer.visible_opportunities(Opportunity.objects.filter(status=Opportunity.Status.PUBLISHED))
    used_concepts = Concept.objects.filter(
        Q(pk__in=Opportunity.concepts.through.objects.filter(opportunity_id__in=published.values("pk"))
          .values("concept_id")) | Q(slug__in=filters.concept)
    )
    countries = sorted(
        set(published.values_list("organisation__country", flat=True).distinct().order_by()) | set(filters.country)
    )
    values = {
        "type": [(v, label) for v, label in Opportunity.Type.choices],
        "language": [(v, label) for v, label in settings.CONTENT_LANGUAGES],
        "value_chain": [(vc.slug, vc.label) for vc in ValueChain.objects.all()],
        "concept": sorted(((c.slug, c.label) for c in used_concepts), key=lambda c: c[1].lower()),
        "cluster": [(c.slug, str(c)) for c in Cluster.objects.all()],
        "country": [(c, country_name(c)) for c in countries],
    }
    return [
        (name, title, [Choice(v, str(label), v in getattr(filters, name)) for v, label in values[name]])
        for name, title in OPPORTUNITY_FILTERS
    ]


def opportunity_list(request):
    viewer = viewer_for(request.user)
    filters = OpportunityFilters.from_query(request.GET)
    page, page_range = _page(request, search_opportunities(viewer, filters).prefetch_related("concepts"))
    groups = _opportunity_choices(viewer, filters)
    labels = {(name, c.value): c.label for name, _title, choices in groups for c in choices}
    context = {
        "filters": filters,
        "page": page,
        "page_range": page_range,
        "filter_groups": groups,
        "chips": _filter_chips(
            request, filters, OPPORTUNITY_FILTERS, labels,
            [("expired", _("Including expired"), filters.include_expired)],
        ),
    }
    return _render(
        request, "directory/public/opportunity_list.html", "directory/public/_opportunity_partial.html", context
    )


def opportunity_detail(request, pk: int):
    viewer = viewer_for(request.user)
    opportunity = get_object_or_404(
        viewer.visible_opportunities_among([pk]).select_related("organisation", "cluster", "author")
    )
    can_edit = viewer.can_edit_opportunity(opportunity)
    context = {
        "opportunity": opportunity,
        "organisation": opportunity.organisation,
        "can_edit": can_edit,
        "can_see_moderation": can_edit or viewer.can_moderate_opportunity(opportunity),
        "value_chains": opportunity.value_chains.all(),
        "concepts": opportunity.concepts.all(),
        "Status": Opportunity.Status,
    }
    return render(request, "directory/public/opportunity_detail.html", context)
