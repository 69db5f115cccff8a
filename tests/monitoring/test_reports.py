"""The annual activity report on the cluster whose 2025 is counted by hand (tests/monitoring/conftest.py): its rows,
the XLSX cell by cell, the PDF and its language, the CLI, and the back-office page's roles."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from filiera.core.access import viewer_for
from filiera.core.models import ExcellenceLabel
from filiera.events.models import Event
from filiera.monitoring import assessments, reports, services
from filiera.monitoring.models import ManualFigure

TODAY = datetime.date(2026, 12, 6)
KPI_COLUMNS = ["Indicator code", "Indicator", "Area", "Unit", "2025", "2024", "Change", "Target", "Status"]


@pytest.fixture
def entered(cluster_a, history, staff):
    """A target, two figures entered by staff (one of 2025, one of 2024) and a gold label."""
    viewer = viewer_for(staff)
    services.set_target(viewer, cluster_a, "members", 2025, Decimal(4))
    services.set_target(viewer, cluster_a, "funding_total", 2025, Decimal(800000))
    services.enter_figure(viewer, cluster_a, "staff_fte", 2025, Decimal("2.5"), "Payroll 2025", staff)
    services.enter_figure(viewer, cluster_a, "budget", 2024, Decimal(300000), "Accounts 2024", staff)
    ExcellenceLabel.objects.create(cluster=cluster_a, level="gold", awarded_on=datetime.date(2024, 3, 1),
                                   valid_until=datetime.date(2027, 3, 1))


def rows_by_code(table: reports.Table) -> dict[str, tuple]:
    return {row[0]: row for row in table.rows}


@pytest.mark.django_db
def test_rows_counted_by_hand_equal_the_kpi_engine(cluster_a, entered):
    report = reports.build_report(cluster_a, 2025, "en", TODAY)
    board = services.dashboard(cluster_a, 2025, today=TODAY)
    kpis_table = report.tables["kpis"]
    assert [c.header for c in kpis_table.columns] == KPI_COLUMNS
    assert len(kpis_table.rows) == len(board.rows) == 30
    by_code = rows_by_code(kpis_table)
    for row in board.rows:  # every KPI of the dashboard, the same numbers
        code, label, _area, _unit, value, previous, trend, target, status = by_code[row.indicator.code]
        assert (label, value, previous, trend, target, status) == (
            row.label, row.value, row.previous, row.trend, row.target, row.status_label)
    # As counted by hand in the fixture.
    assert by_code["members"][2:] == ("Members", "", 3, 3, 0, 4.0, "missed")
    assert by_code["funding_total"][2:] == ("Projects and funding", "EUR", 1000000.0, 0.0, 1000000.0, 800000.0,
                                            "met")
    assert by_code["sme_share"][3:5] == ("%", 66.7)
    assert by_code["staff_fte"][4] == 2.5 and by_code["budget"][4] is None
    # The collaboration network of 2025 and 2024 (tests/monitoring/test_kpis.py counts it).
    assert by_code["network_density"][2:7] == ("Collaboration network", "%", 26.67, 0.0, 26.67)
    assert by_code["cross_border_share"][4:6] == (75.0, None)
    assert by_code["isolated_members"][4:7] == (2, 3, -1)
    # Grouped by area, in the dashboard's order.
    areas = list(dict.fromkeys(row[2] for row in kpis_table.rows))
    assert areas == [area for area, _rows in board.areas()]

    series = rows_by_code(report.tables["series"])
    assert report.years == [2021, 2022, 2023, 2024, 2025]
    assert series["members"][3:] == tuple(board.series["members"]) == (2, 2, 2, 3, 3)  # org_a, hospital
    assert series["events"][3:] == (0, 0, 0, 1, 1)

    assert report.tables["members_by_kind"].rows == [("Hospital / health authority", 1, 33.3), ("SME", 1, 33.3),
                                                     ("Start-up", 1, 33.3)]  # equal counts: by name
    assert report.tables["members_by_helix"].rows == [("Industry", 2, 66.7), ("Health and public sector", 1, 33.3)]
    assert report.tables["members_by_country"].rows == [("Italy", 3, 100.0)]
    # The 2025 fair with its two confirmed registrations; the 2024 fair is not of the year.
    assert report.tables["events"].rows == [("Fair", datetime.date(2025, 5, 10), "B2B brokerage event", 2)]
    # Funded in 2025: alpha's running project and the public record; the rejected one is not funded.
    projects = report.tables["projects"].rows
    assert [(p[0], p[5], p[6], p[7]) for p in projects] == [
        ("RUN", "yes", Decimal(1000000), Decimal(500000)), ("PUB", "no", Decimal(900000), Decimal(100000))]
    assert sum(p[6] for p in projects if p[5] == "yes") == by_code["funding_total"][4]
    assert sum(p[7] for p in projects) == by_code["funding_to_members"][4]
    assert len(projects) == by_code["projects_funded"][4] + 1  # and one public record
    figures = report.tables["figures"].rows
    assert [(f[0], f[3], f[4], f[5]) for f in figures] == [("staff_fte", Decimal("2.50"), "Payroll 2025", "staff")]
    assert report.label.startswith("Gold, awarded by ESCA on 1 March 2024")
    assert not report.partial


@pytest.mark.django_db
def test_xlsx_cell_by_cell(cluster_a, entered):
    content = reports.annual_report(cluster_a, 2025, "xlsx", "en", today=TODAY)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["KPIs", "Series", "Members by kind", "Members by helix", "Members by country",
                               "Events", "Projects", "Figures entered"]
    sheet = book["KPIs"]
    assert [c.value for c in sheet[1]] == KPI_COLUMNS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["B"].width == 38
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    members = rows["members"]
    assert [c.value for c in members] == ["members", "Members", "Members", None, 3, 3, 0, 4, "missed"]
    assert members[4].number_format == "#,##0" and members[3].value is None
    funding = rows["funding_total"]
    assert [c.value for c in funding[4:8]] == [1000000, 0, 1000000, 800000]
    assert all(isinstance(c.value, int | float) for c in funding[4:8])
    assert funding[4].number_format == "#,##0"
    share = rows["sme_share"]
    assert (share[3].value, share[4].value, share[4].number_format) == ("%", 66.7, "0.0#")
    density = rows["network_density"]
    assert (density[3].value, density[4].value, density[4].number_format) == ("%", 26.67, "0.0#")
    fte = rows["staff_fte"]
    assert (fte[4].value, fte[4].number_format) == (2.5, "0.0")
    assert rows["budget"][4].value is None

    series = {row[0].value: [c.value for c in row] for row in book["Series"].iter_rows(min_row=2)}
    assert [c.value for c in book["Series"][1]][3:] == ["2021", "2022", "2023", "2024", "2025"]
    assert series["members"][3:] == [2, 2, 2, 3, 3]
    assert series["event_participants"][3:] == [0, 0, 0, 1, 2]

    assert [[c.value for c in row] for row in book["Members by helix"].iter_rows()] == [
        ["Helix", "Members", "Share (%)"], ["Industry", 2, 66.7], ["Health and public sector", 1, 33.3]]
    events = book["Events"]
    assert events["B2"].value.date() == datetime.date(2025, 5, 10) and events["B2"].number_format == "yyyy-mm-dd"
    assert (events["A2"].value, events["D2"].value) == ("Fair", 2)
    projects = book["Projects"]
    assert [c.value for c in projects[2]][5:] == ["yes", 1000000, 500000]
    assert projects["G2"].number_format == "#,##0"
    figures = book["Figures entered"]
    assert [c.value for c in figures[2]][:5] == ["staff_fte", "Cluster management team (FTE)", "FTE", 2.5,
                                                 "Payroll 2025"]


@pytest.mark.django_db
def test_spreadsheet_text_cannot_be_a_formula(cluster_a, history):
    Event.objects.filter(slug="fair-2025").update(title='=HYPERLINK("http://evil.example","x")')
    book = load_workbook(io.BytesIO(reports.annual_report(cluster_a, 2025, "xlsx", "en", today=TODAY)))
    assert book["Events"]["A2"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert book["Events"]["A2"].data_type == "s"


@pytest.mark.django_db
def test_a_control_character_in_a_title_does_not_break_the_workbook(cluster_a, history):
    Event.objects.filter(slug="fair-2025").update(title="Fair\x01\x0b=1")
    book = load_workbook(io.BytesIO(reports.annual_report(cluster_a, 2025, "xlsx", "en", today=TODAY)))
    assert book["Events"]["A2"].value == "Fair=1"


@pytest.mark.django_db
def test_pdf_in_english(cluster_a, entered):
    content = reports.annual_report(cluster_a, 2025, "pdf", "en", today=TODAY)
    assert content.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    for expected in ("Annual activity report 2025", "Alpha Health Cluster", "Key performance indicators",
                     "Members", "Projects and funding", "1,000,000", "Payroll 2025", "Gold", "Fair", "RUN",
                     "Members by helix", "Italy", "Collaboration network", "Network density"):
        assert expected in text, expected


@pytest.mark.django_db
def test_html_of_the_pdf(cluster_a, entered):
    html = reports.render_html(reports.build_report(cluster_a, 2025, "en", TODAY))
    assert html.count("<svg") == len(reports.KEY_INDICATORS) + 3  # the lines and the three breakdowns
    assert '<td class="num">1,000,000</td>' in html  # funding, grouped the English way
    assert '<td class="num">+1,000,000</td>' in html  # its change since 2024, signed
    assert '<td class="num">66.7</td>' in html
    assert '<td class="num">26.67</td>' in html and "Network density" in html  # two decimals for a density


@pytest.mark.django_db
def test_the_language_switch(cluster_a, entered):
    """The cluster's language (Italian) by default: Italian words and numbers; English when asked."""
    italian = reports.render_html(reports.build_report(cluster_a, 2025, cluster_a.language, TODAY))
    english = reports.render_html(reports.build_report(cluster_a, 2025, "en", TODAY))
    assert 'lang="it"' in italian and 'lang="en"' in english
    assert '<td class="num">1.000.000</td>' in italian and '<td class="num">1,000,000</td>' in english
    assert '<td class="num">66,7</td>' in italian
    # The indicator's label.
    assert '<td class="text">Soci</td>' in italian and '<td class="text">Members</td>' in english
    assert "Italia" in italian and "Italia" not in english
    pdf = reports.annual_report(cluster_a, 2025, "pdf", today=TODAY)  # no language: the cluster's
    pypdf = pytest.importorskip("pypdf")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "1.000.000" in text and "Soci" in text and "Eventi" in text
    book = load_workbook(io.BytesIO(reports.annual_report(cluster_a, 2025, "xlsx", "it", today=TODAY)))
    assert "Eventi" in book.sheetnames and "Progetti" in book.sheetnames
    assert book.worksheets[4]["A2"].value == "Italia"  # members by country


