"""The world of the permission matrix: one of every kind of record in cluster_a, made once per test module.

The records are made the way the other apps' fixtures make them (tests/conftest.py and each app's conftest), but in
one module-scoped transaction so that the ~3,000 requests of the matrix do not rebuild them each time: every test
runs in a savepoint inside it (pytest-django's `db`), so what a POST changes is undone before the next test, and the
transaction is rolled back when the module ends. What is private is chosen so that a leak would show: org_a's
profile and its partner search are for members only, the event is for members only, the project is a draft idea
of the cluster's portfolio and the survey has not been sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from filiera.challenges.models import Challenge, Need, Solution, Theme
from filiera.core.access import viewer_for
from filiera.core.models import ApiToken, Cluster, ClusterRole, Concept, Network, ValueChain
from filiera.core.services import create_api_token
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility
from filiera.events.models import Event, Meeting, MeetingRequest, MeetingSeat, Participant, Registration, Slot, Table
from filiera.events.notifications import cancel_token
from filiera.matching.digest import unsubscribe_token
from filiera.monitoring import excellence, surveys
from filiera.monitoring.models import Assessment, EvidenceDocument, ImprovementAction, Survey, SurveyInvitation
from filiera.network import services as network_services
from filiera.projects.models import (
    Call,
    CallNeed,
    Deliverable,
    ExpressionOfInterest,
    Partner,
    PartnerSearch,
    Project,
    WorkPackage,
)
from tests.conftest import make_member, make_user

ROLES = ("visitor", "outsider_member", "member", "staff", "manager", "observer", "admin")
QUICK_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    values: dict[str, object] = field(default_factory=dict)  # what route kwargs refer to: ids, slugs, tokens
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key of a signed-in browser
    tokens: dict[str, str] = field(default_factory=dict)  # role -> a personal API token

    def browser(self, role: str) -> Client:
        """A fresh client with the role's session cookie (a fresh one, so a logout in one test cannot sign the
        role out for the next)."""
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def api_client(self, role: str) -> Client:
        if role not in self.tokens:
            return Client()
        return Client(headers={"authorization": f"Bearer {self.tokens[role]}"})


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = QUICK_HASHER


def _at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.session[SESSION_KEY] == str(user.pk)
    return session_key


def build_world() -> World:
    world = World()
    value_chain = ValueChain.objects.create(slug="biomedical", labels={"en": "Biomedical devices"})
    concept = Concept.objects.get_or_create(
        slug="telemonitoring", defaults={"scheme": "technology", "labels": {"en": "Telemonitoring"}})[0]
    alpha = Cluster.objects.create(slug="alpha", name="Alpha Health Cluster", short_name="Alpha", country="IT",
                                   region="Emilia-Romagna", language="it")
    alpha.value_chains.add(value_chain)
    alpha_net = Network.objects.create(slug="alpha-net", name="Alpha network")
    alpha_net.clusters.add(alpha)
    beta = Cluster.objects.create(slug="beta", name="Beta Welfare Cluster", short_name="Beta", country="DK",
                                  language="da")
    Network.objects.create(slug="beta-net", name="Beta network").clusters.add(beta)
    # alpha's network has a second cluster, so that alpha's observer is not its coordinator.
    gamma = Cluster.objects.create(slug="gamma", name="Gamma Care Cluster", country="IT", language="it")
    alpha_net.clusters.add(gamma)

    # org_a's profile is for members only, so that a visitor or another cluster's member seeing it is a leak.
    org_a = Organisation.objects.create(slug="medsense", name="MedSense Srl", kind="sme", is_sme=True, country="IT",
                                        city="Bologna", language="it", visibility=Visibility.MEMBERS,
                                        description="Sensori indossabili per la telemedicina")
    org_a.value_chains.add(value_chain)
    org_a.concepts.add(concept)
    membership = Membership.objects.create(organisation=org_a, cluster=alpha, status=Membership.Status.ACTIVE,
                                           joined_on=datetime.date(2021, 3, 1), fee_tier="medium",
                                           notes="Pays late, be kind")
    hospital = Organisation.objects.create(slug="ausl-appennino", name="AUSL dell'Appennino", kind="hospital",
                                           country="IT", city="Porretta Terme", language="it")
    Membership.objects.create(organisation=hospital, cluster=alpha, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))
    org_b = Organisation.objects.create(slug="velfaerd", name="Velfærd Robotics ApS", kind="startup", country="DK",
                                        city="Odense", language="da")
    Membership.objects.create(organisation=org_b, cluster=beta, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))

    users = {
        "admin": make_user("admin", is_superuser=True, is_staff=True),
        "manager": make_user("manager"),
        "staff": make_user("staff"),
        "observer": make_user("observer"),
        "member": make_member("member", org_a),
        "outsider_member": make_member("outsidermember", org_b),
    }
    for role, cluster_role in (("manager", ClusterRole.Role.MANAGER), ("staff", ClusterRole.Role.STAFF),
                               ("observer", ClusterRole.Role.OBSERVER)):
        ClusterRole.objects.create(user=users[role], cluster=alpha, role=cluster_role)
    member = users["member"]
    contact = Person.objects.create(organisation=org_a, first_name="Carla", last_name="Contact",
                                    email="carla@example.org")
    hospital_rep = make_member("hospitalrep", hospital)

    opportunity = Opportunity.objects.create(
        organisation=org_a, cluster=alpha, author=member, type=Opportunity.Type.RD_PARTNER_SEARCH,
        title="Confidential partner search", summary="Only for Alpha members", language="en",
        visibility=Visibility.MEMBERS, expires_on=timezone.localdate() + datetime.timedelta(days=90))

    # A B2B brokerage for members only: org_a (the member) and the hospital take part; the hospital asked org_a
    # for a meeting, and they already have one.
    event = Event.objects.create(cluster=alpha, slug="fair", title="Members' fair", kind=Event.Kind.BROKERAGE,
                                 audience=Event.Audience.MEMBERS, status=Event.Status.PUBLISHED,
                                 starts_at=_at(30, 9), ends_at=_at(30, 17))
    registration = Registration.objects.create(event=event, user=member, organisation=org_a, name="Member Rep",
                                               email="member@example.org")
    hospital_registration = Registration.objects.create(event=event, user=hospital_rep, organisation=hospital,
                                                        name="Hospital Rep", email="hospitalrep@example.org")
    participant = Participant.objects.create(event=event, registration=registration, organisation=org_a)
    hospital_participant = Participant.objects.create(event=event, registration=hospital_registration,
                                                      organisation=hospital)
    meeting_request = MeetingRequest.objects.create(event=event, sender=hospital_participant, receiver=participant)
    slot = Slot.objects.create(event=event, session="Morning", starts_at=_at(30, 9),
                               ends_at=_at(30, 9) + datetime.timedelta(minutes=30))
    table = Table.objects.create(event=event, name="T1")
    meeting = Meeting.objects.create(event=event, slot=slot, table=table)
    for seated in (participant, hospital_participant):
        MeetingSeat.objects.create(meeting=meeting, participant=seated, slot=slot)

    call = Call.objects.create(
        identifier="HORIZON-HLTH-2027-CARE-04", title="Telemonitoring of chronic patients in remote areas",
        programme="Horizon Europe", deadline=datetime.date.today() + datetime.timedelta(days=60),
        min_partners=3, max_partners=6, budget_min=Decimal("3000000"), budget_max=Decimal("5000000"))
    CallNeed.objects.create(call=call, concept=concept, weight=2)
    search = PartnerSearch.objects.create(opportunity=opportunity, call=call)
    interest = ExpressionOfInterest.objects.create(search=search, organisation=hospital, author=hospital_rep,
                                                   message="We have the patients")

    # A draft idea of alpha's portfolio with the hospital: nobody outside the cluster's back office (and the
    # hospital) should see it, org_a's representative included.
    project = Project.objects.create(cluster=alpha, acronym="CARE4ALL", title="Care for all",
                                     programme="Horizon Europe", call=call, status=Project.Status.IDEA)
    partner = Partner.objects.create(project=project, organisation=hospital, role=Partner.Role.COORDINATOR)
    # A running project of org_a and the hospital: a tie, so that the collaboration network has a community.
    running = Project.objects.create(cluster=alpha, acronym="RUN", status=Project.Status.RUNNING,
                                     start_date=datetime.date(2025, 3, 1), eu_contribution=Decimal("900000"))
    for partner_organisation in (org_a, hospital):
        Partner.objects.create(project=running, organisation=partner_organisation)
    work_package = WorkPackage.objects.create(project=project, number=1, title="Coordination")
    Deliverable.objects.create(work_package=work_package, code="D1.1", title="Project handbook",
                               due_on=datetime.date.today() + datetime.timedelta(days=5))

    draft_survey = Survey.objects.create(cluster=alpha, title="Members 2026", year=2026)
    sent_survey = Survey.objects.create(cluster=alpha, title="Members 2025", year=2025, status=Survey.Status.OPEN,
                                        sent_at=timezone.now())
    invitation = SurveyInvitation.objects.create(survey=sent_survey, organisation=org_a, token="survey-token-org-a",
                                                 sent_at=timezone.now())

    assessment = Assessment.objects.create(cluster=alpha, year=2025, created_by=users["staff"])
    criterion = excellence.CATALOGUE[0].code
    evidence = EvidenceDocument(assessment=assessment, criterion=criterion, title="Statute")
    evidence.file.save("statute.pdf", ContentFile(b"%PDF-1.4 statute"), save=True)
    action = ImprovementAction.objects.create(cluster=alpha, assessment=assessment, area="structure",
                                              title="Recruit hospitals", owner="Manager",
                                              due_on=datetime.date.today() + datetime.timedelta(days=90))

    # The analyses the pages show by default (the whole history, every kind of tie), computed here: the task the
    # service queues runs on commit, which this transaction never reaches.
    admin_viewer = viewer_for(users["admin"])
    cluster_analysis = network_services.compute(network_services.request_analysis(admin_viewer, alpha))
    network_analysis = network_services.compute(network_services.request_analysis(admin_viewer, alpha_net))

    challenge = Challenge.objects.create(
        cluster=alpha, owner=hospital, title="Fragile and chronic patients in remote areas",
        statement="How can fragile and chronic patients living in mountain villages be cared for at home?",
        language="en", stage=Challenge.Stage.SOLUTIONS)
    theme = Theme.objects.create(challenge=challenge, position=0, label="Heart failure at home")
    need = Need.objects.create(challenge=challenge, theme=theme, language="en", actor="nurse",
                               text="Patients with heart failure need telemonitoring at home.")
    solution = Solution.objects.create(theme=theme, organisation=org_a, author=member, title="Sensor patch",
                                       description="A patch that measures what the nurse needs")

    for role, user in users.items():
        world.sessions[role] = _session_of(user)
        world.tokens[role] = create_api_token(user, "permission matrix")[1]
    member_token = ApiToken.objects.filter(user=member).get()

    world.values.update({
        "cluster": alpha.slug, "network": alpha_net.slug, "value_chain": value_chain.slug, "concept": concept.slug,
        "org": org_a.slug, "org_id": org_a.pk, "membership": membership.pk, "person": contact.pk,
        "opportunity": opportunity.pk, "event": event.pk, "registration": registration.pk,
        "registration_token": cancel_token(registration), "participant": hospital_participant.pk,
        "meeting_request": meeting_request.pk, "meeting": meeting.pk, "call": call.pk, "search": search.pk,
        "interest": interest.pk, "project": project.pk, "partner": partner.pk, "work_package": work_package.pk,
        "survey": draft_survey.pk, "survey_token": surveys.link_token(invitation), "assessment": assessment.pk,
        "criterion": criterion, "evidence": evidence.pk, "action": action.pk,
        "cluster_analysis": cluster_analysis.pk, "network_analysis": network_analysis.pk,
        "challenge": challenge.pk, "theme": theme.pk, "need": need.pk, "solution": solution.pk,
        "member_token": member_token.pk, "digest_token": unsubscribe_token(member),
        "audited_model": "directory.membership", "year": 2026,
    })
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module inside a transaction that is rolled back at the end, so nothing outlives the module."""
    overrides = override_settings(PASSWORD_HASHERS=QUICK_HASHER, MATCHING_EMBEDDINGS="none",
                                  MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    overrides.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            overrides.disable()
