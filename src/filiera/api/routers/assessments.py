"""Excellence self-assessments, their criteria and evidence pack, and the improvement actions.

A cluster's assessments are read by its staff, managers, observers (a funder, the network's coordinator) and
platform admins; anyone else gets a 404. Its staff start, answer and complete them and manage the improvement
actions: an observer gets a 403. Evidence files are uploaded on the back-office page; here they are listed and
come in the evidence pack."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from filiera.api.common import observed_cluster, signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.monitoring import assessments as services
from filiera.monitoring import excellence
from filiera.monitoring.models import Assessment, ImprovementAction

router = Router(tags=["monitoring"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class ReadinessOut(Schema):
    level: str = Field(description="bronze, silver or gold")
    percent: int = Field(description="Criteria of the level met, in percent of those it requires (0 to 100)")
    met: int
    required: int
    missing: list[str] = Field(description="Codes of the level's criteria not met")


class EvidenceOut(Schema):
    id: int
    title: str
    url: str = Field(description="The link, for evidence given as a link")
    file: str | None = Field(description="The file's name, for an uploaded file (it comes in the evidence pack)")


class CriterionOut(Schema):
    code: str
    area: str = Field(description="structure, governance, financing, strategy, achievements or improvement")
    question: str
    evidence_expected: str
    source: str = Field(description="The KPI or live figure that answers it, or \"staff\" (answered with evidence)")
    live: bool
    unit: str = Field(description="count, percent, fte, eur or yes_no")
    thresholds: dict[str, float | None] = Field(description="Level -> threshold, for the levels that require it "
                                                            "(null for a yes/no or a figure that only needs to exist)")
    value: float | None = Field(description="The live figure, or staff's figure")
    staff_met: bool | None = Field(description="Staff's yes or no, for yes/no criteria")
    comment: str
    answered: bool
    met: dict[str, bool] = Field(description="Level -> met, for the levels that require it")
    reasons: dict[str, str] = Field(description="Level -> why not met: no_data, below, not_answered, answered_no "
                                                "or no_evidence")
    evidence: list[EvidenceOut]


class AssessmentSummaryOut(Schema):
    id: int
    year: int
    level: str = Field(description="The label sought: bronze, silver or gold")
    status: str = Field(description="draft (in progress) or completed")
    created_at: datetime
    completed_at: datetime | None
    readiness: dict[str, int] = Field(description="Level -> readiness in percent (frozen once completed)")


class AssessmentOut(AssessmentSummaryOut):
    frozen: bool = Field(description="Completed: the figures and answers are those of the day it was completed")
    levels: list[ReadinessOut]
    criteria: list[CriterionOut]


class AssessmentIn(Schema):
    year: int
    level: str = Field("bronze", description="bronze, silver or gold")


class AnswerIn(Schema):
    met: bool | None = Field(None, description="Yes or no, for a yes/no criterion answered by staff")
    value: Decimal | None = Field(None, description="The figure, for a criterion answered by staff with a figure")
    comment: str = Field("", description="Any criterion, the live ones included (they take nothing else)")


class ActionOut(Schema):
    id: int
    area: str
    title: str
    description: str
    owner: str
    due_on: date
    status: str = Field(description="planned, in_progress or done")
    done_on: date | None
    assessment: int | None = Field(alias="assessment_id", description="The assessment it was found in")
    overdue: bool = Field(description="Due before today and not done")


class ActionIn(Schema):
    area: str = Field(description="structure, governance, financing, strategy, achievements or improvement")
    title: str
    description: str = ""
    owner: str
    due_on: date
    status: str = Field("planned", description="planned, in_progress or done")
    done_on: date | None = Field(None, description="Today if left out when the action is done")
    assessment: int | None = Field(None, description="Id of the assessment it was found in")


class PackQuery(Schema):
    lang: str = Field("", description="en, it, da or es; empty: the cluster's language")


FILE = {"type": "string", "format": "binary"}


# --- helpers -------------------------------------------------------------------------------------------------------


def _assessment(cluster: Cluster, assessment_id: int) -> Assessment:
    return get_object_or_404(services.assessments_of(cluster), pk=assessment_id)


def _evidence(document) -> dict:
    return {"id": document.pk, "title": document.title, "url": document.url,
            "file": document.file.name.rsplit("/", 1)[-1] if document.file else None}


def _assessment_out(review: services.Review) -> dict:
    assessment = review.assessment
    return {
        "id": assessment.pk, "year": assessment.year, "level": assessment.level, "status": assessment.status,
        "created_at": assessment.created_at, "completed_at": assessment.completed_at, "frozen": review.frozen,
        "readiness": {level.level: level.percent for level in review.readiness},
        "levels": [{"level": level.level, "percent": level.percent, "met": level.met, "required": level.required,
                    "missing": [item.code for item, _reason in level.missing]} for level in review.readiness],
        "criteria": [{
            "code": item.code, "area": item.area, "question": item.question,
            "evidence_expected": item.evidence_expected, "source": item.source, "live": item.live, "unit": item.unit,
            "thresholds": item.threshold_values, "value": item.value, "staff_met": item.staff_met,
            "comment": item.comment, "answered": item.answered, "met": item.met, "reasons": item.reason_codes,
            "evidence": [_evidence(document) for document in item.evidence]} for item in review.criteria],
    }


def _action_data(current: Viewer, cluster: Cluster, payload: ActionIn) -> dict:
    if not services.can_change(current, cluster):
        raise PermissionDenied
    data = payload.dict()
    if payload.assessment is not None:
        data["assessment"] = services.assessments_of(cluster).filter(pk=payload.assessment).first()
        if data["assessment"] is None:
            raise ValidationError({"assessment": [_("Choose one of the cluster's assessments.")]})
    if payload.status not in ImprovementAction.Status.values:
        raise ValidationError({"status": [_("Choose planned, in progress or done.")]})
    return data


def _action_out(action: ImprovementAction) -> ImprovementAction:
    action.overdue = services.is_overdue(action)
    return action


# --- assessments ---------------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/assessments", response={200: list[AssessmentSummaryOut], **READ_ERRORS},
            summary="A cluster's self-assessments")
def list_assessments(request, slug: str):
    """Every excellence self-assessment of the cluster, newest first, with its readiness per label level (frozen
    once completed, as it stands now while in progress). Its staff, observers and platform admins."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    return [{"id": row.assessment.pk, "year": row.assessment.year, "level": row.assessment.level,
             "status": row.assessment.status, "created_at": row.assessment.created_at,
             "completed_at": row.assessment.completed_at, "readiness": row.readiness}
            for row in services.history(cluster)]


