"""The staff's project imports, at /c/<cluster_slug>/projects/import/: a participations file or the CORDIS exports
(into the cluster's portfolio), or a Funding & Tenders topics file (calls, for everyone). Upload, read the preview
(a dry run of the very code the command line runs), confirm, and exactly the previewed files are imported; the
uploads wait as the organisation import's do (directory.importing's upload store, a token in the session)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory import importing as uploads
from filiera.directory.forms import BootstrapFormMixin
from filiera.projects import importing

SESSION_KEY = "filiera_pending_project_imports"
LISTED_PROBLEMS = 200
WHAT = (("participations", _("Participations (projects and partners)")),
        ("cordis", _("CORDIS exports (projects file and organizations file)")),
        ("calls", _("Funding & Tenders call topics")))


class ProjectUploadForm(BootstrapFormMixin, forms.Form):
    what = forms.ChoiceField(label=_("What to import"), choices=WHAT, widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), help_text=_("Participations: CSV or XLSX. CORDIS: the projects file "
                                                        "(JSON, CSV or XLSX). Calls: the topics file (JSON)."))
    organizations = forms.FileField(label=_("CORDIS organizations file"), required=False)
    create_missing = forms.BooleanField(
        label=_("Create an unverified placeholder for each unknown organisation"), required=False,
        help_text=_("Otherwise a participation of an organisation not in the directory is an error."))

    def clean(self):
        data = super().clean()
        if data.get("what") == "cordis" and not data.get("organizations"):
            self.add_error("organizations", _("The CORDIS import needs the organizations file too."))
        for name in ("file", "organizations"):
            upload = data.get(name)
            if upload is not None and upload.size > settings.FILIERA_IMPORT_MAX_BYTES:
                self.add_error(name, _("The file is larger than the import limit."))
        return data


def _run(request, what: str, files: list[tuple[bytes, str]], create_missing: bool, dry_run: bool):
    if what == "participations":
        return importing.import_participations(files[0][0], files[0][1], create_missing=create_missing,
                                               dry_run=dry_run, cluster=request.cluster, user=request.user)
    if what == "cordis":
        return importing.import_cordis(files[0][0], files[0][1], files[1][0], files[1][1], dry_run=dry_run,
                                       cluster=request.cluster, user=request.user)
    return importing.import_call_topics(files[0][0], files[0][1], dry_run=dry_run, user=request.user)


@cluster_view(Role.STAFF)
def import_projects(request):
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = ProjectUploadForm(request.POST or None, request.FILES or None, initial={"what": "participations"})
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, status=400 if request.method == "POST" else 200)
    data = form.cleaned_data
    files = [(data["file"].read(), data["file"].name)]
    if data["what"] == "cordis":
        files.append((data["organizations"].read(), data["organizations"].name))
    report = _run(request, data["what"], files, data["create_missing"], dry_run=True)
    token = ""
    if not report.errors:
        pending = request.session.get(SESSION_KEY, {})
        for old, entry in list(pending.items()):
            if entry["cluster"] == request.cluster.pk:  # one import waits per cluster and session
                for stored in entry["tokens"]:
                    uploads.discard_upload(stored)
                del pending[old]
        tokens = [uploads.store_upload(content) for content, _name in files]
        token = tokens[0]
        pending[token] = {"cluster": request.cluster.pk, "what": data["what"], "tokens": tokens,
                          "names": [name for _content, name in files], "create_missing": data["create_missing"]}
        request.session[SESSION_KEY] = pending
    return _page(request, ProjectUploadForm(initial={"what": data["what"]}), report=report, token=token)


def _confirm(request):
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token)
    contents = [uploads.load_upload(t) for t in entry["tokens"]] if entry and entry["cluster"] == request.cluster.pk \
        else [None]
    if any(content is None for content in contents):
        messages.error(request, _("This import is not waiting for your confirmation (any more); upload the file "
                                  "again."))
        return _page(request, ProjectUploadForm(), status=400)
    del pending[token]
    request.session[SESSION_KEY] = pending
    try:
        report = _run(request, entry["what"], list(zip(contents, entry["names"], strict=True)),
                      entry["create_missing"], dry_run=False)
    finally:
        for stored in entry["tokens"]:
            uploads.discard_upload(stored)
    if report.errors:  # the projects changed since the preview
        return _page(request, ProjectUploadForm(), report=report, status=409)
    messages.success(request, report.summary())
    return redirect("projects_staff:import", cluster_slug=request.cluster.slug)


def _page(request, form, *, report=None, token: str = "", status: int = 200):
    return render(request, "projects/staff/import.html", {"form": form, "report": report, "token": token,
                                                          "listed": LISTED_PROBLEMS}, status=status)
