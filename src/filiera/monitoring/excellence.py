"""The cluster-management excellence engine: a pure module (no Django). It holds the catalogue of criteria in the
areas the cluster-excellence labels (ESCA bronze, silver and gold) assess, and evaluates a cluster's answers to
them: whether each criterion is met at each label level, the readiness per level (the share of that level's criteria
met, 0 to 100) and what is still missing.

The thresholds follow the published label criteria where they are public (at least 15 committed members, at least
two kinds of member, a management team of at least 0.5 FTE, a strategy with measurable targets and a yearly
implementation plan, three documented improvement areas for silver) and are stricter for gold where a stricter
figure makes sense (members, team, satisfaction). A criterion is answered either from live data (`source` is a KPI
code of monitoring.kpis, or one of the few figures the service derives: the helices among the members, the targets
set for the year, the improvement actions documented) or by staff with evidence (`source` is STAFF).

Rules (the tests count them by hand):
- A live criterion is met at a level when its figure for the year is known and reaches that level's threshold
  (at least, or at most for `at_most` criteria; "present" criteria only need a figure above zero).
- A staff criterion is met when staff answered it (yes for a yes/no question, a figure reaching the threshold for a
  figure) and at least one evidence document (a file or a link) supports it. Staff's yes/no is not asked of figures.
- Readiness of a level: criteria met over the criteria the level requires, in percent, rounded half up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Marks the catalogue's texts for translation (makemessages knows this name); they are translated where shown."""
    return message


BRONZE, SILVER, GOLD = "bronze", "silver", "gold"
LEVELS = (BRONZE, SILVER, GOLD)

STAFF = "staff"  # answered by staff with evidence

# Live figures the service derives besides the KPIs of monitoring.kpis.
MEMBER_HELICES = "member_helices"  # how many helices (industry, academia, health & public sector, civil society)
TARGETS = "targets"  # how many targets the cluster set for the year
IMPROVEMENT_ACTIONS = "improvement_actions"  # improvement actions documented (an owner and a due date each)

# How a figure is compared with a threshold.
AT_LEAST = "at_least"
AT_MOST = "at_most"
PRESENT = "present"  # known and above zero (the threshold is not used)
YES_NO = "yes_no"  # staff answer yes or no

AREAS = ("structure", "governance", "financing", "strategy", "achievements", "improvement")
AREA_LABELS = {
    "structure": gettext_noop("Structure of the cluster"),
    "governance": gettext_noop("Governance and management"),
    "financing": gettext_noop("Financing"),
    "strategy": gettext_noop("Strategy, objectives and services"),
    "achievements": gettext_noop("Achievements and recognition"),
    "improvement": gettext_noop("Improvement areas"),
}

# Why a criterion is not met at a level.
NO_DATA = "no_data"  # a live figure the platform has not got for the year
BELOW = "below"  # the figure does not reach the level's threshold
NOT_ANSWERED = "not_answered"  # staff have not answered yet
ANSWERED_NO = "answered_no"
NO_EVIDENCE = "no_evidence"  # staff answered, but no document supports it


@dataclass(frozen=True)
class Criterion:
    code: str
    area: str
    question: str
    evidence: str  # what evidence the assessor expects
    source: str  # a KPI code, one of the derived figures above, or STAFF
    comparison: str  # AT_LEAST, AT_MOST, PRESENT or YES_NO
    unit: str  # count, percent, fte, eur or yes_no
    requires: tuple[tuple[str, float | None], ...]  # (level, threshold) for every level that requires it

    @property
    def live(self) -> bool:
        return self.source != STAFF

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(level for level, _threshold in self.requires)

    def required_for(self, level: str) -> bool:
        return level in self.levels

    def threshold(self, level: str) -> float | None:
        return dict(self.requires).get(level)

    def reaches(self, value: float | None, level: str) -> bool:
        if value is None:
            return False
        if self.comparison == PRESENT:
            return value > 0
        threshold = self.threshold(level)
        if threshold is None:
            return False
        return value <= threshold if self.comparison == AT_MOST else value >= threshold


