"""Property tests of every importer: the organisation import (CSV and XLSX), the participations and CORDIS imports
of projects, and the Funding & Tenders call topics.

Whatever the bytes, an importer answers with its own report (each problem a message, located by row and column
where it has a place in the file) and never raises; it writes nothing on a dry run, nothing when its report has
errors (all or nothing), and a valid file round-trips: what the export of the directory writes, the import reads
back as the same organisations, and a second import changes nothing.

Each example runs in a savepoint that is rolled back, so that the examples do not see each other's imports."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from filiera.core.access import viewer_for
from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry
from filiera.core.spreadsheets import is_escaped, safe_cell
from filiera.directory.exporting import ORGANISATION_COLUMNS, organisation_rows, write_csv, write_xlsx
from filiera.directory.importing import Problem, import_organisations, read_table
from filiera.directory.models import Membership, Organisation, OrganisationKind
from filiera.projects.importing import PARTICIPATION_COLUMNS, import_call_topics, import_cordis, import_participations
from filiera.projects.models import Call, Partner, Project

pytestmark = pytest.mark.django_db

# No shrinking: a failure is reported as found (shrinking a file can take minutes), and the run stays bounded.
FUZZ = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
FEW = settings(FUZZ, max_examples=20)


@pytest.fixture(autouse=True)
def _system_actor():
    with acting_as(None):
        yield


@contextmanager
def rolled_back():
    """One example's writes, undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def written() -> dict[str, int]:
    """Everything an import may write."""
    return {"organisations": Organisation.objects.count(), "memberships": Membership.objects.count(),
            "audit entries": AuditEntry.objects.count(), "projects": Project.objects.count(),
            "partners": Partner.objects.count(), "calls": Call.objects.count()}


