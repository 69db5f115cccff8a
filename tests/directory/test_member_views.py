"""The member pages through the real HTTP stack: who may open them, what they change, what they refuse.

Refusals are 404 everywhere: a signed-in user who may not edit an organisation (another cluster's staff or member,
an observer, a representative of another organisation) gets the same answer as for an organisation that does not
exist, so these pages reveal nothing. Anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from filiera.core.models import AuditEntry, Concept, User, ValueChain
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def url(name: str, *args) -> str:
    return reverse(f"directory:{name}", args=args)


def content(response) -> str:
    return response.content.decode()


@pytest.fixture
def contact_a(org_a):
    """A contact of org_a without an account, who agreed to the directory a while ago."""
    return Person.objects.create(
        organisation=org_a, first_name="Lucia", last_name="Verdi", email="lucia@medsense.example", job_title="CTO",
        language="it", consent_directory_at=timezone.now() - datetime.timedelta(days=30),
    )


@pytest.fixture
def contact_b(org_b):
    return Person.objects.create(organisation=org_b, first_name="Mads", last_name="Holm", email="mads@velfaerd.example")


@pytest.fixture
def hidden_opportunity_a(org_a, cluster_a, member, staff):
    return Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, author=member, type=Opportunity.Type.BUSINESS_OFFER,
        title="Discount on sensors", summary="Advertising, not an offer", status=Opportunity.Status.HIDDEN,
        moderation_note="This reads as an advert; describe the technology instead.", reviewed_by=staff,
    )


def organisation_post(org: Organisation, **changes) -> dict:
    data = {
        "name": org.name, "short_name": org.short_name, "kind": org.kind, "is_sme": "on" if org.is_sme else "",
        "country": org.country, "region": org.region, "city": org.city, "postcode": org.postcode,
        "website": org.website, "language": org.language, "languages_spoken": [], "description": org.description,
        "keywords": org.keywords, "value_chains": [str(pk) for pk in org.value_chains.values_list("pk", flat=True)],
        "concepts": [str(pk) for pk in org.concepts.values_list("pk", flat=True)], "visibility": org.visibility,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def opportunity_post(**changes) -> dict:
    data = {
        "type": Opportunity.Type.TECHNOLOGY_REQUEST, "title": "Looking for a gait-analysis partner",
        "summary": "We need a lab to validate our insole", "body": "Details follow.", "language": "en",
        "stage": Opportunity.Stage.PROTOTYPE, "expires_on": "", "visibility": Visibility.PUBLIC, "status": "published",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


# --- every member page requires signing in ---------------------------------------------------------------------


@pytest.fixture
def member_urls(org_a, contact_a, opportunity_a):
    return [
        url("my_organisations"),
        url("org_edit", org_a.slug),
        url("apply", org_a.slug),
        url("org_people", org_a.slug),
        url("person_new", org_a.slug),
        url("person_edit", org_a.slug, contact_a.pk),
        url("person_delete", org_a.slug, contact_a.pk),
        url("org_opportunities", org_a.slug),
        url("opportunity_new", org_a.slug),
        url("opportunity_edit", opportunity_a.pk),
        url("opportunity_delete", opportunity_a.pk),
    ]


def test_visitor_is_sent_to_sign_in_on_every_member_page(as_user, member_urls):
    visitor = as_user(None)
    for page in member_urls:
        for method in (visitor.get, visitor.post):
            response = method(page)
            assert response.status_code == 302, page
            assert response["Location"].startswith(f"{LOGIN}?next="), page


def test_outsiders_get_404_on_every_page_of_org_a(as_user, member_urls, outsider, outsider_member, observer,
                                                  applicant_user):
    pages = member_urls[1:]  # all but "my organisations"
    for user in (outsider, outsider_member, observer, applicant_user):
        client = as_user(user)
        for page in pages:
            assert client.get(page).status_code == 404, (user, page)
            assert client.post(page, {"name": "Hijacked"}).status_code == 404, (user, page)
    assert Organisation.objects.get(slug="medsense").name == "MedSense Srl"
    assert Person.objects.filter(first_name="Lucia").exists()
    assert Opportunity.objects.filter(title__startswith="Sensore").exists()


# --- my organisations ------------------------------------------------------------------------------------------


def test_my_organisations_lists_own_memberships_without_staff_notes(as_user, member, org_a):
    response = as_user(member).get(url("my_organisations"))
    assert response.status_code == 200
    page = content(response)
    assert "MedSense Srl" in page and "Alpha Health Cluster" in page and "Active" in page
    assert "Italy" in page  # country code shown by name
    assert url("org_edit", org_a.slug) in page and url("org_people", org_a.slug) in page
    assert url("org_opportunities", org_a.slug) in page and url("apply", org_a.slug) in page
    # cluster-private: the staff's notes and the fee tier are not for the member
    assert "Pays late" not in page and "Medium (SME)" not in page


def test_my_organisations_shows_applicant_status_and_hidden_opportunities(as_user, applicant_user, member,
                                                                          hidden_opportunity_a):
    page = content(as_user(applicant_user).get(url("my_organisations")))
    assert "NewCo Health" in page and "Applicant" in page and "MedSense" not in page
    page = content(as_user(member).get(url("my_organisations")))
    assert "hidden by the cluster staff" in page


def test_user_representing_nothing_gets_an_explanation(as_user, staff, cluster_a):
    response = as_user(staff).get(url("my_organisations"))
    assert response.status_code == 200
    page = content(response)
    assert "You do not represent an organisation yet" in page
    assert reverse("clusters") in page
    assert reverse("staff:dashboard", args=[cluster_a.slug]) in page


# --- organisation profile --------------------------------------------------------------------------------------


def test_profile_form_open_to_representative_staff_manager_and_admin(as_user, org_a, member, staff, manager, admin):
    for user in (member, staff, manager, admin):
        response = as_user(user).get(url("org_edit", org_a.slug))
        assert response.status_code == 200, user
        page = content(response)
        assert 'value="MedSense Srl"' in page
        assert '<option value="IT" selected>Italy</option>' in page


def test_unknown_organisation_is_404(as_user, member):
    assert as_user(member).get(url("org_edit", "no-such-org")).status_code == 404


def test_representative_saves_profile_and_the_change_is_audited(as_user, org_a, member, value_chain, concept):
    other_chain = ValueChain.objects.create(slug="rehab", labels={"en": "Rehabilitation"})
    area = Concept.objects.create(slug="cardiology", scheme="health_area", labels={"en": "Cardiology"})
    response = as_user(member).post(
        url("org_edit", org_a.slug),
        organisation_post(
            org_a, city="Modena", postcode="41121", website="https://medsense.example", country="IT",
            languages_spoken=["it", "en"], keywords=" sensori ;telemedicina; ;wearables ",
            value_chains=[str(other_chain.pk)], concepts=[str(concept.pk), str(area.pk)],
            visibility=Visibility.MEMBERS,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url("profile", org_a.slug)
    org = Organisation.objects.get(pk=org_a.pk)
    assert (org.city, org.postcode, org.website) == ("Modena", "41121", "https://medsense.example")
    assert org.languages_spoken == "it,en"
    assert org.keyword_list == ["sensori", "telemedicina", "wearables"]
    assert org.visibility == Visibility.MEMBERS
    assert set(org.value_chains.all()) == {other_chain}
    assert set(org.concepts.all()) == {concept, area}

    change = AuditEntry.objects.filter(model="directory.organisation", object_id=str(org.pk), action="update").get(
        changes__has_key="city"
    )
    assert change.actor == member and change.actor_label == "member"
    assert change.changes["city"] == ["Bologna", "Modena"]
    assert change.changes["website"] == ["", "https://medsense.example"]
    assert AuditEntry.objects.filter(model="directory.organisation", object_id=str(org.pk), actor=member,
                                     changes__has_key="value_chains").exists()


def test_saving_an_unchanged_profile_changes_nothing(as_user, org_a, member):
    before = AuditEntry.objects.count()
    response = as_user(member).post(url("org_edit", org_a.slug), organisation_post(org_a))
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_staff_of_the_cluster_edits_a_member_profile(as_user, org_a, staff):
    response = as_user(staff).post(url("org_edit", org_a.slug), organisation_post(org_a, city="Parma"))
    assert response.status_code == 302
    assert Organisation.objects.get(pk=org_a.pk).city == "Parma"
    assert AuditEntry.objects.filter(model="directory.organisation", actor=staff, changes__has_key="city").exists()


def test_invalid_profile_keeps_what_was_typed(as_user, org_a, member):
    response = as_user(member).post(
        url("org_edit", org_a.slug),
        organisation_post(org_a, name="", city="Ferrara", website="not a website", country="XX"),
    )
    assert response.status_code == 200
    page = content(response)
    assert 'value="Ferrara"' in page and 'value="not a website"' in page
    assert "Enter a valid URL." in page and "This field is required." in page
    assert "Select a valid choice." in page
    assert 'aria-invalid="true"' in page and "is-invalid" in page
    assert "MedSense Srl" in page  # the heading shows the stored name
    org = Organisation.objects.get(pk=org_a.pk)
    assert (org.name, org.city, org.website) == ("MedSense Srl", "Bologna", "")


def test_concepts_are_grouped_by_scheme(as_user, org_a, member, concept):
    Concept.objects.create(slug="cardiology", scheme="health_area", labels={"en": "Cardiology", "it": "Cardiologia"})
    page = content(as_user(member).get(url("org_edit", org_a.slug)))
    assert '<optgroup label="Technology">' in page and '<optgroup label="Health area">' in page
    assert f'<option value="{concept.pk}" selected>Telemonitoring</option>' in page


def test_a_stored_country_code_outside_iso_stays_choosable(as_user, org_a, member):
    Organisation.objects.filter(pk=org_a.pk).update(country="UK")
    page = content(as_user(member).get(url("org_edit", org_a.slug)))
    assert '<option value="UK" selected>UK</option>' in page
    response = as_user(member).post(url("org_edit", org_a.slug), organisation_post(
        Organisation.objects.get(pk=org_a.pk), city="London"))
    assert response.status_code == 302
    assert Organisation.objects.get(pk=org_a.pk).country == "UK"


# --- people ----------------------------------------------------------------------------------------------------


def test_people_list_for_representative_staff_and_admin(as_user, org_a, member, staff, admin, contact_a):
    for user in (member, staff, admin):
        response = as_user(user).get(url("org_people", org_a.slug))
        assert response.status_code == 200, user
        page = content(response)
        assert "Lucia" in page and "lucia@medsense.example" in page and "CTO" in page
        assert "Member Rep" in page or "Member" in page
        assert url("person_edit", org_a.slug, contact_a.pk) in page


def test_people_of_another_organisation_are_not_reachable_through_org_a(as_user, org_a, member, contact_b):
    client = as_user(member)
    assert client.get(url("person_edit", org_a.slug, contact_b.pk)).status_code == 404
    assert client.post(url("person_delete", org_a.slug, contact_b.pk)).status_code == 404
    assert client.get(url("org_people", "velfaerd")).status_code == 404
    assert Person.objects.filter(pk=contact_b.pk).exists()


def test_representative_adds_a_person_with_consents(as_user, org_a, member):
    response = as_user(member).post(url("person_new", org_a.slug), {
        "first_name": "Marco", "last_name": "Bianchi", "email": "marco@medsense.example", "phone": "+39 051 000",
        "job_title": "Sales", "language": "it", "consent_directory": "on", "is_representative": "on",
    })
    assert response.status_code == 302 and response["Location"] == url("org_people", org_a.slug)
    person = Person.objects.get(email="marco@medsense.example")
    assert person.organisation == org_a
    assert person.consent_directory_at is not None and person.consent_newsletter_at is None
    assert person.is_representative is False  # representatives cannot appoint representatives
    entry = AuditEntry.objects.get(model="directory.person", object_id=str(person.pk), action="create")
    assert entry.actor == member and entry.organisation_id == org_a.pk


def test_representative_sees_the_flag_read_only_and_staff_may_change_it(as_user, org_a, member, staff, contact_a):
    page = content(as_user(member).get(url("person_edit", org_a.slug, contact_a.pk)))
    assert 'name="is_representative"' not in page and "Not a representative." in page
    page = content(as_user(staff).get(url("person_edit", org_a.slug, contact_a.pk)))
    assert 'name="is_representative"' in page
    response = as_user(staff).post(url("person_edit", org_a.slug, contact_a.pk), {
        "first_name": "Lucia", "last_name": "Verdi", "email": "lucia@medsense.example", "language": "it",
        "consent_directory": "on", "is_representative": "on",
    })
    assert response.status_code == 302
    assert Person.objects.get(pk=contact_a.pk).is_representative is True


def test_consent_dates_are_shown_kept_and_cleared(as_user, org_a, member, contact_a):
    given = contact_a.consent_directory_at
    client = as_user(member)
    page = content(client.get(url("person_edit", org_a.slug, contact_a.pk)))
    assert re.search(r'<input type="checkbox" name="consent_directory"[^>]* checked>', page)
    assert re.search(r'<input type="checkbox" name="consent_newsletter"[^>]*id="id_consent_newsletter">', page)
    assert f"Given on {formats.date_format(timezone.localtime(given), 'DATETIME_FORMAT')}" in page
    base = {"first_name": "Lucia", "last_name": "Verdi", "email": "lucia@medsense.example", "language": "it"}
    client.post(url("person_edit", org_a.slug, contact_a.pk), {**base, "consent_directory": "on",
                                                              "consent_newsletter": "on"})
    person = Person.objects.get(pk=contact_a.pk)
    assert person.consent_directory_at == given  # kept: consent given earlier stays dated then
    assert person.consent_newsletter_at is not None
    client.post(url("person_edit", org_a.slug, contact_a.pk), base)
    person = Person.objects.get(pk=contact_a.pk)
    assert person.consent_directory_at is None and person.consent_newsletter_at is None


def test_invalid_person_keeps_what_was_typed(as_user, org_a, member, contact_a):
    response = as_user(member).post(url("person_edit", org_a.slug, contact_a.pk), {
        "first_name": "Lucia", "last_name": "", "email": "not-an-email", "job_title": "Chief scientist",
        "language": "it",
    })
    assert response.status_code == 200
    page = content(response)
    assert 'value="not-an-email"' in page and 'value="Chief scientist"' in page
    assert "Enter a valid email address." in page and "This field is required." in page
    assert Person.objects.get(pk=contact_a.pk).job_title == "CTO"


def test_person_delete_confirms_then_removes(as_user, org_a, member, contact_a):
    client = as_user(member)
    page = content(client.get(url("person_delete", org_a.slug, contact_a.pk)))
    assert "Remove Lucia Verdi" in page and 'method="post"' in page
    assert Person.objects.filter(pk=contact_a.pk).exists()
    response = client.post(url("person_delete", org_a.slug, contact_a.pk))
    assert response.status_code == 302 and response["Location"] == url("org_people", org_a.slug)
    assert not Person.objects.filter(pk=contact_a.pk).exists()
    assert AuditEntry.objects.filter(model="directory.person", object_id=str(contact_a.pk), action="delete",
                                     actor=member).exists()


def test_representative_cannot_remove_themselves(as_user, org_a, member):
    me = Person.objects.get(user=member)
    client = as_user(member)
    assert "You cannot remove yourself" in content(client.get(url("person_delete", org_a.slug, me.pk)))
    response = client.post(url("person_delete", org_a.slug, me.pk), follow=True)
    assert "You cannot remove yourself" in content(response)
    assert Person.objects.filter(pk=me.pk).exists()


def test_staff_may_remove_a_representative(as_user, org_a, member, staff):
    me = Person.objects.get(user=member)
    assert as_user(staff).post(url("person_delete", org_a.slug, me.pk)).status_code == 302
    assert not Person.objects.filter(pk=me.pk).exists()


# --- opportunities ---------------------------------------------------------------------------------------------


def test_opportunity_list_shows_every_status_with_the_moderation_note(
    as_user, org_a, member, staff, admin, opportunity_a, private_opportunity_a, hidden_opportunity_a
):
    Opportunity.objects.create(organisation=org_a, cluster=org_a.memberships.get().cluster, type="business_request",
                               title="Old archived need", summary="x", status=Opportunity.Status.ARCHIVED)
    Opportunity.objects.create(organisation=org_a, type="business_offer", title="Unfinished draft", summary="x",
                               status=Opportunity.Status.DRAFT)
    for user in (member, staff, admin):
        page = content(as_user(user).get(url("org_opportunities", org_a.slug)))
        for title in ("Sensore indossabile", "Confidential partner search", "Discount on sensors",
                      "Old archived need", "Unfinished draft"):
            assert title in page, (user, title)
        assert "describe the technology instead" in page
        assert url("opportunity", opportunity_a.pk) in page
    page = content(as_user(member).get(url("org_opportunities", org_a.slug)))
    assert url("opportunity_edit", hidden_opportunity_a.pk) in page


def test_representative_posts_an_opportunity(as_user, org_a, member, cluster_a, concept, value_chain):
    response = as_user(member).post(url("opportunity_new", org_a.slug), opportunity_post(
        concepts=[str(concept.pk)], value_chains=[str(value_chain.pk)],
        expires_on=(timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    ))
    opportunity = Opportunity.objects.get(title="Looking for a gait-analysis partner")
    assert response.status_code == 302 and response["Location"] == url("opportunity", opportunity.pk)
    assert opportunity.organisation == org_a and opportunity.author == member and opportunity.cluster == cluster_a
    assert opportunity.status == Opportunity.Status.PUBLISHED
    assert list(opportunity.concepts.all()) == [concept] and list(opportunity.value_chains.all()) == [value_chain]
    assert AuditEntry.objects.filter(model="directory.opportunity", object_id=str(opportunity.pk), action="create",
                                     actor=member).exists()


def test_new_opportunity_form_defaults_to_published_in_the_organisation_language(as_user, org_a, member):
    page = content(as_user(member).get(url("opportunity_new", org_a.slug)))
    assert re.search(r'<input type="radio" name="status" value="published"[^>]* checked>', page)
    assert '<option value="it" selected>Italian</option>' in page


def test_draft_and_archive(as_user, org_a, member, opportunity_a):
    client = as_user(member)
    response = client.post(url("opportunity_new", org_a.slug), opportunity_post(status="draft"))
    draft = Opportunity.objects.get(title="Looking for a gait-analysis partner")
    assert draft.status == Opportunity.Status.DRAFT
    assert response["Location"] == url("opportunity", draft.pk)
    response = client.post(url("opportunity_edit", opportunity_a.pk), opportunity_post(
        title=opportunity_a.title, status="archived"))
    assert response.status_code == 302 and response["Location"] == url("org_opportunities", org_a.slug)
    assert Opportunity.objects.get(pk=opportunity_a.pk).status == Opportunity.Status.ARCHIVED


def test_invalid_opportunity_keeps_what_was_typed(as_user, org_a, member):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = as_user(member).post(url("opportunity_new", org_a.slug), opportunity_post(
        title="", summary="Typed summary stays", expires_on=yesterday))
    assert response.status_code == 200
    page = content(response)
    assert "Typed summary stays" in page and f'value="{yesterday}"' in page
    assert "This field is required." in page and "The expiry date is in the past." in page
    assert not Opportunity.objects.filter(summary="Typed summary stays").exists()


def test_representative_cannot_republish_what_staff_hid_but_may_edit_it(as_user, member, hidden_opportunity_a):
    client = as_user(member)
    page = content(client.get(url("opportunity_edit", hidden_opportunity_a.pk)))
    assert "The cluster staff hid this opportunity." in page and "describe the technology instead" in page
    response = client.post(url("opportunity_edit", hidden_opportunity_a.pk), opportunity_post(
        title="Wearable sensor patch", status="published"))
    assert response.status_code == 200
    assert "hidden by the cluster staff" in content(response)
    assert Opportunity.objects.get(pk=hidden_opportunity_a.pk).status == Opportunity.Status.HIDDEN
    response = client.post(url("opportunity_edit", hidden_opportunity_a.pk), opportunity_post(
        title="Wearable sensor patch", status="hidden"))
    assert response.status_code == 302
    refreshed = Opportunity.objects.get(pk=hidden_opportunity_a.pk)
    assert (refreshed.title, refreshed.status) == ("Wearable sensor patch", Opportunity.Status.HIDDEN)


def test_staff_edit_and_publish_a_hidden_opportunity(as_user, staff, hidden_opportunity_a):
    response = as_user(staff).post(url("opportunity_edit", hidden_opportunity_a.pk), opportunity_post(
        title="Wearable sensor patch", status="published"))
    assert response.status_code == 302 and response["Location"] == url("opportunity", hidden_opportunity_a.pk)
    assert Opportunity.objects.get(pk=hidden_opportunity_a.pk).status == Opportunity.Status.PUBLISHED


def test_opportunity_delete_confirms_then_deletes(as_user, org_a, member, admin, opportunity_a,
                                                  private_opportunity_a):
    client = as_user(member)
    page = content(client.get(url("opportunity_delete", opportunity_a.pk)))
    assert "Delete “Sensore indossabile" in page
    assert Opportunity.objects.filter(pk=opportunity_a.pk).exists()
    response = client.post(url("opportunity_delete", opportunity_a.pk))
    assert response.status_code == 302 and response["Location"] == url("org_opportunities", org_a.slug)
    assert not Opportunity.objects.filter(pk=opportunity_a.pk).exists()
    assert as_user(admin).post(url("opportunity_delete", private_opportunity_a.pk)).status_code == 302
    assert not Opportunity.objects.filter(pk=private_opportunity_a.pk).exists()


def test_member_pages_refuse_get_only_verbs(as_user, org_a, member, opportunity_a):
    assert as_user(member).put(url("org_edit", org_a.slug)).status_code == 405
    assert as_user(member).delete(url("opportunity_delete", opportunity_a.pk)).status_code == 405


# --- registration ----------------------------------------------------------------------------------------------


def registration_post(**changes) -> dict:
    data = {
        "org_name": "Riabilita Games Srl", "org_kind": "startup", "org_country": "IT", "org_city": "Ferrara",
        "org_website": "https://riabilita.example", "org_language": "it",
        "org_description": "Videogiochi per la riabilitazione motoria",
        "first_name": "Chiara", "last_name": "Fontana", "email": "chiara@riabilita.example", "job_title": "CEO",
        "language": "it", "consent_directory": "on", "username": "chiara", "password1": "Rehab-games-2031!",
        "password2": "Rehab-games-2031!", "message": "We would like to test our games with your hospitals.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_registration_form_for_a_visitor(as_user, cluster_a):
    response = as_user(None).get(url("register", cluster_a.slug))
    assert response.status_code == 200
    page = content(response)
    assert "Apply to join Alpha Health Cluster" in page
    assert '<option value="IT" selected>Italy</option>' in page
    assert 'name="password1"' in page and 'autocomplete="new-password"' in page


def test_registration_creates_account_organisation_person_and_application(as_user, cluster_a):
    client = as_user(None)
    response = client.post(url("register", cluster_a.slug), registration_post())
    assert response.status_code == 302 and response["Location"] == url("my_organisations")

    user = User.objects.get(username="chiara")
    assert user.check_password("Rehab-games-2031!") and user.email == "chiara@riabilita.example"
    assert user.language == "it"
    person = Person.objects.get(user=user)
    assert person.is_representative and person.job_title == "CEO"
    assert person.consent_directory_at is not None and person.consent_newsletter_at is None
    organisation = person.organisation
    assert (organisation.name, organisation.kind, organisation.city) == ("Riabilita Games Srl", "startup", "Ferrara")
    assert organisation.verified is False
    membership = Membership.objects.get(organisation=organisation)
    assert membership.cluster == cluster_a and membership.status == Membership.Status.APPLICANT
    assert membership.application_message.startswith("We would like")

    # signed in, on "my organisations", with the notice
    page = content(client.get(response["Location"]))
    # in the language the applicant chose (Italian)
    assert "Riabilita Games Srl" in page and "Candidato" in page
    assert "attende la valutazione dello staff del cluster" in page


def test_registration_refuses_a_taken_username(as_user, cluster_a, member):
    response = as_user(None).post(url("register", cluster_a.slug), registration_post(username="MEMBER"))
    assert response.status_code == 200
    page = content(response)
    assert "This username is taken." in page
    username_input = r'<input type="text" name="username"[^>]*class="form-control is-invalid"[^>]*aria-invalid="true"'
    assert re.search(username_input, page)
    assert 'value="Riabilita Games Srl"' in page and 'value="MEMBER"' in page
    assert not Organisation.objects.filter(name="Riabilita Games Srl").exists()
    assert not User.objects.filter(email="chiara@riabilita.example").exists()


def test_registration_validates_passwords_and_keeps_what_was_typed(as_user, cluster_a):
    client = as_user(None)
    response = client.post(url("register", cluster_a.slug), registration_post(password2="something-else-2031"))
    assert "The two passwords differ." in content(response)
    response = client.post(url("register", cluster_a.slug), registration_post(password1="short", password2="short"))
    page = content(response)
    assert "This password is too short." in page
    assert 'value="Chiara"' in page and "Videogiochi per la riabilitazione motoria" in page
    assert 'value="short"' not in page  # passwords are never sent back
    response = client.post(url("register", cluster_a.slug), registration_post(email="", org_name=""))
    assert content(response).count("This field is required.") == 2
    assert not User.objects.filter(username="chiara").exists()


def test_signed_in_representative_is_sent_to_apply(as_user, cluster_b, member, org_a):
    response = as_user(member).get(url("register", cluster_b.slug))
    assert response.status_code == 302
    assert response["Location"] == f"{url('apply', org_a.slug)}?cluster={cluster_b.slug}"
    page = content(as_user(member).get(response["Location"]))
    assert f'<option value="{cluster_b.slug}" selected>' in page


def test_signed_in_user_without_organisation_is_told_what_to_do(as_user, cluster_a, staff):
    response = as_user(staff).get(url("register", cluster_a.slug))
    assert response.status_code == 200
    page = content(response)
    assert "you do not represent an organisation" in page and 'name="password1"' not in page
    response = as_user(staff).post(url("register", cluster_a.slug), registration_post())
    assert response.status_code == 200 and not User.objects.filter(username="chiara").exists()


def test_registration_for_an_unknown_cluster_is_404(as_user, db):
    assert as_user(None).get(url("register", "nowhere")).status_code == 404


def test_registered_user_can_sign_in_with_the_password(cluster_a, as_user):
    as_user(None).post(url("register", cluster_a.slug), registration_post())
    client = as_user(None)
    assert client.login(username="chiara", password="Rehab-games-2031!")
    assert not client.login(username="chiara", password=PASSWORD)


# --- applying to another cluster -------------------------------------------------------------------------------


def test_representative_applies_to_another_cluster(as_user, org_a, member, cluster_a, cluster_b):
    client = as_user(member)
    page = content(client.get(url("apply", org_a.slug)))
    assert f'value="{cluster_b.slug}"' in page and f'value="{cluster_a.slug}"' not in page
    response = client.post(url("apply", org_a.slug), {"cluster": cluster_b.slug, "message": "Cross-border pilot"})
    assert response.status_code == 302 and response["Location"] == url("my_organisations")
    membership = Membership.objects.get(organisation=org_a, cluster=cluster_b)
    assert membership.status == Membership.Status.APPLICANT and membership.application_message == "Cross-border pilot"
    assert AuditEntry.objects.filter(model="directory.membership", object_id=str(membership.pk), action="create",
                                     actor=member).exists()


def test_apply_refuses_a_cluster_where_already_active(as_user, org_a, member, cluster_a, cluster_b):
    response = as_user(member).post(url("apply", org_a.slug), {"cluster": cluster_a.slug, "message": "Again"})
    assert response.status_code == 200
    page = content(response)
    assert "Choose one of the clusters listed" in page and "Again" in page
    membership = Membership.objects.get(organisation=org_a, cluster=cluster_a)
    assert membership.status == Membership.Status.ACTIVE and membership.application_message == ""


def test_apply_again_after_leaving(as_user, org_a, member, cluster_a):
    Membership.objects.filter(organisation=org_a, cluster=cluster_a).update(status=Membership.Status.LEFT)
    response = as_user(member).post(url("apply", org_a.slug), {"cluster": cluster_a.slug, "message": "Back"})
    assert response.status_code == 302
    assert Membership.objects.get(organisation=org_a, cluster=cluster_a).status == Membership.Status.APPLICANT


def test_apply_is_for_representatives_and_admins(as_user, org_a, staff, admin, cluster_b):
    assert as_user(staff).get(url("apply", org_a.slug)).status_code == 404
    assert as_user(admin).get(url("apply", org_a.slug)).status_code == 200
    response = as_user(admin).post(url("apply", org_a.slug), {"cluster": cluster_b.slug})
    assert response.status_code == 302 and response["Location"] == url("profile", org_a.slug)
    assert Membership.objects.filter(organisation=org_a, cluster=cluster_b, status="applicant").exists()


def test_apply_says_when_no_cluster_is_left(as_user, org_a, member, cluster_a):
    page = content(as_user(member).get(url("apply", org_a.slug)))
    assert "is already a member of, or applying to, every cluster" in page
    assert "Alpha Health Cluster" in page and "Active" in page
