"""The projects API through the real HTTP stack: calls (everyone reads, staff enter and adjust rules and needs),
partner searches with followers and expressions of interest, the projects each caller may see and change (the
outsider gets a 404, a reader who may not change a 403, a visitor a 401), the pipeline, partners, work packages,
deliverables and documents, a cluster's portfolio totals and funding per member, the consortium builder and the
proposal saved from it, the audit trail of every change and the OpenAPI document."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from filiera.core.models import AuditEntry, Cluster, Network, ValueChain
from filiera.core.vocabulary import sync_vocabulary
from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from filiera.matching.services import rebuild_index
from filiera.projects.models import (
    Call,
    CallNeed,
    Deliverable,
    ExpressionOfInterest,
    Partner,
    PartnerSearch,
    Project,
    ProjectDocument,
    WorkPackage,
)
from tests.api.conftest import ids
from tests.projects import conftest as project_fixtures

# The projects tests' fixtures, shared: a call with rules and needs, cluster_a's running project_a, a CORDIS
# public_record in which org_a and org_b take part, and two more members of cluster_a.
call = project_fixtures.call
project_a = project_fixtures.project_a
public_record = project_fixtures.public_record
hospital_a = project_fixtures.hospital_a
university_a = project_fixtures.university_a

JSON = {"content_type": "application/json"}


def days(n: int) -> datetime.date:
    """n days from today (the date the app compares with: the configured time zone's)."""
    return timezone.localdate() + datetime.timedelta(days=n)


def audited(model: str, obj, action: str) -> AuditEntry:
    """The one entry of this action on this record (fails when there is none or several)."""
    return AuditEntry.objects.get(model=model, object_id=str(obj.pk if hasattr(obj, "pk") else obj), action=action)


def money(value) -> Decimal:
    return Decimal(str(value))


def make_member_org(cluster, slug: str, kind: str, country: str = "IT", **extra) -> Organisation:
    org = Organisation.objects.create(slug=slug, name=slug.title(), kind=kind, country=country, **extra)
    Membership.objects.create(organisation=org, cluster=cluster, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2022, 1, 1))
    return org


# --- calls ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_calls_list_only_open_ones_by_default_and_search_title_and_identifier(as_token, call):
    closed = Call.objects.create(identifier="INTERREG-AS-2021-01", title="Alpine ageing", programme="Interreg",
                                 status=Call.Status.CLOSED)
    past = Call.objects.create(identifier="ERDF-ER-2020", title="Regional telemonitoring pilots",
                               programme="Regional ERDF", deadline=days(-1))
    visitor = as_token(None)
    assert ids(visitor.get("/api/calls")) == {call.pk}
    assert ids(visitor.get("/api/calls?open_only=false")) == {call.pk, closed.pk, past.pk}
    assert ids(visitor.get("/api/calls?open_only=false&q=telemonitoring")) == {call.pk, past.pk}
    assert ids(visitor.get("/api/calls?q=telemonitoring")) == {call.pk}
    assert ids(visitor.get("/api/calls?open_only=false&q=interreg-as")) == {closed.pk}
    assert ids(visitor.get("/api/calls?open_only=false&programme=Regional ERDF")) == {past.pk}
    assert ids(visitor.get("/api/calls?q=nothing-like-this")) == set()


@pytest.mark.django_db
def test_a_calls_detail_gives_its_rules_and_weighted_needs(as_token, call):
    body = as_token(None).get(f"/api/calls/{call.pk}").json()
    assert (body["identifier"], body["is_open"], body["deadline"]) == (call.identifier, True, call.deadline.isoformat())
    assert (body["min_partners"], body["max_partners"], body["min_countries"]) == (3, 6, 1)
    assert body["required_kinds"] == {"sme": 1, "hospital": 1}
    assert body["needs"] == [{"concept": "telemonitoring", "weight": 2.0}]
    assert body["keywords"] == ["telemonitoring", "chronic care"]
    assert money(body["budget_max"]) == Decimal("5000000")
    assert as_token(None).get("/api/calls/999999").status_code == 404


@pytest.mark.django_db
def test_only_the_named_clusters_staff_enter_a_call(as_token, cluster_a, staff, observer, member, outsider, concept):
    payload = {"cluster": "alpha", "identifier": "ER-HEALTH-2027-01", "title": "Regional health innovation",
               "programme": "Regional ERDF", "deadline": days(30).isoformat(),
               "min_partners": 2, "max_partners": 4, "required_kinds": {"university": 1},
               "needs": {"telemonitoring": 1.5}}
    assert as_token(None).post("/api/calls", payload, **JSON).status_code == 401
    for user in (observer, member, outsider):
        assert as_token(user).post("/api/calls", payload, **JSON).status_code == 404
    assert as_token(staff).post("/api/calls", {**payload, "cluster": "nowhere"}, **JSON).status_code == 404
    assert not Call.objects.exists()
    response = as_token(staff).post("/api/calls", payload, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["min_partners"], body["max_partners"], body["required_kinds"]) == (2, 4, {"university": 1})
    assert body["needs"] == [{"concept": "telemonitoring", "weight": 1.5}]
    created = Call.objects.get(pk=body["id"])
    assert created.cluster == cluster_a
    assert audited("projects.call", created, "create").actor == staff


