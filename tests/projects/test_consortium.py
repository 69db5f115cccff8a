"""The consortium builder (a pure engine): the best consortium on instances whose answer is known, every rule on
random instances (hypothesis), the score proven optimal against brute force on small ones, alternatives that
differ, and every problem of an invalid input reported at once."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiera.projects.consortium import (
    Candidate,
    InvalidProblem,
    Need,
    Problem,
    Rules,
    Tie,
    build,
    meets_rules,
    problems_of,
    score_of,
)


def call_problem(**rules) -> Problem:
    needs = [Need("telemedicine", 2), Need("fall-detection"), Need("clinical-validation"), Need("ethics")]
    candidates = [
        Candidate("coordinator", "university", "IT", frozenset({"ethics"}), 0.9),
        Candidate("sensors", "sme", "DK", frozenset({"fall-detection", "telemedicine"}), 0.8),
        Candidate("hospital", "hospital", "ES", frozenset({"clinical-validation"}), 0.7),
        Candidate("big", "large_company", "IT", frozenset({"telemedicine"}), 0.95),
        Candidate("weak", "sme", "DE", frozenset(), 0.1),
    ]
    return Problem(needs, candidates, [Tie("coordinator", "hospital", 1.0)], Rules(**rules))


def test_the_best_consortium_covers_the_call_and_says_which_rules_it_meets():
    best, *others = build(call_problem(min_size=3, max_size=3, min_countries=3, required_kinds={"sme": 1},
                                       must_include=frozenset({"coordinator"})), alternatives=3, time_limit=5)
    assert best.members == ["coordinator", "hospital", "sensors"]
    assert (best.coverage, best.missing, best.optimal) == (1.0, [], True)
    assert best.ties == [("coordinator", "hospital")]
    assert best.rules_met == ["3 members (between 3 and 3)", "3 countries: DK, ES, IT (at least 3)",
                              "1 sme (at least 1): sensors", "coordinator included, as required"]
    for other in others:  # alternatives differ, and are no better
        assert other.members != best.members and other.score <= best.score
        assert not meets_rules(call_problem(min_size=3, max_size=3, min_countries=3, required_kinds={"sme": 1},
                                            must_include=frozenset({"coordinator"})), other.members)


def test_rules_that_cannot_be_met_give_no_consortium():
    assert build(call_problem(min_size=2, max_size=3, min_countries=5)) == []


def test_every_problem_of_an_invalid_input_is_reported():
    problem = call_problem(min_size=4, max_size=2, must_include=frozenset({"ghost", "big"}),
                           exclude=frozenset({"big"}), required_kinds={"sme": 9})
    problem.candidates.append(Candidate("big", "sme", "IT"))
    problem.ties.append(Tie("coordinator", "nobody"))
    with pytest.raises(InvalidProblem) as refused:
        build(problem)
    text = "\n".join(refused.value.problems)
    for expected in ("ids used more than once: big", "size 4–2", "unknown candidates ghost",
                     "both included and excluded: big", "need 9 members", "ties[1]: unknown candidates nobody"):
        assert expected in text


@st.composite
def problems(draw, max_candidates: int = 9):
    rng = random.Random(draw(st.integers(0, 10_000)))
    concepts = [f"c{i}" for i in range(draw(st.integers(1, 6)))]
    kinds, countries = ["sme", "university", "hospital"], ["IT", "DK", "ES", "DE"]
    candidates = [Candidate(f"o{i}", rng.choice(kinds), rng.choice(countries),
                            frozenset(rng.sample(concepts, rng.randint(0, min(3, len(concepts))))),
                            round(rng.random(), 2)) for i in range(draw(st.integers(2, max_candidates)))]
    ids = [c.id for c in candidates]
    ties = [Tie(*rng.sample(ids, 2), round(rng.random(), 2)) for _ in range(rng.randint(0, 4))]
    low = draw(st.integers(1, 3))
    must = frozenset(rng.sample(ids, draw(st.integers(0, 1))))
    exclude = frozenset(rng.sample([i for i in ids if i not in must], draw(st.integers(0, 1))))
    rules = Rules(min_size=low, max_size=low + draw(st.integers(0, 3)), min_countries=draw(st.integers(1, 3)),
                  max_per_country=draw(st.sampled_from([None, 1, 2])),
                  required_kinds={k: 1 for k in draw(st.sets(st.sampled_from(kinds), max_size=2))},
                  must_include=must, exclude=exclude)
    needs = [Need(c, round(rng.uniform(0.5, 3), 2)) for c in concepts]
    return Problem(needs, candidates, ties, rules)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_every_consortium_meets_every_rule_and_the_best_is_the_best(problem):
    if problems_of(problem):  # e.g. more required kinds than seats: refused with the reasons
        with pytest.raises(InvalidProblem):
            build(problem)
        return
    found = build(problem, alternatives=3, time_limit=5, workers=1)
    ids = [c.id for c in problem.candidates]
    feasible = [set(m) for k in range(problem.rules.min_size, problem.rules.max_size + 1)
                for m in itertools.combinations(ids, k) if not meets_rules(problem, list(m))]
    if not feasible:
        assert found == []
        return
    assert found, "a consortium meets the rules but none was returned"
    for consortium in found:
        assert meets_rules(problem, consortium.members) == []
        assert consortium.score == score_of(problem, consortium.members)
    assert found[0].optimal and found[0].score == max(score_of(problem, m) for m in feasible)
    assert len({tuple(c.members) for c in found}) == len(found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
