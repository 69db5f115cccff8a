"""Shared fixtures: two clusters that share nothing, and one user per role (the Healthchecks habit: every view
test asks the owner, a colleague and an outsider).

cluster_a ("Alpha Health", IT) and cluster_b ("Beta Welfare", DK) are in different networks.
- admin: platform admin
- manager / staff / observer: roles in cluster_a
- member: representative of org_a, an active member of cluster_a
- applicant_user: representative of org_applicant, applying to cluster_a
- outsider: staff of cluster_b (and nothing in cluster_a)
- outsider_member: representative of org_b, an active member of cluster_b
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from filiera.core.models import Cluster, ClusterRole, Concept, Network, NetworkRole, User, ValueChain
from filiera.directory.models import Membership, Opportunity, Organisation, Person, Visibility

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_immediately():
    HUEY.immediate = True
    yield


@pytest.fixture(autouse=True, scope="session")
def _quick_passwords():
    """Django's PBKDF2 costs about half a second per password on this kind of machine, and the suite makes
    thousands of users: hash them the quick way. Signing in with a password works the same."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: what one test cached (the KPIs' network figures, under keys made of
    ids that the next test's rows may reuse) must not answer another."""
    cache.clear()


@pytest.fixture(autouse=True)
def _matching_without_embeddings(settings):
    """Words and concepts only, unless a test asks for the embeddings backend: computing vectors on every save
    would make the suite slow without testing more of the directory."""
    settings.MATCHING_EMBEDDINGS = "none"


@pytest.fixture
def value_chain(db):
    return ValueChain.objects.create(slug="biomedical", labels={"en": "Biomedical devices", "it": "Biomedicale"})


@pytest.fixture
def concept(db):
    # get_or_create: the matching tests load the shipped vocabulary, which has this concept too.
    return Concept.objects.get_or_create(
        slug="telemonitoring", defaults={"scheme": "technology",
                                         "labels": {"en": "Telemonitoring", "it": "Telemonitoraggio"}},
    )[0]


@pytest.fixture
def cluster_a(db, value_chain):
    cluster = Cluster.objects.create(slug="alpha", name="Alpha Health Cluster", short_name="Alpha", country="IT",
                                     region="Emilia-Romagna", language="it")
    cluster.value_chains.add(value_chain)
    network = Network.objects.create(slug="alpha-net", name="Alpha network")
    network.clusters.add(cluster)
    return cluster


@pytest.fixture
def cluster_b(db):
    cluster = Cluster.objects.create(slug="beta", name="Beta Welfare Cluster", short_name="Beta", country="DK",
                                     language="da")
    Network.objects.create(slug="beta-net", name="Beta network").clusters.add(cluster)
    return cluster


@pytest.fixture
def coordinator(cluster_a, cluster_b):
    """The coordinator of a network of both clusters (alpha's network, which beta joins): it observes both."""
    network = Network.objects.get(slug="alpha-net")
    network.clusters.add(cluster_b)
    user = make_user("coordinator")
    NetworkRole.objects.create(user=user, network=network)
    return user


def make_user(username: str, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.org", **extra)


def make_member(username: str, organisation: Organisation) -> User:
    user = make_user(username)
    Person.objects.create(organisation=organisation, user=user, first_name=username.title(), last_name="Rep",
                          email=f"{username}@example.org", is_representative=True)
    return user


@pytest.fixture
def org_a(cluster_a, value_chain, concept):
    org = Organisation.objects.create(slug="medsense", name="MedSense Srl", kind="sme", is_sme=True, country="IT",
                                      city="Bologna", language="it",
                                      description="Sensori indossabili per la telemedicina",
                                      keywords="sensori;telemedicina")
    org.value_chains.add(value_chain)
    org.concepts.add(concept)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2021, 3, 1), fee_tier="medium", notes="Pays late, be kind")
    return org


@pytest.fixture
def org_b(cluster_b):
    org = Organisation.objects.create(slug="velfaerd", name="Velfærd Robotics ApS", kind="startup", country="DK",
                                      city="Odense", language="da", description="Robotter til plejesektoren")
    Membership.objects.create(organisation=org, cluster=cluster_b, status=Membership.Status.ACTIVE,
                              joined_on=datetime.date(2020, 1, 1))
    return org


@pytest.fixture
def org_applicant(cluster_a):
    org = Organisation.objects.create(slug="newco", name="NewCo Health", kind="startup", country="IT", city="Modena")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.APPLICANT,
                              application_message="We make rehabilitation games")
    return org


@pytest.fixture
def admin(db):
    return make_user("admin", is_superuser=True, is_staff=True)


@pytest.fixture
def manager(cluster_a):
    user = make_user("manager")
    ClusterRole.objects.create(user=user, cluster=cluster_a, role=ClusterRole.Role.MANAGER)
    return user


@pytest.fixture
def staff(cluster_a):
    user = make_user("staff")
    ClusterRole.objects.create(user=user, cluster=cluster_a, role=ClusterRole.Role.STAFF)
    return user


@pytest.fixture
def observer(cluster_a):
    user = make_user("observer")
    ClusterRole.objects.create(user=user, cluster=cluster_a, role=ClusterRole.Role.OBSERVER)
    return user


@pytest.fixture
def member(org_a):
    return make_member("member", org_a)


@pytest.fixture
def applicant_user(org_applicant):
    return make_member("applicant", org_applicant)


@pytest.fixture
def outsider(cluster_b):
    user = make_user("outsider")
    ClusterRole.objects.create(user=user, cluster=cluster_b, role=ClusterRole.Role.STAFF)
    return user


@pytest.fixture
def outsider_member(org_b):
    return make_member("outsidermember", org_b)


@pytest.fixture
def opportunity_a(org_a, cluster_a, member):
    return Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, author=member, type=Opportunity.Type.TECHNOLOGY_OFFER,
        title="Sensore indossabile per pazienti cronici", summary="Cerotto con sensori per il monitoraggio a domicilio",
        language="it", visibility=Visibility.PUBLIC, expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


@pytest.fixture
def private_opportunity_a(org_a, cluster_a, member):
    return Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, author=member, type=Opportunity.Type.RD_PARTNER_SEARCH,
        title="Confidential partner search", summary="Only for Alpha members", language="en",
        visibility=Visibility.MEMBERS,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """as_user(user) -> a logged-in test client (None gives an anonymous visitor)."""
    return client_for
