"""The meeting marketplace of a brokerage event, for its confirmed participants (signed in): their profile, the
other participants with a request button, the requests to answer, and their agenda (web and iCalendar)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import viewer_for
from filiera.directory.forms import add_service_error
from filiera.events import brokerage, services
from filiera.events.calendar import agenda_calendar
from filiera.events.forms import MeetingRequestForm, ParticipantForm
from filiera.events.models import Event, FollowUp, Meeting, MeetingRequest


def _context(request, pk: int):
    """The event (a brokerage event the viewer may see) and the viewer's live registration for it, or 404."""
    viewer = viewer_for(request.user)
    event = get_object_or_404(services.visible_events(viewer).select_related("cluster"), pk=pk,
                              kind=Event.Kind.BROKERAGE)
    found = brokerage.taking_part(viewer, event)
    if found is None:
        raise Http404(_("Only confirmed participants of this event take part in its meetings."))
    return event, *found


@login_required
def marketplace(request, pk: int):
    event, registration, me = _context(request, pk)
    organisation = me.organisation if me else registration.organisation
    form = ParticipantForm(event, request.POST or None, organisation=organisation, initial={
        "offers": me.offers, "looks_for": me.looks_for, "max_meetings": me.max_meetings,
        "unavailable": me.unavailable.all(), "opportunities": me.opportunities.all()} if me else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            brokerage.join(registration, offers=data["offers"], looks_for=data["looks_for"],
                           max_meetings=data["max_meetings"], unavailable=data["unavailable"],
                           opportunities=data.get("opportunities") or [])
        except brokerage.BrokerageError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("events:marketplace", pk=event.pk)
    others, received, sent = [], [], []
    if me:
        asked = brokerage.exchanged(me)
        others = [(p, p.pk in asked) for p in brokerage.marketplace(event).exclude(pk=me.pk)]
        received = me.received_requests.select_related("sender__registration", "sender__organisation")
        sent = me.sent_requests.select_related("receiver__registration", "receiver__organisation")
    return render(request, "events/marketplace.html", {
        "event": event, "me": me, "form": form, "others": others, "received": received, "sent": sent,
        "request_form": MeetingRequestForm(), "suggested": brokerage.suggestions(me) if me else []})


@login_required
@require_POST
def request_meeting(request, pk: int, participant_pk: int):
    event, _registration, me = _context(request, pk)
    if me is None:
        raise Http404
    receiver = get_object_or_404(brokerage.marketplace(event), pk=participant_pk)
    form = MeetingRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        brokerage.request_meeting(me, receiver, message)
    except brokerage.BrokerageError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("Your request is sent to %(name)s.") % {"name": receiver.name})
    return redirect("events:marketplace", pk=event.pk)


@login_required
@require_POST
def answer_request(request, pk: int, request_pk: int, decision: str):
    event, _registration, me = _context(request, pk)
    if me is None or decision not in ("accept", "decline"):
        raise Http404
    meeting_request = get_object_or_404(MeetingRequest, pk=request_pk, receiver=me)
    try:
        brokerage.answer(meeting_request, accept=decision == "accept")
    except brokerage.BrokerageError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("You accepted the meeting: the organisers will schedule it.") if decision ==
                         "accept" else _("You declined the meeting."))
    return redirect("events:marketplace", pk=event.pk)


@login_required
def agenda(request, pk: int):
    event, _registration, me = _context(request, pk)
    meetings = brokerage.agenda(me) if me else []
    return render(request, "events/agenda.html", {"event": event, "me": me, "meetings": meetings,
                                                  "ended": timezone.now() >= event.ends_at,
                                                  "outcomes": FollowUp.Outcome.choices})


@login_required
@require_POST
def follow_up(request, pk: int, meeting_pk: int):
    event, _registration, me = _context(request, pk)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, event=event)
    if me is None:
        raise Http404
    try:
        brokerage.record_follow_up(me, meeting, request.POST.get("outcome", ""), request.POST.get("note", ""))
    except brokerage.BrokerageError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("Thank you: your answer is saved."))
    return redirect("events:agenda", pk=event.pk)


@login_required
def agenda_pdf(request, pk: int):
    """The agenda as a one-page PDF to print or carry (WeasyPrint)."""
    from weasyprint import HTML  # imported here: it loads pango, which only this view needs

    event, _registration, me = _context(request, pk)
    html = render_to_string("events/agenda_pdf.html", {
        "event": event, "participant": me, "meetings": brokerage.agenda(me) if me else []}, request=request)
    response = HttpResponse(HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-agenda.pdf"'
    return response


@login_required
def agenda_ics(request, pk: int):
    event, _registration, me = _context(request, pk)
    content = agenda_calendar(event, brokerage.agenda(me) if me else [],
                              request.build_absolute_uri(reverse("events:agenda", args=[event.pk])))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-agenda.ics"'
    return response
