"""Partners from the collaboration history (a pure engine): small histories whose answer is known — partners of
past partners before strangers, the kinds that go with the organisation's own, exclusions, the date cut-off, an
organisation without history, a deterministic order, the popularity baseline — and, on random histories
(hypothesis), never itself nor an excluded one, at most `top`, best first."""

from __future__ import annotations

import datetime
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.projects.history import (
    UNKNOWN,
    CollaborationHistory,
    Participation,
    Weights,
    popular,
    recommend,
)


def participations(*projects: tuple[str, ...], start: datetime.date | None = None) -> list[Participation]:
    """One project per tuple of members, named p1, p2, … in order."""
    return [Participation(f"p{i}", org, start=start) for i, members in enumerate(projects, 1) for org in members]


def history_of(*projects: tuple[str, ...], kinds: dict[str, str] | None = None) -> CollaborationHistory:
    return CollaborationHistory.from_participations(participations(*projects), kinds)


def ids(recommendations) -> list[str]:
    return [r.organisation for r in recommendations]


# Hospitals work with SMEs, universities with universities; every organisation is in one project.
KINDS = {**{f"h{i}": "hospital" for i in range(1, 10)}, **{f"s{i}": "sme" for i in range(1, 10)},
         **{f"u{i}": "university" for i in range(1, 10)}}
PAIRS = (("h1", "s1"), ("h2", "s2"), ("h3", "s3"), ("h4", "s4"), ("u1", "u2"), ("u3", "u4"), ("u5", "u6"),
         ("u7", "u8"))


def test_the_history_counts_projects_and_shared_projects():
    history = history_of(("me", "a", "b"), ("me", "a"), ("c",))
    assert history.projects == {"me": 2, "a": 2, "b": 1, "c": 1}
    assert history.graph["me"]["a"]["weight"] == 2 and history.graph["a"]["b"]["weight"] == 1
    assert not history.graph.has_edge("me", "c")
    assert history.kind_of("me") == UNKNOWN


def test_a_partner_of_a_past_partner_ranks_above_a_stranger_and_the_past_partner_first():
    history = history_of(("me", "a"), ("a", "friend"), ("stranger", "other"))
    found = recommend(history, "me")
    assert ids(found) == ["a", "friend", "other", "stranger"]
    a, friend, other, stranger = found
    assert a.reasons == ["worked with you in 1 project", "in 2 projects"]
    assert friend.reasons == ["worked with 1 of your past partners", "in 1 project"]
    assert stranger.reasons == ["in 1 project"] and friend.score > stranger.score == other.score


def test_past_partners_can_be_left_out():
    history = history_of(("me", "a"), ("a", "friend"))
    assert ids(recommend(history, "me", include_past_partners=False)) == ["friend"]


def test_more_shared_past_partners_rank_higher():
    history = history_of(("me", "a", "b"), ("a", "x"), ("b", "x"), ("a", "y"), ("y", "t"), ("z", "u"), ("z", "v"))
    found = ids(recommend(history, "me", include_past_partners=False))
    assert found[:3] == ["x", "y", "z"]  # all three in two projects; x worked with two of my partners, y with one


def test_a_kind_that_goes_with_the_organisations_own_ranks_higher():
    history = history_of(*PAIRS, ("h5", "x"), kinds=KINDS)
    assert history.lift("hospital", "sme") > 1 > history.lift("hospital", "university")
    found = recommend(history, "h5", include_past_partners=False)
    # All in one project: the SMEs first, then hospitals, which meet hospitals a little more than universities.
    assert ids(found) == [*(f"s{i}" for i in range(1, 5)), *(f"h{i}" for i in range(1, 5)),
                          *(f"u{i}" for i in range(1, 9))]
    assert "an SME, a kind often in consortia with a hospital" in found[0].reasons
    # Without the kind term, every one-project organisation is alike: by id.
    plain = recommend(history, "h5", include_past_partners=False, weights=Weights(kind=0.0))
    assert ids(plain)[:3] == ["h1", "h2", "h3"]


def test_a_kind_the_organisations_consortia_include_is_said_so():
    history = history_of(*PAIRS, kinds=KINDS)
    found = recommend(history, "h1", include_past_partners=False)
    assert found[0].organisation == "s2"
    assert found[0].reasons == ["an SME, a kind your consortia often include", "in 1 project"]


def test_an_organisation_without_history_gets_the_experienced_ones_of_the_kinds_that_go_with_its_own():
    history = history_of(*PAIRS, ("s2",), ("s2",), kinds=KINDS)  # s2 also ran two projects alone
    found = recommend(history, "h9", top=5)  # known only by its kind
    assert ids(found) == ["s2", "s1", "s3", "s4", "h1"]  # s2 is in three projects, the others in one
    assert all(r.reasons[-1].startswith("in ") for r in found)
    newcomer = recommend(history, "nobody", top=3, kind="university")  # not in the history at all
    assert ids(newcomer) == ["s2", "u1", "u2"]  # the kind tilts the experience, it does not outweigh it
    # With nothing to go by, the most experienced first.
    assert ids(recommend(history, "nobody", top=3)) == ["s2", "h1", "h2"]


