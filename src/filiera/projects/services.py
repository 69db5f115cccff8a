"""The use cases of projects and calls: who sees which project, the portfolio and its totals, the pipeline board,
partners, work packages, deliverables and their reminders, calls and their needs, partner searches with followers
and expressions of interest, and the consortium builder (an engine) turned into a proposal."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from filiera.core.access import Viewer
from filiera.core.models import Cluster, ClusterRole, Concept, ValueChain
from filiera.core.services import assign
from filiera.directory.models import Membership, Opportunity, Organisation, OrganisationKind, Person
from filiera.directory.services import save_opportunity
from filiera.projects import consortium as engine
from filiera.projects import history
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

PROJECT_FIELDS = ("acronym", "title", "summary", "programme", "call", "call_identifier", "status", "start_date",
                  "end_date", "total_budget", "eu_contribution", "co_funding")
CALL_FIELDS = ("identifier", "title", "programme", "call_identifier", "action_type", "description", "keywords", "url",
               "status", "opens_on", "deadline", "budget_min", "budget_max", "expected_grants", "min_partners",
               "max_partners", "min_countries", "required_kinds")
REMINDER_AHEAD = datetime.timedelta(days=14)
MIN_NEED_WEIGHT = 0.1


# --- who sees what -------------------------------------------------------------------------------------------------


def project_filter(viewer: Viewer) -> Q:
    """Public records (imported from CORDIS or a participations file) are seen by everyone. A cluster's own projects
    by its staff and observers, and by the representatives of their partners."""
    if viewer.is_admin:
        return Q()
    q = Q(cluster__isnull=True)
    readers = viewer.staff_cluster_ids | viewer.observed_cluster_ids
    if readers:
        q |= Q(cluster_id__in=readers)
    if viewer.organisation_ids:
        q |= Q(pk__in=Partner.objects.filter(organisation_id__in=viewer.organisation_ids).values("project_id"))
    return q


def visible_projects(viewer: Viewer) -> QuerySet:
    return Project.objects.filter(project_filter(viewer))


def can_edit_project(viewer: Viewer, project: Project) -> bool:
    """The staff of the project's cluster; public records only by platform admins (they come from imports)."""
    if viewer.is_admin:
        return True
    return project.cluster_id is not None and project.cluster_id in viewer.staff_cluster_ids


def _require_edit(viewer: Viewer, project: Project) -> None:
    if not can_edit_project(viewer, project):
        raise PermissionDenied


# --- the portfolio -------------------------------------------------------------------------------------------------


def member_ids(cluster: Cluster) -> QuerySet:
    """The cluster's active members: whose projects make its portfolio (as its KPIs count members)."""
    return Membership.objects.filter(cluster=cluster, status=Membership.Status.ACTIVE).values("organisation_id")


def counting_day(start: datetime.date | None, created_at: datetime.datetime) -> datetime.date:
    """The day a project counts from, in the KPIs and the collaboration network: its start, or, not started yet,
    the day it was entered."""
    return start or timezone.localtime(created_at).date()


def portfolio(cluster: Cluster) -> QuerySet:
    """The cluster's own projects and the public records in which one of its members takes part."""
    members = Partner.objects.filter(organisation_id__in=member_ids(cluster)).values("project_id")
    return Project.objects.filter(Q(cluster=cluster) | Q(cluster__isnull=True, pk__in=members))


@dataclass
class PortfolioRow:
    key: str
    label: str
    projects: int = 0
    total_budget: Decimal = Decimal(0)
    eu_contribution: Decimal = Decimal(0)
    members_funding: Decimal = Decimal(0)  # what the cluster's members attracted in these projects


GROUPINGS = ("status", "programme", "year", "value_chain")