@router.get("/clusters/{slug}/assessments/{assessment_id}", response={200: AssessmentOut, **READ_ERRORS},
            summary="A self-assessment")
def get_assessment(request, slug: str, assessment_id: int):
    """Every criterion with its question, thresholds per level, live figure or staff's answer, evidence and whether
    it is met at each level; the readiness per level and what is missing."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    return _assessment_out(services.review(_assessment(cluster, assessment_id)))


@router.post("/clusters/{slug}/assessments", response={201: AssessmentOut, **ERRORS},
             summary="Start a self-assessment (staff)")
def start_assessment(request, slug: str, payload: AssessmentIn):
    """Start the self-assessment of a year for the label level sought; one at a time per year is in progress."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    assessment = services.start_assessment(current, cluster, year=payload.year, level=payload.level,
                                           user=request.auth)
    return Status(201, _assessment_out(services.review(assessment)))


@router.put("/clusters/{slug}/assessments/{assessment_id}/criteria/{code}", response={200: AssessmentOut, **ERRORS},
            summary="Answer a criterion (staff)")
def answer_criterion(request, slug: str, assessment_id: int, code: str, payload: AnswerIn):
    """Staff's answer to a criterion: `met` for a yes/no criterion, `value` for a figure, and a `comment`. A live
    criterion takes only a comment (its figure comes from the platform's data). Answers the whole assessment with
    its readiness as it now stands."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    assessment = _assessment(cluster, assessment_id)
    if code not in excellence.BY_CODE:
        raise Http404
    services.answer_criterion(current, assessment, code, met=payload.met, value=payload.value,
                              comment=payload.comment, user=request.auth)
    return _assessment_out(services.review(assessment))


@router.post("/clusters/{slug}/assessments/{assessment_id}/complete", response={200: AssessmentOut, **ERRORS},
             summary="Complete a self-assessment (staff)")
def complete_assessment(request, slug: str, assessment_id: int):
    """Freeze the results (figures, answers, evidence, readiness per level): the history then shows the assessment
    as it is now, whatever the data become."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    assessment = services.complete(current, _assessment(cluster, assessment_id))
    return _assessment_out(services.review(assessment))


@router.get("/clusters/{slug}/assessments/{assessment_id}/pack", response={400: ValidationErrorOut, **READ_ERRORS},
            summary="The evidence pack",
            openapi_extra={"responses": {200: {"description": "A ZIP: self-assessment.pdf, evidence/<criterion>/"
                                                              "<file> and links.csv",
                                               "content": {"application/zip": {"schema": FILE}}}}})
def evidence_pack(request, slug: str, assessment_id: int, query: Query[PackQuery]):
    """The printable self-assessment (PDF, in `lang` or the cluster's language) with every evidence file and a
    links.csv of the evidence links, zipped. Staff and observers of the cluster."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    assessment = _assessment(cluster, assessment_id)
    response = HttpResponse(services.evidence_pack(assessment, query.lang or None), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{services.pack_filename(assessment)}"'
    return response


# --- improvement actions -------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/improvement-actions", response={200: list[ActionOut], **READ_ERRORS},
            summary="A cluster's improvement actions")
def list_actions(request, slug: str):
    """The improvement areas the cluster works on, by due date, each with its owner, status and whether it is
    overdue. Its staff, observers and platform admins."""
    cluster = observed_cluster(signed_in_viewer(request), slug)
    return services.actions_of(cluster)


@router.post("/clusters/{slug}/improvement-actions", response={201: ActionOut, **ERRORS},
             summary="Add an improvement action (staff)")
def create_action(request, slug: str, payload: ActionIn):
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    action = services.save_action(current, cluster, _action_data(current, cluster, payload))
    return Status(201, _action_out(action))


@router.put("/clusters/{slug}/improvement-actions/{action_id}", response={200: ActionOut, **ERRORS},
            summary="Change an improvement action (staff)")
def update_action(request, slug: str, action_id: int, payload: ActionIn):
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    action = get_object_or_404(ImprovementAction, pk=action_id, cluster=cluster)
    return _action_out(services.save_action(current, cluster, _action_data(current, cluster, payload), action=action))
