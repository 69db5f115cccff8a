"""The search page, "more like this" and the recommendation panels. Thin: parse the request, call
filiera.matching.services (which keeps only what the viewer may see), render. The panels are partials that the
profile and opportunity pages load through htmx; without JavaScript the same URLs answer a whole page."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from filiera.core.access import viewer_for
from filiera.matching import services
from filiera.matching.documents import OPPORTUNITY
from filiera.matching.forms import SearchForm

SEARCH_TOP = 30
LIKE_TOP = 20
PANEL_TOP = 5
TRUTHY = ("1", "true", "on", "yes")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _render(request, full_template: str, partial_template: str, context: dict):
    response = render(request, partial_template if _is_htmx(request) else full_template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def language_name(code: str | None) -> str:
    return str(dict(settings.CONTENT_LANGUAGES).get(code, code or ""))


def search(request):
    viewer = viewer_for(request.user)
    asked = "q" in request.GET  # a first visit shows the empty form, not an error
    form = SearchForm(request.GET if asked else None)
    matches, detected = None, None
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            matches = services.search(viewer, data["q"], language=data["lang"] or None, what=data["what"] or "all",
                                      filters=form.search_filters(), top=SEARCH_TOP)
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            detected = services.detected_language(data["q"], data["lang"] or None)
    context = {
        "form": form,
        "matches": matches,
        "detected": detected,
        "detected_name": language_name(detected),
        "language_chosen": bool(asked and form.is_valid() and form.cleaned_data["lang"]),
    }
    return _render(request, "matching/search.html", "matching/_search_results.html", context)


def _visible_object(viewer, kind: str, object_id: int):
    found = services.visible_source(viewer, kind, object_id)
    if found is None:
        raise Http404
    return found


def more_like_this(request, kind: str, object_id: int):
    viewer = viewer_for(request.user)
    source = _visible_object(viewer, kind, object_id)
    context = {
        "source": source,
        "source_kind": kind,
        "matches": services.more_like_this(viewer, source, top=LIKE_TOP),
    }
    return render(request, "matching/more_like_this.html", context)


def opportunity_panel(request, pk: int):
    """Who can answer this opportunity: organisations and opportunities of the answering types."""
    viewer = viewer_for(request.user)
    opportunity = _visible_object(viewer, OPPORTUNITY, pk)
    context = {
        "opportunity": opportunity,
        "matches": services.recommend_for_opportunity(viewer, opportunity, top=PANEL_TOP),
    }
    return _render(request, "matching/opportunity_panel_page.html", "matching/_opportunity_panel.html", context)


def partners_panel(request, slug: str):
    """Partners that complete an organisation, for signed-in users who may see its profile (404 for others, as
    for a profile that does not exist)."""
    viewer = viewer_for(request.user)
    if not viewer.is_authenticated:
        raise Http404(_("No such organisation."))
    organisation = get_object_or_404(viewer.visible_organisations(), slug=slug)
    eu_call = str(request.GET.get("eu_call", "")).lower() in TRUTHY
    context = {
        "organisation": organisation,
        "eu_call": eu_call,
        "matches": services.recommend_partners(viewer, organisation, top=PANEL_TOP, international=eu_call),
    }
    return _render(request, "matching/partners_panel_page.html", "matching/_partners_panel.html", context)
