"""Projects and calls: the calls (everyone reads them; staff enter and adjust them), partner searches for a call
with followers and expressions of interest, the projects the caller may see with their partners, work packages,
deliverables and documents (the staff of the project's cluster change them), the pipeline, a cluster's portfolio
totals and funding per member (its staff and observers), and the consortium builder (its staff)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import Pagination, concepts_by_slug, signed_in_viewer, value_chains_by_slug, viewer
from filiera.api.schemas import ErrorOut, RecordId, ValidationErrorOut
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.directory.models import Organisation
from filiera.projects import services
from filiera.projects.models import Call, ExpressionOfInterest, Partner, PartnerSearch, Project, WorkPackage

router = Router(tags=["projects"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class NeedOut(Schema):
    concept: str
    weight: float


class CallOut(Schema):
    id: int
    identifier: str
    title: str
    programme: str
    call_identifier: str
    action_type: str
    status: str
    is_open: bool
    opens_on: date | None
    deadline: date | None
    budget_min: Decimal | None
    budget_max: Decimal | None
    expected_grants: int | None
    url: str
    keywords: list[str] = Field(alias="keyword_list")
    description: str
    min_partners: int
    max_partners: int | None
    min_countries: int
    required_kinds: dict[str, int]
    needs: list[NeedOut] = Field(description="Competences the call asks for, weighted; until staff set them, those "
                                             "its text names (weight 2 in the title or keywords)")

    @staticmethod
    def resolve_needs(obj):
        return [{"concept": concept.slug, "weight": weight} for concept, weight in services.needs_of(obj)]


class CallIn(Schema):
    cluster: str = Field(description="Slug of the cluster whose staff enter the call")
    identifier: str
    title: str
    programme: str = ""
    call_identifier: str = ""
    action_type: str = ""
    status: str = Call.Status.OPEN
    opens_on: date | None = None
    deadline: date | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    expected_grants: int | None = None
    url: str = ""
    keywords: str = ""
    description: str = ""
    min_partners: int = 1
    max_partners: int | None = None
    min_countries: int = 1
    required_kinds: dict[str, int] = Field(default_factory=dict)
    needs: dict[str, float] | None = Field(None, description="Concept slug -> weight")


class CallPatch(Schema):
    title: str | None = None
    programme: str | None = None
    status: str | None = None
    opens_on: date | None = None
    deadline: date | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    description: str | None = None
    keywords: str | None = None
    min_partners: int | None = None
    max_partners: int | None = None
    min_countries: int | None = None
    required_kinds: dict[str, int] | None = None
    needs: dict[str, float] | None = None


class PartnerOut(Schema):
    id: int
    organisation: int = Field(alias="organisation_id")
    name: str = Field(alias="organisation.name")
    country: str = Field(alias="organisation.country")
    kind: str = Field(alias="organisation.kind")
    role: str
    budget: Decimal | None
    eu_contribution: Decimal | None


class DeliverableOut(Schema):
    id: int
    code: str
    title: str
    due_on: date
    delivered_on: date | None
    is_late: bool


class WorkPackageOut(Schema):
    id: int
    number: int
    title: str
    lead: int | None = Field(alias="lead_id", description="Partner id")
    start_date: date | None
    end_date: date | None
    deliverables: list[DeliverableOut]

    @staticmethod
    def resolve_deliverables(obj):
        return list(obj.deliverables.all())


class DocumentOut(Schema):
    id: int
    title: str
    url: str


class ProjectOut(Schema):
    id: int
    cluster: str | None = Field(description="The cluster whose portfolio it is in; null for a public record")
    ref: str | None
    acronym: str
    title: str
    summary: str
    programme: str
    call: int | None = Field(alias="call_id")
    call_identifier: str
    status: str
    start_date: date | None
    end_date: date | None
    total_budget: Decimal | None
    eu_contribution: Decimal | None
    co_funding: Decimal | None
    source: str

    @staticmethod
    def resolve_cluster(obj):
        return obj.cluster.slug if obj.cluster_id else None


class ProjectDetailOut(ProjectOut):
    partners: list[PartnerOut]
    work_packages: list[WorkPackageOut]
    documents: list[DocumentOut]
    value_chains: list[str]

    @staticmethod
    def resolve_partners(obj, context):
        # Partners whose profile the caller may not see are left out of a public record's list.
        current = viewer(context["request"])
        partners = list(obj.partners.select_related("organisation"))
        if services.can_edit_project(current, obj) or obj.cluster_id is not None:
            return partners
        visible = set(current.visible_organisations_among([p.organisation_id for p in partners])
                      .values_list("pk", flat=True))
        return [p for p in partners if p.organisation_id in visible]

    @staticmethod
    def resolve_work_packages(obj):
        return list(obj.work_packages.prefetch_related("deliverables"))

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.all())

    @staticmethod
    def resolve_value_chains(obj):
        return [chain.slug for chain in obj.value_chains.all()]


class ProjectIn(Schema):
    cluster: str = Field(description="Slug of the cluster whose portfolio it joins")
    acronym: str
    title: str = ""
    summary: str = ""
    programme: str = ""
    call: int | None = None
    call_identifier: str = ""
    status: str = Project.Status.IDEA
    start_date: date | None = None
    end_date: date | None = None
    total_budget: Decimal | None = None
    eu_contribution: Decimal | None = None
    co_funding: Decimal | None = None
    value_chains: list[str] | None = None


class ProjectPatch(Schema):
    acronym: str | None = None
    title: str | None = None
    summary: str | None = None
    programme: str | None = None
    call: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    total_budget: Decimal | None = None
    eu_contribution: Decimal | None = None
    co_funding: Decimal | None = None
    value_chains: list[str] | None = None


class StatusIn(Schema):
    status: str = Field(description="idea, proposal, funded, running, closed or rejected; one step of the pipeline")


class PartnerIn(Schema):
    organisation: int
    role: str = Partner.Role.PARTNER
    budget: Decimal | None = None
    eu_contribution: Decimal | None = None


class WorkPackageIn(Schema):
    number: int
    title: str
    lead: int | None = Field(None, description="Partner id")
    start_date: date | None = None
    end_date: date | None = None


class DeliverableIn(Schema):
    code: str
    title: str
    due_on: date
    delivered_on: date | None = None


class DocumentIn(Schema):
    title: str
    url: str


class SearchOut(Schema):
    id: int
    call: int = Field(alias="call_id")
    opportunity: int = Field(alias="opportunity_id")
    organisation: int = Field(alias="opportunity.organisation_id")
    organisation_name: str = Field(alias="opportunity.organisation.name")
    title: str = Field(alias="opportunity.title")
    summary: str = Field(alias="opportunity.summary")
    followers: int

    @staticmethod
    def resolve_followers(obj):
        # visible_searches counts them in its query; a single search (follow, post) counts its own
        return obj.follower_count if hasattr(obj, "follower_count") else obj.followers.count()


class SearchIn(Schema):
    organisation: int = Field(description="An organisation the caller represents")
    title: str
    summary: str
    body: str = ""
    visibility: str = "public"
    language: str = "en"
    concepts: list[str] | None = None


class InterestIn(Schema):
    organisation: int = Field(description="An organisation the caller represents")
    message: str


class InterestOut(Schema):
    id: int
    search: int = Field(alias="search_id")
    organisation: int = Field(alias="organisation_id")
    message: str
    status: str


class PortfolioRowOut(Schema):
    key: str
    label: str
    projects: int
    total_budget: Decimal
    eu_contribution: Decimal
    members_funding: Decimal


class PortfolioOut(Schema):
    by: str
    rows: list[PortfolioRowOut]
    total: PortfolioRowOut


class MemberFundingOut(Schema):
    organisation: int = Field(alias="organisation.pk")
    name: str = Field(alias="organisation.name")
    projects: int
    coordinated: int
    funding: Decimal


class BuilderIn(Schema):
    call: RecordId
    coordinator: RecordId | None = None
    include: list[RecordId] = Field(default_factory=list)
    exclude: list[RecordId] = Field(default_factory=list)
    min_size: int | None = None
    max_size: int | None = None
    max_per_country: int | None = None
    network: bool = Field(False, description="Look among the members of every cluster of the cluster's networks")
    alternatives: int = Field(3, ge=1, le=5)


class MemberOut(Schema):
    id: int
    name: str
    kind: str
    country: str


class AlternativeOut(Schema):
    members: list[MemberOut]
    score: int
    bound: int
    optimal: bool
    coverage: float
    covered: list[str]
    missing: list[str]
    fit: float
    ties: list[tuple[int, int]]
    rules_met: list[str]


class ProposalIn(Schema):
    call: RecordId
    acronym: str
    members: list[RecordId]
    coordinator: RecordId | None = None


# --- helpers -------------------------------------------------------------------------------------------------------


def _cluster_for(current: Viewer, slug: str, *, read: bool = False) -> Cluster:
    """The cluster if the caller is its staff (or, to read, an observer); 404 otherwise."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not (current.can_read_dashboard(cluster) if read else current.is_staff_of(cluster)):
        raise Http404
    return cluster


