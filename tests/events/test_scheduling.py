"""The meeting scheduler (a pure engine): validation, objectives on instances whose answer is known, the baseline,
and invariants on random instances (hypothesis), checked from the instance alone by `violations`."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiera.events.scheduling import (
    Instance,
    InvalidInstance,
    Lock,
    Meeting,
    Participant,
    Slot,
    Table,
    first_come,
    instance_to_json,
    parse_instance,
    solve,
    violations,
)
from filiera.events.scheduling.generator import generate
from filiera.events.scheduling.problem import compile_problem
from filiera.events.scheduling.search import greedy, improve_gaps_by_swaps
from filiera.events.scheduling.selection import select
from filiera.events.scheduling.tables import assign_tables, assignments

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"


def slots(n: int, sessions: int = 1) -> list[Slot]:
    per = -(-n // sessions)
    return [Slot(f"s{i + 1}", f"session{i // per + 1}", f"2026-03-10T{9 + i:02d}:00", f"2026-03-10T{9 + i:02d}:20")
            for i in range(n)]


def people(n: int, **unavailable: list[str]) -> list[Participant]:
    return [Participant(f"p{i + 1}", frozenset(unavailable.get(f"p{i + 1}", []))) for i in range(n)]


def meeting(mid: str, *who: str, priority: int = 1, mode: str = "onsite", lock: Lock | None = None) -> Meeting:
    return Meeting(mid, tuple(who), priority, mode, lock)


def refusal(call, *args) -> list[str]:
    """The problems that make `call(*args)` refuse an instance."""
    with pytest.raises(InvalidInstance) as refused:
        call(*args)
    return refused.value.problems


def placed(result) -> dict[str, tuple[str, str]]:
    return {a.meeting: (a.slot, a.table) for a in result.assignments}


# -- the documented formats ----------------------------------------------------------------------------------------

def doc_blocks() -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def test_the_documented_instance_gives_the_documented_result():
    instance_doc, _, result_doc, _ = doc_blocks()
    result = solve(parse_instance(instance_doc), time_limit=5).to_json()
    assert result["assignments"] == result_doc["assignments"]
    assert result["unscheduled"] == result_doc["unscheduled"]
    for key in ("meetings", "scheduled", "scheduled_priority", "upper_bound", "idle_gaps", "table_changes",
                "optimal", "method"):
        assert result["figures"][key] == result_doc["figures"][key], key


def test_the_documented_schemas_name_every_field_the_engine_reads_and_writes():
    _, instance_schema, result_doc, result_schema = doc_blocks()
    assert set(instance_schema["properties"]) == {"slots", "tables", "participants", "meetings"}
    assert set(instance_schema["properties"]["meetings"]["items"]["properties"]) == {
        "id", "participants", "priority", "mode", "lock"}
    assert set(result_schema["properties"]["figures"]["required"]) == set(result_doc["figures"])


def test_an_instance_survives_a_round_trip_through_json():
    instance = generate(20, 40, 6, 5, seed=3)
    assert parse_instance(json.loads(json.dumps(instance_to_json(instance)))) == instance


# -- validation --------------------------------------------------------------------------------------------------

def test_every_problem_of_an_invalid_instance_is_reported_with_where_it_is():
    data = {
        "slots": [{"id": "s1", "session": "a", "start": "2026-03-10T09:00", "end": "2026-03-10T09:20"},
                  {"id": "s1", "session": "a", "start": "2026-03-10T09:20", "end": "2026-03-10T09:40"},
                  {"id": "s3", "session": "a", "start": "2026-03-10T10:00", "end": "2026-03-10T09:00"}],
        "tables": [{"id": "t1", "mode": "onsite"}, {"id": "t2", "mode": "boat"}],
        "participants": [{"id": "p1", "unavailable": ["s1", "s9"]}, {"id": "p2"}],
        "meetings": [
            {"id": "m1", "participants": ["p1"]},
            {"id": "m2", "participants": ["p1", "p99"]},
            {"id": "m3", "participants": ["p1", "p2"], "lock": {"slot": "s1", "table": "t1"}},
            {"id": "m3", "participants": ["p2", "p2"], "priority": 0},
        ],
    }
    problems = refusal(parse_instance, data)
    assert "slots[2]: ends at 2026-03-10T09:00, not after its start 2026-03-10T10:00" in problems
    assert "tables[1].mode: 'boat' is not one of onsite, online" in problems
    assert "meetings[3].priority: must be a whole number of at least 1" in problems
    # The first pass stops at field errors; fixed, the second pass finds the consistency ones.
    data["slots"][2]["end"] = "2026-03-10T10:20"
    data["tables"][1]["mode"] = "online"
    data["meetings"][3]["priority"] = 1
    problems = refusal(parse_instance, data)
    assert "slots: id 's1' is used 2 times" in problems
    assert "meetings: id 'm3' is used 2 times" in problems
    assert "participants[0].unavailable: unknown slot 's9'" in problems
    assert "meetings[0]: a meeting needs at least two participants, 'm1' has 1" in problems
    assert "meetings[1].participants[1]: unknown participant 'p99'" in problems
    assert "meetings[2].lock: participant 'p1' is unavailable in slot 's1'" in problems
    assert "meetings[3].participants: 'p2' is listed 2 times" in problems
    assert "meetings[3]: a meeting needs at least two participants, 'm3' has 2" not in problems


def test_locks_that_cannot_hold_are_refused():
    instance = Instance(slots(2), [Table("t1", "onsite"), Table("r1", "online")],
                        [Participant("p1"), Participant("p2"), Participant("p3", max_meetings=0)],
                        [meeting("m1", "p1", "p2", lock=Lock("s1", "r1")),
                         meeting("m2", "p1", "p3", lock=Lock("s1")),
                         meeting("m3", "p2", "p3", lock=Lock("s2", "t9"))])
    problems = refusal(solve, instance)
    assert "meetings[0].lock.table: 'r1' is online, the meeting is onsite" in problems
    assert "meetings[1].lock: participant 'p1' is also locked in meeting 'm1' in slot 's1'" in problems
    assert "meetings[2].lock.table: unknown table 't9'" in problems
    assert "participants[2].max_meetings: 'p3' is locked in 2 meetings, more than 0" in problems


def test_more_locked_meetings_than_tables_are_refused():
    instance = Instance(slots(1), [Table("t1", "onsite")], people(4),
                        [meeting("m1", "p1", "p2", lock=Lock("s1")), meeting("m2", "p3", "p4", lock=Lock("s1"))])
    assert refusal(solve, instance) == [
        "meetings: too many meetings are locked to slot 's1' (2 onsite) for its tables (1 on site, 0 online)"]


def test_malformed_documents_are_refused_field_by_field():
    problems = refusal(parse_instance, {"slots": {}, "tables": [3], "meetings": [
        {"id": "m1", "participants": "p1 p2", "lock": "s1", "colour": "red"}]})
    assert problems == [
        "slots: must be a list", "tables[0]: must be an object", "participants: missing",
        "meetings[0].colour: unknown field", "meetings[0].participants: must be a list of participant ids",
        "meetings[0].lock: must be an object with a slot and an optional table"]


# -- objectives on instances whose answer is known -----------------------------------------------------------------

def test_a_valuable_meeting_wins_the_last_table():
    instance = Instance(slots(1), [Table("t1", "onsite")], people(4),
                        [meeting("cheap", "p1", "p2", priority=1), meeting("dear", "p3", "p4", priority=3)])
    result = solve(instance, time_limit=5)
    assert placed(result) == {"dear": ("s1", "t1")}
    assert result.unscheduled == ["cheap"]
    assert result.figures.optimal and result.figures.upper_bound == 3


def test_no_idle_gap_when_the_day_can_be_packed():
    # p1 meets p2, p3 and p4; p4 can only come last. Packed: 0 gaps.
    instance = Instance(slots(4), [Table("t1", "onsite"), Table("t2", "onsite")],
                        people(4, p4=["s1", "s2"]),
                        [meeting("a", "p1", "p2"), meeting("b", "p1", "p3"), meeting("c", "p1", "p4")])
    for use_solver in (True, False):
        result = solve(instance, time_limit=5, use_solver=use_solver)
        assert result.figures.scheduled == 3
        assert result.figures.idle_gaps == 0
        assert placed(result)["c"][0] in {"s3", "s4"}


def test_a_forced_idle_gap_is_counted_and_an_unavailable_slot_is_not():
    instance = Instance(slots(3), [Table("t1", "onsite")], people(3, p2=["s2", "s3"], p3=["s1", "s2"]),
                        [meeting("a", "p1", "p2"), meeting("b", "p1", "p3")])
    assert solve(instance, time_limit=5).figures.idle_gaps == 1  # p1 waits in s2
    away = Instance(slots(3), [Table("t1", "onsite")],
                    people(3, p1=["s2"], p2=["s2", "s3"], p3=["s1", "s2"]),
                    [meeting("a", "p1", "p2"), meeting("b", "p1", "p3")])
    assert solve(away, time_limit=5).figures.idle_gaps == 0  # p1 is away in s2, not idle


def test_gaps_are_counted_within_a_session_only():
    instance = Instance(slots(4, sessions=2), [Table("t1", "onsite")], people(3, p2=["s2", "s3", "s4"],
                                                                             p3=["s1", "s2", "s3"]),
                        [meeting("a", "p1", "p2"), meeting("b", "p1", "p3")])
    result = solve(instance, time_limit=5)
    assert placed(result) == {"a": ("s1", "t1"), "b": ("s4", "t1")}
    assert result.figures.idle_gaps == 0  # s2 ends the morning, s3 starts the afternoon: nothing in between


def test_a_participant_keeps_their_table():
    instance = Instance(slots(2), [Table(f"t{i}", "onsite") for i in range(1, 4)], people(3, p3=["s1"]),
                        [meeting("first", "p1", "p2"), meeting("second", "p1", "p3")])
    result = solve(instance, time_limit=5)
    where = placed(result)
    assert where["first"][0] == "s1" and where["second"][0] == "s2"
    assert where["first"][1] == where["second"][1]
    assert result.figures.table_changes == 0


def test_modes_locks_and_limits_are_respected():
    instance = Instance(slots(3), [Table("t1", "onsite"), Table("room", "online")],
                        [Participant("p1", max_meetings=2), Participant("p2"), Participant("p3"), Participant("p4")],
                        [meeting("online", "p2", "p3", mode="online"),
                         meeting("either", "p2", "p4", mode="any"),
                         meeting("locked", "p1", "p4", priority=1, lock=Lock("s3", "t1")),
                         meeting("a", "p1", "p2", priority=3), meeting("b", "p1", "p3", priority=3)])
    result = solve(instance, time_limit=5)
    where = placed(result)
    assert not violations(instance, result.assignments)
    assert where["online"][1] == "room"
    assert where["locked"] == ("s3", "t1")
    assert {"a", "b"} & set(result.unscheduled)  # p1 may meet twice: the lock and one of a / b
    assert result.figures.scheduled_priority == 3 + 1 + 1 + 1 and result.figures.optimal


def best_by_enumeration(instance: Instance) -> int:
    """The most priority any schedule reaches, by trying every choice of slot (or none) for every meeting."""
    modes = {t.mode for t in instance.tables}
    capacity = {mode: sum(1 for t in instance.tables if t.mode == mode) for mode in modes}
    by_id = {p.id: p for p in instance.participants}
    choices = []
    for m in instance.meetings:
        own = [None] + [(s.id, mode) for s in instance.slots for mode in modes
                        if (m.mode in (mode, "any")) and not any(s.id in by_id[q].unavailable for q in m.participants)]
        choices.append(own)
    best = 0
    for combo in itertools.product(*choices):
        used, busy, count, ok = {}, set(), {}, True
        for m, choice in zip(instance.meetings, combo, strict=True):
            if choice is None:
                continue
            used[choice] = used.get(choice, 0) + 1
            if used[choice] > capacity[choice[1]]:
                ok = False
                break
            for q in m.participants:
                count[q] = count.get(q, 0) + 1
                limit = by_id[q].max_meetings
                if (q, choice[0]) in busy or (limit is not None and count[q] > limit):
                    ok = False
                busy.add((q, choice[0]))
            if not ok:
                break
        if ok:
            best = max(best, sum(m.priority for m, c in zip(instance.meetings, combo, strict=True) if c))
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), participants=st.integers(3, 6), meetings=st.integers(1, 6),
       slot_count=st.integers(1, 3), tables=st.integers(1, 2), unavailable=st.sampled_from([0.0, 0.2, 0.4]))
def test_the_solver_proves_the_optimum_of_small_instances(seed, participants, meetings, slot_count, tables,
                                                         unavailable):
    instance = generate(participants, meetings, slot_count, tables, unavailable=unavailable, seed=seed,
                        online_tables=0.5)
    result = solve(instance, time_limit=5, workers=1)
    assert result.figures.optimal
    assert result.figures.scheduled_priority == result.figures.upper_bound == best_by_enumeration(instance)


# -- invariants on random instances --------------------------------------------------------------------------------

@st.composite
def instances(draw) -> Instance:
    instance = generate(draw(st.integers(2, 25)), draw(st.integers(0, 60)), draw(st.integers(1, 8)),
                        draw(st.integers(1, 6)), unavailable=draw(st.sampled_from([0.0, 0.1, 0.3])),
                        seed=draw(st.integers(0, 100_000)), online_tables=draw(st.sampled_from([0.0, 0.3, 1.0])))
    limits = draw(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=len(instance.participants),
                           max_size=len(instance.participants)))
    instance.participants = [Participant(p.id, p.unavailable, limit)
                             for p, limit in zip(instance.participants, limits, strict=True)]
    # Lock a few meetings where a first-come schedule put them: locks that can hold.
    base = first_come(instance)
    locked = dict(list(placed(base).items())[:draw(st.integers(0, 3))])
    instance.meetings = [Meeting(m.id, m.participants, m.priority, m.mode,
                                 Lock(*locked[m.id]) if m.id in locked else None) for m in instance.meetings]
    return instance


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances())
def test_every_schedule_keeps_every_rule(instance):
    baseline = first_come(instance)
    assert not violations(instance, baseline.assignments)
    for use_solver in (False, True):
        result = solve(instance, time_limit=2, use_solver=use_solver, workers=1)
        assert not violations(instance, result.assignments)
        f = result.figures
        assert f.scheduled + len(result.unscheduled) == len(instance.meetings)
        assert f.scheduled_priority <= f.upper_bound
        assert f.optimal == (f.scheduled_priority == f.upper_bound)
        if use_solver:
            assert f.scheduled_priority >= baseline.figures.scheduled_priority


def test_the_solver_beats_the_first_come_baseline_on_a_crowded_event():
    instance = generate(60, 200, 12, 15, seed=1)
    baseline, result = first_come(instance), solve(instance, time_limit=10)
    assert not violations(instance, result.assignments)
    assert result.figures.optimal
    assert result.figures.scheduled_priority > baseline.figures.scheduled_priority
    assert result.figures.idle_gaps < baseline.figures.idle_gaps


def test_the_generator_makes_what_it_is_asked_deterministically():
    one, two = generate(100, 300, 16, 20, seed=7), generate(100, 300, 16, 20, seed=7)
    assert one == two and one != generate(100, 300, 16, 20, seed=8)
    assert (len(one.participants), len(one.meetings), len(one.slots), len(one.tables)) == (100, 300, 16, 20)
    assert {s.session for s in one.slots} == {"morning", "afternoon"}
    assert len({m.participants for m in one.meetings}) == 300


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), participants=st.integers(3, 6), meetings=st.integers(1, 6),
       slot_count=st.integers(1, 3), tables=st.integers(1, 2))
def test_the_selection_bound_is_never_below_the_best_schedule(seed, participants, meetings, slot_count, tables):
    instance = generate(participants, meetings, slot_count, tables, unavailable=0.2, seed=seed, online_tables=0.5)
    problem = compile_problem(instance)
    best = best_by_enumeration(instance)
    mip, cp_sat = select(problem, 5), select(problem, 5, workers=1, backend="CP_SAT")
    assert mip.bound == cp_sat.bound >= best
    assert sum(problem.priority[m] for m in mip.chosen) == mip.bound


def test_the_selection_bound_is_tighter_than_counting_seats():
    # Three meetings of p1, who is available in one slot of two, and two free tables: only one can happen.
    instance = parse_instance({
        "slots": [{"id": "a", "session": "am", "start": "2026-03-10T09:00", "end": "2026-03-10T09:20"},
                  {"id": "b", "session": "am", "start": "2026-03-10T09:20", "end": "2026-03-10T09:40"}],
        "tables": [{"id": "t1", "mode": "onsite"}, {"id": "t2", "mode": "onsite"}],
        "participants": [{"id": "p1", "unavailable": ["b"]}, {"id": "p2"}, {"id": "p3"}, {"id": "p4"}],
        "meetings": [{"id": "m1", "participants": ["p1", "p2"], "priority": 3},
                     {"id": "m2", "participants": ["p1", "p3"], "priority": 2},
                     {"id": "m3", "participants": ["p1", "p4"], "priority": 2}]})
    assert select(compile_problem(instance), 5).bound == 3
    result = solve(instance, time_limit=5)
    assert result.figures.upper_bound == result.figures.scheduled_priority == 3 and result.figures.optimal


def test_swaps_close_idle_gaps_when_every_table_is_taken():
    instance = generate(120, 600, 12, 20, seed=3)
    problem = compile_problem(instance)
    schedule = greedy(problem)
    assert sum(schedule.used[t][k] for t in range(problem.slot_count) for k in range(2)) == 12 * 20  # all taken
    priority, gaps = schedule.scheduled_priority(), schedule.gaps()
    improve_gaps_by_swaps(schedule, float("inf"))
    assert schedule.scheduled_priority() == priority
    assert schedule.gaps() < 0.6 * gaps
    assert not violations(instance, assignments(problem, schedule, assign_tables(schedule)))