def _levels(bronze: float | None = None, silver: float | None = None, gold: float | None = None,
            *, only: Iterable[str] = LEVELS) -> tuple[tuple[str, float | None], ...]:
    thresholds = {BRONZE: bronze, SILVER: silver, GOLD: gold}
    return tuple((level, thresholds[level]) for level in LEVELS if level in set(only))


ALL = LEVELS
SILVER_UP = (SILVER, GOLD)

CATALOGUE: tuple[Criterion, ...] = (
    # --- structure of the cluster ---
    Criterion("committed_members", "structure",
              gettext_noop("How many committed members does the cluster have (active members at the end of the "
                           "year)?"),
              gettext_noop("The list of members with their membership dates (from the platform)."),
              "members", AT_LEAST, "count", _levels(15, 25, 50)),
    Criterion("member_helices", "structure",
              gettext_noop("How many kinds of member does the cluster gather, counted by helix (industry, academia, "
                           "health and public sector, civil society)?"),
              gettext_noop("The members by kind and helix (from the platform)."),
              MEMBER_HELICES, AT_LEAST, "count", _levels(2, 2, 3)),
    Criterion("sme_share", "structure",
              gettext_noop("What share of the members are SMEs?"),
              gettext_noop("The members flagged as SMEs (from the platform)."),
              "sme_share", AT_LEAST, "percent", _levels(silver=30, gold=50, only=SILVER_UP)),
    Criterion("active_members", "structure",
              gettext_noop("What share of the members took part in an event, a B2B meeting or a project in the last "
                           "12 months?"),
              gettext_noop("Participation in events, meetings and projects (from the platform)."),
              "active_share", AT_LEAST, "percent", _levels(silver=50, gold=60, only=SILVER_UP)),
    Criterion("retention", "structure",
              gettext_noop("What share of the members at the start of the year were still members at its end?"),
              gettext_noop("Membership dates (from the platform)."),
              "retention", AT_LEAST, "percent", _levels(silver=80, gold=85, only=SILVER_UP)),
    # --- governance and management ---
    Criterion("management_team", "governance",
              gettext_noop("How many full-time equivalents work in the cluster management team?"),
              gettext_noop("The staff figure entered for the year with its source (contracts, organisation chart)."),
              "staff_fte", AT_LEAST, "fte", _levels(0.5, 1, 2)),
    Criterion("members_in_governance", "governance",
              gettext_noop("Do members take part in the cluster's decisions through a board or a steering "
                           "committee?"),
              gettext_noop("Statutes or rules of procedure, and the minutes of the last meetings of the board."),
              STAFF, YES_NO, "yes_no", _levels(only=ALL)),
    Criterion("management_processes", "governance",
              gettext_noop("Are the management's processes documented (roles, quality procedures, regular review "
                           "of the indicators)?"),
              gettext_noop("A process or quality manual, and a review of the indicators by the board."),
              STAFF, YES_NO, "yes_no", _levels(only=SILVER_UP)),
    Criterion("team_development", "governance",
              gettext_noop("Does the management team follow a yearly training and development plan?"),
              gettext_noop("The team's training plan and the training attended during the year."),
              STAFF, YES_NO, "yes_no", _levels(only=(GOLD,))),
    # --- financing ---
    Criterion("budget", "financing",
              gettext_noop("Has the cluster management a budget for the year?"),
              gettext_noop("The budget figure entered for the year with its source (the approved budget)."),
              "budget", PRESENT, "eur", _levels(only=ALL)),
    Criterion("financing_secured", "financing",
              gettext_noop("Is the cluster management's financing secured for at least the next two years?"),
              gettext_noop("Funding agreements, membership fee decisions or public funding decisions."),
              STAFF, YES_NO, "yes_no", _levels(only=SILVER_UP)),
    Criterion("largest_funding_share", "financing",
              gettext_noop("What share of the management's budget comes from its largest single source?"),
              gettext_noop("The budget by source of funding (fees, services, public funding, projects)."),
              STAFF, AT_MOST, "percent", _levels(silver=70, gold=50, only=SILVER_UP)),
    # --- strategy, objectives and services ---
    Criterion("strategy", "strategy",
              gettext_noop("Has the cluster a written strategy agreed with its members?"),
              gettext_noop("The strategy document and the decision that adopted it."),
              STAFF, YES_NO, "yes_no", _levels(only=ALL)),
    Criterion("measurable_targets", "strategy",
              gettext_noop("How many measurable targets has the cluster set for the year?"),
              gettext_noop("The targets per indicator set for the year (from the platform)."),
              TARGETS, AT_LEAST, "count", _levels(3, 5, 8)),
    Criterion("implementation_plan", "strategy",
              gettext_noop("Is there a yearly implementation plan (activities, budget, responsibilities)?"),
              gettext_noop("The implementation or action plan of the year."),
              STAFF, YES_NO, "yes_no", _levels(only=ALL)),
    Criterion("services", "strategy",
              gettext_noop("How many kinds of service does the cluster offer its members (matchmaking, "
                           "internationalisation, funding advice, training…)?"),
              gettext_noop("The service portfolio as presented to members."),
              STAFF, AT_LEAST, "count", _levels(3, 5, 7)),
    Criterion("events", "strategy",
              gettext_noop("How many events did the cluster hold in the year?"),
              gettext_noop("The events of the year (from the platform)."),
              "events", AT_LEAST, "count", _levels(4, 6, 10)),
    Criterion("b2b_meetings", "strategy",
              gettext_noop("How many B2B meetings between members and partners did the cluster arrange in the "
                           "year?"),
              gettext_noop("The brokerage meetings held (from the platform)."),
              "meetings_held", AT_LEAST, "count", _levels(silver=10, gold=25, only=SILVER_UP)),
    Criterion("projects_submitted", "strategy",
              gettext_noop("How many project proposals did the cluster submit with its members in the year?"),
              gettext_noop("The cluster's project portfolio (from the platform)."),
              "projects_submitted", AT_LEAST, "count", _levels(silver=2, gold=4, only=SILVER_UP)),
    Criterion("cluster_cooperation", "strategy",
              gettext_noop("With how many other clusters did the cluster work in the year (shared projects or "
                           "events)?"),
              gettext_noop("Projects and events shared with other clusters' members (from the platform)."),
              "cluster_collaborations", AT_LEAST, "count", _levels(silver=1, gold=3, only=SILVER_UP)),
    # --- achievements and recognition ---
    Criterion("success_stories", "achievements",
              gettext_noop("How many success stories of members helped by the cluster are documented?"),
              gettext_noop("The success stories as published (web pages, brochures)."),
              STAFF, AT_LEAST, "count", _levels(1, 2, 4)),
    Criterion("media_coverage", "achievements",
              gettext_noop("How many times did the media cover the cluster in the year?"),
              gettext_noop("The media coverage figure entered for the year with its press review."),
              "media_coverage", AT_LEAST, "count", _levels(2, 5, 10)),
    Criterion("projects_funded", "achievements",
              gettext_noop("How many of the cluster's projects were funded in the year?"),
              gettext_noop("The funded projects of the portfolio (from the platform)."),
              "projects_funded", AT_LEAST, "count", _levels(silver=1, gold=2, only=SILVER_UP)),
    Criterion("satisfaction_measured", "achievements",
              gettext_noop("What share of the members answered the satisfaction survey of the year?"),
              gettext_noop("The member-satisfaction survey of the year (from the platform)."),
              "survey_response_rate", AT_LEAST, "percent", _levels(10, 25, 40)),
    Criterion("members_satisfied", "achievements",
              gettext_noop("What share of the members who answered are satisfied (4 or 5 out of 5)?"),
              gettext_noop("The member-satisfaction survey of the year (from the platform)."),
              "satisfaction", AT_LEAST, "percent", _levels(silver=60, gold=75, only=SILVER_UP)),
    # --- improvement areas ---
    Criterion("improvement_actions", "improvement",
              gettext_noop("How many improvement areas has the cluster documented as actions with an owner and a "
                           "due date?"),
              gettext_noop("The improvement actions with their owners, dates and progress (from the platform)."),
              IMPROVEMENT_ACTIONS, AT_LEAST, "count", _levels(1, 3, 3)),
)
BY_CODE = {criterion.code: criterion for criterion in CATALOGUE}


