"""The cluster back office (/c/<cluster>/…): who gets in, what staff can do, and that nothing crosses clusters."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from filiera.core.models import AuditEntry, ExcellenceLabel
from filiera.directory.backoffice import dashboard_figures
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility

# --- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture
def membership_a(org_a, cluster_a):
    return Membership.objects.get(organisation=org_a, cluster=cluster_a)


@pytest.fixture
def membership_b(org_b, cluster_b):
    return Membership.objects.get(organisation=org_b, cluster=cluster_b)


@pytest.fixture
def applicant_membership(org_applicant, cluster_a, applicant_user):
    return Membership.objects.get(organisation=org_applicant, cluster=cluster_a)


@pytest.fixture
def person_a(org_a):
    return Person.objects.create(organisation=org_a, first_name="Chiara", last_name="Fontana",
                                 email="chiara@medsense.example", job_title="Project manager", language="it",
                                 consent_newsletter_at=timezone.now())


@pytest.fixture
def person_b(org_b):
    return Person.objects.create(organisation=org_b, first_name="Mads", last_name="Holm", email="mads@velfaerd.example")


@pytest.fixture
def opportunity_b(org_b, cluster_b):
    return Opportunity.objects.create(organisation=org_b, cluster=cluster_b, type=Opportunity.Type.BUSINESS_OFFER,
                                      title="Care robot distribution", summary="Looking for distributors",
                                      visibility=Visibility.PUBLIC)


@pytest.fixture
def everyone(admin, manager, staff, observer, member, outsider, outsider_member):
    return {"admin": admin, "manager": manager, "staff": staff, "observer": observer, "member": member,
            "outsider": outsider, "outsider_member": outsider_member, "visitor": None}


def url(name: str, *args, cluster: str = "alpha") -> str:
    return reverse(f"staff:{name}", args=[cluster, *args])


# --- who gets in -----------------------------------------------------------------------------------------------

PAGES = ["dashboard", "members", "member_new", "members_export", "membership", "people", "person", "opportunities",
         "audit", "history"]


def page_url(name: str, membership_a, person_a, org_a) -> str:
    args = {
        "members_export": ["csv"],
        "membership": [membership_a.pk],
        "person": [person_a.pk],
        "history": ["directory.organisation", org_a.pk],
    }.get(name, [])
    return url(name, *args)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_who_may_open_each_page(page, as_user, everyone, membership_a, person_a, org_a, opportunity_a):
    target = page_url(page, membership_a, person_a, org_a)

    response = as_user(None).get(target)
    assert response.status_code == 302 and reverse("login") in response["Location"]

    for name in ("member", "outsider", "outsider_member"):
        assert as_user(everyone[name]).get(target).status_code == 404, name

    expected_for_observer = 200 if page == "dashboard" else 404
    assert as_user(everyone["observer"]).get(target).status_code == expected_for_observer

    for name in ("staff", "manager", "admin"):
        assert as_user(everyone[name]).get(target).status_code == 200, name


@pytest.mark.django_db
def test_unknown_cluster_is_404(as_user, staff):
    assert as_user(staff).get(url("dashboard", cluster="nowhere")).status_code == 404


@pytest.mark.django_db
def test_network_coordinator_sees_dashboard_only(as_user, cluster_a):
    from filiera.core.models import Network, NetworkRole
    from tests.conftest import make_user

    coordinator = make_user("coordinator")
    NetworkRole.objects.create(user=coordinator, network=Network.objects.get(slug="alpha-net"))
    assert as_user(coordinator).get(url("dashboard")).status_code == 200
    assert as_user(coordinator).get(url("members")).status_code == 404


@pytest.mark.django_db
def test_posts_are_refused_to_everyone_but_staff(as_user, everyone, applicant_membership, opportunity_a):
    status_url = url("membership_status", applicant_membership.pk)
    moderate_url = url("moderate", opportunity_a.pk)
    response = as_user(None).post(status_url, {"status": "active"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    for name in ("member", "outsider", "outsider_member", "observer"):
        client = as_user(everyone[name])
        assert client.post(status_url, {"status": "active"}).status_code == 404, name
        assert client.post(moderate_url, {"decision": "hide", "note": "spam"}).status_code == 404, name
    applicant_membership.refresh_from_db()
    opportunity_a.refresh_from_db()
    assert applicant_membership.status == Membership.Status.APPLICANT
    assert opportunity_a.status == Opportunity.Status.PUBLISHED
    # a change is a POST
    assert as_user(everyone["staff"]).get(status_url).status_code == 405
    assert as_user(everyone["staff"]).get(moderate_url).status_code == 405
    # platform admins act in every cluster
    assert as_user(everyone["admin"]).post(status_url, {"status": "active"}).status_code == 302
    assert as_user(everyone["admin"]).post(moderate_url, {"decision": "approve"}).status_code == 302
    applicant_membership.refresh_from_db()
    opportunity_a.refresh_from_db()
    assert applicant_membership.status == Membership.Status.ACTIVE and opportunity_a.reviewed_at is not None


# --- dashboard -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_figures_are_this_clusters_only(as_user, observer, cluster_a, cluster_b, org_a, org_b,
                                                  org_applicant, opportunity_a, opportunity_b):
    today = timezone.localdate()
    uni = Organisation.objects.create(slug="unialpha", name="Università Alpha", kind="university", country="IT")
    Membership.objects.create(organisation=uni, cluster=cluster_a, status=Membership.Status.ACTIVE, joined_on=today)
    hospital = Organisation.objects.create(slug="hosp", name="Ospedale Beta", kind="hospital", country="FR")
    Membership.objects.create(organisation=hospital, cluster=cluster_a, status=Membership.Status.LAPSED,
                              joined_on=datetime.date(2019, 1, 1), ended_on=today)
    gone = Organisation.objects.create(slug="gone", name="Gone Ltd", kind="sme", country="DE")
    Membership.objects.create(organisation=gone, cluster=cluster_a, status=Membership.Status.LEFT)
    ExcellenceLabel.objects.create(cluster=cluster_a, level="silver", awarded_on=datetime.date(2024, 5, 1),
                                   valid_until=today + datetime.timedelta(days=300))

    response = as_user(observer).get(url("dashboard"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.active, figures.applicants, figures.lapsed, figures.left) == (2, 1, 1, 1)
    assert {bar.label: bar.count for bar in figures.by_kind} == {"SME": 1, "University": 1}
    assert {bar.label: bar.percent for bar in figures.by_helix} == {"Industry": 50, "Academia and research": 50}
    assert {bar.label: bar.count for bar in figures.by_country} == {"IT": 2}
    assert (figures.sme_count, figures.sme_percent) == (1, 50)
    assert figures.joined_this_year == 1
    assert figures.opportunities_recent == 1  # cluster_b's opportunity is not counted
    assert {bar.label: bar.count for bar in figures.opportunities_by_type}["Technology offer"] == 1
    assert figures.label.level == "silver"
    content = response.content.decode()
    assert "Silver" in content
    assert 'role="progressbar"' in content and 'aria-valuenow="50"' in content
    # observers read figures only: no applicant names, no audit, no buttons
    assert "NewCo Health" not in content
    assert "Latest changes" not in content
    assert "/status/" not in content
    assert url("members") not in content and url("audit") not in content  # the side nav shows the dashboard only


@pytest.mark.django_db
def test_recent_opportunities_count_from_their_publication(cluster_a, opportunity_a):
    """An offer drafted long ago and published today is recent; one published long ago is not, whatever its edits."""
    long_ago = timezone.now() - datetime.timedelta(days=200)
    Opportunity.objects.filter(pk=opportunity_a.pk).update(created_at=long_ago)
    assert dashboard_figures(cluster_a).opportunities_recent == 1
    Opportunity.objects.filter(pk=opportunity_a.pk).update(created_at=timezone.now(), published_at=long_ago)
    assert dashboard_figures(cluster_a).opportunities_recent == 0


@pytest.mark.django_db
def test_dashboard_names_countries(as_user, observer, org_a, cluster_a):
    hospital = Organisation.objects.create(slug="hosp", name="Odense Hospital", kind="hospital", country="DK")
    Membership.objects.create(organisation=hospital, cluster=cluster_a, status=Membership.Status.ACTIVE)
    content = as_user(observer).get(url("dashboard")).content.decode()
    section = content[content.index('id="country-heading"'):content.index('id="opp-heading"')]
    assert '<th scope="row" class="fw-normal">Italy</th>' in section and 'aria-label="Denmark"' in section
    assert ">IT<" not in section and ">DK<" not in section


@pytest.mark.django_db
def test_dashboard_queues_show_ten_and_count_all(as_user, staff, cluster_a, org_a):
    for n in range(12):
        org = Organisation.objects.create(slug=f"applicant-{n}", name=f"Applicant {n:02}", kind="sme", country="IT")
        Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.APPLICANT)
    for n in range(3):
        Opportunity.objects.create(organisation=org_a, cluster=cluster_a, type=Opportunity.Type.BUSINESS_OFFER,
                                   title=f"Offer {n}", summary="To review", visibility=Visibility.PUBLIC)
    response = as_user(staff).get(url("dashboard"))
    context = response.context
    assert (len(context["pending"]), context["pending_count"]) == (10, 12)
    assert (len(context["to_review"]), context["to_review_count"]) == (3, 3)
    assert "All applications" in response.content.decode()


@pytest.mark.django_db
def test_dashboard_for_staff_lists_applications_reviews_and_audit(as_user, staff, applicant_membership,
                                                                  opportunity_a, opportunity_b):
    response = as_user(staff).get(url("dashboard"))
    content = response.content.decode()
    assert "NewCo Health" in content
    for page in ("members", "people", "opportunities", "audit"):
        assert f'href="{url(page)}"' in content  # the side nav offers the staff pages
    assert url("membership_status", applicant_membership.pk) in content
    assert [o.pk for o in response.context["to_review"]] == [opportunity_a.pk]
    assert "Care robot distribution" not in content
    assert response.context["recent_audit"]
    assert all(row.entry.model != "directory.membership" or row.entry.cluster_id == applicant_membership.cluster_id
               for row in response.context["recent_audit"])


# --- members ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_members_tabs_counts_search(as_user, staff, membership_a, applicant_membership, membership_b):
    client = as_user(staff)
    response = client.get(url("members"))
    assert [m.pk for m in response.context["memberships"]] == [membership_a.pk]
    counts = {value: count for value, _label, count in response.context["tabs"]}
    assert counts == {"applicant": 1, "active": 1, "lapsed": 0, "left": 0, "rejected": 0, "all": 2}
    content = response.content.decode()
    assert "MedSense Srl" in content and "Velfærd" not in content
    assert url("membership", membership_a.pk) in content
    # the buttons follow the transitions: an active membership may lapse or end
    assert 'value="lapsed"' in content and 'value="left"' in content and 'value="rejected"' not in content

    response = client.get(url("members"), {"status": "applicant"})
    assert [m.pk for m in response.context["memberships"]] == [applicant_membership.pk]
    assert 'value="active"' in response.content.decode() and "Approve" in response.content.decode()

    response = client.get(url("members"), {"status": "all", "q": "newco"})
    assert [m.pk for m in response.context["memberships"]] == [applicant_membership.pk]
    assert dict((v, c) for v, _l, c in response.context["tabs"])["all"] == 1

    response = client.get(url("members"), {"status": "bogus"})
    assert response.context["status"] == "active"


@pytest.mark.django_db
def test_approve_applicant_activates_and_emails_representative(as_user, staff, applicant_membership,
                                                               django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff).post(
            url("membership_status", applicant_membership.pk),
            {"status": "active", "note": "Welcome aboard", "next": url("members") + "?status=applicant"},
        )
    assert response.status_code == 302
    assert response["Location"] == url("members") + "?status=applicant"
    applicant_membership.refresh_from_db()
    assert applicant_membership.status == Membership.Status.ACTIVE
    assert applicant_membership.joined_on == timezone.localdate()
    assert "Welcome aboard" in applicant_membership.notes
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["applicant@example.org"]
    assert "Active" in mail.outbox[0].subject
    entry = AuditEntry.objects.filter(model="directory.membership", object_id=str(applicant_membership.pk),
                                      action="update").first()
    assert entry.actor == staff and entry.changes["status"] == ["applicant", "active"]


@pytest.mark.django_db
def test_invalid_transition_shows_error_and_changes_nothing(as_user, staff, applicant_membership,
                                                            django_capture_on_commit_callbacks):
    mail.outbox.clear()
    client = as_user(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("membership_status", applicant_membership.pk), {"status": "lapsed"}, follow=True)
    assert response.status_code == 200
    assert "cannot go from Applicant to Lapsed" in response.content.decode()
    applicant_membership.refresh_from_db()
    assert applicant_membership.status == Membership.Status.APPLICANT
    assert mail.outbox == []
    # an unknown status is refused too
    response = client.post(url("membership_status", applicant_membership.pk), {"status": "royalty"}, follow=True)
    assert "Choose a valid status." in response.content.decode()
    applicant_membership.refresh_from_db()
    assert applicant_membership.status == Membership.Status.APPLICANT


@pytest.mark.django_db
def test_status_change_with_htmx_swaps_the_row(as_user, manager, membership_a):
    client = as_user(manager)
    response = client.post(url("membership_status", membership_a.pk), {"status": "lapsed"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<tr id="membership-{membership_a.pk}"')
    assert "Lapsed" in content and 'value="active"' in content  # now it may be reactivated
    membership_a.refresh_from_db()
    assert membership_a.status == Membership.Status.LAPSED and membership_a.ended_on == timezone.localdate()

    response = client.post(url("membership_status", membership_a.pk), {"status": "rejected"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    membership_a.refresh_from_db()
    assert membership_a.status == Membership.Status.LAPSED


@pytest.mark.django_db
def test_redirect_back_ignores_foreign_next(as_user, staff, membership_a):
    response = as_user(staff).post(url("membership_status", membership_a.pk),
                                   {"status": "left", "next": "https://evil.example/"})
    assert response["Location"] == url("membership", membership_a.pk)


@pytest.mark.django_db
def test_export_members_csv_and_xlsx(as_user, staff, membership_a, applicant_membership, membership_b):
    client = as_user(staff)
    response = client.get(url("members_export", "csv"), {"status": "active"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["ref", "name"] and header[-5:] == ["status", "fee_tier", "applied_on", "joined_on",
                                                             "ended_on"]
    assert [row[1] for row in rows[1:]] == ["MedSense Srl"]
    record = dict(zip(header, rows[1], strict=True))
    assert record["status"] == "active" and record["fee_tier"] == "medium" and record["joined_on"] == "2021-03-01"
    assert record["value_chains"] == "biomedical"
    assert "Pays late" not in response.content.decode("utf-8-sig")

    response = client.get(url("members_export", "xlsx"), {"status": "all"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["MedSense Srl", "NewCo Health"]

    assert client.get(url("members_export", "pdf")).status_code == 404


# --- adding members --------------------------------------------------------------------------------------------

NEW_ORG = {"name": "Riabilita Games Srl", "short_name": "", "kind": "startup", "is_sme": "on", "country": "it",
           "region": "ITH5", "city": "Parma", "postcode": "43121", "website": "https://riabilita.example",
           "language": "it", "languages_spoken": ["it", "en"], "description": "Serious games for rehabilitation",
           "keywords": "games;rehabilitation", "visibility": "public", "ref": ""}


@pytest.mark.django_db
def test_member_new_creates_active_member(as_user, staff, cluster_a, value_chain):
    client = as_user(staff)
    response = client.get(url("member_new"))
    assert response.status_code == 200 and 'for="id_name"' in response.content.decode()
    response = client.post(url("member_new"), {**NEW_ORG, "value_chains": [value_chain.pk]})
    org = Organisation.objects.get(name="Riabilita Games Srl")
    membership = Membership.objects.get(organisation=org, cluster=cluster_a)
    assert response.status_code == 302 and response["Location"] == url("membership", membership.pk)
    assert membership.status == Membership.Status.ACTIVE and membership.joined_on == timezone.localdate()
    assert org.country == "IT" and org.is_sme and list(org.value_chains.all()) == [value_chain]
    assert AuditEntry.objects.filter(model="directory.organisation", object_id=str(org.pk), actor=staff).exists()


@pytest.mark.django_db
def test_member_new_keeps_input_on_errors(as_user, staff):
    response = as_user(staff).post(url("member_new"), {**NEW_ORG, "name": "", "country": "I1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Enter the two-letter ISO code" in content
    assert 'value="Parma"' in content
    assert not Organisation.objects.filter(city="Parma").exists()


@pytest.mark.django_db
def test_member_new_validates_like_the_profile_form(as_user, staff):
    client = as_user(staff)
    response = client.post(url("member_new"), {**NEW_ORG, "country": "XX", "languages_spoken": ["it", "klingon"]})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"country", "languages_spoken"}
    content = response.content.decode()
    assert "Enter the two-letter ISO code" in content
    # what was typed stays, and the wrong fields are marked for the eye and for screen readers
    assert 'value="XX"' in content and 'value="Parma"' in content and "Serious games for rehabilitation" in content
    assert 'value="games;rehabilitation"' in content
    assert 'class="text-uppercase form-control is-invalid"' in content
    assert 'aria-invalid="true"' in content
    assert not Organisation.objects.filter(name="Riabilita Games Srl").exists()

    # the EU's code for the United Kingdom is stored as ISO; keywords are tidied as on the member's own form
    response = client.post(url("member_new"), {**NEW_ORG, "country": "uk", "keywords": " games ;; rehab;games "})
    assert response.status_code == 302
    org = Organisation.objects.get(name="Riabilita Games Srl")
    assert (org.country, org.keywords, org.languages_spoken) == ("GB", "games; rehab", "it,en")


@pytest.mark.django_db
def test_member_new_refuses_a_reference_already_used(as_user, staff, org_b):
    Organisation.objects.filter(pk=org_b.pk).update(ref="PIC-999")
    response = as_user(staff).post(url("member_new"), {**NEW_ORG, "ref": "PIC-999"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["ref"]
    assert not Organisation.objects.filter(name="Riabilita Games Srl").exists()


@pytest.mark.django_db
def test_member_new_warns_of_likely_duplicates_then_creates_anyway(as_user, staff, org_a, cluster_a):
    client = as_user(staff)
    data = {**NEW_ORG, "name": "Medsense SRL", "website": ""}
    response = client.post(url("member_new"), data)
    assert response.status_code == 200
    duplicates = response.context["duplicates"]
    assert [d.organisation.pk for d in duplicates] == [org_a.pk]
    assert duplicates[0].membership.cluster == cluster_a  # already a member here: no link button
    assert "may already be on the platform" in response.content.decode()
    assert Organisation.objects.filter(name="Medsense SRL").count() == 0

    response = client.post(url("member_new"), {**data, "confirm": "1"})
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Medsense SRL").count() == 1


@pytest.mark.django_db
def test_member_new_duplicates_ignore_legal_forms_as_the_import_does(as_user, staff, org_a):
    # "MEDSENSE S.R.L." and "MedSense Srl" differ only by how the legal form is written
    response = as_user(staff).post(url("member_new"), {**NEW_ORG, "name": "MEDSENSE S.R.L.", "website": ""})
    assert response.status_code == 200
    duplicates = response.context["duplicates"]
    assert [(d.organisation.pk, d.reasons) for d in duplicates] == [(org_a.pk, ["similar name in the same country"])]
    assert not Organisation.objects.filter(name="MEDSENSE S.R.L.").exists()


@pytest.mark.django_db
def test_member_new_asks_an_organisation_kept_elsewhere_to_apply(as_user, staff, admin, org_b, outsider_member,
                                                                 cluster_a):
    # org_b is an active member of Beta and has its own representative: Alpha's staff may not enrol it themselves
    data = {**NEW_ORG, "name": "Velfaerd Robotics A/S", "country": "DK", "website": ""}
    response = as_user(staff).post(url("member_new"), data)
    assert response.status_code == 200
    [duplicate] = response.context["duplicates"]
    assert duplicate.organisation == org_b and duplicate.membership is None and duplicate.must_apply
    content = response.content.decode()
    assert f'name="link" value="{org_b.pk}"' not in content
    assert "it must apply to Alpha Health Cluster itself" in content
    # forcing the link anyway is refused by the service
    response = as_user(staff).post(url("member_new"), {**data, "link": str(org_b.pk)}, follow=True)
    assert "ask them to apply" in response.content.decode()
    assert not Membership.objects.filter(organisation=org_b, cluster=cluster_a).exists()
    # a platform admin may enrol it, as the service allows
    response = as_user(admin).post(url("member_new"), data)
    [duplicate] = response.context["duplicates"]
    assert not duplicate.must_apply
    assert f'name="link" value="{org_b.pk}"' in response.content.decode()


@pytest.mark.django_db
def test_member_new_links_an_existing_organisation(as_user, staff, org_b, cluster_a):
    Organisation.objects.filter(pk=org_b.pk).update(website="https://www.velfaerd.example/en/")
    # it left Beta and has no representative: nobody else keeps it, so Alpha's staff may enrol it themselves
    Membership.objects.filter(organisation=org_b).update(status=Membership.Status.LEFT)
    client = as_user(staff)
    data = {**NEW_ORG, "name": "VR Robotics", "country": "DK", "website": "http://velfaerd.example"}
    response = client.post(url("member_new"), data)
    assert [d.organisation.pk for d in response.context["duplicates"]] == [org_b.pk]
    assert f'name="link" value="{org_b.pk}"' in response.content.decode()

    response = client.post(url("member_new"), {**data, "link": str(org_b.pk)})
    membership = Membership.objects.get(organisation=org_b, cluster=cluster_a)
    assert response.status_code == 302 and response["Location"] == url("membership", membership.pk)
    assert membership.status == Membership.Status.ACTIVE and membership.joined_on == timezone.localdate()
    assert not Organisation.objects.filter(name="VR Robotics").exists()

    # linking again is refused and creates nothing
    response = client.post(url("member_new"), {**data, "link": str(org_b.pk)}, follow=True)
    assert "already has a membership" in response.content.decode()
    assert Membership.objects.filter(organisation=org_b, cluster=cluster_a).count() == 1
    assert not Organisation.objects.filter(name="VR Robotics").exists()


@pytest.mark.django_db
def test_member_new_cannot_link_an_organisation_the_staff_cannot_see(as_user, staff, org_b, cluster_a):
    Organisation.objects.filter(pk=org_b.pk).update(visibility=Visibility.PRIVATE)
    response = as_user(staff).post(url("member_new"), {**NEW_ORG, "link": str(org_b.pk)})
    assert response.status_code == 404
    assert not Membership.objects.filter(organisation=org_b, cluster=cluster_a).exists()
    # and a private organisation of another cluster is not offered as a duplicate either
    response = as_user(staff).post(url("member_new"), {**NEW_ORG, "name": "Velfærd Robotics ApS", "country": "DK"})
    assert response.status_code == 302


# --- one membership --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_membership_page_and_notes(as_user, staff, membership_a, org_a, person_a, member, opportunity_a,
                                   private_opportunity_a):
    client = as_user(staff)
    response = client.get(url("membership", membership_a.pk))
    content = response.content.decode()
    assert "Pays late, be kind" in content
    assert reverse("directory:profile", args=[org_a.slug]) in content
    assert reverse("directory:org_edit", args=[org_a.slug]) in content
    assert url("person", person_a.pk) in content
    assert "Sensore indossabile" in content and "Confidential partner search" in content
    assert url("membership_status", membership_a.pk) in content

    response = client.post(url("membership", membership_a.pk), {"fee_tier": "large", "notes": "Upgraded in 2025"})
    assert response.status_code == 302
    membership_a.refresh_from_db()
    assert (membership_a.fee_tier, membership_a.notes) == ("large", "Upgraded in 2025")

    response = client.get(url("membership", membership_a.pk))
    rows = response.context["history"]
    change = next(row for row in rows if row.entry.actor == staff)
    assert {c.name: (c.old, c.new) for c in change.changes}["fee_tier"] == (
        "Medium (SME)", "Large (enterprise, university, hospital)")

    response = client.post(url("membership", membership_a.pk), {"fee_tier": "platinum", "notes": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    membership_a.refresh_from_db()
    assert membership_a.fee_tier == "large"


@pytest.mark.django_db
def test_other_clusters_records_are_404_through_this_clusters_urls(as_user, staff, outsider, membership_a,
                                                                   membership_b, person_b, opportunity_b, org_b):
    client = as_user(staff)
    assert client.get(url("membership", membership_b.pk)).status_code == 404
    assert client.post(url("membership", membership_b.pk), {"fee_tier": "large", "notes": "x"}).status_code == 404
    assert client.post(url("membership_status", membership_b.pk), {"status": "left"}).status_code == 404
    assert client.get(url("person", person_b.pk)).status_code == 404
    assert client.post(url("moderate", opportunity_b.pk), {"decision": "hide", "note": "x"}).status_code == 404
    for model, pk in [("directory.organisation", org_b.pk), ("directory.membership", membership_b.pk),
                      ("directory.person", person_b.pk), ("directory.opportunity", opportunity_b.pk)]:
        assert client.get(url("history", model, pk)).status_code == 404, model
    membership_b.refresh_from_db()
    opportunity_b.refresh_from_db()
    assert membership_b.status == Membership.Status.ACTIVE and membership_b.notes == ""
    assert opportunity_b.status == Opportunity.Status.PUBLISHED

    # and the other way round: cluster_b's staff cannot reach cluster_a's records through cluster_b's URLs
    client = as_user(outsider)
    assert client.get(url("membership", membership_a.pk, cluster="beta")).status_code == 404
    assert client.post(url("membership_status", membership_a.pk, cluster="beta"),
                       {"status": "left"}).status_code == 404
    membership_a.refresh_from_db()
    assert membership_a.status == Membership.Status.ACTIVE


# --- people ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_people_list_search_and_filters(as_user, staff, person_a, person_b, member, applicant_user):
    client = as_user(staff)
    response = client.get(url("people"))
    names = {str(p) for p in response.context["page"]}
    assert names == {"Chiara Fontana", "Member Rep", "Applicant Rep"}  # applicants' people too; not cluster_b's
    content = response.content.decode()
    assert "chiara@medsense.example" in content and "Project manager" in content

    assert {str(p) for p in client.get(url("people"), {"q": "newco"}).context["page"]} == {"Applicant Rep"}
    assert {str(p) for p in client.get(url("people"), {"q": "chiara@"}).context["page"]} == {"Chiara Fontana"}
    assert {str(p) for p in client.get(url("people"), {"consent": "newsletter"}).context["page"]} == {
        "Chiara Fontana"}
    assert {str(p) for p in client.get(url("people"), {"representative": "1"}).context["page"]} == {
        "Member Rep", "Applicant Rep"}
    assert not list(client.get(url("people"), {"consent": "directory"}).context["page"])


@pytest.mark.django_db
def test_person_page(as_user, staff, person_a, org_a, membership_a):
    response = as_user(staff).get(url("person", person_a.pk))
    content = response.content.decode()
    assert reverse("directory:person_edit", args=[org_a.slug, person_a.pk]) in content
    assert url("membership", membership_a.pk) in content
    assert response.context["history"] and response.context["history"][0].entry.action == "create"
    assert as_user(staff).get(url("person", 999999)).status_code == 404


# --- moderation ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_moderation_tabs_approve_and_hide(as_user, staff, opportunity_a, private_opportunity_a, opportunity_b):
    client = as_user(staff)
    response = client.get(url("opportunities"))
    assert {o.pk for o in response.context["page"]} == {opportunity_a.pk, private_opportunity_a.pk}
    assert "Care robot distribution" not in response.content.decode()

    response = client.post(url("moderate", opportunity_a.pk), {"decision": "approve"})
    assert response.status_code == 302
    opportunity_a.refresh_from_db()
    assert opportunity_a.status == Opportunity.Status.PUBLISHED and opportunity_a.reviewed_by == staff
    assert opportunity_a.reviewed_at is not None

    # hiding needs a note for the author
    response = client.post(url("moderate", private_opportunity_a.pk), {"decision": "hide", "note": "  "},
                           follow=True)
    assert "Say why the opportunity is hidden" in response.content.decode()
    private_opportunity_a.refresh_from_db()
    assert private_opportunity_a.status == Opportunity.Status.PUBLISHED and private_opportunity_a.reviewed_at is None

    client.post(url("moderate", private_opportunity_a.pk), {"decision": "hide", "note": "Duplicate of another post"})
    private_opportunity_a.refresh_from_db()
    assert private_opportunity_a.status == Opportunity.Status.HIDDEN
    assert private_opportunity_a.moderation_note == "Duplicate of another post"

    assert not list(client.get(url("opportunities")).context["page"])
    hidden = client.get(url("opportunities"), {"tab": "hidden"})
    assert [o.pk for o in hidden.context["page"]] == [private_opportunity_a.pk]
    assert "Duplicate of another post" in hidden.content.decode()
    assert len(client.get(url("opportunities"), {"tab": "all"}).context["page"]) == 2

    response = client.post(url("moderate", opportunity_a.pk), {"decision": "delete"}, follow=True)
    assert "Choose to approve or to hide" in response.content.decode()

    # a hidden one may be published again
    client.post(url("moderate", private_opportunity_a.pk), {"decision": "approve"})
    private_opportunity_a.refresh_from_db()
    assert private_opportunity_a.status == Opportunity.Status.PUBLISHED

    # a draft is its organisation's: moderating it would publish it behind the author's back
    Opportunity.objects.filter(pk=opportunity_a.pk).update(status=Opportunity.Status.DRAFT)
    response = client.post(url("moderate", opportunity_a.pk), {"decision": "approve"}, follow=True)
    assert "Only published or hidden opportunities" in response.content.decode()
    opportunity_a.refresh_from_db()
    assert opportunity_a.status == Opportunity.Status.DRAFT


# --- audit log -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_log_shows_who_changed_what(as_user, staff, manager, membership_a, org_a):
    as_user(staff).post(url("membership", membership_a.pk), {"fee_tier": "honorary", "notes": "Founding member"})
    response = as_user(manager).get(url("audit"))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r.entry.actor == staff)
    changes = {c.name: (c.old, c.new) for c in row.changes}
    assert changes["fee_tier"] == ("Medium (SME)", "Honorary / founding")
    assert changes["notes"] == ("Pays late, be kind", "Founding member")
    content = response.content.decode()
    assert "Honorary / founding" in content and "Fee tier" in content and ">staff<" in content.replace("\n", "")
    assert url("history", "directory.membership", membership_a.pk) in content

    # related records are named, not numbered
    created = next(r for r in response.context["rows"]
                   if r.entry.model == "directory.membership" and r.entry.action == "create")
    assert {c.name: c.new for c in created.changes}["organisation_id"] == "MedSense Srl"

    only_orgs = as_user(manager).get(url("audit"), {"model": "directory.organisation", "action": "create"})
    assert only_orgs.context["rows"]
    assert all(r.entry.model == "directory.organisation" and r.entry.action == "create"
               for r in only_orgs.context["rows"])


@pytest.mark.django_db
def test_audit_log_keeps_other_clusters_memberships_private(as_user, staff, org_b, cluster_a, membership_b,
                                                            person_b):
    # org_b also applies to cluster_a: its people and profile now appear, its cluster_b membership does not
    Membership.objects.create(organisation=org_b, cluster=cluster_a, status=Membership.Status.APPLICANT)
    membership_b.notes = "Secret of Beta"
    membership_b.save()
    response = as_user(staff).get(url("audit"))
    entries = [r.entry for r in response.context["rows"]]
    assert any(e.model == "directory.person" and e.object_id == str(person_b.pk) for e in entries)
    assert not any(e.model == "directory.membership" and e.object_id == str(membership_b.pk) for e in entries)
    assert "Secret of Beta" not in response.content.decode()
    assert as_user(staff).get(url("history", "directory.membership", membership_b.pk)).status_code == 404
    assert as_user(staff).get(url("history", "directory.organisation", org_b.pk)).status_code == 200


@pytest.mark.django_db
def test_audit_log_is_paginated(as_user, staff, org_a):
    for i in range(60):
        Person.objects.create(organisation=org_a, first_name=f"P{i}", last_name="Test")
    response = as_user(staff).get(url("audit"))
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages >= 2
    assert len(as_user(staff).get(url("audit"), {"page": 2}).context["rows"]) >= 10


@pytest.mark.django_db
def test_history_of_records(as_user, staff, membership_a, person_a, opportunity_a, org_a):
    client = as_user(staff)
    for model, pk in [("directory.organisation", org_a.pk), ("directory.membership", membership_a.pk),
                      ("directory.person", person_a.pk), ("directory.opportunity", opportunity_a.pk)]:
        response = client.get(url("history", model, pk))
        assert response.status_code == 200, model
        assert all(r.entry.model == model and r.entry.object_id == str(pk) for r in response.context["rows"])
        assert response.context["rows"]
    assert client.get(url("history", "core.user", 1)).status_code == 404
    assert client.get(url("history", "directory.person", "abc")).status_code == 404
    assert client.get(url("history", "directory.person", 999999)).status_code == 404

    # a deleted person of a member keeps its history
    pk = person_a.pk
    person_a.delete()
    response = client.get(url("history", "directory.person", pk))
    assert response.status_code == 200
    assert [r.entry.action for r in response.context["rows"]][0] == "delete"
    assert "Chiara Fontana" in response.content.decode()


@pytest.mark.django_db
def test_audit_keeps_other_clusters_drafts_private(as_user, staff, org_b, cluster_a, cluster_b):
    """org_b belongs to both clusters; its draft is moderated by beta: alpha's staff see neither it nor its log."""
    Membership.objects.create(organisation=org_b, cluster=cluster_a, status=Membership.Status.ACTIVE)
    draft = Opportunity.objects.create(organisation=org_b, cluster=cluster_b, type=Opportunity.Type.BUSINESS_OFFER,
                                       title="Secret Beta draft", summary="s", status=Opportunity.Status.DRAFT)
    client = as_user(staff)
    assert "Secret Beta draft" not in client.get(url("audit")).content.decode()
    assert client.get(url("history", "directory.opportunity", str(draft.pk))).status_code == 404
    # the organisation's own history stays readable
    assert client.get(url("history", "directory.organisation", str(org_b.pk))).status_code == 200
