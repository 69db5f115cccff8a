"""The directory's use cases (filiera.directory.services): who may act, what changes, what is refused."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from filiera.core.access import viewer_for
from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry, User
from filiera.directory import backoffice, services
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility

pytestmark = pytest.mark.django_db

Status = Membership.Status


def fresh(user: User) -> User:
    """The user as a new request would load it, so its cached Viewer is rebuilt."""
    return User.objects.get(pk=user.pk)


ORG_DATA = {"name": "Ospedale di Prova", "kind": "hospital", "country": "IT", "city": "Parma", "language": "it"}


# --- organisations ---------------------------------------------------------------------------------------------


def test_admin_creates_an_organisation_without_a_cluster(admin, concept, value_chain):
    org = services.create_organisation(viewer_for(admin), ORG_DATA, concepts=[concept], value_chains=[value_chain])
    assert org.slug == "ospedale-di-prova" and org.ref is None
    assert list(org.concepts.all()) == [concept] and list(org.value_chains.all()) == [value_chain]
    assert not org.memberships.exists()


def test_staff_create_an_active_member_of_their_cluster(staff, cluster_a):
    org = services.create_organisation(viewer_for(staff), ORG_DATA, cluster=cluster_a)
    membership = org.memberships.get()
    assert membership.cluster == cluster_a and membership.status == Status.ACTIVE
    assert membership.joined_on == timezone.localdate()


def test_slugs_stay_unique(admin):
    first = services.create_organisation(viewer_for(admin), ORG_DATA)
    second = services.create_organisation(viewer_for(admin), ORG_DATA)
    assert (first.slug, second.slug) == ("ospedale-di-prova", "ospedale-di-prova-2")


@pytest.mark.parametrize("who", ["member", "outsider", "observer", "outsider_member"])
def test_others_cannot_create_organisations_in_cluster_a(request, who, cluster_a):
    viewer = viewer_for(request.getfixturevalue(who))
    with pytest.raises(PermissionDenied):
        services.create_organisation(viewer, ORG_DATA, cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        services.create_organisation(viewer, ORG_DATA)
    assert not Organisation.objects.filter(name="Ospedale di Prova").exists()


def test_create_organisation_validates(admin):
    with pytest.raises(ValidationError) as raised:
        services.create_organisation(viewer_for(admin), {**ORG_DATA, "country": "", "kind": "castle"})
    assert {"country", "kind"} <= set(raised.value.message_dict)


@pytest.mark.parametrize("who", ["member", "staff", "manager", "admin"])
def test_update_organisation_allowed(request, who, org_a, concept):
    user = request.getfixturevalue(who)
    with acting_as(user):
        services.update_organisation(viewer_for(user), org_a, {"city": "Imola"}, concepts=[])
    org = Organisation.objects.get(pk=org_a.pk)
    assert org.city == "Imola" and not org.concepts.exists()
    entry = AuditEntry.objects.get(model="directory.organisation", object_id=str(org.pk), action="update",
                                   changes__has_key="city")
    assert entry.actor == user and entry.changes["city"] == ["Bologna", "Imola"]


@pytest.mark.parametrize("who", ["outsider", "outsider_member", "observer", "applicant_user"])
def test_update_organisation_refused(request, who, org_a):
    with pytest.raises(PermissionDenied):
        services.update_organisation(viewer_for(request.getfixturevalue(who)), org_a, {"city": "Imola"})
    assert Organisation.objects.get(pk=org_a.pk).city == "Bologna"


def test_update_organisation_validates_and_saves_nothing(member, org_a):
    with pytest.raises(ValidationError) as raised:
        services.update_organisation(viewer_for(member), org_a, {"website": "not a url", "city": "Imola"})
    assert "website" in raised.value.message_dict
    assert Organisation.objects.get(pk=org_a.pk).city == "Bologna"


def test_visitor_cannot_update(org_a):
    with pytest.raises(PermissionDenied):
        services.update_organisation(viewer_for(None), org_a, {"city": "Imola"})


# --- memberships -----------------------------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(Status.values, Status.values))


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_membership_transitions_follow_the_table(old, new, staff, org_a, cluster_a):
    membership = Membership.objects.get(organisation=org_a, cluster=cluster_a)
    Membership.objects.filter(pk=membership.pk).update(status=old)
    membership.refresh_from_db()
    on = datetime.date(2025, 6, 30)
    if new in services.TRANSITIONS[old]:
        changed = services.change_membership_status(viewer_for(staff), membership, new, on=on, note="checked")
        assert changed.status == new
        if new == Status.ACTIVE:
            assert changed.ended_on is None
            expected_join = on if old in (Status.LEFT, Status.REJECTED) else datetime.date(2021, 3, 1)
            assert changed.joined_on == expected_join
        else:
            assert changed.ended_on == on
        assert changed.notes.endswith("2025-06-30: checked")
    else:
        with pytest.raises(ValidationError):
            services.change_membership_status(viewer_for(staff), membership, new, on=on)
        assert Membership.objects.get(pk=membership.pk).status == old


def test_transition_table_shape():
    assert services.TRANSITIONS[Status.APPLICANT] == {Status.ACTIVE, Status.REJECTED}
    assert Status.APPLICANT not in set().union(*services.TRANSITIONS.values())  # one only applies, never returns
    assert all(old not in targets for old, targets in services.TRANSITIONS.items())


def test_approving_an_applicant_sets_joined_on(manager, org_applicant, cluster_a):
    membership = Membership.objects.get(organisation=org_applicant)
    approved = services.change_membership_status(viewer_for(manager), membership, Status.ACTIVE)
    assert approved.joined_on == timezone.localdate() and approved.ended_on is None


@pytest.mark.parametrize("who", ["member", "observer", "outsider", "outsider_member", "applicant_user"])
def test_only_the_clusters_staff_change_a_membership(request, who, org_a, cluster_a):
    membership = Membership.objects.get(organisation=org_a, cluster=cluster_a)
    viewer = viewer_for(request.getfixturevalue(who))
    with pytest.raises(PermissionDenied):
        services.change_membership_status(viewer, membership, Status.LAPSED)
    with pytest.raises(PermissionDenied):
        services.update_membership(viewer, membership, fee_tier="small", notes="")
    assert Membership.objects.get(pk=membership.pk).status == Status.ACTIVE


def test_staff_update_fee_tier_and_notes(staff, org_a, cluster_a):
    membership = Membership.objects.get(organisation=org_a, cluster=cluster_a)
    services.update_membership(viewer_for(staff), membership, fee_tier="large", notes="Upgraded")
    assert Membership.objects.get(pk=membership.pk).fee_tier == "large"
    with pytest.raises(ValidationError):
        services.update_membership(viewer_for(staff), membership, fee_tier="platinum", notes="")


def test_apply_for_membership(member, org_a, cluster_b):
    membership = services.apply_for_membership(viewer_for(member), org_a, cluster_b, "Cross-border pilot")
    assert membership.status == Status.APPLICANT and membership.application_message == "Cross-border pilot"
    assert membership.applied_on == timezone.localdate()


def test_apply_refused_where_active_or_applying(member, org_a, cluster_a, cluster_b):
    with pytest.raises(ValidationError):
        services.apply_for_membership(viewer_for(member), org_a, cluster_a)
    services.apply_for_membership(viewer_for(member), org_a, cluster_b)
    with pytest.raises(ValidationError):
        services.apply_for_membership(viewer_for(member), org_a, cluster_b)
    assert Membership.objects.get(organisation=org_a, cluster=cluster_a).status == Status.ACTIVE


def test_apply_again_after_leaving_reopens_the_application(member, org_a, cluster_a):
    Membership.objects.filter(organisation=org_a).update(status=Status.LEFT, ended_on=datetime.date(2024, 1, 1))
    membership = services.apply_for_membership(viewer_for(member), org_a, cluster_a, "We are back")
    assert membership.status == Status.APPLICANT and membership.ended_on is None
    assert Membership.objects.filter(organisation=org_a).count() == 1


@pytest.mark.parametrize("who", ["staff", "outsider", "outsider_member"])
def test_only_representatives_apply(request, who, org_a, cluster_b):
    with pytest.raises(PermissionDenied):
        services.apply_for_membership(viewer_for(request.getfixturevalue(who)), org_a, cluster_b)
    assert not Membership.objects.filter(organisation=org_a, cluster=cluster_b).exists()


# --- registration ----------------------------------------------------------------------------------------------

PERSON_DATA = {
    "first_name": "Elena", "last_name": "Gallo", "email": "elena@prova.example", "job_title": "Director",
    "language": "it", "consent_directory": True, "consent_newsletter": False,
}


def test_register_applicant_creates_user_organisation_person_and_application(cluster_a):
    user = services.register_applicant(
        cluster=cluster_a, organisation_data=ORG_DATA, person_data=PERSON_DATA, username="elena",
        password="Long-enough-pass-2031", message="Hello",
    )
    assert user.check_password("Long-enough-pass-2031") and user.language == "it"
    assert (user.first_name, user.last_name, user.email) == ("Elena", "Gallo", "elena@prova.example")
    person = Person.objects.get(user=user)
    assert person.is_representative and person.job_title == "Director"
    assert person.consent_directory_at is not None and person.consent_newsletter_at is None
    org = person.organisation
    assert org.name == "Ospedale di Prova" and org.verified is False
    membership = org.memberships.get()
    assert (membership.cluster, membership.status, membership.application_message) == (cluster_a, Status.APPLICANT,
                                                                                      "Hello")
    assert viewer_for(fresh(user)).represents(org.pk)


def test_register_applicant_refuses_a_taken_username(cluster_a, member):
    with pytest.raises(ValidationError) as raised:
        services.register_applicant(cluster=cluster_a, organisation_data=ORG_DATA, person_data=PERSON_DATA,
                                    username="Member", password="Long-enough-pass-2031")
    assert "username" in raised.value.message_dict
    assert not Organisation.objects.filter(name="Ospedale di Prova").exists()


def test_register_applicant_creates_nothing_when_a_part_is_invalid(cluster_a):
    with pytest.raises(ValidationError):
        services.register_applicant(cluster=cluster_a, organisation_data=ORG_DATA,
                                    person_data={**PERSON_DATA, "email": "not-an-email"}, username="elena",
                                    password="Long-enough-pass-2031")
    assert not User.objects.filter(username="elena").exists()
    assert not Organisation.objects.filter(name="Ospedale di Prova").exists()


def test_approval_verifies_a_self_registered_organisation(cluster_a, staff):
    user = services.register_applicant(cluster=cluster_a, organisation_data=ORG_DATA, person_data=PERSON_DATA,
                                       username="elena", password="Long-enough-pass-2031")
    membership = Membership.objects.get(organisation__people__user=user)
    services.change_membership_status(viewer_for(staff), membership, Status.ACTIVE)
    assert Organisation.objects.get(pk=membership.organisation_id).verified is True
    assert viewer_for(fresh(user)).member_cluster_ids == {cluster_a.pk}


# --- people ----------------------------------------------------------------------------------------------------


def test_save_person_sets_keeps_and_clears_consent_dates(member, org_a):
    viewer = viewer_for(member)
    data = {"first_name": "Sara", "last_name": "Conti", "email": "sara@medsense.example"}
    person = services.save_person(viewer, org_a, data, consent_directory=True, consent_newsletter=False)
    assert person.consent_directory_at is not None and person.consent_newsletter_at is None
    given = person.consent_directory_at

    person = services.save_person(viewer, org_a, data, person=person, consent_directory=True,
                                  consent_newsletter=True)
    assert person.consent_directory_at == given  # still consenting: the original moment stays
    assert person.consent_newsletter_at is not None

    person = services.save_person(viewer, org_a, data, person=person)  # None: consents untouched
    assert person.consent_directory_at == given and person.consent_newsletter_at is not None

    person = services.save_person(viewer, org_a, data, person=person, consent_directory=False,
                                  consent_newsletter=False)
    stored = Person.objects.get(pk=person.pk)
    assert stored.consent_directory_at is None and stored.consent_newsletter_at is None


def test_save_person_validates(member, org_a):
    with pytest.raises(ValidationError) as raised:
        services.save_person(viewer_for(member), org_a, {"first_name": "", "last_name": "X", "email": "nope"})
    assert {"first_name", "email"} <= set(raised.value.message_dict)


@pytest.mark.parametrize("who", ["outsider", "outsider_member", "observer"])
def test_outsiders_cannot_manage_people(request, who, org_a, member):
    viewer = viewer_for(request.getfixturevalue(who))
    with pytest.raises(PermissionDenied):
        services.save_person(viewer, org_a, {"first_name": "Eve", "last_name": "Intruder"})
    with pytest.raises(PermissionDenied):
        services.delete_person(viewer, Person.objects.get(user=member))
    assert org_a.people.count() == 1


def test_person_of_another_organisation_is_refused(member, org_a, org_b):
    other = Person.objects.create(organisation=org_b, first_name="Mads", last_name="Holm")
    with pytest.raises(PermissionDenied):
        services.save_person(viewer_for(member), org_a, {"first_name": "Changed"}, person=other)
    assert Person.objects.get(pk=other.pk).first_name == "Mads"


def test_representatives_cannot_appoint_representatives_but_staff_can(member, staff, admin, org_a):
    contact = Person.objects.create(organisation=org_a, first_name="Sara", last_name="Conti")
    data = {"first_name": "Sara", "last_name": "Conti", "is_representative": True}
    with pytest.raises(PermissionDenied):
        services.save_person(viewer_for(member), org_a, data, person=contact)
    with pytest.raises(PermissionDenied):
        services.save_person(viewer_for(member), org_a, {**data, "first_name": "Nina"})
    # leaving the flag as it is, is fine
    services.save_person(viewer_for(member), org_a, {**data, "is_representative": False, "job_title": "CFO"},
                         person=contact)
    assert viewer_for(staff).can_appoint_representatives(org_a)
    assert viewer_for(admin).can_appoint_representatives(org_a)
    assert not viewer_for(member).can_appoint_representatives(org_a)
    services.save_person(viewer_for(staff), org_a, data, person=contact)
    assert Person.objects.get(pk=contact.pk).is_representative


def test_delete_person_refuses_oneself(member, staff, org_a):
    me = Person.objects.get(user=member)
    with pytest.raises(ValidationError):
        services.delete_person(viewer_for(member), me)
    assert Person.objects.filter(pk=me.pk).exists()
    services.delete_person(viewer_for(staff), me)
    assert not Person.objects.filter(pk=me.pk).exists()


def test_delete_person(member, org_a):
    other = Person.objects.create(organisation=org_a, first_name="Sara", last_name="Conti")
    services.delete_person(viewer_for(member), other)
    assert not Person.objects.filter(pk=other.pk).exists()


# --- opportunities ---------------------------------------------------------------------------------------------

OPPORTUNITY_DATA = {"type": "technology_offer", "title": "Remote rehab kit", "summary": "A kit", "language": "en"}


def test_save_opportunity_defaults_to_the_organisations_first_active_cluster(member, org_a, cluster_a, cluster_b,
                                                                            concept):
    Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Status.ACTIVE,
                              joined_on=datetime.date(2023, 1, 1))
    opportunity = services.save_opportunity(viewer_for(fresh(member)), org_a, OPPORTUNITY_DATA, concepts=[concept],
                                            author=member)
    assert opportunity.cluster == cluster_a  # joined in 2021, before cluster_b
    assert opportunity.author == member and opportunity.status == Opportunity.Status.PUBLISHED
    assert list(opportunity.concepts.all()) == [concept]


def test_save_opportunity_without_an_active_cluster_has_none(applicant_user, org_applicant):
    opportunity = services.save_opportunity(viewer_for(applicant_user), org_applicant, OPPORTUNITY_DATA)
    assert opportunity.cluster is None


def test_save_opportunity_keeps_an_explicit_cluster_of_the_organisation_and_status(member, org_a, cluster_b):
    with pytest.raises(ValidationError) as raised:
        services.save_opportunity(viewer_for(member), org_a, OPPORTUNITY_DATA, cluster=cluster_b)
    assert "cluster" in raised.value.message_dict  # not a member there: not its moderation queue
    Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Status.ACTIVE)
    opportunity = services.save_opportunity(viewer_for(fresh(member)), org_a, {**OPPORTUNITY_DATA, "status": "draft"},
                                            cluster=cluster_b)
    assert opportunity.cluster == cluster_b and opportunity.status == Opportunity.Status.DRAFT


def test_save_opportunity_validates(member, org_a):
    with pytest.raises(ValidationError) as raised:
        services.save_opportunity(viewer_for(member), org_a, {**OPPORTUNITY_DATA, "title": "", "type": "gossip"})
    assert {"title", "type"} <= set(raised.value.message_dict)
    assert not org_a.opportunities.exists()


@pytest.mark.parametrize("who", ["outsider", "outsider_member", "observer"])
def test_outsiders_cannot_post_or_edit_opportunities(request, who, org_a, opportunity_a):
    viewer = viewer_for(request.getfixturevalue(who))
    with pytest.raises(PermissionDenied):
        services.save_opportunity(viewer, org_a, OPPORTUNITY_DATA)
    with pytest.raises(PermissionDenied):
        services.save_opportunity(viewer, org_a, {"title": "Changed"}, opportunity=opportunity_a)
    with pytest.raises(PermissionDenied):
        services.delete_opportunity(viewer, opportunity_a)
    assert Opportunity.objects.get(pk=opportunity_a.pk).title.startswith("Sensore")


def test_hidden_opportunity_is_republished_by_staff_only(member, staff, opportunity_a):
    services.moderate_opportunity(viewer_for(staff), opportunity_a, approve=False, note="Too vague")
    with pytest.raises(ValidationError):
        services.save_opportunity(viewer_for(member), opportunity_a.organisation, {"status": "published"},
                                  opportunity=Opportunity.objects.get(pk=opportunity_a.pk))
    assert Opportunity.objects.get(pk=opportunity_a.pk).status == Opportunity.Status.HIDDEN
    services.save_opportunity(viewer_for(member), opportunity_a.organisation, {"summary": "Clearer now"},
                              opportunity=Opportunity.objects.get(pk=opportunity_a.pk))
    services.save_opportunity(viewer_for(staff), opportunity_a.organisation, {"status": "published"},
                              opportunity=Opportunity.objects.get(pk=opportunity_a.pk))
    stored = Opportunity.objects.get(pk=opportunity_a.pk)
    assert (stored.status, stored.summary) == (Opportunity.Status.PUBLISHED, "Clearer now")


def test_moderate_opportunity_requires_a_note_to_hide(staff, opportunity_a):
    with pytest.raises(ValidationError):
        services.moderate_opportunity(viewer_for(staff), opportunity_a, approve=False, note="   ")
    assert Opportunity.objects.get(pk=opportunity_a.pk).status == Opportunity.Status.PUBLISHED
    hidden = services.moderate_opportunity(viewer_for(staff), opportunity_a, approve=False, note=" Reads as an ad ")
    assert hidden.status == Opportunity.Status.HIDDEN and hidden.moderation_note == "Reads as an ad"
    assert hidden.reviewed_by == staff and hidden.reviewed_at is not None
    approved = services.moderate_opportunity(viewer_for(staff), hidden, approve=True)
    assert approved.status == Opportunity.Status.PUBLISHED and approved.moderation_note == ""


@pytest.mark.parametrize("who", ["member", "outsider", "outsider_member", "observer"])
def test_only_the_clusters_staff_moderate(request, who, opportunity_a):
    with pytest.raises(PermissionDenied):
        services.moderate_opportunity(viewer_for(request.getfixturevalue(who)), opportunity_a, approve=False,
                                      note="No")
    assert Opportunity.objects.get(pk=opportunity_a.pk).status == Opportunity.Status.PUBLISHED


def test_delete_opportunity(member, opportunity_a, private_opportunity_a, staff):
    services.delete_opportunity(viewer_for(member), opportunity_a)
    services.delete_opportunity(viewer_for(staff), private_opportunity_a)
    assert not Opportunity.objects.exists()


def test_visibility_is_validated(member, org_a):
    with pytest.raises(ValidationError):
        services.save_opportunity(viewer_for(member), org_a, {**OPPORTUNITY_DATA, "visibility": "everyone"})
    opportunity = services.save_opportunity(viewer_for(member), org_a,
                                            {**OPPORTUNITY_DATA, "visibility": Visibility.NETWORK})
    assert opportunity.visibility == Visibility.NETWORK


# --- publication date (what the digest counts as new) ----------------------------------------------------------


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def stored_with(opportunity: Opportunity, **values) -> Opportunity:
    """Change the row behind the services' back (to set a past moment), and load it again."""
    Opportunity.objects.filter(pk=opportunity.pk).update(**values)
    return Opportunity.objects.get(pk=opportunity.pk)