def portfolio_totals(cluster: Cluster, by: str, projects: QuerySet | None = None) -> list[PortfolioRow]:
    """Counts and sums of the portfolio grouped by status, programme, start year or value chain. A project without
    value chains of its own counts under those of its members in the cluster; a project under several value chains
    counts in each (so that column does not add up to the total)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    projects = portfolio(cluster) if projects is None else projects
    rows = list(projects.values_list("pk", "status", "programme", "start_date", "total_budget", "eu_contribution"))
    chosen_projects = projects.values("pk")  # subqueries, not lists of ids: a portfolio may hold thousands
    members = member_ids(cluster)
    funding: dict[int, Decimal] = dict(
        Partner.objects.filter(project_id__in=chosen_projects, organisation_id__in=members).order_by()
        .values_list("project_id").annotate(total=Sum("eu_contribution")).values_list("project_id", "total"))
    keys: dict[int, list[tuple[str, str]]] = {}
    if by == "value_chain":
        chains = {chain.pk: chain for chain in ValueChain.objects.all()}
        chains_of = project_value_chains(cluster, chosen_projects)
        for project_id, *_rest in rows:
            keys[project_id] = [(chains[c].slug, str(chains[c])) for c in sorted(chains_of.get(project_id, ()))] \
                or [("", _("Not assigned"))]
    statuses = dict(Project.Status.choices)
    table: dict[str, PortfolioRow] = {}
    for pk, status, programme, start, budget, eu in rows:
        if by == "status":
            groups = [(status, str(statuses[status]))]
        elif by == "programme":
            groups = [(programme, programme or _("Not given"))]
        elif by == "year":
            groups = [(str(start.year), str(start.year)) if start else ("", _("Not given"))]
        else:
            groups = keys[pk]
        for key, label in groups:
            row = table.setdefault(key, PortfolioRow(key=key, label=label))
            row.projects += 1
            row.total_budget += budget or 0
            row.eu_contribution += eu or 0
            row.members_funding += funding.get(pk) or 0
    # Years in order, other groups by name; "not given" last. Statuses in the pipeline's order.
    ordered = sorted(table.values(), key=lambda r: (r.key == "", r.key if by == "year" else r.label.lower()))
    if by == "status":
        order = [value for value, _label in Project.Status.choices]
        ordered.sort(key=lambda r: order.index(r.key))
    return ordered


def project_value_chains(cluster: Cluster, projects, member_partners: list[tuple[int, int]] | None = None
                         ) -> dict[int, set[int]]:
    """The value chains of each project: its own, or else those of its partners that are the cluster's members.
    `member_partners` ((project, member) pairs) spares the query when the caller has them already."""
    own: dict[int, set[int]] = defaultdict(set)
    for project_id, chain_id in Project.value_chains.through.objects.filter(project_id__in=projects) \
            .values_list("project_id", "valuechain_id"):
        own[project_id].add(chain_id)
    chains_of_org: dict[int, set[int]] = defaultdict(set)
    for org_id, chain_id in Organisation.value_chains.through.objects.filter(
            organisation_id__in=member_ids(cluster)).values_list("organisation_id", "valuechain_id"):
        chains_of_org[org_id].add(chain_id)
    if member_partners is None:
        # Members are filtered in Python: SQLite runs two nested IN subqueries as every member against every project.
        members = set(member_ids(cluster).values_list("organisation_id", flat=True))
        member_partners = [(project_id, org_id) for project_id, org_id in Partner.objects.filter(
            project_id__in=projects).values_list("project_id", "organisation_id") if org_id in members]
    by_members: dict[int, set[int]] = defaultdict(set)
    for project_id, org_id in member_partners:
        by_members[project_id] |= chains_of_org[org_id]
    return {pk: own.get(pk) or by_members[pk] for pk in set(own) | set(by_members)}


def portfolio_total(projects: QuerySet, cluster: Cluster) -> PortfolioRow:
    """The totals of these projects of the cluster's portfolio (each project once)."""
    sums = projects.aggregate(n=Count("pk"), budget=Sum("total_budget"), eu=Sum("eu_contribution"))
    members = Partner.objects.filter(project__in=projects, organisation_id__in=member_ids(cluster)) \
        .aggregate(total=Sum("eu_contribution"))["total"]
    return PortfolioRow(key="*", label=_("Total"), projects=sums["n"] or 0, total_budget=sums["budget"] or Decimal(0),
                        eu_contribution=sums["eu"] or Decimal(0), members_funding=members or Decimal(0))


@dataclass
class MemberFunding:
    organisation: Organisation
    projects: int
    coordinated: int
    funding: Decimal


