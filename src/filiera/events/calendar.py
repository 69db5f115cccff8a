"""iCalendar (RFC 5545) files for events, with the icalendar library."""

from __future__ import annotations

import icalendar
from django.conf import settings

from filiera.events.models import Event


def event_calendar(event: Event, url: str) -> bytes:
    """One VEVENT for the event, with a stable UID so that calendars update it rather than duplicate it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Filiera//events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = icalendar.Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "filiera"
    entry.add("uid", f"event-{event.pk}@{host}")
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