@dataclass(frozen=True)
class Answer:
    """What is known of one criterion: the live figure, or staff's answer (a figure or yes/no) and how many evidence
    documents support it."""

    value: float | None = None
    met: bool | None = None  # staff's yes or no, for YES_NO criteria
    evidence: int = 0


@dataclass(frozen=True)
class Gap:
    criterion: str
    reason: str  # NO_DATA, BELOW, NOT_ANSWERED, ANSWERED_NO, NO_EVIDENCE


@dataclass
class Outcome:
    criterion: Criterion
    value: float | None
    answered: bool  # a live figure is known, or staff answered
    met: dict[str, bool]  # level -> met, for the levels that require the criterion
    gaps: dict[str, str] = field(default_factory=dict)  # level -> reason, for the levels where it is not met

    @property
    def source(self) -> str:
        return self.criterion.source


@dataclass
class Evaluation:
    outcomes: dict[str, Outcome]  # in catalogue order
    readiness: dict[str, int]  # level -> 0..100
    missing: dict[str, list[Gap]]  # level -> what is not met, in catalogue order

    def required(self, level: str) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.criterion.required_for(level))

    def met_count(self, level: str) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.met.get(level))

    def as_dict(self) -> dict:
        """JSON-ready: criterion -> {value, met, source, reasons}, level -> readiness, level -> missing codes."""
        return {
            "criteria": {code: {"value": o.value, "met": dict(o.met), "source": o.source, "answered": o.answered,
                                "reasons": dict(o.gaps)} for code, o in self.outcomes.items()},
            "readiness": dict(self.readiness),
            "missing": {level: [gap.criterion for gap in gaps] for level, gaps in self.missing.items()},
        }