@pytest.mark.django_db
def test_a_call_with_impossible_rules_is_refused(as_token, cluster_a, staff):
    base = {"cluster": "alpha", "identifier": "BAD-1", "title": "Bad"}
    response = as_token(staff).post("/api/calls", {**base, "min_partners": 5, "max_partners": 3}, **JSON)
    assert response.status_code == 400 and response.json()["errors"]
    response = as_token(staff).post("/api/calls", {**base, "required_kinds": {"sme": 0}}, **JSON)
    assert response.status_code == 400 and "required_kinds" in response.json()["errors"]
    response = as_token(staff).post("/api/calls", {**base, "needs": {"no-such-concept": 1}}, **JSON)
    assert response.status_code == 400 and "concepts" in response.json()["errors"]
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_staff_adjust_a_calls_rules_and_needs_and_bad_ones_change_nothing(as_token, call, staff, observer, member):
    url = f"/api/calls/{call.pk}"
    response = as_token(staff).patch(url, {"min_partners": 4, "required_kinds": {"sme": 2, "hospital": 1},
                                           "needs": {"telemonitoring": 3}}, **JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["min_partners"], body["required_kinds"]) == (4, {"sme": 2, "hospital": 1})
    assert body["needs"] == [{"concept": "telemonitoring", "weight": 3.0}]
    assert audited("projects.call", call, "update").actor == staff

    unknown_concept = as_token(staff).patch(url, {"title": "Changed", "needs": {"quantum-teleportation": 1}}, **JSON)
    assert unknown_concept.status_code == 400
    assert "quantum-teleportation" in " ".join(unknown_concept.json()["errors"]["concepts"])
    unknown_kind = as_token(staff).patch(url, {"title": "Changed", "required_kinds": {"spaceship": 1}}, **JSON)
    assert unknown_kind.status_code == 400
    assert "spaceship" in " ".join(unknown_kind.json()["errors"]["required_kinds"])
    bad_range = as_token(staff).patch(url, {"title": "Changed", "max_partners": 2}, **JSON)
    assert bad_range.status_code == 400 and bad_range.json()["errors"]

    assert as_token(None).patch(url, {"title": "Changed"}, **JSON).status_code == 401
    for user in (observer, member):  # they read the call but may not change it
        assert as_token(user).patch(url, {"title": "Changed"}, **JSON).status_code == 403
    call.refresh_from_db()
    assert (call.title, call.min_partners, call.max_partners) == ("Telemonitoring of chronic patients in remote areas",
                                                                  4, 6)
    assert list(CallNeed.objects.filter(call=call).values_list("concept__slug", "weight")) == [("telemonitoring", 3.0)]


@pytest.mark.django_db
def test_a_call_another_cluster_entered_is_theirs(as_token, cluster_a, staff, outsider):
    mine = Call.objects.create(identifier="ER-1", title="Alpha's call", cluster=cluster_a)
    response = as_token(outsider).patch(f"/api/calls/{mine.pk}", {"title": "Taken over"}, **JSON)
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.title == "Alpha's call"
    assert as_token(staff).patch(f"/api/calls/{mine.pk}", {"title": "Alpha's call, v2"}, **JSON).status_code == 200


@pytest.mark.django_db
def test_a_need_weighing_nothing_is_refused(as_token, call, staff):
    response = as_token(staff).patch(f"/api/calls/{call.pk}", {"needs": {"telemonitoring": 0}}, **JSON)
    assert response.status_code == 400
    assert CallNeed.objects.get(call=call).weight == 2


# --- partner searches ----------------------------------------------------------------------------------------------


def post_search(client, call, organisation, **extra):
    payload = {"organisation": organisation.pk, "title": "SME seeks clinical partners",
               "summary": "A wearable for chronic patients; we need a hospital to validate it", **extra}
    return client.post(f"/api/calls/{call.pk}/partner-searches", payload, **JSON)


