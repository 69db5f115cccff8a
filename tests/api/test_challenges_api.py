"""The challenges API through the real HTTP stack: visitors read published challenges (not drafts) and voice needs
without credentials; who voiced a need is told to the staff only; the staff run a challenge from its draft to a
project idea (workshop needs, grouping, merge, split, rename, place, stages, priorities, shortlist, consortia,
activity); members vote and answer themes; another cluster's staff get a 404 on a draft and a 403 on the staff
routes of a published challenge, observers a 403 on writes, visitors a 401."""

from __future__ import annotations

import pytest

from filiera.challenges.models import Challenge, Need, Solution, Theme, Vote
from filiera.core.audit import history
from filiera.core.models import AuditEntry
from filiera.directory.models import Membership, Organisation
from filiera.matching.services import rebuild_index
from filiera.projects.models import Partner, Project
from tests.challenges import conftest as challenge_fixtures

# The challenge tests' vocabulary, hospital (owner, member of cluster_a), challenge (collecting needs) and needs.
vocabulary = challenge_fixtures.vocabulary
hospital = challenge_fixtures.hospital
challenge = challenge_fixtures.challenge
needs = challenge_fixtures.needs

JSON = {"content_type": "application/json"}
pytestmark = pytest.mark.django_db


def url(challenge, *parts) -> str:
    return "/".join([f"/api/challenges/{challenge.pk}", *map(str, parts)])


def theme_of(need: Need) -> Theme:
    return Theme.objects.get(needs=need)


@pytest.fixture
def themed(challenge, needs, as_token, staff):
    response = as_token(staff).post(url(challenge, "group"), {}, **JSON)
    assert response.status_code == 200, response.content
    return challenge


@pytest.fixture
def voting(themed, as_token, staff):
    assert as_token(staff).post(url(themed, "stage"), {"stage": "voting"}, **JSON).status_code == 200
    return themed


@pytest.fixture
def answering(voting, as_token, staff):
    assert as_token(staff).post(url(voting, "stage"), {"stage": "solutions"}, **JSON).status_code == 200
    return voting


def test_visitors_read_a_published_challenge_and_never_a_draft(as_token, themed, needs, staff, member, outsider,
                                                               admin, cluster_a):
    Need.objects.filter(pk=needs["heart"][0].pk).update(voiced_by="Casa della salute di Vergato")
    visitor = as_token(None)
    response = visitor.get("/api/challenges")
    assert response.status_code == 200
    assert [(c["id"], c["cluster"], c["stage"], c["accepts_needs"]) for c in response.json()["items"]] == [
        (themed.pk, "alpha", "needs", True)]
    body = visitor.get(url(themed)).json()
    assert body["title"] == themed.title and body["owner"]["name"] == "AUSL dell'Appennino"
    assert body["can_manage"] is False and body["next_stages"] == [] and body["ballot"] is None
    assert len(body["themes"]) == 3 and body["ungrouped"] == []
    shown = [need for theme in body["themes"] for need in theme["needs"]]
    assert len(shown) == 9 and all(need["voiced_by"] is None for need in shown)
    assert all(theme["votes"] is None and theme["activity"] is None for theme in body["themes"])
    # The staff are told who voiced a need.
    staff_body = as_token(staff).get(url(themed)).json()
    assert staff_body["can_manage"] is True and staff_body["next_stages"] == ["voting", "draft"]
    heart = next(t for t in staff_body["themes"] if needs["heart"][0].pk in {n["id"] for n in t["needs"]})
    assert next(n for n in heart["needs"] if n["id"] == needs["heart"][0].pk)["voiced_by"] == \
        "Casa della salute di Vergato"

    draft = Challenge.objects.create(cluster=cluster_a, title="A draft", statement="Not yet.")
    for user in (None, member, outsider):
        assert as_token(user).get(url(draft)).status_code == 404
        assert draft.pk not in {c["id"] for c in as_token(user).get("/api/challenges").json()["items"]}
    for user in (staff, admin):
        assert as_token(user).get(url(draft)).status_code == 200
    assert {c["id"] for c in as_token(staff).get("/api/challenges?stage=draft").json()["items"]} == {draft.pk}
    assert as_token(None).get("/api/challenges?cluster=beta").json()["count"] == 0
    assert as_token(None).get("/api/challenges/999999").status_code == 404


