"""The events of a cluster in its back office (/c/<cluster>/events/, namespace "events_staff"): the list, the event
form with its registration questions, and the attendee list with check-in and export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.exporting import FORMATS, export_response
from filiera.directory.forms import add_service_error
from filiera.events import brokerage, services
from filiera.events.forms import EventForm, NeedForm, QuestionFormSet, SlotsForm, TablesForm, TextFormSet
from filiera.events.models import Event, Meeting, Registration


def _event(request, pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("cluster"), pk=pk, cluster=request.cluster)


@cluster_view(Role.STAFF)
def event_list(request):
    events = request.cluster.events.order_by("-starts_at", "-pk")
    return render(request, "events/staff/list.html", {"events": events})


@cluster_view(Role.STAFF)
def event_edit(request, pk: int | None = None):
    event = _event(request, pk) if pk else Event(cluster=request.cluster)
    form = EventForm(request.POST or None, instance=event, cluster=request.cluster)
    questions = QuestionFormSet(request.POST or None, instance=event, prefix="questions")
    texts = TextFormSet(request.POST or None, instance=event, prefix="texts")
    if request.method == "POST" and form.is_valid() and questions.is_valid() and texts.is_valid():
        event = services.save_event(request.cluster, event, form, questions, user=request.user, texts=texts)
        messages.success(request, _("The event is saved."))
        return redirect("events_staff:attendees", cluster_slug=request.cluster.slug, pk=event.pk)
    return render(request, "events/staff/edit.html", {"form": form, "questions": questions, "texts": texts,
                                                      "event": event})


@cluster_view(Role.STAFF)
def attendees(request, pk: int):
    event = _event(request, pk)
    registrations = event.registrations.order_by("status", "created_at", "pk")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        registrations = registrations.filter(name__icontains=q) | registrations.filter(email__icontains=q)
    counts = {status: event.registrations.filter(status=status).count() for status in Registration.Status.values}
    checked_in = event.registrations.filter(checked_in_at__isnull=False).count()
    return render(request, "events/staff/attendees.html", {
        "event": event, "registrations": registrations, "q": q, "counts": counts, "checked_in": checked_in,
        "seats_left": services.seats_left(event)})


@cluster_view(Role.STAFF)
@require_POST
def check_in(request, pk: int, registration_pk: int):
    event = _event(request, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, event=event)
    try:
        services.check_in(registration)
    except services.RegistrationError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
    return redirect("events_staff:attendees", cluster_slug=request.cluster.slug, pk=event.pk)


@cluster_view(Role.STAFF)
@require_POST
def cancel(request, pk: int, registration_pk: int):
    event = _event(request, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, event=event)
    promoted = services.cancel(registration)
    messages.success(request, _("The registration of %(name)s is cancelled.") % {"name": registration.name})
    for person in promoted:
        messages.info(request, _("%(name)s moves up from the waiting list.") % {"name": person.name})
    return redirect("events_staff:attendees", cluster_slug=request.cluster.slug, pk=event.pk)


@cluster_view(Role.STAFF)
def export(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    event = _event(request, pk)
    return export_response(fmt, f"{event.slug}-attendees", services.attendee_header(event),
                           services.attendee_rows(event))


# -- the meeting board of a brokerage event -------------------------------------------------------------------------

def _brokerage(request, pk: int) -> Event:
    event = _event(request, pk)
    if event.kind != Event.Kind.BROKERAGE:
        raise Http404
    return event


def _back(request, event):
    return redirect("events_staff:board", cluster_slug=request.cluster.slug, pk=event.pk)


def _refused(request, error) -> None:
    messages.error(request, " ".join(error.errors.values()))


@cluster_view(Role.STAFF)
def board(request, pk: int):
    """Slots × tables with every meeting; the meetings waiting for a place below; the scheduler's buttons."""
    event = _brokerage(request, pk)
    slots, tables = list(event.slots.all()), list(event.tables.all())
    meetings = list(event.meetings.prefetch_related("participants__registration", "participants__organisation"))
    at = {(m.slot_id, m.table_id): m for m in meetings if m.slot_id}
    rows = [(slot, [at.get((slot.pk, table.pk)) for table in tables]) for slot in slots]
    return render(request, "events/staff/board.html", {
        "event": event, "slots": slots, "tables": tables, "rows": rows,
        "waiting": [m for m in meetings if not m.slot_id], "scheduled": [m for m in meetings if m.slot_id],
        "participants": brokerage.marketplace(event), "slots_form": SlotsForm(prefix="slots", initial={
            "day": timezone.localtime(event.starts_at).date(), "session": _("Morning"), "minutes": 20}),
        "tables_form": TablesForm(prefix="tables")})