def _project(request, project_id: int) -> Project:
    return get_object_or_404(services.visible_projects(viewer(request)).select_related("cluster", "call"),
                             pk=project_id)


def _editable_project(request, project_id: int) -> Project:
    current = signed_in_viewer(request)
    project = _project(request, project_id)
    if not services.can_edit_project(current, project):
        raise PermissionDenied  # seen (a public record, or as an observer or partner) but not the caller's to change
    return project


def _organisations(current: Viewer, ids: list[int]) -> list[Organisation]:
    """The organisations, in order, if the caller may see each; one it may not see is as unknown as a missing one."""
    found = current.visible_organisations_among(ids).in_bulk()
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"organisation": [f"Unknown organisation: {', '.join(map(str, missing))}"]})
    return [found[i] for i in ids]


def _needs(slugs: dict[str, float] | None):
    if slugs is None:
        return None
    concepts = concepts_by_slug(list(slugs))
    return [(concept, float(slugs[concept.slug])) for concept in concepts]


# --- calls ---------------------------------------------------------------------------------------------------------


@router.get("/calls", response={200: list[CallOut]}, summary="List calls")
@paginate(Pagination)
def list_calls(request, q: str = "", programme: str = "", open_only: bool = True):
    """Funding calls, soonest deadline first; `open_only` (default) leaves out the closed and past ones."""
    calls = services.open_calls() if open_only else Call.objects.all()
    if q:
        calls = calls.filter(title__icontains=q[:100]) | calls.filter(identifier__icontains=q[:100])
    if programme:
        calls = calls.filter(programme=programme)
    return calls.order_by("deadline", "identifier")