def test_anyone_voices_a_need_and_is_told_what_is_wrong(as_token, challenge, staff, cluster_a):
    visitor = as_token(None)
    response = visitor.post(url(challenge, "needs"), {
        "text": "  Il telemonitoraggio  a casa per lo scompenso cardiaco. ", "actor": "gp",
        "voiced_by": "Casa della salute di Vergato"}, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "Il telemonitoraggio a casa per lo scompenso cardiaco." and body["language"] == "it"
    assert body["source"] == "form" and body["actor"] == "gp" and body["theme"] is None
    assert body["voiced_by"] is None  # not even told back to a visitor
    need = Need.objects.get(pk=body["id"])
    assert need.voiced_by == "Casa della salute di Vergato"
    entry = history("challenges.need", need.pk).get(action=AuditEntry.Action.CREATE)
    assert entry.actor is None and entry.actor_label == "anonymous"  # a visitor's need is nobody's

    response = visitor.post(url(challenge, "needs"), {"text": "short", "actor": "astronaut"}, **JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"text", "actor"}
    assert visitor.post(url(challenge, "needs"), {"text": "No actor at all"}, **JSON).status_code == 422
    # A bad token is refused, not taken for a visitor.
    assert as_token(None).post(url(challenge, "needs"), {"text": "A need with a broken token.", "actor": "gp"},
                               HTTP_AUTHORIZATION="Bearer fil_nonsense", **JSON).status_code == 401

    draft = Challenge.objects.create(cluster=cluster_a, title="A draft", statement="Not yet.")
    assert visitor.post(url(draft, "needs"), {"text": "A need for a draft.", "actor": "gp"},
                        **JSON).status_code == 404
    challenge.stage = Challenge.Stage.VOTING
    challenge.save()
    response = visitor.post(url(challenge, "needs"), {"text": "A need voiced during the vote.", "actor": "gp"},
                            **JSON)
    assert response.status_code == 400 and "not collecting" in response.json()["detail"]
    assert challenge.needs.count() == 1


def test_another_cluster_s_staff_get_404_on_a_draft_and_403_on_a_published_challenge(
        as_token, themed, needs, outsider, observer, member, cluster_a):
    draft = Challenge.objects.create(cluster=cluster_a, title="A draft", statement="Not yet.")
    theme = theme_of(needs["heart"][0])
    need = needs["falls"][0]
    writes = [("patch", "", {"title": "Mine now"}), ("post", "stage", {"stage": "voting"}),
              ("post", "workshop-needs", {"text": "A need voiced at the workshop.", "actor": "gp"}),
              ("delete", f"needs/{need.pk}", None), ("post", "group", {}),
              ("post", f"themes/{theme.pk}/rename", {"label": "Mine"}),
              ("post", f"themes/{theme.pk}/split", {}),
              ("post", f"themes/{theme.pk}/merge", {"other_id": theme_of(need).pk}),
              ("post", f"themes/{theme.pk}/place", {"need_id": need.pk}),
              ("post", f"needs/{need.pk}/ungroup", None),
              ("get", "priorities", None), ("post", "solutions/1/status", {"status": "shortlisted"}),
              ("get", f"themes/{theme.pk}/consortia", None),
              ("post", f"themes/{theme.pk}/activity", {"acronym": "X", "organisation_ids": []})]

    def call(client, method, target, path, body):
        address = url(target, path) if path else url(target)
        if body is None:
            return getattr(client, method)(address)
        return getattr(client, method)(address, body, **JSON)

    for user in (outsider, observer, member):
        client = as_token(user)
        for method, path, body in writes:
            assert call(client, method, themed, path, body).status_code == 403, (user, method, path)
            assert call(client, method, draft, path, body).status_code == 404, (user, method, path)
    for method, path, body in writes:
        assert call(as_token(None), method, themed, path, body).status_code == 401, (method, path)
    assert as_token(outsider).post("/api/clusters/alpha/challenges", {"title": "x", "statement": "y"},
                                   **JSON).status_code == 404
    assert as_token(observer).post("/api/clusters/alpha/challenges", {"title": "x", "statement": "y"},
                                   **JSON).status_code == 403
    themed.refresh_from_db()
    assert themed.title != "Mine now" and themed.stage == Challenge.Stage.NEEDS and themed.themes.count() == 3
    assert Need.objects.filter(pk=need.pk).exists()


def test_staff_run_a_challenge_from_the_draft_to_a_project_idea(as_token, staff, member, org_a, cluster_a,
                                                                 hospital, vocabulary):
    client = as_token(staff)
    response = client.post("/api/clusters/alpha/challenges", {"title": "", "statement": "x",
                                                              "owner_id": 999999}, **JSON)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"owner_id"}
    response = client.post("/api/clusters/alpha/challenges", {"title": "", "statement": "x"}, **JSON)
    assert response.status_code == 400 and "title" in response.json()["errors"]
    response = client.post("/api/clusters/alpha/challenges", {
        "title": "Fragile patients in remote areas", "owner_id": hospital.pk, "language": "en",
        "statement": "How can fragile and chronic patients in mountain villages be cared for at home?"}, **JSON)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["stage"] == "draft" and created["owner"] == {"id": hospital.pk, "name": hospital.name}
    challenge = Challenge.objects.get(pk=created["id"])
    assert challenge.created_by == staff
    response = client.patch(url(challenge), {"scope": "Apennine valleys", "opens_on": "2026-01-01",
                                             "closes_on": "2025-01-01"}, **JSON)
    assert response.status_code == 400  # closing before it opens
    response = client.patch(url(challenge), {"scope": "Apennine valleys"}, **JSON)
    assert response.status_code == 200 and response.json()["scope"] == "Apennine valleys"
    assert response.json()["title"] == "Fragile patients in remote areas"

    # Workshop needs are entered while it is a draft; the public form waits for it to collect needs.
    response = client.post(url(challenge, "workshop-needs"), {"text": "A shared care plan for social workers.",
                                                              "actor": "social_worker", "voiced_by": "ASP Vergato"},
                           **JSON)
    assert response.status_code == 201 and response.json()["source"] == "workshop"
    assert response.json()["voiced_by"] == "ASP Vergato"
    stray = Need.objects.get(pk=response.json()["id"])
    assert stray.entered_by == staff
    assert history("challenges.need", stray.pk).get(action=AuditEntry.Action.CREATE).actor == staff
    assert as_token(None).post(url(challenge, "needs"), {"text": "Too early for the form.", "actor": "gp"},
                               **JSON).status_code == 404
    assert client.post(url(challenge, "stage"), {"stage": "voting"}, **JSON).status_code == 400
    response = client.post(url(challenge, "stage"), {"stage": "needs"}, **JSON)
    assert response.status_code == 200 and response.json()["stage"] == "needs"
    for voiced in challenge_fixtures.NEEDS.values():
        for language, actor, text in voiced:
            assert as_token(None).post(url(challenge, "needs"), {"text": text, "actor": actor, "language": language},
                                       **JSON).status_code == 201
    assert client.delete(url(challenge, "needs", stray.pk)).status_code == 204
    assert not Need.objects.filter(pk=stray.pk).exists()
    assert client.delete(url(challenge, "needs", stray.pk)).status_code == 404

    # Grouping, then merge, split, rename and place.
    assert client.post(url(challenge, "group"), {"max_themes": 0}, **JSON).json()["errors"] == {
        "max_themes": ["Ask for one theme at least."]}
    response = client.post(url(challenge, "group"), {}, **JSON)
    assert response.status_code == 200
    themes = response.json()
    assert len(themes) == 3 and sorted(len(t["needs"]) for t in themes) == [3, 3, 3]
    first, second, third = (t["id"] for t in themes)
    response = client.post(url(challenge, "themes", first, "merge"), {"other_id": second}, **JSON)
    assert response.status_code == 200 and len(response.json()["needs"]) == 6
    assert challenge.themes.count() == 2
    assert client.post(url(challenge, "themes", first, "merge"), {"other_id": 999999},
                       **JSON).json()["errors"] == {"other_id": ["That theme is not one of this challenge's."]}
    response = client.post(url(challenge, "themes", first, "split"), **JSON)
    assert response.status_code == 200 and sorted(len(t["needs"]) for t in response.json()) == [3, 3]
    assert challenge.themes.count() == 3
    response = client.post(url(challenge, "themes", third, "rename"), {"label": "  Diabetes far away "}, **JSON)
    assert response.status_code == 200 and response.json()["label"] == "Diabetes far away"
    assert response.json()["named"] is True
    assert client.post(url(challenge, "themes", third, "rename"), {"label": "x" * 201},
                       **JSON).json()["errors"] == {"label": ["Keep a label under 200 characters."]}
    moved = Theme.objects.get(pk=first).needs.first()
    response = client.post(url(challenge, "themes", third, "place"), {"need_id": moved.pk}, **JSON)
    assert response.status_code == 200 and moved.pk in {n["id"] for n in response.json()["needs"]}
    assert len(response.json()["needs"]) == 4 and response.json()["label"] == "Diabetes far away"
    assert client.post(url(challenge, "themes", third, "place"), {"need_id": 999999}, **JSON).status_code == 400
    response = client.post(url(challenge, "needs", moved.pk, "ungroup"), **JSON)
    assert response.status_code == 200 and response.json()["theme"] is None
    assert Need.objects.get(pk=moved.pk).theme is None
    assert client.post(url(challenge, "needs", 999999, "ungroup"), **JSON).status_code == 404
    client.post(url(challenge, "themes", third, "place"), {"need_id": moved.pk}, **JSON)
    assert client.post(url(challenge, "themes", 999999, "rename"), {"label": "x"}, **JSON).status_code == 404

    # The vote: the structure is settled, the priorities count the ballots.
    response = client.post(url(challenge, "stage"), {"stage": "voting"}, **JSON)
    assert response.status_code == 200 and all(t["votes"] == 0 for t in response.json()["themes"])
    assert client.post(url(challenge, "group"), {}, **JSON).status_code == 400
    assert as_token(member).post(url(challenge, "ballot"), {"themes": [third]}, **JSON).status_code == 200
    assert as_token(staff).post(url(challenge, "ballot"), {"themes": [third, first]}, **JSON).status_code == 200
    response = client.get(url(challenge, "priorities"))
    assert response.status_code == 200
    assert [(p["theme"], p["votes"], p["share"], p["rank"]) for p in response.json()][:2] == [
        (third, 2, 1.0, 1), (first, 1, 0.5, 2)]

    # Solutions, the shortlist, the consortium builder and the activity.
    assert client.get(url(challenge, "themes", third, "consortia")).status_code == 400  # not before solutions
    assert client.post(url(challenge, "stage"), {"stage": "solutions"}, **JSON).status_code == 200
    response = as_token(member).post(url(challenge, "solutions"), {
        "theme_id": third, "organisation_id": org_a.pk, "title": "Glucose sensor",
        "description": "A patch reads the glucose and sends it to the GP."}, **JSON)
    assert response.status_code == 201, response.content
    solution = response.json()["id"]
    assert client.post(url(challenge, "solutions", solution, "status"), {"status": "famous"},
                       **JSON).status_code == 400
    response = client.post(url(challenge, "solutions", solution, "status"), {"status": "shortlisted"}, **JSON)
    assert response.status_code == 200 and response.json()["status"] == "shortlisted"
    assert client.post(url(challenge, "solutions", 999999, "status"), {"status": "shortlisted"},
                       **JSON).status_code == 404
    university = Organisation.objects.create(slug="unibo", name="Università di Bologna", kind="university",
                                             country="IT")
    Membership.objects.create(organisation=university, cluster=cluster_a, status=Membership.Status.ACTIVE)
    response = client.get(url(challenge, "themes", third, "consortia") + "?min_size=2&max_size=3&network=false")
    assert response.status_code == 200, response.content
    alternatives = response.json()
    assert alternatives and all(org_a.pk in {m["id"] for m in alt["members"]} for alt in alternatives)
    best = alternatives[0]
    assert 2 <= len(best["members"]) <= 3 and {"coverage", "fit", "covered", "missing"} <= set(best)
    assert all(isinstance(slug, str) for slug in best["covered"] + best["missing"])
    chosen = [m["id"] for m in best["members"]]
    response = client.post(url(challenge, "themes", third, "activity"), {
        "acronym": "GLUCO-HOME", "organisation_ids": chosen, "coordinator_id": chosen[0]}, **JSON)
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": project.pk, "acronym": "GLUCO-HOME", "title": project.title, "status": "idea"}
    assert project.cluster == cluster_a and "Glucose sensor" in project.summary
    assert set(project.partners.values_list("organisation_id", flat=True)) == set(chosen)
    assert project.partners.get(role=Partner.Role.COORDINATOR).organisation_id == chosen[0]
    detail = client.get(url(challenge)).json()
    assert next(t for t in detail["themes"] if t["id"] == third)["activity"] == project.pk
    assert all(t["activity"] is None for t in as_token(member).get(url(challenge)).json()["themes"])
    response = client.post(url(challenge, "themes", third, "activity"), {
        "acronym": "AGAIN", "organisation_ids": chosen}, **JSON)
    assert response.status_code == 400 and "already" in response.json()["detail"]
    response = client.post(url(challenge, "themes", first, "activity"), {
        "acronym": "X", "organisation_ids": [999999]}, **JSON)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"organisation_ids"}
    # An id beyond 64 bits is refused by the schema; SQLite used to raise OverflowError on it (schemathesis).
    response = client.post(url(challenge, "themes", first, "activity"), {
        "acronym": "X", "organisation_ids": [14706845695857582080]}, **JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-2:] == ["organisation_ids", 0]


