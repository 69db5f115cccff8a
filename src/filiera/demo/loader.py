"""Writes the demo plan to the database: the vocabulary, the clusters and networks of the seed articles with their
label history, the organisations with their memberships and people, the opportunities and one account per role.

Directory records are saved one by one through the ORM, so the audit log records the load like any other change
(actor label "demo"). Creation dates are then back-dated with bulk updates, which the audit log does not see, so that
"new members" and "latest opportunities" look like a cluster with a history.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from filiera.challenges.models import Challenge
from filiera.core.audit import acting_as
from filiera.core.models import Cluster, ClusterRole, Concept, ExcellenceLabel, Network, NetworkRole, ValueChain
from filiera.core.vocabulary import sync_vocabulary
from filiera.demo.activity import load_activity
from filiera.demo.challenges import load_challenges
from filiera.demo.generator import DemoPlan, build_plan, load
from filiera.directory.models import Membership, Opportunity, Organisation, Person, bulk_saved, bulk_saving
from filiera.events.models import Event, EventText, RegistrationQuestion
from filiera.privacy.models import ConsentRecord
from filiera.privacy.services import record_consents
from filiera.projects.models import Call, Project

DEMO_ACTOR = "demo"
ACCOUNT_EMAIL_DOMAIN = "filiera-demo.example"


def demo_accounts() -> list[dict]:
    """The demo accounts: username, fictional name, language, role and where it applies."""
    return load("accounts.json")["accounts"]


def demo_password() -> str:
    """The shared password of the demo accounts. For demonstrations only."""
    return load("accounts.json")["password"]


def demo_present() -> bool:
    """The demo is only loaded into a database without clusters."""
    return Cluster.objects.exists()


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.make_aware(moment) if moment is not None else None


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


def load_vocabulary() -> tuple[dict[str, Concept], dict[str, ValueChain]]:
    """Create or update the shipped concepts and the demo's value chains, by slug. Safe to run again."""
    sync_vocabulary()
    concepts = {c.slug: c for c in Concept.objects.all()}
    chains = {}
    for entry in load("value_chains.json")["value_chains"]:
        chains[entry["slug"]], _ = ValueChain.objects.update_or_create(
            slug=entry["slug"], defaults={"labels": entry["labels"]}
        )
    return concepts, chains


def _clusters(chains: dict[str, ValueChain]) -> dict[str, Cluster]:
    data = load("clusters.json")
    clusters: dict[str, Cluster] = {}
    for spec in data["clusters"]:
        cluster = Cluster.objects.create(
            slug=spec["slug"], name=spec["name"], short_name=spec["short_name"], country=spec["country"],
            region=spec["region"], language=spec["language"], website=spec["website"],
            description=spec["description"], strategy_objectives=spec["strategy_objectives"],
        )
        cluster.value_chains.set([chains[slug] for slug in spec["value_chains"]])
        for label in spec["labels"]:
            ExcellenceLabel.objects.create(
                cluster=cluster, level=label["level"], assessor=label["assessor"],
                awarded_on=datetime.date.fromisoformat(label["awarded_on"]),
                valid_until=datetime.date.fromisoformat(label["valid_until"]) if label.get("valid_until") else None,
            )
        clusters[cluster.slug] = cluster
    for spec in data["networks"]:
        network = Network.objects.create(
            slug=spec["slug"], name=spec["name"], kind=spec["kind"], coordinator=spec["coordinator"],
            description=spec["description"],
        )
        network.clusters.set([clusters[slug] for slug in spec["clusters"]])
    return clusters


def _accounts(plan: DemoPlan, clusters: dict[str, Cluster]) -> dict:
    User = get_user_model()
    # One hash for all: hashing the same password seven times only costs seconds.
    password = make_password(demo_password())
    emails = {p.username: p.email for o in plan.organisations for p in o.people if p.username}
    users = {}
    for spec in demo_accounts():
        username = spec["username"]
        user = User(
            username=username, first_name=spec["first_name"], last_name=spec["last_name"],
            email=emails.get(username, f"{username}@{ACCOUNT_EMAIL_DOMAIN}"), language=spec["language"],
            is_superuser=spec.get("is_superuser", False), is_staff=spec.get("is_superuser", False), password=password,
        )
        user.save()
        if spec.get("cluster_role"):
            cluster_slug, role = spec["cluster_role"]
            ClusterRole.objects.create(user=user, cluster=clusters[cluster_slug], role=role)
        if spec.get("network"):
            NetworkRole.objects.create(user=user, network=Network.objects.get(slug=spec["network"]))
        users[username] = user
    return users