@router.get("/calls/{call_id}", response={200: CallOut, 404: ErrorOut}, summary="A call")
def get_call(request, call_id: int):
    return get_object_or_404(Call, pk=call_id)


@router.post("/calls", response={201: CallOut, **ERRORS}, summary="Enter a call (staff)")
def create_call(request, payload: CallIn):
    current = signed_in_viewer(request)
    cluster = _cluster_for(current, payload.cluster)
    data = payload.dict(exclude={"cluster", "needs"})
    return Status(201, services.save_call(current, data, cluster=cluster, needs=_needs(payload.needs)))


@router.patch("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="Adjust a call (staff)")
def update_call(request, call_id: int, payload: CallPatch):
    """Staff adjust a call's rules and needs (an imported one too); a call another cluster entered is theirs."""
    current = signed_in_viewer(request)
    call = get_object_or_404(Call, pk=call_id)
    data = payload.dict(exclude_unset=True, exclude={"needs"})
    return services.save_call(current, data, call=call, needs=_needs(payload.needs))


@router.get("/calls/{call_id}/partner-searches", response={200: list[SearchOut], 404: ErrorOut},
            summary="Partner searches for a call")
def list_searches(request, call_id: int):
    return list(services.visible_searches(viewer(request), get_object_or_404(Call, pk=call_id)))


@router.post("/calls/{call_id}/partner-searches", response={201: SearchOut, **ERRORS},
             summary="Post a partner search for a call")
def post_search(request, call_id: int, payload: SearchIn):
    current = signed_in_viewer(request)
    call = get_object_or_404(Call, pk=call_id)
    organisation = get_object_or_404(Organisation, pk=payload.organisation)
    data = payload.dict(exclude={"organisation", "concepts"})
    search = services.post_partner_search(current, call, organisation, data, author=request.auth,
                                          concepts=concepts_by_slug(payload.concepts))
    return Status(201, search)


def _visible_search(request, search_id: int) -> PartnerSearch:
    current = viewer(request)
    return get_object_or_404(PartnerSearch.objects.select_related("opportunity__organisation"), pk=search_id,
                             opportunity__in=current.visible_opportunities())


@router.post("/partner-searches/{search_id}/follow", response={200: SearchOut, **ERRORS}, summary="Follow")
def follow_search(request, search_id: int):
    current = signed_in_viewer(request)
    search = _visible_search(request, search_id)
    services.follow(current, search, request.auth, on=True)
    return search


@router.delete("/partner-searches/{search_id}/follow", response={200: SearchOut, **ERRORS}, summary="Unfollow")
def unfollow_search(request, search_id: int):
    current = signed_in_viewer(request)
    search = _visible_search(request, search_id)
    services.follow(current, search, request.auth, on=False)
    return search


@router.post("/partner-searches/{search_id}/interests", response={201: InterestOut, **ERRORS},
             summary="Express interest")
def express_interest(request, search_id: int, payload: InterestIn):
    current = signed_in_viewer(request)
    search = _visible_search(request, search_id)
    organisation = get_object_or_404(Organisation, pk=payload.organisation)
    return Status(201, services.express_interest(current, search, organisation, payload.message,
                                                 author=request.auth))


@router.get("/partner-searches/{search_id}/interests", response={200: list[InterestOut], **ERRORS},
            summary="Expressions of interest received")
def list_interests(request, search_id: int):
    """For the representatives of the organisation that posted the search (others: 403)."""
    current = signed_in_viewer(request)
    search = _visible_search(request, search_id)
    if not (current.is_admin or current.represents(search.opportunity.organisation_id)):
        raise PermissionDenied
    return list(services.interests_for_poster(current, search))


@router.post("/interests/{interest_id}/{decision}", response={200: InterestOut, **ERRORS},
             summary="Accept or decline an expression of interest")
def answer_interest(request, interest_id: int, decision: Literal["accept", "decline"]):
    current = signed_in_viewer(request)
    interest = get_object_or_404(ExpressionOfInterest.objects.select_related("search__opportunity"), pk=interest_id,
                                 search__opportunity__in=current.visible_opportunities())
    return services.answer_interest(current, interest, accept=decision == "accept")


# --- projects ------------------------------------------------------------------------------------------------------


@router.get("/projects", response={200: list[ProjectOut], 401: ErrorOut, 404: ErrorOut}, summary="List projects")
@paginate(Pagination)
def list_projects(request, q: str = "", status: str = "", programme: str = "", cluster: str = ""):
    """Public records and the projects of the clusters the caller runs, observes or takes part in. `cluster`
    narrows to a cluster's portfolio (its staff and observers)."""
    current = viewer(request)
    if cluster:
        projects = services.portfolio(_cluster_for(signed_in_viewer(request), cluster, read=True))
    else:
        projects = services.visible_projects(current)
    if q:
        projects = projects.filter(acronym__icontains=q[:100]) | projects.filter(title__icontains=q[:100])
    if status:
        projects = projects.filter(status=status)
    if programme:
        projects = projects.filter(programme=programme)
    return projects.select_related("cluster").order_by("-start_date", "acronym")


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, 404: ErrorOut}, summary="A project")
def get_project(request, project_id: int):
    return _project(request, project_id)


