"""The indicators on a cluster whose 2025 is counted by hand (tests/monitoring/conftest.py), the engine's rules for
status and trend, the value-chain cut, and the collaboration network's figures with their cache."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from filiera.directory.models import Organisation
from filiera.monitoring import kpis, services
from filiera.network import engine
from filiera.network import services as network
from filiera.projects.models import Partner, Project

TODAY = datetime.date(2026, 12, 6)


def facts_with_network(cluster, years, today=TODAY) -> kpis.Facts:
    facts = services.facts_of(cluster, today)
    services.add_network_figures(cluster, facts, years, today)
    return facts


@pytest.mark.django_db
def test_every_live_indicator_of_2025_as_counted_by_hand(cluster_a, history):
    result = kpis.compute(facts_with_network(cluster_a, [2025]), 2025)
    assert result.values == {
        "members": 3, "sme_share": 66.7, "members_joined": 1, "members_lapsed": 1, "retention": 66.7,
        "active_members": 2, "active_share": 66.7,
        "events": 1, "event_participants": 2, "meetings_held": 1, "meetings_followed_up": 1, "agreements": 1,
        "projects_submitted": 2, "projects_funded": 1, "success_rate": 50.0, "funding_total": 1000000.0,
        "funding_to_members": 600000.0, "international_partners": 2, "partner_countries": 2,
        "cluster_collaborations": 1, "network_density": 26.67, "cross_border_ties": 3, "cross_border_share": 75.0,
        "isolated_members": 2, "satisfaction": 50.0, "satisfaction_score": 4.0, "survey_response_rate": 66.7,
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
def test_the_collaboration_network_of_a_year_counted_by_hand(cluster_a, history, org_a):
    """2025: the members of the year are org_a, the hospital, the university (until September) and the startup
    (from February); they are tied to the German member of beta and the French lab. Ties: org_a – hospital (the
    running project, and the meeting with its agreement), org_a – German and hospital – German (the running project),
    org_a – French (the public record); the fair ties nobody (org_a was its only confirmed organisation) and the
    rejected project has one partner. N = 6, E = 4: density 2 × 4 / (6 × 5) = 26.67 %; cross-border: 3 of the 4
    ties (75 %); the university and the startup are tied to nobody. 2024: org_a, the hospital and the university,
    with no tie (the 2024 fair had one organisation): density 0, no tie with two countries, 3 members alone."""
    facts = facts_with_network(cluster_a, [2024, 2025])
    assert facts.network[2025] == kpis.NetworkFigures(organisations=6, ties=4, density=pytest.approx(8 / 30),
                                                      cross_border_ties=3, cross_border_share=0.75,
                                                      isolated_members=2)
    assert facts.network[2024] == kpis.NetworkFigures(organisations=3, ties=0, density=0.0, cross_border_ties=0,
                                                      cross_border_share=None, isolated_members=3)
    before = kpis.compute(facts, 2024).values
    assert [before[code] for code in ("network_density", "cross_border_ties", "cross_border_share",
                                      "isolated_members")] == [0.0, 0, None, 3]
    # The same figures as the Network page's analysis of 2025, every kind of tie.
    found = network.collaboration(network.Scope.of(cluster_a, datetime.date(2025, 1, 1),
                                                   datetime.date(2025, 12, 31)), TODAY)
    measured = engine.measure(found.graph(), members=found.members)
    assert (measured.node_count, measured.edge_count, measured.cross_border_ties, len(measured.isolated_members),
            measured.cross_border_share) == (6, 4, 3, 2, 0.75)
    assert measured.density == pytest.approx(facts.network[2025].density)
    # Not for a value chain, nor for a year not asked about.
    chain = kpis.compute(facts, 2025, org_a.value_chains.get().pk).values
    assert chain["network_density"] is None and chain["isolated_members"] is None
    assert kpis.compute(facts, 2023).values["network_density"] is None
    assert all(kpis.BY_CODE[code].whole_cluster for code in ("network_density", "cross_border_ties",
                                                             "cross_border_share", "isolated_members"))


@pytest.mark.django_db
def test_network_figures_are_cached_until_their_facts_change(cluster_a, history, org_a,
                                                             django_assert_num_queries):
    assert facts_with_network(cluster_a, [2024, 2025]).network[2025].ties == 4
    facts = services.facts_of(cluster_a, TODAY)
    with django_assert_num_queries(0):  # from the cache
        services.add_network_figures(cluster_a, facts, [2024, 2025], TODAY)
    assert facts.network[2025].ties == 4
    # A new project of 2025 with a Spanish partner: the 2025 figures are counted again at once, 2024's are not.
    spanish = Organisation.objects.create(slug="madrid-lab", name="Madrid Lab", kind="research_centre", country="ES")
    project = Project.objects.create(cluster=cluster_a, acronym="NEW", status="proposal",
                                     start_date=datetime.date(2025, 10, 1))
    for organisation in (org_a, spanish):
        Partner.objects.create(project=project, organisation=organisation)
    facts = services.facts_of(cluster_a, TODAY)
    keys = services._network_keys(cluster_a, facts, [2024, 2025])
    assert keys[2024] in cache and keys[2025] not in cache
    services.add_network_figures(cluster_a, facts, [2024, 2025], TODAY)
    assert (facts.network[2025].organisations, facts.network[2025].ties, facts.network[2025].cross_border_ties) == (
        7, 5, 4)
    assert facts.network[2024].ties == 0


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
