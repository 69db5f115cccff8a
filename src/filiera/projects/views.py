"""Public pages of calls and projects (namespace "projects"): the funding calls with their rules and partner
searches, where members post a search, follow one or express their interest; and the projects a viewer may see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import viewer_for
from filiera.core.models import Cluster
from filiera.directory.forms import add_service_error
from filiera.directory.models import Organisation, OrganisationKind
from filiera.projects import services
from filiera.projects.forms import InterestForm, PartnerSearchForm
from filiera.projects.models import Call, ExpressionOfInterest, PartnerSearch

PAGE_SIZE = 30


def call_list(request):
    calls = Call.objects.all()
    q = request.GET.get("q", "").strip()[:100]
    if q:
        calls = calls.filter(Q(title__icontains=q) | Q(identifier__icontains=q) | Q(keywords__icontains=q))
    programme = request.GET.get("programme", "").strip()[:200]
    if programme:
        calls = calls.filter(programme=programme)
    show = request.GET.get("show", "open")
    if show != "all":
        calls = calls.filter(pk__in=services.open_calls().values("pk"))
    page = Paginator(calls.order_by("deadline", "identifier"), PAGE_SIZE).get_page(request.GET.get("page"))
    programmes = Call.objects.exclude(programme="").values_list("programme", flat=True).distinct().order_by("programme")
    return render(request, "projects/calls.html", {"page": page, "q": q, "programme": programme, "show": show,
                                                   "programmes": programmes})


def _own_organisations(viewer):
    return Organisation.objects.filter(pk__in=viewer.organisation_ids).order_by("name")


def call_detail(request, pk: int):
    call = get_object_or_404(Call, pk=pk)
    viewer = viewer_for(request.user)
    searches = list(services.visible_searches(viewer, call).prefetch_related("followers"))
    received = services.received_interests(viewer, searches)
    for search in searches:  # what the poster received (nothing for anyone else)
        search.received = received.get(search.pk, [])
    own = _own_organisations(viewer)
    form = PartnerSearchForm(request.POST or None, organisations=own)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.post_partner_search(viewer, call, data["organisation"], {
                    "title": data["title"], "summary": data["summary"], "body": data["body"],
                    "visibility": data["visibility"], "language": request.LANGUAGE_CODE[:2]}, author=request.user)
            except PermissionDenied:
                form.add_error("organisation", _("You do not represent this organisation."))
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Your partner search is posted."))
                return redirect("projects:call", pk=call.pk)
    interested = set()
    if viewer.organisation_ids:
        interested = set(call.partner_searches.filter(interests__organisation_id__in=viewer.organisation_ids)
                         .values_list("pk", flat=True))
    return render(request, "projects/call.html", {
        "call": call, "searches": searches, "form": form, "can_post": own.exists(), "own": own,
        "interest_form": InterestForm(organisations=own), "interested": interested,
        "needs": services.needs_of(call), "own_ids": viewer.organisation_ids,
        "required_kinds": [(OrganisationKind(kind).label, n) for kind, n in sorted(call.required_kinds.items())],
        "staff_clusters": Cluster.objects.filter(pk__in=viewer.staff_cluster_ids).order_by("name")})


def _search(request, pk: int) -> PartnerSearch:
    viewer = viewer_for(request.user)
    return get_object_or_404(PartnerSearch.objects.select_related("opportunity__organisation", "call"), pk=pk,
                             opportunity__in=viewer.visible_opportunities())


@require_POST
def follow(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    search = _search(request, pk)
    on = request.POST.get("follow", "1") == "1"
    services.follow(viewer_for(request.user), search, request.user, on=on)
    messages.success(request, _("You follow this partner search.") if on else _("You no longer follow it."))
    return redirect("projects:call", pk=search.call_id)


@require_POST
def answer(request, pk: int, decision: str):
    """The poster accepts or declines an expression of interest its search received."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    viewer = viewer_for(request.user)
    interest = get_object_or_404(ExpressionOfInterest.objects.select_related("search__opportunity__organisation"),
                                 pk=pk, search__opportunity__organisation_id__in=viewer.organisation_ids)
    if decision not in ("accept", "decline"):
        raise Http404
    services.answer_interest(viewer, interest, accept=decision == "accept")
    text = _("You accepted the interest of %(org)s.") if decision == "accept" else \
        _("You declined the interest of %(org)s.")
    messages.success(request, text % {"org": interest.organisation.name})
    return redirect("projects:call", pk=interest.search.call_id)


@require_POST
def interest(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    search = _search(request, pk)
    viewer = viewer_for(request.user)
    form = InterestForm(request.POST, organisations=_own_organisations(viewer))
    if form.is_valid():
        try:
            services.express_interest(viewer, search, form.cleaned_data["organisation"], form.cleaned_data["message"],
                                      author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your interest is sent to %(org)s.")
                             % {"org": search.opportunity.organisation.name})
            return redirect("projects:call", pk=search.call_id)
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("projects:call", pk=search.call_id)


def project_list(request):
    viewer = viewer_for(request.user)
    projects = services.visible_projects(viewer)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        projects = projects.filter(Q(acronym__icontains=q) | Q(title__icontains=q) | Q(ref=q))
    page = Paginator(projects.order_by("-start_date", "acronym"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/projects.html", {"page": page, "q": q})


def project_detail(request, pk: int):
    viewer = viewer_for(request.user)
    project = get_object_or_404(services.visible_projects(viewer).select_related("call", "cluster"), pk=pk)
    visible = set(viewer.visible_organisations_among(project.partners.values_list("organisation_id", flat=True))
                  .values_list("pk", flat=True))
    partners = project.partners.select_related("organisation").order_by("role", "organisation__name")
    return render(request, "projects/project.html", {"project": project, "partners": partners, "visible": visible})
