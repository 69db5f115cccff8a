"""The scheduler's input and output: plain dataclasses, read from and written to the JSON documented in
docs/scheduling.md. Nothing here imports Django.

An instance is valid when `problems(instance)` is empty; `parse_instance` collects every problem of a JSON
document (with a path such as `meetings[3].participants[1]`) before refusing it, so that an organiser fixes a
file in one go.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

MODES = ("onsite", "online")
MEETING_MODES = ("onsite", "online", "any")


@dataclass(frozen=True)
class Slot:
    id: str
    session: str
    start: str  # ISO 8601; slots are ordered by start within a session
    end: str


@dataclass(frozen=True)
class Table:
    id: str
    mode: str  # onsite | online (an online room)


@dataclass(frozen=True)
class Participant:
    id: str
    unavailable: frozenset[str] = frozenset()
    max_meetings: int | None = None


@dataclass(frozen=True)
class Lock:
    slot: str
    table: str | None = None


@dataclass(frozen=True)
class Meeting:
    id: str
    participants: tuple[str, ...]
    priority: int = 1
    mode: str = "onsite"  # onsite | online | any
    lock: Lock | None = None


@dataclass
class Instance:
    slots: list[Slot]
    tables: list[Table]
    participants: list[Participant]
    meetings: list[Meeting]


@dataclass(frozen=True)
class Assignment:
    meeting: str
    slot: str
    table: str


@dataclass
class Figures:
    meetings: int = 0
    scheduled: int = 0
    scheduled_priority: int = 0
    upper_bound: int = 0  # no schedule can reach more priority than this
    idle_gaps: int = 0
    table_changes: int = 0
    solve_seconds: float = 0.0
    optimal: bool = False  # scheduled priority proven equal to the upper bound
    method: str = ""

    @property
    def share_of_bound(self) -> float:
        return self.scheduled_priority / self.upper_bound if self.upper_bound else 1.0


@dataclass
class Result:
    assignments: list[Assignment]
    unscheduled: list[str]
    figures: Figures = field(default_factory=Figures)

    def to_json(self) -> dict:
        f = self.figures
        return {
            "assignments": [{"meeting": a.meeting, "slot": a.slot, "table": a.table} for a in self.assignments],
            "unscheduled": list(self.unscheduled),
            "figures": {"meetings": f.meetings, "scheduled": f.scheduled,
                        "scheduled_priority": f.scheduled_priority, "upper_bound": f.upper_bound,
                        "share_of_bound": round(f.share_of_bound, 6), "idle_gaps": f.idle_gaps,
                        "table_changes": f.table_changes, "solve_seconds": round(f.solve_seconds, 3),
                        "optimal": f.optimal, "method": f.method},
        }


class InvalidInstance(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# -- JSON --------------------------------------------------------------------------------------------------------

def parse_instance(data: object) -> Instance:
    """The instance in a JSON document, or InvalidInstance listing every problem found."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InvalidInstance(["the instance must be a JSON object with slots, tables, participants and meetings"])
    for key in sorted(set(data) - {"slots", "tables", "participants", "meetings"}):
        problems.append(f"{key}: unknown field")

    def items(key: str) -> list:
        value = data.get(key)
        if value is None:
            problems.append(f"{key}: missing")
            return []
        if not isinstance(value, list):
            problems.append(f"{key}: must be a list")
            return []
        return value

    def text(obj: dict, key: str, where: str, required: bool = True) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                problems.append(f"{where}.{key}: missing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
            problems.append(f"{where}.{key}: must be a non-empty string")
            return None
        return str(value)

    def integer(obj: dict, key: str, where: str, default, minimum: int) -> int | None:
        value = obj.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            problems.append(f"{where}.{key}: must be a whole number of at least {minimum}")
            return default
        return value

    def objects(key: str, known: set[str]):
        for i, obj in enumerate(items(key)):
            where = f"{key}[{i}]"
            if not isinstance(obj, dict):
                problems.append(f"{where}: must be an object")
                continue
            for extra in sorted(set(obj) - known):
                problems.append(f"{where}.{extra}: unknown field")
            yield where, obj

    slots = []
    for where, obj in objects("slots", {"id", "session", "start", "end"}):
        sid, session = text(obj, "id", where), text(obj, "session", where)
        start, end = text(obj, "start", where), text(obj, "end", where)
        moments = []
        for key, value in (("start", start), ("end", end)):
            try:
                moments.append(datetime.fromisoformat(value) if value else None)
            except ValueError:
                problems.append(f"{where}.{key}: {value!r} is not an ISO 8601 date and time")
                moments.append(None)
        if all(moments):
            try:
                if moments[1] <= moments[0]:
                    problems.append(f"{where}: ends at {end}, not after its start {start}")
            except TypeError:
                problems.append(f"{where}: start and end must both have a time zone or both have none")
        if sid and session and start and end:
            slots.append(Slot(sid, session, start, end))

    tables = []
    for where, obj in objects("tables", {"id", "mode"}):
        tid, mode = text(obj, "id", where), obj.get("mode", "onsite")
        if mode not in MODES:
            problems.append(f"{where}.mode: {mode!r} is not one of {', '.join(MODES)}")
        elif tid:
            tables.append(Table(tid, mode))

    participants = []
    for where, obj in objects("participants", {"id", "unavailable", "max_meetings"}):
        pid = text(obj, "id", where)
        unavailable = obj.get("unavailable", [])
        if not isinstance(unavailable, list) or not all(isinstance(s, str | int) and not isinstance(s, bool)
                                                        for s in unavailable):
            problems.append(f"{where}.unavailable: must be a list of slot ids")
            unavailable = []
        cap = integer(obj, "max_meetings", where, None, 0)
        if pid:
            participants.append(Participant(pid, frozenset(str(s) for s in unavailable), cap))

    meetings = []
    for where, obj in objects("meetings", {"id", "participants", "priority", "mode", "lock"}):
        mid = text(obj, "id", where)
        people = obj.get("participants")
        if not isinstance(people, list) or not all(isinstance(p, str | int) and not isinstance(p, bool)
                                                   for p in people):
            problems.append(f"{where}.participants: must be a list of participant ids")
            people = []
        priority = integer(obj, "priority", where, 1, 1)
        mode = obj.get("mode", "onsite")
        if mode not in MEETING_MODES:
            problems.append(f"{where}.mode: {mode!r} is not one of {', '.join(MEETING_MODES)}")
            mode = "onsite"
        lock = None
        if obj.get("lock") is not None:
            raw = obj["lock"]
            if not isinstance(raw, dict) or "slot" not in raw or set(raw) - {"slot", "table"}:
                problems.append(f"{where}.lock: must be an object with a slot and an optional table")
            else:
                slot, table = text(raw, "slot", f"{where}.lock"), text(raw, "table", f"{where}.lock", False)
                lock = Lock(slot, table) if slot else None
        if mid:
            meetings.append(Meeting(mid, tuple(str(p) for p in people), priority, mode, lock))

    if problems:
        raise InvalidInstance(problems)
    instance = Instance(slots, tables, participants, meetings)
    found = problems_of(instance)
    if found:
        raise InvalidInstance(found)
    return instance


def instance_to_json(instance: Instance) -> dict:
    return {
        "slots": [{"id": s.id, "session": s.session, "start": s.start, "end": s.end} for s in instance.slots],
        "tables": [{"id": t.id, "mode": t.mode} for t in instance.tables],
        "participants": [
            {"id": p.id, "unavailable": sorted(p.unavailable),
             **({"max_meetings": p.max_meetings} if p.max_meetings is not None else {})}
            for p in instance.participants],
        "meetings": [
            {"id": m.id, "participants": list(m.participants), "priority": m.priority, "mode": m.mode,
             **({"lock": {"slot": m.lock.slot, **({"table": m.lock.table} if m.lock.table else {})}}
                if m.lock else {})}
            for m in instance.meetings],
    }


# -- consistency -------------------------------------------------------------------------------------------------

def problems_of(instance: Instance) -> list[str]:
    """Every inconsistency of an instance: repeated or unknown ids, meetings of fewer than two participants,
    locks that cannot hold. Empty when the instance can be scheduled."""
    problems: list[str] = []
    for key, things in (("slots", instance.slots), ("tables", instance.tables),
                        ("participants", instance.participants), ("meetings", instance.meetings)):
        for value, count in Counter(t.id for t in things).items():
            if count > 1:
                problems.append(f"{key}: id {value!r} is used {count} times")
    slots = {s.id for s in instance.slots}
    tables = {t.id: t for t in instance.tables}
    people = {p.id: p for p in instance.participants}
    for i, p in enumerate(instance.participants):
        for s in sorted(p.unavailable - slots):
            problems.append(f"participants[{i}].unavailable: unknown slot {s!r}")
    locked_places: dict[tuple[str, str], str] = {}
    locked_people: dict[tuple[str, str], str] = {}
    for i, m in enumerate(instance.meetings):
        where = f"meetings[{i}]"
        if len(m.participants) < 2:
            problems.append(f"{where}: a meeting needs at least two participants, {m.id!r} has {len(m.participants)}")
        for value, count in Counter(m.participants).items():
            if count > 1:
                problems.append(f"{where}.participants: {value!r} is listed {count} times")
        for j, pid in enumerate(m.participants):
            if pid not in people:
                problems.append(f"{where}.participants[{j}]: unknown participant {pid!r}")
        if m.lock is None:
            continue
        if m.lock.slot not in slots:
            problems.append(f"{where}.lock.slot: unknown slot {m.lock.slot!r}")
            continue
        for pid in m.participants:
            if pid in people and m.lock.slot in people[pid].unavailable:
                problems.append(f"{where}.lock: participant {pid!r} is unavailable in slot {m.lock.slot!r}")
            other = locked_people.setdefault((pid, m.lock.slot), m.id)
            if other != m.id:
                problems.append(f"{where}.lock: participant {pid!r} is also locked in meeting {other!r} "
                                f"in slot {m.lock.slot!r}")
        if m.lock.table is not None:
            table = tables.get(m.lock.table)
            if table is None:
                problems.append(f"{where}.lock.table: unknown table {m.lock.table!r}")
                continue
            if m.mode != "any" and table.mode != m.mode:
                problems.append(f"{where}.lock.table: {table.id!r} is {table.mode}, the meeting is {m.mode}")
            other = locked_places.setdefault((m.lock.slot, m.lock.table), m.id)
            if other != m.id:
                problems.append(f"{where}.lock: table {m.lock.table!r} in slot {m.lock.slot!r} is already locked "
                                f"to meeting {other!r}")
    # The locked meetings of a slot must fit its tables: each mode's own, and all of them together.
    capacity = Counter(t.mode for t in instance.tables)
    locked: dict[str, Counter] = {}
    for m in instance.meetings:
        if m.lock and m.lock.slot in slots:
            mode = tables[m.lock.table].mode if m.lock.table in tables else m.mode
            locked.setdefault(m.lock.slot, Counter())[mode] += 1
    for slot, modes in sorted(locked.items()):
        over = [f"{modes[mode]} {mode}" for mode in MODES if modes[mode] > capacity[mode]]
        if over or modes.total() > len(instance.tables):
            problems.append(f"meetings: too many meetings are locked to slot {slot!r} "
                            f"({', '.join(over) or modes.total()}) for its tables ({capacity['onsite']} on site, "
                            f"{capacity['online']} online)")
    per_person = Counter(pid for m in instance.meetings if m.lock for pid in m.participants)
    for i, p in enumerate(instance.participants):
        if p.max_meetings is not None and per_person[p.id] > p.max_meetings:
            problems.append(f"participants[{i}].max_meetings: {p.id!r} is locked in {per_person[p.id]} meetings, "
                            f"more than {p.max_meetings}")
    return problems
