"""Fast schedules without a solver: the first-come earliest-slot greedy that organisers get from the common tools
(the baseline), and Filiera's greedy with local search, which warm-starts CP-SAT and serves alone when the solver
is not wanted."""

from __future__ import annotations

import time

from filiera.events.scheduling.problem import AWAY, BUSY, FREE, Problem, Schedule


def place_locked(schedule: Schedule) -> None:
    """Locked meetings into their slots; those of one mode first, so that a meeting that may take either mode
    takes what they leave."""
    p = schedule.problem
    locked = sorted((m for m, t in enumerate(p.lock_slot) if t >= 0 and p.modes[m]), key=lambda m: len(p.modes[m]))
    for m in locked:
        k = schedule.free_mode(m, p.lock_slot[m])
        if k >= 0:
            schedule.place(m, p.lock_slot[m], k)


def first_come_earliest_slot(problem: Problem) -> Schedule:
    """Meetings in the order they were requested, each in the earliest slot where its participants are free and a
    table of its mode is left: what brokerage tools do when they book requests as they come."""
    schedule = Schedule(problem)
    place_locked(schedule)
    for m in range(len(problem.meeting_ids)):
        if schedule.slot[m] >= 0 or problem.lock_slot[m] >= 0:
            continue
        for t in problem.options[m]:
            if schedule.fits(m, t):
                k = schedule.free_mode(m, t)
                if k >= 0:
                    schedule.place(m, t, k)
                    break
    return schedule


def greedy(problem: Problem) -> Schedule:
    """The most valuable meetings first, the hardest to place (fewest possible slots) first among equals, each in
    the slot that adds the fewest idle gaps to its participants' days (the earliest among equals)."""
    schedule = Schedule(problem)
    place_locked(schedule)
    order = sorted((m for m in range(len(problem.meeting_ids)) if problem.lock_slot[m] < 0 and problem.schedulable(m)),
                   key=lambda m: (-problem.priority[m], len(problem.options[m]), m))
    for m in order:
        insert(schedule, m)
    return schedule


def insert(schedule: Schedule, m: int) -> bool:
    """Places unscheduled meeting m where it adds the fewest idle gaps, if it fits anywhere as things are."""
    best = None
    for t in schedule.problem.options[m]:
        if schedule.fits(m, t):
            k = schedule.free_mode(m, t)
            if k >= 0:
                delta = schedule.gap_delta_add(m, t)
                if best is None or delta < best[0]:
                    best = (delta, t, k)
                    if delta <= 0:
                        break
    if best is None:
        return False
    schedule.place(m, best[1], best[2])
    return True


def relocate(schedule: Schedule, c: int, avoid: int) -> bool:
    """Moves scheduled meeting c to another slot than `avoid` where it fits, adding the fewest idle gaps."""
    p = schedule.problem
    if p.lock_slot[c] >= 0:
        return False
    best = None
    for t in p.options[c]:
        if t == avoid or t == schedule.slot[c] or not schedule.fits(c, t):
            continue
        k = schedule.free_mode(c, t)
        if k >= 0:
            delta = schedule.gap_delta_move(c, t)
            if best is None or delta < best[0]:
                best = (delta, t, k)
    if best is None:
        return False
    schedule.remove(c)
    schedule.place(c, best[1], best[2])
    return True


def blockers(schedule: Schedule, u: int, t: int) -> set[int] | None:
    """The meetings that keep u's participants busy in slot t, or None when one of them has reached their limit."""
    p = schedule.problem
    found = set()
    for q in p.people[u]:
        if schedule.count[q] >= p.limit[q]:
            return None
        if schedule.day[q][t] == BUSY:
            found.add(schedule.at[q][t])
    return found


def try_harder(schedule: Schedule, u: int) -> bool:
    """Inserts u by moving one meeting out of its way (to another slot), else by putting out meetings worth less
    than u (they become unscheduled: the schedule gains priority)."""
    p = schedule.problem
    if insert(schedule, u):
        return True
    want = set(p.modes[u])
    for t in p.options[u]:
        found = blockers(schedule, u, t)
        if found is None:
            return False
        if len(found) == 1:
            (c,) = found
            frees_table = schedule.free_mode(u, t) >= 0 or schedule.mode[c] in want
            if frees_table and relocate(schedule, c, t):
                schedule.place(u, t, schedule.free_mode(u, t))
                return True
        elif not found and schedule.free_mode(u, t) < 0:
            for c in list(schedule.in_slot[t]):
                if schedule.mode[c] in want and relocate(schedule, c, t):
                    schedule.place(u, t, schedule.free_mode(u, t))
                    return True
    # Put out cheaper meetings: those in u's way in the slot where they are worth least.
    best = None
    for t in p.options[u]:
        found = blockers(schedule, u, t)
        if found is None or any(p.lock_slot[c] >= 0 for c in found):
            continue
        cost = sum(p.priority[c] for c in found)
        table_freed = schedule.free_mode(u, t) >= 0 or any(schedule.mode[c] in want for c in found)
        extra = None
        if not table_freed:
            extra = min((c for c in schedule.in_slot[t] if schedule.mode[c] in want and p.lock_slot[c] < 0),
                        key=lambda c: p.priority[c], default=None)
            if extra is None:
                continue
            cost += p.priority[extra]
        if cost < p.priority[u] and (best is None or cost < best[0]):
            best = (cost, t, found | ({extra} if extra is not None else set()))
    if best is None:
        return False
    for c in best[2]:
        schedule.remove(c)
    schedule.place(u, best[1], schedule.free_mode(u, best[1]))
    return True


