"""The member pages: a representative keeps its organisation's profile, people and opportunities and applies to
clusters; a visitor registers an organisation and applies to join a cluster.

Who may do what is decided by filiera.core.access, and every change goes through filiera.directory.services.
A signed-in user who may not edit an organisation gets a 404 on all of its member pages, exactly as for an
organisation that does not exist, so these pages reveal nothing about records one may not touch.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from filiera.core.access import Viewer, viewer_for
from filiera.core.models import Cluster
from filiera.directory import services
from filiera.directory.forms import (
    REGISTRATION_FIELD_OF,
    ApplicationForm,
    OpportunityForm,
    OrganisationForm,
    PersonForm,
    RegistrationForm,
    add_service_error,
)
from filiera.directory.models import Membership, Opportunity, Organisation, Person


def _posted(request):
    return request.POST if request.method == "POST" else None


def _editable_organisation(request, slug: str) -> tuple[Organisation, Viewer]:
    organisation = get_object_or_404(Organisation, slug=slug)
    viewer = viewer_for(request.user)
    if not viewer.can_edit_organisation(organisation):
        raise Http404("No such organisation.")
    return organisation, viewer


def _person_of(viewer: Viewer, organisation: Organisation, pk: int) -> Person:
    return get_object_or_404(Person.objects.filter(viewer.people_filter()), pk=pk, organisation=organisation)


def _ui_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _org_context(organisation: Organisation, viewer: Viewer, tab: str, **extra) -> dict:
    return {
        "organisation": organisation,
        "tab": tab,
        "represents": viewer.represents(organisation.pk),
        "can_apply": viewer.represents(organisation.pk) or viewer.is_admin,
        "can_see_profile": viewer.can_see_organisation(organisation),
        **extra,
    }


# --- my organisations ------------------------------------------------------------------------------------------


@login_required
def my_organisations(request):
    viewer = viewer_for(request.user)
    hidden = Q(opportunities__status=Opportunity.Status.HIDDEN)
    organisations = (
        Organisation.objects.filter(pk__in=viewer.organisation_ids)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("cluster").order_by("cluster__name"))
        )
        .annotate(
            people_count=Count("people", distinct=True),
            opportunity_count=Count("opportunities", distinct=True),
            hidden_count=Count("opportunities", filter=hidden, distinct=True),
        )
        .order_by("name")
    )
    # Arriving from a cluster's "join" page: the apply links preselect that cluster.
    joining = Cluster.objects.filter(slug=request.GET.get("cluster", "")).first()
    return render(
        request,
        "directory/member/my_organisations.html",
        {"organisations": organisations, "apply_query": urlencode({"cluster": joining.slug}) if joining else ""},
    )


# --- profile ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, slug):
    organisation, viewer = _editable_organisation(request, slug)
    form = OrganisationForm(_posted(request), record=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(
                viewer,
                organisation,
                form.cleaned_data,
                concepts=form.cleaned_data["concepts"],
                value_chains=form.cleaned_data["value_chains"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            organisation.refresh_from_db()  # the page heading shows what is stored, not what was typed
        else:
            messages.success(request, _("The profile of %(name)s is saved.") % {"name": organisation.name})
            if viewer.can_see_organisation(organisation):
                return redirect("directory:profile", slug=organisation.slug)
            return redirect("directory:org_edit", slug=organisation.slug)
    return render(
        request, "directory/member/organisation_form.html", _org_context(organisation, viewer, "profile", form=form)
    )


# --- people ----------------------------------------------------------------------------------------------------


@login_required
def people(request, slug):
    organisation, viewer = _editable_organisation(request, slug)
    contacts = Person.objects.filter(viewer.people_filter(), organisation=organisation).select_related("user")
    return render(
        request,
        "directory/member/people.html",
        _org_context(organisation, viewer, "people", people=contacts.order_by("last_name", "first_name")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, slug, pk=None):
    organisation, viewer = _editable_organisation(request, slug)
    person = _person_of(viewer, organisation, pk) if pk is not None else None
    form = PersonForm(
        _posted(request),
        record=person,
        can_appoint_representatives=viewer.can_appoint_representatives(organisation),
        initial={} if person else {"language": _ui_language()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_person(
                viewer,
                organisation,
                form.cleaned_data,
                person=person,
                consent_directory=form.cleaned_data["consent_directory"],
                consent_newsletter=form.cleaned_data["consent_newsletter"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            if person is not None:
                person.refresh_from_db()
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved})
            return redirect("directory:org_people", slug=organisation.slug)
    return render(
        request,
        "directory/member/person_form.html",
        _org_context(organisation, viewer, "people", form=form, person=person),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request, slug, pk):
    organisation, viewer = _editable_organisation(request, slug)
    person = _person_of(viewer, organisation, pk)
    if request.method == "POST":
        try:
            services.delete_person(viewer, person)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s is removed.") % {"name": person})
        return redirect("directory:org_people", slug=organisation.slug)
    return render(
        request,
        "directory/member/person_confirm_delete.html",
        _org_context(
            organisation, viewer, "people", person=person,
            is_self=person.user_id is not None and person.user_id == viewer.user_id,
        ),
    )


# --- opportunities ---------------------------------------------------------------------------------------------


@login_required
def opportunities(request, slug):
    organisation, viewer = _editable_organisation(request, slug)
    rows = [
        (opportunity, viewer.can_edit_opportunity(opportunity))
        for opportunity in organisation.opportunities.select_related("cluster", "author").order_by("-updated_at")
    ]
    counts = {status: 0 for status in Opportunity.Status.values}
    for opportunity, _can_edit in rows:
        counts[opportunity.status] += 1
    return render(
        request,
        "directory/member/opportunities.html",
        _org_context(
            organisation, viewer, "opportunities", rows=rows, counts=counts, Status=Opportunity.Status,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request, slug=None, pk=None):
    if pk is not None:
        viewer = viewer_for(request.user)
        opportunity = get_object_or_404(Opportunity.objects.select_related("organisation", "reviewed_by"), pk=pk)
        if not viewer.can_edit_opportunity(opportunity):
            raise Http404("No such opportunity.")
        organisation = opportunity.organisation
    else:
        organisation, viewer = _editable_organisation(request, slug)
        opportunity = None
    form = OpportunityForm(
        _posted(request),
        record=opportunity,
        initial={} if opportunity else {"language": organisation.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_opportunity(
                viewer,
                organisation,
                form.cleaned_data,
                opportunity=opportunity,
                concepts=form.cleaned_data["concepts"],
                value_chains=form.cleaned_data["value_chains"],
                author=request.user if opportunity is None else None,
            )
        except ValidationError as error:
            add_service_error(form, error)
            if opportunity is not None:
                opportunity.refresh_from_db()
        else:
            messages.success(
                request,
                _("“%(title)s” is saved (%(status)s).") % {"title": saved.title, "status": saved.get_status_display()},
            )
            if opportunity is None or saved.status == Opportunity.Status.PUBLISHED:
                return redirect("directory:opportunity", pk=saved.pk)
            return redirect("directory:org_opportunities", slug=organisation.slug)
    return render(
        request,
        "directory/member/opportunity_form.html",
        _org_context(organisation, viewer, "opportunities", form=form, opportunity=opportunity,
                     Status=Opportunity.Status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_delete(request, pk):
    viewer = viewer_for(request.user)
    opportunity = get_object_or_404(Opportunity.objects.select_related("organisation"), pk=pk)
    if not viewer.can_edit_opportunity(opportunity):
        raise Http404("No such opportunity.")
    organisation = opportunity.organisation
    if request.method == "POST":
        services.delete_opportunity(viewer, opportunity)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": opportunity.title})
        if viewer.can_edit_organisation(organisation):
            return redirect("directory:org_opportunities", slug=organisation.slug)
        return redirect("directory:opportunities")
    return render(
        request,
        "directory/member/opportunity_confirm_delete.html",
        _org_context(organisation, viewer, "opportunities", opportunity=opportunity),
    )


# --- joining a cluster -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request, cluster_slug):
    cluster = get_object_or_404(Cluster, slug=cluster_slug)
    if request.user.is_authenticated:
        viewer = viewer_for(request.user)
        represented = list(Organisation.objects.filter(pk__in=viewer.organisation_ids).order_by("name")[:2])
        query = urlencode({"cluster": cluster.slug})
        if len(represented) == 1:
            return redirect(f"{reverse('directory:apply', args=[represented[0].slug])}?{query}")
        if represented:
            messages.info(
                request, _("Choose which of your organisations applies to %(cluster)s.") % {"cluster": cluster}
            )
            return redirect(f"{reverse('directory:my_organisations')}?{query}")
        # Signed in but representing nobody (e.g. cluster staff): registering would create a second account.
        return render(request, "directory/member/register.html", {"cluster": cluster, "form": None})

    form = RegistrationForm(
        _posted(request),
        initial={"org_country": cluster.country, "org_language": _ui_language(), "language": _ui_language()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_applicant(
                cluster=cluster,
                organisation_data=form.organisation_data(),
                person_data=form.person_data(),
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_service_error(form, error, REGISTRATION_FIELD_OF)
        else:
            login(request, user)
            with translation.override(user.language):  # the next page speaks the language they chose
                messages.success(
                    request,
                    _("Welcome! The application of %(organisation)s to %(cluster)s awaits the cluster staff; you "
                      "will receive an email when they decide. Meanwhile you can complete your profile.")
                    % {"organisation": form.cleaned_data["org_name"], "cluster": cluster},
                )
            response = redirect("directory:my_organisations")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    return render(request, "directory/member/register.html", {"cluster": cluster, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    viewer = viewer_for(request.user)
    if not (viewer.represents(organisation.pk) or viewer.is_admin):
        raise Http404("No such organisation.")
    form = ApplicationForm(_posted(request), organisation=organisation, initial={"cluster": request.GET.get("cluster")})
    if request.method == "POST" and form.is_valid():
        cluster = form.cleaned_data["cluster"]
        try:
            services.apply_for_membership(viewer, organisation, cluster, form.cleaned_data["message"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The application of %(organisation)s to %(cluster)s is sent; it awaits the cluster staff.")
                % {"organisation": organisation, "cluster": cluster},
            )
            if viewer.represents(organisation.pk):
                return redirect("directory:my_organisations")
            return redirect("directory:profile", slug=organisation.slug)
    memberships = organisation.memberships.select_related("cluster").order_by("cluster__name")
    return render(
        request,
        "directory/member/apply.html",
        _org_context(organisation, viewer, "apply", form=form, memberships=memberships),
    )
