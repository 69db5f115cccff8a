"""The monitoring back office through the real HTTP stack: the KPI dashboard (staff, managers and observers read it;
outsiders get a 404), the targets and figures pages (staff only: observers get a 404, like every staff page of the
back office), and a network's clusters side by side (its coordinator and admins)."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest

from filiera.core.models import Cluster, Network
from filiera.monitoring.models import ManualFigure, Target

DASHBOARD = "/c/alpha/monitoring/"
TARGETS = "/c/alpha/monitoring/targets/"
FIGURES = "/c/alpha/monitoring/figures/"


def row(html: str, code: str) -> str:
    """The KPI table's row of an indicator."""
    match = re.search(rf'<tr data-indicator="{code}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(1)


def cells(html: str, code: str) -> list[str]:
    """The text of a row's cells: value, previous year, change, target, status."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row(html, code),
                                                                         re.S)]


def chart(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart data {element_id}"
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_the_dashboard_is_for_the_cluster_s_staff_and_observers(as_user, client, admin, manager, staff, observer,
                                                                 member, outsider):
    assert client.get(DASHBOARD).status_code == 302  # sign in first
    assert "/accounts/login/" in client.get(DASHBOARD)["Location"]
    for user in (outsider, member):
        assert as_user(user).get(DASHBOARD).status_code == 404
    for user in (admin, manager, staff, observer):
        assert as_user(user).get(DASHBOARD).status_code == 200
    # Targets and figures are the staff's: an observer, a member and another cluster's staff get a 404.
    for url in (TARGETS, FIGURES):
        assert client.get(url).status_code == 302
        for user in (observer, member, outsider):
            assert as_user(user).get(url).status_code == 404
        for user in (admin, manager, staff):
            assert as_user(user).get(url).status_code == 200
    # Beta's staff do not see alpha's monitoring through beta's back office either.
    assert as_user(staff).get("/c/beta/monitoring/").status_code == 404


@pytest.mark.django_db
def test_the_dashboard_shows_2025_as_counted_by_hand(as_user, staff, history):
    html = as_user(staff).get(DASHBOARD, {"year": "2025"}).content.decode()
    assert cells(html, "members")[:2] == ["3", "3"]  # 31 Dec 2025 and 31 Dec 2024
    assert cells(html, "sme_share")[0] == "66.7 %"
    assert cells(html, "retention")[0] == "66.7 %"
    assert cells(html, "active_members")[0] == "2"
    assert cells(html, "events")[:2] == ["1", "1"]
    assert cells(html, "event_participants")[0] == "2"
    assert cells(html, "agreements")[0] == "1"
    assert cells(html, "projects_submitted")[0] == "2"
    assert cells(html, "success_rate")[0] == "50 %"
    assert cells(html, "funding_total")[:2] == ["1,000,000 EUR", "0 EUR"]
    assert cells(html, "funding_to_members")[0] == "600,000 EUR"
    assert cells(html, "international_partners")[0] == "2"
    assert cells(html, "satisfaction_score")[:2] == ["4.0", "2.0"]
    assert cells(html, "survey_response_rate")[0] == "66.7 %"
    assert cells(html, "staff_fte")[0] == "–"  # nothing entered
    # The collaboration network of 2025 and of 2024 (counted in tests/monitoring/test_kpis.py), with the network
    # page of the year a click away.
    assert cells(html, "network_density")[:3] == ["26.67 %", "0 %", "+26.67 pp (better)"]
    assert cells(html, "cross_border_ties")[:2] == ["3", "0"] and cells(html, "cross_border_share")[:2] == ["75 %", "–"]
    assert cells(html, "isolated_members")[:3] == ["2", "3", "−1 (better)"]
    assert "text-success" in row(html, "isolated_members")  # fewer members alone is better
    assert html.index("International") < html.index("Collaboration network") < html.index('data-indicator="network')
    assert 'href="/c/alpha/network/?start=2025-01-01&amp;end=2025-12-31"' in html
    # The trend: more satisfied members is good (green, up); more members lapsing is bad (red, up).
    assert "text-success" in row(html, "satisfaction_score") and "bi-arrow-up-right" in row(html, "satisfaction_score")
    assert cells(html, "satisfaction_score")[2].startswith("+2.0")
    assert "text-danger" in row(html, "members_lapsed") and "bi-arrow-up-right" in row(html, "members_lapsed")
    assert cells(html, "satisfaction")[2].startswith("+50 pp")  # 0 % of 2024's answers were satisfied
    assert "text-body-secondary" in row(html, "members") and cells(html, "members")[2].startswith("±0")
    # Grouped by area, the staff's links to targets and figures.
    assert html.index("Events and meetings") < html.index('data-indicator="events"') < html.index("International")
    assert "Targets of 2025" in html and "Enter figures" in html
    # The year's annual report, from the dashboard (not for a year still to come).
    assert "/c/alpha/monitoring/reports/annual/?year=2025&amp;format=pdf" in html
    next_year = datetime.date.today().year + 1
    assert "reports/annual/" not in as_user(staff).get(DASHBOARD, {"year": next_year}).content.decode()

    trend = chart(html, "chart-trend")
    assert trend["categories"] == ["2021", "2022", "2023", "2024", "2025"]
    members = next(s for s in trend["series"] if s["name"] == "Members")
    funding = next(s for s in trend["series"] if s["name"] == "Funding attracted")
    assert members["values"] == [2, 2, 2, 3, 3] and funding["values"][-1] == 1000000 and funding["axis"] == 1
    kinds = {item["name"]: item["value"] for item in chart(html, "chart-kind")["items"]}
    assert kinds == {"SME": 1, "Hospital / health authority": 1, "Start-up": 1}
    helices = {item["name"]: item["value"] for item in chart(html, "chart-helix")["items"]}
    assert helices == {"Industry": 2, "Health and public sector": 1}
    assert chart(html, "chart-country")["categories"] == ["Italy"]
    assert "vendor/echarts/echarts.common.min.js" in html and "filiera/monitoring-charts.js" in html


@pytest.mark.django_db
def test_the_dashboard_of_a_value_chain_and_its_years(as_user, observer, history, cluster_a):
    html = as_user(observer).get(DASHBOARD, {"year": "2025", "value_chain": "biomedical"}).content.decode()
    assert cells(html, "members")[0] == "1"  # only org_a is in the chain
    assert cells(html, "satisfaction_score")[0] == "5.0"
    assert 'data-indicator="staff_fte"' not in html  # figures are for the whole cluster
    assert 'data-indicator="network_density"' not in html and "for the whole cluster only" in html
    assert '<option value="biomedical" selected>' in html
    # The observer reads, but is not offered the staff's pages.
    assert "Enter figures" not in html and "Targets of 2025" not in html
    # The years run from the first data (the hospital joined in 2020) to next year; a nonsense year is ignored.
    html = as_user(observer).get(DASHBOARD, {"year": "1850"}).content.decode()
    years = re.findall(r'<option value="(\d{4})"', html)
    assert years[0] == "2020" and int(years[-1]) == int(years[-2]) + 1
    assert re.search(r'<option value="(\d{4})" selected>', html).group(1) == years[-2]  # the current year


@pytest.mark.django_db
def test_the_dashboard_computes_the_cluster_s_facts_once(as_user, staff, history, django_assert_max_num_queries):
    client = as_user(staff)
    # Warm the session, the viewer's queries and the cache of the collaboration network's figures (counting them
    # reads the ties again, once until the facts change: tests/monitoring/test_kpis.py).
    client.get(DASHBOARD, {"year": "2025"})
    # Gathering the facts takes 16 queries and the page about 10 more: the five years, the year before and the
    # breakdowns must all come from one gathering (a second one would take the page past 40).
    with django_assert_max_num_queries(30):
        assert client.get(DASHBOARD, {"year": "2025"}).status_code == 200


@pytest.mark.django_db
def test_staff_set_targets_and_the_dashboard_shows_their_status(as_user, staff, history, cluster_a):
    client = as_user(staff)
    html = client.get(TARGETS, {"year": "2025"}).content.decode()
    assert 'name="members"' in html and 'name="staff_fte"' in html
    assert "2025: 3 · 2024: 3" in html  # the members, beside their field
    response = client.post(TARGETS + "?year=2025", {"year": "2025", "members": "4", "events": "1",
                                                     "funding_total": "900000", "members_lapsed": "0"}, follow=True)
    assert "4 targets of 2025 saved." in response.content.decode()
    assert {t.indicator: t.value for t in Target.objects.filter(cluster=cluster_a, year=2025)} == {
        "members": Decimal("4"), "events": Decimal("1"), "funding_total": Decimal("900000"),
        "members_lapsed": Decimal("0")}
    html = client.get(DASHBOARD, {"year": "2025"}).content.decode()
    assert cells(html, "members")[3:] == ["4", "missed"]  # 2025 is over: 3 members of 4
    assert cells(html, "events")[3:] == ["1", "met"]
    assert cells(html, "funding_total")[3:] == ["900,000 EUR", "met"]
    assert cells(html, "members_lapsed")[3:] == ["0", "missed"]  # lower is better: one lapsed
    assert 'data-status="met"' in row(html, "events") and "text-bg-success" in row(html, "events")

    # The form shows the targets; emptying a field removes its target, the others stay.
    html = client.get(TARGETS, {"year": "2025"}).content.decode()
    assert re.search(r'name="members" value="4"', html) and re.search(r'name="funding_total" value="900000"', html)
    response = client.post(TARGETS + "?year=2025", {"year": "2025", "members": "", "events": "1",
                                                     "funding_total": "900000", "members_lapsed": "0"}, follow=True)
    assert "1 target of 2025 saved." in response.content.decode()
    assert set(Target.objects.filter(cluster=cluster_a, year=2025).values_list("indicator", flat=True)) == {
        "events", "funding_total", "members_lapsed"}
    response = client.post(TARGETS + "?year=2025", {"year": "2025", "events": "1", "funding_total": "900000",
                                                     "members_lapsed": "0"}, follow=True)
    assert "Nothing changed." in response.content.decode()

    # A value chain has its own targets, without the figures entered for the whole cluster.
    html = client.get(TARGETS, {"year": "2025", "value_chain": "biomedical"}).content.decode()
    assert 'name="staff_fte"' not in html and "2025: 1 · 2024: 1" in html
    client.post(TARGETS + "?year=2025&value_chain=biomedical", {"year": "2025", "value_chain": "biomedical",
                                                                 "members": "2"})
    chain_target = Target.objects.get(cluster=cluster_a, year=2025, value_chain__slug="biomedical")
    assert (chain_target.indicator, chain_target.value) == ("members", Decimal("2"))
    html = client.get(DASHBOARD, {"year": "2025", "value_chain": "biomedical"}).content.decode()
    assert cells(html, "members")[3:] == ["2", "missed"]
    html = client.get(DASHBOARD, {"year": "2025"}).content.decode()
    assert cells(html, "members")[3:] == ["", ""]  # the whole cluster's target was removed


@pytest.mark.django_db
def test_bad_targets_are_refused_all_together_and_kept_as_typed(as_user, staff, observer, cluster_a):
    client = as_user(staff)
    response = client.post(TARGETS + "?year=2026", {"year": "2026", "members": "-3", "events": "twelve",
                                                     "budget": "50000"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The targets are not saved" in html
    assert re.search(r'name="members" value="-3"[^>]*is-invalid|is-invalid[^>]*name="members" value="-3"', html)
    assert 'value="twelve"' in html and 'value="50000"' in html
    assert "Enter a number." in html and "greater than or equal to 0" in html
    assert not Target.objects.exists()  # not even the good one
    # An observer cannot post targets.
    assert as_user(observer).post(TARGETS + "?year=2026", {"year": "2026", "members": "5"}).status_code == 404
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_staff_enter_figures_with_their_evidence(as_user, staff, observer, cluster_a):
    client = as_user(staff)
    response = client.post(FIGURES, {"indicator": "budget", "year": "2025", "value": "250000",
                                     "evidence": "https://example.org/annual-report-2025.pdf"}, follow=True)
    html = response.content.decode()
    assert "Cluster management budget of 2025 saved." in html
    assert '<a href="https://example.org/annual-report-2025.pdf"' in html and "250,000 EUR" in html
    figure = ManualFigure.objects.get(cluster=cluster_a)
    assert (figure.indicator, figure.year, figure.value, figure.entered_by) == ("budget", 2025, 250000, staff)
    html = client.get(DASHBOARD, {"year": "2025"}).content.decode()
    assert cells(html, "budget")[0] == "250,000 EUR"

    # "Change" fills the form; entering the same figure again replaces it.
    html = client.get(FIGURES, {"indicator": "budget", "year": "2025"}).content.decode()
    assert 'value="250000' in html and 'value="https://example.org/annual-report-2025.pdf"' in html
    client.post(FIGURES, {"indicator": "budget", "year": "2025", "value": "260000", "evidence": "Accounts 2025"})
    assert ManualFigure.objects.get(cluster=cluster_a).value == 260000

    # Without evidence, or for a computed indicator, the figure is refused and the form keeps what was typed.
    response = client.post(FIGURES, {"indicator": "staff_fte", "year": "2025", "value": "2.5", "evidence": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and 'value="2.5"' in html
    response = client.post(FIGURES, {"indicator": "members", "year": "2025", "value": "3", "evidence": "x"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert ManualFigure.objects.count() == 1
    # An observer cannot enter figures.
    assert as_user(observer).post(FIGURES, {"indicator": "staff_fte", "year": "2025", "value": "2",
                                            "evidence": "HR"}).status_code == 404
    assert ManualFigure.objects.count() == 1


@pytest.mark.django_db
def test_the_network_s_coordinator_compares_its_clusters(as_user, client, admin, coordinator, staff, observer,
                                                         outsider, history, cluster_b):
    url = "/networks/alpha-net/monitoring/"
    assert client.get(url).status_code == 302 and "/accounts/login/" in client.get(url)["Location"]
    # The staff of one cluster, its observer and the other cluster's staff do not see the others' figures.
    for user in (staff, observer, outsider):
        assert as_user(user).get(url).status_code == 404
    # Nor does the coordinator see a network with a cluster it does not observe.
    other = Network.objects.create(slug="gamma-net", name="Gamma")
    other.clusters.add(cluster_b, Cluster.objects.create(slug="gamma", name="Gamma Cluster", country="ES"))
    assert as_user(coordinator).get("/networks/gamma-net/monitoring/").status_code == 404
    assert as_user(coordinator).get("/networks/nowhere/monitoring/").status_code == 404
    assert as_user(admin).get(url).status_code == 200

    html = as_user(coordinator).get(url, {"year": "2025"}).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert header.index("Alpha") < header.index("Beta")
    members = re.findall(r"<td[^>]*>(.*?)</td>", row(html, "members"))
    assert members == ["3", "1"]  # alpha's three; beta's German member
    assert re.findall(r"<td[^>]*>(.*?)</td>", row(html, "funding_total")) == ["1,000,000 EUR", "0 EUR"]
    data = chart(html, "chart-network")
    assert [s["name"] for s in data["series"]] == ["Alpha", "Beta"]
    assert data["categories"][0] == "Members" and data["series"][0]["values"][0] == 3

    # The network's page links to the comparison for those who may see it only.
    assert url in as_user(coordinator).get("/networks/alpha-net/").content.decode()
    assert url not in as_user(staff).get("/networks/alpha-net/").content.decode()
    assert url not in client.get("/networks/alpha-net/").content.decode()
