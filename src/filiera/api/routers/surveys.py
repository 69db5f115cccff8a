"""Member-satisfaction surveys of a cluster: the list and each survey with its results (the cluster's staff and
observers; observers get anonymous results), and writing, sending (or reminding) and closing a survey (its staff: an
observer gets a 403; anyone else a 404). Members answer through their personal link's page, not through the API."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.common import Pagination, observed_cluster, signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut, choices_of
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.monitoring import surveys
from filiera.monitoring.models import Survey

router = Router(tags=["monitoring"])

SurveyStatus = choices_of(Survey.Status, "SurveyStatus")

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class SurveyOut(Schema):
    id: int
    title: str
    year: int = Field(description="The year whose satisfaction the survey measures (its answers count in its KPIs)")
    introduction: str
    status: SurveyStatus = Field(description="draft, open or closed")
    closes_on: date | None = Field(description="After this day the personal links take no more answers")
    sent_at: datetime | None
    created_at: datetime
    invited: int = Field(description="Member organisations whose invitation was mailed")
    answered: int
    response_rate: float | None = Field(description="Percent of the organisations invited that answered")
    accepts_answers: bool

    @staticmethod
    def resolve_response_rate(obj):
        return surveys.response_rate(obj.invited, obj.answered)

    @staticmethod
    def resolve_accepts_answers(obj):
        return surveys.accepts_answers(obj)


class ServiceResultOut(Schema):
    code: str = Field(description="events, b2b, projects, communication or international")
    label: str
    mean: float | None = Field(description="Mean rating, 1 to 5; null when nobody rated it")
    ratings: int = Field(description="Members who rated it (the others did not use it)")


class CommentOut(Schema):
    text: str
    organisation: str | None = Field(description="For the cluster's staff; null for observers")


class ResultsOut(Schema):
    invited: int
    answered: int
    response_rate: float | None
    overall_mean: float | None = Field(description="Mean overall satisfaction, 1 to 5")
    distribution: dict[int, int] = Field(description="Overall rating (1 to 5) -> answers")
    satisfied: float | None = Field(description="Percent of the answers rating 4 or 5")
    services: list[ServiceResultOut]
    recommendations: int = Field(description="Answers that said how likely they are to recommend the cluster")
    promoters: float | None = Field(description="Percent rating 9 or 10")
    detractors: float | None = Field(description="Percent rating 0 to 6")
    nps: float | None = Field(description="Net promoter score: promoters minus detractors, in points")
    comments: list[CommentOut]
    named: bool = Field(description="Whether organisations are named (the cluster's staff) or not (observers)")
    answered_by: list[str] = Field(description="Staff only")
    not_answered: list[str] = Field(description="Staff only: invited, no answer yet")
    unreached: list[str] = Field(description="Staff only: never mailed, no representative with an email")


class SurveyDetailOut(SurveyOut):
    results: ResultsOut


class SurveyIn(Schema):
    title: str
    year: int
    introduction: str = ""
    closes_on: date | None = None


class SurveyPatch(Schema):
    title: str | None = None
    year: int | None = None
    introduction: str | None = None
    closes_on: date | None = None


class SendOut(Schema):
    opened: bool = Field(description="True when the survey was a draft and is now open; false for a reminder")
    invited: int = Field(description="Invitations created now (every active member, or newcomers on a reminder)")
    organisations_mailed: int
    people_mailed: int
    recently_mailed: int = Field(description="Left alone: mailed less than a day ago")
    unreached: list[str] = Field(description="Members with no representative email, not reached")
    survey: SurveyOut


# --- helpers -------------------------------------------------------------------------------------------------------


def _survey(cluster: Cluster, survey_id: int) -> Survey:
    """The survey with its counts (invited, answered); 404 outside the cluster."""
    return get_object_or_404(surveys.surveys_of(cluster).select_related("cluster"), pk=survey_id)


def _detail(current: Viewer, survey: Survey) -> Survey:
    survey.results = surveys.results(current, survey)
    return survey


# --- routes --------------------------------------------------------------------------------------------------------


@router.get("/clusters/{slug}/surveys", response={200: list[SurveyOut], **READ_ERRORS},
            summary="List a cluster's satisfaction surveys")
@paginate(Pagination)
def list_surveys(request, slug: str):
    """Newest year first, with the response rate of each (staff and observers)."""
    return surveys.surveys_of(observed_cluster(signed_in_viewer(request), slug))


@router.get("/clusters/{slug}/surveys/{survey_id}", response={200: SurveyDetailOut, **READ_ERRORS},
            summary="A satisfaction survey with its results")
def get_survey(request, slug: str, survey_id: int):
    current = signed_in_viewer(request)
    return _detail(current, _survey(observed_cluster(current, slug), survey_id))


@router.post("/clusters/{slug}/surveys", response={201: SurveyOut, **ERRORS}, summary="Write a survey (staff)")
def create_survey(request, slug: str, payload: SurveyIn):
    """A draft: it can be changed until it is sent."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    survey = surveys.save_survey(current, cluster, payload.dict(), user=request.auth)
    return Status(201, _survey(cluster, survey.pk))


@router.patch("/clusters/{slug}/surveys/{survey_id}", response={200: SurveyOut, **ERRORS},
              summary="Change a draft survey (staff)")
def update_survey(request, slug: str, survey_id: int, payload: SurveyPatch):
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    surveys.save_survey(current, cluster, payload.dict(exclude_unset=True), survey=_survey(cluster, survey_id))
    return _survey(cluster, survey_id)


@router.post("/clusters/{slug}/surveys/{survey_id}/send", response={200: SendOut, **ERRORS},
             summary="Send a survey, or remind the members who have not answered (staff)")
def send_survey(request, slug: str, survey_id: int):
    """A draft opens and every active member's representatives are emailed their organisation's personal link. On an
    open survey this is a reminder: new members are invited, and the organisations that have not answered and were
    not emailed in the last day are emailed again."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    report = surveys.send(current, _survey(cluster, survey_id))
    return {**report.__dict__, "survey": _survey(cluster, survey_id)}


@router.post("/clusters/{slug}/surveys/{survey_id}/close", response={200: SurveyOut, **ERRORS},
             summary="Close a survey (staff)")
def close_survey(request, slug: str, survey_id: int):
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    surveys.close(current, _survey(cluster, survey_id))
    return _survey(cluster, survey_id)