def test_signed_in_callers_vote_and_voting_again_replaces_the_ballot(as_token, voting, needs, member, cluster_a):
    heart, falls, diabetes = (theme_of(needs[name][0]).pk for name in ("heart", "falls", "diabetes"))
    client = as_token(member)
    response = client.post(url(voting, "ballot"), {"themes": [heart, falls]}, **JSON)
    assert response.status_code == 200 and response.json() == {"themes": sorted([heart, falls])}
    response = client.post(url(voting, "ballot"), {"themes": [diabetes]}, **JSON)
    assert response.json() == {"themes": [diabetes]}
    assert set(Vote.objects.filter(challenge=voting).values_list("voter", "theme_id")) == {
        (f"user:{member.pk}", diabetes)}
    assert client.get(url(voting)).json()["ballot"] == [diabetes]
    assert {t["id"]: t["votes"] for t in as_token(None).get(url(voting)).json()["themes"]} == {
        heart: 0, falls: 0, diabetes: 1}
    assert client.post(url(voting, "ballot"), {"themes": []}, **JSON).status_code == 400
    other = Challenge.objects.create(cluster=cluster_a, title="Other", statement="y", stage=Challenge.Stage.VOTING)
    foreign = Theme.objects.create(challenge=other, label="Other theme")
    assert client.post(url(voting, "ballot"), {"themes": [foreign.pk]}, **JSON).status_code == 400
    # A visitor votes on the web pages (one ballot per browser), not through the API.
    assert as_token(None).post(url(voting, "ballot"), {"themes": [heart]}, **JSON).status_code == 401
    assert Vote.objects.filter(challenge=voting).count() == 1
    voting.stage = Challenge.Stage.SOLUTIONS
    voting.save()
    assert client.post(url(voting, "ballot"), {"themes": [heart]}, **JSON).status_code == 400