@pytest.mark.django_db
def test_a_member_posts_a_partner_search_tied_to_the_call(as_token, call, cluster_a, org_a, member,
                                                          outsider_member, concept):
    assert post_search(as_token(None), call, org_a).status_code == 401
    assert post_search(as_token(outsider_member), call, org_a).status_code == 403  # not their organisation
    assert post_search(as_token(member), call, org_a, concepts=["no-such-concept"]).status_code == 400
    assert not PartnerSearch.objects.exists()
    response = post_search(as_token(member), call, org_a, concepts=["telemonitoring"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["call"], body["organisation"], body["followers"]) == (call.pk, org_a.pk, 0)
    search = PartnerSearch.objects.get(pk=body["id"])
    opportunity = search.opportunity
    assert (opportunity.type, opportunity.organisation, opportunity.cluster) == (
        Opportunity.Type.RD_PARTNER_SEARCH, org_a, cluster_a)
    assert opportunity.expires_on == call.deadline
    assert list(opportunity.concepts.values_list("slug", flat=True)) == ["telemonitoring"]
    assert opportunity.author == member
    assert ids_of(as_token(None).get(f"/api/calls/{call.pk}/partner-searches")) == {search.pk}
    assert as_token(None).get("/api/calls/999999/partner-searches").status_code == 404


def ids_of(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()}


@pytest.mark.django_db
def test_a_members_only_search_is_listed_for_the_clusters_members_and_staff_only(as_token, call, org_a, org_b, member,
                                                                                  staff, outsider_member, outsider):
    public = PartnerSearch.objects.get(pk=post_search(as_token(member), call, org_a).json()["id"])
    members_only = post_search(as_token(member), call, org_a, title="Members only", visibility=Visibility.MEMBERS)
    assert members_only.status_code == 201
    hidden = PartnerSearch.objects.get(pk=members_only.json()["id"])
    url = f"/api/calls/{call.pk}/partner-searches"
    assert ids_of(as_token(None).get(url)) == {public.pk}
    assert ids_of(as_token(outsider_member).get(url)) == {public.pk}
    assert ids_of(as_token(outsider).get(url)) == {public.pk}
    assert ids_of(as_token(member).get(url)) == {public.pk, hidden.pk}
    assert ids_of(as_token(staff).get(url)) == {public.pk, hidden.pk}
    # who may not see it may neither follow it nor answer it
    assert as_token(outsider_member).post(f"/api/partner-searches/{hidden.pk}/follow").status_code == 404
    answer = {"organisation": org_b.pk, "message": "We can help"}
    assert as_token(outsider_member).post(f"/api/partner-searches/{hidden.pk}/interests", answer,
                                          **JSON).status_code == 404


@pytest.mark.django_db
def test_following_and_unfollowing_a_search(as_token, call, org_a, member, staff):
    search_id = post_search(as_token(member), call, org_a).json()["id"]
    url = f"/api/partner-searches/{search_id}/follow"
    assert as_token(None).post(url).status_code == 401
    followed = as_token(staff).post(url)
    assert followed.status_code == 200 and followed.json()["followers"] == 1
    assert as_token(staff).post(url).json()["followers"] == 1  # following twice is still one follower
    assert list(PartnerSearch.objects.get(pk=search_id).followers.all()) == [staff]
    assert as_token(None).delete(url).status_code == 401
    unfollowed = as_token(staff).delete(url)
    assert unfollowed.status_code == 200 and unfollowed.json()["followers"] == 0
    assert as_token(staff).post("/api/partner-searches/999999/follow").status_code == 404


@pytest.mark.django_db
def test_an_organisation_expresses_interest_once_and_the_poster_hears_of_it(
        as_token, call, org_a, org_b, member, staff, outsider_member, django_capture_on_commit_callbacks):
    search_id = post_search(as_token(member), call, org_a).json()["id"]
    as_token(staff).post(f"/api/partner-searches/{search_id}/follow")
    url = f"/api/partner-searches/{search_id}/interests"
    answer = {"organisation": org_b.pk, "message": "  Our care robots could take part.  "}
    assert as_token(None).post(url, answer, **JSON).status_code == 401
    assert as_token(member).post(url, answer, **JSON).status_code == 403  # member does not represent org_b
    assert as_token(outsider_member).post(url, {**answer, "message": "  "}, **JSON).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = as_token(outsider_member).post(url, answer, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["search"], body["organisation"], body["status"]) == (search_id, org_b.pk, "sent")
    assert body["message"] == "Our care robots could take part."
    assert ExpressionOfInterest.objects.get().author == outsider_member
    # One message each to the poster's representative and the follower.
    assert sorted(message.to[0] for message in mail.outbox) == ["member@example.org", "staff@example.org"]
    assert org_b.name in mail.outbox[0].subject and "Our care robots" in mail.outbox[0].body

    again = as_token(outsider_member).post(url, answer, **JSON)
    assert again.status_code == 400 and "already" in again.json()["detail"]
    own = as_token(member).post(url, {"organisation": org_a.pk, "message": "Us too"}, **JSON)
    assert own.status_code == 400 and "own" in own.json()["detail"]
    assert ExpressionOfInterest.objects.count() == 1
    assert len(mail.outbox) == 2  # no more mail for the refused ones


@pytest.mark.django_db
def test_recipients_of_an_interest_do_not_learn_each_others_addresses(
        as_token, call, org_a, org_b, member, staff, outsider_member, django_capture_on_commit_callbacks):
    search_id = post_search(as_token(member), call, org_a).json()["id"]
    as_token(staff).post(f"/api/partner-searches/{search_id}/follow")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_token(outsider_member).post(f"/api/partner-searches/{search_id}/interests",
                                                  {"organisation": org_b.pk, "message": "Count us in"}, **JSON)
    assert response.status_code == 201
    assert sorted(address for message in mail.outbox for address in message.to) == ["member@example.org",
                                                                                     "staff@example.org"]
    assert all(len(message.to) == 1 for message in mail.outbox)


# --- projects: who sees them ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_caller_lists_the_projects_they_may_see(as_token, project_a, public_record, cluster_b, staff, observer,
                                                     member, outsider, outsider_member, admin):
    beta = Project.objects.create(cluster=cluster_b, acronym="BETACARE", status=Project.Status.IDEA)
    assert ids(as_token(None).get("/api/projects")) == {public_record.pk}
    for user in (staff, observer, member):  # member represents org_a, a partner of project_a
        assert ids(as_token(user).get("/api/projects")) == {project_a.pk, public_record.pk}
    assert ids(as_token(outsider).get("/api/projects")) == {public_record.pk, beta.pk}
    assert ids(as_token(outsider_member).get("/api/projects")) == {public_record.pk}
    assert ids(as_token(admin).get("/api/projects")) == {project_a.pk, public_record.pk, beta.pk}
    for user in (None, outsider, outsider_member):
        assert as_token(user).get(f"/api/projects/{project_a.pk}").status_code == 404
    assert as_token(staff).get(f"/api/projects/{beta.pk}").status_code == 404
    assert ids(as_token(staff).get("/api/projects?status=running")) == {project_a.pk}
    assert ids(as_token(staff).get("/api/projects?q=remote")) == {public_record.pk}
    assert ids(as_token(staff).get("/api/projects?programme=H2020")) == {public_record.pk}


@pytest.mark.django_db
def test_a_clusters_portfolio_list_is_for_its_staff_and_observers(as_token, project_a, public_record, cluster_b,
                                                                  staff, observer, member, outsider):
    beta = Project.objects.create(cluster=cluster_b, acronym="BETACARE")
    for user in (staff, observer):
        assert ids(as_token(user).get("/api/projects?cluster=alpha")) == {project_a.pk, public_record.pk}
    assert ids(as_token(staff).get("/api/projects?cluster=alpha&status=closed")) == {public_record.pk}
    assert as_token(None).get("/api/projects?cluster=alpha").status_code == 401
    for user in (outsider, member):
        assert as_token(user).get("/api/projects?cluster=alpha").status_code == 404
    assert as_token(staff).get("/api/projects?cluster=nowhere").status_code == 404
    # ... and the list documents that 404 (schemathesis found it undocumented)
    document = as_token(None).get("/api/openapi.json").json()
    assert "404" in document["paths"]["/api/projects"]["get"]["responses"]
    # the public record counts in beta's portfolio too: org_b, beta's member, takes part
    assert ids(as_token(outsider).get("/api/projects?cluster=beta")) == {beta.pk, public_record.pk}


@pytest.mark.django_db
def test_a_projects_detail_has_partners_work_packages_deliverables_and_documents(as_token, project_a, value_chain,
                                                                                  org_a, hospital_a, member):
    project_a.value_chains.add(value_chain)
    ProjectDocument.objects.create(project=project_a, title="Grant agreement", url="https://example.org/ga.pdf")
    response = as_token(member).get(f"/api/projects/{project_a.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["cluster"], body["acronym"], body["status"], body["call"]) == ("alpha", "CARE4ALL", "running",
                                                                               project_a.call_id)
    assert money(body["total_budget"]) == Decimal("4000000")
    assert {(p["organisation"], p["role"], money(p["eu_contribution"])) for p in body["partners"]} == {
        (org_a.pk, "coordinator", Decimal("900000")), (hospital_a.pk, "partner", Decimal("600000"))}
    assert {p["kind"] for p in body["partners"]} == {"sme", "hospital"}
    [wp] = body["work_packages"]
    assert (wp["number"], wp["title"], wp["lead"]) == (1, "Coordination", None)
    assert [(d["code"], d["is_late"], d["delivered_on"]) for d in wp["deliverables"]] == [("D1.1", False, None)]
    assert [(d["title"], d["url"]) for d in body["documents"]] == [("Grant agreement", "https://example.org/ga.pdf")]
    assert body["value_chains"] == ["biomedical"]


