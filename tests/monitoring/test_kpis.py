"""The indicators on a cluster whose 2025 is counted by hand (tests/monitoring/conftest.py), the engine's rules for
status and trend, and the value-chain cut."""

from __future__ import annotations

import datetime

import pytest

from filiera.monitoring import kpis, services

TODAY = datetime.date(2026, 12, 6)


@pytest.mark.django_db
def test_every_live_indicator_of_2025_as_counted_by_hand(cluster_a, history):
    result = kpis.compute(services.facts_of(cluster_a, TODAY), 2025)
    assert result.values == {
        "members": 3, "sme_share": 66.7, "members_joined": 1, "members_lapsed": 1, "retention": 66.7,
        "active_members": 2, "active_share": 66.7,
        "events": 1, "event_participants": 2, "meetings_held": 1, "meetings_followed_up": 1, "agreements": 1,
        "projects_submitted": 2, "projects_funded": 1, "success_rate": 50.0, "funding_total": 1000000.0,
        "funding_to_members": 600000.0, "international_partners": 2, "partner_countries": 2,
        "cluster_collaborations": 1, "satisfaction": 50.0, "satisfaction_score": 4.0, "survey_response_rate": 66.7,
        "staff_fte": None, "budget": None, "media_coverage": None,
    }
    assert result.breakdowns == {"members_by_kind": {"sme": 1, "hospital": 1, "startup": 1},
                                 "members_by_helix": {"industry": 2, "public": 1},
                                 "members_by_country": {"IT": 3}}


@pytest.mark.django_db
def test_the_year_before_and_a_value_chain(cluster_a, history, value_chain):
    before = kpis.compute(services.facts_of(cluster_a, TODAY), 2024).values
    assert (before["members"], before["members_joined"], before["events"], before["event_participants"]) == (
        3, 1, 1, 1)
    assert before["projects_submitted"] == 0 and before["success_rate"] is None
    assert (before["satisfaction"], before["satisfaction_score"], before["survey_response_rate"]) == (0.0, 2.0, None)
    # Only org_a is in the "biomedical" value chain.
    chain = kpis.compute(services.facts_of(cluster_a, TODAY), 2025, value_chain.pk).values
    assert (chain["members"], chain["sme_share"], chain["events"], chain["event_participants"]) == (1, 100.0, 1, 1)
    assert (chain["meetings_held"], chain["projects_submitted"], chain["funding_to_members"]) == (1, 1, 600000.0)
    assert (chain["satisfaction"], chain["satisfaction_score"], chain["survey_response_rate"]) == (100.0, 5.0, 100.0)


@pytest.mark.django_db
def test_events_and_meetings_count_once_they_took_place(cluster_a, history):
    result = kpis.compute(services.facts_of(cluster_a, datetime.date(2025, 5, 1)), 2025)
    assert result.values["events"] == 0 and result.values["meetings_held"] == 0


def indicator(code):
    return kpis.BY_CODE[code]


@pytest.mark.parametrize("code, value, target, year, today, expected", [
    ("events", 10, 10, 2025, TODAY, kpis.MET),
    ("events", 9, 10, 2025, TODAY, kpis.MISSED),
    ("events", 6, 10, 2026, datetime.date(2026, 7, 1), kpis.ON_TRACK),  # half the year gone, 6 of 10 done
    ("events", 4, 10, 2026, datetime.date(2026, 7, 1), kpis.AT_RISK),
    ("events", 10, 10, 2026, datetime.date(2026, 3, 1), kpis.MET),
    ("members", 120, 100, 2026, datetime.date(2026, 3, 1), kpis.ON_TRACK),
    ("members", 90, 100, 2026, datetime.date(2026, 3, 1), kpis.AT_RISK),
    ("members_lapsed", 3, 5, 2026, datetime.date(2026, 3, 1), kpis.ON_TRACK),
    ("members_lapsed", 6, 5, 2026, datetime.date(2026, 3, 1), kpis.MISSED),
    ("members_lapsed", 4, 5, 2025, TODAY, kpis.MET),
    ("members", 5, None, 2025, TODAY, None),
    ("sme_share", None, 50, 2025, TODAY, None),
])
def test_status_against_the_target(code, value, target, year, today, expected):
    assert kpis.status(indicator(code), value, target, year, today) == expected


def test_trend():
    assert kpis.trend(12, 10) == 2 and kpis.trend(None, 10) is None and kpis.trend(3.5, 4) == -0.5
