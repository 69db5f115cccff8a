"""Random brokerage instances in the manner of the B2B-scheduling literature (Bofill et al., "Scheduling B2B
meetings", CP 2014; Pesant, Rix and Rousseau, CPAIOR 2015): P participants, M requested meetings, T slots in a
morning and an afternoon session, L tables of which a fifth are online rooms, a share of unavailable slots.

- Requests are skewed as at real events: a few participants (large companies, hospitals) are asked by many;
  no participant is asked more than twice the number of slots.
- A twentieth of the meetings are group meetings of three; priorities are 3 for mutual requests (a fifth), 2 for a
  third of them and 1 otherwise; most meetings are on site, some online, some either.
- Unavailability comes in blocks, as people arrive late, leave early or step out: on average `unavailable` of a
  participant's slots.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import accumulate

from filiera.events.scheduling.instance import Instance, Meeting, Participant, Slot, Table

SIZES = {
    "S": dict(participants=60, meetings=200, slots=12, tables=15),
    "M": dict(participants=300, meetings=1500, slots=16, tables=50),
    "L": dict(participants=1000, meetings=6000, slots=24, tables=150),
    "XL": dict(participants=3000, meetings=20000, slots=32, tables=400),
}


def generate(participants: int, meetings: int, slots: int, tables: int, unavailable: float = 0.1,
             seed: int = 0, online_tables: float = 0.2) -> Instance:
    rng = random.Random(seed)
    morning = (slots + 1) // 2
    day = datetime(2026, 3, 10)
    slot_list = []
    for i in range(slots):
        session, index = ("morning", i) if i < morning else ("afternoon", i - morning)
        start = day + timedelta(hours=9 if session == "morning" else 14, minutes=20 * index)
        slot_list.append(Slot(f"s{i + 1}", session, start.isoformat(timespec="minutes"),
                              (start + timedelta(minutes=20)).isoformat(timespec="minutes")))
    online = round(tables * online_tables)
    table_list = [Table(f"t{i + 1}", "online" if i >= tables - online else "onsite") for i in range(tables)]

    people = []
    for i in range(participants):
        away: set[str] = set()
        want = round(rng.uniform(0, 2 * unavailable) * slots)
        if want:
            kind = rng.random()
            if kind < 0.4:  # arrives late
                block = range(0, want)
            elif kind < 0.8:  # leaves early
                block = range(slots - want, slots)
            else:  # steps out
                first = rng.randrange(0, slots - want + 1)
                block = range(first, first + want)
            away = {slot_list[j].id for j in block}
        people.append(Participant(f"p{i + 1}", frozenset(away)))

    # Popularity: Zipf-like weights, with no participant asked more than twice the number of slots.
    weights = [1 / (rank + 1) ** 0.6 for rank in range(participants)]
    rng.shuffle(weights)
    cumulative = list(accumulate(weights))
    population = range(participants)
    asked = [0] * participants
    cap = 2 * slots
    pairs: set[tuple[int, ...]] = set()
    meeting_list = []
    tries = 0
    while len(meeting_list) < meetings and tries < 50 * meetings and participants >= 2:
        tries += 1
        size = 3 if rng.random() < 0.05 and participants >= 3 else 2
        chosen = set()
        while len(chosen) < size:
            chosen.add(rng.choices(population, cum_weights=cumulative)[0])
        key = tuple(sorted(chosen))
        if key in pairs or any(asked[q] >= cap for q in key):
            continue
        pairs.add(key)
        for q in key:
            asked[q] += 1
        roll = rng.random()
        priority = 3 if roll < 0.2 else 2 if roll < 0.5 else 1
        roll = rng.random()
        mode = "online" if roll < 0.1 else "any" if roll < 0.2 else "onsite"
        meeting_list.append(Meeting(f"m{len(meeting_list) + 1}", tuple(f"p{q + 1}" for q in key), priority, mode))
    return Instance(slot_list, table_list, people, meeting_list)


def generate_size(size: str, unavailable: float = 0.1, seed: int = 0) -> Instance:
    return generate(**SIZES[size], unavailable=unavailable, seed=seed)
