"""Partners from the collaboration history: a pure engine (no Django). From who took part in which project, it
recommends partners for an organisation's next project, each with the reasons in words.

The history is the weighted co-participation graph: organisations are nodes, and two organisations that took part in
the same project are joined by an edge whose weight w(a, b) is the number of projects they shared. n(c) is the
number of projects of c, s(p) = Σ_q w(p, q) the strength of p, and every organisation has a kind (sme, university,
hospital, …; "unknown" when not given).

The score of a candidate c for an organisation o is

    score(c) = ( P · ln(1 + w(o, c))                       past partner: they are likely partners again
               + H · Σ_p w(o, p) · w(p, c) / s(p)          partners of past partners (weighted resource allocation)
               + E · ln(1 + n(c)) )                        experience, so that every candidate gets something
             × lift(kind(o), kind(c)) ^ K                  the kinds that consortia with o's kind include

where p runs over o's past partners, and the kind lift is how much more often than by chance a member of kind a
and a member of kind b are in the same project, across every project of the history:

    lift(a, b) = (N(a, b) + M) / (N(a) · N(b) / N + M)

N(a, b) counts the ordered pairs of distinct members of one project with kinds a and b, N(a) = Σ_b N(a, b), N the
number of pairs, and M = 10 pseudo-pairs keep the lift of rare kinds near 1. An organisation without history gets
the experienced organisations of the kinds that go with its own (the last two terms only).

The weights (P, H, E, K) = (0.5, 0.5, 1, 0.25) were chosen on the health subset of H2020 on its years before 2018
only (learn before 2016 or 2017, predict the partners of the projects of 2016–2017); bench/partner_recommendation.py
measures them on the later projects, against the popularity baseline (`popular`).
"""

from __future__ import annotations

import datetime
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import networkx as nx

UNKNOWN = "unknown"
LIFT_PRIOR_PAIRS = 10.0  # M above
KIND_REASON_LIFT = 1.1  # a kind is said to go with the organisation's own from this lift up

# How a kind reads in a sentence; other kinds read as their name with "a" or "an".
KIND_WORDS = {
    "sme": "an SME",
    "large_enterprise": "a large enterprise",
    "industry": "a company",
    "research_centre": "a research centre",
    "public_body": "a public body",
    "patient_association": "a patient association",
    "cluster_organisation": "a cluster organisation",
    "training_body": "a training body",
    "other": "an organisation of another kind",
}


@dataclass(frozen=True)
class Participation:
    project: str
    organisation: str
    role: str = "partner"  # kept for the services that read it back; the score does not use it
    start: datetime.date | None = None


@dataclass(frozen=True)
class Weights:
    past_partner: float = 0.5  # P
    two_hop: float = 0.5  # H
    experience: float = 1.0  # E
    kind: float = 0.25  # K, an exponent: 0 leaves the kinds out


WEIGHTS = Weights()


@dataclass
class Recommendation:
    organisation: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class CollaborationHistory:
    graph: nx.Graph  # organisations; edge attribute "weight": the number of projects the two shared
    projects: dict[str, int]  # organisation -> number of projects
    kinds: dict[str, str]  # organisation -> kind, for the organisations given one
    kind_lift: dict[tuple[str, str], float]  # (kind, kind) -> lift, for every two kinds the history has seen
    kind_shares: dict[str, float]  # kind -> N(kind) / N: the chance that a partner in a project is of this kind
    ties: dict[str, dict[str, int]] = field(init=False)  # the graph's weights as plain dicts, fast to walk
    strength: dict[str, float] = field(init=False)  # s(p)
    experience: dict[str, float] = field(init=False)  # ln(1 + n(c))

    def __post_init__(self) -> None:
        self.ties = {a: {b: data["weight"] for b, data in around.items()} for a, around in self.graph.adjacency()}
        self.strength = {a: sum(around.values()) for a, around in self.ties.items()}
        self.experience = {c: math.log1p(n) for c, n in self.projects.items()}

    @classmethod
    def from_participations(cls, participations: Iterable[Participation], kinds: dict[str, str] | None = None,
                            before: datetime.date | None = None) -> CollaborationHistory:
        """The history of these participations; with `before`, only the projects known to start before that date (a
        project starts at the earliest start of its rows)."""
        kinds = dict(kinds or {})
        members: dict[str, set[str]] = defaultdict(set)
        starts: dict[str, datetime.date] = {}
        for p in participations:
            members[p.project].add(p.organisation)
            if p.start is not None and (p.project not in starts or p.start < starts[p.project]):
                starts[p.project] = p.start
        if before is not None:
            members = {ref: orgs for ref, orgs in members.items() if ref in starts and starts[ref] < before}
        projects: Counter[str] = Counter()
        shared: Counter[tuple[str, str]] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for orgs in members.values():
            ordered = sorted(orgs)
            projects.update(ordered)
            shared.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
            count = Counter(kinds.get(o, UNKNOWN) for o in orgs)
            for a, na in count.items():
                for b, nb in count.items():
                    pairs[a, b] += na * (na - 1) if a == b else na * nb
        graph = nx.Graph()
        graph.add_nodes_from(sorted(projects))
        graph.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(shared.items()))
        total = sum(pairs.values())
        seen: Counter[str] = Counter()  # N(a); N(a, b) = N(b, a), so N(a) counts both first and second members
        for (a, _), n in pairs.items():
            seen[a] += n
        lift = {(a, b): (pairs[a, b] + LIFT_PRIOR_PAIRS) / (seen[a] * seen[b] / total + LIFT_PRIOR_PAIRS)
                for a in seen for b in seen} if total else {}
        shares = {k: n / total for k, n in seen.items()} if total else {}
        return cls(graph, dict(projects), kinds, lift, shares)

    def kind_of(self, organisation: str) -> str:
        return self.kinds.get(organisation, UNKNOWN)

    def lift(self, kind: str, other: str) -> float:
        """How much more often than by chance kinds `kind` and `other` meet in a project (1 for a kind never seen)."""
        return self.kind_lift.get((kind, other), 1.0)


