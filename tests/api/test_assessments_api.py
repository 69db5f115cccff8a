"""The self-assessment API through the real HTTP stack: a cluster's assessments with their readiness, an assessment's
criteria (live figures from the hand-counted `history` fixture), starting, answering and completing (staff; an
observer gets a 403, another cluster a 404, a visitor a 401), the improvement actions and the evidence pack."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry
from filiera.monitoring import assessments
from filiera.monitoring.models import Assessment, ImprovementAction
from tests.monitoring.conftest import history  # noqa: F401 (a fixture)

BASE = "/api/clusters/alpha"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assessment(cluster_a, staff):
    return assessments.start_assessment(viewer_for(staff), cluster_a, year=2025, level="silver", user=staff)


@pytest.mark.django_db
def test_reading_is_for_the_cluster_s_staff_and_observers(as_token, staff, observer, member, outsider, assessment):
    action = ImprovementAction.objects.create(cluster=assessment.cluster, area="strategy", title="Plan", owner="Ana",
                                              due_on=datetime.date(2020, 1, 1))
    pages = [f"{BASE}/assessments", f"{BASE}/assessments/{assessment.pk}", f"{BASE}/improvement-actions"]
    for page in pages:
        assert as_token(None).get(page).status_code == 401
        assert as_token(outsider).get(page).status_code == 404
        assert as_token(member).get(page).status_code == 404
        assert as_token(observer).get(page).status_code == 200
    assert as_token(outsider).get(f"/api/clusters/beta/assessments/{assessment.pk}").status_code == 404
    listed = as_token(observer).get(f"{BASE}/assessments").json()
    assert [(a["id"], a["year"], a["level"], a["status"]) for a in listed] == [
        (assessment.pk, 2025, "silver", "draft")]
    assert set(listed[0]["readiness"]) == {"bronze", "silver", "gold"}
    actions = as_token(observer).get(f"{BASE}/improvement-actions").json()
    assert actions == [{"id": action.pk, "area": "strategy", "title": "Plan", "description": "", "owner": "Ana",
                        "due_on": "2020-01-01", "status": "planned", "done_on": None, "assessment": None,
                        "overdue": True}]


@pytest.mark.django_db
def test_an_assessment_s_criteria_come_from_live_data(as_token, observer, history, assessment):  # noqa: F811
    data = as_token(observer).get(f"{BASE}/assessments/{assessment.pk}").json()
    criteria = {c["code"]: c for c in data["criteria"]}
    members = criteria["committed_members"]
    assert members["value"] == 3 and members["source"] == "members" and members["live"]
    assert members["thresholds"] == {"bronze": 15, "silver": 25, "gold": 50}
    assert members["met"] == {"bronze": False, "silver": False, "gold": False}
    assert members["reasons"] == {"bronze": "below", "silver": "below", "gold": "below"}
    assert criteria["member_helices"]["met"] == {"bronze": True, "silver": True, "gold": False}
    assert criteria["strategy"]["source"] == "staff" and criteria["strategy"]["reasons"]["bronze"] == "not_answered"
    # Bronze: helices and the survey's response rate = 2 of 14.
    bronze = next(level for level in data["levels"] if level["level"] == "bronze")
    assert bronze == {"level": "bronze", "percent": 14, "met": 2, "required": 14, "missing": bronze["missing"]}
    assert "committed_members" in bronze["missing"] and "member_helices" not in bronze["missing"]
    assert data["readiness"]["bronze"] == 14 and not data["frozen"]


@pytest.mark.django_db
def test_staff_start_answer_and_complete_an_observer_gets_a_403(as_token, staff, observer, outsider, cluster_a):
    assert as_token(observer).post(f"{BASE}/assessments", {"year": 2025, "level": "bronze"},
                                   content_type="application/json").status_code == 403
    assert as_token(outsider).post(f"{BASE}/assessments", {"year": 2025, "level": "bronze"},
                                   content_type="application/json").status_code == 404
    response = as_token(staff).post(f"{BASE}/assessments", {"year": 2025, "level": "gold"},
                                    content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["level"] == "gold" and created["status"] == "draft" and len(created["criteria"]) == 26
    pk = created["id"]
    again = as_token(staff).post(f"{BASE}/assessments", {"year": 2025, "level": "gold"},
                                 content_type="application/json")
    assert again.status_code == 400 and "already in progress" in again.json()["errors"]["year"][0]

    answer = f"{BASE}/assessments/{pk}/criteria/strategy"
    assert as_token(observer).put(answer, {"met": True}, content_type="application/json").status_code == 403
    assert as_token(outsider).put(answer, {"met": True}, content_type="application/json").status_code == 404
    assert as_token(staff).put(f"{BASE}/assessments/{pk}/criteria/nonsense", {"met": True},
                               content_type="application/json").status_code == 404
    refused = as_token(staff).put(f"{BASE}/assessments/{pk}/criteria/committed_members", {"value": 40},
                                  content_type="application/json")
    assert refused.status_code == 400 and "platform's data" in refused.json()["detail"]
    response = as_token(staff).put(answer, {"met": True, "comment": "Adopted in March"},
                                   content_type="application/json")
    assert response.status_code == 200
    strategy = next(c for c in response.json()["criteria"] if c["code"] == "strategy")
    assert strategy["staff_met"] is True and strategy["comment"] == "Adopted in March"
    assert strategy["reasons"]["bronze"] == "no_evidence"
    assessment = Assessment.objects.get(pk=pk)
    assessments.add_evidence(viewer_for(staff), assessment, "strategy", url="https://alpha.example.org/strategy")
    strategy = next(c for c in as_token(staff).get(f"{BASE}/assessments/{pk}").json()["criteria"]
                    if c["code"] == "strategy")
    assert strategy["met"]["bronze"] and strategy["evidence"][0]["url"] == "https://alpha.example.org/strategy"

    complete = f"{BASE}/assessments/{pk}/complete"
    assert as_token(observer).post(complete).status_code == 403
    response = as_token(staff).post(complete)
    assert response.status_code == 200 and response.json()["status"] == "completed" and response.json()["frozen"]
    assert as_token(staff).post(complete).status_code == 400
    assert as_token(staff).put(answer, {"met": False}, content_type="application/json").status_code == 400
    assert AuditEntry.objects.filter(model="monitoring.assessment", object_id=str(pk), actor=staff).exists()


@pytest.mark.django_db
def test_improvement_actions(as_token, staff, observer, outsider, cluster_a, assessment):
    payload = {"area": "financing", "title": "Diversify the funding", "owner": "", "due_on": "2099-06-30"}
    assert as_token(observer).post(f"{BASE}/improvement-actions", payload,
                                   content_type="application/json").status_code == 403
    refused = as_token(staff).post(f"{BASE}/improvement-actions", payload, content_type="application/json")
    assert refused.status_code == 400 and "owner" in refused.json()["errors"]
    payload.update(owner="Sauro", assessment=assessment.pk)
    response = as_token(staff).post(f"{BASE}/improvement-actions", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    action = response.json()
    assert action["assessment"] == assessment.pk and action["status"] == "planned" and not action["overdue"]
    url = f"{BASE}/improvement-actions/{action['id']}"
    payload.update(status="done", done_on="2026-05-01")
    assert as_token(observer).put(url, payload, content_type="application/json").status_code == 403
    assert as_token(outsider).put(f"/api/clusters/beta/improvement-actions/{action['id']}", payload,
                                  content_type="application/json").status_code == 404
    response = as_token(staff).put(url, payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["done_on"] == "2026-05-01"
    payload.update(assessment=999999)
    assert as_token(staff).put(url, payload, content_type="application/json").status_code == 400
    assert ImprovementAction.objects.get().status == "done"


@pytest.mark.django_db
def test_the_evidence_pack(as_token, staff, observer, outsider, assessment):
    assessments.add_evidence(viewer_for(staff), assessment, "strategy",
                             upload=SimpleUploadedFile("strategy.pdf", b"%PDF-1.4 strategy"))
    url = f"{BASE}/assessments/{assessment.pk}/pack?lang=en"
    assert as_token(outsider).get(url).status_code == 404
    response = as_token(observer).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-self-assessment-2025.zip"'
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(pack.namelist()) == ["evidence/strategy/strategy.pdf", "links.csv", "self-assessment.pdf"]
    assert pack.read("self-assessment.pdf").startswith(b"%PDF")
