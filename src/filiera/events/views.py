"""Event pages: the events a viewer may see, an event with its registration form, its iCalendar file, and the
private page of a registration (reached from the confirmation email) where it can be cancelled."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import viewer_for
from filiera.directory.forms import add_service_error
from filiera.events import services
from filiera.events.calendar import event_calendar
from filiera.events.forms import registration_form
from filiera.events.models import Event, Registration
from filiera.events.notifications import cancel_token


def event_list(request):
    viewer = viewer_for(request.user)
    events = services.visible_events(viewer).select_related("cluster")
    past = request.GET.get("when") == "past"
    if past:
        events = events.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")
    else:
        events = services.upcoming(events)
    language = request.LANGUAGE_CODE
    shown = [(event, event.text_in(language)) for event in events.prefetch_related("texts")[:200]]
    return render(request, "events/list.html", {"events": shown, "past": past})


def _event(request, pk: int) -> Event:
    return get_object_or_404(services.visible_events(viewer_for(request.user)).select_related("cluster"), pk=pk)


def event_detail(request, pk: int):
    event = _event(request, pk)
    viewer = viewer_for(request.user)
    mine = services.own_registration(viewer, event)
    closed = services.why_closed(viewer, event)
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.get_full_name() or request.user.username, "email": request.user.email}
    form = registration_form(event, request.POST or None, initial=initial)
    if request.method == "POST" and not mine and not closed and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.register(
                viewer, event, name=data["name"], email=data["email"], organisation_name=data["organisation_name"],
                answers=form.answers(), language=request.LANGUAGE_CODE, organisation=services.represented(viewer),
                user=request.user if request.user.is_authenticated else None)
        except services.RegistrationError as error:
            add_service_error(form, error)
        else:
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(request, _("You are registered. A confirmation is on its way to %(email)s.")
                                 % {"email": registration.email})
            else:
                messages.info(request, _("The event is full: you are on the waiting list. If a seat frees up, it "
                                         "is yours and we will write to %(email)s.") % {"email": registration.email})
            return redirect("events:registration", token=cancel_token(registration))
    text = event.text_in(request.LANGUAGE_CODE)
    context = {"event": event, "text": text, "text_language": getattr(text, "language", None) or (
               event.languages[0] if event.languages else ""), "form": form, "mine": mine, "closed": closed,
               "seats_left": services.seats_left(event), "is_staff": viewer.is_staff_of(event.cluster),
               "mine_token": cancel_token(mine) if mine else None}
    return render(request, "events/detail.html", context)


def event_ics(request, pk: int):
    event = _event(request, pk)
    content = event_calendar(event, request.build_absolute_uri(reverse("events:event", args=[event.pk])))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def registration(request, token: str):
    """A registration's own page: where it stands, and a button to cancel it."""
    found = services.registration_for_token(token)
    if found is None:
        raise Http404
    return render(request, "events/registration.html", {"registration": found, "event": found.event,
                                                         "token": token})


@require_POST
def registration_cancel(request, token: str):
    found = services.registration_for_token(token)
    if found is None:
        raise Http404
    if found.status != Registration.Status.CANCELLED:
        services.cancel(found)
        messages.success(request, _("Your registration is cancelled."))
    return redirect("events:registration", token=token)