def _kind_words(kind: str) -> str:
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    words = kind.replace("_", " ")
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _ranked(scores: dict[str, float], top: int) -> list[tuple[str, float]]:
    """The `top` best (id, score) with a positive score, best first, ties by id."""
    if top <= 0:
        return []
    lowest = min(heapq.nlargest(top, scores.values()), default=0.0)
    best = [(c, s) for c, s in scores.items() if s >= lowest and s > 0]
    return sorted(best, key=lambda cs: (-cs[1], cs[0]))[:top]


def recommend(history: CollaborationHistory, organisation: str, top: int = 20, exclude: Collection[str] = (),
              kinds: Collection[str] | None = None, include_past_partners: bool = True, kind: str | None = None,
              weights: Weights = WEIGHTS) -> list[Recommendation]:
    """The best `top` partners for `organisation` by the score of the module's docstring, best first (ties by id),
    never itself nor one of `exclude`; only of `kinds` when given; without its past partners when
    `include_past_partners` is false. `kind`, when given, is the organisation's kind (for one the history does not
    know); otherwise the history's."""
    own_kind = kind or history.kind_of(organisation)
    direct = history.ties.get(organisation, {})
    two_hop: dict[str, float] = defaultdict(float)
    for p, w in direct.items():
        share = w / history.strength[p]
        for c, w_pc in history.ties[p].items():
            two_hop[c] += share * w_pc
    wanted = set(kinds) if kinds is not None else None
    skip = set(exclude) | {organisation}
    if not include_past_partners:
        skip |= set(direct)
    lifts: dict[str, float] = {}
    scores: dict[str, float] = {}
    for c, experience in history.experience.items():
        if c in skip:
            continue
        kind_c = history.kinds.get(c, UNKNOWN)
        if wanted is not None and kind_c not in wanted:
            continue
        if kind_c not in lifts:
            lifts[kind_c] = history.lift(own_kind, kind_c) ** weights.kind
        score = weights.experience * experience
        if c in two_hop:
            score += weights.two_hop * two_hop[c]
        if c in direct:
            score += weights.past_partner * math.log1p(direct[c])
        scores[c] = score * lifts[kind_c]
    partner_kinds = Counter(history.kind_of(p) for p in direct)
    result = []
    for c, score in _ranked(scores, top):
        reasons = []
        if c in direct:
            reasons.append(f"worked with you in {_plural(direct[c], 'project')}")
        through = len(direct.keys() & history.ties[c].keys())
        if through:
            reasons.append(f"worked with {through} of your past partners")
        kind_c = history.kind_of(c)
        if weights.kind and kind_c != UNKNOWN and history.lift(own_kind, kind_c) >= KIND_REASON_LIFT:
            if direct and partner_kinds[kind_c] / len(direct) >= history.kind_shares.get(kind_c, 1.0):
                reasons.append(f"{_kind_words(kind_c)}, a kind your consortia often include")
            elif own_kind != UNKNOWN:
                reasons.append(f"{_kind_words(kind_c)}, a kind often in consortia with {_kind_words(own_kind)}")
        reasons.append(f"in {_plural(history.projects[c], 'project')}")
        result.append(Recommendation(c, score, reasons))
    return result


def popular(history: CollaborationHistory, top: int = 20, exclude: Collection[str] = ()) -> list[Recommendation]:
    """The popularity baseline: the organisations in the most projects (ties by id)."""
    skip = set(exclude)
    counts = {c: float(n) for c, n in history.projects.items() if c not in skip}
    return [Recommendation(c, n, [f"in {_plural(int(n), 'project')}"]) for c, n in _ranked(counts, top)]