@pytest.mark.django_db
def test_a_public_records_detail_is_for_everyone_without_the_partners_they_may_not_see(as_token, public_record, org_a,
                                                                                        org_b, admin):
    private = Organisation.objects.create(slug="quiet", name="Quiet Labs", kind="sme", country="DE",
                                          visibility=Visibility.PRIVATE)
    Partner.objects.create(project=public_record, organisation=private)
    body = as_token(None).get(f"/api/projects/{public_record.pk}").json()
    assert (body["cluster"], body["source"], body["ref"]) == (None, "cordis", "101057")
    assert {p["organisation"] for p in body["partners"]} == {org_a.pk, org_b.pk}
    admin_view = as_token(admin).get(f"/api/projects/{public_record.pk}").json()
    assert {p["organisation"] for p in admin_view["partners"]} == {org_a.pk, org_b.pk, private.pk}


# --- projects: changes ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_create_a_project_in_their_portfolio(as_token, cluster_a, value_chain, call, staff, observer, member,
                                                   outsider):
    payload = {"cluster": "alpha", "acronym": "NEWIDEA", "title": "A new idea", "programme": "Horizon Europe",
               "call": call.pk, "start_date": "2027-01-01", "end_date": "2029-12-31", "total_budget": "1500000.00",
               "value_chains": ["biomedical"]}
    assert as_token(None).post("/api/projects", payload, **JSON).status_code == 401
    for user in (outsider, observer, member):
        assert as_token(user).post("/api/projects", payload, **JSON).status_code == 404
    assert not Project.objects.exists()
    response = as_token(staff).post("/api/projects", payload, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cluster"], body["status"], body["source"], body["call"]) == ("alpha", "idea", "manual", call.pk)
    assert body["value_chains"] == ["biomedical"] and body["partners"] == []
    project = Project.objects.get(pk=body["id"])
    assert (project.cluster, project.created_by, project.total_budget) == (cluster_a, staff, Decimal("1500000"))
    entry = audited("projects.project", project, "create")
    assert (entry.actor, entry.cluster) == (staff, cluster_a)
    assert entry.changes["acronym"] == [None, "NEWIDEA"]

    bad_chain = as_token(staff).post("/api/projects", {**payload, "value_chains": ["nope"]}, **JSON)
    assert bad_chain.status_code == 400 and "value_chains" in bad_chain.json()["errors"]
    backwards = as_token(staff).post("/api/projects", {**payload, "start_date": "2030-01-01"}, **JSON)
    assert backwards.status_code == 400
    bad_status = as_token(staff).post("/api/projects", {**payload, "status": "dreamt"}, **JSON)
    assert bad_status.status_code == 400 and "status" in bad_status.json()["errors"]
    assert Project.objects.count() == 1


@pytest.mark.django_db
def test_only_the_clusters_staff_change_a_project(as_token, project_a, value_chain, staff, observer, member, outsider):
    url = f"/api/projects/{project_a.pk}"
    response = as_token(staff).patch(url, {"title": "Care for all, revised", "value_chains": ["biomedical"]}, **JSON)
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["value_chains"]) == ("Care for all, revised", ["biomedical"])
    entries = AuditEntry.objects.filter(model="projects.project", object_id=str(project_a.pk), action="update")
    assert {entry.actor for entry in entries} == {staff}
    assert sorted(change for entry in entries for change in entry.changes.items()) == [
        ("title", ["Care for all", "Care for all, revised"]), ("value_chains", [[], [value_chain.pk]])]
    assert as_token(None).patch(url, {"title": "x"}, **JSON).status_code == 401
    for user in (observer, member):  # they see the project, it is not theirs to change
        assert as_token(user).patch(url, {"title": "x"}, **JSON).status_code == 403
    assert as_token(outsider).patch(url, {"title": "x"}, **JSON).status_code == 404
    project_a.refresh_from_db()
    assert project_a.title == "Care for all, revised"
    assert entries.count() == 2  # the refused calls logged nothing


@pytest.mark.django_db
def test_a_project_moves_one_step_along_the_pipeline(as_token, project_a, cluster_a, staff, observer, outsider):
    url = f"/api/projects/{project_a.pk}/status"
    assert as_token(observer).post(url, {"status": "closed"}, **JSON).status_code == 403
    assert as_token(outsider).post(url, {"status": "closed"}, **JSON).status_code == 404
    assert as_token(None).post(url, {"status": "closed"}, **JSON).status_code == 401
    moved = as_token(staff).post(url, {"status": "closed"}, **JSON)
    assert moved.status_code == 200 and moved.json()["status"] == "closed"
    entry = audited("projects.project", project_a, "update")
    assert (entry.actor, entry.changes) == (staff, {"status": ["running", "closed"]})

    idea = Project.objects.create(cluster=cluster_a, acronym="SEED")
    refused = as_token(staff).post(f"/api/projects/{idea.pk}/status", {"status": "running"}, **JSON)
    assert refused.status_code == 400
    assert refused.json()["detail"] == "A project cannot go from “Idea” to “Running”."
    unknown = as_token(staff).post(f"/api/projects/{idea.pk}/status", {"status": "dreamt"}, **JSON)
    assert unknown.status_code == 400 and "dreamt" in unknown.json()["detail"]
    idea.refresh_from_db()
    assert idea.status == "idea"


