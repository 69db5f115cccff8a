"""Open-innovation challenges: the challenges the caller may see (everyone once published; drafts their cluster's
staff) with their themes and needs, voicing a need (anyone, without credentials too, while the challenge collects
them), a signed-in caller's ballot, a member's solutions; and the staff's back office: writing a challenge, moving
it through its stages, workshop needs, grouping the needs into themes and merging, splitting, renaming and
completing them, the priorities, shortlisting solutions, and turning a theme into a transformative activity with a
consortium from the consortium builder.

Who voiced a need (`voiced_by`) is answered to the challenge's staff only. A staff route answers 404 for a challenge
the caller may not see and 403 for one they see but do not manage. Every rule is the challenges services'."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.responses import Status

from filiera.api.auth import SessionAuth, TokenAuth
from filiera.api.common import Pagination, observed_cluster, signed_in_viewer, viewer
from filiera.api.routers.projects import AlternativeOut
from filiera.api.schemas import ErrorOut, RecordId, ValidationErrorOut, choices_of
from filiera.challenges import services
from filiera.challenges.models import Challenge, Need, Solution, Theme
from filiera.core.access import Viewer
from filiera.directory.models import Organisation

router = Router(tags=["challenges"])

ChallengeStage = choices_of(Challenge.Stage, "ChallengeStage")
SolutionStatus = choices_of(Solution.Status, "SolutionStatus")

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
VOTES_SHOWN = (Challenge.Stage.VOTING, Challenge.Stage.SOLUTIONS, Challenge.Stage.CLOSED)


def visitor_too(request):
    """Lets any call through as a visitor when no credentials were given (the public need form): like the API's
    `anonymous`, for writes as well."""
    if "HTTP_AUTHORIZATION" in request.META:
        raise AuthenticationError()
    request.user = AnonymousUser()
    return request.user


PUBLIC_WRITE = [TokenAuth(), SessionAuth(), visitor_too]


# --- schemas -------------------------------------------------------------------------------------------------------


class OwnerOut(Schema):
    id: int
    name: str


class ChallengeOut(Schema):
    id: int
    cluster: str = Field(alias="cluster.slug")
    title: str
    owner: OwnerOut | None = Field(description="The health provider, authority or region whose problem it is")
    statement: str
    scope: str
    language: str
    opens_on: date | None
    closes_on: date | None = Field(description="The last day solutions are taken")
    stage: ChallengeStage = Field(description="draft, needs, voting, solutions or closed")
    open_voting: bool = Field(description="Visitors may vote (on the web pages, one ballot per browser)")
    accepts_needs: bool
    accepts_solutions: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_accepts_needs(obj):
        return services.accepts_needs(obj)

    @staticmethod
    def resolve_accepts_solutions(obj):
        return services.accepts_solutions(obj)


class ChallengeNeedOut(Schema):
    id: int
    text: str
    language: str
    actor: str = Field(description="The kind of actor who voiced it (patient, gp, nurse, …)")
    source: str = Field(description="form (the public form) or workshop (entered by staff)")
    theme: int | None
    voiced_by: str | None = Field(description="The organisation or place it was voiced by; the staff's only")
    created_at: datetime


class ChallengeThemeOut(Schema):
    id: int
    position: int
    label: str
    named: bool = Field(description="The label was given by staff (otherwise computed from the needs)")
    concepts: list[str] = Field(description="Slugs of its most characteristic concepts")
    keywords: list[str]
    cohesion: float
    votes: int | None = Field(description="Once the vote opens")
    activity: int | None = Field(description="The project idea it became (staff only)")
    needs: list[ChallengeNeedOut]


class SuggestionOut(Schema):
    theme: int
    reasons: list[str]


class ChallengeDetailOut(ChallengeOut):
    can_manage: bool
    next_stages: list[str] = Field(description="Where the caller may move it (staff)")
    themes: list[ChallengeThemeOut] = Field(alias="themes_out")
    ungrouped: list[ChallengeNeedOut] = Field(description="Needs in no theme")
    ballot: list[int] | None = Field(description="The themes of the caller's ballot (signed-in callers)")
    suggested: list[SuggestionOut] = Field(
        description="While solutions are taken: the themes the matching engine suggests to the caller's "
                    "organisations, with its reasons")


class ChallengeIn(Schema):
    title: str
    statement: str
    owner_id: int | None = Field(None, description="The organisation whose problem it is")
    scope: str = ""
    language: str = "en"
    opens_on: date | None = None
    closes_on: date | None = None
    open_voting: bool = True


class ChallengePatch(Schema):
    """Only the fields sent are changed."""

    title: str | None = None
    statement: str | None = None
    owner_id: int | None = None
    scope: str | None = None
    language: str | None = None
    opens_on: date | None = None
    closes_on: date | None = None
    open_voting: bool | None = None


class StageIn(Schema):
    stage: str = Field(description="The next stage or the one before")


class NeedIn(Schema):
    text: str
    actor: str = Field(description="patient, carer, gp, clinician, nurse, social_worker, pharmacist, manager, "
                                   "public_body, researcher, company, association or other")
    language: str = Field("", description="Detected from the text when left out")
    voiced_by: str = Field("", description="Optional: a service, a town, an organisation. No personal names.")


class GroupIn(Schema):
    max_themes: int | None = Field(None, description="At most this many themes")
    min_size: int = Field(2, ge=1, description="Needs a theme has at least")


class MergeIn(Schema):
    other_id: int = Field(description="The theme to merge with")


class RenameIn(Schema):
    label: str = Field(description="Empty gives the theme back its computed label")


class PlaceIn(Schema):
    need_id: int


class BallotIn(Schema):
    themes: list[RecordId] = Field(description="Up to three theme ids; voting again replaces the ballot")


class BallotOut(Schema):
    themes: list[int]


class SolutionOut(Schema):
    id: int
    theme: int = Field(alias="theme_id")
    theme_label: str = Field(alias="theme.label")
    organisation: OwnerOut
    title: str
    description: str
    opportunity: int | None = Field(alias="opportunity_id")
    status: SolutionStatus = Field(description="submitted, shortlisted or declined")
    created_at: datetime
    updated_at: datetime


class SolutionIn(Schema):
    theme_id: int
    organisation_id: int = Field(description="An organisation the caller represents")
    title: str
    description: str
    opportunity_id: int | None = Field(None, description="One of the organisation's offers it builds on")


class SolutionStatusIn(Schema):
    status: str = Field(description="submitted, shortlisted or declined")


class InvitationReportOut(Schema):
    organisations: int = Field(description="Members invited now")
    people: int = Field(description="Representatives emailed")
    already: int = Field(description="Members suggested and invited before")
    unreached: list[str] = Field(description="Members suggested, with no representative with an email")


class PriorityOut(Schema):
    theme: int
    label: str
    votes: int
    share: float = Field(description="Of the voters, 0 to 1")
    rank: int


class ActivityIn(Schema):
    acronym: str
    organisation_ids: list[RecordId] = Field(description="The consortium (a builder's alternative, or adjusted)")
    coordinator_id: RecordId | None = None


class ActivityOut(Schema):
    id: int
    acronym: str
    title: str
    status: str


# --- helpers -------------------------------------------------------------------------------------------------------


@contextmanager
def _fields_named(**names):
    """A service's per-field errors under the names the request used (`owner` -> `owner_id`)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()}) from exc


