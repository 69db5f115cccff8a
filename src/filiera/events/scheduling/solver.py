"""The CP-SAT model: which meetings go in which slot and mode, in two lexicographic stages (see optimise).

1. The most priority of scheduled meetings. The selection relaxation (selection.py) gives the proven upper bound
   and the meetings to aim for; CP-SAT places exactly those (warm-started by the local search's schedule, a full
   hint), which proves the schedule optimal, else maximises priority on the full model under that bound.
2. Keeping that priority, the fewest idle gaps: swaps, then CP-SAT over the scheduled meetings, where for each
   participant and slot `before` and `after` say whether they have a meeting earlier / later in the session; an
   idle gap is a free slot with both.

Tables of one mode are interchangeable, so the model counts meetings per slot and mode against the number of
tables; tables are given afterwards (tables.py). The third objective, fewest table changes, is decided there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from filiera.events.scheduling.problem import AWAY, Problem, Schedule
from filiera.events.scheduling.search import improve_gaps, improve_gaps_by_swaps
from filiera.events.scheduling.selection import select


@dataclass
class Outcome:
    slots: list[int]
    modes: list[int]
    upper_bound: int
    optimal: bool


class Model:
    def __init__(self, problem: Problem, only: set[int] | None = None, exact: bool = False):
        """The model over every schedulable meeting, or over the meetings `only` (the others stay unscheduled);
        `exact`: each of them must be scheduled."""
        self.problem = problem
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.by_meeting: list[list[tuple[int, int, int]]] = [[] for _ in problem.meeting_ids]
        self.by_person_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        p, model = problem, self.model
        by_slot_mode: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for m in range(len(p.meeting_ids)):
            if not p.schedulable(m) or (only is not None and m not in only):
                continue
            slots = (p.lock_slot[m],) if p.lock_slot[m] >= 0 else p.options[m]
            for t in slots:
                for k in p.modes[m]:
                    var = model.new_bool_var("")
                    self.x[m, t, k] = var
                    self.by_meeting[m].append((m, t, k))
                    by_slot_mode.setdefault((t, k), []).append(var)
                    for q in p.people[m]:
                        self.by_person_slot.setdefault((q, t), []).append(var)
            chosen = [self.x[key] for key in self.by_meeting[m]]
            if p.lock_slot[m] >= 0 or exact:
                model.add_exactly_one(chosen)
            elif len(chosen) > 1:
                model.add_at_most_one(chosen)
        for vars_ in self.by_person_slot.values():
            if len(vars_) > 1:
                model.add_at_most_one(vars_)
        for (_, k), vars_ in by_slot_mode.items():
            if len(vars_) > p.capacity[k]:
                model.add(sum(vars_) <= p.capacity[k])
        for q, meetings in enumerate(p.meetings_of):
            if p.limit[q] < len(meetings):
                model.add(sum(self.x[key] for m in meetings for key in self.by_meeting[m]) <= p.limit[q])
        self.keys = list(self.x)
        self.vars = [self.x[key] for key in self.keys]
        self.priority_expr = cp_model.LinearExpr.weighted_sum(self.vars, [p.priority[m] for m, _, _ in self.keys])

    def hint(self, schedule: Schedule, extra: dict | None = None) -> None:
        self.model.clear_hints()
        for (m, t, k), var in zip(self.keys, self.vars, strict=True):
            self.model.add_hint(var, schedule.slot[m] == t and schedule.mode[m] == k)
        for var, value in (extra or {}).items():
            self.model.add_hint(var, value)

    def solve(self, seconds: float, workers: int) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, seconds)
        solver.parameters.num_workers = workers
        status = solver.solve(self.model)
        return solver, status

    def read(self, solver: cp_model.CpSolver) -> tuple[list[int], list[int]]:
        values = solver.response_proto.solution
        slots, modes = [-1] * len(self.problem.meeting_ids), [-1] * len(self.problem.meeting_ids)
        for (m, t, k), var in zip(self.keys, self.vars, strict=True):
            if values[var.index]:
                slots[m], modes[m] = t, k
        return slots, modes

    def gap_terms(self, schedule: Schedule) -> tuple[list[cp_model.IntVar], dict]:
        """Idle-gap indicators for every participant with two meetings or more, and their values in `schedule`
        (for the hint)."""
        p, model = self.problem, self.model
        gaps, hints = [], {}
        for q, meetings in enumerate(p.meetings_of):
            if sum(1 for m in meetings if self.by_meeting[m]) < 2:
                continue
            day = schedule.day[q]
            for a, b in p.sessions:
                # Every slot where q is available counts, also those none of q's meetings can use (they can be
                # idle gaps too); unavailable slots are skipped, as in Schedule.gaps_of.
                slots = [t for t in range(a, b) if p.away[q][t] != AWAY]
                if len(slots) < 3:
                    continue
                busy = {t: sum(self.by_person_slot.get((q, t), [])) for t in slots}
                before, after = {}, {}
                for i, t in enumerate(slots[1:], 1):
                    var = model.new_bool_var("")
                    model.add(var >= busy[slots[i - 1]])
                    if i > 1:
                        model.add(var >= before[slots[i - 1]])
                    before[t] = var
                    hints[var] = any(day[s] == 1 for s in slots[:i])
                for i in range(len(slots) - 2, -1, -1):
                    t = slots[i]
                    var = model.new_bool_var("")
                    model.add(var >= busy[slots[i + 1]])
                    if i < len(slots) - 2:
                        model.add(var >= after[slots[i + 1]])
                    after[t] = var
                    hints[var] = any(day[s] == 1 for s in slots[i + 1:])
                for t in slots[1:-1]:
                    gap = model.new_bool_var("")
                    model.add(gap >= before[t] + after[t] - busy[t] - 1)
                    gaps.append(gap)
                    hints[gap] = bool(hints[before[t]] and hints[after[t]] and day[t] != 1)
        return gaps, hints


def optimise(problem: Problem, start: Schedule, seconds: float, workers: int | None = None) -> Outcome:
    """From the local search's schedule `start`, within `seconds` in all:
    1. the selection relaxation (selection.py) gives the upper bound and the meetings to aim for;
    2. unless `start` already reaches the bound, CP-SAT places exactly those meetings (a small, tight model: when it
       succeeds the schedule is proven optimal), else maximises priority on the full model under the bound;
    3. keeping that priority, idle gaps go down by swaps (search.improve_gaps_by_swaps), then by CP-SAT over the
       scheduled meetings, warm-started by the swaps' schedule."""
    deadline = time.perf_counter() + seconds
    workers = workers or max(2, os.cpu_count() or 2)
    chosen = select(problem, min(10.0, 0.2 * seconds), workers)
    bound = min(chosen.bound, trivial_bound(problem))
    best = Schedule(problem)
    best.copy_from(start.slot, start.mode)
    if best.scheduled_priority() < bound and chosen.chosen:
        model = Model(problem, only=chosen.chosen, exact=True)
        model.hint(best)
        solver, status = model.solve(0.5 * (deadline - time.perf_counter()), workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            _take(best, *model.read(solver))
    if best.scheduled_priority() < bound and deadline - time.perf_counter() > 1:
        model = Model(problem)
        model.hint(best)
        model.model.add(model.priority_expr <= bound)
        model.model.maximize(model.priority_expr)
        solver, status = model.solve(0.6 * (deadline - time.perf_counter()), workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver.objective_value > best.scheduled_priority():
                _take(best, *model.read(solver))
            bound = min(bound, int(solver.best_objective_bound + 1e-6))
    optimal = best.scheduled_priority() >= bound
    # Fewer idle gaps, the priority kept: swaps first (seconds), then the solver on the scheduled meetings.
    improve_gaps_by_swaps(best, deadline - 0.5 * (deadline - time.perf_counter()))
    improve_gaps(best, deadline - 0.5 * (deadline - time.perf_counter()))
    gaps_now = best.gaps()
    if gaps_now and deadline - time.perf_counter() > 1:
        scheduled = {m for m, t in enumerate(best.slot) if t >= 0}
        model = Model(problem, only=scheduled, exact=True)
        gap_vars, gap_hints = model.gap_terms(best)
        model.model.minimize(sum(gap_vars))
        model.hint(best, gap_hints)
        solver, status = model.solve(deadline - time.perf_counter(), workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = Schedule(problem)
            candidate.copy_from(*model.read(solver))
            if candidate.scheduled_priority() >= best.scheduled_priority() and candidate.gaps() < gaps_now:
                best = candidate
    return Outcome(list(best.slot), list(best.mode), max(bound, best.scheduled_priority()), optimal)


def _take(schedule: Schedule, slots: list[int], modes: list[int]) -> None:
    """Replaces `schedule` by the solver's one when it is worth more."""
    candidate = Schedule(schedule.problem)
    candidate.copy_from(slots, modes)
    if candidate.scheduled_priority() > schedule.scheduled_priority():
        schedule.copy_from(slots, modes)


def trivial_bound(problem: Problem) -> int:
    """An upper bound without a solver: the most valuable schedulable meetings that the tables can hold."""
    seats = sum(problem.capacity) * problem.slot_count
    values = sorted((problem.priority[m] for m in range(len(problem.meeting_ids)) if problem.schedulable(m)),
                    reverse=True)
    return sum(values[:seats])
