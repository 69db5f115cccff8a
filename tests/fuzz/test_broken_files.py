"""Broken files, one by one: binary files (a PNG, a ZIP, random bytes, a PDF renamed .csv or .xlsx), a file over
FILIERA_IMPORT_MAX_BYTES, an empty file, wrong encodings, workbooks that declare a huge sheet or expand to one
(a "zip bomb"), and formulas in cells. Each is refused with a message that names the problem and where it is (row,
column), or imported safely, through the service and through the staff's import pages (the whole HTTP stack);
and every export neutralises the cells a spreadsheet would run as formulas.

The API has no import endpoint (a test below says so, so that one added gets its cases here)."""

from __future__ import annotations

import codecs
import csv
import gzip
import html
import io
import random
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from filiera.core.access import viewer_for
from filiera.core.audit import acting_as
from filiera.directory.exporting import ORGANISATION_COLUMNS, organisation_rows, write_csv, write_xlsx
from filiera.directory.importing import import_organisations
from filiera.directory.models import Membership, Organisation
from filiera.projects.importing import import_call_topics, import_participations
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LIMIT = 20_000  # FILIERA_IMPORT_MAX_BYTES in these tests: the huge files stay small


@pytest.fixture(autouse=True)
def _small_limit_and_media(settings, tmp_path):
    settings.FILIERA_IMPORT_MAX_BYTES = LIMIT
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _system_actor():
    with acting_as(None):
        yield


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(workbook: bytes, member: str, change) -> bytes:
    """The workbook with one of its XML members changed by `change(text) -> text`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


GOOD = "ref,name,country,city\n100,Caffè Società Srl,IT,Forlì\n101,Ærø Sundhed ApS,DK,Ærøskøbing\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RANDOM = random.Random(8).randbytes(2000)
SHEET = "xl/worksheets/sheet1.xml"
BIG_SHEET = rewritten(xlsx([["ref", "name", "country"], ["100", "Acme", "IT"]]), SHEET,
                      lambda text: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD1048576"', text))
# Padding between the rows of the sheet: a few kilobytes compressed, megabytes once inflated.
BOMB = rewritten(xlsx([["ref", "name", "country"], ["100", "Acme", "IT"]]), SHEET,
                 lambda text: text.replace("</row>", "</row>" + " " * (4 * 1024 * 1024), 1))

# (file name, content, what the report says: a message, and the row and column it names)
REFUSED = {
    "png": ("logo.csv", PNG, "This is a PNG image, not a CSV or XLSX file.", None, None),
    "zip": ("organisations.xlsx", zipped({"notes.txt": b"ref,name,country"}),
            "This is a ZIP archive but not an XLSX workbook.", None, None),
    "random bytes": ("organisations.csv", RANDOM, "This is not a CSV or XLSX file: it contains binary data.", None,
                     None),
    "pdf as csv": ("organisations.csv", PDF, "This is a PDF document, not a CSV or XLSX file.", None, None),
    "pdf as xlsx": ("organisations.xlsx", PDF, "This is a PDF document, not a CSV or XLSX file.", None, None),
    "old excel": ("organisations.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
                  "This is an old Excel file (.xls); save it as .xlsx or as CSV.", None, None),
    "huge": ("organisations.csv", (GOOD * (LIMIT // len(GOOD) + 1)).encode(),
             "The file is larger than the limit of 19.5\xa0KB.", None, None),
    "gzip bomb": ("organisations.csv.gz", gzip.compress(GOOD.encode() + b" " * (LIMIT * 50)),
                  "Uncompressed, the file is larger than the limit of 19.5\xa0KB.", None, None),
    "xlsx bomb": ("organisations.xlsx", BOMB, "Uncompressed, the workbook is larger than the limit of 390.6\xa0KB.",
                  None, None),
    "empty": ("organisations.csv", b"", "The file is empty.", None, None),
    "blank": ("organisations.csv", b" \r\n\t\n", "The file is empty.", None, None),
    "header only": ("organisations.csv", b"ref,name,country\n", "the file has a header but no organisations.", 2,
                    None),
    "utf-16 broken": ("organisations.csv", codecs.BOM_UTF16_LE + b"r\x00e\x00f", "The file claims to be UTF-16 but "
                      "is not.", None, None),
    "mixed encodings": ("organisations.csv", GOOD.encode() + "102,Società Due,IT,Forlì\n".encode("latin-1"),
                        "the file mixes text encodings: this line is not in UTF-8 while other lines are; save the "
                        "whole file as CSV UTF-8.", 4, None),
    "hyperlink formula": ("organisations.csv", b'ref,name,country\n100,"=HYPERLINK(""http://evil.example"",""x"")",IT\n',
                          "formulas are not accepted; type the value instead.", 2, "name"),
    "dde formula": ("organisations.csv", b"ref;name;country\n100;Acme;=cmd|' /C calc'!A0\n",
                    "formulas are not accepted; type the value instead.", 2, "country"),
    "tab then formula": ("organisations.csv", b'ref,name,country\n100,"\t=1+1",IT\n',
                         "formulas are not accepted; type the value instead.", 2, "name"),
    "xlsx formula": ("organisations.xlsx", xlsx([["ref", "name", "country"], ["100", "Acme", "IT"],
                                                 ["101", '=HYPERLINK("http://evil.example","x")', "IT"]]),
                     "formulas are not accepted; type the value instead.", 3, "name"),
}


def import_page(cluster) -> str:
    return reverse("staff:import", kwargs={"cluster_slug": cluster.slug})


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_broken_file_is_refused_with_its_problem_named_and_located(case, staff, cluster_a, org_a):
    filename, content, message, row, column = REFUSED[case]
    before = (Organisation.objects.count(), Membership.objects.count())
    report = import_organisations(viewer_for(staff), content, filename, cluster=cluster_a, user=staff)
    assert [(problem.message, problem.row, problem.column) for problem in report.errors][:1] == [
        (message, row, column)]
    assert not report.applied and (Organisation.objects.count(), Membership.objects.count()) == before

    # The staff's import page says the same (a file over the limit is refused before it is read, as a form error;
    # an empty upload is the form's own error), offers no confirmation and writes nothing.
    response = client_for(staff).post(import_page(cluster_a),
                                      {"file": SimpleUploadedFile(filename, content, content_type="text/csv")})
    page = page_text(response)
    if case == "huge":
        assert response.status_code == 400 and message in page
    elif case == "empty":
        assert response.status_code == 400 and "The submitted file is empty." in page
    else:
        assert response.status_code == 200
        assert (str(report.errors[0]) if row else message) in page
        assert "Confirm import" not in page
    assert (Organisation.objects.count(), Membership.objects.count()) == before


def test_a_formula_in_any_row_refuses_the_whole_file(staff, cluster_a):
    content = (b"ref,name,country\n100,Acme,IT\n101,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",IT\n"
               b"102,Beta,=1+1\n103,Gamma,IT\n")
    report = import_organisations(viewer_for(staff), content, "organisations.csv", cluster=cluster_a, user=staff)
    assert [str(problem) for problem in report.errors] == [
        "row 3, column name: formulas are not accepted; type the value instead.",
        "row 4, column country: formulas are not accepted; type the value instead."]
    assert not Organisation.objects.filter(ref__in=["100", "103"]).exists()


@pytest.mark.parametrize(("encoding", "note"), [
    ("utf-8", None), ("utf-8-sig", None), ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
    ("latin-1", "cp1252"), ("cp1252", "cp1252"),
])
def test_a_file_in_another_encoding_is_read_with_its_accents(encoding, note, staff, cluster_a):
    """UTF-16 with or without its byte-order mark, Latin-1 and Windows-1252 come out with their accents right;
    the preview tells which encoding was read, so that the staff can check."""
    content = GOOD.encode(encoding)
    report = import_organisations(viewer_for(staff), content, "organisations.csv", cluster=cluster_a, user=staff)
    assert report.errors == [] and report.applied
    assert sorted(Organisation.objects.filter(ref__in=["100", "101"]).values_list("name", "city")) == [
        ("Caffè Società Srl", "Forlì"), ("Ærø Sundhed ApS", "Ærøskøbing")]
    if note == "cp1252":
        assert report.notes == ["The file is not in UTF-8; it was read as cp1252. Check accented letters below."]
    page = page_text(client_for(staff).post(import_page(cluster_a), {
        "file": SimpleUploadedFile("again.csv", content, content_type="text/csv")}))
    assert "Caffè Società Srl" in page and "0 to create, 0 to update, 2 unchanged" in page


def test_a_workbook_declaring_a_huge_sheet_is_read_for_what_it_holds(staff, cluster_a):
    report = import_organisations(viewer_for(staff), BIG_SHEET, "organisations.xlsx", cluster=cluster_a, user=staff)
    assert report.errors == [] and report.to_create == 1 and report.applied
    assert Organisation.objects.get(ref="100").name == "Acme"


def test_plus_minus_and_at_cells_are_imported_as_text_and_exported_neutralised(staff, cluster_a):
    """A leading + - @ is common in real data (a phone number, a dash for "none", a handle), so these cells are
    taken as the text they are; every export then writes them behind an apostrophe, and the import takes the
    apostrophe back off: the values survive a round trip, and never run as formulas in a spreadsheet."""
    content = (b"ref,name,short_name,city,description,country\n"
               b"100,+cmd|' /C calc'!A0,-2+3,@SUM(A1),'=already quoted,IT\n")
    report = import_organisations(viewer_for(staff), content, "organisations.csv", cluster=cluster_a, user=staff)
    assert report.errors == [] and report.applied
    organisation = Organisation.objects.get(ref="100")
    values = ("+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "=already quoted")
    assert (organisation.name, organisation.short_name, organisation.city, organisation.description) == values

    rows = list(organisation_rows(Organisation.objects.filter(pk=organisation.pk)))
    exported_csv = next(csv.DictReader(io.StringIO(write_csv(ORGANISATION_COLUMNS, rows).decode("utf-8-sig"))))
    assert [exported_csv[name] for name in ("name", "short_name", "city", "description")] == [
        "'" + value for value in values]
    sheet = load_workbook(io.BytesIO(write_xlsx(ORGANISATION_COLUMNS, rows))).active
    cells = {sheet.cell(1, n).value: sheet.cell(2, n) for n in range(1, sheet.max_column + 1)}
    assert all(cells[name].data_type == "s" for name in ("name", "short_name", "city", "description"))
    assert [cells[name].value for name in ("name", "short_name", "city", "description")] == [
        "'" + value for value in values]

    # Through the web: the public directory's and the staff's member exports.
    staff_client = client_for(staff)
    members = staff_client.get(reverse("staff:members_export", kwargs={"cluster_slug": cluster_a.slug, "fmt": "csv"}))
    assert members.status_code == 200 and "'+cmd|' /C calc'!A0" in members.content.decode("utf-8-sig")
    assert "\n+cmd" not in members.content.decode("utf-8-sig") and ",+cmd" not in members.content.decode("utf-8-sig")
    directory = client_for(None).get(reverse("directory:export", kwargs={"fmt": "csv"})).content.decode("utf-8-sig")
    assert "'+cmd|' /C calc'!A0" in directory and ",+cmd" not in directory and ",-2+3" not in directory
    book = load_workbook(io.BytesIO(client_for(None).get(reverse("directory:export", kwargs={"fmt": "xlsx"})).content))
    texts = [cell.value for row in book.active.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not any(text[:1] in "=+-@" for text in texts)

    # ... and what was exported imports back as the same organisation, unchanged.
    again = import_organisations(viewer_for(staff), write_csv(ORGANISATION_COLUMNS, rows), "export.csv",
                                 cluster=cluster_a, user=staff)
    assert again.errors == [] and again.unchanged == 1


def test_a_control_character_does_not_break_the_workbook_export(org_a):
    """A name with a control character (typed through the API) used to make openpyxl refuse the whole XLSX export
    (a 500); the character is left out, and what it hid is still neutralised."""
    org_a.name, org_a.city = "MedSense\x0b Srl", "\x01=1+1"
    org_a.save()
    response = client_for(None).get(reverse("directory:export", kwargs={"fmt": "xlsx"}))
    assert response.status_code == 200
    row = [cell.value for cell in list(load_workbook(io.BytesIO(response.content)).active.iter_rows())[1]]
    assert "MedSense Srl" in row and "'=1+1" in row


# --- the projects imports ------------------------------------------------------------------------------------------


def projects_page(cluster) -> str:
    return reverse("projects_staff:import", kwargs={"cluster_slug": cluster.slug})


PARTICIPATIONS = {
    "pdf": ("participations.csv", PDF, "This is a PDF document, not a CSV or XLSX file.", None, None),
    "random bytes": ("participations.csv", RANDOM, "This is not a CSV or XLSX file: it contains binary data.", None,
                     None),
    "huge": ("participations.csv", b"project_ref,org_ref\n" + b"1,2\n" * LIMIT,
             "The file is larger than the limit of 19.5\xa0KB.", None, None),
    "formula": ("participations.csv", b"project_ref,org_ref,project_title\n101,900,=HYPERLINK(\"http://x\")\n",
                "formulas are not accepted; type the value instead.", 2, "project_title"),
    "xlsx formula": ("participations.xlsx", xlsx([["project_ref", "org_ref"], ["101", "=A1"]]),
                     "formulas are not accepted; type the value instead.", 2, "org_ref"),
}


@pytest.mark.parametrize("case", list(PARTICIPATIONS))
def test_a_broken_participations_file_is_refused_through_the_service_and_the_page(case, staff, cluster_a):
    filename, content, message, row, column = PARTICIPATIONS[case]
    report = import_participations(content, filename, cluster=cluster_a, user=staff)
    assert [(problem.message, problem.row, problem.column) for problem in report.errors][:1] == [
        (message, row, column)]
    assert not report.applied
    response = client_for(staff).post(projects_page(cluster_a), {
        "what": "participations", "file": SimpleUploadedFile(filename, content, content_type="text/csv")})
    page = page_text(response)
    if case == "huge":
        assert response.status_code == 400 and "The file is larger than the import limit." in page
    else:
        assert response.status_code == 200 and (str(report.errors[0]) if row else message) in page
        assert "Confirm" not in page


@pytest.mark.parametrize(("content", "message"), [
    (PNG, "This is not a file of call topics: it does not start with a JSON object."),
    (gzip.compress(b'{"topicId": "X", "title": "Y"}' + b" " * (LIMIT * 50)),
     "Uncompressed, the file is larger than the limit of 19.5\xa0KB."),
    (b'{"topicId": "HORIZON-1", "title": "A"}\n{"topicId": ', "topic 2 is not valid JSON (line 2, character 13: "
     "Expecting value); the rest of the file was not read."),
])
def test_a_broken_topics_file_is_refused(content, message, staff, cluster_a):
    report = import_call_topics(content, "topics.json", user=staff)
    assert report.errors[0].message == message and not report.applied
    page = page_text(client_for(staff).post(projects_page(cluster_a), {
        "what": "calls", "file": SimpleUploadedFile("topics.json", content, content_type="application/json")}))
    assert message in page


def test_the_api_has_no_import_endpoint(client):
    """Imports are the staff's pages and the command line; an API import would need these cases too."""
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not [path for path in paths if "import" in path]
