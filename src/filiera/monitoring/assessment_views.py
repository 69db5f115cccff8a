"""The excellence self-assessment in a cluster's back office (/c/<cluster>/monitoring/assessments/): the history of
assessments with the cluster's labels, an assessment's page (criteria by area with their live figure or staff's
answer, evidence, readiness per label level and what is missing), completing it, the evidence pack, and the
improvement actions. Staff change; observers read; anyone else gets a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.monitoring import assessments as services
from filiera.monitoring import excellence
from filiera.monitoring.assessment_forms import ActionForm, AnswerForm, AssessmentForm, EvidenceForm
from filiera.monitoring.models import Assessment, EvidenceDocument, ImprovementAction


def _assessment(request, pk: int) -> Assessment:
    return get_object_or_404(services.assessments_of(request.cluster), pk=pk)


def _criterion(code: str) -> excellence.Criterion:
    if code not in excellence.BY_CODE:
        raise Http404
    return excellence.BY_CODE[code]


@cluster_view(Role.OBSERVER)
def assessment_list(request):
    return render(request, "monitoring/assessments/list.html", {
        "rows": services.history(request.cluster), "labels": services.labels_of(request.cluster),
        "levels": [(level, services.LEVEL_LABELS[level]) for level in excellence.LEVELS],
        "form": AssessmentForm() if request.role >= Role.STAFF else None})


@cluster_view(Role.STAFF)
def assessment_new(request):
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.start_assessment(request.viewer, request.cluster, year=form.cleaned_data["year"],
                                                   level=form.cleaned_data["level"], user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The self-assessment of %(year)s is started.") % {"year": assessment.year})
            return redirect("monitoring:assessment_detail", cluster_slug=request.cluster.slug, pk=assessment.pk)
    return render(request, "monitoring/assessments/new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_page(request, assessment: Assessment, status: int = 200, answer_form=None, evidence_form=None):
    """The assessment's page; the forms of one criterion are those given (as typed, after an error)."""
    review = services.review(assessment)
    editable = request.role >= Role.STAFF and not review.frozen
    if editable:
        staff_answers = {a.criterion: a for a in assessment.answers.all()}
        for item in review.criteria:
            criterion = excellence.BY_CODE[item.code]
            item.answer_form = answer_form if answer_form is not None and answer_form.criterion.code == item.code \
                else AnswerForm(criterion=criterion, answer=staff_answers.get(item.code), prefix=item.code)
            item.evidence_form = evidence_form if evidence_form is not None and \
                evidence_form.prefix == f"evidence-{item.code}" else \
                EvidenceForm(prefix=f"evidence-{item.code}")
    return render(request, "monitoring/assessments/detail.html", {
        "assessment": assessment, "review": review, "editable": editable,
        "languages": settings.LANGUAGES, "pack_language": services.pack_language(request.cluster, None),
        "actions": services.actions_of(request.cluster)}, status=status)


@cluster_view(Role.OBSERVER)
def assessment_detail(request, pk: int):
    return _detail_page(request, _assessment(request, pk))