def improve_priority(schedule: Schedule, deadline: float) -> None:
    """Rounds of try_harder over the unscheduled meetings, the most valuable first, until a round gains nothing."""
    p = schedule.problem
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        waiting = sorted((m for m, t in enumerate(schedule.slot) if t < 0 and p.schedulable(m)),
                         key=lambda m: (-p.priority[m], len(p.options[m]), m))
        for u in waiting:
            if time.perf_counter() >= deadline:
                return
            if schedule.slot[u] < 0 and try_harder(schedule, u):
                improved = True


def improve_gaps(schedule: Schedule, deadline: float) -> None:
    """Moves single meetings to slots where their participants' days have fewer idle gaps, until none helps."""
    p = schedule.problem
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for m in range(len(p.meeting_ids)):
            cur = schedule.slot[m]
            if cur < 0 or p.lock_slot[m] >= 0:
                continue
            if not _participants_have_gaps(schedule, m):
                continue
            best = None
            for t in p.options[m]:
                if t == cur or not schedule.fits(m, t):
                    continue
                k = schedule.free_mode(m, t)
                if k < 0:
                    continue
                delta = schedule.gap_delta_move(m, t)
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, t, k)
            if best is not None:
                schedule.remove(m)
                schedule.place(m, best[1], best[2])
                improved = True
            if time.perf_counter() >= deadline:
                return


def swappable(schedule: Schedule, a: int, b: int) -> bool:
    """Whether scheduled meetings a and b can exchange their slots and tables (modes)."""
    p = schedule.problem
    ta, tb = schedule.slot[a], schedule.slot[b]
    if ta == tb or p.lock_slot[a] >= 0 or p.lock_slot[b] >= 0:
        return False
    if schedule.mode[b] not in p.modes[a] or schedule.mode[a] not in p.modes[b]:
        return False
    for m, t, other in ((a, tb, b), (b, ta, a)):
        for q in p.people[m]:
            state = schedule.day[q][t]
            if state == AWAY or (state == BUSY and schedule.at[q][t] != other):
                return False
    return True


def swap(schedule: Schedule, a: int, b: int) -> None:
    ta, ka, tb, kb = schedule.slot[a], schedule.mode[a], schedule.slot[b], schedule.mode[b]
    schedule.remove(a)
    schedule.remove(b)
    schedule.place(a, tb, kb)
    schedule.place(b, ta, ka)


def improve_gaps_by_swaps(schedule: Schedule, deadline: float) -> None:
    """Closes idle gaps when the tables are full and single moves are stuck: a participant's first or last meeting
    of a session takes the place of a meeting in one of their gaps, which goes where it was, when that leaves
    fewer idle gaps to everyone concerned."""
    p = schedule.problem
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for q in range(len(p.participant_ids)):
            if time.perf_counter() >= deadline:
                return
            for s, (a, b) in enumerate(p.sessions):
                if schedule.gaps_of(q, s) and _close_a_gap(schedule, q, s, a, b):
                    improved = True


def _close_a_gap(schedule: Schedule, q: int, s: int, a: int, b: int) -> bool:
    p = schedule.problem
    day = schedule.day[q]
    first, last = day.find(BUSY, a, b), day.rfind(BUSY, a, b)
    for g in range(first + 1, last):
        if day[g] != FREE:
            continue
        for e in (first, last):
            m = schedule.at[q][e]
            if p.lock_slot[m] >= 0:
                continue
            concerned = set(p.people[m])
            if schedule.fits(m, g) and schedule.free_mode(m, g) >= 0:
                if schedule.gap_delta_move(m, g) < 0:
                    k = schedule.free_mode(m, g)
                    schedule.remove(m)
                    schedule.place(m, g, k)
                    return True
                continue
            for other in list(schedule.in_slot[g]):
                if not swappable(schedule, m, other):
                    continue
                people = concerned | set(p.people[other])
                before = sum(schedule.gaps_of(r, s) for r in people)
                swap(schedule, m, other)
                if sum(schedule.gaps_of(r, s) for r in people) < before:
                    return True
                swap(schedule, other, m)
    return False


def _participants_have_gaps(schedule: Schedule, m: int) -> bool:
    """Whether any participant of m has an idle gap (otherwise moving m cannot remove one)."""
    p = schedule.problem
    return any(schedule.gaps_of(q, s) for q in p.people[m] for s in range(len(p.sessions)))


def local_search(problem: Problem, seconds: float) -> Schedule:
    """Greedy, then more priority, then fewer idle gaps, within `seconds`."""
    deadline = time.perf_counter() + seconds
    schedule = greedy(problem)
    improve_priority(schedule, deadline)
    improve_gaps_by_swaps(schedule, deadline)
    improve_gaps(schedule, deadline)
    return schedule
