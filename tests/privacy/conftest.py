"""Fixtures of the privacy tests: a contact of org_a (alpha's active member) with an account, consents and a trail
through events, brokerage and a challenge, and another attendee who must not be touched by their erasure."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from filiera.challenges.models import Challenge, Theme, Vote
from filiera.core.audit import acting_as
from filiera.directory.models import Person
from filiera.events.models import Event, FollowUp, Meeting, MeetingRequest, MeetingSeat, Participant, Registration
from filiera.privacy.models import ConsentRecord
from filiera.privacy.services import record_consents
from tests.conftest import make_user

EMAIL = "giulia.verdi@medsense.example"


@pytest.fixture
def contact_user(db):
    return make_user("giulia", first_name="Giulia", last_name="Verdi")


@pytest.fixture
def contact(org_a, contact_user, staff):
    """Giulia Verdi, a contact of MedSense with an account, who consented to the directory in 2024."""
    contact_user.email = EMAIL
    contact_user.save()
    with acting_as(staff):
        person = Person.objects.create(organisation=org_a, user=contact_user, first_name="Giulia", last_name="Verdi",
                                       email=EMAIL, phone="+39 051 555 0101", job_title="CTO")
        record_consents(person, {ConsentRecord.Purpose.DIRECTORY: True}, source=ConsentRecord.Source.STAFF,
                        by_id=staff.pk, at=timezone.make_aware(datetime.datetime(2024, 2, 1, 10, 0)))
    return person


@pytest.fixture
def other_attendee(org_b):
    return Person.objects.create(organisation=org_b, first_name="Lars", last_name="Nielsen", email="lars@velfaerd.dk")


@pytest.fixture
def trail(contact, contact_user, other_attendee, cluster_a, org_a, org_b):
    """Giulia registered (by e-mail, without signing in) for a brokerage day, met Lars, wrote to him, noted a
    follow-up, and voted in a challenge."""
    start = timezone.now() - datetime.timedelta(days=30)
    event = Event.objects.create(cluster=cluster_a, slug="b2b", title="Health B2B day", kind=Event.Kind.BROKERAGE,
                                 status=Event.Status.PUBLISHED, starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=8))
    mine = Registration.objects.create(event=event, name="Giulia Verdi", email=EMAIL.upper(), organisation=org_a,
                                       answers={"1": "I need vegetarian food"})
    his = Registration.objects.create(event=event, name="Lars Nielsen", email="lars@velfaerd.dk", organisation=org_b)
    me = Participant.objects.create(event=event, registration=mine, organisation=org_a, offers="Wearable patches",
                                    looks_for="Hospitals to test with Giulia")
    him = Participant.objects.create(event=event, registration=his, organisation=org_b, offers="Care robots")
    meeting = Meeting.objects.create(event=event)
    MeetingSeat.objects.create(meeting=meeting, participant=me)
    MeetingSeat.objects.create(meeting=meeting, participant=him)
    MeetingRequest.objects.create(event=event, sender=me, receiver=him, message="Call me on +39 051 555 0101",
                                  status=MeetingRequest.Status.ACCEPTED, meeting=meeting)
    FollowUp.objects.create(meeting=meeting, participant=me, outcome=FollowUp.Outcome.FOLLOW_UP,
                            note="Giulia to send the specs")
    FollowUp.objects.create(meeting=meeting, participant=him, outcome=FollowUp.Outcome.AGREEMENT, note="Signed")
    challenge = Challenge.objects.create(cluster=cluster_a, title="Remote care", statement="How?", language="en")
    themes = [Theme.objects.create(challenge=challenge, label=f"Theme {n}", position=n) for n in range(2)]
    for theme in themes:
        Vote.objects.create(challenge=challenge, theme=theme, voter=f"user:{contact_user.pk}")
    Vote.objects.create(challenge=challenge, theme=themes[0], voter="browser:abc")
    return {"event": event, "registration": mine, "his_registration": his, "participant": me, "his": him,
            "meeting": meeting, "challenge": challenge, "themes": themes}


def unzip(content: bytes) -> dict[str, object]:
    """The JSON files of an export, by name."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


@pytest.fixture
def as_token(settings):
    """as_token(user) -> a test client authenticated by a fresh personal token; as_token(None) -> a visitor."""
    from django.test import Client

    from filiera.core.services import create_api_token

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def make(user) -> Client:
        if user is None:
            return Client()
        _, raw = create_api_token(user, "tests")
        return Client(headers={"authorization": f"Bearer {raw}"})

    return make