def test_members_answer_themes_and_see_their_own_solutions(as_token, answering, needs, member, org_a, staff,
                                                           opportunity_a, outsider_member, org_b):
    heart = theme_of(needs["heart"][0]).pk
    client = as_token(member)
    # The matching engine suggests the heart theme to org_a (telemonitoring), with its reasons; to nobody else.
    rebuild_index()
    assert client.get(url(answering)).json()["suggested"] == [{"theme": heart,
                                                                "reasons": ["Telemonitoring", "Telemedicine"]}]
    assert as_token(None).get(url(answering)).json()["suggested"] == []
    response = client.post(url(answering, "solutions"), {
        "theme_id": heart, "organisation_id": org_a.pk, "title": "Wearable ECG patch",
        "description": "Our patch sends the ECG to the GP every hour.", "opportunity_id": opportunity_a.pk}, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["theme"], body["organisation"]["id"], body["opportunity"], body["status"]) == (
        heart, org_a.pk, opportunity_a.pk, "submitted")
    response = client.post(url(answering, "solutions"), {
        "theme_id": heart, "organisation_id": org_a.pk, "title": "Wearable ECG patch v2",
        "description": "Now with a fall sensor."}, **JSON)
    assert response.status_code == 200 and response.json()["id"] == body["id"]
    assert response.json()["opportunity"] is None
    solution = Solution.objects.get(pk=body["id"])
    assert solution.author == member and solution.title == "Wearable ECG patch v2"
    for user in (member, staff):
        assert [s["id"] for s in as_token(user).get(url(answering, "solutions")).json()["items"]] == [solution.pk]
    assert as_token(outsider_member).get(url(answering, "solutions")).json()["items"] == []
    assert as_token(None).get(url(answering, "solutions")).status_code == 401
    response = client.post(url(answering, "solutions"), {"theme_id": heart, "organisation_id": org_a.pk,
                                                         "title": "", "description": ""}, **JSON)
    assert response.status_code == 400 and {"title", "description"} <= set(response.json()["errors"])
    response = client.post(url(answering, "solutions"), {"theme_id": 999999, "organisation_id": org_a.pk,
                                                         "title": "x", "description": "y"}, **JSON)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"theme_id"}
    # A member may not shortlist its own solution.
    assert client.post(url(answering, "solutions", solution.pk, "status"), {"status": "shortlisted"},
                       **JSON).status_code == 403

    # org_b is an active member of beta, in none of alpha's networks: answering for it is refused as data (400,
    # the organisation may not answer this challenge), answering for org_a as a permission (403, not theirs).
    response = as_token(outsider_member).post(url(answering, "solutions"), {
        "theme_id": heart, "organisation_id": org_b.pk, "title": "Care robot", "description": "A robot."}, **JSON)
    assert response.status_code == 400 and "active members of Alpha Health Cluster" in response.json()["detail"]
    response = as_token(outsider_member).post(url(answering, "solutions"), {
        "theme_id": heart, "organisation_id": org_a.pk, "title": "Care robot", "description": "A robot."}, **JSON)
    assert response.status_code == 403
    assert Solution.objects.count() == 1
    assert as_token(None).post(url(answering, "solutions"), {
        "theme_id": heart, "organisation_id": org_a.pk, "title": "x", "description": "y"}, **JSON).status_code == 401


