"""The satisfaction surveys' API through the real HTTP stack: every route for every role (staff write, send, remind
and close; observers read anonymous results and get a 403 on writes; another cluster's staff and members get a 404;
a visitor a 401), the results counted by hand, and the audit trail."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry
from filiera.directory.models import Membership, Organisation, Person
from filiera.monitoring import surveys
from filiera.monitoring.models import Survey, SurveyInvitation

JSON = {"content_type": "application/json"}



@pytest.fixture
def hospital(cluster_a):
    """A second active member of cluster_a with one representative; org_a's is the `member` fixture."""
    org = Organisation.objects.create(slug="hospital", name="Ospedale Maggiore", kind="hospital", country="IT")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    Person.objects.create(organisation=org, first_name="Giulia", last_name="Bianchi", email="giulia@example.org",
                          language="it", is_representative=True)
    return org


@pytest.fixture
def survey(cluster_a, staff):
    return Survey.objects.create(cluster=cluster_a, title="Members 2026", year=2026, introduction="Five minutes.",
                                 created_by=staff)


def url(survey=None, action: str = "") -> str:
    base = "/api/clusters/alpha/surveys"
    if survey is None:
        return base
    return f"{base}/{survey.pk}" + (f"/{action}" if action else "")


@pytest.mark.django_db
def test_reading_surveys_is_for_the_cluster_s_staff_and_observers(as_token, staff, manager, observer, member,
                                                                  outsider, outsider_member, admin, survey):
    for user in (staff, manager, observer, admin):
        response = as_token(user).get(url())
        assert response.status_code == 200, user
        assert [(s["id"], s["title"], s["status"], s["invited"], s["response_rate"]) for s in
                response.json()["items"]] == [(survey.pk, "Members 2026", "draft", 0, None)]
        assert as_token(user).get(url(survey)).status_code == 200
    for user in (member, outsider, outsider_member):
        assert as_token(user).get(url()).status_code == 404
        assert as_token(user).get(url(survey)).status_code == 404
    assert as_token(None).get(url()).status_code == 401
    # alpha's survey through beta's address: not there.
    assert as_token(outsider).get(f"/api/clusters/beta/surveys/{survey.pk}").status_code == 404
    assert as_token(staff).get("/api/clusters/alpha/surveys/999999").status_code == 404
    assert as_token(staff).get("/api/clusters/nowhere/surveys").status_code == 404


