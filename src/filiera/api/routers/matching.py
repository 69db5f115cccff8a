"""Search in any language, "more like this" and recommendations: the matching services, with the same visibility
as the pages (the services keep only what the caller may see; a source the caller may not see is a 404)."""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from filiera.api.common import signed_in_viewer, viewer
from filiera.api.schemas import ErrorOut
from filiera.core.access import Viewer
from filiera.matching import services

router = Router(tags=["matching"])

MAX_TOP = 100


class MatchOut(Schema):
    kind: str = Field(description="organisation | opportunity")
    id: int
    ref: str = Field(description="An organisation's reference (or address name); an opportunity's id")
    name: str
    score: float = Field(description="0..1, best first")
    why: dict = Field(description="words, concepts (slug, label), semantic closeness, partner reasons, brings, "
                      "and the parts of the score")


class SearchOut(Schema):
    language: str | None = Field(description="The language the text was read in (given or detected)")
    results: list[MatchOut]


class SearchQuery(Schema):
    q: str = Field("", description="What to look for, in any language")
    lang: str = Field("", description="The text's language; detected when left out")
    what: str = Field("all", description="all | organisations | opportunities")
    kind: list[str] = Field(default_factory=list, description="Repeatable; organisation kinds")
    helix: list[str] = Field(default_factory=list, description="Repeatable")
    country: list[str] = Field(default_factory=list, description="Repeatable; ISO alpha-2")
    value_chain: list[str] = Field(default_factory=list, description="Repeatable; value chain slugs")
    cluster: list[str] = Field(default_factory=list, description="Repeatable; cluster slugs")
    type: list[str] = Field(default_factory=list, description="Repeatable; opportunity types")
    concept: list[str] = Field(default_factory=list, description="Repeatable; concept slugs")
    expired: bool = Field(False, description="Include expired opportunities")
    top: int = Field(20, ge=1, le=MAX_TOP)


def _results(matches) -> list[dict]:
    return [m.as_json() for m in matches]


@router.get("/search", response={200: SearchOut, 400: ErrorOut}, summary="Search in any language")
def search(request, params: Query[SearchQuery]):
    """Organisations and opportunities matching a text in any language, best first, each with why it matched."""
    filters = services.SearchFilters(
        org_kind=params.kind, helix=params.helix, country=[c.upper() for c in params.country],
        value_chain=params.value_chain, cluster=params.cluster, type=params.type, concept=params.concept,
        include_expired=params.expired,
    )
    try:
        matches = services.search(viewer(request), params.q, language=params.lang or None, what=params.what,
                                  filters=filters, top=params.top)
    except services.MatchingError as error:
        return Status(400, {"detail": str(error)})
    return {"language": services.detected_language(params.q, params.lang or None), "results": _results(matches)}


def _source(current: Viewer, kind: str, object_id: int):
    found = services.visible_source(current, kind, object_id)
    if found is None:
        raise Http404
    return found


@router.get("/search/like/{kind}/{object_id}", response={200: list[MatchOut], 404: ErrorOut},
            summary="More like this")
def more_like_this(request, kind: str, object_id: int, top: int = Query(10, ge=1, le=MAX_TOP)):
    """Organisations (or opportunities) like this one; `kind` is organisation or opportunity."""
    current = viewer(request)
    return _results(services.more_like_this(current, _source(current, kind, object_id), top=top))


@router.get("/recommendations/opportunities/{opportunity_id}", response={200: list[MatchOut], 404: ErrorOut},
            summary="Who can answer an opportunity")
def recommend_for_opportunity(request, opportunity_id: int, top: int = Query(10, ge=1, le=MAX_TOP)):
    """Organisations and opportunities of the answering types that meet this need (or offer), its own
    organisation left out."""
    current = viewer(request)
    opportunity = _source(current, "opportunity", opportunity_id)
    return _results(services.recommend_for_opportunity(current, opportunity, top=top))


@router.get("/recommendations/organisations/{ref_or_slug}",
            response={200: list[MatchOut], 401: ErrorOut, 404: ErrorOut}, summary="Partners for an organisation")
def recommend_partners(request, ref_or_slug: str, eu_call: bool = False,
                       top: int = Query(10, ge=1, le=MAX_TOP)):
    """Partners that complete an organisation: another helix, the concepts they bring, and other countries when
    `eu_call` is true. For signed-in callers who may see the organisation, as on its profile page."""
    current = signed_in_viewer(request)
    organisation = current.visible_organisations().filter(Q(ref=ref_or_slug) | Q(slug=ref_or_slug)).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    return _results(services.recommend_partners(current, organisation, top=top, international=eu_call))
