"""Use cases of personal data (GDPR): consents, a person's data export, erasure and the retention rule.

The erasure follows pretix's shredder: export first, then erase — and only if the data did not change since the
export (the export's digest must still be the data's digest), so that what the person or the staff downloaded is
exactly what was erased. What the cluster must keep for its statistics (registrations, brokerage participants,
meetings, follow-ups, challenge votes) keeps its rows for the counts and loses names, addresses and free text.

Who: the staff and managers of a cluster where the person's organisation has a live membership, platform admins,
and the person themselves (signed in, for their own account).
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filiera.core.access import Viewer, live_statuses
from filiera.core.models import ApiToken, AuditEntry, Cluster, ClusterRole, NetworkRole
from filiera.directory.models import Membership, Opportunity, Person
from filiera.privacy.models import ConsentRecord, Erasure

# --- consents ----------------------------------------------------------------------------------------------------

CONSENT_FIELDS: dict[str, str] = {
    ConsentRecord.Purpose.DIRECTORY: "consent_directory_at",
    ConsentRecord.Purpose.NEWSLETTER: "consent_newsletter_at",
}


def record_consents(
    person: Person,
    choices: dict[str, bool | None],
    *,
    source: str,
    by_id: int | None = None,
    at: datetime.datetime | None = None,
    note: str = "",
) -> list[ConsentRecord]:
    """The one way to give or withdraw a consent. `choices` maps a purpose to True (given), False (withdrawn) or None
    (left as it is). Sets the person's consent timestamps, saves the person (with whatever else the caller changed
    on it, so that the audit log has one entry), and writes one ConsentRecord per consent that changed. Giving a
    consent already given keeps its first date."""
    at = at or timezone.now()
    changed: list[tuple[str, bool]] = []
    for purpose, given in choices.items():
        if given is None:
            continue
        if purpose not in CONSENT_FIELDS:
            raise ValidationError({"purpose": _("Unknown consent purpose: %(purpose)s.") % {"purpose": purpose}})
        name = CONSENT_FIELDS[purpose]
        if given and getattr(person, name) is None:
            setattr(person, name, at)
            changed.append((purpose, True))
        elif not given and getattr(person, name) is not None:
            setattr(person, name, None)
            changed.append((purpose, False))
    person.save()
    records = []
    for purpose, given in changed:
        record = ConsentRecord(
            person=person, person_ref=person.pk, person_label=str(person)[:200],
            organisation_id=person.organisation_id, purpose=purpose, given=given, at=at, recorded_by_id=by_id,
            source=source, note=note[:300],
        )
        record.save()
        records.append(record)
    return records


def consent_source(viewer: Viewer, person: Person) -> str:
    """Who records a consent through the directory's pages and the API: the person or someone on their behalf."""
    if person.user_id is not None and person.user_id == viewer.user_id:
        return ConsentRecord.Source.SELF
    return ConsentRecord.Source.STAFF


def consent_history(person: Person) -> QuerySet:
    return ConsentRecord.objects.filter(person=person).select_related("recorded_by").order_by("-at", "-pk")


@transaction.atomic
def change_consent(viewer: Viewer, person: Person, purpose: str, given: bool, note: str = "") -> list[ConsentRecord]:
    """Someone who manages the person (or the person themselves) records a consent or its withdrawal."""
    is_self = person.user_id is not None and person.user_id == viewer.user_id
    if not (is_self or viewer.can_manage_people_of(person.organisation)):
        raise PermissionDenied
    return record_consents(person, {purpose: given}, source=consent_source(viewer, person), by_id=viewer.user_id,
                           note=note)


# --- who may export and erase ----------------------------------------------------------------------------------


def manages_personal_data(viewer: Viewer, person: Person) -> bool:
    """Export and erase someone's data: platform admins, the staff of a cluster where the person's organisation
    has a live membership, and the person themselves."""
    if viewer.is_admin or (person.user_id is not None and person.user_id == viewer.user_id):
        return True
    return Membership.objects.filter(
        organisation_id=person.organisation_id, cluster_id__in=viewer.staff_cluster_ids, status__in=live_statuses()
    ).exists()