def funding_per_member(cluster: Cluster, since: datetime.date | None = None) -> list[MemberFunding]:
    """What each member of the cluster attracted: its EU contribution summed over the projects it takes part in
    (funded, running or closed: ideas, proposals and rejected ones attracted nothing), most first."""
    partners = Partner.objects.filter(
        organisation_id__in=member_ids(cluster),
        project__status__in=[Project.Status.FUNDED, Project.Status.RUNNING, Project.Status.CLOSED],
    ).filter(Q(project__cluster=cluster) | Q(project__cluster__isnull=True))
    if since is not None:
        partners = partners.filter(project__start_date__gte=since)
    totals = partners.values("organisation_id").annotate(
        n=Count("project_id", distinct=True), coordinated=Count("pk", filter=Q(role=Partner.Role.COORDINATOR)),
        total=Sum("eu_contribution")).order_by()
    organisations = Organisation.objects.in_bulk([row["organisation_id"] for row in totals])
    result = [MemberFunding(organisations[row["organisation_id"]], row["n"], row["coordinated"],
                            row["total"] or Decimal(0)) for row in totals]
    return sorted(result, key=lambda m: (-m.funding, m.organisation.name))


# --- projects, the board, partners, work packages and deliverables -----------------------------------------------


@transaction.atomic
def save_project(viewer: Viewer, cluster: Cluster, data: dict, *, project: Project | None = None,
                 value_chains=None, user=None) -> Project:
    if project is None:
        if not (viewer.is_admin or viewer.is_staff_of(cluster)):
            raise PermissionDenied
        project = Project(cluster=cluster, created_by=user, source=Project.Source.MANUAL)
    else:
        _require_edit(viewer, project)
    assign(project, data, PROJECT_FIELDS)
    project.full_clean()
    project.save()
    if value_chains is not None:
        project.value_chains.set(value_chains)
    return project


# The pipeline: a project moves forward one step, or is rejected / closed; staff may also move it back a step
# (a proposal sent back to the idea stage). Anything else is refused, so the board keeps the history meaningful.
MOVES = {
    Project.Status.IDEA: {Project.Status.PROPOSAL, Project.Status.REJECTED},
    Project.Status.PROPOSAL: {Project.Status.IDEA, Project.Status.FUNDED, Project.Status.REJECTED},
    Project.Status.FUNDED: {Project.Status.PROPOSAL, Project.Status.RUNNING, Project.Status.CLOSED},
    Project.Status.RUNNING: {Project.Status.FUNDED, Project.Status.CLOSED},
    Project.Status.CLOSED: {Project.Status.RUNNING},
    Project.Status.REJECTED: {Project.Status.IDEA, Project.Status.PROPOSAL},
}


@transaction.atomic
def move_project(viewer: Viewer, project: Project, status: str) -> Project:
    _require_edit(viewer, project)
    if status not in Project.Status.values:
        raise ValidationError(_("“%(status)s” is not a project status.") % {"status": status})
    if status == project.status:
        return project
    if status not in MOVES[project.status]:
        raise ValidationError(_("A project cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": project.get_status_display(), "to": Project.Status(status).label})
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    return project


def board(projects: QuerySet) -> list[tuple[str, str, list[Project]]]:
    """The pipeline's columns, each with its projects (most recently changed first)."""
    columns: dict[str, list[Project]] = {status: [] for status in Project.Status.values}
    for project in projects.order_by("-updated_at"):
        # Where the card can go from here, in the pipeline's order, for its "move to" menu.
        project.next_statuses = [(value, label) for value, label in Project.Status.choices
                                 if value in MOVES[project.status]]
        columns[project.status].append(project)
    return [(status, str(label), columns[status]) for status, label in Project.Status.choices]


@transaction.atomic
def save_partner(viewer: Viewer, project: Project, organisation: Organisation, *, role: str,
                 budget: Decimal | None = None, eu_contribution: Decimal | None = None) -> Partner:
    _require_edit(viewer, project)
    partner = Partner.objects.filter(project=project, organisation=organisation).first() or \
        Partner(project=project, organisation=organisation)
    partner.role, partner.budget, partner.eu_contribution = role, budget, eu_contribution
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def remove_partner(viewer: Viewer, partner: Partner) -> None:
    _require_edit(viewer, partner.project)
    partner.delete()


@transaction.atomic
def save_work_package(viewer: Viewer, project: Project, data: dict, *, work_package: WorkPackage | None = None
                      ) -> WorkPackage:
    _require_edit(viewer, project)
    work_package = work_package or WorkPackage(project=project)
    assign(work_package, data, ("number", "title", "lead", "start_date", "end_date"))
    if work_package.lead is not None and work_package.lead.project_id != project.pk:
        raise ValidationError({"lead": _("The lead must be a partner of this project.")})
    work_package.full_clean()
    work_package.save()
    return work_package