def _organisations(plan: DemoPlan, clusters, concepts, chains, users) -> dict[str, Organisation]:
    organisations: dict[str, Organisation] = {}
    backdated_orgs, backdated_memberships, backdated_people = [], [], []
    for spec in plan.organisations:
        organisation = Organisation(
            slug=spec.slug, name=spec.name, short_name=spec.short_name, kind=spec.kind, is_sme=spec.is_sme,
            country=spec.country, region=spec.region, city=spec.city, postcode=spec.postcode, website=spec.website,
            language=spec.language, languages_spoken=spec.languages_spoken, description=spec.description,
            keywords=spec.keywords, visibility=spec.visibility, verified=spec.verified,
        )
        organisation.save()
        if spec.value_chains:
            organisation.value_chains.set([chains[slug] for slug in spec.value_chains])
        if spec.concepts:
            organisation.concepts.set([concepts[slug] for slug in spec.concepts])
        organisation.created_at = _at(spec.created_on, 9)
        backdated_orgs.append(organisation)
        for m in spec.memberships:
            membership = Membership.objects.create(
                organisation=organisation, cluster=clusters[m.cluster], status=m.status, fee_tier=m.fee_tier,
                applied_on=m.applied_on, joined_on=m.joined_on, ended_on=m.ended_on,
                application_message=m.application_message, notes=m.notes,
            )
            membership.created_at = _at(m.applied_on, 11)
            backdated_memberships.append(membership)
        for p in spec.people:
            person = Person.objects.create(
                organisation=organisation, user=users.get(p.username), first_name=p.first_name,
                last_name=p.last_name, email=p.email, job_title=p.job_title, language=p.language,
                is_representative=p.is_representative,
            )
            # through the consent service, so that each consent has its record with its date
            for purpose, at in ((ConsentRecord.Purpose.DIRECTORY, p.consent_directory_at),
                                (ConsentRecord.Purpose.NEWSLETTER, p.consent_newsletter_at)):
                if at is not None:
                    record_consents(person, {purpose: True}, at=_aware(at), source=ConsentRecord.Source.IMPORT)
            # a contact is on file from its first consent (never before the organisation)
            person.created_at = min(
                [d for d in (person.consent_directory_at, person.consent_newsletter_at) if d is not None],
                default=organisation.created_at,
            )
            backdated_people.append(person)
        organisations[spec.slug] = organisation
    Organisation.objects.bulk_update(backdated_orgs, ["created_at"], batch_size=200)
    Membership.objects.bulk_update(backdated_memberships, ["created_at"], batch_size=200)
    Person.objects.bulk_update(backdated_people, ["created_at"], batch_size=200)
    return organisations


def _opportunities(plan: DemoPlan, organisations, clusters, concepts, chains, users) -> None:
    backdated = []
    for spec in plan.opportunities:
        opportunity = Opportunity(
            organisation=organisations[spec.organisation], cluster=clusters.get(spec.cluster or ""),
            author=users.get(spec.author), type=spec.type, title=spec.title, summary=spec.summary, body=spec.body,
            language=spec.language, stage=spec.stage, expires_on=spec.expires_on, visibility=spec.visibility,
            status=spec.status, reviewed_by=users.get(spec.reviewed_by),
            reviewed_at=_at(spec.reviewed_on, 15) if spec.reviewed_on else None,
            moderation_note=spec.moderation_note,
        )
        opportunity.save()
        opportunity.concepts.set([concepts[slug] for slug in spec.concepts])
        opportunity.value_chains.set([chains[slug] for slug in spec.value_chains])
        opportunity.created_at = _at(spec.posted_on, 10)
        opportunity.updated_at = opportunity.reviewed_at or opportunity.created_at
        # Posted means published (moderation comes after), except for drafts; archived and hidden ones were too.
        opportunity.published_at = None if spec.status == Opportunity.Status.DRAFT else opportunity.created_at
        backdated.append(opportunity)
    Opportunity.objects.bulk_update(backdated, ["created_at", "updated_at", "published_at"], batch_size=200)


@transaction.atomic
def _events(clusters: dict[str, Cluster], today: datetime.date) -> None:
    """A few events of the clusters (data/events.json), upcoming ones and a past one, with their questions."""
    for spec in load("events.json")["events"]:
        starts = _at(today + datetime.timedelta(days=spec["start_in_days"]), spec["start_hour"])
        event = Event.objects.create(
            cluster=clusters[spec["cluster"]], slug=spec["slug"], kind=spec["kind"], title=spec["title"],
            summary=spec["summary"], description=spec["description"], languages=spec["languages"],
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=spec["hours"]), venue=spec["venue"],
            city=spec["city"], country=spec["country"], online_url=spec.get("online_url", ""),
            audience=spec["audience"], capacity=spec["capacity"], status=Event.Status.PUBLISHED)
        for language, text in spec.get("texts", {}).items():
            EventText.objects.create(event=event, language=language, **text)
        for position, question in enumerate(spec["questions"]):
            RegistrationQuestion.objects.create(event=event, position=position, label=question["label"],
                                                kind=question["kind"], required=question["required"],
                                                choices=question.get("choices", []))


