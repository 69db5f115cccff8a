"""Events: the ones the caller may see, registering for one (signed-in callers; visitors use the event's page),
cancelling one's own registration, and the attendee list for the staff of the event's cluster. Brokerage events:
the marketplace, meeting requests and answers, the caller's agenda for its participants; the board's meetings and
the scheduler for the staff."""

from datetime import datetime

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import Pagination, signed_in_viewer, viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.events import brokerage, services
from filiera.events.models import Event, MeetingRequest, Participant, Registration

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
        user.language, user=user, organisation=services.represented(current))
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


# -- B2B brokerage ----------------------------------------------------------------------------------------------------

class ParticipantOut(Schema):
    id: int
    name: str
    offers: str
    looks_for: str


class MeetingRequestIn(Schema):
    receiver: int = Field(description="The participant asked (an id from the participants list)")
    message: str = ""


class MeetingRequestOut(Schema):
    id: int
    sender: int = Field(alias="sender_id")
    receiver: int = Field(alias="receiver_id")
    message: str
    status: str = Field(description="`pending`, `accepted` or `declined`")
    meeting: int | None = Field(alias="meeting_id")


class MeetingOut(Schema):
    id: int
    participants: list[ParticipantOut]
    priority: int
    mode: str
    slot_start: datetime | None
    slot_end: datetime | None
    table: str | None
    locked: bool
    announced: bool

    @staticmethod
    def resolve_participants(obj):
        return list(obj.participants.all())

    @staticmethod
    def resolve_slot_start(obj):
        return obj.slot.starts_at if obj.slot_id else None

    @staticmethod
    def resolve_slot_end(obj):
        return obj.slot.ends_at if obj.slot_id else None

    @staticmethod
    def resolve_table(obj):
        return obj.table.name if obj.table_id else None

    @staticmethod
    def resolve_announced(obj):
        return obj.announced_at is not None


class ScheduleIn(Schema):
    keep_announced: bool = True
    time_limit: float = Field(20, ge=1, le=60, description="Seconds the scheduler may take (1 to 60)")


class ScheduleOut(Schema):
    meetings: int
    scheduled: int
    scheduled_priority: int
    upper_bound: int
    optimal: bool
    idle_gaps: int
    table_changes: int
    solve_seconds: float


def _brokerage_event(request, event_id: int) -> Event:
    event = _event(request, event_id)
    if event.kind != Event.Kind.BROKERAGE:
        raise Http404
    return event


def _me(request, event: Event) -> Participant:
    """The caller's participant record at the event (404 when they take no part in its meetings)."""
    found = brokerage.taking_part(signed_in_viewer(request), event)
    if found is None or found[1] is None:
        raise Http404
    return found[1]


def _staff_event(request, event_id: int) -> Event:
    current = signed_in_viewer(request)
    event = _brokerage_event(request, event_id)
    if not current.is_staff_of(event.cluster):
        raise Http404
    return event


def _meetings(queryset):
    return queryset.select_related("slot", "table").prefetch_related("participants__registration",
                                                                     "participants__organisation")


@router.get("/{event_id}/participants", response={200: list[ParticipantOut], 401: ErrorOut, 404: ErrorOut},
            summary="Brokerage marketplace")
@paginate(Pagination)
def list_participants(request, event_id: int):
    """The participants of a brokerage event's meetings, for its confirmed participants and its cluster's staff."""
    event = _brokerage_event(request, event_id)
    if not signed_in_viewer(request).is_staff_of(event.cluster):
        _me(request, event)
    return brokerage.marketplace(event)


@router.post("/{event_id}/meeting-requests", response={201: MeetingRequestOut, **ERRORS},
             summary="Ask a participant for a meeting")
def create_meeting_request(request, event_id: int, payload: MeetingRequestIn):
    event = _brokerage_event(request, event_id)
    me = _me(request, event)
    receiver = get_object_or_404(brokerage.marketplace(event), pk=payload.receiver)
    return Status(201, brokerage.request_meeting(me, receiver, payload.message))


@router.get("/{event_id}/meeting-requests", response={200: list[MeetingRequestOut], 401: ErrorOut, 404: ErrorOut},
            summary="The caller's meeting requests, sent and received")
@paginate(Pagination)
def list_meeting_requests(request, event_id: int):
    me = _me(request, _brokerage_event(request, event_id))
    return MeetingRequest.objects.filter(Q(sender=me) | Q(receiver=me)).order_by("-created_at", "-pk")


@router.post("/{event_id}/meeting-requests/{request_id}/{decision}", response={200: MeetingRequestOut, **ERRORS},
             summary="Accept or decline a meeting request (decision: accept | decline)")
def answer_meeting_request(request, event_id: int, request_id: int, decision: str):
    me = _me(request, _brokerage_event(request, event_id))
    if decision not in ("accept", "decline"):
        raise Http404
    meeting_request = get_object_or_404(MeetingRequest, pk=request_id, receiver=me)
    return brokerage.answer(meeting_request, accept=decision == "accept")


@router.get("/{event_id}/agenda", response={200: list[MeetingOut], 401: ErrorOut, 404: ErrorOut},
            summary="The caller's agenda of meetings")
def get_agenda(request, event_id: int):
    return brokerage.agenda(_me(request, _brokerage_event(request, event_id)))


@router.get("/{event_id}/meetings", response={200: list[MeetingOut], 401: ErrorOut, 404: ErrorOut},
            summary="Every meeting of a brokerage event (the board), for its cluster's staff")
@paginate(Pagination)
def list_meetings(request, event_id: int):
    return _meetings(_staff_event(request, event_id).meetings.all())


@router.post("/{event_id}/schedule", response={200: ScheduleOut, **ERRORS},
             summary="Run the meeting scheduler on the event (its cluster's staff)")
def run_scheduler(request, event_id: int, payload: ScheduleIn):
    """Keeps locked meetings, and announced ones unless `keep_announced` is false; returns the figures."""
    event = _staff_event(request, event_id)
    return brokerage.schedule(event, time_limit=payload.time_limit, keep_announced=payload.keep_announced).figures