def test_the_openapi_document_lists_the_challenges_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/challenges", "/api/challenges/{challenge_id}", "/api/challenges/{challenge_id}/needs",
            "/api/challenges/{challenge_id}/ballot", "/api/challenges/{challenge_id}/solutions",
            "/api/clusters/{slug}/challenges", "/api/challenges/{challenge_id}/themes/{theme_id}/consortia",
            "/api/challenges/{challenge_id}/themes/{theme_id}/activity"} <= set(paths)
    assert set(paths["/api/challenges/{challenge_id}"]) == {"get", "patch"}
    assert set(paths["/api/challenges/{challenge_id}/solutions"]) == {"get", "post"}


def test_staff_invite_the_suggested_members_through_the_api(as_token, answering, needs, staff, member, outsider,
                                                            observer, mailoutbox, django_capture_on_commit_callbacks):
    rebuild_index()
    assert as_token(outsider).post(url(answering, "invitations")).status_code == 403
    assert as_token(observer).post(url(answering, "invitations")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = as_token(staff).post(url(answering, "invitations"))
    assert response.status_code == 200
    assert response.json() == {"organisations": 1, "people": 1, "already": 0, "unreached": []}
    assert [m.to for m in mailoutbox] == [["member@example.org"]]
    assert as_token(staff).post(url(answering, "invitations")).json()["already"] == 1
