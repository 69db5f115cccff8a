"""Organisations: the directory's read side (the same filters as the directory page) and profile changes."""

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import (
    Pagination,
    cluster_by_slug,
    concepts_by_slug,
    value_chains_by_slug,
    viewer,
    visible_organisation,
)
from filiera.api.schemas import ErrorOut, OrganisationIn, OrganisationOut, OrganisationPatch, ValidationErrorOut
from filiera.directory import services
from filiera.directory.models import Membership, Organisation
from filiera.directory.queries import DirectoryFilters, search_organisations

router = Router(tags=["organisations"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class OrganisationQuery(Schema):
    q: str = Field("", description="Words in the name, city, keywords or description (accents ignored)")
    kind: list[str] = Field(default_factory=list, description="Repeatable; OR between values")
    helix: list[str] = Field(default_factory=list, description="Repeatable")
    country: list[str] = Field(default_factory=list, description="Repeatable; ISO alpha-2")
    value_chain: list[str] = Field(default_factory=list, description="Repeatable; value chain slugs")
    concept: list[str] = Field(default_factory=list, description="Repeatable; concept slugs")
    cluster: list[str] = Field(default_factory=list, description="Repeatable; active members of these clusters")
    sme: bool = Field(False, description="Only SMEs")


def with_related(organisations):
    active = Membership.objects.filter(status=Membership.Status.ACTIVE).select_related("cluster")
    return organisations.prefetch_related(
        "value_chains", "concepts", Prefetch("memberships", queryset=active, to_attr="active_memberships")
    )


def _reloaded(organisation: Organisation) -> Organisation:
    return with_related(Organisation.objects.filter(pk=organisation.pk)).get()


@router.get("", response=list[OrganisationOut], summary="Search the directory")
@paginate(Pagination)
def list_organisations(request, filters: Query[OrganisationQuery]):
    """The organisations the caller may see, filtered like the directory page, by name."""
    return with_related(search_organisations(viewer(request), DirectoryFilters.from_query(filters.dict())))


@router.get("/{organisation_id}", response={200: OrganisationOut, 404: ErrorOut}, summary="An organisation")
def get_organisation(request, organisation_id: int):
    organisation = visible_organisation(viewer(request), organisation_id)
    return _reloaded(organisation)


@router.post("", response={201: OrganisationOut, **ERRORS}, summary="Create an organisation")
def create_organisation(request, payload: OrganisationIn):
    """Platform admins create any organisation; cluster staff create one inside their cluster (`cluster`), which
    makes it an active member."""
    data = payload.dict()
    cluster = cluster_by_slug(data.pop("cluster"))
    concepts = concepts_by_slug(data.pop("concepts"))
    value_chains = value_chains_by_slug(data.pop("value_chains"))
    organisation = services.create_organisation(
        viewer(request), data, concepts=concepts, value_chains=value_chains, cluster=cluster
    )
    return Status(201, _reloaded(organisation))


@router.patch("/{organisation_id}", response={200: OrganisationOut, **ERRORS}, summary="Change an organisation")
def update_organisation(request, organisation_id: int, payload: OrganisationPatch):
    """Its representatives, the staff of its clusters and platform admins may change it."""
    current = viewer(request)
    organisation = visible_organisation(current, organisation_id)
    # null is "not sent" (the text fields cannot hold it), except for `ref`, which it clears.
    data = {name: value for name, value in payload.dict(exclude_unset=True).items()
            if value is not None or name == "ref"}
    concepts = concepts_by_slug(data.pop("concepts", None))
    value_chains = value_chains_by_slug(data.pop("value_chains", None))
    services.update_organisation(current, organisation, data, concepts=concepts, value_chains=value_chains)
    return _reloaded(organisation)
