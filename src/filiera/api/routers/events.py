"""Events: the ones the caller may see, registering for one (signed-in callers; visitors use the event's page),
cancelling one's own registration, and the attendee list for the staff of the event's cluster."""

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import Pagination, signed_in_viewer, viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.events import services
from filiera.events.models import Event, Registration

router = Router(tags=["events"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class QuestionOut(Schema):
    id: int
    label: str
    kind: str
    choices: list[str]
    required: bool


class EventOut(Schema):
    id: int
    cluster: str = Field(alias="cluster.slug")
    slug: str
    title: str
    summary: str
    description: str
    kind: str
    audience: str = Field(description="`public` or `members` (members of the cluster only)")
    status: str
    languages: list[str]
    starts_at: datetime
    ends_at: datetime
    venue: str
    city: str
    country: str
    capacity: int | None
    seats_left: int | None = Field(description="None when there is no limit")
    registration_open: bool
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj):
        return list(obj.questions.all())

    @staticmethod
    def resolve_seats_left(obj):
        return services.seats_left(obj)

    @staticmethod
    def resolve_registration_open(obj, context):
        return services.why_closed(viewer(context["request"]), obj) is None


class RegistrationIn(Schema):
    name: str = ""
    email: str = ""
    organisation_name: str = ""
    language: str = ""
    answers: dict[str, str] = Field(default_factory=dict, description="Question id -> answer")


class RegistrationOut(Schema):
    id: int
    event: int = Field(alias="event_id")
    name: str
    email: str
    organisation_name: str
    language: str
    status: str = Field(description="`confirmed`, `waiting` (on the waiting list) or `cancelled`")
    answers: dict[str, str]
    created_at: datetime
    checked_in_at: datetime | None


def _event(request, event_id: int) -> Event:
    return get_object_or_404(services.visible_events(viewer(request)).select_related("cluster"), pk=event_id)


@router.get("", response={200: list[EventOut]}, summary="List events")
@paginate(Pagination)
def list_events(request):
    """The events the caller may see, soonest first: published ones open to everyone, members-only ones of their
    clusters, and drafts of the clusters they run."""
    return services.visible_events(viewer(request)).select_related("cluster").prefetch_related("questions")


@router.get("/{event_id}", response={200: EventOut, 404: ErrorOut}, summary="An event")
def get_event(request, event_id: int):
    return _event(request, event_id)


@router.post("/{event_id}/registrations", response={201: RegistrationOut, **ERRORS}, summary="Register")
def register(request, event_id: int, payload: RegistrationIn):
    """Registers the caller (name and email default to their account's): `confirmed` while seats are left, else
    `waiting`; a confirmation email follows. 400 with the problems per field (`answer_<question id>` for answers).
    Visitors register through the event's page."""
    current = signed_in_viewer(request)
    event = _event(request, event_id)
    user = request.auth
    registration = services.register(
        current, event, name=payload.name or user.get_full_name() or user.username, email=payload.email or user.email,
        organisation_name=payload.organisation_name, answers=payload.answers, language=payload.language or
        user.language, user=user)
    return Status(201, registration)


@router.get("/{event_id}/registrations", response={200: list[RegistrationOut], 401: ErrorOut, 404: ErrorOut},
            summary="Attendee list")
@paginate(Pagination)
def list_registrations(request, event_id: int):
    """The registrations of an event, for the staff of its cluster (others: 404)."""
    current = signed_in_viewer(request)
    event = _event(request, event_id)
    if not current.is_staff_of(event.cluster):
        raise Http404
    return event.registrations.order_by("created_at", "pk")


@router.post("/{event_id}/registrations/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS},
             summary="Cancel a registration")
def cancel_registration(request, event_id: int, registration_id: int):
    """The registrant cancels their own registration, or the cluster's staff cancel anyone's; when it held a seat,
    the first person waiting gets it."""
    current = signed_in_viewer(request)
    event = _event(request, event_id)
    registration = get_object_or_404(Registration, pk=registration_id, event=event)
    if registration.user_id != current.user_id and not current.is_staff_of(event.cluster):
        raise Http404
    services.cancel(registration)
    registration.refresh_from_db()
    return registration
