"""The staff's organisation import, at /c/<cluster_slug>/import/: upload a file, read its preview (a dry run of
the very code the command line runs), confirm, and exactly the previewed file is imported.

Between preview and confirmation the uploaded bytes wait under MEDIA_ROOT/imports/<token>; the token travels in a
hidden field and must also be in the user's session (with the cluster it was previewed for), so nobody can
confirm someone else's upload. The file is deleted once applied.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory import importing
from filiera.directory.exporting import FORMATS, ORGANISATION_COLUMNS, write_csv

SESSION_KEY = "filiera_pending_imports"
LISTED_PROBLEMS = 200  # a page lists this many errors / warnings of each kind; the command line lists all


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (comma, semicolon or tab separated), XLSX, or a gzip-compressed CSV."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.txt,.xlsx,.gz"}),
    )


@cluster_view(Role.STAFF)
def import_organisations(request):
    if request.method == "GET" and request.GET.get("download") == "template":
        return _template()
    if request.method == "POST":
        if "token" in request.POST:
            return _confirm(request)
        return _preview(request)
    return _page(request, UploadForm())


def _template() -> HttpResponse:
    response = HttpResponse(write_csv(ORGANISATION_COLUMNS, []), content_type=FORMATS["csv"])
    response["Content-Disposition"] = 'attachment; filename="organisations-import-template.csv"'
    return response


def _preview(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    limit = settings.FILIERA_IMPORT_MAX_BYTES
    if upload.size > limit:
        form.add_error("file", _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)})
        return _page(request, form, status=400)
    data = upload.read()
    report = importing.import_organisations(request.viewer, data, upload.name, cluster=request.cluster, dry_run=True,
                                            user=request.user)
    token = ""
    if not report.errors:
        # One import waits for confirmation per cluster and session: a new preview replaces the previous one.
        pending = request.session.get(SESSION_KEY, {})
        for old in [t for t, entry in pending.items() if entry.get("cluster") == request.cluster.pk]:
            importing.discard_upload(old)
            del pending[old]
        token = importing.store_upload(data)
        pending[token] = {"cluster": request.cluster.pk, "filename": upload.name}
        request.session[SESSION_KEY] = pending
    return _page(request, UploadForm(), report=report, token=token)


def _confirm(request):
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token)
    data = importing.load_upload(token) if entry is not None and entry.get("cluster") == request.cluster.pk else None
    if data is None:
        messages.error(request, _("This import is not waiting for your confirmation (any more); upload the file "
                                  "again."))
        return _page(request, UploadForm(), status=400)
    del pending[token]
    request.session[SESSION_KEY] = pending
    try:
        report = importing.import_organisations(request.viewer, data, entry["filename"], cluster=request.cluster,
                                                user=request.user)
    finally:
        importing.discard_upload(token)
    if report.errors:  # the directory changed since the preview
        return _page(request, UploadForm(), report=report, status=409)
    messages.success(request, report.summary())
    return redirect("staff:import", cluster_slug=request.cluster.slug)


def _page(request, form: UploadForm, *, report: importing.ImportReport | None = None, token: str = "",
          status: int = 200):
    context = {
        "form": form,
        "report": report,
        "token": token,
        "listed": LISTED_PROBLEMS,
        "columns": ORGANISATION_COLUMNS,
        "required_columns": importing.REQUIRED_COLUMNS,
        "max_size": settings.FILIERA_IMPORT_MAX_BYTES,
        "content_languages": [code for code, _name in settings.CONTENT_LANGUAGES],
    }
    return render(request, "directory/imports/organisations.html", context, status=status)