def _project_data(payload, **exclude) -> dict:
    data = payload.dict(exclude_unset=True, exclude={"cluster", "value_chains", *exclude})
    if "call" in data:
        data["call"] = get_object_or_404(Call, pk=data["call"]) if data["call"] is not None else None
    return data


@router.post("/projects", response={201: ProjectDetailOut, **ERRORS}, summary="Create a project (staff)")
def create_project(request, payload: ProjectIn):
    current = signed_in_viewer(request)
    cluster = _cluster_for(current, payload.cluster)
    data = _project_data(payload)
    for name in ("status", "acronym"):
        data.setdefault(name, getattr(payload, name))
    project = services.save_project(current, cluster, data, value_chains=value_chains_by_slug(payload.value_chains),
                                    user=request.auth)
    return Status(201, project)


@router.patch("/projects/{project_id}", response={200: ProjectDetailOut, **ERRORS}, summary="Change a project")
def update_project(request, project_id: int, payload: ProjectPatch):
    current = signed_in_viewer(request)
    project = _editable_project(request, project_id)
    return services.save_project(current, project.cluster, _project_data(payload), project=project,
                                 value_chains=value_chains_by_slug(payload.value_chains))


@router.post("/projects/{project_id}/status", response={200: ProjectDetailOut, **ERRORS},
             summary="Move a project along the pipeline")
def move_project(request, project_id: int, payload: StatusIn):
    current = signed_in_viewer(request)
    return services.move_project(current, _editable_project(request, project_id), payload.status)


@router.post("/projects/{project_id}/partners", response={201: PartnerOut, **ERRORS}, summary="Add a partner")
def add_partner(request, project_id: int, payload: PartnerIn):
    """Adds the organisation as a partner, or changes its role and budget if it is one already."""
    current = signed_in_viewer(request)
    project = _editable_project(request, project_id)
    organisation = _organisations(current, [payload.organisation])[0]
    return Status(201, services.save_partner(current, project, organisation, role=payload.role, budget=payload.budget,
                                             eu_contribution=payload.eu_contribution))


@router.delete("/projects/{project_id}/partners/{partner_id}", response={204: None, **ERRORS},
               summary="Remove a partner")
def remove_partner(request, project_id: int, partner_id: int):
    current = signed_in_viewer(request)
    project = _editable_project(request, project_id)
    services.remove_partner(current, get_object_or_404(Partner, pk=partner_id, project=project))
    return Status(204, None)