def _check_erasable_account(viewer: Viewer | None, user) -> None:
    """Back-office accounts are not erased on a cluster's say: a platform admin's account never through the
    platform, another role holder's only by a platform admin (or themselves)."""
    if user is None:
        return
    if user.is_superuser:
        raise ValidationError(_("A platform administrator's account cannot be erased; another administrator must "
                                "first take the administrator rights away."))
    is_self = viewer is not None and viewer.user_id == user.pk
    has_roles = ClusterRole.objects.filter(user=user).exists() or NetworkRole.objects.filter(user=user).exists()
    if has_roles and not is_self and not (viewer is None or viewer.is_admin):
        raise ValidationError(_("This person's account holds back-office roles; only a platform administrator may "
                                "erase it."))


# --- export ----------------------------------------------------------------------------------------------------

EXPORT_FORMAT = "filiera-personal-data/1"
# Values that change without anyone changing the person's data (signing in, using a token, the weekly digest being
# sent): exported, but left out of the digest, so that an export stays good for the erasure that follows it.
VOLATILE_KEYS = frozenset({"last_login", "last_used_at", "last_sent_at"})


@dataclass
class Subject:
    """Whose data: a person (a contact of an organisation), their user account, or both."""

    person: Person | None
    user: object | None

    @classmethod
    def of_person(cls, person: Person) -> Subject:
        # As stored: an instance changed in memory and not saved would export what is not there.
        person = Person.objects.select_related("organisation", "user").get(pk=person.pk)
        return cls(person=person, user=person.user)

    @classmethod
    def of_user(cls, user) -> Subject:
        return cls(person=Person.objects.filter(user=user).select_related("organisation").first(), user=user)

    @property
    def emails(self) -> set[str]:
        found = {self.person.email if self.person else "", self.user.email if self.user else ""}
        return {e.strip().lower() for e in found if e and e.strip()}

    @property
    def voter(self) -> str | None:
        return f"user:{self.user.pk}" if self.user else None


def _at(value) -> str | None:
    """A moment in UTC: the same text whether it was read back from the database or is still in memory."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = value.astimezone(datetime.UTC)
    return value.isoformat()


def _registrations(subject: Subject) -> QuerySet:
    from filiera.events.models import Registration

    q = Q(pk__in=[])
    if subject.user is not None:
        q |= Q(user=subject.user)
    for email in subject.emails:
        q |= Q(email__iexact=email)
    return Registration.objects.filter(q).select_related("event").order_by("pk")


def _participants(registration_ids) -> QuerySet:
    from filiera.events.models import Participant

    return Participant.objects.filter(registration_id__in=registration_ids).select_related("event").order_by("pk")


def _about_records(subject: Subject, registration_ids, participant_ids) -> list[tuple[str, str]]:
    """The audit log's (model, object id) of the records that are about the subject."""
    about = []
    if subject.person is not None:
        about.append(("directory.person", str(subject.person.pk)))
        about += [("privacy.consentrecord", str(pk)) for pk in
                  ConsentRecord.objects.filter(person=subject.person).values_list("pk", flat=True)]
    if subject.user is not None:
        about.append(("core.user", str(subject.user.pk)))
    about += [("events.registration", str(pk)) for pk in registration_ids]
    about += [("events.participant", str(pk)) for pk in participant_ids]
    if participant_ids:
        # their free text (a request's message, a follow-up's note) goes, and so does its history
        from filiera.events.models import FollowUp, MeetingRequest

        about += [("events.meetingrequest", str(pk)) for pk in
                  MeetingRequest.objects.filter(sender_id__in=participant_ids).values_list("pk", flat=True)]
        about += [("events.followup", str(pk)) for pk in
                  FollowUp.objects.filter(participant_id__in=participant_ids).values_list("pk", flat=True)]
    return about


def _about_filter(about) -> Q:
    q = Q(pk__in=[])
    for model, object_id in about:
        q |= Q(model=model, object_id=object_id)
    return q


