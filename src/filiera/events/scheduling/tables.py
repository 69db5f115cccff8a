"""Tables for a schedule of slots and modes, and the checks every result must pass.

Tables of one mode are interchangeable for the solver; people are not indifferent: walking to another table between
two meetings costs minutes. Slot by slot in time order, a meeting keeps the table where one of its participants sat
in their previous meeting of the session when it is free (locked tables first, then the meetings with such a
wish); the others take the remaining tables. A table change is counted when a participant's two consecutive
meetings in a session are at two different on-site tables (an online participant changes rooms with a click).
"""

from __future__ import annotations

from filiera.events.scheduling.instance import MODES, Assignment, Instance
from filiera.events.scheduling.problem import Problem, Schedule


def assign_tables(schedule: Schedule) -> list[int]:
    """A table for every scheduled meeting (indexed by meeting; -1 when unscheduled)."""
    p = schedule.problem
    table = [-1] * len(p.meeting_ids)
    last_table: dict[int, int] = {}  # participant -> table of their latest meeting in the current session
    for t in range(p.slot_count):
        if t > 0 and p.session_of[t] != p.session_of[t - 1]:
            last_table.clear()
        meetings = list(schedule.in_slot[t])
        taken: set[int] = set()
        waiting = []
        for m in meetings:
            if p.lock_table[m] >= 0:
                table[m] = p.lock_table[m]
                taken.add(table[m])
            else:
                waiting.append(m)
        # Meetings whose participants sat at a table of their mode come first.
        wishes = {}
        for m in waiting:
            mode_tables = p.tables_of_mode[schedule.mode[m]]
            wanted = [last_table[q] for q in p.people[m] if q in last_table]
            wishes[m] = [w for w in dict.fromkeys(wanted) if w in set(mode_tables)] if wanted else []
        waiting.sort(key=lambda m: (0 if wishes[m] else 1, m))
        free = {k: [x for x in p.tables_of_mode[k] if x not in taken] for k in range(len(MODES))}
        free_sets = {k: set(v) for k, v in free.items()}
        wished = {w for m in waiting for w in wishes[m]}
        rest = []
        for m in waiting:
            k = schedule.mode[m]
            choice = next((w for w in wishes[m] if w in free_sets[k]), None)
            if choice is None:
                rest.append(m)
                continue
            table[m] = choice
            free_sets[k].discard(choice)
        for m in rest:
            k = schedule.mode[m]
            # Prefer a table nobody wished for, so that it stays free for the one who did.
            choice = next((x for x in free[k] if x in free_sets[k] and x not in wished), None)
            if choice is None:
                choice = next(x for x in free[k] if x in free_sets[k])
            table[m] = choice
            free_sets[k].discard(choice)
        for m in meetings:
            for q in p.people[m]:
                last_table[q] = table[m]
    return table


def table_changes(problem: Problem, schedule: Schedule, table: list[int]) -> int:
    onsite = set(problem.tables_of_mode[MODES.index("onsite")])
    changes = 0
    for q in range(len(problem.participant_ids)):
        previous = None
        previous_session = None
        for t in sorted(schedule.at[q]):
            m = schedule.at[q][t]
            session = problem.session_of[t]
            if previous is not None and previous_session == session and previous in onsite \
                    and table[m] in onsite and table[m] != previous:
                changes += 1
            previous, previous_session = table[m], session
    return changes


def assignments(problem: Problem, schedule: Schedule, table: list[int]) -> list[Assignment]:
    return [Assignment(problem.meeting_ids[m], problem.slot_ids[t], problem.table_ids[table[m]])
            for m, t in sorted(enumerate(schedule.slot), key=lambda item: (item[1], item[0])) if t >= 0]


def violations(instance: Instance, placed: list[Assignment]) -> list[str]:
    """Every broken rule of a result, checked from the instance alone (not from the solver's own bookkeeping):
    nobody in two meetings at once, one meeting a table and slot, unavailability, limits, modes and locks."""
    problems = []
    meetings = {m.id: m for m in instance.meetings}
    tables = {t.id: t for t in instance.tables}
    slots = {s.id for s in instance.slots}
    people = {p.id: p for p in instance.participants}
    seen_meeting, seen_place, seen_person = set(), {}, {}
    count = dict.fromkeys(people, 0)
    for a in placed:
        m = meetings.get(a.meeting)
        if m is None or a.slot not in slots or a.table not in tables:
            problems.append(f"{a}: unknown meeting, slot or table")
            continue
        if a.meeting in seen_meeting:
            problems.append(f"meeting {a.meeting} is scheduled twice")
        seen_meeting.add(a.meeting)
        other = seen_place.setdefault((a.slot, a.table), a.meeting)
        if other != a.meeting:
            problems.append(f"table {a.table} holds {other} and {a.meeting} in slot {a.slot}")
        if m.mode != "any" and tables[a.table].mode != m.mode:
            problems.append(f"meeting {a.meeting} is {m.mode} but table {a.table} is {tables[a.table].mode}")
        if m.lock and (m.lock.slot != a.slot or (m.lock.table and m.lock.table != a.table)):
            problems.append(f"meeting {a.meeting} is locked to {m.lock} but placed in {a.slot} at {a.table}")
        for q in m.participants:
            count[q] += 1
            if a.slot in people[q].unavailable:
                problems.append(f"participant {q} is unavailable in {a.slot} but meets in {a.meeting}")
            other = seen_person.setdefault((q, a.slot), a.meeting)
            if other != a.meeting:
                problems.append(f"participant {q} is in {other} and {a.meeting} in slot {a.slot}")
    for q, n in count.items():
        if people[q].max_meetings is not None and n > people[q].max_meetings:
            problems.append(f"participant {q} has {n} meetings, more than {people[q].max_meetings}")
    for m in instance.meetings:
        if m.lock and m.id not in seen_meeting:
            problems.append(f"locked meeting {m.id} is not scheduled")
    return problems
