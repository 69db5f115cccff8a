"""The exporter pattern: one row generator per export, written as CSV or XLSX by the same code."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

from filiera.core.spreadsheets import safe_cell, safe_xlsx_cell
from filiera.directory.models import Organisation

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# The organisation import's columns, so that an export can be edited and imported again.
ORGANISATION_COLUMNS = (
    "ref", "name", "short_name", "kind", "country", "region", "city", "postcode", "website", "is_sme",
    "description", "language", "keywords", "value_chains",
)


def organisation_rows(organisations: Iterable[Organisation]) -> Iterable[Sequence]:
    for org in organisations:
        yield (
            org.ref or "", org.name, org.short_name, org.kind, org.country, org.region, org.city, org.postcode,
            org.website, "yes" if org.is_sme else "no", org.description, org.language, org.keywords,
            ";".join(vc.slug for vc in org.value_chains.all()),
        )


def write_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel open accented text correctly


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence], title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([safe_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment response in `fmt` (csv or xlsx). The caller checks `fmt in FORMATS` first."""
    content = write_csv(header, rows) if fmt == "csv" else write_xlsx(header, rows, title=filename)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