def _projects(clusters: dict[str, Cluster], organisations: dict[str, Organisation], today: datetime.date) -> None:
    """Calls (the Horizon Europe health topics through the real importer, and calls entered by hand) and the
    clusters' projects: those of the seed articles, and fictional ones whose partners are the clusters' members."""
    from decimal import Decimal
    from importlib import resources

    from filiera.projects.importing import import_call_topics
    from filiera.projects.models import Deliverable, Partner, WorkPackage

    topics = (resources.files("filiera.demo") / "data" / "call_topics.json").read_bytes()
    report = import_call_topics(topics, "call_topics.json",
                                actor_label=DEMO_ACTOR)
    assert not report.errors, report.errors
    data = load("projects.json")
    for spec in data["calls"]:
        values = {k: v for k, v in spec.items() if k not in ("cluster", "deadline_in_days")}
        Call.objects.create(cluster=clusters[spec["cluster"]], deadline=today + datetime.timedelta(
            days=spec["deadline_in_days"]), **values)
    for spec in data["projects"]:
        cluster = clusters[spec["cluster"]]
        if "start_date" in spec:
            start, end = (datetime.date.fromisoformat(spec[k]) for k in ("start_date", "end_date"))
        elif "start_in_days" in spec:
            start = today + datetime.timedelta(days=spec["start_in_days"])
            end = start + datetime.timedelta(days=round(spec["months"] * 30.44))
        else:
            start = end = None
        money = {k: Decimal(spec[k]) for k in ("total_budget", "eu_contribution", "co_funding") if k in spec}
        project = Project.objects.create(cluster=cluster, acronym=spec["acronym"], title=spec["title"],
                                         programme=spec["programme"], status=spec["status"], start_date=start,
                                         end_date=end, summary=spec.get("summary", ""), **money)
        partners = [(organisations[slug], role) for slug, role in spec.get("partners", [])]
        # Fictional projects: the first active members of the cluster of each kind (by name, so the demo is stable).
        for kind, count in spec.get("members", {}).items():
            chosen = Organisation.objects.filter(kind=kind, memberships__cluster=cluster,
                                                 memberships__status=Membership.Status.ACTIVE).order_by("name")
            partners += [(o, "coordinator" if not partners and i == 0 else "partner")
                         for i, o in enumerate(chosen[:count])]
        share = (money.get("eu_contribution") or 0) / max(1, len(partners))
        for organisation, role in partners:
            Partner.objects.create(project=project, organisation=organisation, role=role,
                                   eu_contribution=round(share, 2) if money.get("eu_contribution") else None)
        for number, wp in enumerate(spec.get("work_packages", []), start=1):
            work_package = WorkPackage.objects.create(project=project, number=number, title=wp["title"])
            for index, (title, due_in_days) in enumerate(wp["deliverables"], start=1):
                due = today + datetime.timedelta(days=due_in_days)
                Deliverable.objects.create(work_package=work_package, code=f"D{number}.{index}", title=title,
                                           due_on=due, delivered_on=due if due_in_days < 0 else None)


def load_demo(today: datetime.date | None = None) -> dict:
    """Load the whole demo in one transaction and return what was created. Call only when `demo_present()` is
    False: cluster and organisation slugs would collide."""
    today = today or timezone.localdate()
    plan = build_plan(today)
    with acting_as(None, label=DEMO_ACTOR), bulk_saving():
        concepts, chains = load_vocabulary()
        clusters = _clusters(chains)
        users = _accounts(plan, clusters)
        organisations = _organisations(plan, clusters, concepts, chains, users)
        _opportunities(plan, organisations, clusters, concepts, chains, users)
        _events(clusters, today)
        _projects(clusters, organisations, today)
        load_activity(clusters, today)
        load_challenges(clusters, today)
    bulk_saved.send(sender=Organisation, ids=sorted(o.pk for o in organisations.values()))
    return summary(plan)


def summary(plan: DemoPlan) -> dict:
    """Counts of what the demo holds, for the command's report."""
    return {
        "clusters": Cluster.objects.count(),
        "networks": Network.objects.count(),
        "excellence_labels": ExcellenceLabel.objects.count(),
        "value_chains": ValueChain.objects.count(),
        "concepts": Concept.objects.count(),
        "organisations": len(plan.organisations),
        "named_organisations": sum(1 for o in plan.organisations if not o.fictional),
        "fictional_organisations": sum(1 for o in plan.organisations if o.fictional),
        "memberships": sum(len(o.memberships) for o in plan.organisations),
        "people": sum(len(o.people) for o in plan.organisations),
        "opportunities": len(plan.opportunities),
        "opportunity_languages": dict(Counter(o.language for o in plan.opportunities).most_common()),
        "events": Event.objects.count(),
        "calls": Call.objects.count(),
        "projects": Project.objects.count(),
        "challenges": Challenge.objects.count(),
        "accounts": len(demo_accounts()),
    }
