"""The readers of CORDIS exports and of the Funding & Tenders call topics: the real sample files, the same CORDIS
data as semicolon CSV and as XLSX giving the same records, and every kind of broken input reported where it is."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import gzip
import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from filiera.directory.importing import Problem
from filiera.projects.records import ASSOCIATED, COORDINATOR, PARTNER
from filiera.projects.sources import CallTopic, read_call_topics, read_cordis

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CORDIS = DATA / "cordis-export-sample"
TOPICS = DATA / "calls" / "ft_call_topics.jsonl.gz"
needs_cordis = pytest.mark.skipif(not (CORDIS / "project.json").exists(), reason="shared CORDIS sample not present")
needs_topics = pytest.mark.skipif(not TOPICS.exists(), reason="shared call topics not present")


def where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(problem.row, problem.column) for problem in problems]


def semicolon_csv(objects: list[dict]) -> bytes:
    """What CORDIS publishes as CSV: UTF-8 with a BOM, ";" between quoted fields, "," as the decimal separator."""
    columns = list(dict.fromkeys(name for item in objects for name in item))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    for item in objects:
        cells = []
        for name in columns:
            value = item.get(name)
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, float):
                value = repr(value).replace(".", ",")
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return codecs.BOM_UTF8 + out.getvalue().encode()


def workbook(objects: list[dict]) -> bytes:
    """The same as an XLSX sheet, with real numbers, dates and booleans in the cells."""
    columns = list(dict.fromkeys(name for item in objects for name in item))
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for item in objects:
        cells = []
        for name in columns:
            value = item.get(name)
            if name in ("startDate", "endDate") and value:
                value = datetime.date.fromisoformat(value)
            cells.append(None if value == "" else value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shifted(records: list, by: int) -> list:
    return [dataclasses.replace(record, row=record.row - by) for record in records]


# --- CORDIS: the real sample -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cordis_objects() -> tuple[list[dict], list[dict]]:
    return (json.loads((CORDIS / "project.json").read_text("utf-8")),
            json.loads((CORDIS / "organization.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def sample():
    return read_cordis((CORDIS / "project.json").read_bytes(), "project.json",
                       (CORDIS / "organization.json").read_bytes(), "organization.json")


@needs_cordis
def test_the_real_cordis_sample_reads_whole(sample):
    assert (len(sample.projects), len(sample.participations), len(sample.organisations)) == (26, 1076, 765)
    assert sample.errors == [] and sample.file_format == "JSON"
    # The one warning: an organisation listed twice in a project (it left as participant, stayed as third party).
    assert [str(problem) for problem in sample.warnings] == [
        "row 284, column organisationID: organization.json: the organisation 998387051 is listed again in the "
        "project 737459 (first on row 283)."]
    assert Counter(p.role for p in sample.participations) == {PARTNER: 1004, ASSOCIATED: 46, COORDINATOR: 26}
    assert len({o.ref for o in sample.organisations}) == 765


@needs_cordis
def test_a_known_project_organisation_and_participation(sample):
    project = next(p for p in sample.projects if p.ref == "662192")
    assert (project.row, project.acronym, project.programme, project.call) == (1, "3Ccar", "H2020", "ECSEL-01-2014")
    assert project.title == "Integrated Components for Complexity Control in affordable electrified cars"
    assert project.summary.startswith("The 3Ccar project will provide highly integrated ECS Components")
    assert (project.start_date, project.end_date) == (datetime.date(2015, 6, 1), datetime.date(2018, 10, 31))
    assert (project.total_cost, project.eu_contribution) == (Decimal("52401675.84"), Decimal("17320843.96"))
    assert str(project.eu_contribution) == "17320843.96"  # not the JSON's 1.732084396E7
    infineon = sample.organisations[0]
    assert dataclasses.astuple(infineon) == (
        "996588380", 1, "Infineon Technologies Romania and CO. Societate in Comandita Simpla", "IFRO", "PRC", False,
        "RO", "Bucharest", "8415", "", "www.infineon.com")
    first = sample.participations[0]
    assert (first.project_ref, first.org_ref, first.row, first.role, first.contribution) == (
        "662192", "996588380", 1, PARTNER, Decimal("101058.75"))
    # FP7's "partner" rows have no contribution at all.
    assert next(p for p in sample.participations if p.row == 406).contribution is None


@needs_cordis
def test_an_organisation_takes_its_first_row_and_fills_only_its_blanks(sample):
    by_ref = {o.ref: o for o in sample.organisations}
    # UAB METIS BALTIC: SME blank on row 6, true on rows 430 and 829.
    metis = by_ref["968991589"]
    assert (metis.row, metis.is_sme, metis.postcode) == (6, True, "590")  # JSON gave the post code as a number
    # "PRC;PRC" means PRC.
    assert by_ref["998387051"].cordis_type == "PRC"
    assert sum(o.is_sme for o in sample.organisations) == 136


@needs_cordis
def test_the_same_export_as_semicolon_csv_and_as_xlsx_gives_the_same_records(sample, cordis_objects):
    projects, organisations = cordis_objects
    csv_files = read_cordis(semicolon_csv(projects), "project.csv", semicolon_csv(organisations), "organization.csv")
    xlsx_files = read_cordis(workbook(projects), "project.xlsx", workbook(organisations), "organization.xlsx")
    for files, file_format in ((csv_files, "CSV"), (xlsx_files, "XLSX")):
        assert files.file_format == file_format
        assert files.errors == []
        # A spreadsheet's first record is on row 2, a JSON file's is object 1.
        assert shifted(files.projects, 1) == sample.projects
        assert shifted(files.organisations, 1) == sample.organisations
        assert shifted(files.participations, 1) == sample.participations
        assert where(files.warnings) == [(285, "organisationID")]


@needs_cordis
def test_mixed_formats_and_a_wrapped_json_array(cordis_objects):
    projects, organisations = cordis_objects
    files = read_cordis(json.dumps({"project": projects}).encode(), "project.json",
                        gzip.compress(semicolon_csv(organisations)), "organization.csv.gz")
    assert files.errors == []
    assert (len(files.projects), len(files.participations), files.file_format) == (26, 1076, "JSON + CSV")


# --- CORDIS: broken files ----------------------------------------------------------------------------------------


def rows_csv(*rows: str) -> bytes:
    return "\n".join(rows).encode()


PROJECTS = rows_csv(
    "ID;acronym;startDate;endDate;totalCost;ecMaxContribution;topics;subCall",
    "101;ALPHA;2023-01-01;2025-12-31;1000,50;800;HORIZON-HLTH-2023-01;",
    "102;BETA;2023-13-01;2025-12-31;abc;-5;;H2020-SC1-2016",
    "101;ALPHA2;2023-01-01;2022-12-31;;;;",
    "103;GAMMA;;;;;;H2020-SC1-2017",
)
ORGANISATIONS = rows_csv(
    "projectID;organisationID;name;role;ecContribution;SME;activityType;country",
    "101;900;Alpha Srl;coordinator;500,25;true;PRC;",
    "999;901;Beta ApS;participant;;;HES;DK",
    "101;902;Gamma SL;observer;;;REC;ES",
    "101;903;;participant;;;;",
    "101;904;Delta GmbH;participant;=1+1;maybe;;DE",
    "102;905;Epsilon Oy;participant;;false;OTH;FI",
    "103;900;Alpha S.r.l.;;;false;;IT",
)


def test_every_problem_of_broken_files_is_reported_with_its_row_and_column():
    files = read_cordis(PROJECTS, "project.csv", ORGANISATIONS, "organization.csv")
    assert where(files.errors) == [
        (3, "startDate"), (3, "totalCost"), (3, "ecMaxContribution"),
        (4, "ID"), (4, "endDate"),
        (3, "projectID"), (4, "role"), (5, "name"), (6, "ecContribution"), (6, "SME"),
    ]
    messages = [problem.message for problem in files.errors]
    assert messages[0] == "project.csv: “2023-13-01” is not a date (YYYY-MM-DD)."
    assert messages[1] == "project.csv: “abc” is not an amount (a number, at least 0)."
    assert messages[2] == "project.csv: “-5” is not an amount (a number, at least 0)."
    assert messages[3] == "project.csv: the reference 101 is repeated (first on row 2)."
    assert messages[4] == "project.csv: the end date 2022-12-31 is before the start date 2023-01-01."
    assert messages[5] == "organization.csv: the project 999 is not in the projects file."
    assert messages[6].startswith("organization.csv: unknown role “observer”")
    assert messages[7] == "organization.csv: this required cell is empty."
    assert messages[8] == "organization.csv: formulas are not accepted; type the value instead."
    assert messages[9] == "organization.csv: “maybe” is not yes or no."
    assert str(files.errors[5]) == ("row 3, column projectID: organization.csv: the project 999 is not in the projects "
                                    "file.")
    # The rows without errors still give their records (a project whose row has an error is not "unknown").
    assert [(p.ref, p.row, p.call, p.total_cost, p.eu_contribution) for p in files.projects] == [
        ("101", 2, "HORIZON-HLTH-2023-01", Decimal("1000.50"), Decimal("800")),
        ("103", 5, "H2020-SC1-2017", None, None),
    ]
    assert [(p.project_ref, p.org_ref, p.role, p.contribution) for p in files.participations] == [
        ("101", "900", COORDINATOR, Decimal("500.25")), ("102", "905", PARTNER, None), ("103", "900", PARTNER, None)]
    # Organisation 900 keeps its first row's name and SME status; its later row only fills the missing country.
    assert [(o.ref, o.row, o.name, o.is_sme, o.cordis_type, o.country) for o in files.organisations] == [
        ("900", 2, "Alpha Srl", True, "PRC", "IT"), ("905", 7, "Epsilon Oy", False, "OTH", "FI")]
    assert where(files.warnings) == [(8, "role")]  # no role: read as a participant


def test_a_missing_required_column_is_reported_once_on_the_header():
    organisations = rows_csv("projectID;organisationID;role", "101;900;coordinator", "101;901;participant")
    files = read_cordis(PROJECTS, "project.csv", organisations, "organization.csv")
    assert [(p.row, p.column, p.message) for p in files.errors if p.message.startswith("organization")] == [
        (1, "name", "organization.csv: this required column is missing.")]
    assert files.participations == [] and files.organisations == []
    files = read_cordis(b'[{"acronym": "NOID"}]', "project.json", b"[]", "organization.json")
    assert [(p.row, p.column, p.message) for p in files.errors] == [
        (None, "id", "project.json: this required column is missing."),
        (None, "projectID", "organization.json: this required column is missing."),
        (None, "organisationID", "organization.json: this required column is missing."),
        (None, "name", "organization.json: this required column is missing."),
        (None, None, "organization.json: the file has no organisations."),
    ]


def test_a_json_problem_is_located_by_the_objects_position_and_field_name():
    projects = json.dumps([{"id": 1, "startDate": "2020-01-01"}, {"id": 2, "startDate": "01/02/2020"}]).encode()
    organisations = json.dumps([
        {"projectID": 1, "organisationID": 9, "name": "A", "role": "coordinator", "ecContribution": 10.5},
        {"projectID": 2, "organisationID": 8, "name": "B", "role": "participant", "ecContribution": "lots"},
        {"projectID": 3, "organisationID": 7, "name": "C", "role": "partnerOrganisation", "ecContribution": -1},
    ]).encode()
    files = read_cordis(projects, "p.json", organisations, "o.json")
    assert [str(problem) for problem in files.errors] == [
        "row 2, column startDate: p.json: “01/02/2020” is not a date (YYYY-MM-DD).",
        "row 2, column ecContribution: o.json: “lots” is not an amount (a number, at least 0).",
        "row 3, column projectID: o.json: the project 3 is not in the projects file.",
        "row 3, column ecContribution: o.json: “-1” is not an amount (a number, at least 0).",
    ]
    assert [(p.ref, p.row) for p in files.projects] == [("1", 1)]
    assert [(p.org_ref, p.contribution) for p in files.participations] == [("9", Decimal("10.5"))]


@pytest.mark.parametrize(("data", "message"), [
    (bytes(range(256)) * 4, "This is not a CSV or XLSX file: it contains binary data."),
    (b"", "The file is empty."),
    (b"  \n ", "The file is empty."),
    (b"[1, 2]", "This JSON file is not a list of objects."),
    (b'{"a": 1}', "This JSON file is not a list of objects."),
    (b'[{"id": 1},', "This is not valid JSON (line 1: Expecting value)."),
    (b"\x1f\x8bnot really gzip", "The file is not a valid gzip file."),
])
def test_an_unreadable_file_is_one_error_without_a_row(data, message):
    files = read_cordis(data, "project.bin", b'[{"projectID": 1, "organisationID": 9, "name": "A"}]', "o.json")
    assert [(p.row, p.column, p.message) for p in files.errors] == [(None, None, f"project.bin: {message}")]
    # Without the projects, the participations are not checked against them (that would flag every row).
    assert [p.project_ref for p in files.participations] == ["1"]
    assert files.projects == []


# --- Funding & Tenders call topics -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def topics():
    return read_call_topics(TOPICS.read_bytes())


@needs_topics
def test_the_real_call_topics_read_whole_and_repaired(topics):
    assert (len(topics.topics), topics.errors, topics.warnings) == (629, [], [])
    assert [topic.number for topic in topics.topics] == list(range(1, 630))
    for topic in topics.topics:
        texts = [value for value in dataclasses.astuple(topic) if isinstance(value, str)] + topic.keywords
        assert not any("â€" in text or "Â" in text for text in texts), topic.identifier
    first = topics.topics[0]
    assert (first.identifier, first.title, first.programme, first.call_identifier, first.action_type) == (
        "ERC-2026-POC", "ERC PROOF OF CONCEPT GRANTS", "Horizon Europe", "ERC-2026-POC", "Grant")
    assert (first.deadline, first.opening, first.status) == (datetime.date(2026, 3, 17), None, "closed")
    assert (first.budget_min, first.budget_max, first.expected_grants) == (Decimal(150000), Decimal(150000), 400)
    assert first.keywords == ["ERC-2026-POC"]  # the portal says it twice
    assert first.url.endswith("/topic-details/erc-2026-poc")
    assert "cover the beneficiaries’ personnel costs" in first.description  # was "beneficiariesâ€™"
    titles = {topic.title for topic in topics.topics}
    assert "Skills Hubs of Excellence" in titles  # was "Skills Hubs of ExcellenceÂ\xa0"
    assert any("– Civic Participation and Women’s" in title for title in titles)
    assert sum(topic.cluster == "CL1" for topic in topics.topics) == 19  # Horizon Europe's health cluster
    assert sum(topic.budget_min is None for topic in topics.topics) == 163


STREAM = (
    '\ufeff{"topicId": "HORIZON-HLTH-2026-01", "title": "Beneficiariesâ€™ health", "programme": "Horizon Europe",'
    ' "cluster": "CL1", "callStatus": "open", "deadline": "2026-09-16T17:00:00 2026-04-01",'
    ' "plannedOpeningDate": "2026-01-15", "budgetMin": 1000000, "budgetMax": "2500000.50", "expectedGrants": 3,'
    ' "keywords": "AI, ai, Health", "portalUrl": " https://example.org/t1 ",'
    ' "description": "<p>First&nbsp;part</p><ul><li>one</li><li>two</li></ul>", "objectives": "Goals  here"}'
    '{"reference": "REF-2", "title": "Second", "deadline": ""}'
)


def test_a_stream_with_a_bom_concatenated_objects_and_mojibake():
    for data in (STREAM.encode(), gzip.compress(STREAM.encode())):
        read = read_call_topics(data)
        assert (read.errors, read.warnings) == ([], [])
        assert read.topics == [
            CallTopic(identifier="HORIZON-HLTH-2026-01", number=1, title="Beneficiaries’ health",
                      programme="Horizon Europe", cluster="CL1", status="open",
                      deadline=datetime.date(2026, 4, 1), opening=datetime.date(2026, 1, 15),
                      budget_min=Decimal(1000000), budget_max=Decimal("2500000.50"), expected_grants=3,
                      keywords=["AI", "Health"], url="https://example.org/t1",
                      description="First part\none\ntwo\n\nGoals here"),
            CallTopic(identifier="REF-2", number=2, title="Second"),
        ]


def test_a_broken_object_stops_the_reading_and_is_reported_with_its_number():
    read = read_call_topics(b'{"topicId": "A", "title": "One"}\n{"topicId": "B", "title": }\n'
                            b'{"topicId": "C", "title": "Three"}')
    assert [topic.identifier for topic in read.topics] == ["A"]
    assert [(p.row, p.column, p.message) for p in read.errors] == [
        (2, None, "topic 2 is not valid JSON (line 2, character 27: Expecting value); the rest of the file was "
                  "not read.")]


def test_missing_values_bad_values_and_repeated_topics():
    read = read_call_topics(
        b'{"title": "No id"}{"topicId": "X"}[1]'
        b'{"topicId": "Y", "title": "y", "deadline": "soon", "budgetMin": "-1", "expectedGrants": 2.5}'
        b'{"topicId": "Z", "title": "z"} {"topicId": "Z", "title": "z again"}')
    assert [(p.row, p.column, p.message) for p in read.errors] == [
        (1, "topicId", "topic 1 has no identifier (topicId or reference)."),
        (2, "title", "topic 2 has no title."),
        (3, None, "topic 3 is not a JSON object."),
        (4, "deadline", "“soon” is not a date (YYYY-MM-DD)."),
        (4, "budgetMin", "“-1” is not an amount (a number, at least 0)."),
        (4, "expectedGrants", "“2.5” is not a whole number."),
    ]
    assert [(p.row, p.message) for p in read.warnings] == [
        (6, "topic 6 repeats Z (first as topic 5); it was left out.")]
    assert [(topic.identifier, topic.title) for topic in read.topics] == [("Z", "z")]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (gzip.compress(b"\n"), "The file is empty."),
    (bytes(range(256)), "This is not a file of call topics: it does not start with a JSON object."),
    (b'[{"topicId": "A"}]', "This is not a file of call topics: it does not start with a JSON object."),
])
def test_an_unreadable_topics_file(data, message):
    read = read_call_topics(data)
    assert [(p.row, p.message) for p in read.errors] == [(None, message)] and read.topics == []