def test_creation_as_published_stamps_the_publication(member, org_a):
    before = timezone.now()
    published = services.save_opportunity(viewer_for(member), org_a, OPPORTUNITY_DATA)
    assert before <= Opportunity.objects.get(pk=published.pk).published_at <= timezone.now()
    draft = services.save_opportunity(viewer_for(member), org_a, {**OPPORTUNITY_DATA, "status": "draft"})
    assert Opportunity.objects.get(pk=draft.pk).published_at is None


def test_publishing_stamps_the_moment_and_editing_keeps_it(member, org_a):
    viewer = viewer_for(member)
    draft = services.save_opportunity(viewer, org_a, {**OPPORTUNITY_DATA, "status": "draft"})
    draft = stored_with(draft, created_at=ago(weeks=3))
    published = services.save_opportunity(viewer, org_a, {"status": "published"}, opportunity=draft)
    assert published.published_at >= ago(minutes=1)

    week_ago = ago(weeks=1)
    published = stored_with(published, published_at=week_ago)
    services.save_opportunity(viewer, org_a, {"summary": "A sharper kit", "status": "published"}, opportunity=published)
    archived = services.save_opportunity(viewer, org_a, {"status": "archived"},
                                         opportunity=Opportunity.objects.get(pk=published.pk))
    assert Opportunity.objects.get(pk=archived.pk).published_at == week_ago
    # out of the archive: published again, news again
    services.save_opportunity(viewer, org_a, {"status": "published"}, opportunity=archived)
    assert Opportunity.objects.get(pk=archived.pk).published_at >= ago(minutes=1)


