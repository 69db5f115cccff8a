"""The events of a cluster in its back office (/c/<cluster>/events/, namespace "events_staff"): the list, the event
form with its registration questions, and the attendee list with check-in and export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.exporting import FORMATS, export_response
from filiera.events import services
from filiera.events.forms import EventForm, QuestionFormSet
from filiera.events.models import Event, Registration


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
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        event = services.save_event(request.cluster, event, form, questions, user=request.user)
        messages.success(request, _("The event is saved."))
        return redirect("events_staff:attendees", cluster_slug=request.cluster.slug, pk=event.pk)
    return render(request, "events/staff/edit.html", {"form": form, "questions": questions, "event": event})


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
