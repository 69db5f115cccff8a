"""Personal data (GDPR): a person's data export, erasure and consent records.

A person is seen (else 404) by whoever sees them in /people and by themselves; exporting and erasing is for the
staff of a cluster where their organisation has a live membership, platform admins and the person (else 403).
An erasure needs the digest of an export made first (the X-Export-Digest header, or manifest.json in the ZIP) and
is refused (400) when the data changed since."""

from datetime import datetime

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from filiera.api.common import signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.core.access import Viewer
from filiera.directory.models import Person
from filiera.privacy import services
from filiera.privacy.models import ConsentRecord

router = Router(tags=["privacy"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ZIP = {"description": "A ZIP of JSON files (manifest.json holds the digest, also sent as X-Export-Digest)",
       "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


class ErasureIn(Schema):
    export_digest: str = Field(..., description="The digest of the export made just before (manifest.json)")


class ErasureOut(Schema):
    id: int
    person_id: int | None = Field(None, alias="person_ref")
    user_id: int | None = Field(None, alias="user_ref")
    at: datetime
    reason: str
    export_digest: str
    counts: dict[str, int]


class ConsentOut(Schema):
    purpose: str
    given: bool
    at: datetime
    source: str
    note: str
    recorded_by: str | None = None

    @staticmethod
    def resolve_recorded_by(obj):
        return obj.recorded_by.get_username() if obj.recorded_by_id else None


class ConsentIn(Schema):
    purpose: ConsentRecord.Purpose
    given: bool = Field(..., description="true gives the consent (now), false withdraws it")
    note: str = ""


def _person(current: Viewer, person_id: int) -> Person:
    """The person if the caller sees them (in /people, or as themselves); 404 otherwise."""
    person = Person.objects.filter(pk=person_id).select_related("organisation", "user").first()
    if person is None:
        raise Http404
    is_self = person.user_id is not None and person.user_id == current.user_id
    if not is_self and not Person.objects.filter(current.people_filter(), pk=person_id).exists():
        raise Http404
    return person


def _zip(content: bytes, filename: str, digest: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Export-Digest"] = digest
    return response


@router.get("/people/{person_id}/export", response={401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="Export a person's data", openapi_extra={"responses": {200: ZIP}})
def export_person(request, person_id: int):
    """Everything held about the person and their account: person.json, account.json, consents.json,
    registrations.json, meetings.json, challenges.json, projects.json, audit.json, activity.json, manifest.json."""
    current = signed_in_viewer(request)
    person = _person(current, person_id)
    content, digest = services.export_for(current, person)
    return _zip(content, services.export_filename(person), digest)


@router.post("/people/{person_id}/erasure", response={200: ErasureOut, **ERRORS}, summary="Erase a person")
def erase_person(request, person_id: int, payload: ErasureIn):
    """Erase the person and anonymise what the statistics keep, if their data is still that of the export with
    this digest (400 otherwise: export again)."""
    current = signed_in_viewer(request)
    person = _person(current, person_id)
    return services.erase_for(current, person, export_digest=payload.export_digest, by=request.auth)


@router.get("/people/{person_id}/consents", response={200: list[ConsentOut], 401: ErrorOut, 404: ErrorOut},
            summary="A person's consent history")
def list_consents(request, person_id: int):
    """Consents given and withdrawn, newest first."""
    return list(services.consent_history(_person(signed_in_viewer(request), person_id)))


@router.post("/people/{person_id}/consents", response={201: list[ConsentOut], **ERRORS},
             summary="Give or withdraw a consent")
def record_consent(request, person_id: int, payload: ConsentIn):
    """Giving a consent already given (or withdrawing one not given) changes nothing and answers an empty list."""
    current = signed_in_viewer(request)
    person = _person(current, person_id)
    return Status(201, services.change_consent(current, person, payload.purpose, payload.given, payload.note))


@router.get("/me/export", response={401: ErrorOut}, summary="Export your own data",
            openapi_extra={"responses": {200: ZIP}})
def export_me(request):
    """Everything held about the caller: their account and, if they are a contact of an organisation, that
    person."""
    signed_in_viewer(request)
    content, digest = services.export_account(request.auth)
    return _zip(content, services.export_filename(None, request.auth), digest)
