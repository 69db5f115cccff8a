"""iCalendar (RFC 5545) files for events, with the icalendar library."""

from __future__ import annotations

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from filiera.events.models import Event


def _calendar(product: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Filiera//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _uid(kind: str, pk: int) -> str:
    """Stable, so that calendars update an entry rather than duplicate it."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "filiera"
    return f"{kind}-{pk}@{host}"


def event_calendar(event: Event, url: str) -> bytes:
    """One VEVENT for the event."""
    calendar = _calendar("events")
    entry = icalendar.Event()
    entry.add("uid", _uid("event", event.pk))
    entry.add("dtstamp", event.updated_at)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title)
    if event.summary or event.description:
        entry.add("description", "\n\n".join(t for t in (event.summary, event.description) if t))
    where = ", ".join(part for part in (event.venue, event.city) if part) or event.online_url
    if where:
        entry.add("location", where)
    entry.add("url", url)
    entry.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    entry.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}", parameters={"cn": event.cluster.name})
    calendar.add_component(entry)
    return calendar.to_ical()


def agenda_calendar(event: Event, meetings, url: str) -> bytes:
    """A participant's meetings (brokerage.agenda: each with its `others`), one VEVENT each."""
    calendar = _calendar("agenda")
    for meeting in meetings:
        entry = icalendar.Event()
        entry.add("uid", _uid("meeting", meeting.pk))
        entry.add("dtstamp", meeting.created_at)
        entry.add("dtstart", meeting.slot.starts_at)
        entry.add("dtend", meeting.slot.ends_at)
        entry.add("summary", _("Meeting with %(names)s") % {"names": ", ".join(p.name for p in meeting.others)})
        entry.add("location", f"{meeting.table.name} · {event.venue}" if event.venue else meeting.table.name)
        entry.add("url", url)
        calendar.add_component(entry)
    return calendar.to_ical()