def collect(subject: Subject) -> dict[str, object]:
    """Everything Filiera holds about the subject, as {file name: JSON-able data}, in a stable order."""
    from filiera.challenges.models import Need, Solution, Vote
    from filiera.events.models import FollowUp, Meeting, MeetingRequest
    from filiera.matching.models import DigestSubscription
    from filiera.projects.models import ExpressionOfInterest

    person, user = subject.person, subject.user
    data: dict[str, object] = {}
    data["person.json"] = None if person is None else {
        "id": person.pk, "organisation": {"id": person.organisation_id, "name": person.organisation.name},
        "first_name": person.first_name, "last_name": person.last_name, "email": person.email,
        "phone": person.phone, "job_title": person.job_title, "language": person.language,
        "is_representative": person.is_representative, "consent_directory_at": _at(person.consent_directory_at),
        "consent_newsletter_at": _at(person.consent_newsletter_at), "created_at": _at(person.created_at),
        "updated_at": _at(person.updated_at),
    }
    if user is None:
        data["account.json"] = None
    else:
        subscription = DigestSubscription.objects.filter(user=user).first()
        data["account.json"] = {
            "id": user.pk, "username": user.get_username(), "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "language": user.language,
            "is_active": user.is_active, "date_joined": _at(user.date_joined), "last_login": _at(user.last_login),
            "cluster_roles": [{"cluster": c, "role": r} for c, r in ClusterRole.objects.filter(user=user)
                              .order_by("cluster__slug").values_list("cluster__slug", "role")],
            "network_roles": list(NetworkRole.objects.filter(user=user).order_by("network__slug")
                                  .values_list("network__slug", flat=True)),
            "api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": _at(t.created_at),
                            "expires_at": _at(t.expires_at), "last_used_at": _at(t.last_used_at)}
                           for t in ApiToken.objects.filter(user=user).order_by("pk")],
            "digest_subscription": None if subscription is None else {
                "active": subscription.active, "subscribed_at": _at(subscription.subscribed_at),
                "unsubscribed_at": _at(subscription.unsubscribed_at), "last_sent_at": _at(subscription.last_sent_at)},
            "followed_partner_searches": sorted(user.followed_searches.values_list("pk", flat=True)),
        }
    data["consents.json"] = [] if person is None else [
        {"purpose": r.purpose, "given": r.given, "at": _at(r.at), "source": r.source, "note": r.note,
         "recorded_by": r.recorded_by.get_username() if r.recorded_by_id else None}
        for r in ConsentRecord.objects.filter(person=person).select_related("recorded_by").order_by("at", "pk")
    ]
    registrations = list(_registrations(subject))
    registration_ids = [r.pk for r in registrations]
    participants = list(_participants(registration_ids))
    participant_ids = [p.pk for p in participants]
    data["registrations.json"] = [
        {"id": r.pk, "event": {"id": r.event_id, "title": r.event.title, "starts_at": _at(r.event.starts_at)},
         "name": r.name, "email": r.email, "organisation_name": r.organisation_name, "language": r.language,
         "status": r.status, "answers": r.answers, "created_at": _at(r.created_at),
         "status_changed_at": _at(r.status_changed_at), "checked_in_at": _at(r.checked_in_at)}
        for r in registrations
    ]
    meetings = (Meeting.objects.filter(participants__in=participant_ids).distinct()
                .select_related("slot", "table").prefetch_related("participants__organisation").order_by("pk"))
    data["meetings.json"] = {
        "brokerage_profiles": [
            {"id": p.pk, "event": p.event_id, "registration": p.registration_id, "offers": p.offers,
             "looks_for": p.looks_for, "max_meetings": p.max_meetings, "created_at": _at(p.created_at)}
            for p in participants],
        "meetings": [
            {"id": m.pk, "event": m.event_id, "mode": m.mode, "starts_at": _at(m.slot.starts_at) if m.slot else None,
             "table": m.table.name if m.table else None,
             # the other side by organisation only: their names are their own personal data
             "organisations": sorted(p.organisation.name for p in m.participants.all() if p.organisation_id)}
            for m in meetings],
        "requests_sent": [
            {"id": r.pk, "event": r.event_id, "to_participant": r.receiver_id, "message": r.message,
             "status": r.status, "created_at": _at(r.created_at), "answered_at": _at(r.answered_at)}
            for r in MeetingRequest.objects.filter(sender_id__in=participant_ids).order_by("pk")],
        "requests_received": [
            {"id": r.pk, "event": r.event_id, "from_participant": r.sender_id, "status": r.status,
             "created_at": _at(r.created_at), "answered_at": _at(r.answered_at)}
            for r in MeetingRequest.objects.filter(receiver_id__in=participant_ids).order_by("pk")],
        "follow_ups": [
            {"meeting": f.meeting_id, "outcome": f.outcome, "note": f.note, "updated_at": _at(f.updated_at)}
            for f in FollowUp.objects.filter(participant_id__in=participant_ids).order_by("pk")],
    }
    data["challenges.json"] = {
        "votes": [] if user is None else [
            {"challenge": v.challenge_id, "theme": v.theme_id, "created_at": _at(v.created_at)}
            for v in Vote.objects.filter(voter=subject.voter).order_by("pk")],
        "solutions_written": [] if user is None else [
            {"id": s.pk, "theme": s.theme_id, "organisation": s.organisation_id, "title": s.title,
             "description": s.description, "status": s.status, "created_at": _at(s.created_at)}
            for s in Solution.objects.filter(author=user).order_by("pk")],
        "needs_entered": [] if user is None else [
            {"id": n.pk, "challenge": n.challenge_id, "created_at": _at(n.created_at)}
            for n in Need.objects.filter(entered_by=user).order_by("pk")],
    }
    data["projects.json"] = {
        "expressions_of_interest": [] if user is None else [
            {"id": e.pk, "partner_search": e.search_id, "organisation": e.organisation_id, "message": e.message,
             "status": e.status, "created_at": _at(e.created_at)}
            for e in ExpressionOfInterest.objects.filter(author=user).order_by("pk")],
        "opportunities_written": [] if user is None else [
            {"id": o.pk, "organisation": o.organisation_id, "title": o.title, "status": o.status,
             "created_at": _at(o.created_at)}
            for o in Opportunity.objects.filter(author=user).order_by("pk")],
    }
    about = _about_records(subject, registration_ids, participant_ids)
    data["audit.json"] = [
        {"at": _at(e.at), "by": e.actor_label, "action": e.action, "model": e.model, "object_id": e.object_id,
         "object": e.object_repr, "changes": e.changes}
        for e in AuditEntry.objects.filter(_about_filter(about)).order_by("at", "pk")
    ]
    # What they did: which records, not the values (those are other people's and organisations' data).
    data["activity.json"] = [] if user is None else [
        {"at": _at(at), "action": action, "model": model, "object_id": object_id}
        for at, action, model, object_id in AuditEntry.objects.filter(actor=user).order_by("at", "pk")
        .values_list("at", "action", "model", "object_id")
    ]
    return data


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def digest_of(data: dict) -> str:
    """SHA-256 of the canonical JSON of the data (not of the export's date, nor of the volatile values)."""
    return hashlib.sha256(canonical_json(_without_volatile(data))).hexdigest()


