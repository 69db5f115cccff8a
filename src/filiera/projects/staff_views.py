"""A cluster's projects in its back office (/c/<cluster>/projects/, namespace "projects_staff"): the portfolio with its
totals, the pipeline board, a project's page with partners, work packages, deliverables and documents, funding per
member, calls entered by hand, and the consortium builder."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.projects import services
from filiera.projects.forms import (
    BuilderForm,
    CallForm,
    DeliverableForm,
    DocumentForm,
    PartnerForm,
    ProjectForm,
    ProposalForm,
    WorkPackageForm,
)
from filiera.projects.models import Call, Deliverable, Partner, Project, ProjectDocument

PAGE_SIZE = 50


def _project(request, pk: int) -> Project:
    """A project of the cluster's portfolio (its own, or a public record with one of its members)."""
    return get_object_or_404(services.portfolio(request.cluster).select_related("call"), pk=pk)


def _own_project(request, pk: int) -> Project:
    return get_object_or_404(Project, pk=pk, cluster=request.cluster)


def _filtered(request, projects):
    status = request.GET.get("status", "")
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    programme = request.GET.get("programme", "").strip()[:200]
    if programme:
        projects = projects.filter(programme=programme)
    year = request.GET.get("year", "")
    if year.isdigit():
        projects = projects.filter(start_date__year=int(year))
    q = request.GET.get("q", "").strip()[:100]
    if q:
        projects = projects.filter(acronym__icontains=q) | projects.filter(title__icontains=q)
    return projects, {"status": status, "programme": programme, "year": year, "q": q}


@cluster_view(Role.OBSERVER)
def portfolio(request):
    by = request.GET.get("by", "status")
    by = by if by in services.GROUPINGS else "status"
    projects, filters = _filtered(request, services.portfolio(request.cluster))
    rows = services.portfolio_totals(request.cluster, by, projects)
    total = services.portfolio_total(projects, request.cluster)
    page = Paginator(projects.order_by("-start_date", "acronym"), PAGE_SIZE).get_page(request.GET.get("page"))
    programmes = services.portfolio(request.cluster).exclude(programme="").values_list("programme", flat=True) \
        .distinct().order_by("programme")
    return render(request, "projects/staff/portfolio.html", {
        "rows": rows, "total": total, "by": by, "page": page, "filters": filters, "programmes": programmes[:200],
        "groupings": [("status", _("Status")), ("programme", _("Programme")), ("year", _("Year")),
                      ("value_chain", _("Value chain"))],
        "statuses": Project.Status.choices})


@cluster_view(Role.OBSERVER)
def funding(request):
    return render(request, "projects/staff/funding.html", {"members": services.funding_per_member(request.cluster)})


@cluster_view(Role.OBSERVER)
def board(request):
    columns = services.board(Project.objects.filter(cluster=request.cluster))
    return render(request, "projects/staff/board.html", {"columns": columns})


@cluster_view(Role.STAFF)
@require_POST
def move(request, pk: int):
    project = _own_project(request, pk)
    try:
        services.move_project(request.viewer, project, request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(project)s is now: %(status)s.") % {"project": project.acronym,
                                                                         "status": project.get_status_display()})
    return redirect("projects_staff:board", cluster_slug=request.cluster.slug)


@cluster_view(Role.STAFF)
def project_edit(request, pk: int | None = None):
    project = _own_project(request, pk) if pk else None
    form = ProjectForm(request.POST or None, record=project)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.PROJECT_FIELDS if name in form.cleaned_data}
        try:
            project = services.save_project(request.viewer, request.cluster, data, project=project,
                                            value_chains=form.cleaned_data["value_chains"], user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The project is saved."))
            return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)
    return render(request, "projects/staff/edit.html", {"form": form, "project": project})


def _project_page(request, project: Project, status: int = 200, **forms):
    """The project's page; its add forms are blank unless given (as typed, after an error)."""
    editable = project.cluster_id == request.cluster.pk and request.role >= Role.STAFF
    context = {"project": project, "editable": editable,
               "partners": project.partners.select_related("organisation").order_by("role", "organisation__name"),
               "work_packages": project.work_packages.select_related("lead__organisation")
               .prefetch_related("deliverables"),
               "documents": project.documents.all(), "eligibility": services.eligibility(project)}
    if editable:
        context.update(partner_form=PartnerForm(cluster=request.cluster, prefix="partner"),
                       wp_form=WorkPackageForm(project=project, prefix="wp"),
                       deliverable_form=DeliverableForm(project=project, prefix="deliverable"),
                       document_form=DocumentForm(prefix="document"))
        context.update(forms)
    return render(request, "projects/staff/project.html", context, status=status)


@cluster_view(Role.OBSERVER)
def project(request, pk: int):
    return _project_page(request, _project(request, pk))


