"""An instance in indices, and a schedule being built on it: what the greedy, the local search and the CP-SAT model
share. Slots are numbered in time order, session by session; a participant's day is a bytearray with one byte a
slot (FREE, BUSY, AWAY for an unavailable slot), so that idle gaps are counted with bytes.find / bytes.count."""

from __future__ import annotations

from dataclasses import dataclass

from filiera.events.scheduling.instance import MODES, Instance

FREE, BUSY, AWAY = 0, 1, 2


@dataclass
class Problem:
    instance: Instance
    slot_ids: list[str]
    session_of: list[int]  # slot index -> session index
    sessions: list[tuple[int, int]]  # session index -> [first slot, end) in slot indices
    table_ids: list[str]
    tables_of_mode: list[list[int]]  # mode index (MODES) -> table indices
    capacity: list[int]  # mode index -> number of tables
    meeting_ids: list[str]
    people: list[tuple[int, ...]]  # meeting -> participant indices
    priority: list[int]
    modes: list[tuple[int, ...]]  # meeting -> mode indices it may use (only those with a table)
    options: list[tuple[int, ...]]  # meeting -> slots where all its participants are available
    lock_slot: list[int]  # meeting -> locked slot or -1
    lock_table: list[int]  # meeting -> locked table or -1
    participant_ids: list[str]
    limit: list[int]  # participant -> max meetings (a large number when unlimited)
    away: list[bytearray]  # participant -> its day with AWAY in unavailable slots
    meetings_of: list[list[int]]  # participant -> meetings

    @property
    def slot_count(self) -> int:
        return len(self.slot_ids)

    def schedulable(self, m: int) -> bool:
        return bool(self.options[m]) and bool(self.modes[m])


def compile_problem(instance: Instance) -> Problem:
    """Indices for a valid instance (see instance.problems_of)."""
    first_start: dict[str, str] = {}
    for s in instance.slots:
        if s.session not in first_start or s.start < first_start[s.session]:
            first_start[s.session] = s.start
    session_order = sorted(first_start, key=lambda name: (first_start[name], name))
    session_index = {name: i for i, name in enumerate(session_order)}
    slots = sorted(instance.slots, key=lambda s: (session_index[s.session], s.start, s.id))
    slot_index = {s.id: i for i, s in enumerate(slots)}
    session_of = [session_index[s.session] for s in slots]
    sessions = []
    for k in range(len(session_order)):
        members = [i for i, x in enumerate(session_of) if x == k]
        sessions.append((members[0], members[-1] + 1))

    table_index = {t.id: i for i, t in enumerate(instance.tables)}
    tables_of_mode = [[table_index[t.id] for t in instance.tables if t.mode == mode] for mode in MODES]
    capacity = [len(ts) for ts in tables_of_mode]

    participant_index = {p.id: i for i, p in enumerate(instance.participants)}
    away = []
    for p in instance.participants:
        day = bytearray(len(slots))
        for s in p.unavailable:
            day[slot_index[s]] = AWAY
        away.append(day)
    limit = [p.max_meetings if p.max_meetings is not None else 1 << 30 for p in instance.participants]

    people, priority, modes, options, lock_slot, lock_table = [], [], [], [], [], []
    meetings_of: list[list[int]] = [[] for _ in instance.participants]
    for m_index, m in enumerate(instance.meetings):
        members = tuple(participant_index[p] for p in m.participants)
        people.append(members)
        priority.append(m.priority)
        for p in members:
            meetings_of[p].append(m_index)
        allowed = [MODES.index(m.mode)] if m.mode != "any" else list(range(len(MODES)))
        if m.lock and m.lock.table is not None:
            allowed = [MODES.index(instance.tables[table_index[m.lock.table]].mode)]
        modes.append(tuple(k for k in allowed if capacity[k]))
        options.append(tuple(t for t in range(len(slots)) if all(away[p][t] != AWAY for p in members)))
        lock_slot.append(slot_index[m.lock.slot] if m.lock else -1)
        lock_table.append(table_index[m.lock.table] if m.lock and m.lock.table is not None else -1)
    return Problem(instance, [s.id for s in slots], session_of, sessions, [t.id for t in instance.tables],
                   tables_of_mode, capacity, [m.id for m in instance.meetings], people, priority, modes, options,
                   lock_slot, lock_table, [p.id for p in instance.participants], limit, away, meetings_of)