def test_approving_what_the_staff_hid_keeps_the_publication_date(member, staff, opportunity_a):
    staff_viewer = viewer_for(staff)
    two_weeks_ago = ago(weeks=2)
    opportunity = stored_with(opportunity_a, published_at=two_weeks_ago)
    hidden = services.moderate_opportunity(staff_viewer, opportunity, approve=False, note="Too vague")
    services.moderate_opportunity(staff_viewer, hidden, approve=True)
    assert Opportunity.objects.get(pk=opportunity.pk).published_at == two_weeks_ago
    # the same when the staff publish it again from the edit form
    hidden = services.moderate_opportunity(staff_viewer, Opportunity.objects.get(pk=opportunity.pk), approve=False,
                                           note="Still vague")
    services.save_opportunity(staff_viewer, opportunity.organisation, {"status": "published"}, opportunity=hidden)
    assert Opportunity.objects.get(pk=opportunity.pk).published_at == two_weeks_ago


def test_approving_a_hidden_opportunity_that_was_never_published_publishes_it(staff, opportunity_a):
    # hidden before publication dates were recorded: the data migration leaves it without one
    hidden = stored_with(opportunity_a, status=Opportunity.Status.HIDDEN, published_at=None)
    services.moderate_opportunity(viewer_for(staff), hidden, approve=True)
    assert Opportunity.objects.get(pk=hidden.pk).published_at >= ago(minutes=1)