@transaction.atomic
def save_deliverable(viewer: Viewer, work_package: WorkPackage, data: dict, *,
                     deliverable: Deliverable | None = None) -> Deliverable:
    _require_edit(viewer, work_package.project)
    deliverable = deliverable or Deliverable(work_package=work_package)
    assign(deliverable, data, ("code", "title", "due_on", "delivered_on"))
    deliverable.full_clean()
    deliverable.save()
    return deliverable


@transaction.atomic
def add_document(viewer: Viewer, project: Project, *, title: str, url: str) -> ProjectDocument:
    _require_edit(viewer, project)
    document = ProjectDocument(project=project, title=title, url=url)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def remove_document(viewer: Viewer, document: ProjectDocument) -> None:
    _require_edit(viewer, document.project)
    document.delete()


def upcoming_deliverables(projects: QuerySet, today: datetime.date | None = None,
                          ahead: datetime.timedelta = REMINDER_AHEAD) -> QuerySet:
    today = today or timezone.localdate()
    return Deliverable.objects.filter(work_package__project__in=projects, delivered_on__isnull=True,
                                      due_on__lte=today + ahead).select_related("work_package__project")


def send_deliverable_reminders(today: datetime.date | None = None, ahead: datetime.timedelta = REMINDER_AHEAD,
                               dry_run: bool = False) -> int:
    """Remind the staff of a project's cluster of each deliverable due within `ahead` (or late) and not yet
    delivered, once per deliverable. Returns how many deliverables were reminded of."""
    today = today or timezone.localdate()
    due = Deliverable.objects.filter(
        delivered_on__isnull=True, reminded_on__isnull=True, due_on__lte=today + ahead,
        work_package__project__cluster__isnull=False,
        work_package__project__status__in=[Project.Status.FUNDED, Project.Status.RUNNING],
    ).select_related("work_package__project__cluster").order_by("due_on")
    by_cluster: dict[Cluster, list[Deliverable]] = defaultdict(list)
    for deliverable in due:
        by_cluster[deliverable.work_package.project.cluster].append(deliverable)
    count = 0
    for cluster, deliverables in by_cluster.items():
        staff = ClusterRole.objects.filter(
            cluster=cluster, role__in=[ClusterRole.Role.STAFF, ClusterRole.Role.MANAGER]).select_related("user")
        recipients = sorted({role.user.email for role in staff if role.user.email})
        count += len(deliverables)
        if dry_run or not recipients:
            continue
        with override(cluster.language):
            lines = [f"- {d.work_package.project.acronym} {d.code} {d.title}: {d.due_on.isoformat()}"
                     + (" (" + _("late") + ")" if d.due_on < today else "") for d in deliverables]
            send_mail(_("Deliverables due soon in %(cluster)s") % {"cluster": cluster.short_name or cluster.name},
                      _("These deliverables are due within two weeks or late:") + "\n\n" + "\n".join(lines),
                      None, recipients)
        Deliverable.objects.filter(pk__in=[d.pk for d in deliverables]).update(reminded_on=today)
    return count


def eligibility(project: Project) -> list[tuple[str, bool]]:
    """The call's rules, each said in words with whether the project's partners meet it."""
    call = project.call
    if call is None:
        return []
    partners = list(project.partners.select_related("organisation"))
    countries = {p.organisation.country for p in partners if p.organisation.country}
    checks = [
        (_("at least %(n)s partners (has %(have)s)") % {"n": call.min_partners, "have": len(partners)},
         len(partners) >= call.min_partners),
        (_("at least %(n)s countries (has %(have)s)") % {"n": call.min_countries, "have": len(countries)},
         len(countries) >= call.min_countries),
    ]
    if call.max_partners:
        checks.append((_("at most %(n)s partners") % {"n": call.max_partners}, len(partners) <= call.max_partners))
    kinds = dict(Organisation._meta.get_field("kind").choices)
    for kind, n in sorted(call.required_kinds.items()):
        have = sum(1 for p in partners if p.organisation.kind == kind)
        checks.append((_("at least %(n)s × %(kind)s (has %(have)s)") % {"n": n, "kind": kinds.get(kind, kind),
                                                                          "have": have}, have >= n))
    checks.append((_("a coordinator"), any(p.role == Partner.Role.COORDINATOR for p in partners)))
    return checks


# --- calls ---------------------------------------------------------------------------------------------------------