@pytest.mark.django_db
def test_staff_add_change_and_remove_partners(as_token, project_a, public_record, university_a, org_a, staff,
                                              observer, outsider):
    url = f"/api/projects/{project_a.pk}/partners"
    payload = {"organisation": university_a.pk, "role": "partner", "budget": "300000", "eu_contribution": "250000"}
    assert as_token(observer).post(url, payload, **JSON).status_code == 403
    assert as_token(outsider).post(url, payload, **JSON).status_code == 404
    assert as_token(None).post(url, payload, **JSON).status_code == 401
    added = as_token(staff).post(url, payload, **JSON)
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["organisation"], body["name"], body["kind"], body["role"]) == (
        university_a.pk, "Università di Bologna", "university", "partner")
    assert money(body["eu_contribution"]) == Decimal("250000")
    partner = Partner.objects.get(pk=body["id"])
    entry = audited("projects.partner", partner, "create")
    assert (entry.actor, entry.cluster_id, entry.organisation_id) == (staff, project_a.cluster_id, university_a.pk)

    changed = as_token(staff).post(url, {**payload, "role": "associated"}, **JSON)
    assert changed.status_code == 201 and changed.json()["id"] == partner.pk
    assert project_a.partners.count() == 3
    entry = audited("projects.partner", partner, "update")
    assert (entry.actor, entry.changes["role"]) == (staff, ["partner", "associated"])
    unknown = as_token(staff).post(url, {"organisation": 999999}, **JSON)
    assert unknown.status_code == 400 and "organisation" in unknown.json()["errors"]
    bad_role = as_token(staff).post(url, {"organisation": university_a.pk, "role": "boss"}, **JSON)
    assert bad_role.status_code == 400 and "role" in bad_role.json()["errors"]

    other = public_record.partners.get(organisation=org_a)
    assert as_token(staff).delete(f"{url}/{other.pk}").status_code == 404  # a partner of another project
    assert as_token(observer).delete(f"{url}/{partner.pk}").status_code == 403
    assert as_token(outsider).delete(f"{url}/{partner.pk}").status_code == 404
    removed = as_token(staff).delete(f"{url}/{partner.pk}")
    assert removed.status_code == 204
    assert not Partner.objects.filter(pk=partner.pk).exists()
    assert audited("projects.partner", partner, "delete").actor == staff
    assert Partner.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_staff_add_work_packages_deliverables_and_documents(as_token, project_a, org_a, staff, observer, outsider):
    lead = project_a.partners.get(organisation=org_a)
    url = f"/api/projects/{project_a.pk}/work-packages"
    payload = {"number": 2, "title": "Clinical pilots", "lead": lead.pk, "start_date": "2025-06-01",
               "end_date": "2027-06-30"}
    assert as_token(observer).post(url, payload, **JSON).status_code == 403
    assert as_token(outsider).post(url, payload, **JSON).status_code == 404
    response = as_token(staff).post(url, payload, **JSON)
    assert response.status_code == 201, response.content
    assert (response.json()["lead"], response.json()["deliverables"]) == (lead.pk, [])
    work_package = WorkPackage.objects.get(pk=response.json()["id"])
    assert audited("projects.workpackage", work_package, "create").actor == staff
    assert as_token(staff).post(url, {**payload, "lead": None}, **JSON).status_code == 400  # number 2 is taken

    deliverables = f"/api/work-packages/{work_package.pk}/deliverables"
    late = {"code": "D2.1", "title": "Pilot protocol", "due_on": days(-3).isoformat()}
    assert as_token(observer).post(deliverables, late, **JSON).status_code == 403
    assert as_token(outsider).post(deliverables, late, **JSON).status_code == 404
    assert as_token(None).post(deliverables, late, **JSON).status_code == 401
    response = as_token(staff).post(deliverables, late, **JSON)
    assert response.status_code == 201, response.content
    assert (response.json()["code"], response.json()["is_late"]) == ("D2.1", True)
    assert audited("projects.deliverable", response.json()["id"], "create").actor == staff
    assert as_token(staff).post(deliverables, late, **JSON).status_code == 400  # code D2.1 is taken
    assert as_token(staff).post("/api/work-packages/999999/deliverables", late, **JSON).status_code == 404

    documents = f"/api/projects/{project_a.pk}/documents"
    document = {"title": "Consortium agreement", "url": "https://drive.example.org/ca.pdf"}
    assert as_token(observer).post(documents, document, **JSON).status_code == 403
    assert as_token(outsider).post(documents, document, **JSON).status_code == 404
    assert as_token(staff).post(documents, {**document, "url": "not a link"}, **JSON).status_code == 400
    response = as_token(staff).post(documents, document, **JSON)
    assert response.status_code == 201, response.content
    assert audited("projects.projectdocument", response.json()["id"], "create").actor == staff

    body = as_token(observer).get(f"/api/projects/{project_a.pk}").json()
    assert [(wp["number"], [d["code"] for d in wp["deliverables"]]) for wp in body["work_packages"]] == [
        (1, ["D1.1"]), (2, ["D2.1"])]
    assert [d["title"] for d in body["documents"]] == ["Consortium agreement"]
    assert Deliverable.objects.filter(work_package=work_package).count() == 1


@pytest.mark.django_db
def test_a_work_package_led_by_another_projects_partner_is_refused_per_field(as_token, project_a, public_record,
                                                                             org_a, staff):
    outside_lead = public_record.partners.get(organisation=org_a)
    response = as_token(staff).post(f"/api/projects/{project_a.pk}/work-packages",
                                    {"number": 2, "title": "Pilots", "lead": outside_lead.pk}, **JSON)
    assert response.status_code == 400
    assert "lead" in response.json()["errors"]
    assert project_a.work_packages.count() == 1


@pytest.mark.django_db
def test_changing_a_partners_role_logs_the_role_only(as_token, project_a, university_a, staff):
    url = f"/api/projects/{project_a.pk}/partners"
    payload = {"organisation": university_a.pk, "budget": "300000", "eu_contribution": "250000"}
    partner_id = as_token(staff).post(url, payload, **JSON).json()["id"]
    assert as_token(staff).post(url, {**payload, "role": "associated"}, **JSON).status_code == 201
    assert audited("projects.partner", partner_id, "update").changes == {"role": ["partner", "associated"]}


