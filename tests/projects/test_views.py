"""Project and call pages through the real HTTP stack: the back office's portfolio, board, project page, forms, call
form and consortium builder (outsiders get a 404, observers read only, forms keep what was typed), and the public
pages of calls (partner searches, following, interest) and projects."""

from __future__ import annotations

import datetime
import re

import pytest

from filiera.core.models import AuditEntry
from filiera.directory.models import Opportunity
from filiera.projects.models import Call, Deliverable, Partner, PartnerSearch, Project, ProjectDocument, WorkPackage

BACK_OFFICE = ["/c/alpha/projects/", "/c/alpha/projects/board/", "/c/alpha/projects/funding/"]


@pytest.mark.django_db
def test_the_back_office_is_for_the_cluster_s_staff_and_observers(as_user, client, staff, observer, member,
                                                                  outsider, project_a, public_record):
    for url in BACK_OFFICE + [f"/c/alpha/projects/{project_a.pk}/"]:
        assert client.get(url).status_code == 302  # sign in first
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(member).get(url).status_code == 404
        assert as_user(observer).get(url).status_code == 200
        assert as_user(staff).get(url).status_code == 200
    for url in ["/c/alpha/projects/new/", "/c/alpha/projects/builder/", "/c/alpha/projects/calls/new/",
                f"/c/alpha/projects/{project_a.pk}/edit/"]:
        assert as_user(observer).get(url).status_code == 404
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(staff).get(url).status_code == 200
    # A project of alpha's portfolio is not reachable through beta's back office.
    assert as_user(outsider).get(f"/c/beta/projects/{project_a.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_portfolio_shows_totals_by_each_grouping(as_user, staff, observer, project_a, public_record):
    html = as_user(staff).get("/c/alpha/projects/").content.decode()
    assert "CARE4ALL" in html and "REMOTE" in html and "New project" in html
    assert "6.521.964" in html or "6,521,964" in html  # the total budget of both
    html = as_user(staff).get("/c/alpha/projects/?by=programme&status=closed").content.decode()
    assert "REMOTE" in html and "CARE4ALL" not in html
    html = as_user(observer).get("/c/alpha/projects/?by=year").content.decode()
    assert "2025" in html and "2018" in html and "New project" not in html
    html = as_user(staff).get("/c/alpha/projects/funding/").content.decode()
    assert html.index("MedSense") < html.index("Policlinico")


@pytest.mark.django_db
def test_staff_move_projects_on_the_board(as_user, staff, observer, project_a):
    html = as_user(staff).get("/c/alpha/projects/board/").content.decode()
    assert 'data-project="CARE4ALL"' in html
    assert as_user(observer).post(f"/c/alpha/projects/{project_a.pk}/move/", {"status": "closed"}).status_code == 404
    response = as_user(staff).post(f"/c/alpha/projects/{project_a.pk}/move/", {"status": "idea"}, follow=True)
    assert "cannot go from" in response.content.decode()
    project_a.refresh_from_db()
    assert project_a.status == "running"
    as_user(staff).post(f"/c/alpha/projects/{project_a.pk}/move/", {"status": "closed"})
    project_a.refresh_from_db()
    assert project_a.status == "closed"


@pytest.mark.django_db
def test_staff_create_a_project_and_the_form_keeps_what_was_typed(as_user, staff, call, value_chain):
    data = {"acronym": "FRAIL", "title": "Frail patients at home", "programme": "Interreg Alpine Space",
            "call": call.pk, "status": "idea", "start_date": "2027-03-01", "end_date": "2026-01-01",
            "total_budget": "2521964", "eu_contribution": "1929500", "value_chains": [value_chain.pk]}
    response = as_user(staff).post("/c/alpha/projects/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "cannot end before it starts" in html
    assert 'value="Frail patients at home"' in html and not Project.objects.filter(acronym="FRAIL").exists()
    data["end_date"] = "2029-08-31"
    response = as_user(staff).post("/c/alpha/projects/new/", data)
    project = Project.objects.get(acronym="FRAIL")
    assert response.status_code == 302 and project.cluster.slug == "alpha" and project.created_by == staff
    assert list(project.value_chains.all()) == [value_chain]
    assert AuditEntry.objects.filter(model="projects.project", object_id=str(project.pk)).exists()


@pytest.mark.django_db
def test_staff_add_partners_work_packages_deliverables_and_documents(as_user, staff, observer, project_a,
                                                                     university_a, org_b):
    staff_client = as_user(staff)
    url = f"/c/alpha/projects/{project_a.pk}"
    # org_b is not alpha's member: not offered, refused
    response = staff_client.post(f"{url}/add-partner/", {"partner-organisation": org_b.pk, "partner-role": "partner"})
    assert response.status_code == 400 and not project_a.partners.filter(organisation=org_b).exists()
    staff_client.post(f"{url}/add-partner/", {"partner-organisation": university_a.pk, "partner-role": "partner",
                                             "partner-budget": "300000"})
    partner = Partner.objects.get(project=project_a, organisation=university_a)
    staff_client.post(f"{url}/add-wp/", {"wp-number": "2", "wp-title": "Pilots", "wp-lead": partner.pk})
    work_package = WorkPackage.objects.get(project=project_a, number=2)
    assert work_package.lead == partner
    response = staff_client.post(f"{url}/add-wp/", {"wp-number": "2", "wp-title": "Again"})
    assert response.status_code == 400 and 'value="Again"' in response.content.decode()
    staff_client.post(f"{url}/add-deliverable/", {"deliverable-work_package": work_package.pk,
                                                 "deliverable-code": "D2.1", "deliverable-title": "Pilot plan",
                                                 "deliverable-due_on": "2026-06-30"})
    deliverable = Deliverable.objects.get(code="D2.1")
    staff_client.post(f"{url}/delivered/{deliverable.pk}/")
    deliverable.refresh_from_db()
    assert deliverable.delivered_on == datetime.date.today()
    staff_client.post(f"{url}/add-document/", {"document-title": "Grant agreement",
                                              "document-url": "https://drive.example.org/ga.pdf"})
    document = ProjectDocument.objects.get(project=project_a)
    html = staff_client.get(f"{url}/").content.decode()
    assert "Pilot plan" in html and "Grant agreement" in html and "Università di Bologna" in html
    assert "at least 3 partners (has 3)" in html
    staff_client.post(f"{url}/partner/{partner.pk}/")
    assert not Partner.objects.filter(pk=partner.pk).exists()
    assert as_user(observer).post(f"{url}/document/{document.pk}/").status_code == 404
    assert ProjectDocument.objects.filter(pk=document.pk).exists()
    assert "Add a partner" not in as_user(observer).get(f"{url}/").content.decode()


@pytest.mark.django_db
def test_a_public_record_is_read_not_changed_in_the_back_office(as_user, staff, public_record):
    html = as_user(staff).get(f"/c/alpha/projects/{public_record.pk}/").content.decode()
    assert "REMOTE" in html and "Add a partner" not in html
    assert as_user(staff).post(f"/c/alpha/projects/{public_record.pk}/move/",
                               {"status": "running"}).status_code == 404


@pytest.mark.django_db
def test_staff_enter_a_call_with_its_rules_and_needs(as_user, staff, observer, concept, call, cluster_b, outsider):
    data = {"identifier": "ER-FESR-2027-01", "title": "Regional call for health innovation",
            "programme": "ERDF Emilia-Romagna", "status": "open", "deadline": "2027-05-31", "min_partners": "3",
            "max_partners": "2", "min_countries": "1", "kind_sme": "2", "kind_hospital": "1",
            "key_needs": [concept.pk]}
    response = as_user(staff).post("/c/alpha/projects/calls/new/", data)
    assert response.status_code == 200 and "cannot be below the minimum" in response.content.decode()
    assert 'value="Regional call for health innovation"' in response.content.decode()
    data["max_partners"] = "8"
    response = as_user(staff).post("/c/alpha/projects/calls/new/", data)
    created = Call.objects.get(identifier="ER-FESR-2027-01")
    assert response.status_code == 302 and created.required_kinds == {"sme": 2, "hospital": 1}
    assert list(created.call_needs.values_list("concept__slug", "weight")) == [("telemonitoring", 2.0)]
    assert created.cluster.slug == "alpha"
    data["identifier"] = call.identifier
    assert "exists already" in as_user(staff).post("/c/alpha/projects/calls/new/", data).content.decode()
    assert as_user(observer).post("/c/alpha/projects/calls/new/", data).status_code == 404
    # Another cluster's call is theirs to change.
    assert as_user(outsider).get(f"/c/beta/projects/calls/{created.pk}/edit/").status_code == 302


@pytest.mark.django_db
def test_the_builder_shows_alternatives_and_saves_one_as_a_proposal(as_user, staff, outsider, call, org_a,
                                                                   hospital_a, university_a):
    response = as_user(staff).get(f"/c/alpha/projects/builder/?call={call.pk}&coordinator={university_a.pk}")
    html = response.content.decode()
    assert "Alternative 1" in html and "proven best" in html and "Telemonitoring" in html
    assert as_user(outsider).get(f"/c/alpha/projects/builder/?call={call.pk}").status_code == 404
    html = as_user(staff).get(f"/c/alpha/projects/builder/?call={call.pk}&max_size=2").content.decode()
    assert "Alternative 1" not in html and "alert-danger" in html
    response = as_user(staff).post("/c/alpha/projects/builder/save/", {
        "call": call.pk, "coordinator": university_a.pk, "members": [org_a.pk, hospital_a.pk, university_a.pk],
        "acronym": "FRAIL", "back": f"?call={call.pk}"})
    project = Project.objects.get(acronym="FRAIL")
    assert response.status_code == 302 and response["Location"].endswith(f"/c/alpha/projects/{project.pk}/")
    assert project.status == "proposal" and project.partners.count() == 3
    response = as_user(staff).post("/c/alpha/projects/builder/save/", {
        "call": call.pk, "members": [org_a.pk], "acronym": "", "back": f"?call={call.pk}"}, follow=True)
    assert Project.objects.filter(status="proposal").count() == 1
    assert as_user(outsider).post("/c/alpha/projects/builder/save/", {
        "call": call.pk, "members": [org_a.pk], "acronym": "X"}).status_code == 404


@pytest.mark.django_db
def test_members_post_follow_and_answer_partner_searches_for_a_call(as_user, client, call, member, org_a,
                                                                    outsider_member, org_b, staff):
    html = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Telemonitoring of chronic patients" in html and "Sign in" in html
    assert "at least 1 × SME" in html and "at least 3 partners" in html
    response = as_user(member).post(f"/calls/{call.pk}/", {"organisation": org_a.pk, "title": "",
                                                           "summary": "We need a hospital", "visibility": "public"})
    assert response.status_code == 200 and "We need a hospital" in response.content.decode()
    response = as_user(member).post(f"/calls/{call.pk}/", {"organisation": org_a.pk, "title": "Hospital wanted",
                                                           "summary": "We need a hospital", "visibility": "public"})
    assert response.status_code == 302
    search = PartnerSearch.objects.get(call=call)
    assert search.opportunity.type == Opportunity.Type.RD_PARTNER_SEARCH
    assert "Hospital wanted" in client.get(f"/calls/{call.pk}/").content.decode()
    # Posting for someone else's organisation is refused by the form's choices.
    response = as_user(member).post(f"/calls/{call.pk}/", {"organisation": org_b.pk, "title": "x", "summary": "y",
                                                           "visibility": "public"})
    assert response.status_code == 200 and PartnerSearch.objects.count() == 1
    assert client.post(f"/calls/searches/{search.pk}/follow/").status_code == 302  # to sign in
    as_user(staff).post(f"/calls/searches/{search.pk}/follow/", {"follow": "1"})
    assert list(search.followers.all()) == [staff]
    as_user(outsider_member).post(f"/calls/searches/{search.pk}/interest/", {"organisation": org_b.pk,
                                                                            "message": "Robots for the pilots"})
    assert search.interests.get().organisation == org_b
    html = as_user(outsider_member).get(f"/calls/{call.pk}/").content.decode()
    assert "Interest sent" in html


@pytest.mark.django_db
def test_a_members_only_search_is_hidden_from_visitors(as_user, client, call, member, org_a, outsider_member):
    as_user(member).post(f"/calls/{call.pk}/", {"organisation": org_a.pk, "title": "Secret consortium",
                                                "summary": "Members only", "visibility": "members"})
    search = PartnerSearch.objects.get()
    assert "Secret consortium" not in client.get(f"/calls/{call.pk}/").content.decode()
    assert "Secret consortium" in as_user(member).get(f"/calls/{call.pk}/").content.decode()
    assert as_user(outsider_member).post(f"/calls/searches/{search.pk}/interest/", {
        "organisation": 1, "message": "x"}).status_code == 404


@pytest.mark.django_db
def test_the_public_lists_of_calls_and_projects(client, as_user, call, project_a, public_record, member):
    Call.objects.create(identifier="OLD-1", title="A closed call", deadline=datetime.date(2020, 1, 1))
    html = client.get("/calls/").content.decode()
    assert call.title in html and "A closed call" not in html
    assert "A closed call" in client.get("/calls/?show=all").content.decode()
    assert "Telemonitoring" in client.get("/calls/?q=telemon").content.decode()
    html = client.get("/projects/").content.decode()
    assert "REMOTE" in html and "CARE4ALL" not in html
    assert client.get(f"/projects/{project_a.pk}/").status_code == 404
    assert as_user(member).get(f"/projects/{project_a.pk}/").status_code == 200
    html = client.get(f"/projects/{public_record.pk}/").content.decode()
    assert "MedSense" in html and ("1.929.500" in html or "1,929,500" in html)


PARTICIPATIONS = (
    "project_ref,project_acronym,programme,start_date,end_date,total_cost,eu_contribution,org_ref,role,org_contribution\n"
    "9001,VITA,Horizon Europe,2024-01-01,2026-12-31,3000000,2500000,PIC-A,coordinator,800000\n"
    "9001,VITA,Horizon Europe,2024-01-01,2026-12-31,3000000,2500000,PIC-X,participant,400000\n"
)


@pytest.mark.django_db
def test_staff_import_participations_with_a_preview_and_a_confirmation(as_user, staff, observer, outsider, org_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org_a.ref = "PIC-A"
    org_a.save()
    url = "/c/alpha/projects/import/"
    assert as_user(observer).get(url).status_code == 404
    assert as_user(outsider).get(url).status_code == 404

    def upload(**extra):
        return {"what": "participations", "file": SimpleUploadedFile("vita.csv", PARTICIPATIONS.encode()), **extra}

    staff_client = as_user(staff)
    response = staff_client.post(url, upload())
    html = response.content.decode()
    assert "row 3, column org_ref" in html and "PIC-X" in html and 'name="token"' not in html
    assert not Project.objects.exists()
    response = staff_client.post(url, upload(create_missing="on"))
    html = response.content.decode()
    assert "Would import: projects 1 to create" in html and not Project.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert as_user(outsider).post("/c/beta/projects/import/", {"token": token}).status_code == 400
    response = staff_client.post(url, {"token": token}, follow=True)
    assert "Imported: projects 1 created" in response.content.decode()
    project = Project.objects.get(ref="9001")
    assert project.cluster.slug == "alpha" and project.partners.count() == 2
    assert staff_client.post(url, {"token": token}).status_code == 400  # once only


@pytest.mark.django_db
def test_the_poster_accepts_or_declines_the_interests_received(as_user, call, member, org_a, outsider_member,
                                                               org_b, django_capture_on_commit_callbacks):
    from django.core import mail

    as_user(member).post(f"/calls/{call.pk}/", {"organisation": org_a.pk, "title": "Hospital wanted",
                                                "summary": "For the pilots", "visibility": "public"})
    search = PartnerSearch.objects.get()
    as_user(outsider_member).post(f"/calls/searches/{search.pk}/interest/", {"organisation": org_b.pk,
                                                                            "message": "Robots for the pilots"})
    interest = search.interests.get()
    assert "Robots for the pilots" not in as_user(outsider_member).get(f"/calls/{call.pk}/").content.decode()
    html = as_user(member).get(f"/calls/{call.pk}/").content.decode()
    assert "Expressions of interest received" in html and "Robots for the pilots" in html
    assert as_user(outsider_member).post(f"/calls/interests/{interest.pk}/accept/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(member).post(f"/calls/interests/{interest.pk}/accept/", follow=True)
    assert "You accepted the interest of Velfærd Robotics ApS." in response.content.decode()
    interest.refresh_from_db()
    assert interest.status == "accepted"
    assert mail.outbox[-1].to == ["outsidermember@example.org"] and "accepted" in mail.outbox[-1].subject
    assert as_user(member).post(f"/calls/interests/{interest.pk}/maybe/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("language, call_page, back_office", [
    ("it", ["Regole di ammissibilità", "Ricerche partner per questo bando"], ["Bacheca delle fasi",
                                                                            "Generatore di consorzi"]),
    ("da", ["Regler for støtteberettigelse", "Partnersøgninger til denne indkaldelse"], ["Pipelinetavle",
                                                                                       "Konsortiebygger"]),
    ("es", ["Reglas de elegibilidad", "Búsquedas de socios para esta convocatoria"], ["Tablero de fases",
                                                                                    "Generador de consorcios"]),
])
def test_the_project_pages_speak_the_user_s_language(as_user, client, staff, call, project_a, language, call_page,
                                                     back_office):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(f"/calls/{call.pk}/").content.decode()
    assert all(text in html for text in call_page) and "Eligibility rules" not in html
    staff_client = as_user(staff)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = staff_client.get("/c/alpha/projects/").content.decode()
    assert all(text in html for text in back_office) and "Pipeline board" not in html