def _challenge(current: Viewer, challenge_id: int) -> Challenge:
    return get_object_or_404(services.visible_challenges(current), pk=challenge_id)


def _managed(request, challenge_id: int) -> tuple[Viewer, Challenge]:
    """The challenge and the caller if they manage it: 404 when they may not see it, 403 when they may not run it."""
    current = signed_in_viewer(request)
    challenge = _challenge(current, challenge_id)
    if not services.can_manage(current, challenge):
        raise PermissionDenied
    return current, challenge


def _theme(challenge: Challenge, theme_id: int) -> Theme:
    theme = get_object_or_404(Theme, pk=theme_id, challenge=challenge)
    theme.challenge = challenge
    return theme


def _need(challenge: Challenge, need_id: int) -> Need:
    """A need of the challenge named in the request's body (a field error otherwise)."""
    need = Need.objects.filter(pk=need_id, challenge=challenge).select_related("theme").first()
    if need is None:
        raise ValidationError({"need_id": [_("That need is not one of this challenge's.")]})
    need.challenge = challenge
    return need


def _organisations(current: Viewer, ids: list[int], field: str) -> list[Organisation]:
    """The organisations, in order, if the caller may see each; one it may not see is as unknown as a missing one."""
    found = current.visible_organisations_among(ids).in_bulk()
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: [_("Unknown organisation: %(ids)s") % {"ids": ", ".join(map(str, missing))}]})
    return [found[i] for i in ids]