@pytest.mark.django_db
def test_a_public_record_is_read_by_cluster_staff_and_changed_by_admins_only(as_token, public_record, university_a,
                                                                             staff, admin):
    url = f"/api/projects/{public_record.pk}"
    assert as_token(staff).get(url).status_code == 200
    assert as_token(staff).patch(url, {"title": "Mine now"}, **JSON).status_code == 403
    assert as_token(staff).post(f"{url}/status", {"status": "running"}, **JSON).status_code == 403
    assert as_token(staff).post(f"{url}/partners", {"organisation": university_a.pk}, **JSON).status_code == 403
    assert as_token(staff).post(f"{url}/documents", {"title": "x", "url": "https://example.org"},
                                **JSON).status_code == 403
    public_record.refresh_from_db()
    assert (public_record.title, public_record.partners.count()) == ("Remote care", 2)
    response = as_token(admin).patch(url, {"title": "Remote care (corrected)"}, **JSON)
    assert response.status_code == 200 and response.json()["title"] == "Remote care (corrected)"
    assert audited("projects.project", public_record, "update").actor == admin


@pytest.mark.django_db
def test_staff_cannot_add_an_organisation_they_may_not_see(as_token, project_a, cluster_b, staff):
    hidden = make_member_org(cluster_b, "stealth-medtech", "sme", country="DK", visibility=Visibility.PRIVATE)
    response = as_token(staff).post(f"/api/projects/{project_a.pk}/partners", {"organisation": hidden.pk}, **JSON)
    assert response.status_code in (400, 404)
    assert b"Stealth" not in response.content
    assert not project_a.partners.filter(organisation=hidden).exists()


# --- portfolio and funding -----------------------------------------------------------------------------------------


@pytest.fixture
def portfolio_a(project_a, public_record, cluster_a, cluster_b, university_a, org_a, org_b):
    """project_a (running, 2025, Horizon Europe, 4,000,000 / 3,500,000; org_a 900,000 + hospital_a 600,000 from
    alpha members), public_record (closed, 2018, H2020, 2,521,964 / 1,929,500; org_a 250,000 from alpha, org_b's
    400,000 not), SEED (an idea of alpha, 2025, Regional ERDF, 100,000 / none, value chain digital; university_a
    50,000, org_b's 70,000 not) and a project of beta in which org_a takes part, which is none of alpha's business."""
    digital = ValueChain.objects.create(slug="digital", labels={"en": "Digital health"})
    seed = Project.objects.create(cluster=cluster_a, acronym="SEED", programme="Regional ERDF",
                                  start_date=datetime.date(2025, 6, 1), total_budget=Decimal("100000"))
    seed.value_chains.add(digital)
    Partner.objects.create(project=seed, organisation=university_a, role=Partner.Role.COORDINATOR,
                           eu_contribution=Decimal("50000"))
    Partner.objects.create(project=seed, organisation=org_b, eu_contribution=Decimal("70000"))
    beta = Project.objects.create(cluster=cluster_b, acronym="BETACARE", programme="Horizon Europe",
                                  status=Project.Status.RUNNING, start_date=datetime.date(2024, 1, 1),
                                  total_budget=Decimal("9000000"), eu_contribution=Decimal("8000000"))
    Partner.objects.create(project=beta, organisation=org_a, eu_contribution=Decimal("777000"))
    return seed


def rows_of(body) -> list[tuple]:
    return [(r["key"], r["projects"], money(r["total_budget"]), money(r["eu_contribution"]),
             money(r["members_funding"])) for r in body["rows"]]


@pytest.mark.django_db
def test_portfolio_totals_by_status_programme_year_and_value_chain(as_token, portfolio_a, staff, observer):
    by_status = as_token(observer).get("/api/clusters/alpha/portfolio")
    assert by_status.status_code == 200, by_status.content
    body = by_status.json()
    assert body["by"] == "status"
    assert rows_of(body) == [
        ("idea", 1, Decimal("100000"), Decimal(0), Decimal("50000")),
        ("running", 1, Decimal("4000000"), Decimal("3500000"), Decimal("1500000")),
        ("closed", 1, Decimal("2521964"), Decimal("1929500"), Decimal("250000")),
    ]
    total = body["total"]
    assert (total["projects"], money(total["total_budget"]), money(total["eu_contribution"]),
            money(total["members_funding"])) == (3, Decimal("6621964"), Decimal("5429500"), Decimal("1800000"))

    by_programme = as_token(staff).get("/api/clusters/alpha/portfolio?by=programme").json()
    assert rows_of(by_programme) == [
        ("H2020", 1, Decimal("2521964"), Decimal("1929500"), Decimal("250000")),
        ("Horizon Europe", 1, Decimal("4000000"), Decimal("3500000"), Decimal("1500000")),
        ("Regional ERDF", 1, Decimal("100000"), Decimal(0), Decimal("50000")),
    ]
    by_year = as_token(staff).get("/api/clusters/alpha/portfolio?by=year").json()
    assert rows_of(by_year) == [
        ("2018", 1, Decimal("2521964"), Decimal("1929500"), Decimal("250000")),
        ("2025", 2, Decimal("4100000"), Decimal("3500000"), Decimal("1550000")),
    ]
    # project_a and public_record have no value chain of their own: they count under org_a's (biomedical)
    by_chain = as_token(staff).get("/api/clusters/alpha/portfolio?by=value_chain").json()
    assert rows_of(by_chain) == [
        ("biomedical", 2, Decimal("6521964"), Decimal("5429500"), Decimal("1750000")),
        ("digital", 1, Decimal("100000"), Decimal(0), Decimal("50000")),
    ]
    assert [r["label"] for r in by_chain["rows"]] == ["Biomedical devices", "Digital health"]
    assert by_chain["total"]["projects"] == 3


@pytest.mark.django_db
def test_the_portfolio_is_for_the_clusters_staff_and_observers(as_token, portfolio_a, staff, member, outsider):
    bad = as_token(staff).get("/api/clusters/alpha/portfolio?by=colour")
    assert bad.status_code == 400 and "by" in bad.json()["errors"]
    assert as_token(None).get("/api/clusters/alpha/portfolio").status_code == 401
    for user in (outsider, member):
        assert as_token(user).get("/api/clusters/alpha/portfolio").status_code == 404
        assert as_token(user).get("/api/clusters/alpha/funding").status_code == 404
    assert as_token(None).get("/api/clusters/alpha/funding").status_code == 401
    assert as_token(staff).get("/api/clusters/nowhere/portfolio").status_code == 404
    beta = as_token(outsider).get("/api/clusters/beta/portfolio").json()
    assert (beta["total"]["projects"], money(beta["total"]["members_funding"])) == (2, Decimal("400000"))


