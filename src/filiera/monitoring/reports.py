"""The annual activity report of a cluster, as PDF (to read and send to funders) or XLSX (to work on the figures).

One function, `build_report`, gathers the report's rows in the report's language: the indicators of the year with
the year before, trend, target and status (monitoring.services.dashboard), the five-year series behind the charts,
the members by kind, helix and country, the year's events, funded projects and the figures staff entered. Both
formats are written from those rows only (the pretix exporter habit), so the PDF and the spreadsheet always agree:
`to_xlsx` writes each table as a sheet; `render_html` lays them out with SVG charts (monitoring.charts) and
`to_pdf` prints that HTML with WeasyPrint.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from filiera.core.countries import country_name
from filiera.core.models import Cluster
from filiera.core.spreadsheets import safe_xlsx_cell
from filiera.directory.models import Helix, OrganisationKind
from filiera.events.models import Event, Registration
from filiera.monitoring import charts, kpis, services
from filiera.monitoring.models import ManualFigure
from filiera.projects.services import member_ids, portfolio

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
FIRST_YEAR = 2000
# The indicators drawn as five-year charts (every indicator's series is in the "Series" sheet).
KEY_INDICATORS = ("members", "active_members", "events", "event_participants", "meetings_held",
                  "projects_funded", "funding_total", "satisfaction")
COUNTRIES_CHARTED = 12  # the rest of the countries are drawn as one bar
MILLION = 1_000_000  # funding charts count in millions, so that their labels stay short

# How a number of each kind is shown: decimals in the PDF, number format in the XLSX.
DECIMALS = {"count": 0, "percent": 1, "eur": 0, "fte": 1, "score": 2}
NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0#", "eur": "#,##0", "fte": "0.0", "score": "0.00"}
NUMERIC = frozenset(NUMBER_FORMATS) | {"unit"}


def _unit_labels() -> dict[str, str]:
    return {"count": "", "percent": "%", "eur": "EUR", "fte": _("FTE"), "score": "1–5"}


# --- the report's rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, date, count, percent, eur, fte, score, or unit: the row's unit (see Table)
    width: int = 14  # in characters, for the spreadsheet
    pdf: int | None = None  # its share of the PDF table's width, in percent; None: in the spreadsheet only
    signed: bool = False  # a change: shown with its sign in the PDF


@dataclass
class Table:
    """One table of the report: a sheet of the XLSX, a table (or a chart's data) in the PDF."""

    key: str
    title: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # each row's unit, for the columns of kind "unit"

    def kind(self, row: int, column: int) -> str:
        kind = self.columns[column].kind
        return self.units[row] if kind == "unit" else kind


@dataclass
class Report:
    cluster: Cluster
    year: int
    language: str
    today: datetime.date
    label: str  # the cluster's current excellence label, described ("" without one)
    years: list[int]
    tables: dict[str, Table]  # kpis, series, members_by_kind, members_by_helix, members_by_country, events, ...

    @property
    def partial(self) -> bool:
        """The year is not over: its figures stand as of `today`."""
        return self.year >= self.today.year


def check(cluster: Cluster, year: int, format: str, language: str | None, today: datetime.date) -> str:
    """Refuse what cannot be reported; returns the report's language (the cluster's by default)."""
    errors = {}
    if format not in FORMATS:
        errors["format"] = _("Choose a format: %(formats)s.") % {"formats": ", ".join(FORMATS)}
    language = language or cluster.language
    if language not in LANGUAGES:
        errors["lang"] = _("Choose a language: %(languages)s.") % {"languages": ", ".join(LANGUAGES)}
    if not FIRST_YEAR <= year <= today.year:
        errors["year"] = _("Choose a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR,
                                                                               "last": today.year}
    if errors:
        raise ValidationError(errors)
    return language


def _label(cluster: Cluster, today: datetime.date) -> str:
    valid = [label for label in cluster.labels.all() if label.awarded_on <= today and (
        label.valid_until is None or label.valid_until >= today)]
    label = max(valid, key=lambda lab: lab.awarded_on, default=None)
    if label is None:
        return ""
    text = _("%(level)s, awarded by %(assessor)s on %(awarded)s") % {
        "level": label.get_level_display(), "assessor": label.assessor or "ESCA",
        "awarded": formats.date_format(label.awarded_on, "DATE_FORMAT")}
    if label.valid_until:
        text += " " + _("(valid until %(date)s)") % {"date": formats.date_format(label.valid_until, "DATE_FORMAT")}
    return text


def _breakdown(key: str, title: str, heading: str, counts: dict[str, int], name) -> Table:
    """Largest first; equal counts by name, so that the order does not depend on the database's."""
    total = sum(counts.values())
    named = sorted(((name(code), n) for code, n in counts.items()), key=lambda item: (-item[1], item[0]))
    return Table(key, title, [Column(heading, width=36), Column(_("Members"), "count", 10),
                              Column(_("Share (%)"), "percent", 10)],
                 [(label, n, round(100 * n / total, 1)) for label, n in named])


def _events(cluster: Cluster, year: int, today: datetime.date, language: str) -> Table:
    """The events the KPIs count: held in the year up to today, not cancelled; participants are confirmed
    registrations."""
    events = (Event.objects.filter(cluster=cluster, starts_at__year=year, starts_at__date__lte=today)
              .exclude(status=Event.Status.CANCELLED).prefetch_related("texts")
              .annotate(confirmed=Count("registrations",
                                           filter=Q(registrations__status=Registration.Status.CONFIRMED)))
              .order_by("starts_at", "pk"))
    return Table("events", _("Events"), [
        Column(_("Event"), width=48, pdf=48), Column(_("Date"), "date", 12, pdf=14),
        Column(_("Kind"), width=22, pdf=24), Column(_("Participants"), "count", 12, pdf=14)],
                 [(event.text_in(language).title, timezone.localtime(event.starts_at).date(),
                   event.get_kind_display(), event.confirmed) for event in events])


def _projects(cluster: Cluster, year: int) -> Table:
    """The funded projects the KPIs count in the year (started in it, or entered in it when not started): the
    cluster's own and the public records with its members, with what its members received."""
    projects = (portfolio(cluster).filter(status__in=kpis.FUNDED)
                .filter(Q(start_date__year=year) | Q(start_date__isnull=True, created_at__year=year))
                .annotate(to_members=Sum("partners__eu_contribution",
                                         filter=Q(partners__organisation_id__in=member_ids(cluster))))
                .order_by("start_date", "acronym", "pk"))
    yes, no = _("yes"), _("no")
    return Table("projects", _("Projects"), [
        Column(_("Acronym"), width=16, pdf=11), Column(_("Title"), width=48, pdf=17),
        Column(_("Programme"), width=28, pdf=14), Column(_("Status"), width=12, pdf=9),
        Column(_("Start"), "date", 12, pdf=12), Column(_("Own project"), width=10, pdf=9),
        Column(_("EU contribution (EUR)"), "eur", 18, pdf=14), Column(_("To members (EUR)"), "eur", 18, pdf=14)],
        [(p.acronym, p.title, p.programme, p.get_status_display(), p.start_date,
          yes if p.cluster_id == cluster.pk else no, p.eu_contribution, p.to_members or 0) for p in projects])


def _figures(cluster: Cluster, year: int) -> Table:
    figures = ManualFigure.objects.filter(cluster=cluster, year=year).select_related("entered_by")
    order = {indicator.code: i for i, indicator in enumerate(kpis.CATALOGUE)}
    figures = sorted(figures, key=lambda f: order.get(f.indicator, len(order)))
    units = _unit_labels()
    table = Table("figures", _("Figures entered"), [
        Column(_("Indicator code"), width=22), Column(_("Indicator"), width=36, pdf=24),
        Column(_("Unit"), width=8, pdf=6), Column(_("Value"), "unit", 14, pdf=11),
        Column(_("Evidence"), width=60, pdf=31), Column(_("Entered by"), width=20, pdf=14),
        Column(_("Updated on"), "date", 12, pdf=14)])
    for figure in figures:
        indicator = kpis.BY_CODE.get(figure.indicator)
        unit = indicator.unit if indicator else "count"
        table.rows.append((figure.indicator, str(services.LABELS.get(figure.indicator, figure.indicator)),
                           units[unit], figure.value, figure.evidence,
                           figure.entered_by.get_full_name() or figure.entered_by.username if figure.entered_by
                           else "", timezone.localtime(figure.updated_at).date()))
        table.units.append(unit)
    return table


def build_report(cluster: Cluster, year: int, language: str, today: datetime.date | None = None) -> Report:
    """Every row of the report, in `language`: what both formats are written from."""
    today = today or timezone.localdate()
    with translation.override(language):
        board = services.dashboard(cluster, year, today=today)
        units = _unit_labels()
        kpi_table = Table("kpis", _("KPIs"), [
            Column(_("Indicator code"), width=24), Column(_("Indicator"), width=38, pdf=34),
            Column(_("Area"), width=28), Column(_("Unit"), width=8, pdf=7),
            Column(str(year), "unit", 14, pdf=12), Column(str(year - 1), "unit", 14, pdf=12),
            Column(_("Change"), "unit", 12, pdf=12, signed=True), Column(_("Target"), "unit", 14, pdf=11),
            Column(_("Status"), width=12, pdf=12)])
        for area, rows in board.areas():
            for row in rows:
                kpi_table.rows.append((row.indicator.code, row.label, area, units[row.indicator.unit], row.value,
                                       row.previous, row.trend, row.target, row.status_label))
                kpi_table.units.append(row.indicator.unit)
        series = Table("series", _("Series"), [Column(_("Indicator code"), width=24),
                                               Column(_("Indicator"), width=38), Column(_("Unit"), width=8)]
                       + [Column(str(y), "unit", 14) for y in board.years])
        for indicator in kpis.CATALOGUE:
            series.rows.append((indicator.code, str(services.LABELS[indicator.code]), units[indicator.unit],
                                *board.series[indicator.code]))
            series.units.append(indicator.unit)
        kinds, helices = dict(OrganisationKind.choices), dict(Helix.choices)
        tables = [
            kpi_table, series,
            _breakdown("members_by_kind", _("Members by kind"), _("Kind"), board.breakdowns["members_by_kind"],
                       lambda code: str(kinds.get(code, code))),
            _breakdown("members_by_helix", _("Members by helix"), _("Helix"), board.breakdowns["members_by_helix"],
                       lambda code: str(helices.get(code, code))),
            _breakdown("members_by_country", _("Members by country"), _("Country"),
                       board.breakdowns["members_by_country"], country_name),
            _events(cluster, year, today, language),
            _projects(cluster, year),
            _figures(cluster, year),
        ]
        return Report(cluster=cluster, year=year, language=language, today=today, label=_label(cluster, today),
                      years=board.years, tables={table.key: table for table in tables})


# --- the PDF -----------------------------------------------------------------------------------------------------


def format_number(value, kind: str) -> str:
    """A number as the active language writes it (grouped thousands), with the decimals of its kind."""
    if value is None:
        return "–"
    decimals = DECIMALS.get(kind, 0)
    if kind == "count" and not float(value).is_integer():
        decimals = 1
    if kind == "percent" and round(value, 1) != value:  # a network's density has two decimals
        decimals = 2
    return formats.number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def _display(table: Table, row_index: int, column_index: int, value) -> str:
    kind = table.kind(row_index, column_index)
    if kind == "date":
        return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""
    if kind in NUMERIC:
        text = format_number(value, kind)
        return f"+{text}" if table.columns[column_index].signed and value is not None and value > 0 else text
    return "" if value is None else str(value)


def _shown(table: Table) -> list[int]:
    """The columns the PDF shows (the spreadsheet has them all)."""
    return [i for i, column in enumerate(table.columns) if column.pdf is not None]


def _css(kind: str) -> str:
    return "num" if kind in NUMERIC else kind  # numbers align right; numbers and dates never wrap


def _cells(table: Table) -> list[list[tuple[str, str]]]:
    """Each shown cell as the PDF writes it: (text, its CSS class)."""
    shown = _shown(table)
    return [[(_display(table, r, c, row[c]), _css(table.kind(r, c))) for c in shown]
            for r, row in enumerate(table.rows)]


def _pdf_table(table: Table) -> dict:
    columns = [table.columns[c] for c in _shown(table)]
    return {"title": table.title, "key": table.key, "rows": _cells(table),
            "columns": [(column.header, column.pdf, _css(column.kind)) for column in columns]}


def _millions(value: float) -> str:
    return format_number(value / MILLION, "fte")  # one decimal


def _millions_tick(value: float) -> str:
    return format_number(value / MILLION, "count")  # whole millions unless the step is smaller


def _charts(report: Report) -> tuple[list[str], list[str]]:
    """The SVG of the key indicators' five-year lines and of the members' breakdowns, from the report's tables."""
    series = report.tables["series"]
    labels = [str(y) for y in report.years]
    lines = []
    for r, row in enumerate(series.rows):
        if row[0] not in KEY_INDICATORS:
            continue
        unit, values = series.units[r], list(row[3:])
        if unit == "eur" and max((v for v in values if v is not None), default=0) >= MILLION:
            title = f"{row[1]} ({_('EUR million')})"
            format_value, format_tick = _millions, _millions_tick
        else:
            title = f"{row[1]} ({row[2]})" if row[2] else row[1]
            format_value, format_tick = partial(format_number, kind=unit), partial(format_number, kind="count")
        lines.append(charts.line_chart(title, labels, values, width=320, height=160, format_value=format_value,
                                       format_tick=format_tick))
    bars = []
    for key in ("members_by_kind", "members_by_helix", "members_by_country"):
        table = report.tables[key]
        items = [(name, n) for name, n, _share in table.rows]
        if key == "members_by_country" and len(items) > COUNTRIES_CHARTED:
            rest = sum(n for _name, n in items[COUNTRIES_CHARTED - 1:])
            items = items[:COUNTRIES_CHARTED - 1] + [(_("Other countries"), rest)]
        if items:
            bars.append(charts.bar_chart(table.title, items, width=500,
                                         format_value=lambda v: format_number(v, "count")))
    return lines, bars


def render_html(report: Report) -> str:
    """The report as the HTML page WeasyPrint prints."""
    with translation.override(report.language):
        lines, bars = _charts(report)
        kpi_table = report.tables["kpis"]
        areas: list[tuple[str, list]] = []
        for row, cells in zip(kpi_table.rows, _cells(kpi_table), strict=True):
            if not areas or areas[-1][0] != row[2]:
                areas.append((row[2], []))
            areas[-1][1].append(cells)
        return render_to_string("monitoring/reports/annual_pdf.html", {
            "report": report, "cluster": report.cluster, "areas": areas,
            "kpi_columns": _pdf_table(kpi_table)["columns"], "line_charts": lines, "bar_charts": bars,
            "tables": [_pdf_table(report.tables[key]) for key in ("events", "projects", "figures")],
            "LANGUAGE_CODE": report.language,
            "generated_on": formats.date_format(report.today, "DATE_FORMAT"),
            "country": country_name(report.cluster.country)})


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads pango, which only the PDF needs

    return HTML(string=html).write_pdf()


# --- the XLSX ----------------------------------------------------------------------------------------------------


def _sheet_name(title: str, taken: set[str]) -> str:
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:31].strip() or "Sheet"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"{report.cluster.name} {report.year}"
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in report.tables.values():
        sheet = workbook.create_sheet(_sheet_name(table.title, taken))
        sheet.append([column.header for column in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for c, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = column.width
        for r, row in enumerate(table.rows):
            sheet.append([safe_xlsx_cell(value) for value in row])
            for c, value in enumerate(row):
                kind = table.kind(r, c)
                cell = sheet.cell(row=r + 2, column=c + 1)
                if kind == "date" and value is not None:
                    cell.number_format = "yyyy-mm-dd"
                elif kind in NUMBER_FORMATS and value is not None:  # openpyxl writes Decimals as numbers too
                    cell.number_format = NUMBER_FORMATS[kind]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the use case ------------------------------------------------------------------------------------------------


def filename(cluster: Cluster, year: int, format: str) -> str:
    return f"{cluster.slug}-annual-report-{year}.{format}"


def annual_report(cluster: Cluster, year: int, format: str, language: str | None = None,
                  today: datetime.date | None = None) -> bytes:
    """The annual activity report of `cluster` for `year` as PDF or XLSX bytes, in `language` (the cluster's by
    default). Raises ValidationError for an unknown format or language or a year not reported. Whoever calls it
    has checked the caller may read the cluster's dashboard (observers and staff)."""
    today = today or timezone.localdate()
    language = check(cluster, year, format, language, today)
    report = build_report(cluster, year, language, today)
    return to_pdf(render_html(report)) if format == "pdf" else to_xlsx(report)