@pytest.mark.django_db
def test_text_in_the_pdf_is_escaped(cluster_a, history):
    Event.objects.filter(slug="fair-2025").update(title="<script>alert(1)</script> & co")
    html = reports.render_html(reports.build_report(cluster_a, 2025, "en", TODAY))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


@pytest.mark.django_db
def test_refuses_what_cannot_be_reported(cluster_a):
    for args, field in (((2025, "docx", "en"), "format"), ((2025, "pdf", "fr"), "lang"),
                        ((1999, "pdf", "en"), "year"), ((2027, "xlsx", "en"), "year")):
        with pytest.raises(ValidationError) as error:
            reports.annual_report(cluster_a, *args, today=TODAY)
        assert set(error.value.message_dict) == {field}


@pytest.mark.django_db
def test_the_current_year_is_partial(cluster_a, history):
    report = reports.build_report(cluster_a, 2026, "en", TODAY)
    assert report.partial
    assert "its figures stand as of 6 December 2026" in reports.render_html(report)


# --- the CLI -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_writes_both_formats(cluster_a, history, tmp_path):
    out = io.StringIO()
    call_command("report", "annual", "--cluster", "alpha", "--year", "2025", "--format", "xlsx",
                 "--out", str(tmp_path / "alpha.xlsx"), "--lang", "en", stdout=out)
    book = load_workbook(tmp_path / "alpha.xlsx")
    assert book["KPIs"]["A2"].value == "members"
    assert "alpha.xlsx" in out.getvalue()
    call_command("report", "annual", "--cluster", "alpha", "--year", "2025", "--format", "pdf",
                 "--out", str(tmp_path / "alpha.pdf"), stdout=io.StringIO())
    assert (tmp_path / "alpha.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha.pdf", "alpha.xlsx"]  # no temporary file left