@pytest.mark.django_db
def test_funding_per_member_counts_funded_running_and_closed_projects_only(as_token, portfolio_a, org_a, hospital_a,
                                                                           observer):
    response = as_token(observer).get("/api/clusters/alpha/funding")
    assert response.status_code == 200, response.content
    # org_a: project_a 900,000 + public_record 250,000 (not beta's project); hospital_a: 600,000;
    # university_a only takes part in an idea, which attracted nothing
    assert [(m["organisation"], m["name"], m["projects"], m["coordinated"], money(m["funding"]))
            for m in response.json()] == [
        (org_a.pk, "MedSense Srl", 2, 1, Decimal("1150000")),
        (hospital_a.pk, "Policlinico di Sant'Orsola", 1, 0, Decimal("600000")),
    ]


@pytest.mark.django_db
def test_an_applicants_projects_are_not_in_the_clusters_portfolio(as_token, project_a, org_applicant, staff):
    record = Project.objects.create(ref="200001", acronym="APPLIED", programme="H2020", status=Project.Status.CLOSED,
                                    source=Project.Source.CORDIS, total_budget=Decimal("1000000"),
                                    eu_contribution=Decimal("900000"))
    Partner.objects.create(project=record, organisation=org_applicant, eu_contribution=Decimal("300000"))
    assert ids(as_token(staff).get("/api/projects?cluster=alpha")) == {project_a.pk}
    funding = as_token(staff).get("/api/clusters/alpha/funding").json()
    assert org_applicant.pk not in {m["organisation"] for m in funding}


# --- the consortium builder and proposals --------------------------------------------------------------------------


@pytest.fixture
def builder_members(cluster_a, org_a, hospital_a, university_a, org_b, call):
    """alpha's active members: org_a (sme, telemonitoring), hospital_a, university_a, another sme and another
    hospital; org_b is beta's. The matching index is built so that fit comes from the engine's ranking."""
    extra = [make_member_org(cluster_a, "ortho-sme", "sme"), make_member_org(cluster_a, "ausl", "hospital")]
    sync_vocabulary()
    rebuild_index()
    return [org_a, hospital_a, university_a, *extra]


@pytest.mark.django_db
def test_the_builder_offers_consortia_that_meet_the_calls_rules(as_token, builder_members, call, university_a,
                                                                 staff, observer, member, outsider):
    member_ids = {org.pk for org in builder_members}
    kinds = {org.pk: org.kind for org in builder_members}
    payload = {"call": call.pk, "coordinator": university_a.pk, "alternatives": 3}
    assert as_token(None).post("/api/clusters/alpha/consortia", payload, **JSON).status_code == 401
    for user in (outsider, observer, member):
        assert as_token(user).post("/api/clusters/alpha/consortia", payload, **JSON).status_code == 404
    assert as_token(staff).post("/api/clusters/alpha/consortia", {**payload, "call": 999999},
                                **JSON).status_code == 404
    response = as_token(staff).post("/api/clusters/alpha/consortia", payload, **JSON)
    assert response.status_code == 200, response.content
    alternatives = response.json()
    assert 1 <= len(alternatives) <= 3
    seen = set()
    for alternative in alternatives:
        members = [m["id"] for m in alternative["members"]]
        assert set(members) <= member_ids and len(set(members)) == len(members)
        assert 3 <= len(members) <= 6
        assert university_a.pk in members
        assert sum(kinds[m] == "sme" for m in members) >= 1
        assert sum(kinds[m] == "hospital" for m in members) >= 1
        assert alternative["covered"] + alternative["missing"] == ["telemonitoring"]
        assert alternative["rules_met"]
        seen.add(frozenset(members))
    assert len(seen) == len(alternatives)  # alternatives differ
    # the best one covers the call's need: org_a is the one member with telemonitoring
    assert alternatives[0]["covered"] == ["telemonitoring"] and alternatives[0]["coverage"] == 1.0


@pytest.mark.django_db
def test_the_builder_says_when_no_consortium_can_meet_the_rules(as_token, builder_members, call, staff):
    too_small = as_token(staff).post("/api/clusters/alpha/consortia", {"call": call.pk, "max_size": 2}, **JSON)
    assert too_small.status_code == 400 and too_small.json()["errors"]
    no_hospital = [org.pk for org in builder_members if org.kind == "hospital"]
    impossible = as_token(staff).post("/api/clusters/alpha/consortia", {"call": call.pk, "exclude": no_hospital},
                                      **JSON)
    assert impossible.status_code == 400 and "No consortium" in impossible.json()["detail"]
    unknown = as_token(staff).post("/api/clusters/alpha/consortia", {"call": call.pk, "include": [999999]}, **JSON)
    assert unknown.status_code == 400 and "organisation" in unknown.json()["errors"]


