"""Opportunities (offers and needs): the same search as the opportunities page, and their authors' changes."""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import (
    Pagination,
    cluster_by_slug,
    concepts_by_slug,
    signed_in_viewer,
    value_chains_by_slug,
    viewer,
    visible_organisation,
)
from filiera.api.schemas import (
    ErrorOut,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OpportunityStatus,
    ValidationErrorOut,
)
from filiera.core.access import Viewer
from filiera.directory import services
from filiera.directory.models import Opportunity
from filiera.directory.queries import OpportunityFilters, search_opportunities

router = Router(tags=["opportunities"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class OpportunityQuery(Schema):
    q: str = Field("", description="Words in the title, summary or description (accents ignored)")
    type: list[Opportunity.Type] = Field(default_factory=list, description="Repeatable")
    language: list[str] = Field(default_factory=list, description="Repeatable")
    value_chain: list[str] = Field(default_factory=list, description="Repeatable; value chain slugs")
    concept: list[str] = Field(default_factory=list, description="Repeatable; concept slugs")
    cluster: list[str] = Field(default_factory=list, description="Repeatable; moderating cluster slugs")
    country: list[str] = Field(default_factory=list, description="Repeatable; the organisation's country")
    expired: bool = Field(False, description="Include expired opportunities")
    organisation: int | None = Field(None, description="Only this organisation's opportunities")
    status: list[OpportunityStatus] = Field(
        default_factory=list,
        description="Repeatable; published only when left out. Drafts, hidden and archived ones are listed only "
        "to their organisation and the moderating staff.",
    )


def _with_related(opportunities):
    return opportunities.select_related("organisation", "cluster").prefetch_related("value_chains", "concepts")


def _opportunity(current: Viewer, opportunity_id: int) -> Opportunity:
    return get_object_or_404(_with_related(current.visible_opportunities_among([opportunity_id])))


@router.get("", response=list[OpportunityOut], summary="Search opportunities")
@paginate(Pagination)
def list_opportunities(request, filters: Query[OpportunityQuery]):
    """Published, unexpired opportunities the caller may see, newest first, filtered like the opportunities page."""
    data = filters.dict()
    statuses = data.pop("status")
    organisation_id = data.pop("organisation")
    opportunities = search_opportunities(
        viewer(request), OpportunityFilters.from_query(data), published_only=not statuses
    )
    if statuses:
        opportunities = opportunities.filter(status__in=statuses)
    if organisation_id is not None:
        opportunities = opportunities.filter(organisation_id=organisation_id)
    return _with_related(opportunities)


@router.get("/{opportunity_id}", response={200: OpportunityOut, 404: ErrorOut}, summary="An opportunity")
def get_opportunity(request, opportunity_id: int):
    return _opportunity(viewer(request), opportunity_id)


@router.post("", response={201: OpportunityOut, **ERRORS}, summary="Post an opportunity")
def create_opportunity(request, payload: OpportunityIn):
    """A representative posts for their organisation (staff of its clusters and admins may too). It is published
    at once unless `status` is `draft`, and appears in the moderating cluster's queue."""
    current = signed_in_viewer(request)
    data = payload.dict(exclude_unset=True)
    organisation = visible_organisation(current, data.pop("organisation"))
    concepts = concepts_by_slug(data.pop("concepts", None))
    value_chains = value_chains_by_slug(data.pop("value_chains", None))
    cluster = cluster_by_slug(data.pop("cluster", None))
    opportunity = services.save_opportunity(
        current, organisation, data, concepts=concepts, value_chains=value_chains, cluster=cluster,
        author=request.auth,
    )
    return Status(201, _opportunity(current, opportunity.pk))


@router.patch("/{opportunity_id}", response={200: OpportunityOut, **ERRORS}, summary="Change an opportunity")
def update_opportunity(request, opportunity_id: int, payload: OpportunityPatch):
    current = signed_in_viewer(request)
    opportunity = _opportunity(current, opportunity_id)
    data = payload.dict(exclude_unset=True)
    concepts = concepts_by_slug(data.pop("concepts", None))
    value_chains = value_chains_by_slug(data.pop("value_chains", None))
    services.save_opportunity(
        current, opportunity.organisation, data, opportunity=opportunity, concepts=concepts, value_chains=value_chains
    )
    return _opportunity(current, opportunity.pk)


@router.delete("/{opportunity_id}", response={204: None, **ERRORS}, summary="Delete an opportunity")
def delete_opportunity(request, opportunity_id: int):
    current = signed_in_viewer(request)
    services.delete_opportunity(current, _opportunity(current, opportunity_id))
    return Status(204, None)