def _challenge_data(current: Viewer, payload) -> dict:
    data = payload.dict(exclude_unset=True)
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        data["owner"] = _organisations(current, [owner_id], "owner_id")[0] if owner_id is not None else None
    return data


def _need_out(need: Need, staff: bool) -> dict:
    return {"id": need.pk, "text": need.text, "language": need.language, "actor": need.actor, "source": need.source,
            "theme": need.theme_id, "voiced_by": need.voiced_by if staff else None, "created_at": need.created_at}


def _theme_out(theme: Theme, staff: bool, votes: int | None) -> dict:
    return {"id": theme.pk, "position": theme.position, "label": theme.label, "named": theme.named,
            "concepts": theme.concepts, "keywords": theme.keywords, "cohesion": theme.cohesion, "votes": votes,
            "activity": theme.activity_id if staff else None,
            "needs": [_need_out(need, staff) for need in theme.needs.all()]}


def _themes_out(current: Viewer, challenge: Challenge, only: list[int] | None = None) -> list[dict]:
    """The challenge's themes (or these of them) with their needs, as the caller may see them."""
    staff = services.can_manage(current, challenge)
    themes = challenge.themes.annotate(vote_count=Count("votes")).prefetch_related("needs")
    if only is not None:
        themes = themes.filter(pk__in=only)
    counted = challenge.stage in VOTES_SHOWN
    return [_theme_out(theme, staff, theme.vote_count if counted else None) for theme in themes]


def _detail(current: Viewer, challenge: Challenge) -> Challenge:
    """The challenge with its themes and needs as the caller may see them, and what the caller may do."""
    staff = services.can_manage(current, challenge)
    challenge.can_manage = staff
    challenge.next_stages = services.next_stages(challenge) if staff else []
    challenge.themes_out = _themes_out(current, challenge)
    challenge.ungrouped = [_need_out(need, staff) for need in challenge.needs.filter(theme__isnull=True)]
    challenge.ballot = sorted(services.ballot(challenge, services.voter_key(current.user_id, None, challenge))) \
        if current.is_authenticated else None
    suggested = services.themes_for(current, challenge) if services.accepts_solutions(challenge) else {}
    challenge.suggested = [{"theme": pk, "reasons": reasons} for pk, reasons in suggested.items()]
    return challenge


# --- public routes -------------------------------------------------------------------------------------------------


@router.get("/challenges", response={200: list[ChallengeOut]}, summary="List challenges")
@paginate(Pagination)
def list_challenges(request, cluster: str = "", stage: str = ""):
    """The published challenges, and the drafts of the clusters the caller runs; newest first."""
    challenges = services.visible_challenges(viewer(request))
    if cluster:
        challenges = challenges.filter(cluster__slug=cluster)
    if stage:
        challenges = challenges.filter(stage=stage)
    return challenges