@pytest.mark.django_db
def test_a_consortium_is_saved_as_a_proposal_with_its_coordinator(as_token, builder_members, call, university_a,
                                                                  org_b, cluster_a, staff, outsider):
    alternatives = as_token(staff).post("/api/clusters/alpha/consortia",
                                        {"call": call.pk, "coordinator": university_a.pk}, **JSON).json()
    members = [m["id"] for m in alternatives[0]["members"]]
    payload = {"call": call.pk, "acronym": "TELECARE", "members": members, "coordinator": university_a.pk}
    assert as_token(outsider).post("/api/clusters/alpha/proposals", payload, **JSON).status_code == 404
    assert as_token(None).post("/api/clusters/alpha/proposals", payload, **JSON).status_code == 401
    foreign = as_token(staff).post("/api/clusters/alpha/proposals", {**payload, "members": [*members, org_b.pk]},
                                   **JSON)
    assert foreign.status_code == 400
    not_a_partner = as_token(staff).post("/api/clusters/alpha/proposals",
                                         {**payload, "members": [m for m in members if m != university_a.pk]}, **JSON)
    assert not_a_partner.status_code == 400
    assert as_token(staff).post("/api/clusters/alpha/proposals", {**payload, "acronym": " "}, **JSON).status_code == 400
    assert not Project.objects.exists()

    response = as_token(staff).post("/api/clusters/alpha/proposals", payload, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cluster"], body["status"], body["acronym"], body["call"]) == ("alpha", "proposal", "TELECARE",
                                                                               call.pk)
    assert (body["programme"], body["call_identifier"]) == ("Horizon Europe", call.identifier)
    roles = {p["organisation"]: p["role"] for p in body["partners"]}
    assert set(roles) == set(members)
    assert roles[university_a.pk] == "coordinator"
    assert {role for org, role in roles.items() if org != university_a.pk} == {"partner"}
    project = Project.objects.get(pk=body["id"])
    assert (project.cluster, project.created_by) == (cluster_a, staff)
    assert audited("projects.project", project, "create").actor == staff
    partner_entries = AuditEntry.objects.filter(model="projects.partner", action="create")
    assert {entry.object_id for entry in partner_entries} == {str(p.pk) for p in project.partners.all()}
    assert {entry.actor for entry in partner_entries} == {staff}


@pytest.mark.django_db
def test_a_consortium_may_take_in_members_of_the_clusters_network(as_token, builder_members, call, org_a, hospital_a,
                                                                  staff):
    gamma = Cluster.objects.create(slug="gamma", name="Gamma Health", country="IT")
    Network.objects.get(slug="alpha-net").clusters.add(gamma)
    neighbour = make_member_org(gamma, "gamma-lab", "research_centre")
    alone = as_token(staff).post("/api/clusters/alpha/consortia", {"call": call.pk}, **JSON).json()
    assert all(neighbour.pk not in {m["id"] for m in alt["members"]} for alt in alone)
    wider = as_token(staff).post("/api/clusters/alpha/consortia",
                                 {"call": call.pk, "network": True, "include": [neighbour.pk]}, **JSON)
    assert wider.status_code == 200, wider.content
    assert all(neighbour.pk in {m["id"] for m in alt["members"]} for alt in wider.json())
    response = as_token(staff).post("/api/clusters/alpha/proposals", {
        "call": call.pk, "acronym": "NEIGHBOURS", "members": [org_a.pk, hospital_a.pk, neighbour.pk],
        "coordinator": org_a.pk}, **JSON)
    assert response.status_code == 201, response.content
    assert {p["organisation"]: p["role"] for p in response.json()["partners"]} == {
        org_a.pk: "coordinator", hospital_a.pk: "partner", neighbour.pk: "partner"}


@pytest.mark.django_db
def test_a_member_listed_twice_in_a_proposal_is_not_a_server_error(as_token, call, org_a, hospital_a, university_a,
                                                                    staff):
    members = [org_a.pk, hospital_a.pk, university_a.pk, org_a.pk]
    response = as_token(staff).post("/api/clusters/alpha/proposals",
                                    {"call": call.pk, "acronym": "TWICE", "members": members}, **JSON)
    assert response.status_code in (201, 400)
    if response.status_code == 201:
        assert sorted(p["organisation"] for p in response.json()["partners"]) == sorted(set(members))


# --- the OpenAPI document ------------------------------------------------------------------------------------------

PROJECT_ROUTES = {
    "/api/calls": {"get", "post"},
    "/api/calls/{call_id}": {"get", "patch"},
    "/api/calls/{call_id}/partner-searches": {"get", "post"},
    "/api/partner-searches/{search_id}/follow": {"post", "delete"},
    "/api/partner-searches/{search_id}/interests": {"get", "post"},
    "/api/interests/{interest_id}/{decision}": {"post"},
    "/api/projects": {"get", "post"},
    "/api/projects/{project_id}": {"get", "patch"},
    "/api/projects/{project_id}/status": {"post"},
    "/api/projects/{project_id}/partners": {"post"},
    "/api/projects/{project_id}/partners/{partner_id}": {"delete"},
    "/api/projects/{project_id}/work-packages": {"post"},
    "/api/work-packages/{work_package_id}/deliverables": {"post"},
    "/api/projects/{project_id}/documents": {"post"},
    "/api/clusters/{slug}/portfolio": {"get"},
    "/api/clusters/{slug}/funding": {"get"},
    "/api/clusters/{slug}/consortia": {"post"},
    "/api/clusters/{slug}/proposals": {"post"},
}


@pytest.mark.django_db
def test_the_openapi_document_lists_the_projects_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, methods in PROJECT_ROUTES.items():
        assert path in paths, path
        assert set(paths[path]) == methods, path
    assert {p["name"] for p in paths["/api/projects"]["get"]["parameters"]} >= {"q", "status", "programme",
                                                                               "cluster", "page"}
    assert {p["name"] for p in paths["/api/calls"]["get"]["parameters"]} >= {"q", "programme", "open_only"}


@pytest.mark.django_db
def test_the_poster_reads_and_answers_the_interests_through_the_api(as_token, call, member, org_a, outsider_member,
                                                                    org_b):
    search = as_token(member).post(f"/api/calls/{call.pk}/partner-searches", {
        "organisation": org_a.pk, "title": "Hospital wanted", "summary": "For the pilots"}, **JSON).json()
    interest = as_token(outsider_member).post(f"/api/partner-searches/{search['id']}/interests", {
        "organisation": org_b.pk, "message": "Robots"}, **JSON).json()
    assert as_token(outsider_member).get(f"/api/partner-searches/{search['id']}/interests").status_code == 403
    listed = as_token(member).get(f"/api/partner-searches/{search['id']}/interests")
    assert [i["message"] for i in listed.json()] == ["Robots"]
    assert as_token(outsider_member).post(f"/api/interests/{interest['id']}/accept").status_code == 403
    answered = as_token(member).post(f"/api/interests/{interest['id']}/decline")
    assert answered.status_code == 200 and answered.json()["status"] == "declined"
    assert as_token(member).post(f"/api/interests/{interest['id']}/maybe").status_code == 422