def _zip(data: dict, manifest: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, value in data.items():
            archive.writestr(name, json.dumps(value, indent=2, ensure_ascii=False, default=str))
    return buffer.getvalue()


def _export(subject: Subject) -> tuple[bytes, str]:
    data = collect(subject)
    digest = digest_of(data)
    manifest = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "person_id": subject.person.pk if subject.person else None,
        "user_id": subject.user.pk if subject.user else None,
        "files": list(data),
        "digest": digest,
        "digest_covers": "the canonical JSON (sorted keys, no spaces) of {file name: content} of every file but "
                         "manifest.json, without the keys " + ", ".join(sorted(VOLATILE_KEYS)),
    }
    return _zip(data, manifest), digest


def export_person(person: Person) -> tuple[bytes, str]:
    """A ZIP of JSON files with everything about the person (and their account), and its digest."""
    return _export(Subject.of_person(person))


def export_account(user) -> tuple[bytes, str]:
    """A user's own export: their account and, when they are a contact of an organisation, that person."""
    return _export(Subject.of_user(user))


def export_for(viewer: Viewer, person: Person) -> tuple[bytes, str]:
    if not manages_personal_data(viewer, person):
        raise PermissionDenied
    return export_person(person)


def export_filename(person: Person | None, user=None) -> str:
    stamp = timezone.localdate().isoformat()
    if person is not None:
        return f"filiera-personal-data-person-{person.pk}-{stamp}.zip"
    return f"filiera-personal-data-user-{user.pk}-{stamp}.zip"


