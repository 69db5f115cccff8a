"""Consortium builder benchmark: 300 candidate organisations and 12 required concepts, as in the projects issue.
Target: the best consortium in under 5 s on 2 cores, proven optimal or within 1 % of the bound. A greedy baseline
(add the partner that raises the score most, fixing a missing kind or country first, as a person filling a partner
table would) and the same model on CP-SAT run on the same instance.

Candidates are generated (seeded): 40 concepts, kinds and countries in the proportions of EU health consortia, two
to six competences each, a fit in the matching engine's range, 600 past-collaboration ties. Rules: 5 to 10 members,
at least 3 countries and at most 3 from one, at least one SME and one hospital, the coordinator included.

Usage: .venv/bin/python bench/consortium.py [--seeds 3] [--candidates 300] [--needs 12]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from filiera.projects.consortium import (  # noqa: E402
    Candidate,
    Need,
    Problem,
    Rules,
    Tie,
    build,
    meets_rules,
    score_of,
)

KINDS = [("sme", 0.35), ("university", 0.25), ("research_centre", 0.15), ("hospital", 0.12),
         ("large_company", 0.08), ("public_authority", 0.05)]
COUNTRIES = ["IT", "DE", "ES", "FR", "DK", "NL", "BE", "SE", "PL", "PT", "AT", "FI"]


def generate(candidates: int, needs: int, seed: int) -> Problem:
    rng = random.Random(seed)
    concepts = [f"concept-{i}" for i in range(40)]
    wanted = rng.sample(concepts, needs)
    kinds, weights = zip(*KINDS, strict=True)
    people = [Candidate(f"org{i}", rng.choices(kinds, weights)[0], rng.choice(COUNTRIES),
                        frozenset(rng.sample(concepts, rng.randint(2, 6))), round(rng.betavariate(2, 3), 3))
              for i in range(candidates)]
    ids = [c.id for c in people]
    ties = [Tie(*rng.sample(ids, 2), round(rng.random(), 2)) for _ in range(600)]
    rules = Rules(min_size=5, max_size=10, min_countries=3, max_per_country=3,
                  required_kinds={"sme": 1, "hospital": 1}, must_include=frozenset({"org0"}))
    return Problem([Need(c, rng.choice([1.0, 1.0, 2.0])) for c in wanted], people, ties, rules)


def greedy(problem: Problem) -> list[str]:
    r = problem.rules
    by_id = {c.id: c for c in problem.candidates}
    members = sorted(r.must_include)
    pool = [c for c in problem.candidates if c.id not in r.exclude and c.id not in members]
    while len(members) < r.max_size and pool:
        countries = [by_id[m].country for m in members]
        options = [c for c in pool if r.max_per_country is None or countries.count(c.country) < r.max_per_country]
        short = [k for k, n in r.required_kinds.items() if sum(1 for m in members if by_id[m].kind == k) < n]
        if short:
            options = [c for c in options if c.kind in short] or options
        elif len(set(countries)) < r.min_countries:
            options = [c for c in options if c.country not in countries] or options
        if not options:
            break
        now = score_of(problem, members)
        best = max(options, key=lambda c: score_of(problem, members + [c.id]))
        if not meets_rules(problem, members) and score_of(problem, members + [best.id]) <= now:
            break
        if not meets_rules(problem, members) == [] or score_of(problem, members + [best.id]) > now:
            members.append(best.id)
            pool.remove(best)
        else:
            break
    return members


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--needs", type=int, default=12)
    args = parser.parse_args()
    import ortools

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"Machine: {cpu} · {os.cpu_count()} cores · Python {platform.python_version()} · OR-Tools "
          f"{ortools.__version__}\n")
    print("| seed | method | members | score (share of bound) | coverage | rules met | seconds | proven optimal "
          "| target met |")
    print("| ---: | --- | ---: | ---: | ---: | :---: | ---: | :---: | :---: |")
    all_met = True
    for seed in range(1, args.seeds + 1):
        problem = generate(args.candidates, args.needs, seed)
        started = time.perf_counter()
        base = greedy(problem)
        base_s = time.perf_counter() - started
        started = time.perf_counter()
        (best,) = build(problem, alternatives=1, time_limit=5.0)
        best_s = time.perf_counter() - started
        started = time.perf_counter()
        (cp,) = build(problem, alternatives=1, time_limit=5.0, backend="CP_SAT")
        cp_s = time.perf_counter() - started
        base_score = score_of(problem, base)
        covered = {n.concept for n in problem.needs
                   if any(n.concept in c.competences for c in problem.candidates if c.id in base)}
        base_cov = sum(n.weight for n in problem.needs if n.concept in covered) / sum(n.weight for n in problem.needs)
        met = best_s < 5 and (best.optimal or best.score >= 0.99 * best.bound) and not meets_rules(problem,
                                                                                                   best.members)
        all_met &= met
        print(f"| {seed} | greedy baseline | {len(base)} | {base_score} ({base_score / best.bound:.2%}) | "
              f"{base_cov:.0%} | {'yes' if not meets_rules(problem, base) else 'no'} | {base_s:.2f} | | |")
        print(f"| {seed} | same model on CP-SAT | {len(cp.members)} | {cp.score} ({cp.score / best.bound:.2%}) | "
              f"{cp.coverage:.0%} | {'yes' if not meets_rules(problem, cp.members) else 'no'} | {cp_s:.2f} | "
              f"{'yes' if cp.optimal else 'no'} | |")
        print(f"| {seed} | Filiera (SCIP) | {len(best.members)} | {best.score} ({best.score / best.bound:.2%}) | "
              f"{best.coverage:.0%} | {'yes' if not meets_rules(problem, best.members) else 'no'} | {best_s:.2f} | "
              f"{'yes' if best.optimal else 'no'} | {'yes' if met else '**no**'} |")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
