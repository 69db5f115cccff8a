"""The KPI engine: a pure module (no Django). From the facts of one cluster — its memberships, events, B2B meetings
and projects as plain records — it computes the catalogue of indicators for a year, for the whole cluster or one
value chain, and says how each stands against its target and how it moved since the year before.

Counting rules (the tests count them by hand on a fixture):
- A member on a day: a membership that joined on or before it and had not ended by it (applicants never joined).
- Members, their kinds, helices, countries and the SME share: at the end of the year (31 December). Joined and
  lapsed: memberships that joined, or ended, during the year. Retention: of the members on 1 January, the share
  still members on 31 December.
- Active members: members at the end of the year that took part, in the 12 months up to it, in an event, a B2B
  meeting or a project running then.
- Events of the year (by their start), their participants (confirmed registrations); B2B meetings held (scheduled,
  in the year); those with a follow-up planned or an agreement signed by one of their participants; agreements.
- Projects: a project counts in the year it was submitted or started (`day`). Submitted: every project that went
  past the idea stage; funded: funded, running or closed; the success rate is funded over decided (funded and
  rejected). Funding: the EU contribution of the cluster's own funded projects; to members: what its members
  received in any funded project of the year (its own and the public records).
- International partners: partners of the year's projects from another country than the cluster's, and their
  countries. Cluster-to-cluster collaborations: the other clusters one of whose members shared a project or an
  event of the year with the cluster.
- Satisfaction: the answers to the member-satisfaction surveys of the year (each survey says which year it
  measures). Satisfied: the share of answers rating the cluster 4 or 5 out of 5; the score is the mean rating; the
  response rate is answers over members invited.
- The collaboration network of the year (`NetworkFigures`, from network.services.figures_by_year): the network the
  Network page measures for the calendar year and every kind of tie. Its organisations are the cluster's members at
  some time in the year (a member who left in March counts, like one who joined in November) and every
  organisation tied to one of them in the year, members of other clusters and foreign partners included: two
  organisations are tied when they shared a project of the cluster's portfolio that counts in the year, an event of
  the cluster held in the year (confirmed registrations) or a B2B meeting held in it. Density: the ties (pairs of
  organisations tied at least once) over the pairs possible, 2 E / (N (N − 1)), in per cent with two decimals.
  Cross-border ties: the ties between organisations of two different countries; their share is of the ties whose
  two organisations have a country. Members without a tie: the members of the year tied to nobody in it.
- With a value chain: members of that chain only; events and meetings with one of them, counted by their
  registrations and organisations from the chain; projects of that chain. The figures staff enter and the
  collaboration network's are for the whole cluster only (`whole_cluster`): none for a value chain.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

FLOW = "flow"  # accumulates over the year: compared pro rata during the year
LEVEL = "level"  # a level or a share: compared as it stands


@dataclass(frozen=True)
class Indicator:
    code: str
    area: str  # members, activity, projects, international, network, satisfaction, resources
    unit: str  # count, percent, eur, fte, score (1 to 5)
    nature: str = FLOW
    higher_is_better: bool = True
    manual: bool = False  # entered by staff with evidence, not computed
    whole_cluster: bool = False  # for the whole cluster only: no value, nor target, for a value chain


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("members", "members", "count", LEVEL),
    Indicator("sme_share", "members", "percent", LEVEL),
    Indicator("members_joined", "members", "count"),
    Indicator("members_lapsed", "members", "count", higher_is_better=False),
    Indicator("retention", "members", "percent", LEVEL),
    Indicator("active_members", "members", "count", LEVEL),
    Indicator("active_share", "members", "percent", LEVEL),
    Indicator("events", "activity", "count"),
    Indicator("event_participants", "activity", "count"),
    Indicator("meetings_held", "activity", "count"),
    Indicator("meetings_followed_up", "activity", "count"),
    Indicator("agreements", "activity", "count"),
    Indicator("projects_submitted", "projects", "count"),
    Indicator("projects_funded", "projects", "count"),
    Indicator("success_rate", "projects", "percent", LEVEL),
    Indicator("funding_total", "projects", "eur"),
    Indicator("funding_to_members", "projects", "eur"),
    Indicator("international_partners", "international", "count"),
    Indicator("partner_countries", "international", "count"),
    Indicator("cluster_collaborations", "international", "count"),
    Indicator("network_density", "network", "percent", LEVEL, whole_cluster=True),
    Indicator("cross_border_ties", "network", "count", whole_cluster=True),
    Indicator("cross_border_share", "network", "percent", LEVEL, whole_cluster=True),
    Indicator("isolated_members", "network", "count", LEVEL, higher_is_better=False, whole_cluster=True),
    Indicator("satisfaction", "satisfaction", "percent", LEVEL),
    Indicator("satisfaction_score", "satisfaction", "score", LEVEL),
    Indicator("survey_response_rate", "satisfaction", "percent", LEVEL),
    Indicator("staff_fte", "resources", "fte", LEVEL, manual=True, whole_cluster=True),
    Indicator("budget", "resources", "eur", LEVEL, manual=True, whole_cluster=True),
    Indicator("media_coverage", "resources", "count", manual=True, whole_cluster=True),
)
BY_CODE = {indicator.code: indicator for indicator in CATALOGUE}
BREAKDOWNS = ("members_by_kind", "members_by_helix", "members_by_country")

SUBMITTED = frozenset({"proposal", "funded", "running", "closed", "rejected"})
FUNDED = frozenset({"funded", "running", "closed"})
FOLLOWED_UP = frozenset({"follow_up", "agreement"})


@dataclass(frozen=True)
class Member:
    organisation: int
    kind: str
    helix: str
    country: str
    is_sme: bool
    joined_on: datetime.date | None
    ended_on: datetime.date | None = None
    value_chains: frozenset[int] = frozenset()

    def member_on(self, day: datetime.date) -> bool:
        return self.joined_on is not None and self.joined_on <= day and (self.ended_on is None or
                                                                         self.ended_on > day)


@dataclass(frozen=True)
class Event:
    day: datetime.date
    registrations: tuple[int | None, ...] = ()  # the organisation of each confirmed registration (None: unknown)


@dataclass(frozen=True)
class Meeting:
    day: datetime.date
    organisations: frozenset[int] = frozenset()
    outcomes: frozenset[str] = frozenset()  # what its participants said came of it


@dataclass(frozen=True)
class Project:
    day: datetime.date | None  # submitted or started: the day it counts in its year
    status: str
    own: bool  # the cluster's own project (else a public record with one of its members)
    eu_contribution: Decimal | None = None
    members_funding: Decimal = Decimal(0)  # what the cluster's members received in it
    partners: frozenset[int] = frozenset()
    partner_countries: dict[int, str] = field(default_factory=dict)  # partner -> its country
    value_chains: frozenset[int] = frozenset()
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass(frozen=True)
class SurveyAnswer:
    year: int  # the year the survey measures
    organisation: int | None
    overall: int  # 1 (very dissatisfied) to 5 (very satisfied)


@dataclass(frozen=True)
class NetworkFigures:
    """The collaboration network of a year (see the counting rules)."""

    organisations: int
    ties: int
    density: float  # 0 to 1
    cross_border_ties: int
    cross_border_share: float | None  # 0 to 1; None when no tie has a country at both ends
    isolated_members: int


@dataclass
class Facts:
    """What the engine needs of one cluster, for every year it is asked about."""

    country: str
    members: list[Member] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    other_clusters: dict[int, frozenset[int]] = field(default_factory=dict)  # organisation -> other clusters
    manual: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # (code, year) -> value entered
    survey_answers: list[SurveyAnswer] = field(default_factory=list)
    survey_invited: dict[int, set[int]] = field(default_factory=dict)  # year -> organisations invited
    network: dict[int, NetworkFigures] = field(default_factory=dict)  # year -> its figures, for the years asked


@dataclass
class Result:
    values: dict[str, float | None]
    breakdowns: dict[str, dict[str, int]]


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compute(facts: Facts, year: int, value_chain: int | None = None) -> Result:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    twelve_months_before = end - datetime.timedelta(days=365)

    def in_chain(member: Member) -> bool:
        return value_chain is None or value_chain in member.value_chains

    members = [m for m in facts.members if in_chain(m)]
    chain_orgs = {m.organisation for m in members}
    now = [m for m in members if m.member_on(end)]
    at_start = [m for m in members if m.member_on(start - datetime.timedelta(days=1))]
    current = {m.organisation for m in now}

    events = [e for e in facts.events if e.day.year == year]
    meetings = [m for m in facts.meetings if m.day.year == year]
    if value_chain is not None:
        events = [e for e in events if chain_orgs & set(e.registrations)]
        meetings = [m for m in meetings if chain_orgs & m.organisations]
    projects = [p for p in facts.projects if (value_chain is None or value_chain in p.value_chains)]
    of_year = [p for p in projects if p.day is not None and p.day.year == year]

    active: set[int] = set()
    for event in facts.events:
        if twelve_months_before < event.day <= end:
            active |= {o for o in event.registrations if o is not None}
    for meeting in facts.meetings:
        if twelve_months_before < meeting.day <= end:
            active |= meeting.organisations
    for project in projects:
        running_then = (project.start is None or project.start <= end) and (
            project.end is None or project.end > twelve_months_before)
        if project.status in FUNDED and running_then:
            active |= project.partners
    active &= current

    participants = [o for e in events for o in e.registrations if value_chain is None or o in chain_orgs]
    funded = [p for p in of_year if p.status in FUNDED]
    decided = [p for p in of_year if p.status in FUNDED or p.status == "rejected"]
    foreign = {o: c for p in of_year for o, c in p.partner_countries.items() if c and c != facts.country}
    touched = {o for p in of_year for o in p.partners} | {o for e in events for o in e.registrations if o}
    other_clusters = set().union(*(facts.other_clusters.get(o, frozenset()) for o in touched)) if touched else set()

    answers = [a for a in facts.survey_answers if a.year == year and (value_chain is None or
                                                                       a.organisation in chain_orgs)]
    invited = {o for o in facts.survey_invited.get(year, set()) if value_chain is None or o in chain_orgs}

    values: dict[str, float | None] = {
        "members": len(now),
        "sme_share": _share(sum(1 for m in now if m.is_sme), len(now)),
        "members_joined": sum(1 for m in members if m.joined_on and start <= m.joined_on <= end),
        "members_lapsed": sum(1 for m in members if m.ended_on and start <= m.ended_on <= end),
        "retention": _share(sum(1 for m in at_start if m.member_on(end)), len(at_start)),
        "active_members": len(active),
        "active_share": _share(len(active), len(now)),
        "events": len(events),
        "event_participants": len(participants),
        "meetings_held": len(meetings),
        "meetings_followed_up": sum(1 for m in meetings if m.outcomes & FOLLOWED_UP),
        "agreements": sum(1 for m in meetings if "agreement" in m.outcomes),
        "projects_submitted": sum(1 for p in of_year if p.own and p.status in SUBMITTED),
        "projects_funded": sum(1 for p in of_year if p.own and p.status in FUNDED),
        "success_rate": _share(sum(1 for p in decided if p.own and p.status in FUNDED),
                               sum(1 for p in decided if p.own)),
        "funding_total": float(sum((p.eu_contribution or 0) for p in funded if p.own)),
        "funding_to_members": float(sum(p.members_funding for p in funded)),
        "international_partners": len(foreign),
        "partner_countries": len(set(foreign.values())),
        "cluster_collaborations": len(other_clusters),
        "satisfaction": _share(sum(1 for a in answers if a.overall >= 4), len(answers)),
        "satisfaction_score": round(sum(a.overall for a in answers) / len(answers), 2) if answers else None,
        "survey_response_rate": _share(len({a.organisation for a in answers if a.organisation in invited}),
                                       len(invited)),
    }
    network = facts.network.get(year) if value_chain is None else None
    values.update({
        "network_density": round(100 * network.density, 2) if network else None,
        "cross_border_ties": network.cross_border_ties if network else None,
        "cross_border_share": round(100 * network.cross_border_share, 1)
        if network and network.cross_border_share is not None else None,
        "isolated_members": network.isolated_members if network else None,
    })
    for indicator in CATALOGUE:
        if indicator.manual:
            entered = facts.manual.get((indicator.code, year)) if value_chain is None else None
            values[indicator.code] = float(entered) if entered is not None else None
    breakdowns = {
        "members_by_kind": dict(Counter(m.kind for m in now).most_common()),
        "members_by_helix": dict(Counter(m.helix for m in now).most_common()),
        "members_by_country": dict(Counter(m.country for m in now).most_common()),
    }
    return Result(values=values, breakdowns=breakdowns)


# --- against the target ------------------------------------------------------------------------------------------

MET = "met"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
MISSED = "missed"


def status(indicator: Indicator, value: float | None, target: float | None, year: int,
           today: datetime.date) -> str | None:
    """How a value stands against its target. A past year's target was met or missed. During the year, a flow
    (events, funding) is compared with its share of the target so far; a level (members, shares) as it stands,
    at risk when behind (it may still catch up by the year's end). None without a target or a value."""
    if target is None or value is None:
        return None

    def reached(goal: float) -> bool:
        return value >= goal if indicator.higher_is_better else value <= goal

    if year < today.year:
        return MET if reached(target) else MISSED
    if year > today.year:
        return ON_TRACK if reached(target) else AT_RISK
    if indicator.nature == LEVEL:
        return ON_TRACK if reached(target) else AT_RISK
    if not indicator.higher_is_better:  # a flow that only grows (lapsed members): past the target it is missed
        return ON_TRACK if reached(target) else MISSED
    if reached(target):
        return MET
    elapsed = (today - datetime.date(year, 1, 1)).days + 1
    days = (datetime.date(year, 12, 31) - datetime.date(year, 1, 1)).days + 1
    return ON_TRACK if value >= target * elapsed / days else AT_RISK


def trend(value: float | None, previous: float | None) -> float | None:
    """The change since the year before (None when either is unknown)."""
    if value is None or previous is None:
        return None
    return round(value - previous, 2)
