"""The privacy services: consents through every path, the export, the digest, erasure and retention."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from filiera.challenges.models import Vote
from filiera.core.access import viewer_for
from filiera.core.models import ApiToken, AuditEntry, ClusterRole, User
from filiera.core.services import create_api_token
from filiera.directory import services as directory
from filiera.directory.models import Membership, Organisation, Person
from filiera.events.models import FollowUp, Meeting, MeetingRequest, Participant, Registration
from filiera.privacy import services
from filiera.privacy.models import ConsentRecord, Erasure
from tests.conftest import make_member, make_user
from tests.privacy.conftest import EMAIL, unzip

# --- consents ----------------------------------------------------------------------------------------------------


def test_giving_and_withdrawing_through_save_person_writes_dated_records(org_a, member, staff):
    viewer = viewer_for(staff)
    person = directory.save_person(viewer, org_a, {"first_name": "Ada", "last_name": "Bo"}, consent_directory=True)
    given_at = person.consent_directory_at
    assert given_at is not None and person.consent_newsletter_at is None
    # giving it again keeps the first date and records nothing
    directory.save_person(viewer, org_a, {"job_title": "CEO"}, person=person, consent_directory=True)
    person.refresh_from_db()
    assert person.consent_directory_at == given_at
    directory.save_person(viewer_for(member), org_a, {}, person=person, consent_directory=False,
                          consent_newsletter=True)
    person.refresh_from_db()
    assert person.consent_directory_at is None and person.consent_newsletter_at is not None
    records = list(ConsentRecord.objects.filter(person=person).order_by("pk"))
    assert [(r.purpose, r.given, r.source, r.recorded_by_id) for r in records] == [
        ("directory", True, "staff", staff.pk), ("directory", False, "staff", member.pk),
        ("newsletter", True, "staff", member.pk)]
    assert records[0].at == given_at and records[2].at == person.consent_newsletter_at
    assert records[0].person_ref == person.pk and records[0].person_label == "Ada Bo"
    assert records[0].organisation_id == org_a.pk


def test_a_person_changing_their_own_consent_is_recorded_as_self(org_a, member):
    person = Person.objects.get(user=member)
    directory.save_person(viewer_for(member), org_a, {}, person=person, consent_newsletter=True)
    assert ConsentRecord.objects.get(person=person).source == ConsentRecord.Source.SELF


def test_registration_form_records_consents_from_the_form(cluster_a):
    user = directory.register_applicant(
        cluster=cluster_a, organisation_data={"name": "Nuova Srl", "kind": "sme", "country": "IT"},
        person_data={"first_name": "Nina", "last_name": "Neri", "email": "nina@nuova.example",
                     "consent_directory": True, "consent_newsletter": False},
        username="nina", password="a-long-password-42")
    person = Person.objects.get(user=user)
    record = ConsentRecord.objects.get(person=person)
    assert (record.purpose, record.given, record.source, record.recorded_by_id) == ("directory", True, "form", user.pk)
    assert record.at == person.consent_directory_at and person.consent_newsletter_at is None


def test_change_consent_checks_who_asks(contact, member, outsider, contact_user):
    with pytest.raises(PermissionDenied):
        services.change_consent(viewer_for(outsider), contact, "newsletter", True)
    services.change_consent(viewer_for(contact_user), contact, "newsletter", True, note="at the fair")
    services.change_consent(viewer_for(member), contact, "directory", False)
    contact.refresh_from_db()
    assert contact.consent_newsletter_at is not None and contact.consent_directory_at is None
    latest = list(services.consent_history(contact))
    assert [(r.purpose, r.given, r.source) for r in latest] == [
        ("directory", False, "staff"), ("newsletter", True, "self"), ("directory", True, "staff")]
    with pytest.raises(ValidationError):
        services.record_consents(contact, {"telepathy": True}, source="staff")


def test_the_demo_records_consents_with_their_dates(db):
    from filiera.demo import loader
    from filiera.demo.generator import build_plan

    plan = build_plan(timezone.localdate())
    plan.organisations = [o for o in plan.organisations if any(p.consent_newsletter_at for p in o.people)][:3]
    concepts, chains = loader.load_vocabulary()
    loader._organisations(plan, loader._clusters(chains), concepts, chains, users={})
    specs = [p for o in plan.organisations for p in o.people]
    assert specs and ConsentRecord.objects.count() == sum(
        (p.consent_directory_at is not None) + (p.consent_newsletter_at is not None) for p in specs)
    for spec in specs:
        person = Person.objects.get(email=spec.email, last_name=spec.last_name)
        for purpose, at in (("directory", spec.consent_directory_at), ("newsletter", spec.consent_newsletter_at)):
            records = list(ConsentRecord.objects.filter(person=person, purpose=purpose))
            assert [(r.given, r.source, r.at) for r in records] == ([(True, "import", loader._aware(at))] if at
                                                                    else [])
            assert getattr(person, services.CONSENT_FIELDS[purpose]) == loader._aware(at)


# --- export ------------------------------------------------------------------------------------------------------


def test_export_holds_everything_about_the_person(contact, trail, contact_user):
    content, digest = services.export_person(contact)
    files = unzip(content)
    assert set(files) == {"manifest.json", "person.json", "account.json", "consents.json", "registrations.json",
                          "meetings.json", "challenges.json", "projects.json", "audit.json", "activity.json"}
    assert files["manifest.json"]["digest"] == digest and len(digest) == 64
    assert files["person.json"]["email"] == EMAIL and files["person.json"]["phone"] == "+39 051 555 0101"
    assert files["account.json"]["username"] == "giulia"
    assert [(c["purpose"], c["given"], c["at"][:10]) for c in files["consents.json"]] == [
        ("directory", True, "2024-02-01")]
    # the registration made with the address in capitals is found too; Lars's is not
    assert [r["name"] for r in files["registrations.json"]] == ["Giulia Verdi"]
    assert files["registrations.json"][0]["answers"] == {"1": "I need vegetarian food"}
    meetings = files["meetings.json"]
    assert meetings["requests_sent"][0]["message"] == "Call me on +39 051 555 0101"
    assert [f["note"] for f in meetings["follow_ups"]] == ["Giulia to send the specs"]
    assert meetings["meetings"][0]["organisations"] == ["MedSense Srl", "Velfærd Robotics ApS"]
    assert "Lars" not in str(meetings)  # the other side's names are theirs
    assert len(files["challenges.json"]["votes"]) == 2
    assert {(e["model"], e["action"]) for e in files["audit.json"]} >= {
        ("directory.person", "create"), ("privacy.consentrecord", "create"), ("events.registration", "create")}


def test_digest_is_stable_and_follows_the_data(contact, trail, contact_user):
    _content, first = services.export_person(contact)
    # a sign-in or a token in use change nothing that the digest covers
    contact_user.last_login = timezone.now()
    contact_user.save()
    contact.refresh_from_db()
    assert services.export_person(contact)[1] == first
    contact.job_title = "CEO"
    contact.save()
    assert services.export_person(contact)[1] != first


def test_account_export_of_a_user_without_person(staff):
    content, digest = services.export_account(staff)
    files = unzip(content)
    assert files["person.json"] is None and files["account.json"]["cluster_roles"] == [
        {"cluster": "alpha", "role": "staff"}]
    assert files["manifest.json"]["digest"] == digest


# --- erasure -----------------------------------------------------------------------------------------------------


def test_erasure_is_refused_when_the_data_changed_since_the_export(contact, trail, staff):
    _content, digest = services.export_person(contact)
    Registration.objects.filter(pk=trail["registration"].pk).update(organisation_name="Renamed")
    with pytest.raises(ValidationError, match="export again"):
        services.erase_for(viewer_for(staff), contact, export_digest=digest, by=staff)
    assert Person.objects.filter(pk=contact.pk).exists() and not Erasure.objects.exists()
    with pytest.raises(ValidationError):
        services.erase_for(viewer_for(staff), contact, export_digest="", by=staff)


def test_erasure_anonymises_and_keeps_the_counts(contact, trail, contact_user, staff, other_attendee):
    create_api_token(contact_user, "crm")
    _content, digest = services.export_person(contact)
    person_pk, user_pk = contact.pk, contact_user.pk
    voters_before = Vote.objects.filter(challenge=trail["challenge"]).values("voter").distinct().count()
    erasure = services.erase_for(viewer_for(staff), contact, export_digest=digest, by=staff)

    assert not Person.objects.filter(pk=person_pk).exists()
    user = User.objects.get(pk=user_pk)
    assert (user.username, user.email, user.first_name, user.is_active, user.has_usable_password()) == (
        f"erased-{user_pk}", "", "", False, False)
    assert not ApiToken.objects.filter(user=user).exists()
    # rows kept for the statistics, without name, address or free text
    registration = Registration.objects.get(pk=trail["registration"].pk)
    assert registration.name == services.ERASED_NAME and registration.email.endswith("@erased.invalid")
    assert registration.answers == {} and registration.organisation_id == contact.organisation_id
    participant = Participant.objects.get(pk=trail["participant"].pk)
    assert participant.offers == participant.looks_for == ""
    assert MeetingRequest.objects.get(sender=participant).message == ""
    assert FollowUp.objects.get(participant=participant).note == ""
    assert FollowUp.objects.get(participant=trail["his"]).note == "Signed"  # Lars's is his
    assert Meeting.objects.count() == 1 and Registration.objects.count() == 2
    assert Vote.objects.filter(challenge=trail["challenge"]).count() == 3
    assert Vote.objects.filter(challenge=trail["challenge"]).values("voter").distinct().count() == voters_before
    assert not Vote.objects.filter(voter=f"user:{user_pk}").exists()
    # consent records stay, without the name
    record = ConsentRecord.objects.get(person_ref=person_pk)
    assert record.person_id is None and record.person_label == ""
    # the audit log no longer knows her name, address, phone or user name
    text = str(list(AuditEntry.objects.values_list("object_repr", "changes", "actor_label")))
    for secret in ("Giulia", "Verdi", EMAIL, EMAIL.upper(), "555 0101", "'giulia'", "vegetarian"):
        assert secret.lower() not in text.lower(), secret
    assert "Lars Nielsen" in text  # only hers
    # the erasure is logged, without personal data, and audited
    assert (erasure.person_ref, erasure.user_ref, erasure.requested_by, erasure.export_digest) == (
        person_pk, user_pk, staff, digest)
    assert erasure.counts["registrations_anonymised"] == 1 and erasure.counts["votes_anonymised"] == 2
    assert AuditEntry.objects.filter(model="privacy.erasure", object_id=str(erasure.pk), action="create").exists()


def test_who_may_export_and_erase(contact, staff, manager, admin, member, observer, outsider, contact_user):
    allowed = [staff, manager, admin, contact_user]
    for user in allowed:
        assert services.manages_personal_data(viewer_for(user), contact), user
    for user in (member, observer, outsider):
        assert not services.manages_personal_data(viewer_for(user), contact), user
        with pytest.raises(PermissionDenied):
            services.export_for(viewer_for(user), contact)


def test_staff_may_not_erase_a_back_office_account(org_a, staff, admin, cluster_a):
    colleague = make_member("colleague", org_a)
    ClusterRole.objects.create(user=colleague, cluster=cluster_a, role=ClusterRole.Role.OBSERVER)
    person = Person.objects.get(user=colleague)
    _content, digest = services.export_person(person)
    with pytest.raises(ValidationError, match="platform administrator"):
        services.erase_for(viewer_for(staff), person, export_digest=digest, by=staff)
    services.erase_for(viewer_for(admin), person, export_digest=digest, by=admin)
    assert not ClusterRole.objects.filter(user=colleague).exists()


def test_a_user_erases_their_own_account(contact, contact_user, trail):
    _content, digest = services.export_account(contact_user)
    erasure = services.erase_account(contact_user, export_digest=digest)
    assert erasure.requested_by_id == contact_user.pk and not Person.objects.filter(pk=contact.pk).exists()
    assert not User.objects.get(pk=contact_user.pk).is_active


def test_an_admin_account_is_not_erased(admin):
    _content, digest = services.export_account(admin)
    with pytest.raises(ValidationError, match="administrator"):
        services.erase_account(admin, export_digest=digest)


# --- retention ---------------------------------------------------------------------------------------------------


def _org(slug: str, *memberships) -> Person:
    org = Organisation.objects.create(slug=slug, name=slug.title(), country="IT")
    for cluster, status, ended_on in memberships:
        Membership.objects.create(organisation=org, cluster=cluster, status=status, ended_on=ended_on)
    return Person.objects.create(organisation=org, first_name="P", last_name=slug, email=f"{slug}@example.org")


def test_retention_picks_exactly_the_people_due(settings, cluster_a, cluster_b, org_a, member):
    settings.FILIERA_RETENTION_MONTHS = 24
    today = timezone.localdate()
    long_ago, lately = today - datetime.timedelta(days=800), today - datetime.timedelta(days=300)
    S = Membership.Status
    left_long_ago = _org("gone", (cluster_a, S.LEFT, long_ago), (cluster_b, S.REJECTED, long_ago))
    lapsed_long_ago = _org("lapsed", (cluster_a, S.LAPSED, long_ago))
    _org("recent", (cluster_a, S.LEFT, lately))
    _org("partly", (cluster_a, S.LEFT, long_ago), (cluster_b, S.ACTIVE, None))
    _org("never")  # no membership: not a member's data
    undated = _org("undated", (cluster_a, S.REJECTED, None))  # no end date: its last change counts
    Membership.objects.filter(organisation=undated.organisation).update(
        updated_at=timezone.now() - datetime.timedelta(days=800))
    _org("undated-recent", (cluster_b, S.REJECTED, None))
    role_holder = _org("role", (cluster_a, S.LEFT, long_ago))
    role_holder.user = make_user("roleholder")
    role_holder.save()
    ClusterRole.objects.create(user=role_holder.user, cluster=cluster_b, role=ClusterRole.Role.STAFF)

    assert set(services.due_for_erasure()) == {left_long_ago, lapsed_long_ago, undated}
    assert set(services.due_for_erasure(cluster=cluster_b)) == {left_long_ago}
    settings.FILIERA_RETENTION_MONTHS = 36
    assert set(services.due_for_erasure()) == set()

    settings.FILIERA_RETENTION_MONTHS = 24
    assert services.apply_retention(dry_run=True).due == 3 and Person.objects.filter(pk=undated.pk).exists()
    run = services.apply_retention()
    assert len(run.erased) == 3
    assert not Person.objects.filter(pk__in=[left_long_ago.pk, lapsed_long_ago.pk, undated.pk]).exists()
    assert set(Erasure.objects.values_list("reason", flat=True)) == {Erasure.Reason.RETENTION}
    assert Person.objects.filter(user=member).exists()


def test_staff_erase_the_due_people_of_their_cluster_against_one_export(cluster_a, staff, outsider):
    long_ago = timezone.localdate() - datetime.timedelta(days=800)
    lapsed = _org("lapsed", (cluster_a, Membership.Status.LAPSED, long_ago))
    left = _org("left", (cluster_a, Membership.Status.LEFT, long_ago))
    erasable, others = services.erasable_due(viewer_for(staff), cluster_a)
    assert (erasable, others) == ([lapsed], [left])  # staff no longer act for an organisation that left
    _content, digest = services.export_many(erasable)
    lapsed.job_title = "changed"
    lapsed.save()
    with pytest.raises(ValidationError):
        services.erase_many(viewer_for(staff), erasable, export_digest=digest, by=staff)
    _content, digest = services.export_many(erasable)
    with pytest.raises(PermissionDenied):
        services.erase_many(viewer_for(outsider), erasable, export_digest=digest, by=outsider)
    assert len(services.erase_many(viewer_for(staff), erasable, export_digest=digest, by=staff)) == 1
    assert not Person.objects.filter(pk=lapsed.pk).exists() and Person.objects.filter(pk=left.pk).exists()
