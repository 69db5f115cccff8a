"""A cluster's back office, under /c/<cluster_slug>/: dashboard, members, people, moderation and audit log.

Every view is a `cluster_view`: staff and managers of the cluster (and platform admins) see its pages, observers
only the dashboard, everyone else a 404. Views parse input, call a service or a query of
filiera.directory.backoffice, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.models import AuditEntry
from filiera.core.tenancy import cluster_view
from filiera.directory import backoffice, services
from filiera.directory.exporting import FORMATS, export_response
from filiera.directory.forms import add_service_error
from filiera.directory.models import Membership, Opportunity, Organisation
from filiera.directory.staff_forms import MembershipForm, ModerationForm, NewMemberForm, StatusChangeForm
from filiera.privacy import services as privacy

PAGE_SIZE = 50
DASHBOARD_LIST_SIZE = 10


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _redirect_back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- dashboard -------------------------------------------------------------------------------------------------


def _head(queryset, size: int = DASHBOARD_LIST_SIZE) -> tuple[list, int]:
    """The first `size` rows of a queue and its length; counted in the database only when the queue is longer."""
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, len(rows)
    return rows[:size], queryset.count()


@cluster_view(Role.OBSERVER)
def dashboard(request):
    cluster = request.cluster
    context = {"figures": backoffice.dashboard_figures(cluster), "is_staff": request.role >= Role.STAFF}
    if context["is_staff"]:
        pending, pending_count = _head(backoffice.pending_applications(cluster))
        to_review, to_review_count = _head(backoffice.cluster_opportunities(cluster, "review"))
        context.update(
            pending=backoffice.with_actions(pending),
            pending_count=pending_count,
            to_review=to_review,
            to_review_count=to_review_count,
            recent_audit=backoffice.audit_rows(backoffice.cluster_audit(cluster)[:10]),
        )
    return render(request, "directory/staff/dashboard.html", context)


# --- members ---------------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def members(request):
    status = backoffice.member_tab(request.GET.get("status"))
    q = request.GET.get("q", "").strip()[:200]
    page = _page(request, backoffice.cluster_memberships(request.cluster, status, q))
    counts = backoffice.membership_tab_counts(request.cluster, q)
    tabs = [(value, label, counts.get(value, 0)) for value, label in backoffice.MEMBER_TABS]
    return render(
        request,
        "directory/staff/members.html",
        {"page": page, "memberships": backoffice.with_actions(page), "status": status, "q": q, "tabs": tabs},
    )


@cluster_view(Role.STAFF)
def export_members(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    status = backoffice.member_tab(request.GET.get("status"))
    q = request.GET.get("q", "").strip()[:200]
    memberships = backoffice.cluster_memberships(request.cluster, status, q)
    return export_response(
        fmt,
        f"{request.cluster.slug}-members-{status}",
        backoffice.MEMBERSHIP_EXPORT_COLUMNS,
        backoffice.membership_export_rows(memberships),
    )


def _link_existing_member(request, organisation_pk: str):
    """Make a likely duplicate found while adding a member an active member instead; None if it cannot be."""
    try:
        pk = int(organisation_pk)
    except ValueError as exc:
        raise Http404 from exc
    organisation = get_object_or_404(request.viewer.visible_organisations(), pk=pk)
    try:
        membership = services.add_existing_member(request.viewer, organisation, request.cluster)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return None
    messages.success(request, _("%(org)s is now an active member.") % {"org": organisation})
    return redirect("staff:membership", request.cluster.slug, membership.pk)


@cluster_view(Role.STAFF)
def member_new(request):
    cluster = request.cluster
    duplicates = []
    if request.method == "POST":
        form = NewMemberForm(request.POST)
        link = request.POST.get("link", "")
        if link:
            response = _link_existing_member(request, link)
            if response is not None:
                return response
        if form.is_valid():
            duplicates = backoffice.likely_duplicates(
                request.viewer, cluster, name=form.cleaned_data["name"], country=form.cleaned_data["country"],
                website=form.cleaned_data.get("website") or "",
            )
            if not link and (not duplicates or request.POST.get("confirm")):
                try:
                    organisation = services.create_organisation(
                        request.viewer, form.cleaned_data, value_chains=form.cleaned_data["value_chains"],
                        cluster=cluster,
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    membership = Membership.objects.get(organisation=organisation, cluster=cluster)
                    messages.success(request, _("%(org)s was added as an active member.") % {"org": organisation})
                    return redirect("staff:membership", cluster.slug, membership.pk)
    else:
        form = NewMemberForm()
    return render(request, "directory/staff/member_new.html", {"form": form, "duplicates": duplicates})


def _cluster_membership(request, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("organisation"), pk=pk, cluster=request.cluster)


@cluster_view(Role.STAFF)
def membership(request, pk: int):
    membership = _cluster_membership(request, pk)
    if request.method == "POST":
        form = MembershipForm(request.POST)
        if form.is_valid():
            try:
                services.update_membership(request.viewer, membership, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Membership saved."))
                return redirect("staff:membership", request.cluster.slug, membership.pk)
    else:
        form = MembershipForm(initial={"fee_tier": membership.fee_tier, "notes": membership.notes})
    organisation = membership.organisation
    entries = backoffice.record_history(
        [("directory.membership", membership.pk), ("directory.organisation", organisation.pk)]
    )
    context = {
        "membership": backoffice.with_actions([membership])[0],
        "organisation": organisation,
        "form": form,
        "people": organisation.people.filter(request.viewer.people_filter()).order_by("last_name", "first_name"),
        "opportunities": request.viewer.visible_opportunities(organisation.opportunities.all()).order_by(
            "-created_at"
        ),
        "history": backoffice.audit_rows(entries[:50]),
        "history_count": entries.count(),
    }
    return render(request, "directory/staff/membership.html", context)


@cluster_view(Role.STAFF)
@require_POST
def membership_status(request, pk: int):
    membership = _cluster_membership(request, pk)
    form = StatusChangeForm(request.POST)
    error = ""
    done = ""
    if not form.is_valid():
        error = _("Choose a valid status.")
    else:
        try:
            membership = services.change_membership_status(
                request.viewer, membership, form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            done = _("%(org)s: membership is now %(status)s.") % {
                "org": membership.organisation, "status": membership.get_status_display()
            }
    if _is_htmx(request):
        membership = _cluster_membership(request, pk)
        return render(
            request,
            "directory/staff/_member_row.html",
            {"m": backoffice.with_actions([membership])[0], "row_error": error, "row_done": done,
             "next_url": request.POST.get("next", "")},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return _redirect_back(request, reverse("staff:membership", args=[request.cluster.slug, membership.pk]))


# --- people ----------------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def people(request):
    filters = backoffice.PeopleFilters.from_query(request.GET)
    page = _page(request, backoffice.cluster_people(request.viewer, request.cluster, filters))
    return render(
        request,
        "directory/staff/people.html",
        {"page": page, "filters": filters, "consent_choices": backoffice.CONSENT_CHOICES},
    )


@cluster_view(Role.STAFF)
def person(request, pk: int):
    person = get_object_or_404(backoffice.cluster_people(request.viewer, request.cluster), pk=pk)
    membership = Membership.objects.filter(organisation_id=person.organisation_id, cluster=request.cluster).first()
    entries = backoffice.record_history([("directory.person", person.pk)])
    return render(
        request,
        "directory/staff/person.html",
        {"person": person, "membership": membership, "history": backoffice.audit_rows(entries[:50]),
         "history_count": entries.count(), "consents": privacy.consent_history(person),
         "manages_personal_data": privacy.manages_personal_data(request.viewer, person)},
    )


# --- moderation ------------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def opportunities(request):
    tab = backoffice.opportunity_tab(request.GET.get("tab"))
    counts = backoffice.opportunity_tab_counts(request.cluster)
    tabs = [(value, label, counts[value]) for value, label in backoffice.OPPORTUNITY_TABS]
    page = _page(request, backoffice.cluster_opportunities(request.cluster, tab))
    return render(request, "directory/staff/opportunities.html", {"page": page, "tab": tab, "tabs": tabs})


@cluster_view(Role.STAFF)
@require_POST
def moderate(request, pk: int):
    opportunity = get_object_or_404(Opportunity.objects.select_related("organisation"), pk=pk,
                                    cluster=request.cluster)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to hide the opportunity."))
    else:
        try:
            services.moderate_opportunity(request.viewer, opportunity, approve=form.approve,
                                          note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            if form.approve:
                messages.success(request, _("“%(title)s” is approved.") % {"title": opportunity.title})
            else:
                messages.success(request, _("“%(title)s” is hidden.") % {"title": opportunity.title})
    return _redirect_back(request, reverse("staff:opportunities", args=[request.cluster.slug]))


# --- audit log -------------------------------------------------------------------------------------------------


@cluster_view(Role.STAFF)
def audit(request):
    filters = backoffice.AuditFilters.from_query(request.GET)
    page = _page(request, filters.apply(backoffice.cluster_audit(request.cluster)))
    return render(
        request,
        "directory/staff/audit.html",
        {"page": page, "rows": backoffice.audit_rows(page), "filters": filters,
         "model_choices": backoffice.audited_model_choices(), "action_choices": AuditEntry.Action.choices},
    )


def _record_link(request, model_label: str, object_id: str) -> str:
    """Where the record itself is shown, if it still exists."""
    slug = request.cluster.slug
    pk = int(object_id)
    if model_label == "directory.membership" and Membership.objects.filter(pk=pk).exists():
        return reverse("staff:membership", args=[slug, pk])
    if model_label == "directory.person" and backoffice.cluster_people(request.viewer, request.cluster).filter(
        pk=pk
    ).exists():
        return reverse("staff:person", args=[slug, pk])
    if model_label == "directory.organisation":
        membership = Membership.objects.filter(organisation_id=pk, cluster=request.cluster).first()
        if membership is not None:
            return reverse("staff:membership", args=[slug, membership.pk])
    if model_label == "directory.opportunity" and Opportunity.objects.filter(pk=pk).exists():
        return reverse("directory:opportunity", args=[pk])
    return ""


@cluster_view(Role.STAFF)
def history(request, model: str, object_id: str):
    if not backoffice.record_in_cluster(request.cluster, model, object_id):
        raise Http404
    entries = backoffice.record_history([(model, int(object_id))])
    page = _page(request, entries)
    rows = backoffice.audit_rows(page)
    model_class = backoffice.AUDITED_MODELS[model]
    latest = entries.first()
    record = model_class.objects.filter(pk=int(object_id)).first()
    return render(
        request,
        "directory/staff/history.html",
        {
            "page": page,
            "rows": rows,
            "model_name": capfirst(str(model_class._meta.verbose_name)),
            "record_name": str(record) if record is not None else (latest.object_repr if latest else object_id),
            "record_exists": record is not None,
            "record_url": _record_link(request, model, object_id),
            "is_organisation": isinstance(record, Organisation),
            "record": record,
        },
    )