@cluster_view(Role.STAFF)
@require_POST
def project_add(request, pk: int, what: str):
    """Add a partner, a work package, a deliverable or a document from the project's page. On an error the page
    is shown again with the form as typed."""
    project = _own_project(request, pk)
    viewer = request.viewer
    forms_by_kind = {
        "partner": lambda: PartnerForm(request.POST, cluster=request.cluster, prefix="partner"),
        "wp": lambda: WorkPackageForm(request.POST, project=project, prefix="wp"),
        "deliverable": lambda: DeliverableForm(request.POST, project=project, prefix="deliverable"),
        "document": lambda: DocumentForm(request.POST, prefix="document"),
    }
    if what not in forms_by_kind:
        return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)
    form = forms_by_kind[what]()
    if form.is_valid():
        data = form.cleaned_data
        try:
            if what == "partner":
                services.save_partner(viewer, project, data["organisation"], role=data["role"],
                                      budget=data["budget"], eu_contribution=data["eu_contribution"])
            elif what == "wp":
                services.save_work_package(viewer, project, data)
            elif what == "deliverable":
                services.save_deliverable(viewer, data["work_package"], data)
            else:
                services.add_document(viewer, project, title=data["title"], url=data["url"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Added."))
            return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)
    return _project_page(request, project, status=400, **{f"{what}_form": form})


@cluster_view(Role.STAFF)
@require_POST
def project_remove(request, pk: int, what: str, item: int):
    project = _own_project(request, pk)
    if what == "partner":
        services.remove_partner(request.viewer, get_object_or_404(Partner, pk=item, project=project))
    elif what == "document":
        services.remove_document(request.viewer, get_object_or_404(ProjectDocument, pk=item, project=project))
    elif what == "delivered":
        deliverable = get_object_or_404(Deliverable, pk=item, work_package__project=project)
        services.save_deliverable(request.viewer, deliverable.work_package,
                                  {"delivered_on": None if deliverable.delivered_on else timezone.localdate()},
                                  deliverable=deliverable)
    messages.success(request, _("Done."))
    return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)


# --- calls ---------------------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def call_edit(request, pk: int | None = None):
    call = get_object_or_404(Call, pk=pk) if pk else None
    if call is not None and call.cluster_id not in (None, request.cluster.pk):
        return redirect("projects:call", pk=call.pk)  # another cluster's call: theirs to change
    form = CallForm(request.POST or None, record=call)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CALL_FIELDS if name in form.cleaned_data}
        data["required_kinds"] = form.required_kinds()
        try:
            call = services.save_call(request.viewer, data, call=call, cluster=request.cluster, needs=form.needs())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The call is saved."))
            return redirect("projects:call", pk=call.pk)
    suggested = services.suggested_needs(call) if call is not None and not call.call_needs.exists() else []
    return render(request, "projects/staff/call_edit.html", {"form": form, "call": call, "suggested": suggested})


# --- the consortium builder ----------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def builder(request):
    """Pick a call and the staff's choices (a GET form, so a set of choices can be shared and come back to), see the
    best alternatives side by side, and save one as a proposal."""
    data = request.GET if "call" in request.GET else None
    form = BuilderForm(data, cluster=request.cluster)
    alternatives, needs = [], []
    if data is not None and form.is_valid():
        choice = form.cleaned_data
        builder_input = services.BuilderInput(
            call=choice["call"], coordinator=choice["coordinator"], include=list(choice["include"]),
            exclude=list(choice["exclude"]), min_size=choice["min_size"], max_size=choice["max_size"],
            max_per_country=choice["max_per_country"], network=choice["network"])
        needs = services.needs_of(choice["call"])
        try:
            alternatives = services.build_consortia(request.viewer, request.cluster, builder_input)
        except ValidationError as error:
            add_service_error(form, error)
    return render(request, "projects/staff/builder.html", {"form": form, "alternatives": alternatives,
                                                           "needs": needs})


@cluster_view(Role.STAFF)
@require_POST
def builder_save(request):
    form = ProposalForm(request.POST, cluster=request.cluster)
    if form.is_valid():
        data = form.cleaned_data
        try:
            project = services.save_as_proposal(request.viewer, request.cluster, data["call"], list(data["members"]),
                                                coordinator=data["coordinator"], acronym=data["acronym"],
                                                user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The proposal %(acronym)s is saved with its partners.")
                             % {"acronym": project.acronym})
            return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)
    else:
        messages.error(request, " ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}"
                                         for name, errors in form.errors.items()))
    back = request.POST.get("back", "")
    if back.startswith("?"):
        return redirect(request.path.rsplit("save/", 1)[0] + back)
    return redirect("projects_staff:builder", cluster_slug=request.cluster.slug)