@router.post("/projects/{project_id}/work-packages", response={201: WorkPackageOut, **ERRORS},
             summary="Add a work package")
def add_work_package(request, project_id: int, payload: WorkPackageIn):
    current = signed_in_viewer(request)
    project = _editable_project(request, project_id)
    data = payload.dict()
    if data["lead"]:
        data["lead"] = Partner.objects.filter(pk=data["lead"]).first()
        if data["lead"] is None:
            raise ValidationError({"lead": [_("The lead must be a partner of this project.")]})
    return Status(201, services.save_work_package(current, project, data))


@router.post("/work-packages/{work_package_id}/deliverables", response={201: DeliverableOut, **ERRORS},
             summary="Add a deliverable")
def add_deliverable(request, work_package_id: int, payload: DeliverableIn):
    current = signed_in_viewer(request)
    work_package = get_object_or_404(WorkPackage, pk=work_package_id)
    _editable_project(request, work_package.project_id)
    return Status(201, services.save_deliverable(current, work_package, payload.dict()))


@router.post("/projects/{project_id}/documents", response={201: DocumentOut, **ERRORS}, summary="Link a document")
def add_document(request, project_id: int, payload: DocumentIn):
    current = signed_in_viewer(request)
    project = _editable_project(request, project_id)
    return Status(201, services.add_document(current, project, title=payload.title, url=payload.url))


# --- a cluster's portfolio and the consortium builder -------------------------------------------------------------


@router.get("/clusters/{slug}/portfolio", response={200: PortfolioOut, 401: ErrorOut, 404: ErrorOut},
            summary="Portfolio totals")
def portfolio(request, slug: str, by: str = "status"):
    """Counts and sums of the cluster's portfolio by `status`, `programme`, `year` or `value_chain` (staff and
    observers)."""
    cluster = _cluster_for(signed_in_viewer(request), slug, read=True)
    if by not in services.GROUPINGS:
        raise ValidationError({"by": [f"One of: {', '.join(services.GROUPINGS)}"]})
    projects = services.portfolio(cluster)
    rows = services.portfolio_totals(cluster, by, projects)
    return {"by": by, "rows": rows, "total": services.portfolio_total(projects, cluster)}


@router.get("/clusters/{slug}/funding", response={200: list[MemberFundingOut], 401: ErrorOut, 404: ErrorOut},
            summary="Funding attracted per member")
def funding(request, slug: str):
    cluster = _cluster_for(signed_in_viewer(request), slug, read=True)
    return services.funding_per_member(cluster)


@router.post("/clusters/{slug}/consortia", response={200: list[AlternativeOut], **ERRORS},
             summary="Build consortia for a call")
def build_consortia(request, slug: str, payload: BuilderIn):
    """The best few alternative consortia of the cluster's members (or its networks') for a call: each meets
    every rule of the call and of the request, with its coverage of the call's needs, fit, past ties and whether
    it is proven optimal."""
    current = signed_in_viewer(request)
    cluster = _cluster_for(current, slug)
    call = get_object_or_404(Call, pk=payload.call)
    request_input = services.BuilderInput(
        call=call, coordinator=_organisations(current, [payload.coordinator])[0] if payload.coordinator else None,
        include=_organisations(current, payload.include), exclude=_organisations(current, payload.exclude),
        min_size=payload.min_size, max_size=payload.max_size, max_per_country=payload.max_per_country,
        network=payload.network)
    alternatives = services.build_consortia(current, cluster, request_input, alternatives=payload.alternatives)
    return [{"members": [{"id": o.pk, "name": o.name, "kind": o.kind, "country": o.country}
                         for o in alt.organisations],
             "score": alt.consortium.score, "bound": alt.consortium.bound, "optimal": alt.consortium.optimal,
             "coverage": alt.consortium.coverage, "covered": alt.consortium.covered,
             "missing": alt.consortium.missing, "fit": alt.consortium.fit,
             "ties": [(int(a), int(b)) for a, b in alt.consortium.ties], "rules_met": alt.consortium.rules_met}
            for alt in alternatives]


@router.post("/clusters/{slug}/proposals", response={201: ProjectDetailOut, **ERRORS},
             summary="Save a consortium as a proposal")
def save_proposal(request, slug: str, payload: ProposalIn):
    current = signed_in_viewer(request)
    cluster = _cluster_for(current, slug)
    call = get_object_or_404(Call, pk=payload.call)
    members = _organisations(current, payload.members)
    coordinator = _organisations(current, [payload.coordinator])[0] if payload.coordinator else None
    project = services.save_as_proposal(current, cluster, call, members, coordinator=coordinator,
                                        acronym=payload.acronym, user=request.auth)
    return Status(201, project)