@pytest.mark.django_db
def test_staff_write_a_survey_and_others_may_not(as_token, staff, observer, outsider, member, cluster_a):
    data = {"title": "Members 2026", "year": 2026, "introduction": "Five minutes.", "closes_on": "2100-01-31"}
    assert as_token(observer).post(url(), data, **JSON).status_code == 403
    assert as_token(outsider).post(url(), data, **JSON).status_code == 404
    assert as_token(member).post(url(), data, **JSON).status_code == 404
    assert as_token(None).post(url(), data, **JSON).status_code == 401
    assert not Survey.objects.exists()
    response = as_token(staff).post(url(), {**data, "year": 1999}, **JSON)
    assert response.status_code == 400 and "year" in response.json()["errors"]
    response = as_token(staff).post(url(), data, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    survey = Survey.objects.get(pk=body["id"])
    assert (body["status"], body["closes_on"], survey.cluster, survey.created_by) == (
        "draft", "2100-01-31", cluster_a, staff)
    audited = AuditEntry.objects.get(model="monitoring.survey", object_id=str(survey.pk), action="create")
    assert audited.actor == staff

    assert as_token(observer).patch(url(survey), {"title": "Mine"}, **JSON).status_code == 403
    assert as_token(outsider).patch(url(survey), {"title": "Mine"}, **JSON).status_code == 404
    response = as_token(staff).patch(url(survey), {"title": "Members' view 2026"}, **JSON)
    assert response.status_code == 200 and response.json()["title"] == "Members' view 2026"


@pytest.mark.django_db
def test_staff_send_remind_and_close_and_observers_may_not(as_token, staff, observer, outsider, org_a, member,
                                                           hospital, survey, django_capture_on_commit_callbacks):
    for action in ("send", "close"):
        assert as_token(observer).post(url(survey, action)).status_code == 403
        assert as_token(outsider).post(url(survey, action)).status_code == 404
        assert as_token(member).post(url(survey, action)).status_code == 404
        assert as_token(None).post(url(survey, action)).status_code == 401
    assert Survey.objects.get(pk=survey.pk).status == "draft" and mail.outbox == []

    response = as_token(staff).post(url(survey, "close"))
    assert response.status_code == 400 and "Only an open survey" in response.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_token(staff).post(url(survey, "send"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["opened"], body["invited"], body["organisations_mailed"], body["people_mailed"],
            body["unreached"]) == (True, 2, 2, 2, [])
    assert (body["survey"]["status"], body["survey"]["invited"], body["survey"]["accepts_answers"]) == (
        "open", 2, True)
    assert sorted(m.to[0] for m in mail.outbox) == ["giulia@example.org", "member@example.org"]
    response = as_token(staff).patch(url(survey), {"title": "Too late"}, **JSON)
    assert response.status_code == 400 and "Only a draft" in response.json()["detail"]

    # A reminder right away leaves everyone alone; a day later it mails whoever has not answered.
    surveys.answer(surveys.link_token(SurveyInvitation.objects.get(organisation=org_a)), {"overall": 5})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        body = as_token(staff).post(url(survey, "send")).json()
    assert (body["opened"], body["organisations_mailed"], body["recently_mailed"]) == (False, 0, 1)
    SurveyInvitation.objects.update(sent_at=timezone.now() - datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        body = as_token(staff).post(url(survey, "send")).json()
    assert (body["organisations_mailed"], body["people_mailed"]) == (1, 1)
    assert [m.to for m in mail.outbox] == [["giulia@example.org"]]

    response = as_token(staff).post(url(survey, "close"))
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = as_token(staff).post(url(survey, "send"))
    assert response.status_code == 400 and "closed" in response.json()["detail"]


@pytest.mark.django_db
def test_results_are_named_for_staff_and_anonymous_for_observers(as_token, staff, observer, org_a, member, hospital,
                                                                 survey, django_capture_on_commit_callbacks):
    """Counted by hand: 2 invited; org_a rated 5 (events 4, recommends 10, "More B2B"), the hospital 3 (events 2,
    b2b 5, recommends 5): response rate 100 %, mean 4.0, satisfied 1 / 2 = 50 %, events 3.0 by 2, b2b 5.0 by 1,
    promoters 50 %, detractors 50 %, NPS 0."""
    with django_capture_on_commit_callbacks(execute=True):
        surveys.send(viewer_for(staff), survey)
    token = {i.organisation_id: surveys.link_token(i) for i in SurveyInvitation.objects.all()}
    surveys.answer(token[org_a.pk], {"overall": 5, "services": {"events": 4}, "recommend": 10, "comment": "More B2B"})
    surveys.answer(token[hospital.pk], {"overall": 3, "services": {"events": 2, "b2b": 5}, "recommend": 5})

    body = as_token(staff).get(url(survey)).json()
    assert (body["invited"], body["answered"], body["response_rate"]) == (2, 2, 100.0)
    results = body["results"]
    assert (results["overall_mean"], results["satisfied"], results["nps"], results["promoters"],
            results["detractors"]) == (4.0, 50.0, 0.0, 50.0, 50.0)
    assert results["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert [(s["code"], s["mean"], s["ratings"]) for s in results["services"]][:3] == [
        ("events", 3.0, 2), ("b2b", 5.0, 1), ("projects", None, 0)]
    assert results["named"] and results["comments"] == [{"text": "More B2B", "organisation": "MedSense Srl"}]
    assert results["answered_by"] == ["MedSense Srl", "Ospedale Maggiore"] and results["not_answered"] == []

    body = as_token(observer).get(url(survey)).json()
    assert body["results"]["overall_mean"] == 4.0 and not body["results"]["named"]
    assert body["results"]["comments"] == [{"text": "More B2B", "organisation": None}]
    assert body["results"]["answered_by"] == body["results"]["not_answered"] == []
    assert "MedSense" not in str(body) and "Ospedale" not in str(body)


@pytest.mark.django_db
def test_the_routes_are_in_the_openapi_document(as_token):
    paths = as_token(None).get("/api/openapi.json").json()["paths"]
    assert {"/api/clusters/{slug}/surveys", "/api/clusters/{slug}/surveys/{survey_id}",
            "/api/clusters/{slug}/surveys/{survey_id}/send", "/api/clusters/{slug}/surveys/{survey_id}/close"} <= set(
        paths)
