"""The excellence self-assessment: live answers from the hand-counted `history` fixture, staff's answers and their
evidence (uploads refused with a clear message), completing freezes the results, the history, improvement actions,
the evidence pack (a PDF and the files, zipped), and the pages through the real HTTP stack (staff change, observers
read, other clusters get a 404, evidence files only to the cluster)."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry, ExcellenceLabel
from filiera.directory.models import Membership, Organisation
from filiera.monitoring import assessments, excellence
from filiera.monitoring import services as monitoring
from filiera.monitoring.models import Assessment, AssessmentAnswer, EvidenceDocument, ImprovementAction

YEAR = 2025
TODAY = datetime.date(2026, 1, 15)
PDF = b"%PDF-1.4\n% a small document\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assessment(cluster_a, staff):
    return assessments.start_assessment(viewer_for(staff), cluster_a, year=YEAR, level="silver", user=staff)


def pdf(name: str = "plan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def by_code(review) -> dict:
    return {item.code: item for item in review.criteria}


def add_actions(cluster, n: int, **extra) -> list[ImprovementAction]:
    return [ImprovementAction.objects.create(cluster=cluster, area="governance", title=f"Action {i}", owner="Clémence",
                                             due_on=datetime.date(2026, 6, 30), **extra) for i in range(n)]


# --- the service ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_live_criteria_are_answered_from_the_history_counted_by_hand(history, cluster_a, staff, assessment):
    review = assessments.review(assessment, TODAY)
    items = by_code(review)
    # Three members at the end of 2025 in two helices (industry: org_a and the startup; health: the hospital).
    assert items["committed_members"].value == 3 and items["committed_members"].met["bronze"] is False
    assert items["committed_members"].reasons["bronze"] == "below the threshold"
    assert items["member_helices"].value == 2 and items["member_helices"].met == {"bronze": True, "silver": True,
                                                                                "gold": False}
    assert items["sme_share"].value == 66.7 and items["active_members"].value == 66.7
    assert items["retention"].value == 66.7 and items["retention"].met == {"silver": False, "gold": False}
    assert items["events"].value == 1 and items["b2b_meetings"].value == 1
    assert items["projects_submitted"].value == 2 and items["projects_funded"].value == 1
    assert items["cluster_cooperation"].value == 1
    assert items["satisfaction_measured"].value == 66.7 and items["members_satisfied"].value == 50
    assert items["management_team"].value is None and items["management_team"].reasons["bronze"] == \
        "no figure for the year"
    assert items["measurable_targets"].value == 0 and items["improvement_actions"].value == 0
    assert items["strategy"].reasons["bronze"] == "not answered yet"
    # Bronze: the helices and the survey = 2 of 14 = 14 %.
    assert review.readiness_of("bronze").percent == 14 and review.readiness_of("bronze").met == 2

    viewer = viewer_for(staff)
    monitoring.enter_figure(viewer, cluster_a, "staff_fte", YEAR, Decimal("1.5"), "Contracts 2025")
    for indicator in ("members", "events", "agreements"):
        monitoring.set_target(viewer, cluster_a, indicator, YEAR, Decimal(10))
    add_actions(cluster_a, 3)
    add_actions(cluster_a, 1, status="done", done_on=datetime.date(2024, 12, 1))  # done before 2025: not counted
    assessments.answer_criterion(viewer, assessment, "strategy", met=True, user=staff)
    review = assessments.review(assessment, TODAY)
    items = by_code(review)
    assert items["management_team"].value == 1.5 and items["management_team"].value_text == "1.5 FTE"
    assert items["measurable_targets"].value == 3 and items["improvement_actions"].value == 3
    assert items["strategy"].reasons["bronze"] == "no evidence attached"
    # Bronze: helices, team, targets, survey, actions = 5 of 14 = 35.7 -> 36 %.
    assert review.readiness_of("bronze").percent == 36

    assessments.add_evidence(viewer, assessment, "strategy", url="https://alpha.example.org/strategy-2025",
                             title="Strategy 2025", user=staff)
    review = assessments.review(assessment, TODAY)
    # Bronze 6 of 14 = 43 %; silver: helices, SMEs, active members, team, strategy, projects submitted, cooperation,
    # projects funded, survey and actions = 10 of 25 = 40 %; gold: SMEs, active, strategy, survey, actions = 5 of 26.
    assert [r.percent for r in review.readiness] == [43, 40, 19]
    assert review.sought.level == "silver" and len(review.sought.missing) == 15
    assert [area for area, _label, _items in review.areas()] == list(excellence.AREAS)


@pytest.mark.django_db
def test_staff_answers_follow_each_criterion_s_kind(cluster_a, staff, assessment):
    viewer = viewer_for(staff)
    with pytest.raises(ValidationError, match="answered from the platform's data"):
        assessments.answer_criterion(viewer, assessment, "committed_members", value=Decimal(40))
    with pytest.raises(ValidationError, match="answered from the platform's data"):
        assessments.answer_criterion(viewer, assessment, "events", met=True)
    answer = assessments.answer_criterion(viewer, assessment, "committed_members",
                                          comment="Ten more members join in January", user=staff)
    assert answer.value is None and answer.met is None and answer.comment == "Ten more members join in January"
    with pytest.raises(ValidationError, match="yes or no"):
        assessments.answer_criterion(viewer, assessment, "strategy", value=Decimal(1))
    with pytest.raises(ValidationError, match="give the figure"):
        assessments.answer_criterion(viewer, assessment, "services", met=True)
    with pytest.raises(ValidationError, match="at most 100"):
        assessments.answer_criterion(viewer, assessment, "largest_funding_share", value=Decimal(120))
    with pytest.raises(ValidationError, match="cannot be negative"):
        assessments.answer_criterion(viewer, assessment, "services", value=Decimal(-1))
    with pytest.raises(ValidationError, match="not a criterion"):
        assessments.answer_criterion(viewer, assessment, "nonsense", met=True)
    assessments.answer_criterion(viewer, assessment, "services", value=Decimal(6), comment="Six services")
    assessments.answer_criterion(viewer, assessment, "services", value=Decimal(4))
    answer = AssessmentAnswer.objects.get(assessment=assessment, criterion="services")
    assert answer.value == 4 and answer.comment == ""
    assert AuditEntry.objects.filter(model="monitoring.assessmentanswer", object_id=str(answer.pk)).exists()


@pytest.mark.django_db
def test_only_staff_change_an_assessment(cluster_a, cluster_b, staff, observer, outsider, assessment):
    for user in (observer, outsider):
        viewer = viewer_for(user)
        with pytest.raises(PermissionDenied):
            assessments.start_assessment(viewer, cluster_a, year=2026, level="bronze")
        with pytest.raises(PermissionDenied):
            assessments.answer_criterion(viewer, assessment, "strategy", met=True)
        with pytest.raises(PermissionDenied):
            assessments.add_evidence(viewer, assessment, "strategy", url="https://example.org/a")
        with pytest.raises(PermissionDenied):
            assessments.complete(viewer, assessment, TODAY)
        with pytest.raises(PermissionDenied):
            assessments.save_action(viewer, cluster_a, {"area": "financing", "title": "T", "owner": "O",
                                                        "due_on": TODAY})
    with pytest.raises(ValidationError) as error:
        assessments.start_assessment(viewer_for(staff), cluster_a, year=YEAR, level="platinum")
    assert set(error.value.message_dict) == {"level", "year"}  # platinum; 2025 is already in progress


@pytest.mark.django_db
def test_evidence_uploads_are_checked_and_their_names_made_safe(cluster_a, staff, assessment):
    viewer = viewer_for(staff)
    refusals = [
        (dict(upload=pdf("malware.exe", b"MZ...")), "Upload a PDF"),
        (dict(upload=pdf("report.pdf", b"<html>not a pdf</html>")), "does not match its type"),
        (dict(upload=pdf("notes.txt", b"text\x00with a NUL")), "does not match its type"),
        (dict(upload=pdf("empty.pdf", b"")), "The file is empty"),
        (dict(upload=pdf("big.pdf", PDF + b"0" * (20 * 1024 * 1024))), "too large: at most 20 MB"),
        (dict(upload=pdf(), url="https://example.org/x"), "not both"),
        (dict(), "Give a file or a link"),
        (dict(url="ftp://example.org/plan.pdf"), "http:// or https://"),
        (dict(url="javascript:alert(1)"), "http:// or https://"),
    ]
    for kwargs, message in refusals:
        with pytest.raises(ValidationError, match=message):
            assessments.add_evidence(viewer, assessment, "strategy", **kwargs)
    assert not EvidenceDocument.objects.exists()

    document = assessments.add_evidence(viewer, assessment, "strategy", upload=pdf("../../etc/Strategy plan?.pdf"),
                                        user=staff)
    assert document.file.name == f"evidence/{cluster_a.pk}/{assessment.pk}/Strategy_plan.pdf"
    assert document.title == "Strategy_plan.pdf" and document.added_by == staff
    assert document.file.read() == PDF
    sheet = assessments.add_evidence(viewer, assessment, "services", title="Services",
                                     upload=SimpleUploadedFile("SERVICES.XLSX", b"PK\x03\x04rest"))
    assert sheet.file.name.endswith("/SERVICES.xlsx")
    with pytest.raises(ValidationError, match="not a criterion"):
        assessments.add_evidence(viewer, assessment, "nonsense", url="https://example.org/a")


@pytest.mark.django_db
def test_removing_evidence_removes_its_file(cluster_a, staff, assessment, django_capture_on_commit_callbacks):
    viewer = viewer_for(staff)
    document = assessments.add_evidence(viewer, assessment, "strategy", upload=pdf())
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assessments.delete_evidence(viewer, document)
    assert not storage.exists(name) and not EvidenceDocument.objects.exists()


@pytest.mark.django_db
def test_completing_freezes_the_results(history, cluster_a, staff, assessment):
    viewer = viewer_for(staff)
    assessments.answer_criterion(viewer, assessment, "strategy", met=True, comment="Adopted in March")
    assessments.add_evidence(viewer, assessment, "strategy", url="https://alpha.example.org/strategy",
                             title="Strategy")
    before = assessments.review(assessment, TODAY)
    assessments.complete(viewer, assessment, TODAY)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED and assessment.completed_at is not None
    results = assessment.results
    assert results["readiness"] == {r.level: r.percent for r in before.readiness}
    assert results["criteria"]["committed_members"]["value"] == 3
    assert results["criteria"]["committed_members"]["met"] == {"bronze": False, "silver": False, "gold": False}
    assert results["criteria"]["committed_members"]["thresholds"] == {"bronze": 15, "silver": 25, "gold": 50}
    assert results["criteria"]["strategy"]["evidence"] == [{"title": "Strategy", "file": "",
                                                            "url": "https://alpha.example.org/strategy"}]
    assert "committed_members" in results["missing"]["bronze"] and "strategy" not in results["missing"]["bronze"]

    # The data change afterwards; the completed assessment does not.
    for n in range(20):
        org = Organisation.objects.create(slug=f"new-{n}", name=f"New {n}", kind="sme", country="IT", is_sme=True)
        Membership.objects.create(organisation=org, cluster=cluster_a, status="active",
                                  joined_on=datetime.date(2025, 3, 1))
    add_actions(cluster_a, 3)
    after = assessments.review(assessment, TODAY)
    assert after.frozen and by_code(after)["committed_members"].value == 3
    assert [r.percent for r in after.readiness] == [r.percent for r in before.readiness]
    assert by_code(after)["strategy"].comment == "Adopted in March"
    assert [d.title for d in by_code(after)["strategy"].evidence] == ["Strategy"]
    rows = assessments.history(cluster_a, TODAY)
    assert rows[0].readiness == results["readiness"]
    for change in (lambda: assessments.answer_criterion(viewer, assessment, "strategy", met=False),
                   lambda: assessments.add_evidence(viewer, assessment, "strategy", url="https://example.org/b"),
                   lambda: assessments.complete(viewer, assessment, TODAY)):
        with pytest.raises(ValidationError, match="completed"):
            change()
    # A new assessment of the same year sees today's data: 23 members now.
    fresh = assessments.start_assessment(viewer, cluster_a, year=YEAR, level="silver")
    assert by_code(assessments.review(fresh, TODAY))["committed_members"].value == 23


@pytest.mark.django_db
def test_the_history_lists_every_assessment_with_its_readiness(cluster_a, staff, assessment):
    viewer = viewer_for(staff)
    older = assessments.start_assessment(viewer, cluster_a, year=2022, level="bronze")
    assessments.complete(viewer, older, TODAY)
    ExcellenceLabel.objects.create(cluster=cluster_a, level="bronze", awarded_on=datetime.date(2020, 6, 1))
    ExcellenceLabel.objects.create(cluster=cluster_a, level="silver", awarded_on=datetime.date(2022, 11, 1))
    add_actions(cluster_a, 1)
    rows = assessments.history(cluster_a, TODAY)
    assert [row.assessment.year for row in rows] == [2025, 2022]
    # 2025 in progress: the one action counts for bronze (1 of 14 = 7 %); 2022 was completed with nothing (0 %).
    assert rows[0].percents == [7, 0, 0] and rows[1].percents == [0, 0, 0]
    assert [label.level for label in assessments.labels_of(cluster_a)] == ["silver", "bronze"]


@pytest.mark.django_db
def test_improvement_actions_need_an_owner_and_a_date_and_are_flagged_when_late(cluster_a, cluster_b, staff,
                                                                              assessment):
    viewer = viewer_for(staff)
    with pytest.raises(ValidationError) as error:
        assessments.save_action(viewer, cluster_a, {"area": "nowhere", "title": " ", "owner": "", "due_on": None})
    assert set(error.value.message_dict) == {"area", "title", "owner", "due_on"}
    late = assessments.save_action(viewer, cluster_a, {
        "area": "financing", "title": "Diversify the funding", "owner": "Sauro", "assessment": assessment,
        "due_on": datetime.date(2025, 12, 31), "status": "in_progress", "done_on": datetime.date(2025, 5, 1)})
    assert late.done_on is None  # not done: no done date
    on_time = assessments.save_action(viewer, cluster_a, {"area": "strategy", "title": "Yearly plan", "owner": "Ana",
                                                          "due_on": datetime.date(2026, 3, 31)})
    actions = assessments.actions_of(cluster_a, TODAY)
    assert [(a.title, a.overdue) for a in actions] == [("Diversify the funding", True), ("Yearly plan", False)]
    assert actions[0].area_label == "Financing"
    done = assessments.save_action(viewer, cluster_a, {"status": "done"}, action=late, today=TODAY)
    assert done.done_on == TODAY and not assessments.is_overdue(done, TODAY)
    other = assessments.start_assessment(viewer_for(staff), cluster_a, year=2024, level="bronze")
    other.cluster = cluster_b  # an assessment of another cluster cannot be linked
    with pytest.raises(ValidationError, match="cluster's assessments"):
        assessments.save_action(viewer, cluster_a, {"assessment": other}, action=on_time)
    with pytest.raises(PermissionDenied):
        assessments.save_action(viewer, cluster_b, {"title": "x"}, action=on_time)
    assessments.delete_action(viewer, on_time)
    assert list(ImprovementAction.objects.values_list("title", flat=True)) == ["Diversify the funding"]


@pytest.mark.django_db
def test_the_evidence_pack_holds_the_pdf_the_files_and_the_links(history, cluster_a, staff, assessment):
    viewer = viewer_for(staff)
    assessments.add_evidence(viewer, assessment, "strategy", upload=pdf("plan.pdf"), title="Strategy")
    assessments.add_evidence(viewer, assessment, "strategy", upload=pdf("plan.pdf", PDF + b"v2"), title="Strategy v2")
    assessments.add_evidence(viewer, assessment, "services", upload=SimpleUploadedFile("services.csv", b"a,b\n1,2\n"))
    assessments.add_evidence(viewer, assessment, "success_stories", url="https://alpha.example.org/stories",
                             title="Stories")
    assessments.add_evidence(viewer, assessment, "success_stories", url="https://alpha.example.org/press",
                             title="=HYPERLINK(\"https://evil.example\")")
    add_actions(cluster_a, 1)
    pack = zipfile.ZipFile(io.BytesIO(assessments.evidence_pack(assessment, "en", TODAY)))
    names = pack.namelist()
    assert names[0] == "self-assessment.pdf" and "links.csv" in names
    stored = sorted(name for name in names if name.startswith("evidence/"))
    assert len(stored) == 3 and "evidence/services/services.csv" in stored
    assert sum(1 for name in stored if name.startswith("evidence/strategy/plan")) == 2
    assert sorted(pack.read(name) for name in stored if "strategy" in name) == [PDF, PDF + b"v2"]
    assert list(csv.reader(io.StringIO(pack.read("links.csv").decode()))) == [
        ["criterion", "title", "url"],
        # A title that a spreadsheet would run as a formula opens as text.
        ["success_stories", "'=HYPERLINK(\"https://evil.example\")", "https://alpha.example.org/press"],
        ["success_stories", "Stories", "https://alpha.example.org/stories"]]
    document = pack.read("self-assessment.pdf")
    assert document.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert "Alpha Health Cluster" in text and "Readiness per label level" in text and "Bronze" in text
    assert "How many committed members" in text and "Action 0" in text
    # In Italian (the cluster's language, the default).
    italian = zipfile.ZipFile(io.BytesIO(assessments.evidence_pack(assessment, None, TODAY)))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(italian.read("self-assessment.pdf"))).pages)
    assert "Bronzo" in text and "Argento" in text


# --- the pages -----------------------------------------------------------------------------------------------------


def url(assessment=None, rest: str = "") -> str:
    base = "/c/alpha/monitoring/assessments/"
    return f"{base}{assessment.pk}/{rest}" if assessment is not None else base + rest


@pytest.mark.django_db
def test_the_pages_are_for_the_cluster_s_staff_and_observers(as_user, client, staff, observer, member, outsider,
                                                             assessment, cluster_a):
    action = add_actions(cluster_a, 1)[0]
    document = assessments.add_evidence(viewer_for(staff), assessment, "strategy", upload=pdf())
    reading = [url(), url(assessment), url(rest="actions/"), url(assessment, f"evidence/{document.pk}/")]
    for page in reading:
        assert client.get(page).status_code == 302  # sign in first
        assert as_user(outsider).get(page).status_code == 404
        assert as_user(member).get(page).status_code == 404
        assert as_user(observer).get(page).status_code == 200
        assert as_user(staff).get(page).status_code == 200
    for page in [url(rest="new/"), url(rest="actions/new/"), url(rest=f"actions/{action.pk}/")]:
        assert as_user(observer).get(page).status_code == 404
        assert as_user(outsider).get(page).status_code == 404
        assert as_user(staff).get(page).status_code == 200
    # Nothing of alpha through beta's back office.
    assert as_user(outsider).get(f"/c/beta/monitoring/assessments/{assessment.pk}/").status_code == 404
    assert as_user(outsider).get(f"/c/beta/monitoring/assessments/{assessment.pk}/evidence/{document.pk}/") \
        .status_code == 404
    html = as_user(observer).get(url(assessment)).content.decode()
    assert "Readiness per label level" in html and "Complete the assessment" not in html
    assert "Add evidence" not in html and 'id="criterion-strategy"' in html


@pytest.mark.django_db
def test_observers_cannot_post(as_user, observer, outsider, assessment, cluster_a, staff):
    action = add_actions(cluster_a, 1)[0]
    document = assessments.add_evidence(viewer_for(staff), assessment, "strategy", url="https://example.org/s")
    posts = [(url(rest="new/"), {"year": 2026, "level": "gold"}),
             (url(assessment, "criteria/strategy/"), {"strategy-met": "yes"}),
             (url(assessment, "evidence/"), {"criterion": "strategy", "evidence-strategy-url": "https://e.org/x"}),
             (url(assessment, f"evidence/{document.pk}/delete/"), {}),
             (url(assessment, "complete/"), {}),
             (url(rest="actions/new/"), {"area": "financing", "title": "T", "owner": "O", "due_on": "2026-01-01",
                                         "status": "planned"}),
             (url(rest=f"actions/{action.pk}/"), {"delete": "1"})]
    for user in (observer, outsider):
        for page, data in posts:
            assert as_user(user).post(page, data).status_code == 404, page
    assessment.refresh_from_db()
    assert assessment.status == "draft" and not assessment.answers.exists() and assessment.evidence.count() == 1
    assert Assessment.objects.count() == 1 and ImprovementAction.objects.count() == 1


@pytest.mark.django_db
def test_staff_start_answer_add_evidence_and_complete_through_the_pages(as_user, staff, cluster_a):
    web = as_user(staff)
    response = web.post(url(rest="new/"), {"year": "1999", "level": "silver"})
    assert response.status_code == 400 and "2000" in response.content.decode()
    assert 'value="1999"' in response.content.decode()
    response = web.post(url(rest="new/"), {"year": "2025", "level": "silver"})
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == url(assessment)
    assert assessment.created_by == staff and assessment.level == "silver"

    # A bad answer keeps what was typed.
    response = web.post(url(assessment, "criteria/services/"), {"services-value": "-3",
                                                                "services-comment": "Matchmaking, training"})
    html = response.content.decode()
    assert response.status_code == 400 and "Matchmaking, training" in html and 'value="-3"' in html
    response = web.post(url(assessment, "criteria/services/"), {"services-value": "6",
                                                                "services-comment": "Matchmaking, training"})
    assert response.status_code == 302 and response["Location"].endswith("#criterion-services")
    assert AssessmentAnswer.objects.get(criterion="services").value == 6
    response = web.post(url(assessment, "criteria/committed_members/"), {"committed_members-comment": "Growing"})
    assert response.status_code == 302
    assert web.post(url(assessment, "criteria/nonsense/"), {}).status_code == 404

    # Evidence: a refused file says why and keeps the title; a good one is listed and downloads.
    response = web.post(url(assessment, "evidence/"), {
        "criterion": "services", "evidence-services-title": "Our services",
        "evidence-services-file": SimpleUploadedFile("services.exe", b"MZ")})
    html = response.content.decode()
    assert response.status_code == 400 and "Upload a PDF" in html and 'value="Our services"' in html
    response = web.post(url(assessment, "evidence/"), {
        "criterion": "services", "evidence-services-title": "Our services",
        "evidence-services-file": SimpleUploadedFile("services.pdf", PDF)})
    assert response.status_code == 302
    document = EvidenceDocument.objects.get()
    download = web.get(url(assessment, f"evidence/{document.pk}/"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-Type-Options"] == "nosniff"
    html = web.get(url(assessment)).content.decode()
    assert "Our services" in html and f"evidence/{document.pk}/" in html and "/media/" not in html

    pack = web.get(url(assessment, "pack.zip") + "?lang=en")
    assert pack.status_code == 200 and pack["Content-Type"] == "application/zip"
    assert "evidence/services/services.pdf" in zipfile.ZipFile(io.BytesIO(pack.content)).namelist()

    response = web.post(url(assessment, "complete/"), follow=True)
    assert "The self-assessment is completed" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "completed"
    html = web.get(url(assessment)).content.decode()
    assert "Completed on" in html and "Add evidence" not in html
    response = web.post(url(assessment, f"evidence/{document.pk}/delete/"), follow=True)
    assert "This assessment is completed" in response.content.decode() and EvidenceDocument.objects.exists()
    html = web.get(url()).content.decode()
    assert "2025" in html and "Completed" in html


@pytest.mark.django_db
def test_evidence_files_are_not_reachable_from_another_cluster(as_user, staff, outsider, assessment, cluster_b):
    document = assessments.add_evidence(viewer_for(staff), assessment, "strategy", upload=pdf())
    beta = assessments.start_assessment(viewer_for(outsider), cluster_b, year=YEAR, level="bronze")
    # Beta's staff, through their own assessment's address, cannot reach alpha's document.
    assert as_user(outsider).get(f"/c/beta/monitoring/assessments/{beta.pk}/evidence/{document.pk}/").status_code \
        == 404
    assert as_user(outsider).get(f"/c/alpha/monitoring/assessments/{assessment.pk}/evidence/{document.pk}/") \
        .status_code == 404
    assert as_user(outsider).post(f"/c/beta/monitoring/assessments/{beta.pk}/evidence/{document.pk}/delete/") \
        .status_code == 404
    assert as_user(outsider).get(f"/c/beta/monitoring/assessments/{assessment.pk}/pack.zip").status_code == 404
    assert EvidenceDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.django_db
def test_staff_manage_improvement_actions_through_the_pages(as_user, staff, observer, cluster_a, assessment):
    web = as_user(staff)
    data = {"area": "financing", "title": "Diversify the funding", "description": "", "owner": "",
            "due_on": "", "status": "planned", "assessment": assessment.pk}
    response = web.post(url(rest="actions/new/"), data)
    html = response.content.decode()
    assert response.status_code == 400 and 'value="Diversify the funding"' in html
    assert not ImprovementAction.objects.exists()
    data.update(owner="Sauro Vicini", due_on="2025-12-31")
    assert web.post(url(rest="actions/new/"), data).status_code == 302
    action = ImprovementAction.objects.get()
    assert action.cluster == cluster_a and action.assessment == assessment
    html = as_user(observer).get(url(rest="actions/")).content.decode()
    assert "Diversify the funding" in html and "Sauro Vicini" in html and "overdue" in html
    assert "New improvement action" not in html
    data.update(status="done", due_on="2026-12-31")
    assert web.post(url(rest=f"actions/{action.pk}/"), data).status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_on is not None
    assert web.post(url(rest=f"actions/{action.pk}/"), {"delete": "1"}).status_code == 302
    assert not ImprovementAction.objects.exists()