def test_the_audit_log_records_the_publication_under_its_translated_name(member, org_a):
    viewer = viewer_for(member)
    with acting_as(member):
        draft = services.save_opportunity(viewer, org_a, {**OPPORTUNITY_DATA, "status": "draft"})
        published = services.save_opportunity(viewer, org_a, {"status": "published"}, opportunity=draft)
        services.save_opportunity(viewer, org_a, {"summary": "A sharper kit"}, opportunity=published)
    created, publication, edit = AuditEntry.objects.filter(
        model="directory.opportunity", object_id=str(draft.pk)).order_by("pk")
    assert "published_at" not in created.changes and "published_at" not in edit.changes
    assert publication.changes["status"] == ["draft", "published"]
    assert publication.changes["published_at"] == [None, published.published_at.isoformat()]
    for language, label in (("en", "Published at"), ("it", "Pubblicata il")):
        with translation.override(language):
            [row] = backoffice.audit_rows([publication])
        change = next(c for c in row.changes if c.name == "published_at")
        assert (change.label, change.old) == (label, "") and change.new


# --- review findings ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_cannot_enrol_an_organisation_run_by_its_representatives(org_a, member, outsider, cluster_b):
    with pytest.raises(ValidationError):
        services.add_existing_member(viewer_for(outsider), org_a, cluster_b)
    assert not org_a.memberships.filter(cluster=cluster_b).exists()
    assert not viewer_for(outsider).can_edit_organisation(org_a)