@cluster_view(Role.STAFF)
@require_POST
def board_setup(request, pk: int, what: str):
    event = _brokerage(request, pk)
    if what == "slots":
        form = SlotsForm(request.POST, prefix="slots")
        if form.is_valid():
            try:
                created = brokerage.add_slots(event, **form.cleaned_data)
            except brokerage.BrokerageError as error:
                return _refused(request, error) or _back(request, event)
            messages.success(request, _("%(n)d slots added.") % {"n": len(created)})
        else:
            messages.error(request, _("Check the session, the day, the times and the minutes."))
    elif what == "tables":
        form = TablesForm(request.POST, prefix="tables")
        if form.is_valid():
            created = brokerage.add_tables(event, form.cleaned_data["onsite"], form.cleaned_data["online"])
            messages.success(request, _("%(n)d tables and rooms added.") % {"n": len(created)})
        else:
            messages.error(request, _("Give how many on-site tables and online rooms to add."))
    else:
        raise Http404
    return _back(request, event)


@cluster_view(Role.STAFF)
@require_POST
def board_run(request, pk: int):
    event = _brokerage(request, pk)
    try:
        result = brokerage.schedule(event, time_limit=20, keep_announced=request.POST.get("keep_announced") == "on")
    except brokerage.BrokerageError as error:
        return _refused(request, error) or _back(request, event)
    f = result.figures
    messages.success(request, _("%(scheduled)d of %(meetings)d meetings scheduled (priority %(priority)d of at most "
                                "%(bound)d%(optimal)s), %(gaps)d idle gaps.") % {
        "scheduled": f.scheduled, "meetings": f.meetings, "priority": f.scheduled_priority, "bound": f.upper_bound,
        "optimal": _(": optimal") if f.optimal else "", "gaps": f.idle_gaps})
    return _back(request, event)


@cluster_view(Role.STAFF)
@require_POST
def board_announce(request, pk: int):
    event = _brokerage(request, pk)
    sent = brokerage.announce(event)
    messages.success(request, _("The agenda is announced: %(n)d participants get theirs by email.") % {"n": sent})
    return _back(request, event)


@cluster_view(Role.STAFF)
@require_POST
def board_new_meeting(request, pk: int):
    event = _brokerage(request, pk)
    wanted = [int(pk) for pk in request.POST.getlist("participants") if pk.isdigit()]
    chosen = list(brokerage.marketplace(event).filter(pk__in=wanted))
    priority = request.POST.get("priority", "1")
    try:
        brokerage.create_meeting(event, chosen, priority=int(priority) if priority in ("1", "2", "3") else 1)
    except brokerage.BrokerageError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The meeting is added; place it or run the scheduler."))
    return _back(request, event)


@cluster_view(Role.STAFF)
@require_POST
def board_meeting(request, pk: int, meeting_pk: int, action: str):
    event = _brokerage(request, pk)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, event=event)
    try:
        if action == "place":
            slot_pk, table_pk = request.POST.get("slot", ""), request.POST.get("table", "")
            if not (slot_pk.isdigit() and table_pk.isdigit()):
                raise Http404
            slot = get_object_or_404(event.slots, pk=int(slot_pk))
            table = get_object_or_404(event.tables, pk=int(table_pk))
            brokerage.place(meeting, slot, table, lock=request.POST.get("lock") == "on")
        elif action == "lock":
            brokerage.set_locked(meeting, request.POST.get("locked") == "1")
        elif action == "unschedule":
            brokerage.unschedule(meeting)
        else:
            raise Http404
    except brokerage.BrokerageError as error:
        _refused(request, error)
    return _back(request, event)


# -- needs voiced at a workshop -------------------------------------------------------------------------------------

@cluster_view(Role.STAFF)
def needs(request, pk: int):
    """The needs voiced at the event, by kind of actor, and a form to write them down as they are voiced."""
    event = _event(request, pk)
    form = NeedForm(request.POST or None, initial={"language": event.languages[0] if event.languages else "en"})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_need(event, user=request.user, **form.cleaned_data)
        except services.RegistrationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The need is recorded."))
            return redirect("events_staff:needs", cluster_slug=request.cluster.slug, pk=event.pk)
    actors = sorted(set(event.voiced_needs.values_list("actor", flat=True)) | set(NeedForm.SUGGESTED_ACTORS))
    return render(request, "events/staff/needs.html", {"event": event, "form": form,
                                                       "groups": services.needs_by_actor(event), "actors": actors})


@cluster_view(Role.STAFF)
def needs_export(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    event = _event(request, pk)
    return export_response(fmt, f"{event.slug}-needs", services.need_header(), services.need_rows(event))
