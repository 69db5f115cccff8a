"""The excellence engine on answers whose outcome is counted by hand: thresholds per level, staff answers that need
evidence, readiness per level and what is missing, and silver's three improvement actions."""

from __future__ import annotations

import json

import pytest

from filiera.monitoring import excellence
from filiera.monitoring.excellence import (
    ANSWERED_NO,
    BELOW,
    BRONZE,
    GOLD,
    NO_DATA,
    NO_EVIDENCE,
    NOT_ANSWERED,
    SILVER,
    Answer,
    evaluate,
)


def perfect(level: str = GOLD) -> dict[str, Answer]:
    """Answers that meet every criterion at every level up to gold."""
    answers = {}
    for criterion in excellence.CATALOGUE:
        if criterion.comparison == excellence.YES_NO:
            answers[criterion.code] = Answer(met=True, evidence=1)
        elif criterion.comparison == excellence.PRESENT:
            answers[criterion.code] = Answer(value=50000)
        else:
            threshold = max(t for _level, t in criterion.requires)
            value = min(t for _level, t in criterion.requires) if criterion.comparison == excellence.AT_MOST \
                else threshold
            answers[criterion.code] = Answer(value=value, evidence=0 if criterion.live else 1)
    return answers


def test_the_catalogue_covers_the_label_areas_and_every_criterion_says_what_it_needs():
    codes = [c.code for c in excellence.CATALOGUE]
    assert len(codes) == len(set(codes))
    assert {c.area for c in excellence.CATALOGUE} == set(excellence.AREAS)
    for criterion in excellence.CATALOGUE:
        assert criterion.question and criterion.evidence and criterion.levels
        assert criterion.comparison in (excellence.AT_LEAST, excellence.AT_MOST, excellence.PRESENT,
                                        excellence.YES_NO)
        if criterion.comparison in (excellence.AT_LEAST, excellence.AT_MOST):
            assert all(threshold is not None for _level, threshold in criterion.requires)
        # A level that requires a criterion also requires it at every higher level, never looser.
        levels = excellence.LEVELS[excellence.LEVELS.index(criterion.levels[0]):]
        assert criterion.levels == levels
    by_code = excellence.BY_CODE
    assert by_code["committed_members"].threshold(BRONZE) == 15 and by_code["committed_members"].source == "members"
    assert by_code["committed_members"].threshold(GOLD) > by_code["committed_members"].threshold(SILVER)
    assert by_code["member_helices"].threshold(BRONZE) == 2
    assert by_code["management_team"].threshold(BRONZE) == 0.5 and by_code["management_team"].source == "staff_fte"
    assert by_code["improvement_actions"].threshold(SILVER) == 3
    assert by_code["members_satisfied"].threshold(GOLD) > by_code["members_satisfied"].threshold(SILVER)
    assert not by_code["members_satisfied"].required_for(BRONZE)
    assert by_code["strategy"].source == excellence.STAFF
    # Bronze asks 14 criteria, silver all but the team's development plan, gold all 26.
    assert [sum(1 for c in excellence.CATALOGUE if c.required_for(level)) for level in excellence.LEVELS] == \
        [14, 25, 26]


def test_nothing_known_is_nothing_ready():
    evaluation = evaluate({})
    assert evaluation.readiness == {BRONZE: 0, SILVER: 0, GOLD: 0}
    assert len(evaluation.missing[BRONZE]) == 14 and len(evaluation.missing[GOLD]) == 26
    reasons = {gap.criterion: gap.reason for gap in evaluation.missing[BRONZE]}
    assert reasons["committed_members"] == NO_DATA and reasons["strategy"] == NOT_ANSWERED


def test_everything_met_is_fully_ready():
    evaluation = evaluate(perfect())
    assert evaluation.readiness == {BRONZE: 100, SILVER: 100, GOLD: 100}
    assert evaluation.missing == {BRONZE: [], SILVER: [], GOLD: []}