class Schedule:
    """Meetings placed in slots and modes (tables come last, see tables.assign_tables), with the participants'
    days kept in step so that a move is checked and its idle gaps counted in a few byte operations."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.slot = [-1] * len(problem.meeting_ids)
        self.mode = [-1] * len(problem.meeting_ids)
        self.day = [bytearray(d) for d in problem.away]
        self.at = [dict() for _ in problem.participant_ids]  # participant -> {slot: meeting}
        self.count = [0] * len(problem.participant_ids)
        self.used = [[0] * len(MODES) for _ in problem.slot_ids]
        self.in_slot: list[dict[int, None]] = [dict() for _ in problem.slot_ids]  # ordered sets of meetings

    # -- moves -------------------------------------------------------------------------------------------------

    def free_mode(self, m: int, t: int) -> int:
        """A mode with a free table for meeting m in slot t, or -1."""
        p = self.problem
        for k in p.modes[m]:
            if self.used[t][k] < p.capacity[k]:
                return k
        return -1

    def fits(self, m: int, t: int, ignore: int = -1) -> bool:
        """Whether all of m's participants are free in t (ignoring meeting `ignore`) and under their limit."""
        p = self.problem
        for q in p.people[m]:
            state = self.day[q][t]
            if state == AWAY or (state == BUSY and self.at[q].get(t) != ignore):
                return False
            if self.count[q] >= p.limit[q] and self.slot[m] < 0:
                return False
        return True

    def place(self, m: int, t: int, k: int) -> None:
        self.slot[m], self.mode[m] = t, k
        for q in self.problem.people[m]:
            self.day[q][t] = BUSY
            self.at[q][t] = m
            self.count[q] += 1
        self.used[t][k] += 1
        self.in_slot[t][m] = None

    def remove(self, m: int) -> None:
        t, k = self.slot[m], self.mode[m]
        for q in self.problem.people[m]:
            self.day[q][t] = FREE
            del self.at[q][t]
            self.count[q] -= 1
        self.used[t][k] -= 1
        del self.in_slot[t][m]
        self.slot[m] = self.mode[m] = -1

    # -- figures -----------------------------------------------------------------------------------------------

    def gaps_of(self, q: int, session: int) -> int:
        """Idle gaps of participant q in a session: free (not unavailable) slots between two of their meetings."""
        a, b = self.problem.sessions[session]
        day = self.day[q]
        first = day.find(BUSY, a, b)
        if first < 0:
            return 0
        last = day.rfind(BUSY, a, b)
        return day.count(FREE, first, last)

    def gaps(self) -> int:
        return sum(self.gaps_of(q, s) for q in range(len(self.day)) for s in range(len(self.problem.sessions)))

    def gap_delta_add(self, m: int, t: int) -> int:
        """How the idle gaps change if m goes into slot t (its participants free there)."""
        session = self.problem.session_of[t]
        delta = 0
        for q in self.problem.people[m]:
            before = self.gaps_of(q, session)
            self.day[q][t] = BUSY
            delta += self.gaps_of(q, session) - before
            self.day[q][t] = FREE
        return delta

    def gap_delta_move(self, m: int, t: int) -> int:
        """How the idle gaps change if scheduled meeting m moves from its slot to slot t."""
        old = self.slot[m]
        sessions = {self.problem.session_of[old], self.problem.session_of[t]}
        delta = 0
        for q in self.problem.people[m]:
            before = sum(self.gaps_of(q, s) for s in sessions)
            self.day[q][old], self.day[q][t] = FREE, BUSY
            delta += sum(self.gaps_of(q, s) for s in sessions) - before
            self.day[q][old], self.day[q][t] = BUSY, FREE
        return delta

    def scheduled_priority(self) -> int:
        return sum(self.problem.priority[m] for m, t in enumerate(self.slot) if t >= 0)

    def copy_from(self, slots: list[int], modes: list[int]) -> None:
        for m, t in enumerate(self.slot):
            if t >= 0:
                self.remove(m)
        for m, t in enumerate(slots):
            if t >= 0:
                self.place(m, t, modes[m])