def check_required_kinds(value) -> dict[str, int]:
    kinds = set(OrganisationKind.values)
    if not isinstance(value, dict):
        raise ValidationError({"required_kinds": _("Give the required kinds as kind: count.")})
    cleaned = {}
    for kind, count in value.items():
        if kind not in kinds:
            raise ValidationError({"required_kinds": _("“%(kind)s” is not a kind of organisation.") % {"kind": kind}})
        if not isinstance(count, int) or count < 1:
            raise ValidationError({"required_kinds": _("The count of %(kind)s must be a whole number of at least 1.")
                                   % {"kind": kind}})
        cleaned[kind] = count
    return cleaned


@transaction.atomic
def save_call(viewer: Viewer, data: dict, *, call: Call | None = None, cluster: Cluster | None = None,
              needs: list[tuple[Concept, float]] | None = None) -> Call:
    """Staff of a cluster enter a call by hand, or adjust one (an imported one too: its rules and needs are what
    the consortium builder works with)."""
    if not (viewer.is_admin or viewer.staff_cluster_ids):
        raise PermissionDenied
    if call is None:
        call = Call(cluster=cluster)
    elif call.cluster_id is not None and call.cluster_id not in viewer.staff_cluster_ids and not viewer.is_admin:
        raise PermissionDenied
    assign(call, data, CALL_FIELDS)
    call.required_kinds = check_required_kinds(call.required_kinds or {})
    call.full_clean()
    call.save()
    if needs is not None:
        set_needs(call, needs)
    return call


def set_needs(call: Call, needs: list[tuple[Concept, float]]) -> None:
    wanted = {concept.pk: weight for concept, weight in needs}
    low = [concept.slug for concept, weight in needs if not weight >= MIN_NEED_WEIGHT]
    if low:
        raise ValidationError({"needs": _("The weight of %(concepts)s must be at least %(min)s.")
                               % {"concepts": ", ".join(low), "min": MIN_NEED_WEIGHT}})
    for need in call.call_needs.all():
        if need.concept_id not in wanted:
            need.delete()
        elif need.weight != wanted[need.concept_id]:
            need.weight = wanted[need.concept_id]
            need.save()
        wanted.pop(need.concept_id, None)
    for concept_id, weight in wanted.items():
        CallNeed.objects.create(call=call, concept_id=concept_id, weight=weight)


def suggested_needs(call: Call) -> list[tuple[Concept, float]]:
    """The competences a call names, from its text: twice the weight for those in its title or keywords."""
    from filiera.matching.services import concepts_in

    strong = set(concepts_in(f"{call.title}. {call.keywords.replace(';', '.')}"))
    named = list(dict.fromkeys([*strong, *concepts_in(call.description[:20_000])]))
    concepts = Concept.objects.in_bulk(named, field_name="slug")
    return [(concepts[slug], 2.0 if slug in strong else 1.0) for slug in named if slug in concepts]


def needs_of(call: Call) -> list[tuple[Concept, float]]:
    needs = [(need.concept, need.weight) for need in call.call_needs.select_related("concept")]
    return needs or suggested_needs(call)


