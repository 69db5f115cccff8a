"""The project services on the real database: who sees which project, the portfolio's totals counted by hand, funding
per member, the pipeline's moves, the call's rules on a project, deliverable reminders, needs read from a call's
text, and the consortium builder saved as a proposal."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from filiera.core.access import viewer_for
from filiera.core.models import AuditEntry, Concept, ValueChain
from filiera.directory.models import Membership, Organisation
from filiera.projects import services
from filiera.projects.models import Call, Deliverable, Partner, Project


@pytest.mark.django_db
def test_who_sees_which_project(cluster_a, project_a, public_record, staff, observer, member, outsider,
                                outsider_member, admin):
    def seen(user):
        return set(services.visible_projects(viewer_for(user)).values_list("acronym", flat=True))

    assert seen(None) == {"REMOTE"}
    assert seen(staff) == seen(observer) == {"REMOTE", "CARE4ALL"}
    assert seen(member) == {"REMOTE", "CARE4ALL"}  # org_a is a partner of CARE4ALL
    assert seen(outsider) == seen(outsider_member) == {"REMOTE"}
    assert seen(admin) == {"REMOTE", "CARE4ALL"}
    assert services.can_edit_project(viewer_for(staff), project_a)
    assert not services.can_edit_project(viewer_for(observer), project_a)
    assert not services.can_edit_project(viewer_for(staff), public_record)  # a public record: only admins
    assert services.can_edit_project(viewer_for(admin), public_record)


@pytest.mark.django_db
def test_portfolio_totals_counted_by_hand(cluster_a, project_a, public_record, org_b, value_chain):
    # Another cluster's project is not in alpha's portfolio, nor a public record without alpha's members.
    Project.objects.create(acronym="ELSEWHERE", status=Project.Status.CLOSED, total_budget=Decimal("99"))
    portfolio = services.portfolio(cluster_a)
    assert set(portfolio.values_list("acronym", flat=True)) == {"CARE4ALL", "REMOTE"}

    by_status = {row.key: row for row in services.portfolio_totals(cluster_a, "status")}
    assert list(by_status) == ["running", "closed"]  # in the pipeline's order
    assert by_status["running"].total_budget == Decimal("4000000")
    assert by_status["running"].members_funding == Decimal("1500000")  # org_a 900,000 + hospital_a 600,000
    assert by_status["closed"].eu_contribution == Decimal("1929500")
    assert by_status["closed"].members_funding == Decimal("250000")  # org_b is not alpha's member

    by_year = services.portfolio_totals(cluster_a, "year")
    assert [(row.key, row.projects) for row in by_year] == [("2018", 1), ("2025", 1)]

    by_programme = {row.key: row.projects for row in services.portfolio_totals(cluster_a, "programme")}
    assert by_programme == {"H2020": 1, "Horizon Europe": 1}

    # Value chains: a project's own, or else those of its members in the cluster (org_a is in "biomedical").
    project_a.value_chains.add(ValueChain.objects.create(slug="ageing", labels={"en": "Active ageing"}))
    by_chain = {row.key: row.projects for row in services.portfolio_totals(cluster_a, "value_chain")}
    assert by_chain == {"ageing": 1, "biomedical": 1}

    total = services.portfolio_total(portfolio, cluster_a)
    assert (total.projects, total.total_budget, total.members_funding) == (2, Decimal("6521964"), Decimal("1750000"))
    with pytest.raises(ValueError):
        services.portfolio_totals(cluster_a, "colour")


@pytest.mark.django_db
def test_funding_per_member_counts_funded_projects_only(cluster_a, project_a, public_record, org_a, hospital_a):
    idea = Project.objects.create(cluster=cluster_a, acronym="IDEA", status=Project.Status.IDEA)
    Partner.objects.create(project=idea, organisation=org_a, eu_contribution=Decimal("1000000"))
    rows = services.funding_per_member(cluster_a)
    assert [(r.organisation, r.projects, r.coordinated, r.funding) for r in rows] == [
        (org_a, 2, 1, Decimal("1150000")), (hospital_a, 1, 0, Decimal("600000"))]
    assert [r.organisation for r in services.funding_per_member(cluster_a, since=datetime.date(2020, 1, 1))] == [
        org_a, hospital_a]


@pytest.mark.django_db
def test_the_pipeline_moves_one_step_at_a_time(cluster_a, staff, observer, outsider):
    project = Project.objects.create(cluster=cluster_a, acronym="STEP", status=Project.Status.IDEA)
    viewer = viewer_for(staff)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.move_project(viewer, project, Project.Status.RUNNING)
    with pytest.raises(ValidationError, match="not a project status"):
        services.move_project(viewer, project, "done")
    for status in ("proposal", "funded", "running", "closed"):
        services.move_project(viewer, project, status)
    project.refresh_from_db()
    assert project.status == "closed"
    assert AuditEntry.objects.filter(model="projects.project", object_id=str(project.pk),
                                     action=AuditEntry.Action.UPDATE).count() == 4
    with pytest.raises(PermissionDenied):
        services.move_project(viewer_for(observer), project, "running")
    with pytest.raises(PermissionDenied):
        services.move_project(viewer_for(outsider), project, "running")
    columns = services.board(Project.objects.filter(cluster=cluster_a))
    assert [status for status, _label, _projects in columns] == list(Project.Status.values)
    closed = dict((status, projects) for status, _label, projects in columns)["closed"]
    assert closed == [project] and closed[0].next_statuses == [("running", "Running")]


@pytest.mark.django_db
def test_eligibility_says_which_rules_of_the_call_a_project_meets(project_a, university_a):
    rules = dict(services.eligibility(project_a))
    assert rules["at least 3 partners (has 2)"] is False
    assert rules["at least 1 × SME (has 1)"] is True
    assert rules["at least 1 × Hospital / health authority (has 1)"] is True
    assert rules["a coordinator"] is True
    Partner.objects.create(project=project_a, organisation=university_a)
    assert dict(services.eligibility(project_a))["at least 3 partners (has 3)"] is True


@pytest.mark.django_db
def test_deliverable_reminders_go_once_to_the_staff(project_a, staff, manager, outsider):
    late = Deliverable.objects.create(work_package=project_a.work_packages.get(), code="D1.2", title="Data plan",
                                      due_on=datetime.date.today() - datetime.timedelta(days=3))
    Deliverable.objects.create(work_package=project_a.work_packages.get(), code="D1.3", title="Far away",
                               due_on=datetime.date.today() + datetime.timedelta(days=90))
    out = io.StringIO()
    call_command("deliverable_reminders", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "would remind of 2 deliverables" and not mail.outbox
    assert services.send_deliverable_reminders() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["manager@example.org", "staff@example.org"]
    assert "CARE4ALL D1.1 Project handbook" in message.body and "D1.2 Data plan" in message.body
    assert "Far away" not in message.body
    late.refresh_from_db()
    assert late.reminded_on == datetime.date.today()
    assert services.send_deliverable_reminders() == 0  # once


@pytest.mark.django_db
def test_a_call_s_needs_come_from_its_text_until_staff_set_them(call, concept, staff):
    text_call = Call.objects.create(identifier="T-1", title="Telemonitoring for frail elderly people",
                                    description="Projects should use telemonitoring at home.")
    suggested = services.suggested_needs(text_call)
    assert (concept, 2.0) in suggested  # named in the title: weighed twice
    assert services.needs_of(call) == [(concept, 2.0)]  # set by staff
    other = Concept.objects.create(slug="robotics", labels={"en": "Robotics"})
    services.save_call(viewer_for(staff), {"min_partners": 2}, call=call, needs=[(other, 1.0)])
    assert services.needs_of(call) == [(other, 1.0)]
    with pytest.raises(ValidationError):
        services.save_call(viewer_for(staff), {"required_kinds": {"dragon": 1}}, call=call)
    with pytest.raises(ValidationError):
        services.save_call(viewer_for(staff), {"min_partners": 5, "max_partners": 2}, call=call)


@pytest.mark.django_db
def test_a_member_cannot_enter_calls(call, member):
    with pytest.raises(PermissionDenied):
        services.save_call(viewer_for(member), {"title": "Mine"}, call=call)


@pytest.mark.django_db
def test_the_builder_proposes_consortia_that_meet_the_call_and_saves_one(cluster_a, call, staff, org_a, hospital_a,
                                                                        university_a, outsider, org_b):
    viewer = viewer_for(staff)
    request = services.BuilderInput(call=call, coordinator=university_a)
    alternatives = services.build_consortia(viewer, cluster_a, request)
    best = alternatives[0]
    assert set(best.organisations) == {org_a, hospital_a, university_a}  # the only three: sme + hospital + coordinator
    assert best.consortium.optimal
    assert [c.slug for c in best.covered] == ["telemonitoring"]  # org_a's competence
    with pytest.raises(PermissionDenied):
        services.build_consortia(viewer_for(outsider), cluster_a, request)
    with pytest.raises(ValidationError):
        services.build_consortia(viewer, cluster_a, services.BuilderInput(call=call, max_size=2))

    project = services.save_as_proposal(viewer, cluster_a, call, best.organisations, coordinator=university_a,
                                        acronym="FRAIL")
    assert (project.status, project.call, project.cluster) == ("proposal", call, cluster_a)
    roles = dict(project.partners.values_list("organisation__slug", "role"))
    assert roles == {"unibo": "coordinator", "medsense": "partner", "policlinico": "partner"}
    with pytest.raises(ValidationError, match="active members"):
        services.save_as_proposal(viewer, cluster_a, call, [org_a, org_b], coordinator=None, acronym="MIXED")
    with pytest.raises(ValidationError):
        services.save_as_proposal(viewer, cluster_a, call, [org_a], coordinator=None, acronym=" ")


@pytest.mark.django_db
def test_the_builder_may_look_in_the_network(cluster_a, call, staff, org_a, hospital_a):
    neighbour = Organisation.objects.create(slug="nordic", name="Nordic Care", kind="research_centre",
                                            country="DK")
    from filiera.core.models import Cluster

    sister = Cluster.objects.create(slug="sister", name="Sister cluster", country="DK")
    cluster_a.networks.get().clusters.add(sister)
    Membership.objects.create(organisation=neighbour, cluster=sister, status=Membership.Status.ACTIVE)
    assert neighbour not in services.candidates_for(cluster_a, network=False)
    assert neighbour in services.candidates_for(cluster_a, network=True)
    call.min_countries = 2
    call.save()
    with pytest.raises(ValidationError):  # alpha's members are all Italian
        services.build_consortia(viewer_for(staff), cluster_a, services.BuilderInput(call=call))
    found = services.build_consortia(viewer_for(staff), cluster_a, services.BuilderInput(call=call, network=True))
    assert neighbour in found[0].organisations


@pytest.mark.django_db
def test_partner_searches_followers_and_interests(call, org_a, member, outsider_member, org_b, staff, cluster_b,
                                                  outsider, django_capture_on_commit_callbacks):
    search = services.post_partner_search(viewer_for(member), call, org_a, {
        "title": "Hospital partner wanted", "summary": "For the telemonitoring call", "visibility": "public"},
        author=member)
    assert search.opportunity.type == "rd_partner_search" and search.opportunity.expires_on == call.deadline
    assert list(services.visible_searches(viewer_for(None), call)) == [search]
    services.follow(viewer_for(staff), search, staff)
    with pytest.raises(PermissionDenied):  # org_b is not the user's organisation
        services.post_partner_search(viewer_for(member), call, org_b, {"title": "x", "summary": "y"})
    with django_capture_on_commit_callbacks(execute=True):  # the email goes once the interest is saved
        interest = services.express_interest(viewer_for(outsider_member), search, org_b, "We bring robots",
                                             author=outsider_member)
    assert interest.status == "sent"
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "member@example.org", "staff@example.org"]  # one message each: they do not see each other's address
    with pytest.raises(ValidationError):
        services.express_interest(viewer_for(outsider_member), search, org_b, "Again")
    with pytest.raises(ValidationError):
        services.express_interest(viewer_for(member), search, org_a, "My own")
    with pytest.raises(PermissionDenied):
        services.express_interest(viewer_for(outsider), search, org_b, "Not mine")
    assert AuditEntry.objects.filter(model="projects.expressionofinterest", organisation_id=org_b.pk).exists()


@pytest.mark.django_db
def test_partners_from_what_it_does_and_whom_it_worked_with(cluster_a, project_a, org_a, hospital_a, university_a,
                                                            org_b):
    from filiera.core.vocabulary import sync_vocabulary
    from filiera.matching.services import rebuild_index

    # The hospital (org_a's past partner) worked with the university: a partner of a partner.
    earlier = Project.objects.create(acronym="EARLIER", status=Project.Status.CLOSED,
                                     start_date=datetime.date(2019, 1, 1))
    Partner.objects.create(project=earlier, organisation=hospital_a, role=Partner.Role.COORDINATOR)
    Partner.objects.create(project=earlier, organisation=university_a)
    hidden = Organisation.objects.create(slug="hidden", name="Hidden Labs", kind="research_centre", country="FR",
                                         visibility="private")
    Partner.objects.create(project=earlier, organisation=hidden)
    sync_vocabulary()
    rebuild_index()
    matches = services.partners_for(viewer_for(None), org_a, top=10)
    by_name = {m.object.name: m for m in matches}
    assert "worked with 1 of your past partners" in by_name["Università di Bologna"].reasons
    assert "worked with you in 1 project" in by_name["Policlinico di Sant'Orsola"].reasons
    assert "Hidden Labs" not in by_name and org_a.name not in by_name  # a private profile; itself
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    abroad = services.partners_for(viewer_for(None), org_a, top=10, international=True)
    assert all(m.object.country != "IT" for m in abroad)

    out = io.StringIO()
    call_command("recommend", "--for-org", "medsense", "--top", "5", stdout=out)
    assert "worked with 1 of your past partners" in out.getvalue()
    out = io.StringIO()
    call_command("recommend", "--for-org", "medsense", "--top", "5", "--no-history", stdout=out)
    assert "past partners" not in out.getvalue()