# --- erasure ---------------------------------------------------------------------------------------------------

ERASED = "[erased]"
ERASED_NAME = "Erased person"
# Fields of records about the person whose values, old and new, are blanked from the audit log.
PERSONAL_FIELDS = frozenset({
    "first_name", "last_name", "email", "phone", "job_title", "username", "name", "answers", "message", "note",
    "offers", "looks_for", "person_label",
})


def _scrub_text(text: str, pattern: re.Pattern | None) -> str:
    return pattern.sub(ERASED, text) if pattern is not None and isinstance(text, str) else text


def _scrub_value(value, pattern):
    if isinstance(value, str):
        return _scrub_text(value, pattern)
    if isinstance(value, list):
        return [_scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, pattern) for k, v in value.items()}
    return value


def _scrub_audit(subject: Subject, identifiers: list[str], about, old_username: str | None) -> int:
    """Take the person's name, addresses and phone out of the audit log: every value of a personal field in entries
    about their records, and any mention of them elsewhere. Returns the number of entries changed."""
    identifiers = sorted({i for i in identifiers if i and len(i.strip()) >= 3}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(i) for i in identifiers), re.IGNORECASE) if identifiers else None
    about_set = set(about)
    candidates = _about_filter(about)
    for text in identifiers:
        escaped = json.dumps(text)[1:-1]  # how a JSON column may store it (non-ASCII as \u escapes)
        candidates |= Q(object_repr__icontains=text) | Q(changes__icontains=text) | Q(changes__icontains=escaped)
    changed = 0
    for entry in AuditEntry.objects.filter(candidates).iterator():
        is_about = (entry.model, entry.object_id) in about_set
        changes = {}
        for name, values in entry.changes.items():
            if is_about and name in PERSONAL_FIELDS:
                changes[name] = [ERASED if v not in (None, "", {}, []) else v for v in values] \
                    if isinstance(values, list) else ERASED
            else:
                changes[name] = _scrub_value(values, pattern)
        object_repr = _scrub_text(entry.object_repr, pattern)
        if changes != entry.changes or object_repr != entry.object_repr:
            entry.changes, entry.object_repr = changes, object_repr
            entry.save(update_fields=["changes", "object_repr"])
            changed += 1
    if subject.user is not None:
        labels = Q(actor=subject.user) | (Q(actor_label=old_username) if old_username else Q(pk__in=[]))
        AuditEntry.objects.filter(labels).update(actor_label=f"erased-{subject.user.pk}")
    return changed


