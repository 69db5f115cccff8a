"""Which meetings to schedule, slots set aside: a relaxation that gives a strong upper bound and a target set.

Forget which slot each meeting takes and keep only what any schedule must respect in total: a participant meets at
most as many times as they have available slots (and at most their limit); each mode holds at most its tables times
the number of slots; a meeting takes one of its modes; locked meetings are in. The most priority under these rules
bounds every schedule's priority, far more tightly than the full model's own bound on large instances (CP-SAT
rarely closes its relaxation there), and the meetings it picks are nearly always all schedulable: then the
schedule is proven optimal as soon as it is found.

A degree-constrained selection (a b-matching when meetings are pairs): its linear relaxation is nearly integral,
so a MIP solver (SCIP, shipped in OR-Tools) solves it in a fraction of a second at the benchmark's sizes; the same
model runs on CP-SAT when SCIP is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from filiera.events.scheduling.problem import AWAY, Problem


@dataclass
class Selection:
    bound: int  # no schedule has more priority
    chosen: set[int]  # the meetings of the relaxation's best answer (empty when none was found)
    optimal: bool  # whether `chosen` is the relaxation's optimum (its priority is then the bound)


def rooms(problem: Problem) -> list[int]:
    """How many meetings each participant can have at most: their available slots, or their limit."""
    p = problem
    return [min(p.limit[q], sum(1 for t in range(p.slot_count) if p.away[q][t] != AWAY))
            for q in range(len(p.participant_ids))]


def select(problem: Problem, seconds: float, workers: int = 2, backend: str = "SCIP") -> Selection:
    """The relaxation's optimum (or best bound within `seconds`), on SCIP or, with backend="CP_SAT" or when SCIP is
    missing, on CP-SAT: one model, either solver."""
    solver = pywraplp.Solver.CreateSolver(backend) or pywraplp.Solver.CreateSolver("CP_SAT")
    solver.SetNumThreads(max(1, workers))
    p = problem
    take: dict[int, pywraplp.Variable] = {}
    by_mode: list[list[pywraplp.Variable]] = [[] for _ in p.capacity]
    for m in range(len(p.meeting_ids)):
        if not p.schedulable(m):
            continue
        var = solver.IntVar(1 if p.lock_slot[m] >= 0 else 0, 1, "")
        take[m] = var
        if len(p.modes[m]) == 1:
            by_mode[p.modes[m][0]].append(var)
        else:
            chosen = [solver.IntVar(0, 1, "") for _ in p.modes[m]]
            for k, mode_var in zip(p.modes[m], chosen, strict=True):
                by_mode[k].append(mode_var)
            solver.Add(solver.Sum(chosen) == var)
    for k, vars_ in enumerate(by_mode):
        if len(vars_) > p.capacity[k] * p.slot_count:
            solver.Add(solver.Sum(vars_) <= p.capacity[k] * p.slot_count)
    for q, room in enumerate(rooms(p)):
        vars_ = [take[m] for m in p.meetings_of[q] if m in take]
        if len(vars_) > room:
            solver.Add(solver.Sum(vars_) <= room)
    solver.Maximize(solver.Sum([p.priority[m] * var for m, var in take.items()]))
    solver.SetTimeLimit(max(100, int(seconds * 1000)))
    exact = pywraplp.MPSolverParameters()  # priorities are whole numbers: "optimal" means not one short
    exact.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    status = solver.Solve(exact)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return Selection(sum(p.priority[m] for m in take), set(), False)
    chosen = {m for m, var in take.items() if var.solution_value() > 0.5}
    found = sum(p.priority[m] for m in chosen)
    bound = found if status == pywraplp.Solver.OPTIMAL else min(int(solver.Objective().BestBound() + 1e-6),
                                                                 sum(p.priority[m] for m in take))
    return Selection(bound, chosen, status == pywraplp.Solver.OPTIMAL)
