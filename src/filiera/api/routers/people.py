"""People (contacts of organisations): seen and managed by the organisation's representatives and by the staff of
its clusters (platform admins: all). Everyone else — visitors, observers, other members — sees no one."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import Pagination, signed_in_viewer, visible_organisation
from filiera.api.schemas import ErrorOut, PersonIn, PersonOut, PersonPatch, ValidationErrorOut
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.directory import backoffice, services
from filiera.directory.models import Person

router = Router(tags=["people"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PeopleQuery(Schema):
    organisation: int | None = Field(None, description="Only the people of this organisation")
    cluster: str | None = Field(None, description="Only people of this cluster's member organisations (its staff)")
    q: str = Field("", description="Words in the name, email or job title")


def _people(current: Viewer):
    return Person.objects.filter(current.people_filter()).select_related("organisation")


def _person(current: Viewer, person_id: int) -> Person:
    return get_object_or_404(_people(current), pk=person_id)


def _consents(data: dict) -> dict:
    return {"consent_directory": data.pop("consent_directory", None),
            "consent_newsletter": data.pop("consent_newsletter", None)}


@router.get("", response={200: list[PersonOut], 401: ErrorOut, 404: ErrorOut}, summary="List people")
@paginate(Pagination)
def list_people(request, filters: Query[PeopleQuery]):
    """Staff see the people of their clusters' organisations; representatives those of their own organisation."""
    current = signed_in_viewer(request)
    if filters.cluster:
        # Which organisations have a membership is cluster-private: only that cluster's staff may filter by it.
        cluster = Cluster.objects.filter(slug=filters.cluster).first()
        if cluster is None or not current.is_staff_of(cluster):
            raise Http404
        people = backoffice.cluster_people(current, cluster)  # the back office's People page of that cluster
    else:
        people = _people(current)
    if filters.organisation is not None:
        people = people.filter(organisation_id=filters.organisation)
    for word in filters.q.split():
        people = people.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            | Q(job_title__icontains=word)
        )
    return people.order_by("last_name", "first_name", "pk")


@router.get("/{person_id}", response={200: PersonOut, 401: ErrorOut, 404: ErrorOut}, summary="A person")
def get_person(request, person_id: int):
    return _person(signed_in_viewer(request), person_id)


@router.post("", response={201: PersonOut, **ERRORS}, summary="Add a person to an organisation")
def create_person(request, payload: PersonIn):
    current = signed_in_viewer(request)
    data = payload.dict(exclude_unset=True)
    organisation = visible_organisation(current, data.pop("organisation"))
    person = services.save_person(current, organisation, data, **_consents(data))
    return Status(201, _person(current, person.pk))


@router.patch("/{person_id}", response={200: PersonOut, **ERRORS}, summary="Change a person")
def update_person(request, person_id: int, payload: PersonPatch):
    current = signed_in_viewer(request)
    person = _person(current, person_id)
    data = payload.dict(exclude_unset=True)
    services.save_person(current, person.organisation, data, person=person, **_consents(data))
    return _person(current, person.pk)


@router.delete("/{person_id}", response={204: None, **ERRORS}, summary="Remove a person")
def delete_person(request, person_id: int):
    current = signed_in_viewer(request)
    services.delete_person(current, _person(current, person_id))
    return Status(204, None)