def _erase(subject: Subject, *, export_digest: str | None, by, reason: str) -> Erasure:
    """`export_digest` None: no export to check against (the retention run, which keeps none)."""
    from filiera.challenges.models import Vote
    from filiera.events.models import FollowUp, MeetingRequest
    from filiera.matching.models import DigestSubscription

    current = digest_of(collect(subject))
    if export_digest is not None and export_digest.strip().lower() != current:
        raise ValidationError(_("The data changed since your export (or the digest is not that of the export): "
                                "export again, then erase with the new export's digest."))
    person, user = subject.person, subject.user
    person_ref = person.pk if person is not None else None
    organisation_id = person.organisation_id if person is not None else None
    registrations = list(_registrations(subject))
    registration_ids = [r.pk for r in registrations]
    participants = list(_participants(registration_ids))
    participant_ids = [p.pk for p in participants]
    about = _about_records(subject, registration_ids, participant_ids)
    identifiers = [*subject.emails]
    if person is not None:
        identifiers += [str(person), f"{person.last_name} {person.first_name}", person.phone]
    if user is not None:
        # Not the user name: a common word ("admin", "anna") would blank unrelated entries; the entries they made
        # lose it through their actor label.
        identifiers.append(user.get_full_name())
    identifiers += [r.name for r in registrations]
    counts: dict[str, int] = {}

    for registration in registrations:
        registration.name = ERASED_NAME
        registration.email = f"erased-{registration.pk}@erased.invalid"
        registration.answers = {}
        registration.save()
    counts["registrations_anonymised"] = len(registrations)
    for participant in participants:
        participant.offers = participant.looks_for = ""
        participant.save()
    counts["brokerage_profiles_anonymised"] = len(participants)
    requests = list(MeetingRequest.objects.filter(sender_id__in=participant_ids).exclude(message=""))
    for request in requests:
        request.message = ""
        request.save()
    counts["meeting_request_messages_erased"] = len(requests)
    follow_ups = list(FollowUp.objects.filter(participant_id__in=participant_ids).exclude(note=""))
    for follow_up in follow_ups:
        follow_up.note = ""
        follow_up.save()
    counts["follow_up_notes_erased"] = len(follow_ups)

    if user is not None:
        # One new anonymous voter for the whole ballot: the themes keep their votes and the voter count stays.
        counts["votes_anonymised"] = Vote.objects.filter(voter=subject.voter).update(
            voter=f"erased:{secrets.token_hex(8)}")
        counts["api_tokens_deleted"] = ApiToken.objects.filter(user=user).delete()[0]
        counts["roles_removed"] = (ClusterRole.objects.filter(user=user).delete()[0]
                                   + NetworkRole.objects.filter(user=user).delete()[0])
        counts["digest_subscriptions_deleted"] = DigestSubscription.objects.filter(user=user).delete()[0]
        user.followed_searches.clear()
        old_username = user.get_username()
        user.username = f"erased-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        counts["accounts_anonymised"] = 1
    else:
        old_username = None

    if person is not None:
        counts["consent_records_kept"] = ConsentRecord.objects.filter(person=person).update(person_label="")
        # Nothing refers to a person but their consent records (which keep the id): the row goes.
        person.delete()
        counts["people_deleted"] = 1
    counts["audit_entries_scrubbed"] = _scrub_audit(subject, identifiers, about, old_username)
    return Erasure.objects.create(
        person_ref=person_ref, user_ref=user.pk if user is not None else None, organisation_id=organisation_id,
        requested_by_id=by.pk if by is not None and getattr(by, "pk", None) else None,
        reason=reason, export_digest=current, counts=counts,
    )


@transaction.atomic
def erase_person(person: Person, *, export_digest: str | None, by=None,
                 reason: str = Erasure.Reason.REQUEST) -> Erasure:
    """Erase a person (and their account) if their data is still what the export with this digest holds;
    a ValidationError otherwise (None: no export to check, for the retention run). No permission check: see
    erase_for."""
    # Whoever erases at the same time waits here, and then finds the person gone.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    subject = Subject.of_person(person)
    _check_erasable_account(None if by is None else _viewer(by), subject.user)
    return _erase(subject, export_digest=export_digest, by=by, reason=reason)


def _viewer(user) -> Viewer:
    from filiera.core.access import viewer_for

    return viewer_for(user)


def erase_for(viewer: Viewer, person: Person, *, export_digest: str, by) -> Erasure:
    if not manages_personal_data(viewer, person):
        raise PermissionDenied
    return erase_person(person, export_digest=export_digest, by=by)