@pytest.mark.django_db
def test_staff_lose_edit_rights_after_rejection_or_departure(org_a, cluster_b, outsider):
    from filiera.directory.models import Membership

    membership = Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Membership.Status.ACTIVE)
    assert viewer_for(outsider).can_edit_organisation(org_a)
    for status in (Membership.Status.LEFT, Membership.Status.REJECTED):
        Membership.objects.filter(pk=membership.pk).update(status=status)
        fresh = type(outsider).objects.get(pk=outsider.pk)
        assert not viewer_for(fresh).can_edit_organisation(org_a)
        assert not viewer_for(fresh).people_filter() or not org_a.people.filter(viewer_for(fresh).people_filter())


@pytest.mark.django_db
def test_rewriting_an_approved_opportunity_sends_it_back_to_review(opportunity_a, member, staff):
    services.moderate_opportunity(viewer_for(staff), opportunity_a, approve=True)
    opportunity_a.refresh_from_db()
    assert opportunity_a.reviewed_at is not None
    services.save_opportunity(viewer_for(member), opportunity_a.organisation, {"title": "Something else entirely"},
                              opportunity=opportunity_a)
    opportunity_a.refresh_from_db()
    assert opportunity_a.reviewed_at is None and opportunity_a.reviewed_by is None
    # staff edits keep the review
    services.moderate_opportunity(viewer_for(staff), opportunity_a, approve=True)
    services.save_opportunity(viewer_for(staff), opportunity_a.organisation, {"summary": "Tidied by the staff"},
                              opportunity=opportunity_a)
    opportunity_a.refresh_from_db()
    assert opportunity_a.reviewed_at is not None


@pytest.mark.django_db
def test_staff_post_for_a_member_lands_in_their_own_queue(org_a, cluster_a, cluster_b, outsider):
    import datetime

    from filiera.directory.models import Membership, Opportunity

    Membership.objects.create(organisation=org_a, cluster=cluster_b, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2024, 1, 1))
    opportunity = services.save_opportunity(
        viewer_for(outsider), org_a,
        {"type": Opportunity.Type.BUSINESS_OFFER, "title": "Distribution in Denmark", "summary": "Partners wanted"},
    )
    assert opportunity.cluster == cluster_b