@cluster_view(Role.STAFF)
@require_POST
def assessment_answer(request, pk: int, criterion: str):
    assessment = _assessment(request, pk)
    item = _criterion(criterion)
    answer = assessment.answers.filter(criterion=item.code).first()
    form = AnswerForm(request.POST, criterion=item, answer=answer, prefix=item.code)
    if form.is_valid():
        try:
            services.answer_criterion(request.viewer, assessment, item.code, **form.answer(), user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The answer is saved."))
            return redirect(_anchor(request, assessment, item.code))
    return _detail_page(request, assessment, status=400, answer_form=form)


def _anchor(request, assessment: Assessment, code: str) -> str:
    return reverse("monitoring:assessment_detail", kwargs={"cluster_slug": request.cluster.slug,
                                                           "pk": assessment.pk}) + f"#criterion-{code}"


@cluster_view(Role.STAFF)
@require_POST
def assessment_evidence(request, pk: int):
    assessment = _assessment(request, pk)
    item = _criterion(request.POST.get("criterion", ""))
    form = EvidenceForm(request.POST, request.FILES, prefix=f"evidence-{item.code}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_evidence(request.viewer, assessment, item.code, title=data["title"], upload=data["file"],
                                  url=data["url"], user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The evidence is added."))
            return redirect(_anchor(request, assessment, item.code))
    return _detail_page(request, assessment, status=400, evidence_form=form)


def _document(request, pk: int, doc: int) -> EvidenceDocument:
    return get_object_or_404(EvidenceDocument.objects.select_related("assessment__cluster"), pk=doc,
                             assessment_id=pk, assessment__cluster=request.cluster)


@cluster_view(Role.OBSERVER)
def assessment_evidence_file(request, pk: int, doc: int):
    """An evidence file, to the cluster's staff and observers only (never a public media address)."""
    document = _document(request, pk, doc)
    if not document.file:
        raise Http404
    name, content_type = services.evidence_download(document)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@cluster_view(Role.STAFF)
@require_POST
def assessment_evidence_delete(request, pk: int, doc: int):
    document = _document(request, pk, doc)
    try:
        services.delete_evidence(request.viewer, document)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The evidence is removed."))
    return redirect(_anchor(request, document.assessment, document.criterion))


@cluster_view(Role.STAFF)
@require_POST
def assessment_complete(request, pk: int):
    assessment = _assessment(request, pk)
    try:
        services.complete(request.viewer, assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The self-assessment is completed: its results are kept as they are now."))
    return redirect("monitoring:assessment_detail", cluster_slug=request.cluster.slug, pk=assessment.pk)


@cluster_view(Role.OBSERVER)
def assessment_pack(request, pk: int):
    """The evidence pack: the printable self-assessment (in the language asked, else the cluster's) and every
    evidence file, zipped."""
    assessment = _assessment(request, pk)
    content = services.evidence_pack(assessment, request.GET.get("lang"))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{services.pack_filename(assessment)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- improvement actions -------------------------------------------------------------------------------------------


@cluster_view(Role.OBSERVER)
def action_list(request):
    actions = services.actions_of(request.cluster)
    return render(request, "monitoring/assessments/actions.html", {
        "actions": actions, "overdue": sum(1 for action in actions if action.overdue)})


def _action_data(form: ActionForm) -> dict:
    return {name: form.cleaned_data.get(name) for name in services.ACTION_FIELDS}


@cluster_view(Role.STAFF)
def action_new(request):
    initial = {}
    assessment_id = request.GET.get("assessment", "")
    if assessment_id.isdigit():
        initial["assessment"] = services.assessments_of(request.cluster).filter(pk=int(assessment_id)).first()
    form = ActionForm(request.POST or None, cluster=request.cluster, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action(request.viewer, request.cluster, _action_data(form))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The improvement action is saved."))
            return redirect("monitoring:action_list", cluster_slug=request.cluster.slug)
    return render(request, "monitoring/assessments/action_edit.html", {"form": form, "action": None},
                  status=400 if form.errors else 200)


@cluster_view(Role.STAFF)
def action_edit(request, pk: int):
    action = get_object_or_404(ImprovementAction, pk=pk, cluster=request.cluster)
    if request.method == "POST" and "delete" in request.POST:
        services.delete_action(request.viewer, action)
        messages.success(request, _("The improvement action is deleted."))
        return redirect("monitoring:action_list", cluster_slug=request.cluster.slug)
    form = ActionForm(request.POST or None, cluster=request.cluster, record=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action(request.viewer, request.cluster, _action_data(form), action=action)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The improvement action is saved."))
            return redirect("monitoring:action_list", cluster_slug=request.cluster.slug)
    return render(request, "monitoring/assessments/action_edit.html", {"form": form, "action": action},
                  status=400 if form.errors else 200)