def _percent(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole) if whole else 0  # round half up, in integers


def _judge(criterion: Criterion, answer: Answer, level: str) -> str | None:
    """None when the criterion is met at the level, else why not."""
    if criterion.live:
        if answer.value is None:
            return NO_DATA
        return None if criterion.reaches(answer.value, level) else BELOW
    if criterion.comparison == YES_NO:
        if answer.met is None:
            return NOT_ANSWERED
        if not answer.met:
            return ANSWERED_NO
    else:
        if answer.value is None:
            return NOT_ANSWERED
        if not criterion.reaches(answer.value, level):
            return BELOW
    return None if answer.evidence > 0 else NO_EVIDENCE


def evaluate(answers: Mapping[str, Answer], criteria: Iterable[Criterion] = CATALOGUE) -> Evaluation:
    """Judge every criterion at every level that requires it; an unknown criterion counts as unanswered."""
    outcomes: dict[str, Outcome] = {}
    missing: dict[str, list[Gap]] = {level: [] for level in LEVELS}
    for criterion in criteria:
        answer = answers.get(criterion.code, Answer())
        answered = answer.value is not None or (criterion.comparison == YES_NO and not criterion.live
                                                and answer.met is not None)
        outcome = Outcome(criterion=criterion, value=answer.value, answered=answered, met={})
        for level in criterion.levels:
            reason = _judge(criterion, answer, level)
            outcome.met[level] = reason is None
            if reason is not None:
                outcome.gaps[level] = reason
                missing[level].append(Gap(criterion.code, reason))
        outcomes[criterion.code] = outcome
    evaluation = Evaluation(outcomes=outcomes, readiness={}, missing=missing)
    evaluation.readiness = {level: _percent(evaluation.met_count(level), evaluation.required(level))
                            for level in LEVELS}
    return evaluation