@transaction.atomic
def erase_account(user, *, export_digest: str) -> Erasure:
    """A signed-in user erases their own account (and the person they are, if they are a contact)."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    _check_erasable_account(_viewer(user), user)
    return _erase(Subject.of_user(user), export_digest=export_digest, by=user, reason=Erasure.Reason.REQUEST)


# --- retention -------------------------------------------------------------------------------------------------

ENDED_STATUSES = (Membership.Status.LAPSED, Membership.Status.LEFT, Membership.Status.REJECTED)


def _months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return _months_before(now or timezone.now(), settings.FILIERA_RETENTION_MONTHS)


def due_for_erasure(*, cluster: Cluster | None = None, now: datetime.datetime | None = None) -> QuerySet:
    """People of organisations whose every membership is lapsed, left or rejected and ended more than
    FILIERA_RETENTION_MONTHS ago (its end date, or its last change when it has none). Organisations that never had
    a membership (project partners, imported records) are not members' data and are left alone; so are accounts
    with back-office roles, which a platform admin handles. `cluster`: only the organisations it had as members."""
    cutoff = retention_cutoff(now)
    still_held = Membership.objects.filter(
        ~Q(status__in=ENDED_STATUSES)
        | Q(ended_on__gt=cutoff.date())
        | Q(ended_on__isnull=True, updated_at__gt=cutoff)
    ).values("organisation_id")
    role_holders = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(cluster_roles__isnull=False) | Q(network_roles__isnull=False)).values("pk")
    members = Membership.objects.all() if cluster is None else Membership.objects.filter(cluster=cluster)
    return (Person.objects.filter(organisation_id__in=members.values("organisation_id"))
            .exclude(organisation_id__in=still_held)
            .exclude(user_id__in=role_holders)
            .select_related("organisation", "user").order_by("organisation__name", "last_name", "first_name", "pk"))


@dataclass
class RetentionRun:
    due: int = 0
    erased: list[int] = field(default_factory=list)  # erasure ids
    dry_run: bool = False


def apply_retention(*, dry_run: bool = False, now: datetime.datetime | None = None) -> RetentionRun:
    """Erase everyone due, platform-wide, each in its own transaction. The export made just before each erasure is
    not kept: the retention period being over is the reason the data goes, and a copy would outlive it; its digest
    is in the Erasure log."""
    people = list(due_for_erasure(now=now))
    run = RetentionRun(due=len(people), dry_run=dry_run)
    if dry_run:
        return run
    for person in people:
        run.erased.append(erase_person(person, export_digest=None, reason=Erasure.Reason.RETENTION).pk)
    return run


def erasable_due(viewer: Viewer, cluster: Cluster) -> tuple[list[Person], list[Person]]:
    """The cluster's people due for erasure, split into those the viewer may erase now and the others (whose
    membership here ended in a departure or a rejection: the weekly retention run erases them)."""
    due = list(due_for_erasure(cluster=cluster))
    mine = set(Membership.objects.filter(
        organisation_id__in={p.organisation_id for p in due}, cluster_id__in=viewer.staff_cluster_ids,
        status__in=live_statuses()).values_list("organisation_id", flat=True))
    if viewer.is_admin:
        return due, []
    return [p for p in due if p.organisation_id in mine], [p for p in due if p.organisation_id not in mine]


def export_many(people: list[Person]) -> tuple[bytes, str]:
    """One ZIP holding each person's export (person-<id>.zip) and a manifest; the digest covers them all in order."""
    entries = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for person in people:
            content, digest = export_person(person)
            archive.writestr(f"person-{person.pk}.zip", content)
            entries.append({"person_id": person.pk, "digest": digest})
        digest = bundle_digest(entries)
        archive.writestr("manifest.json", json.dumps({
            "format": EXPORT_FORMAT, "generated_at": timezone.now().isoformat(), "people": entries, "digest": digest,
        }, indent=2))
    return buffer.getvalue(), digest


def bundle_digest(entries: list[dict]) -> str:
    return hashlib.sha256(canonical_json(entries)).hexdigest()


def erase_many(viewer: Viewer, people: list[Person], *, export_digest: str, by) -> list[Erasure]:
    """Erase these people if their exports' combined digest is still `export_digest` (all or none)."""
    for person in people:
        if not manages_personal_data(viewer, person):
            raise PermissionDenied
    with transaction.atomic():
        entries = [{"person_id": p.pk, "digest": digest_of(collect(Subject.of_person(p)))} for p in people]
        if (export_digest or "").strip().lower() != bundle_digest(entries):
            raise ValidationError(_("The data changed since your export (or the digest is not that of the export): "
                                    "export again, then erase with the new export's digest."))
        return [erase_person(p, export_digest=e["digest"], by=by) for p, e in zip(people, entries, strict=True)]