@pytest.mark.django_db
def test_cli_refuses_bad_arguments(cluster_a, tmp_path):
    out = tmp_path / "r.pdf"
    base = ["report", "annual", "--cluster", "alpha", "--year", "2025", "--format", "pdf", "--out", str(out)]
    cases = [
        (["report", "annual", "--cluster", "nowhere", "--year", "2025", "--format", "pdf", "--out", str(out)],
         "No cluster “nowhere”"),
        (base[:7] + ["docx"] + base[8:], "format"),
        (base + ["--lang", "fr"], "--lang"),
        (base[:5] + ["1999"] + base[6:], "year"),
        (base[:5] + ["next"] + base[6:], "year"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError, match=message):
            call_command(*args, stdout=io.StringIO())
        assert not out.exists()
    with pytest.raises(CommandError, match="directory"):
        call_command(*(base[:9] + [str(tmp_path / "missing" / "r.pdf")]), stdout=io.StringIO())


@pytest.mark.django_db
def test_cli_writes_the_evidence_pack(cluster_a, history, staff, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(CommandError, match="no self-assessment"):
        call_command("report", "evidence", "--cluster", "alpha", "--out", str(tmp_path / "p.zip"),
                     stdout=io.StringIO())
    viewer = viewer_for(staff)
    older = assessments.start_assessment(viewer, cluster_a, year=2024, level="bronze")
    latest = assessments.start_assessment(viewer, cluster_a, year=2025, level="silver")
    assessments.add_evidence(viewer, latest, "strategy", title="Strategy 2025", url="https://example.org/s.pdf")
    call_command("report", "evidence", "--cluster", "alpha", "--out", str(tmp_path / "p.zip"), "--lang", "en",
                 stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "p.zip") as pack:
        assert sorted(pack.namelist()) == ["links.csv", "self-assessment.pdf"]
        assert "Strategy 2025" in pack.read("links.csv").decode()  # the latest assessment's evidence
    call_command("report", "evidence", "--cluster", "alpha", "--year", str(older.year), "--out",
                 str(tmp_path / "old.zip"), stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "old.zip") as pack:
        assert "Strategy 2025" not in pack.read("links.csv").decode()
    with pytest.raises(CommandError, match="no self-assessment of 2020"):
        call_command("report", "evidence", "--cluster", "alpha", "--year", "2020", "--out", str(tmp_path / "x.zip"),
                     stdout=io.StringIO())


# --- the back-office page ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_for_observer_and_staff(cluster_a, history, observer, staff, as_user):
    url = reverse("monitoring:report_list", args=["alpha"])
    for user in (observer, staff):
        response = as_user(user).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert reverse("monitoring:report_annual", args=["alpha"]) in body
        assert 'value="pdf"' in body and 'value="xlsx"' in body
        assert '<option value="it" selected' in body  # the cluster's language
        assert f'name="year" value="{datetime.date.today().year - 1}"' in body  # the last full year
        assert "No self-assessment yet." in body
    assessment = assessments.start_assessment(viewer_for(staff), cluster_a, year=2025, level="silver")
    body = as_user(observer).get(url).content.decode()
    assert reverse("monitoring:assessment_pack", args=["alpha", assessment.pk]) in body


@pytest.mark.django_db
def test_download(cluster_a, history, observer, as_user):
    url = reverse("monitoring:report_annual", args=["alpha"])
    response = as_user(observer).get(url, {"year": "2025", "format": "xlsx", "lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == reports.FORMATS["xlsx"]
    assert response["Content-Disposition"] == 'attachment; filename="alpha-annual-report-2025.xlsx"'
    assert load_workbook(io.BytesIO(response.content))["KPIs"]["A2"].value == "members"
    response = as_user(observer).get(url, {"year": "2025", "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_bad_choices_come_back_to_the_form(cluster_a, staff, as_user):
    url = reverse("monitoring:report_annual", args=["alpha"])
    response = as_user(staff).get(url, {"year": "1999", "format": "pdf", "lang": "es"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose a year between 2000" in body
    assert '<option value="es" selected' in body  # what the user chose is kept
    response = as_user(staff).get(url, {"year": "2025", "format": "docx", "lang": "en"})
    assert response.status_code == 400 and "Choose a format" in response.content.decode()
    response = as_user(staff).get(url, {"year": "soon", "format": "pdf"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_page_is_nobody_elses(cluster_a, history, member, outsider, outsider_member, as_user):
    for name, params in (("monitoring:report_list", {}),
                         ("monitoring:report_annual", {"year": "2025", "format": "xlsx"})):
        url = reverse(name, args=["alpha"])
        for user in (member, outsider, outsider_member):
            assert as_user(user).get(url, params).status_code == 404, (name, user)
        response = as_user(None).get(url, params)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_only_reads(cluster_a, entered, observer, as_user):
    """Downloading changes nothing, and the page takes no POST."""
    before = list(ManualFigure.objects.values_list("pk", "value"))
    as_user(observer).get(reverse("monitoring:report_annual", args=["alpha"]),
                          {"year": "2025", "format": "xlsx"})
    assert list(ManualFigure.objects.values_list("pk", "value")) == before
    for name in ("monitoring:report_list", "monitoring:report_annual"):
        assert as_user(observer).post(reverse(name, args=["alpha"])).status_code == 405
