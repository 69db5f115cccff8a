"""The member-satisfaction survey: the service's rules (who may write, send, remind and close; invitations only for
active members; each representative mailed once, in their language; one answer per organisation; closed and past
surveys refused), its results counted by hand, the KPIs picking the answers up, and the pages through the real HTTP
stack (outsiders get a 404, observers read anonymous results but change nothing, forms keep what was typed)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry
from filiera.directory.models import Membership, Organisation, Person
from filiera.monitoring import services, surveys
from filiera.monitoring.models import Survey, SurveyInvitation, SurveyResponse


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def organisation(cluster, slug: str, status: str = Membership.Status.ACTIVE, *people) -> Organisation:
    """An organisation in the cluster; each of `people` is (first name, email, language, representative)."""
    org = Organisation.objects.create(slug=slug, name=slug.replace("-", " ").title(), kind="sme", country="IT")
    Membership.objects.create(organisation=org, cluster=cluster, status=status, joined_on=datetime.date(2022, 1, 1))
    for first_name, email, language, representative in people:
        Person.objects.create(organisation=org, first_name=first_name, last_name="Rossi", email=email,
                              language=language, is_representative=representative)
    return org


@pytest.fixture
def members(cluster_a, cluster_b, org_a, member):
    """cluster_a's members, besides org_a (its representative `member`, member@example.org, in English):
    - hospital: two representatives (Giulia in Italian, and Marco twice under the same address in two records), a
      colleague who is not a representative;
    - quiet: active, but no representative with an email (a representative without one, a colleague with one);
    - lapsed and applicant: not active, never invited; beta's org_b is another cluster's."""
    hospital = organisation(cluster_a, "hospital", Membership.Status.ACTIVE,
                            ("Giulia", "giulia@hospital.example", "it", True),
                            ("Marco", "marco@hospital.example", "en", True),
                            ("Marco", "Marco@hospital.example", "en", True),
                            ("Paolo", "paolo@hospital.example", "en", False))
    quiet = organisation(cluster_a, "quiet", Membership.Status.ACTIVE, ("Anna", "", "en", True),
                         ("Luca", "luca@quiet.example", "en", False))
    lapsed = organisation(cluster_a, "lapsed", Membership.Status.LAPSED, ("Lia", "lia@lapsed.example", "en", True))
    applicant = organisation(cluster_a, "applicant", Membership.Status.APPLICANT,
                             ("Ada", "ada@applicant.example", "en", True))
    return {"hospital": hospital, "quiet": quiet, "lapsed": lapsed, "applicant": applicant}


@pytest.fixture
def draft(cluster_a, staff):
    return surveys.save_survey(viewer_for(staff), cluster_a, {
        "title": "Members 2026", "year": 2026, "introduction": "Tell us how we did.", "closes_on": days(30)},
        user=staff)


def sent(survey, staff, capture) -> surveys.SendReport:
    with capture(execute=True):
        return surveys.send(viewer_for(staff), survey)


def token_of(survey, org) -> str:
    """The organisation's personal link's token (what the email carries)."""
    return surveys.link_token(SurveyInvitation.objects.get(survey=survey, organisation=org))


# --- writing a survey ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_cluster_s_staff_write_a_survey_and_only_a_draft_changes(cluster_a, staff, observer, outsider,
                                                                          draft, django_capture_on_commit_callbacks):
    assert draft.status == Survey.Status.DRAFT and draft.created_by == staff
    assert AuditEntry.objects.filter(model="monitoring.survey", object_id=str(draft.pk), action="create").exists()
    for user in (observer, outsider):
        with pytest.raises(PermissionDenied):
            surveys.save_survey(viewer_for(user), cluster_a, {"title": "Mine", "year": 2026})
        with pytest.raises(PermissionDenied):
            surveys.save_survey(viewer_for(user), cluster_a, {"title": "Mine"}, survey=draft)
    with pytest.raises(ValidationError) as error:
        surveys.save_survey(viewer_for(staff), cluster_a, {"title": " ", "year": 1999, "closes_on": days(-1)})
    assert set(error.value.message_dict) == {"title", "year", "closes_on"}
    surveys.save_survey(viewer_for(staff), cluster_a, {"title": "Members' view 2026"}, survey=draft)
    draft.refresh_from_db()
    assert draft.title == "Members' view 2026" and draft.year == 2026
    sent(draft, staff, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="Only a draft"):
        surveys.save_survey(viewer_for(staff), cluster_a, {"title": "Changed"}, survey=draft)


# --- sending and reminding -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_invites_the_active_members_and_mails_each_representative_once(
        cluster_a, staff, observer, org_a, members, draft, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        surveys.send(viewer_for(observer), draft)
    report = sent(draft, staff, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    assert draft.status == Survey.Status.OPEN and draft.sent_at is not None
    invitations = {i.organisation: i for i in draft.invitations.all()}
    assert set(invitations) == {org_a, members["hospital"], members["quiet"]}  # not the lapsed, nor the applicant
    assert len({i.token for i in invitations.values()}) == 3 and all(len(i.token) >= 40 for i in invitations.values())
    assert invitations[org_a].sent_at and invitations[members["hospital"]].sent_at
    assert invitations[members["quiet"]].sent_at is None  # not reached: not counted as invited
    assert (report.opened, report.invited, report.organisations_mailed, report.people_mailed) == (True, 3, 2, 3)
    assert report.unreached == ["Quiet"]

    # One email per person: Marco once although he is listed twice; not the colleague who is no representative.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["giulia@hospital.example", "marco@hospital.example", "member@example.org"]
    by_address = {message.to[0]: message for message in mail.outbox}
    link = "/surveys/" + surveys.link_token(invitations[members["hospital"]]) + "/"
    assert link in by_address["giulia@hospital.example"].body and link in by_address["marco@hospital.example"].body
    assert surveys.link_token(invitations[org_a]) in by_address["member@example.org"].body
    assert invitations[org_a].token not in by_address["marco@hospital.example"].body  # each gets its own link only
    assert "Tell us how we did." in by_address["member@example.org"].body
    assert "Members 2026" in by_address["member@example.org"].subject
    # Each in their language: the closing date as Giulia's Italian and Marco's English write dates.
    closes = draft.closes_on
    italian_months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                      "ottobre", "novembre", "dicembre"]
    giulia, marco = by_address["giulia@hospital.example"].body, by_address["marco@hospital.example"].body
    assert giulia.startswith("Gentile Giulia") and marco.startswith("Dear Marco")
    assert f"{italian_months[closes.month - 1]} {closes.year}" in giulia.lower()
    assert italian_months[closes.month - 1] not in marco.lower()


@pytest.mark.django_db
def test_a_reminder_mails_only_who_has_not_answered_and_was_not_mailed_in_the_last_day(
        cluster_a, staff, org_a, members, draft, django_capture_on_commit_callbacks):
    sent(draft, staff, django_capture_on_commit_callbacks)
    surveys.answer(token_of(draft, org_a), {"overall": 4})
    mail.outbox.clear()

    report = sent(draft, staff, django_capture_on_commit_callbacks)  # at once: the hospital was mailed just now
    assert (report.opened, report.organisations_mailed, report.recently_mailed, report.unreached) == (
        False, 0, 1, ["Quiet"])
    assert mail.outbox == []

    # A day later, and with an address for quiet's representative and a new member since the first send.
    SurveyInvitation.objects.filter(survey=draft).exclude(sent_at=None).update(
        sent_at=timezone.now() - datetime.timedelta(days=1, hours=1))
    Person.objects.filter(organisation=members["quiet"], first_name="Anna").update(email="anna@quiet.example")
    newcomer = organisation(cluster_a, "newcomer", Membership.Status.ACTIVE, ("Nina", "nina@new.example", "en", True))
    members["hospital"].memberships.update(status=Membership.Status.ACTIVE)
    report = sent(draft, staff, django_capture_on_commit_callbacks)
    assert (report.invited, report.organisations_mailed, report.people_mailed, report.unreached) == (1, 3, 4, [])
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["anna@quiet.example", "giulia@hospital.example", "marco@hospital.example",
                          "nina@new.example"]  # not org_a: it answered
    # Those mailed before are reminded; the newcomer and quiet's Anna get their first invitation.
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["marco@hospital.example"].startswith("Reminder: Members 2026")
    assert not subjects["nina@new.example"].startswith("Reminder") and not subjects["anna@quiet.example"].startswith(
        "Reminder")
    assert SurveyInvitation.objects.get(survey=draft, organisation=newcomer).sent_at is not None

    surveys.close(viewer_for(staff), draft)
    with pytest.raises(ValidationError, match="closed"):
        surveys.send(viewer_for(staff), draft)


@pytest.mark.django_db
def test_closing(cluster_a, staff, observer, draft, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="Only an open survey"):
        surveys.close(viewer_for(staff), draft)
    Survey.objects.filter(pk=draft.pk).update(closes_on=days(-1))  # a draft left until its closing date passed
    with pytest.raises(ValidationError, match="change it before sending"):
        surveys.send(viewer_for(staff), draft)
    Survey.objects.filter(pk=draft.pk).update(closes_on=None)
    sent(draft, staff, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        surveys.close(viewer_for(observer), draft)
    surveys.close(viewer_for(staff), draft)
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.CLOSED


# --- answering -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_answer_rules(cluster_a, staff, org_a, members, draft, django_capture_on_commit_callbacks):
    with pytest.raises(Http404):
        surveys.answer("no-such-token", {"overall": 5})
    sent(draft, staff, django_capture_on_commit_callbacks)
    token = token_of(draft, org_a)
    with pytest.raises(ValidationError) as error:
        surveys.answer(token, {"overall": 6, "services": {"events": "0", "lunch": 3}, "recommend": 11,
                               "comment": "x" * 5001})
    assert set(error.value.message_dict) == {"overall", "service_events", "services", "recommend", "comment"}
    with pytest.raises(ValidationError, match="from 1 to 5"):
        surveys.answer(token, {"services": {"events": 4}})  # the overall rating is required
    assert not SurveyResponse.objects.exists()

    response = surveys.answer(token, {"overall": "4", "services": {"events": "5", "b2b": ""}, "recommend": "0",
                                      "comment": "  Good events.  "})
    assert (response.organisation, response.overall, response.services, response.recommend, response.comment) == (
        org_a, 4, {"events": 5}, 0, "Good events.")
    invitation = SurveyInvitation.objects.get(survey=draft, organisation=org_a)
    assert invitation.answered_at is not None and response.invitation == invitation
    entry = AuditEntry.objects.get(model="monitoring.surveyresponse", object_id=str(response.pk), action="create")
    assert entry.actor_label == "survey link of MedSense Srl"
    with pytest.raises(ValidationError, match="already answered"):
        surveys.answer(token, {"overall": 1})
    assert SurveyResponse.objects.count() == 1

    hospital_token = token_of(draft, members["hospital"])
    Survey.objects.filter(pk=draft.pk).update(closes_on=days(-1))
    with pytest.raises(ValidationError, match="closed"):
        surveys.answer(hospital_token, {"overall": 3})
    Survey.objects.filter(pk=draft.pk).update(closes_on=days(0))
    surveys.close(viewer_for(staff), Survey.objects.get(pk=draft.pk))
    with pytest.raises(ValidationError, match="closed"):
        surveys.answer(hospital_token, {"overall": 3})
    assert SurveyResponse.objects.count() == 1


# --- results -------------------------------------------------------------------------------------------------------


@pytest.fixture
def answered(cluster_a, staff, org_a, members, draft, django_capture_on_commit_callbacks):
    """Counted by hand. Invited (mailed): org_a, the hospital and two more members = 4; quiet was not reached.
    Answers: org_a 5 (events 5, b2b 4; recommends 10, "Great B2B days"), the hospital 4 (events 3; recommends 6),
    member3 2 (nothing rated, did not say; "Too expensive"). member4 did not answer.
    Answered 3, response rate 3 / 4 = 75 %; overall mean (5 + 4 + 2) / 3 = 3.67; distribution 1:0 2:1 3:0 4:1
    5:1; satisfied (4 or 5) 2 / 3 = 66.7 %; events (5 + 3) / 2 = 4.0 by 2, b2b 4.0 by 1, the others by nobody;
    recommendations 2: promoters 1 / 2 = 50 %, detractors 1 / 2 = 50 %, NPS 0."""
    third = organisation(cluster_a, "member3", Membership.Status.ACTIVE, ("Tre", "tre@example.org", "en", True))
    fourth = organisation(cluster_a, "member4", Membership.Status.ACTIVE, ("Quattro", "q@example.org", "en", True))
    sent(draft, staff, django_capture_on_commit_callbacks)
    surveys.answer(token_of(draft, org_a), {"overall": 5, "services": {"events": 5, "b2b": 4}, "recommend": 10,
                                            "comment": "Great B2B days"})
    surveys.answer(token_of(draft, members["hospital"]), {"overall": 4, "services": {"events": 3}, "recommend": 6})
    surveys.answer(token_of(draft, third), {"overall": 2, "comment": "Too expensive"})
    return {"third": third, "fourth": fourth}


@pytest.mark.django_db
def test_results_counted_by_hand(cluster_a, staff, observer, outsider, draft, answered):
    result = surveys.results(viewer_for(staff), draft)
    assert (result.invited, result.answered, result.response_rate) == (4, 3, 75.0)
    assert (result.overall_mean, result.satisfied) == (3.67, 66.7)
    assert result.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert result.bars[0] == (5, 1, 33.3) and result.bars[-1] == (1, 0, 0.0)
    assert [(s.code, s.mean, s.ratings) for s in result.services] == [
        ("events", 4.0, 2), ("b2b", 4.0, 1), ("projects", None, 0), ("communication", None, 0),
        ("international", None, 0)]
    assert (result.recommendations, result.promoters, result.detractors, result.nps) == (2, 50.0, 50.0, 0.0)
    assert result.named and [(c.text, c.organisation) for c in result.comments] == [
        ("Great B2B days", "MedSense Srl"), ("Too expensive", "Member3")]
    assert result.answered_by == ["Hospital", "MedSense Srl", "Member3"]
    assert result.not_answered == ["Member4"] and result.unreached == ["Quiet"]

    anonymous = surveys.results(viewer_for(observer), draft)
    assert (anonymous.answered, anonymous.nps) == (3, 0.0) and not anonymous.named
    assert [(c.text, c.organisation) for c in anonymous.comments] == [("Great B2B days", None),
                                                                      ("Too expensive", None)]
    assert anonymous.answered_by == anonymous.not_answered == anonymous.unreached == []
    with pytest.raises(PermissionDenied):
        surveys.results(viewer_for(outsider), draft)


def test_summarise_without_answers():
    result = surveys.summarise([], set())
    assert (result.invited, result.answered, result.response_rate, result.overall_mean, result.satisfied,
            result.nps) == (0, 0, None, None, None, None)
    assert result.bars == [(r, 0, 0.0) for r in range(5, 0, -1)]
    nps = surveys.summarise([surveys.Answer(overall=3, services={}, recommend=r, organisation=i)
                             for i, r in enumerate([9, 10, 10, 7, 8, 0])], {0, 1, 2, 3, 4, 5, 6, 7})
    # 3 promoters, 1 detractor of 6: 50 % - 16.7 % = 33.3; 6 of 8 answered: 75 %
    assert (nps.promoters, nps.detractors, nps.nps, nps.response_rate) == (50.0, 16.7, 33.3, 75.0)


@pytest.mark.django_db
def test_the_kpis_pick_the_answers_up(cluster_a, draft, answered):
    dashboard = services.dashboard(cluster_a, 2026)
    assert dashboard.value("satisfaction") == 66.7
    assert dashboard.value("satisfaction_score") == 3.67
    assert dashboard.value("survey_response_rate") == 75.0
    assert services.dashboard(cluster_a, 2025).value("satisfaction_score") is None


# --- the pages -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_survey_pages_are_for_the_cluster_s_staff_and_observers(as_user, client, staff, observer, member,
                                                                    outsider, draft):
    base = "/c/alpha/monitoring/surveys/"
    for url in (base, f"{base}{draft.pk}/"):
        assert client.get(url).status_code == 302  # sign in first
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(member).get(url).status_code == 404
        assert as_user(observer).get(url).status_code == 200
        assert as_user(staff).get(url).status_code == 200
    for url in (f"{base}new/", f"{base}{draft.pk}/edit/"):
        assert as_user(observer).get(url).status_code == 404
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(staff).get(url).status_code == 200
    for url in (f"{base}{draft.pk}/send/", f"{base}{draft.pk}/close/"):
        assert as_user(observer).post(url).status_code == 404
        assert as_user(outsider).post(url).status_code == 404
        assert as_user(staff).get(url).status_code == 405
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.DRAFT
    # alpha's survey is not reachable through beta's back office.
    assert as_user(outsider).get(f"/c/beta/monitoring/surveys/{draft.pk}/").status_code == 404
    html = as_user(staff).get(base).content.decode()
    assert "Members 2026" in html and "New survey" in html
    html = as_user(observer).get(base).content.decode()
    assert "Members 2026" in html and "New survey" not in html


@pytest.mark.django_db
def test_staff_create_a_survey_and_the_form_keeps_what_was_typed(as_user, staff, cluster_a):
    data = {"title": "Members 2026", "year": "1999", "introduction": "Five minutes, please.", "closes_on": ""}
    response = as_user(staff).post("/c/alpha/monitoring/surveys/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "2000" in html and 'value="Members 2026"' in html
    assert "Five minutes, please." in html and not Survey.objects.exists()
    data["year"] = "2026"
    response = as_user(staff).post("/c/alpha/monitoring/surveys/new/", data)
    survey = Survey.objects.get()
    assert response.status_code == 302 and response.url == f"/c/alpha/monitoring/surveys/{survey.pk}/"
    assert (survey.cluster, survey.year, survey.created_by, survey.status) == (cluster_a, 2026, staff, "draft")
    as_user(staff).post(f"/c/alpha/monitoring/surveys/{survey.pk}/edit/", {**data, "title": "Members' view"})
    assert Survey.objects.get().title == "Members' view"


@pytest.mark.django_db
def test_staff_send_remind_and_close_from_the_survey_page(as_user, staff, observer, org_a, members, draft,
                                                          django_capture_on_commit_callbacks):
    url = f"/c/alpha/monitoring/surveys/{draft.pk}/"
    html = as_user(staff).get(url).content.decode()
    assert "Send to the members" in html and "Edit" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff).post(f"{url}send/", follow=True)
    html = response.content.decode()
    assert "3 member organisations are invited" in html and "3 people are emailed" in html
    assert "1 member has no representative with an email and was not reached: Quiet" in html
    assert len(mail.outbox) == 3
    assert "Send a reminder" in html and "Close the survey" in html
    response = as_user(staff).get(f"{url}edit/", follow=True)
    assert "Only a draft survey can be changed" in response.content.decode()
    html = as_user(observer).get(url).content.decode()
    assert "Send a reminder" not in html and "Close the survey" not in html and "Quiet" not in html
    response = as_user(staff).post(f"{url}send/", follow=True)
    assert "2 organisations were mailed less than a day ago" in response.content.decode()
    response = as_user(staff).post(f"{url}close/", follow=True)
    assert "The survey is closed" in response.content.decode()
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.CLOSED
    response = as_user(staff).post(f"{url}close/", follow=True)
    assert "Only an open survey can be closed" in response.content.decode()


@pytest.mark.django_db
def test_the_results_page_names_organisations_for_staff_only(as_user, staff, observer, draft, answered):
    url = f"/c/alpha/monitoring/surveys/{draft.pk}/"
    html = as_user(staff).get(url).content.decode()
    assert "75.0 %" in html and "3.67" in html and "66.7 %" in html and "Great B2B days" in html
    assert "Member4" in html and "Quiet" in html and "MedSense Srl" in html
    assert 'style="width: 33.3%"' in html  # the bar of the 5s
    html = as_user(observer).get(url).content.decode()
    assert "75.0 %" in html and "Great B2B days" in html and "Too expensive" in html
    assert "anonymous" in html
    for name in ("MedSense", "Member3", "Member4", "Quiet", "Hospital"):
        assert name not in html
    html = as_user(staff).get("/c/alpha/monitoring/surveys/").content.decode()
    assert "75.0 %" in html


@pytest.mark.django_db
def test_a_member_answers_through_its_link_without_signing_in(client, staff, org_a, members, draft,
                                                              django_capture_on_commit_callbacks):
    assert client.get("/surveys/unknown-token/").status_code == 404
    sent(draft, staff, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get(survey=draft, organisation=org_a)
    url = f"/surveys/{token_of(draft, org_a)}/"
    assert any(url in message.body for message in mail.outbox if message.to == ["member@example.org"])
    # The stored token (which the audit log shows the staff) is not the link, nor is a forged signature.
    assert client.get(f"/surveys/{invitation.token}/").status_code == 404
    assert client.get(f"/surveys/{invitation.token}:forged/").status_code == 404
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "Alpha Health Cluster" in html and "Tell us how we did." in html
    assert "MedSense Srl" in html and "Did not use" in html and "Events and workshops" in html
    assert "Hospital" not in html  # nothing of other members
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"

    # No overall rating: refused, and what was typed is kept.
    response = client.post(url, {"service_events": "4", "recommend": "8", "comment": "Keep the webinars"})
    html = response.content.decode()
    assert response.status_code == 200 and "Please check the answers" in html
    assert 'name="service_events" value="4" class="form-check-input" id="id_service_events_4" checked' in html
    assert 'name="recommend" value="8" class="form-check-input" id="id_recommend_8" checked' in html
    assert 'name="service_b2b" value="" class="form-check-input" id="id_service_b2b_0" checked' in html
    assert "Keep the webinars" in html
    assert not SurveyResponse.objects.exists()

    response = client.post(url, {"overall": "5", "service_events": "4", "service_b2b": "", "recommend": "8",
                                 "comment": "Keep the webinars"})
    assert response.status_code == 302 and response.url == f"{url}?thanks=1"
    html = client.get(response.url).content.decode()
    assert "Thank you!" in html and "Keep the webinars" in html
    saved = SurveyResponse.objects.get()
    assert (saved.organisation, saved.overall, saved.services, saved.recommend) == (org_a, 5, {"events": 4}, 8)

    # The link again: the answer given, and a second one refused.
    html = client.get(url).content.decode()
    assert "already answered" in html and "Thank you!" not in html
    client.post(url, {"overall": "1"})
    assert SurveyResponse.objects.count() == 1

    # A closed survey's link says so.
    hospital_url = f"/surveys/{token_of(draft, members['hospital'])}/"
    surveys.close(viewer_for(staff), Survey.objects.get(pk=draft.pk))
    response = client.get(hospital_url)
    assert response.status_code == 200 and "This survey is closed" in response.content.decode()
    client.post(hospital_url, {"overall": "3"})
    assert SurveyResponse.objects.count() == 1