def test_excluded_organisations_and_other_kinds_are_left_out():
    history = history_of(*PAIRS, ("h5", "s1", "u1"), kinds=KINDS)
    found = ids(recommend(history, "h5", exclude={"s1", "s2"}))
    assert "s1" not in found and "s2" not in found and "h5" not in found and "u1" in found
    only = recommend(history, "h5", kinds={"university"})
    assert ids(only)[0] == "u1" and {KINDS[o] for o in ids(only)} == {"university"}


def test_before_keeps_only_the_projects_that_started_earlier():
    rows = [*participations(("me", "old"), start=datetime.date(2016, 5, 1)),
            Participation("late", "me", start=datetime.date(2018, 1, 1)),
            Participation("late", "new", "coordinator", datetime.date(2018, 1, 1)),
            Participation("undated", "me"), Participation("undated", "someone")]
    everything = CollaborationHistory.from_participations(rows)
    assert everything.projects == {"me": 3, "old": 1, "new": 1, "someone": 1}
    history = CollaborationHistory.from_participations(rows, before=datetime.date(2018, 1, 1))
    assert history.projects == {"me": 1, "old": 1}  # the undated project is not known to be earlier
    assert ids(recommend(history, "me")) == ["old"]
    # A project starts at its earliest date, whatever the order of its rows.
    split = [Participation("p", "a", start=datetime.date(2019, 1, 1)),
             Participation("p", "b", start=datetime.date(2017, 1, 1))]
    assert CollaborationHistory.from_participations(split, before=datetime.date(2018, 1, 1)).projects == {"a": 1,
                                                                                                        "b": 1}


def test_the_order_is_deterministic_ties_by_id_whatever_the_input_order():
    projects = [("me", "b"), ("me", "a"), ("a", "c"), ("b", "c"), ("d", "e"), ("f",), ("g", "h", "i")]
    rows = participations(*projects)
    expected = recommend(CollaborationHistory.from_participations(rows), "me")
    assert ids(expected)[:3] == ["c", "a", "b"]  # c worked with both my partners; a and b score alike
    assert ids(expected)[3:] == ["d", "e", "f", "g", "h", "i"]  # strangers in one project each: by id
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        again = recommend(CollaborationHistory.from_participations(shuffled), "me")
        assert [(r.organisation, r.score, r.reasons) for r in again] == \
            [(r.organisation, r.score, r.reasons) for r in expected]


def test_popularity_baseline_ranks_by_projects_then_id():
    history = history_of(("a", "b"), ("b", "c"), ("c", "d"), ("b", "d"))
    found = popular(history, top=3)
    assert ids(found) == ["b", "c", "d"] and [r.score for r in found] == [3, 2, 2]
    assert found[0].reasons == ["in 3 projects"]
    assert ids(popular(history, top=10, exclude={"b"})) == ["c", "d", "a"]
    assert popular(history, top=0) == []


@st.composite
def histories(draw):
    orgs = [f"o{i}" for i in range(draw(st.integers(1, 12)))]
    kinds = ["sme", "university", "hospital"]
    projects = draw(st.lists(st.lists(st.sampled_from(orgs), min_size=1, max_size=5), min_size=0, max_size=10))
    rows = [Participation(f"p{i}", org, start=datetime.date(2014 + i % 6, 1, 1))
            for i, members in enumerate(projects) for org in members]
    kind_of = {o: draw(st.sampled_from(kinds)) for o in orgs if draw(st.booleans())}
    before = draw(st.sampled_from([None, datetime.date(2017, 1, 1)]))
    history = CollaborationHistory.from_participations(rows, kind_of, before)
    organisation = draw(st.sampled_from([*orgs, "outsider"]))
    exclude = set(draw(st.lists(st.sampled_from(orgs), max_size=4)))
    return history, organisation, exclude


@settings(max_examples=150, deadline=None)
@given(case=histories(), top=st.integers(0, 15), include_past_partners=st.booleans(),
       weights=st.sampled_from([Weights(), Weights(kind=1.0), Weights(0.0, 1.0, 0.0, 0.0)]))
def test_never_itself_nor_an_excluded_one_at_most_top_best_first(case, top, include_past_partners, weights):
    history, organisation, exclude = case
    found = recommend(history, organisation, top, exclude, include_past_partners=include_past_partners,
                      weights=weights)
    assert len(found) <= top
    assert organisation not in ids(found) and not exclude & set(ids(found))
    assert len(set(ids(found))) == len(found)
    assert all(r.score > 0 and r.reasons for r in found)
    keys = [(-r.score, r.organisation) for r in found]
    assert keys == sorted(keys)
    if not include_past_partners:
        assert not set(ids(found)) & set(history.ties.get(organisation, {}))
    baseline = popular(history, top, exclude)
    assert len(baseline) <= top and not exclude & set(ids(baseline))
    assert [(-r.score, r.organisation) for r in baseline] == sorted((-r.score, r.organisation) for r in baseline)
