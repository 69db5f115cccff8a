"""GET /api/clusters/{slug}/reports/annual: the annual activity report as a file, for the cluster's staff and
observers only."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from filiera.monitoring import reports

URL = "/api/clusters/alpha/reports/annual"
YEAR = datetime.date.today().year - 1


@pytest.mark.django_db
def test_observer_and_staff_download_both_formats(cluster_a, org_a, observer, staff, as_token):
    for user in (observer, staff):
        response = as_token(user).get(URL, {"year": YEAR, "format": "xlsx", "lang": "en"})
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == reports.FORMATS["xlsx"]
        assert response["Content-Disposition"] == f'attachment; filename="alpha-annual-report-{YEAR}.xlsx"'
        book = load_workbook(io.BytesIO(response.content))
        members = next(row for row in book["KPIs"].iter_rows(values_only=True) if row[0] == "members")
        assert members[4] == 1  # org_a, a member since 2021
    response = as_token(observer).get(URL, {"year": YEAR})  # PDF by default, in the cluster's language
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="alpha-annual-report-{YEAR}.pdf"'
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_nobody_else(cluster_a, cluster_b, member, outsider, outsider_member, observer, as_token):
    for user in (member, outsider, outsider_member):
        assert as_token(user).get(URL, {"year": YEAR, "format": "xlsx"}).status_code == 404
    assert as_token(None).get(URL, {"year": YEAR, "format": "xlsx"}).status_code == 401
    # Observers of one cluster do not read another's; a cluster that does not exist is the same 404.
    assert as_token(observer).get("/api/clusters/beta/reports/annual", {"year": YEAR}).status_code == 404
    assert as_token(observer).get("/api/clusters/nowhere/reports/annual", {"year": YEAR}).status_code == 404


@pytest.mark.django_db
def test_bad_requests(cluster_a, observer, as_token):
    client = as_token(observer)
    response = client.get(URL, {"year": 1999, "format": "pdf"})
    assert response.status_code == 400 and "year" in response.json()["errors"]
    response = client.get(URL, {"year": YEAR, "format": "pdf", "lang": "fr"})
    assert response.status_code == 400 and "lang" in response.json()["errors"]
    assert client.get(URL, {"year": YEAR, "format": "docx"}).status_code == 422
    assert client.get(URL, {"year": "soon"}).status_code == 422
    assert client.get(URL).status_code == 422  # the year is required


@pytest.mark.django_db
def test_documented(client):
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/clusters/{slug}/reports/annual"]["get"]
    assert {"slug", "year", "format", "lang"} <= {p["name"] for p in operation["parameters"]}
    assert set(operation["responses"]["200"]["content"]) == set(reports.FORMATS.values())