def test_readiness_counted_by_hand():
    answers = {
        "committed_members": Answer(value=20),  # bronze (15) yes; silver (25), gold (50) no
        "member_helices": Answer(value=2),  # bronze, silver yes; gold (3) no
        "management_team": Answer(value=0.5),  # bronze yes; silver (1), gold (2) no
        "members_in_governance": Answer(met=True, evidence=1),  # every level
        "budget": Answer(value=120000),  # every level
        "strategy": Answer(met=True),  # no evidence: not met
        "measurable_targets": Answer(value=5),  # bronze, silver yes; gold (8) no
        "implementation_plan": Answer(met=False, evidence=1),  # answered no
        "services": Answer(value=4, evidence=1),  # bronze (3) yes; silver (5) no
        # events: no figure
        "success_stories": Answer(value=2, evidence=2),  # bronze, silver yes; gold (4) no
        "media_coverage": Answer(value=2),  # bronze yes; silver (5) no
        "satisfaction_measured": Answer(value=66.7),  # every level (10, 25, 40)
        "improvement_actions": Answer(value=2),  # bronze yes; silver (3) no
    }
    evaluation = evaluate(answers)
    # Bronze: 11 of 14 (strategy, implementation plan and events missing) = 78.6 -> 79.
    assert evaluation.met_count(BRONZE) == 11 and evaluation.required(BRONZE) == 14
    assert evaluation.readiness[BRONZE] == 79
    assert [(gap.criterion, gap.reason) for gap in evaluation.missing[BRONZE]] == [
        ("strategy", NO_EVIDENCE), ("implementation_plan", ANSWERED_NO), ("events", NO_DATA)]
    # Silver: helices, governance, budget, targets, success stories and the survey = 6 of 25 = 24.
    assert evaluation.met_count(SILVER) == 6 and evaluation.readiness[SILVER] == 24
    # Gold: governance, budget and the survey = 3 of 26 = 11.5 -> 12.
    assert evaluation.met_count(GOLD) == 3 and evaluation.readiness[GOLD] == 12
    members = evaluation.outcomes["committed_members"]
    assert members.met == {BRONZE: True, SILVER: False, GOLD: False} and members.gaps[SILVER] == BELOW
    assert members.source == "members" and members.answered
    assert not evaluation.outcomes["events"].answered


def test_silver_needs_three_documented_improvement_actions():
    answers = perfect()
    answers["improvement_actions"] = Answer(value=2)
    evaluation = evaluate(answers)
    assert evaluation.readiness[BRONZE] == 100
    assert evaluation.readiness[SILVER] == 96  # 24 of 25
    assert [gap.criterion for gap in evaluation.missing[SILVER]] == ["improvement_actions"]
    answers["improvement_actions"] = Answer(value=3)
    assert evaluate(answers).readiness[SILVER] == 100


def test_thresholds_at_most_and_present():
    largest = excellence.BY_CODE["largest_funding_share"]
    evaluation = evaluate({"largest_funding_share": Answer(value=60, evidence=1)})
    assert evaluation.outcomes["largest_funding_share"].met == {SILVER: True, GOLD: False}
    assert evaluation.outcomes["largest_funding_share"].gaps == {GOLD: BELOW}
    assert largest.reaches(50, GOLD) and not largest.reaches(50.1, GOLD)
    assert evaluate({"budget": Answer(value=0)}).outcomes["budget"].gaps[BRONZE] == BELOW
    assert evaluate({"budget": Answer(value=1)}).outcomes["budget"].met[BRONZE]
    assert excellence.BY_CODE["committed_members"].reaches(15, BRONZE)
    assert not excellence.BY_CODE["committed_members"].reaches(14, BRONZE)


def test_staff_answers_need_evidence_and_the_right_kind_of_answer():
    # A figure criterion is judged by its figure, not by a yes; a yes/no criterion by the yes.
    evaluation = evaluate({"services": Answer(met=True, evidence=1), "strategy": Answer(value=7, evidence=1)})
    assert evaluation.outcomes["services"].gaps[BRONZE] == NOT_ANSWERED
    assert evaluation.outcomes["strategy"].gaps[BRONZE] == NOT_ANSWERED
    evaluation = evaluate({"services": Answer(value=7), "strategy": Answer(met=True, evidence=3)})
    assert evaluation.outcomes["services"].gaps == {BRONZE: NO_EVIDENCE, SILVER: NO_EVIDENCE, GOLD: NO_EVIDENCE}
    assert all(evaluation.outcomes["strategy"].met.values())
    # A live criterion is met by its figure alone: staff's yes does not count, evidence is not needed.
    evaluation = evaluate({"events": Answer(met=True, evidence=2)})
    assert evaluation.outcomes["events"].gaps[BRONZE] == NO_DATA


@pytest.mark.parametrize(("met", "required", "percent"), [(1, 8, 13), (1, 3, 33), (2, 3, 67), (0, 0, 0), (5, 5, 100)])
def test_readiness_rounds_half_up(met, required, percent):
    assert excellence._percent(met, required) == percent


def test_the_evaluation_is_json_ready():
    data = evaluate({"committed_members": Answer(value=16)}).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["criteria"]["committed_members"] == {"value": 16, "met": {BRONZE: True, SILVER: False, GOLD: False},
                                                     "source": "members", "answered": True,
                                                     "reasons": {SILVER: BELOW, GOLD: BELOW}}
    assert data["readiness"][BRONZE] == 7  # 1 of 14
    assert "committed_members" not in data["missing"][BRONZE] and "committed_members" in data["missing"][GOLD]
