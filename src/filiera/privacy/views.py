"""Personal data pages: the public privacy notice, a user's own export and erasure, and the staff's export, erasure
and retention pages (under /c/<cluster_slug>/privacy/). Thin: parse, call filiera.privacy.services, render.

An erasure needs the digest of an export made first; the page pre-fills the digest of the export just downloaded
in the same session, and the service refuses when the data changed since."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory import backoffice
from filiera.directory.models import Person
from filiera.privacy import services
from filiera.privacy.models import ConsentRecord

ACCOUNT_DIGEST = "privacy_export_digest_account"


def _person_digest_key(person_pk: int) -> str:
    return f"privacy_export_digest_person_{person_pk}"


def _due_digest_key(cluster_pk: int) -> str:
    return f"privacy_export_digest_due_{cluster_pk}"


def _zip_response(content: bytes, filename: str, digest: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Export-Digest"] = digest
    return response


def privacy_notice(request):
    return render(request, "privacy/notice.html", {
        "retention_months": settings.FILIERA_RETENTION_MONTHS,
        "contact": settings.FILIERA_PRIVACY_CONTACT,
        "purposes": ConsentRecord.Purpose.choices,
    })


# --- the user's own data ---------------------------------------------------------------------------------------


@login_required
def my_export(request):
    content, digest = services.export_account(request.user)
    request.session[ACCOUNT_DIGEST] = digest
    return _zip_response(content, services.export_filename(None, request.user), digest)


@login_required
def my_erasure(request):
    digest = request.session.get(ACCOUNT_DIGEST, "")
    if request.method == "POST":
        digest = request.POST.get("export_digest", "").strip()
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that your account is to be erased."))
        else:
            try:
                services.erase_account(request.user, export_digest=digest)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                logout(request)
                messages.success(request, _("Your account and your personal data were erased."))
                return redirect("home")
    return render(request, "privacy/erase_account.html", {"digest": digest})


# --- the staff's pages -----------------------------------------------------------------------------------------


def _managed_person(request, pk: int) -> Person:
    """A person of the cluster's live members (404 otherwise, like the person's page)."""
    person = get_object_or_404(
        backoffice.cluster_people(request.viewer, request.cluster).select_related("user"), pk=pk)
    if not services.manages_personal_data(request.viewer, person):
        raise PermissionDenied
    return person


@cluster_view(Role.STAFF)
def person_export(request, pk: int):
    person = _managed_person(request, pk)
    content, digest = services.export_person(person)
    request.session[_person_digest_key(person.pk)] = digest
    return _zip_response(content, services.export_filename(person), digest)


@cluster_view(Role.STAFF)
def person_erasure(request, pk: int):
    person = _managed_person(request, pk)
    digest = request.session.get(_person_digest_key(person.pk), "")
    if request.method == "POST":
        digest = request.POST.get("export_digest", "").strip()
        try:
            services.erase_for(request.viewer, person, export_digest=digest, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            request.session.pop(_person_digest_key(pk), None)
            messages.success(request, _("The person's data was erased; what the statistics need was anonymised."))
            return redirect("staff:people", request.cluster.slug)
    return render(request, "privacy/erase_person.html", {"digest": digest, "person": person})


@cluster_view(Role.STAFF)
def retention(request):
    erasable, others = services.erasable_due(request.viewer, request.cluster)
    return render(request, "privacy/retention.html", {
        "erasable": erasable, "others": others, "retention_months": settings.FILIERA_RETENTION_MONTHS,
        "cutoff": services.retention_cutoff(), "digest": request.session.get(_due_digest_key(request.cluster.pk), ""),
    })


@cluster_view(Role.STAFF)
def retention_export(request):
    erasable, _others = services.erasable_due(request.viewer, request.cluster)
    content, digest = services.export_many(erasable)
    request.session[_due_digest_key(request.cluster.pk)] = digest
    return _zip_response(content, f"filiera-retention-{request.cluster.slug}.zip", digest)


@require_POST
@cluster_view(Role.STAFF)
def retention_erase(request):
    erasable, _others = services.erasable_due(request.viewer, request.cluster)
    if not erasable:
        messages.info(request, _("Nobody is due for erasure."))
        return redirect("privacy_staff:retention", request.cluster.slug)
    try:
        erasures = services.erase_many(request.viewer, erasable, by=request.user,
                                       export_digest=request.POST.get("export_digest", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        request.session.pop(_due_digest_key(request.cluster.pk), None)
        messages.success(request, _("%(count)d people were erased.") % {"count": len(erasures)})
    return redirect("privacy_staff:retention", request.cluster.slug)