@router.get("/challenges/{challenge_id}", response={200: ChallengeDetailOut, **ERRORS}, summary="A challenge")
def get_challenge(request, challenge_id: int):
    """With its themes and their needs (votes once the vote opens), the needs in no theme, the caller's ballot and
    the themes suggested to the caller's organisations."""
    current = viewer(request)
    return _detail(current, _challenge(current, challenge_id))


@router.post("/challenges/{challenge_id}/needs", response={201: ChallengeNeedOut, **ERRORS}, auth=PUBLIC_WRITE,
             summary="Voice a need (anyone)")
def voice_need(request, challenge_id: int, payload: NeedIn):
    """The public form: no credentials needed, while the challenge collects needs."""
    current = viewer(request)
    challenge = _challenge(current, challenge_id)
    need = services.voice_need(challenge, payload.dict())
    return Status(201, _need_out(need, services.can_manage(current, challenge)))


@router.post("/challenges/{challenge_id}/ballot", response={200: BallotOut, **ERRORS},
             summary="Vote the priorities (signed-in callers)")
def cast_ballot(request, challenge_id: int, payload: BallotIn):
    """Up to three themes; voting again replaces the ballot."""
    current = signed_in_viewer(request)
    challenge = _challenge(current, challenge_id)
    voter = services.voter_key(current.user_id, None, challenge)
    return {"themes": sorted(services.cast_ballot(challenge, voter, payload.themes))}


@router.get("/challenges/{challenge_id}/solutions", response={200: list[SolutionOut], **ERRORS},
            summary="Solutions (the caller's organisations', or all for staff)")
@paginate(Pagination)
def list_solutions(request, challenge_id: int):
    current = signed_in_viewer(request)
    return services.visible_solutions(current, _challenge(current, challenge_id)).order_by("theme__position", "pk")


@router.post("/challenges/{challenge_id}/solutions", response={200: SolutionOut, 201: SolutionOut, **ERRORS},
             summary="Answer a theme with a solution (members)")
def submit_solution(request, challenge_id: int, payload: SolutionIn):
    """One solution per organisation and theme: sent again, it is changed (200) rather than created (201)."""
    current = signed_in_viewer(request)
    challenge = _challenge(current, challenge_id)
    theme = challenge.themes.filter(pk=payload.theme_id).first()
    if theme is None:
        raise ValidationError({"theme_id": [_("That theme is not one of this challenge's.")]})
    theme.challenge = challenge
    organisation = _organisations(current, [payload.organisation_id], "organisation_id")[0]
    data = {"title": payload.title, "description": payload.description, "opportunity": None}
    if payload.opportunity_id is not None:
        data["opportunity"] = current.visible_opportunities_among([payload.opportunity_id]).first()
        if data["opportunity"] is None:
            raise ValidationError({"opportunity_id": [_("Choose one of your organisation's offers.")]})
    existed = Solution.objects.filter(theme=theme, organisation=organisation).exists()
    with _fields_named(opportunity="opportunity_id"):
        solution = services.submit_solution(current, theme, organisation, data, user=request.auth)
    return Status(200 if existed else 201, solution)


# --- staff routes --------------------------------------------------------------------------------------------------


@router.post("/clusters/{slug}/challenges", response={201: ChallengeDetailOut, **ERRORS},
             summary="Write a challenge (staff)")