def open_calls(today: datetime.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return Call.objects.exclude(status=Call.Status.CLOSED).filter(Q(deadline__isnull=True) | Q(deadline__gte=today))


# --- partner searches ----------------------------------------------------------------------------------------------


def visible_searches(viewer: Viewer, call: Call) -> QuerySet:
    """The call's partner searches the viewer may see, newest first, with their number of followers."""
    opportunities = viewer.visible_opportunities(Opportunity.objects.filter(partner_search__call=call))
    return PartnerSearch.objects.filter(opportunity__in=opportunities).select_related(
        "opportunity__organisation").annotate(follower_count=Count("followers")).order_by("-opportunity__created_at")


def received_interests(viewer: Viewer, searches: list[PartnerSearch]) -> dict[int, list[ExpressionOfInterest]]:
    """For a page of searches, in one query: the expressions of interest each received, for its poster's eyes."""
    mine = [s.pk for s in searches if viewer.is_admin or viewer.represents(s.opportunity.organisation_id)]
    received: dict[int, list[ExpressionOfInterest]] = defaultdict(list)
    for interest in ExpressionOfInterest.objects.filter(search_id__in=mine).select_related("organisation", "author"):
        received[interest.search_id].append(interest)
    return received


@transaction.atomic
def post_partner_search(viewer: Viewer, call: Call, organisation: Organisation, data: dict, *, author=None,
                        concepts=None) -> PartnerSearch:
    """A member looks for partners for a call: an R&D partner-search opportunity (the directory's visibility and
    moderation), tied to the call."""
    opportunity = save_opportunity(viewer, organisation, {**data, "type": Opportunity.Type.RD_PARTNER_SEARCH,
                                                          "expires_on": data.get("expires_on") or call.deadline},
                                   concepts=concepts, author=author)
    return PartnerSearch.objects.create(opportunity=opportunity, call=call)


def follow(viewer: Viewer, search: PartnerSearch, user, on: bool = True) -> None:
    if not viewer.visible_opportunities().filter(pk=search.opportunity_id).exists():
        raise PermissionDenied
    if on:
        search.followers.add(user)
    else:
        search.followers.remove(user)


@transaction.atomic
def express_interest(viewer: Viewer, search: PartnerSearch, organisation: Organisation, message: str, *,
                     author=None) -> ExpressionOfInterest:
    """An organisation the user represents answers a partner search; the poster's representatives and the
    followers hear of it by email."""
    if not (viewer.is_admin or viewer.represents(organisation.pk)):
        raise PermissionDenied
    if not viewer.visible_opportunities().filter(pk=search.opportunity_id).exists():
        raise PermissionDenied
    if organisation.pk == search.opportunity.organisation_id:
        raise ValidationError(_("This is your own partner search."))
    if not message.strip():
        raise ValidationError({"message": _("Say what your organisation would bring.")})
    interest, created = ExpressionOfInterest.objects.get_or_create(
        search=search, organisation=organisation, defaults={"author": author, "message": message.strip()})
    if not created:
        raise ValidationError(_("Your organisation has already expressed its interest."))
    poster = search.opportunity.organisation
    recipients = set(Person.objects.filter(organisation=poster, is_representative=True)
                     .exclude(email="").values_list("email", flat=True))
    recipients |= set(search.followers.exclude(email="").exclude(pk=getattr(author, "pk", None))
                      .values_list("email", flat=True))
    if recipients:
        link = reverse("projects:call", args=[search.call_id])
        subject = _("%(org)s is interested in “%(title)s”") % {"org": organisation.name,
                                                               "title": search.opportunity.title}
        # One message per recipient: the poster's representatives and the followers do not see each other's address.
        messages = [(subject, f"{message.strip()}\n\n{link}", None, [address]) for address in sorted(recipients)]
        transaction.on_commit(lambda: send_mass_mail(messages))
    return interest


def interests_for_poster(viewer: Viewer, search: PartnerSearch) -> QuerySet:
    """The expressions of interest a search received: for its organisation's representatives (and admins) only."""
    if not (viewer.is_admin or viewer.represents(search.opportunity.organisation_id)):
        return ExpressionOfInterest.objects.none()
    return search.interests.select_related("organisation", "author")


@transaction.atomic
def answer_interest(viewer: Viewer, interest: ExpressionOfInterest, accept: bool) -> ExpressionOfInterest:
    """The poster accepts or declines an expression of interest; whoever sent it hears of it by email."""
    search = interest.search
    if not (viewer.is_admin or viewer.represents(search.opportunity.organisation_id)):
        raise PermissionDenied
    interest.status = ExpressionOfInterest.Status.ACCEPTED if accept else ExpressionOfInterest.Status.DECLINED
    interest.save(update_fields=["status"])
    author = interest.author
    if author is not None and author.email:
        poster = search.opportunity.organisation.name
        with override(getattr(author, "language", None) or "en"):
            subject = (_("%(org)s accepted your interest in “%(title)s”") if accept else
                       _("%(org)s declined your interest in “%(title)s”")) % {"org": poster,
                                                                             "title": search.opportunity.title}
        link = reverse("projects:call", args=[search.call_id])
        transaction.on_commit(lambda: send_mail(subject, link, None, [author.email]))
    return interest


# --- the consortium builder ----------------------------------------------------------------------------------------


@dataclass
class BuilderInput:
    """What the builder is asked. A consortium answers a call (its needs, text and rules), or, with no call, the
    needs and text given here (a challenge's theme turned into a project idea), with the sizes given or 3 to 8."""

    call: Call | None
    coordinator: Organisation | None = None
    include: list[Organisation] = field(default_factory=list)
    exclude: list[Organisation] = field(default_factory=list)
    min_size: int | None = None
    max_size: int | None = None
    max_per_country: int | None = None
    network: bool = False  # candidates from the whole network of the cluster, not only its members
    needs: list[tuple[Concept, float]] | None = None  # instead of the call's
    text: str = ""  # what the members' fit is ranked against, instead of the call's text


DEFAULT_SIZE = (3, 8)  # a consortium's size when neither the call nor the staff say


@dataclass
class Alternative:
    consortium: engine.Consortium
    organisations: list[Organisation]
    covered: list[Concept]
    missing: list[Concept]


def candidates_for(cluster: Cluster, network: bool) -> QuerySet:
    clusters = [cluster.pk]
    if network:
        clusters = list(Cluster.objects.filter(networks__clusters=cluster).values_list("pk", flat=True).distinct()) \
            or [cluster.pk]
    return Organisation.objects.filter(memberships__cluster_id__in=clusters,
                                       memberships__status=Membership.Status.ACTIVE).distinct()


def consortium_problem(cluster: Cluster, request: BuilderInput) -> tuple[engine.Problem, dict[str, Organisation],
                                                                         dict[str, Concept]]:
    """Turn the cluster's members, the call and the staff's choices into the engine's problem."""
    from filiera.matching.services import organisations_among

    call = request.call
    needs = request.needs if request.needs is not None else needs_of(call) if call is not None else []
    organisations = {str(o.pk): o for o in candidates_for(cluster, request.network).prefetch_related("concepts")}
    for extra in [request.coordinator, *request.include]:
        if extra is not None:
            organisations.setdefault(str(extra.pk), extra)
    # Fit: the matching engine's ranking of the candidates for the call's text (1 for the best, falling to 0).
    text = request.text or (f"{call.title}. {call.keywords}. {call.description[:2000]}" if call is not None else "")
    ranked = organisations_among(text, [int(pk) for pk in organisations], top=len(organisations))
    fit = {str(pk): 1 - index / max(1, len(ranked)) for index, (pk, _reasons) in enumerate(ranked)}
    shared: dict[tuple[int, int], int] = defaultdict(int)
    by_project: dict[int, list[int]] = defaultdict(list)
    for project_id, org_id in Partner.objects.filter(organisation_id__in=[int(pk) for pk in organisations]) \
            .values_list("project_id", "organisation_id"):
        by_project[project_id].append(org_id)
    for members in by_project.values():
        for pair in itertools.combinations(sorted(members), 2):
            shared[pair] += 1
    most = max(shared.values(), default=1)
    ties = [engine.Tie(str(a), str(b), n / most) for (a, b), n in shared.items()]
    candidates = [engine.Candidate(id=pk, kind=o.kind, country=o.country or "??",
                                   competences=frozenset(c.slug for c in o.concepts.all()), fit=fit.get(pk, 0.0))
                  for pk, o in organisations.items()]
    include = {str(o.pk) for o in request.include}
    if request.coordinator is not None:
        include.add(str(request.coordinator.pk))
    size_min = request.min_size or (call.min_partners if call is not None else DEFAULT_SIZE[0])
    size_max = request.max_size or (call.max_partners if call is not None else None) or max(size_min,
                                                                                             DEFAULT_SIZE[1])
    rules = engine.Rules(min_size=size_min, max_size=size_max,
                         min_countries=call.min_countries if call is not None else 1,
                         max_per_country=request.max_per_country,
                         required_kinds=dict(call.required_kinds) if call is not None else {},
                         must_include=frozenset(include),
                         exclude=frozenset(str(o.pk) for o in request.exclude) - include)
    problem = engine.Problem(needs=[engine.Need(concept.slug, weight) for concept, weight in needs],
                             candidates=candidates, ties=ties, rules=rules)
    return problem, organisations, {concept.slug: concept for concept, _weight in needs}


def build_consortia(viewer: Viewer, cluster: Cluster, request: BuilderInput, alternatives: int = 3,
                    time_limit: float = 5.0) -> list[Alternative]:
    if not (viewer.is_admin or viewer.is_staff_of(cluster)):
        raise PermissionDenied
    problem, organisations, concepts = consortium_problem(cluster, request)
    if not problem.candidates:
        raise ValidationError(_("The cluster has no active members to build a consortium from."))
    try:
        found = engine.build(problem, alternatives=alternatives, time_limit=time_limit)
    except engine.InvalidProblem as exc:
        raise ValidationError(exc.problems) from exc
    if not found:
        raise ValidationError(_("No consortium of the cluster's members meets every rule of the call; relax a rule "
                                "or look in the whole network."))
    return [Alternative(consortium=c, organisations=[organisations[m] for m in c.members],
                        covered=[concepts[s] for s in c.covered if s in concepts],
                        missing=[concepts[s] for s in c.missing if s in concepts]) for c in found]


def save_as_proposal(viewer: Viewer, cluster: Cluster, call: Call, organisations: list[Organisation], *,
                     coordinator: Organisation | None, acronym: str, user=None) -> Project:
    """Save a consortium as a project proposal for the call, with its partners (the coordinator as such)."""
    return save_consortium(viewer, cluster, organisations, coordinator=coordinator, user=user, data={
        "acronym": acronym, "title": call.title[:400], "programme": call.programme, "call": call,
        "call_identifier": call.identifier, "status": Project.Status.PROPOSAL})


@transaction.atomic
def save_consortium(viewer: Viewer, cluster: Cluster, organisations: list[Organisation], *,
                    coordinator: Organisation | None, data: dict, user=None) -> Project:
    """Save a consortium as a project (`data`: its fields, an acronym at least) with its partners, the coordinator
    as such."""
    if not (viewer.is_admin or viewer.is_staff_of(cluster)):
        raise PermissionDenied
    acronym = (data.get("acronym") or "").strip()
    if not acronym:
        raise ValidationError({"acronym": _("Give the proposal an acronym.")})
    allowed = set(candidates_for(cluster, network=True).filter(pk__in=[o.pk for o in organisations])
                  .values_list("pk", flat=True))
    if any(o.pk not in allowed for o in organisations):
        raise ValidationError(_("A consortium is made of active members of the cluster or its network."))
    organisations = list(dict.fromkeys(organisations))  # a member listed twice is one partner
    if coordinator is not None and coordinator not in organisations:
        raise ValidationError(_("The coordinator must be one of the partners."))
    project = save_project(viewer, cluster, {**data, "acronym": acronym}, user=user)
    for organisation in organisations:
        role = Partner.Role.COORDINATOR if coordinator is not None and organisation.pk == coordinator.pk \
            else Partner.Role.PARTNER
        Partner.objects.create(project=project, organisation=organisation, role=role)
    return project


# --- partners from the collaboration history ---------------------------------------------------------------------

FUSION_K = 60  # reciprocal rank fusion's constant: a list's top ranks count, its long tail barely


def collaboration_history() -> history.CollaborationHistory:
    """Who took part in which project, from every project on the platform (imported records included)."""
    rows = Partner.objects.values_list("project_id", "organisation_id", "role", "project__start_date")
    participations = [history.Participation(str(project), str(organisation), role, start)
                      for project, organisation, role, start in rows.iterator(chunk_size=5000)]
    kinds = {str(pk): kind for pk, kind in Organisation.objects.filter(participations__isnull=False)
             .values_list("pk", "kind").distinct()}
    return history.CollaborationHistory.from_participations(participations, kinds)


def partners_for(viewer: Viewer, organisation: Organisation, top: int = 10, *, international: bool = False):
    """Partners for an organisation from both what it does (the matching engine: complementary competences,
    another helix) and whom it has worked with (the collaboration history: past partners' partners, the kinds its
    consortia include), fused by reciprocal rank. Each match carries the reasons of both; only organisations the
    viewer may see."""
    from filiera.matching.documents import ORGANISATION
    from filiera.matching.services import Match, recommend_partners

    pool = max(3 * top, 30)
    by_content = recommend_partners(viewer, organisation, pool, international=international)
    past = history.recommend(collaboration_history(), str(organisation.pk), top=pool, kind=organisation.kind)
    visible = viewer.visible_organisations_among([int(r.organisation) for r in past]).in_bulk()
    by_history = [(visible[int(r.organisation)], r.reasons) for r in past if int(r.organisation) in visible]
    if international:
        by_history = [(o, reasons) for o, reasons in by_history if o.country != organisation.country]
    fused: dict[int, float] = defaultdict(float)
    matches: dict[int, Match] = {}
    for rank, match in enumerate(by_content):
        fused[match.object.pk] += 1 / (FUSION_K + rank)
        matches[match.object.pk] = match
    for rank, (partner, reasons) in enumerate(by_history):
        fused[partner.pk] += 1 / (FUSION_K + rank)
        match = matches.setdefault(partner.pk, Match(kind=ORGANISATION, object=partner, score=0.0))
        match.reasons = [*match.reasons, *reasons]
    best = sorted(fused, key=lambda pk: (-fused[pk], matches[pk].object.name))[:top]
    for pk in best:
        matches[pk].score = round(fused[pk] * FUSION_K / 2, 4)  # 1.0 for the top of both lists
    return [matches[pk] for pk in best]
