"""The CP-SAT model: which meetings go in which slot and mode, in two lexicographic stages.

1. The most priority of scheduled meetings, warm-started by the local search's schedule (a full hint), which also
   gives the proven upper bound (the solver's best bound) and whether the result is optimal.
2. Keeping at least that priority, the fewest idle gaps: for each participant and slot, `before` and `after` say
   whether they have a meeting earlier / later in the session; an idle gap is a free slot with both.

Tables of one mode are interchangeable, so the model counts meetings per slot and mode against the number of
tables; tables are given afterwards (tables.py). The third objective, fewest table changes, is decided there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from filiera.events.scheduling.problem import AWAY, Problem, Schedule


@dataclass
class Outcome:
    slots: list[int]
    modes: list[int]
    upper_bound: int
    optimal: bool


class Model:
    def __init__(self, problem: Problem):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.by_meeting: list[list[tuple[int, int, int]]] = [[] for _ in problem.meeting_ids]
        self.by_person_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        p, model = problem, self.model
        by_slot_mode: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for m in range(len(p.meeting_ids)):
            if not p.schedulable(m):
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
            if p.lock_slot[m] >= 0:
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
    """CP-SAT from the local search's schedule `start`, within `seconds` in all."""
    deadline = time.perf_counter() + seconds
    workers = workers or max(2, os.cpu_count() or 2)
    model = Model(problem)
    model.hint(start)
    model.model.maximize(model.priority_expr)
    # Most of the time to the first objective; it stops early when it proves optimality.
    solver, status = model.solve(max(0.1, 0.7 * (deadline - time.perf_counter())), workers)
    start_priority = start.scheduled_priority()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value >= start_priority:
        slots, modes = model.read(solver)
        best = int(round(solver.objective_value))
    else:
        slots, modes, best = list(start.slot), list(start.mode), start_priority
    bound = int(solver.best_objective_bound + 1e-6) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    if bound is None or bound < best:
        bound = trivial_bound(problem)
    optimal = best >= bound
    remaining = deadline - time.perf_counter()
    if remaining > 0.5:
        current = Schedule(problem)
        current.copy_from(slots, modes)
        gaps_now = current.gaps()
        if gaps_now:
            model.model.add(model.priority_expr >= best)
            gap_vars, gap_hints = model.gap_terms(current)
            model.model.clear_objective()
            model.model.minimize(sum(gap_vars))
            model.hint(current, gap_hints)
            solver, status = model.solve(deadline - time.perf_counter(), workers)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                candidate_slots, candidate_modes = model.read(solver)
                candidate = Schedule(problem)
                candidate.copy_from(candidate_slots, candidate_modes)
                if candidate.scheduled_priority() >= best and candidate.gaps() < gaps_now:
                    slots, modes = candidate_slots, candidate_modes
    return Outcome(slots, modes, bound, optimal)


def trivial_bound(problem: Problem) -> int:
    """An upper bound without a solver: the most valuable schedulable meetings that the tables can hold."""
    seats = sum(problem.capacity) * problem.slot_count
    values = sorted((problem.priority[m] for m in range(len(problem.meeting_ids)) if problem.schedulable(m)),
                    reverse=True)
    return sum(values[:seats])