def create_challenge(request, slug: str, payload: ChallengeIn):
    """A draft, seen by the cluster's staff only until it is moved on to collecting needs."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    data = _challenge_data(current, payload)
    with _fields_named(owner="owner_id"):
        challenge = services.save_challenge(current, cluster, data, user=request.auth)
    return Status(201, _detail(current, challenge))


@router.patch("/challenges/{challenge_id}", response={200: ChallengeDetailOut, **ERRORS},
              summary="Change a challenge (staff)")
def update_challenge(request, challenge_id: int, payload: ChallengePatch):
    current, challenge = _managed(request, challenge_id)
    with _fields_named(owner="owner_id"):
        services.save_challenge(current, challenge.cluster, _challenge_data(current, payload), challenge=challenge)
    return _detail(current, challenge)


@router.post("/challenges/{challenge_id}/stage", response={200: ChallengeDetailOut, **ERRORS},
             summary="Move a challenge to its next stage or back one (staff)")
def move_challenge(request, challenge_id: int, payload: StageIn):
    current, challenge = _managed(request, challenge_id)
    return _detail(current, services.move(current, challenge, payload.stage))


@router.post("/challenges/{challenge_id}/workshop-needs", response={201: ChallengeNeedOut, **ERRORS},
             summary="Enter a need voiced at a workshop (staff)")
def enter_need(request, challenge_id: int, payload: NeedIn):
    current, challenge = _managed(request, challenge_id)
    return Status(201, _need_out(services.enter_need(current, challenge, payload.dict(), user=request.auth), True))


@router.delete("/challenges/{challenge_id}/needs/{need_id}", response={204: None, **ERRORS},
               summary="Remove a need (staff)")
def remove_need(request, challenge_id: int, need_id: int):
    current, challenge = _managed(request, challenge_id)
    services.remove_need(current, get_object_or_404(Need, pk=need_id, challenge=challenge))
    return Status(204, None)


@router.post("/challenges/{challenge_id}/needs/{need_id}/ungroup", response={200: ChallengeNeedOut, **ERRORS},
             summary="Take a need out of every theme (staff)")
def ungroup_need(request, challenge_id: int, need_id: int):
    """The theme it left is labelled anew unless staff named it, and goes if it is left empty."""
    current, challenge = _managed(request, challenge_id)
    need = get_object_or_404(Need, pk=need_id, challenge=challenge)
    return _need_out(services.place_need(current, need, None), staff=True)


@router.post("/challenges/{challenge_id}/group", response={200: list[ChallengeThemeOut], **ERRORS},
             summary="Group the needs into themes (staff)")
def group_needs(request, challenge_id: int, payload: GroupIn):
    """All the needs are grouped anew: the themes there were, and the names staff gave them, are replaced."""
    current, challenge = _managed(request, challenge_id)
    services.group_needs(current, challenge, max_themes=payload.max_themes, min_size=payload.min_size)
    return _themes_out(current, challenge)


@router.post("/challenges/{challenge_id}/themes/{theme_id}/merge", response={200: ChallengeThemeOut, **ERRORS},
             summary="Merge a theme with another (staff)")
def merge_themes(request, challenge_id: int, theme_id: int, payload: MergeIn):
    current, challenge = _managed(request, challenge_id)
    theme = _theme(challenge, theme_id)
    other = challenge.themes.filter(pk=payload.other_id).first()
    if other is None:
        raise ValidationError({"other_id": [_("That theme is not one of this challenge's.")]})
    merged = services.merge_themes(current, theme, other)
    return _themes_out(current, challenge, [merged.pk])[0]


@router.post("/challenges/{challenge_id}/themes/{theme_id}/split", response={200: list[ChallengeThemeOut], **ERRORS},
             summary="Split a theme in two (staff)")
def split_theme(request, challenge_id: int, theme_id: int):
    current, challenge = _managed(request, challenge_id)
    halves = services.split_theme(current, _theme(challenge, theme_id))
    return _themes_out(current, challenge, [half.pk for half in halves])


@router.post("/challenges/{challenge_id}/themes/{theme_id}/rename", response={200: ChallengeThemeOut, **ERRORS},
             summary="Rename a theme (staff)")
def rename_theme(request, challenge_id: int, theme_id: int, payload: RenameIn):
    current, challenge = _managed(request, challenge_id)
    renamed = services.rename_theme(current, _theme(challenge, theme_id), payload.label)
    return _themes_out(current, challenge, [renamed.pk])[0]


@router.post("/challenges/{challenge_id}/themes/{theme_id}/place", response={200: ChallengeThemeOut, **ERRORS},
             summary="Place a need in a theme (staff)")
def place_need(request, challenge_id: int, theme_id: int, payload: PlaceIn):
    """The themes the need left and joined are labelled anew unless staff named them; one left empty goes."""
    current, challenge = _managed(request, challenge_id)
    theme = _theme(challenge, theme_id)
    services.place_need(current, _need(challenge, payload.need_id), theme)
    return _themes_out(current, challenge, [theme.pk])[0]


@router.post("/challenges/{challenge_id}/invitations", response={200: InvitationReportOut, **ERRORS},
             summary="Invite the members the matching engine suggests (staff)")
def invite_solvers(request, challenge_id: int):
    """Each member suggested for a theme is emailed the themes suggested for it, once; while solutions are taken."""
    current, challenge = _managed(request, challenge_id)
    report = services.invite_solvers(current, challenge)
    return {"organisations": report.organisations, "people": report.people, "already": report.already,
            "unreached": report.unreached}


@router.get("/challenges/{challenge_id}/priorities", response={200: list[PriorityOut], **ERRORS},
            summary="The themes by votes (staff)")
def get_priorities(request, challenge_id: int):
    """The most voted first; themes with as many votes share a rank."""
    _current, challenge = _managed(request, challenge_id)
    return [{"theme": p.theme.pk, "label": p.theme.label, "votes": p.votes, "share": p.share, "rank": p.rank}
            for p in services.priorities(challenge)]


@router.post("/challenges/{challenge_id}/solutions/{solution_id}/status", response={200: SolutionOut, **ERRORS},
             summary="Shortlist or decline a solution (staff)")
def set_solution_status(request, challenge_id: int, solution_id: int, payload: SolutionStatusIn):
    current, challenge = _managed(request, challenge_id)
    solution = get_object_or_404(services.visible_solutions(current, challenge), pk=solution_id)
    return services.set_status(current, solution, payload.status)


@router.get("/challenges/{challenge_id}/themes/{theme_id}/consortia", response={200: list[AlternativeOut], **ERRORS},
            summary="Build consortia for a theme (staff)")
def build_consortia(request, challenge_id: int, theme_id: int, min_size: int | None = None,
                    max_size: int | None = None, max_per_country: int | None = None, network: bool = True):
    """The consortium builder's best consortia for the theme once solutions are collected: the organisations of
    its shortlisted solutions are in, the others cover the competences its needs ask for (`covered`, `missing`:
    concept slugs). `network` looks among the members of the cluster's networks too."""
    current, challenge = _managed(request, challenge_id)
    alternatives = services.build_consortia(current, _theme(challenge, theme_id), min_size=min_size,
                                            max_size=max_size, max_per_country=max_per_country, network=network)
    return [{"members": [{"id": o.pk, "name": o.name, "kind": o.kind, "country": o.country}
                         for o in alt.organisations],
             "score": alt.consortium.score, "bound": alt.consortium.bound, "optimal": alt.consortium.optimal,
             "coverage": alt.consortium.coverage, "covered": [c.slug for c in alt.covered],
             "missing": [c.slug for c in alt.missing], "fit": alt.consortium.fit,
             "ties": [(int(a), int(b)) for a, b in alt.consortium.ties], "rules_met": alt.consortium.rules_met}
            for alt in alternatives]


@router.post("/challenges/{challenge_id}/themes/{theme_id}/activity", response={201: ActivityOut, **ERRORS},
             summary="Turn a theme into a transformative activity (staff)")
def save_activity(request, challenge_id: int, theme_id: int, payload: ActivityIn):
    """A project idea of the cluster with this consortium, its summary drawn from the theme's needs and shortlisted
    solutions; the theme links to it."""
    current, challenge = _managed(request, challenge_id)
    organisations = _organisations(current, payload.organisation_ids, "organisation_ids")
    coordinator = _organisations(current, [payload.coordinator_id], "coordinator_id")[0] \
        if payload.coordinator_id is not None else None
    project = services.save_activity(current, _theme(challenge, theme_id), organisations, acronym=payload.acronym,
                                     coordinator=coordinator, user=request.auth)
    return Status(201, project)
