"""The consortium builder: a pure engine (no Django). Given what a call needs (concepts with weights), candidate
organisations (competences, kind, country, fit from the matching engine), past collaboration ties and the call's
rules, `build` returns the best few alternative consortia, each meeting every rule, with its coverage, fit, ties and
the rules it meets explained, and whether it is proven optimal. OR-Tools (SCIP, or CP-SAT on the same model)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

COVERAGE_POINTS = 10_000  # all the needs covered; shared among the needs by weight
FIT_POINTS = 100  # a member of fit 1.0
TIE_POINTS = 50  # a member who has worked with another member before (a tie of weight > 0)


@dataclass(frozen=True)
class Need:
    concept: str
    weight: float = 1.0


@dataclass(frozen=True)
class Candidate:
    id: str
    kind: str  # sme, large_company, university, research_centre, hospital, public_authority, …
    country: str
    competences: frozenset[str] = frozenset()
    fit: float = 0.0  # 0..1, from the matching engine


@dataclass(frozen=True)
class Tie:
    a: str
    b: str
    weight: float = 1.0  # e.g. projects done together, scaled to 0..1


@dataclass(frozen=True)
class Rules:
    min_size: int = 3
    max_size: int = 8
    min_countries: int = 1
    max_per_country: int | None = None
    required_kinds: dict[str, int] = field(default_factory=dict)  # kind -> at least this many
    must_include: frozenset[str] = frozenset()  # e.g. the coordinator
    exclude: frozenset[str] = frozenset()


@dataclass
class Problem:
    needs: list[Need]
    candidates: list[Candidate]
    ties: list[Tie] = field(default_factory=list)
    rules: Rules = field(default_factory=Rules)


@dataclass
class Consortium:
    members: list[str]
    score: int
    coverage: float  # 0..1: the weighted share of the needs some member covers
    covered: list[str]
    missing: list[str]
    fit: float  # mean fit of the members
    ties: list[tuple[str, str]]  # pairs of members who worked together
    rules_met: list[str]  # each rule, said in words
    optimal: bool  # no consortium (differing as asked from the ones before) scores more
    bound: int  # the best score any such consortium could reach


class InvalidProblem(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def problems_of(problem: Problem) -> list[str]:
    """Every reason the problem cannot be solved as given."""
    found = []
    ids = [c.id for c in problem.candidates]
    known = set(ids)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        found.append(f"candidates: ids used more than once: {', '.join(repeated)}")
    r = problem.rules
    if r.min_size < 1 or r.max_size < r.min_size:
        found.append(f"rules: size {r.min_size}–{r.max_size} is not a range of at least one member")
    for name, ids_ in (("must_include", r.must_include), ("exclude", r.exclude)):
        unknown = sorted(set(ids_) - known)
        if unknown:
            found.append(f"rules.{name}: unknown candidates {', '.join(unknown)}")
    both = sorted(set(r.must_include) & set(r.exclude))
    if both:
        found.append(f"rules: both included and excluded: {', '.join(both)}")
    if len(r.must_include) > r.max_size:
        found.append(f"rules: {len(r.must_include)} must be included but at most {r.max_size} may take part")
    if sum(r.required_kinds.values()) > r.max_size:
        found.append(f"rules: the required kinds need {sum(r.required_kinds.values())} members, more than "
                     f"{r.max_size}")
    for i, tie in enumerate(problem.ties):
        unknown = sorted({tie.a, tie.b} - known)
        if unknown:
            found.append(f"ties[{i}]: unknown candidates {', '.join(unknown)}")
    for i, need in enumerate(problem.needs):
        if need.weight <= 0:
            found.append(f"needs[{i}]: weight of {need.concept!r} must be positive")
    return found


def _points(problem: Problem):
    total = sum(n.weight for n in problem.needs) or 1.0
    cover = {n.concept: round(COVERAGE_POINTS * n.weight / total) for n in problem.needs}
    fit = {c.id: round(FIT_POINTS * max(0.0, min(1.0, c.fit))) for c in problem.candidates}
    neighbours: dict[str, set[str]] = {}
    for tie in problem.ties:
        if tie.a != tie.b and tie.weight > 0:
            neighbours.setdefault(tie.a, set()).add(tie.b)
            neighbours.setdefault(tie.b, set()).add(tie.a)
    return cover, fit, neighbours


def score_of(problem: Problem, members) -> int:
    """The score `build` maximises, of any set of members: coverage points, then fit, then ties."""
    cover, fit, neighbours = _points(problem)
    by_id = {c.id: c for c in problem.candidates}
    chosen = set(members)
    covered = {n.concept for n in problem.needs if any(n.concept in by_id[m].competences for m in chosen)}
    tied = sum(1 for m in chosen if neighbours.get(m, set()) & (chosen - {m}))
    return sum(cover[c] for c in covered) + sum(fit[m] for m in chosen) + TIE_POINTS * tied


def build(problem: Problem, alternatives: int = 3, time_limit: float = 5.0, workers: int | None = None,
          min_difference: int = 1, backend: str = "SCIP") -> list[Consortium]:
    """Up to `alternatives` consortia, best first; each differs from the ones before by at least `min_difference`
    members. Fewer when no other consortium meets the rules. Raises InvalidProblem.

    The model is linear in Booleans: OR-Tools' MIP solver SCIP proves the optimum of the benchmark's 300 candidates in
    a few hundredths of a second, where CP-SAT on 2 cores neither finds it nor closes its bound within 5 s (see
    docs/benchmarks.md); `backend="CP_SAT"` runs the same model on CP-SAT, and serves when SCIP is missing."""
    found = problems_of(problem)
    if found:
        raise InvalidProblem(found)
    deadline = time.perf_counter() + time_limit
    solver = pywraplp.Solver.CreateSolver(backend) or pywraplp.Solver.CreateSolver("CP_SAT")
    if workers:
        solver.SetNumThreads(workers)
    r = problem.rules
    cover, fit_points, neighbours = _points(problem)
    allowed = [c for c in problem.candidates if c.id not in r.exclude]
    x = {c.id: solver.BoolVar(c.id) for c in allowed}
    for cid in r.must_include:
        solver.Add(x[cid] == 1)
    solver.Add(solver.Sum(x.values()) >= r.min_size)
    solver.Add(solver.Sum(x.values()) <= r.max_size)
    for kind, count in r.required_kinds.items():
        solver.Add(solver.Sum([x[c.id] for c in allowed if c.kind == kind]) >= count)
    present = []
    for country in sorted({c.country for c in allowed}):
        members = [x[c.id] for c in allowed if c.country == country]
        y = solver.BoolVar(f"country {country}")
        solver.Add(y <= solver.Sum(members))
        present.append(y)
        if r.max_per_country is not None:
            solver.Add(solver.Sum(members) <= r.max_per_country)
    solver.Add(solver.Sum(present) >= r.min_countries)
    terms = []
    for need in problem.needs:
        z = solver.BoolVar(f"covers {need.concept}")
        solver.Add(z <= solver.Sum([x[c.id] for c in allowed if need.concept in c.competences]))
        terms.append(cover[need.concept] * z)
    terms += [fit_points[cid] * v for cid, v in x.items()]
    # A member counts as tied when one of its past partners is in the consortium too.
    for cid, others in neighbours.items():
        partners = [x[o] for o in others if o in x]
        if cid in x and partners:
            t = solver.BoolVar(f"tied {cid}")
            solver.Add(t <= x[cid])
            solver.Add(t <= solver.Sum(partners))
            terms.append(TIE_POINTS * t)
    solver.Maximize(solver.Sum(terms))
    exact = pywraplp.MPSolverParameters()  # scores are whole numbers: "optimal" means no point short
    exact.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    results: list[Consortium] = []
    for _ in range(alternatives):
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        solver.SetTimeLimit(max(1, int(remaining * 1000)))
        status = solver.Solve(exact)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            break
        members = sorted(cid for cid, v in x.items() if v.solution_value() > 0.5)
        score = score_of(problem, members)
        bound = int(solver.Objective().BestBound() + 1e-6) if status == pywraplp.Solver.FEASIBLE else score
        results.append(_describe(problem, members, score, bound, status == pywraplp.Solver.OPTIMAL))
        # The next one must differ: drop at least `min_difference` of these members.
        solver.Add(solver.Sum([x[cid] for cid in members]) <= len(members) - min_difference)
    return results


def _describe(problem: Problem, members: list[str], score: int, bound: int, optimal: bool) -> Consortium:
    by_id = {c.id: c for c in problem.candidates}
    chosen = [by_id[m] for m in members]
    r = problem.rules
    total = sum(n.weight for n in problem.needs) or 1.0
    covered = [n.concept for n in problem.needs if any(n.concept in c.competences for c in chosen)]
    missing = [n.concept for n in problem.needs if n.concept not in covered]
    coverage = sum(n.weight for n in problem.needs if n.concept in covered) / total if problem.needs else 1.0
    tied = sorted({tuple(sorted((t.a, t.b))) for t in problem.ties if t.a in members and t.b in members
                   and t.a != t.b})
    countries = sorted({c.country for c in chosen})
    rules = [f"{len(members)} members (between {r.min_size} and {r.max_size})",
             f"{len(countries)} countries: {', '.join(countries)} (at least {r.min_countries})"]
    if r.max_per_country is not None:
        rules.append(f"at most {r.max_per_country} from one country")
    for kind, count in sorted(r.required_kinds.items()):
        have = [c.id for c in chosen if c.kind == kind]
        rules.append(f"{len(have)} {kind} (at least {count}): {', '.join(have)}")
    for cid in sorted(r.must_include):
        rules.append(f"{cid} included, as required")
    if r.exclude:
        rules.append(f"none of the {len(r.exclude)} excluded")
    return Consortium(members=members, score=score, coverage=round(coverage, 4), covered=covered, missing=missing,
                      fit=round(sum(c.fit for c in chosen) / len(chosen), 4) if chosen else 0.0, ties=tied,
                      rules_met=rules, optimal=optimal, bound=max(bound, score))


def meets_rules(problem: Problem, members: list[str]) -> list[str]:
    """The rules a set of members breaks (empty: it meets them all), checked from the problem alone."""
    by_id = {c.id: c for c in problem.candidates}
    r = problem.rules
    broken = []
    chosen = [by_id[m] for m in members if m in by_id]
    if len(chosen) != len(members) or len(set(members)) != len(members):
        broken.append("unknown or repeated members")
    if not r.min_size <= len(members) <= r.max_size:
        broken.append("size")
    countries = [c.country for c in chosen]
    if len(set(countries)) < r.min_countries:
        broken.append("countries")
    if r.max_per_country is not None and any(countries.count(k) > r.max_per_country for k in set(countries)):
        broken.append("per country")
    for kind, count in r.required_kinds.items():
        if sum(1 for c in chosen if c.kind == kind) < count:
            broken.append(f"kind {kind}")
    if not set(r.must_include) <= set(members):
        broken.append("must include")
    if set(r.exclude) & set(members):
        broken.append("exclude")
    return broken