def check_problems(problems: list[Problem]) -> None:
    """Every problem says something, in words, and is located by a row number and a column name when located."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1), problem
        assert problem.column is None or isinstance(problem.column, str), problem
        assert str(problem)


# --- strategies ----------------------------------------------------------------------------------------------------

MAGIC = [b"", b"PK\x03\x04", b"\x1f\x8b", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"%PDF-1.7\n",
         b"\x89PNG\r\n\x1a\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"["]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "cp1250", "mac_roman"]
FILENAMES = ["organisations.csv", "organisations.xlsx", "organisations.csv.gz", "data.txt", "no-extension", ""]

arbitrary_bytes = st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGIC), st.binary(max_size=400))


@st.composite
def encoded_text(draw) -> bytes:
    """Arbitrary text (a CSV header in front half of the time), in an encoding that can write it, or cut short."""
    text = draw(st.text(max_size=200))
    if draw(st.booleans()):
        text = ",".join(ORGANISATION_COLUMNS) + "\n" + text
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # a multi-byte character may be cut in two
    return data


cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["IT", "DK", "it", "XX", "sme", "PRC", "HES", "yes", "no", "maybe", "biomedical", "en", "=1+1",
                     "=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-1", "@SUM(A1)", "'=quoted", "example.org",
                     "https://example.org", "", " ", "\"", ";", "\t"]),
)


@st.composite
def generated_table(draw) -> list[list[str]]:
    """A header of our columns (some shuffled, repeated, unknown or missing) and rows of arbitrary cells."""
    columns = draw(st.lists(st.sampled_from([*ORGANISATION_COLUMNS, "type", "unknown", ""]), min_size=1, max_size=8))
    if draw(st.booleans()):
        columns = ["ref", "name", "country", *columns]
    rows = draw(st.lists(st.lists(cell_text, min_size=0, max_size=len(columns) + 2), max_size=6))
    return [columns, *rows]


def to_csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the organisation import ---------------------------------------------------------------------------------------


def import_checked(staff, cluster, data: bytes, filename: str, *, dry_run: bool):
    """Import and check the properties every import has; returns the report."""
    before = written()
    report = import_organisations(viewer_for(staff), data, filename, cluster=cluster, dry_run=dry_run, user=staff)
    check_problems(report.errors)
    check_problems(report.warnings)
    check_problems(report.duplicates)
    assert report.summary()
    if dry_run or report.errors:
        assert written() == before, report.errors
        assert not report.applied
    else:
        assert report.applied
        assert written()["organisations"] == before["organisations"] + report.to_create
    return report


def test_arbitrary_bytes_are_reported_never_raised(staff, cluster_a):
    @FUZZ
    @given(data=arbitrary_bytes, filename=st.sampled_from(FILENAMES), dry_run=st.booleans())
    def check(data, filename, dry_run):
        with rolled_back():
            import_checked(staff, cluster_a, data, filename, dry_run=dry_run)

    check()


def test_arbitrary_text_in_arbitrary_encodings_is_reported_never_raised(staff, cluster_a):
    @FUZZ
    @given(data=encoded_text(), dry_run=st.booleans())
    def check(data, dry_run):
        with rolled_back():
            import_checked(staff, cluster_a, data, "organisations.csv", dry_run=dry_run)

    check()


def test_generated_rows_are_all_or_nothing_with_every_problem_located(staff, cluster_a, value_chain):
    @FUZZ
    @given(table=generated_table(), file_format=st.sampled_from(["csv", ";", "\t", "xlsx"]), dry_run=st.booleans())
    def check(table, file_format, dry_run):
        if file_format == "xlsx":
            # A workbook cannot hold control characters; a text starting with "=" is a formula there.
            table = [[c for c in (cell.translate(dict.fromkeys(range(32))) for cell in row)] for row in table]
            data, name = to_xlsx(table), "organisations.xlsx"
        else:
            data, name = to_csv(table, "," if file_format == "csv" else file_format), "organisations.csv"
        with rolled_back():
            report = import_checked(staff, cluster_a, data, name, dry_run=dry_run)
            # A problem of a row's cell names the row and the column as the file writes them.
            rows = {plan.row for plan in report.rows}
            for problem in report.errors:
                if problem.row is not None and problem.row in rows and problem.column is not None:
                    assert problem.column in {cell.strip() for cell in table[0]} | set(ORGANISATION_COLUMNS)
            if not report.errors and not dry_run:
                assert Membership.objects.filter(cluster=cluster_a, organisation__ref__in=[
                    plan.ref for plan in report.rows]).count() == len(report.rows)

    check()


# Valid organisations: what a member could type in the directory, the formula-looking texts included (the export
# neutralises them and the import takes them back).
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 àèéìòùøæåñüß"
name_text = st.text(
    alphabet=st.sampled_from(LETTERS + ",;.'\"&()-+=@/"), min_size=1, max_size=40,
).map(str.strip).filter(bool)


@st.composite
def valid_organisations(draw) -> list[dict]:
    count = draw(st.integers(1, 5))
    refs = draw(st.lists(st.from_regex(r"[0-9]{6,9}", fullmatch=True), min_size=count, max_size=count,
                         unique=True))
    organisations = []
    for ref in refs:
        kind = draw(st.sampled_from([k for k in OrganisationKind.values]))
        organisations.append({
            "ref": ref, "name": draw(name_text), "short_name": draw(st.one_of(st.just(""), name_text)),
            "kind": kind, "country": draw(st.sampled_from(["IT", "DK", "ES", "DE", "FR"])),
            "city": draw(st.one_of(st.just(""), name_text)), "description": draw(st.one_of(st.just(""), name_text)),
            "is_sme": kind == OrganisationKind.SME or draw(st.booleans()),
        })
    return organisations


def test_a_valid_file_round_trips_through_the_export(staff, cluster_a):
    @FEW
    @given(organisations=valid_organisations(), file_format=st.sampled_from(["csv", "xlsx"]))
    @example(organisations=[{"ref": "123456", "name": "'=quoted", "short_name": "-minus", "kind": "other",
                             "country": "IT", "city": "@home", "description": "+plus", "is_sme": False}],
             file_format="csv")
    def check(organisations, file_format):
        with rolled_back():
            for values in organisations:
                Organisation.objects.create(slug=f"org-{values['ref']}", **values)
            stored = Organisation.objects.filter(ref__in=[v["ref"] for v in organisations]).order_by("ref")
            rows = list(organisation_rows(stored.prefetch_related("value_chains")))
            data = write_csv(ORGANISATION_COLUMNS, rows) if file_format == "csv" else \
                write_xlsx(ORGANISATION_COLUMNS, rows)
            # The file holds the values cell for cell, a formula-looking text behind an apostrophe.
            table = read_table(data, f"organisations.{file_format}")
            assert [cells for _row, cells in table.rows] == [[str(safe_cell(value)) for value in row] for row in rows]
            # Imported into an empty directory, the organisations come back as they were.
            Organisation.objects.filter(ref__in=[v["ref"] for v in organisations]).delete()
            report = import_checked(staff, cluster_a, data, f"organisations.{file_format}", dry_run=False)
            assert not report.errors and report.to_create == len(organisations)
            for values in organisations:
                organisation = Organisation.objects.get(ref=values["ref"])
                assert {name: getattr(organisation, name) for name in values} == values
            again = import_checked(staff, cluster_a, data, f"organisations.{file_format}", dry_run=False)
            assert (again.to_create, again.to_update, again.unchanged) == (0, 0, len(organisations))

    check()


# --- the projects imports ------------------------------------------------------------------------------------------


def check_project_report(report, before: dict, *, dry_run: bool) -> None:
    check_problems(report.errors)
    check_problems(report.warnings)
    assert report.summary()
    if dry_run or report.errors:
        assert written() == before, report.errors
        assert not report.applied


def test_participations_files_are_reported_never_raised(cluster_a, org_a):
    org_a.ref = "900"
    org_a.save()
    participation_cell = st.one_of(cell_text, st.sampled_from(
        ["101", "900", "coordinator", "partner", "associated", "2024-01-01", "2026-13-01", "1 234,50", "1e400",
         "NaN", "-1", "Infinity", "9" * 30]))

    @st.composite
    def participations(draw):
        header = draw(st.one_of(st.just(list(PARTICIPATION_COLUMNS)), st.lists(
            st.sampled_from([*PARTICIPATION_COLUMNS, "other", ""]), min_size=1, max_size=12)))
        rows = draw(st.lists(st.lists(participation_cell, max_size=len(header) + 1), max_size=6))
        return [header, *rows]

    @FUZZ
    @given(content=st.one_of(arbitrary_bytes, encoded_text(), participations().map(to_csv)),
           create_missing=st.booleans(), dry_run=st.booleans())
    def check(content, create_missing, dry_run):
        with rolled_back():
            before = written()
            report = import_participations(content, "participations.csv", create_missing=create_missing,
                                           dry_run=dry_run, cluster=cluster_a)
            check_project_report(report, before, dry_run=dry_run)

    check()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
    | st.sampled_from(["2024-01-01", "2024-02-30", "1000,5", "-5", "PRC", "HES;HES", "coordinator", "IT;IT"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
PROJECT_FIELDS = ["id", "acronym", "title", "startDate", "endDate", "totalCost", "ecMaxContribution", "topics"]
ORGANISATION_FIELDS = ["projectID", "organisationID", "name", "role", "ecContribution", "SME", "activityType",
                       "country", "city", "organizationURL", "shortName"]


def records(fields: list[str]):
    return st.lists(st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)), max_size=4)


def test_cordis_exports_are_reported_never_raised(cluster_a):
    files = st.one_of(arbitrary_bytes, encoded_text())

    @FUZZ
    @given(projects=st.one_of(files, records(PROJECT_FIELDS).map(lambda r: json.dumps(r).encode())),
           organisations=st.one_of(files, records(ORGANISATION_FIELDS).map(lambda r: json.dumps(r).encode())),
           dry_run=st.booleans())
    def check(projects, organisations, dry_run):
        with rolled_back():
            before = written()
            report = import_cordis(projects, "project.json", organisations, "organization.json", dry_run=dry_run,
                                   cluster=cluster_a)
            check_project_report(report, before, dry_run=dry_run)

    check()


TOPIC_FIELDS = ["topicId", "reference", "title", "programme", "deadline", "openingDate", "callStatus", "budgetMin",
                "budgetMax", "expectedGrants", "keywords", "portalUrl", "description", "objectives"]


def test_call_topics_are_reported_never_raised(db):
    topics = st.lists(st.dictionaries(st.sampled_from(TOPIC_FIELDS), json_values, max_size=6), max_size=4).map(
        lambda items: "\n".join(json.dumps(item) for item in items).encode())

    @FUZZ
    @given(content=st.one_of(arbitrary_bytes, encoded_text(), topics), dry_run=st.booleans())
    def check(content, dry_run):
        with rolled_back():
            before = written()
            report = import_call_topics(content, "topics.json", dry_run=dry_run)
            check_project_report(report, before, dry_run=dry_run)
            if not report.errors and not dry_run:
                assert written()["calls"] == before["calls"] + report.calls_created

    check()


def test_valid_call_topics_round_trip(db):
    topic = st.fixed_dictionaries({
        "topicId": st.from_regex(r"HORIZON-HLTH-20[0-9]{2}-[A-Z]{4}-0[1-9]", fullmatch=True),
        "title": name_text,
        "deadline": st.dates(datetime.date(2020, 1, 1), datetime.date(2035, 12, 31)).map(str),
        "budgetMin": st.integers(0, 10_000_000),
        "callStatus": st.sampled_from(["open", "forthcoming", "closed"]),
    })

    @FEW
    @given(items=st.lists(topic, min_size=1, max_size=4, unique_by=lambda item: item["topicId"]),
           encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
    def check(items, encoding):
        data = "\n".join(json.dumps(item, ensure_ascii=False) for item in items).encode(encoding)
        assume(not data.startswith(codecs.BOM_UTF8) or encoding == "utf-8-sig")
        with rolled_back():
            report = import_call_topics(data, "topics.json")
            assert not report.errors and report.calls_created == len(items)
            for item in items:
                call = Call.objects.get(identifier=item["topicId"])
                assert (call.title, str(call.deadline), call.budget_min, call.status) == (
                    item["title"], item["deadline"], item["budgetMin"], item["callStatus"])
            again = import_call_topics(data, "topics.json")
            assert (again.calls_created, again.calls_updated, again.calls_unchanged) == (0, 0, len(items))

    check()


# --- the exports ---------------------------------------------------------------------------------------------------


@FUZZ
@given(rows=st.lists(st.lists(st.text(max_size=20), min_size=3, max_size=3), min_size=1, max_size=5))
def test_any_text_exports_and_never_as_a_formula(rows):
    """Whatever members typed, the CSV and XLSX exports are written, and no cell starts a formula."""
    book = load_workbook(io.BytesIO(write_xlsx(["a", "b", "c"], rows)))
    for row in book.active.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"))
    read = list(csv.reader(io.StringIO(write_csv(["a", "b", "c"], rows).decode("utf-8-sig"), newline="")))[1:]
    assert read == [[safe_cell(cell) for cell in row] for row in rows]
    assert all(not is_escaped(cell) or cell[1:] == text for row, texts in zip(read, rows, strict=True)
               for cell, text in zip(row, texts, strict=True))
