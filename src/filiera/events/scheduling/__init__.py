"""The B2B meeting scheduler: a pure engine (no Django). `solve(instance)` places requested meetings into slots and
tables: the most priority first, then the fewest idle gaps, then the fewest table changes; CP-SAT warm-started by a
greedy with local search, which also serves alone (`use_solver=False`). `first_come(instance)` is the baseline
that the common brokerage tools give organisers. Formats: docs/scheduling.md."""

from __future__ import annotations

import time

from filiera.events.scheduling.instance import (
    Assignment,
    Figures,
    Instance,
    InvalidInstance,
    Lock,
    Meeting,
    Participant,
    Result,
    Slot,
    Table,
    instance_to_json,
    parse_instance,
    problems_of,
)
from filiera.events.scheduling.problem import Problem, Schedule, compile_problem
from filiera.events.scheduling.search import first_come_earliest_slot, local_search
from filiera.events.scheduling.solver import optimise, trivial_bound
from filiera.events.scheduling.tables import assign_tables, assignments, table_changes, violations

__all__ = ["Assignment", "Figures", "Instance", "InvalidInstance", "Lock", "Meeting", "Participant", "Result", "Slot",
           "Table", "first_come", "instance_to_json", "parse_instance", "problems_of", "solve", "violations"]


def solve(instance: Instance, time_limit: float = 30.0, use_solver: bool = True, workers: int | None = None) -> Result:
    """The best schedule found within `time_limit` seconds. Raises InvalidInstance for an inconsistent instance."""
    found = problems_of(instance)
    if found:
        raise InvalidInstance(found)
    started = time.perf_counter()
    problem = compile_problem(instance)
    # The local search gets a tenth of the time (it usually ends sooner); CP-SAT the rest.
    # What follows the search (tables, figures) gets a small share of the time.
    finish = started + time_limit - min(2.0, 0.02 * time_limit)
    schedule = local_search(problem, time_limit if not use_solver else max(0.5, min(0.1 * time_limit, 10.0)))
    if use_solver and problem.meeting_ids:
        outcome = optimise(problem, schedule, finish - time.perf_counter(), workers)
        schedule.copy_from(outcome.slots, outcome.modes)
        bound, optimal, method = outcome.upper_bound, outcome.optimal, "cp-sat"
    else:
        bound = trivial_bound(problem)
        optimal, method = schedule.scheduled_priority() >= bound, "greedy+local-search"
    return _result(problem, schedule, bound, optimal, method, started)


def first_come(instance: Instance) -> Result:
    """The baseline: requests booked as they come, each in the earliest possible slot."""
    found = problems_of(instance)
    if found:
        raise InvalidInstance(found)
    started = time.perf_counter()
    problem = compile_problem(instance)
    schedule = first_come_earliest_slot(problem)
    bound = trivial_bound(problem)
    return _result(problem, schedule, bound, schedule.scheduled_priority() >= bound, "first-come", started)


def _result(problem: Problem, schedule: Schedule, bound: int, optimal: bool, method: str, started: float) -> Result:
    table = assign_tables(schedule)
    placed = assignments(problem, schedule, table)
    unscheduled = [problem.meeting_ids[m] for m, t in enumerate(schedule.slot) if t < 0]
    figures = Figures(meetings=len(problem.meeting_ids), scheduled=len(placed),
                      scheduled_priority=schedule.scheduled_priority(), upper_bound=bound,
                      idle_gaps=schedule.gaps(), table_changes=table_changes(problem, schedule, table),
                      solve_seconds=time.perf_counter() - started, optimal=optimal, method=method)
    return Result(placed, unscheduled, figures)
