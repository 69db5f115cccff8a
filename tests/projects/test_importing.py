"""The project importers and their command lines: `filiera import participations`, `filiera import cordis` and
`filiera import calls`. Files are written for real (CSV and XLSX) or read from the shared real data; every import
runs through the command and the real database. All or nothing: a refused file writes nothing at all."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from openpyxl import Workbook

from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry
from filiera.directory.models import Organisation
from filiera.projects.importing import PARTICIPATION_COLUMNS
from filiera.projects.models import Call, Partner, Project
from tests.projects.test_sources import semicolon_csv, workbook

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
H2020 = DATA / "h2020"
CORDIS = DATA / "cordis-export-sample"
TOPICS = DATA / "calls" / "ft_call_topics.jsonl.gz"
needs_health = pytest.mark.skipif(not (H2020 / "health_participations.csv").exists(),
                                  reason="shared H2020 health files not present")
needs_cordis = pytest.mark.skipif(not (CORDIS / "project.json").exists(), reason="shared CORDIS sample not present")
needs_topics = pytest.mark.skipif(not TOPICS.exists(), reason="shared call topics not present")

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _system_actor():
    with acting_as(None):
        yield


def written() -> dict[str, int]:
    """Everything an import may write."""
    return {"projects": Project.objects.count(), "partners": Partner.objects.count(),
            "organisations": Organisation.objects.count(), "audit entries": AuditEntry.objects.count(),
            "calls": Call.objects.count()}


def run(what: str, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", what, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_refused(what: str, *args) -> list[str]:
    """Run an import that must be refused with exit code 2 and write nothing; returns its lines on stderr."""
    before = written()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", what, *[str(a) for a in args], stdout=out, stderr=err)
    assert refused.value.returncode == 2
    assert str(refused.value).startswith("Nothing was imported")
    assert written() == before
    return err.getvalue().splitlines()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def csv_text(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def xlsx(rows: list[list]) -> bytes:
    """The rows as a spreadsheet would hold them: ISO dates as date cells, plain numbers as number cells."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
                value = datetime.date.fromisoformat(value)
            elif isinstance(value, str) and value.replace(".", "", 1).isdigit():
                value = float(value)
            cells.append(value if value != "" else None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def participations_file(tmp_path: Path, rows: list[list], file_format: str = "csv") -> Path:
    rows = [list(PARTICIPATION_COLUMNS), *rows]
    if file_format == "xlsx":
        return write(tmp_path, "participations.xlsx", xlsx(rows))
    return write(tmp_path, "participations.csv", csv_text(rows))


@pytest.fixture
def partners_known(db) -> dict[str, Organisation]:
    """Three organisations of the directory, known by their EU PIC."""
    return {ref: Organisation.objects.create(ref=ref, slug=slug, name=name, kind=kind, country=country)
            for ref, slug, name, kind, country in (
                ("900000001", "orthomotion", "Ortho Motion Srl", "sme", "IT"),
                ("900000002", "unibo", "Università di Bologna", "university", "IT"),
                ("900000003", "odense-hospital", "Odense University Hospital", "hospital", "DK"))}


CLOSED = ("P-OLD", "OLDCARE", "Care as it was", "H2020 SC1", "2015-01-01", "2018-12-31", "1 234 567,50", "1234567.5")
RUNNING = ("P-NOW", "NOWCARE", "Care as it is", "Horizon Europe", str(TODAY - 400 * DAY), str(TODAY + 400 * DAY),
           "2000000", "1500000")
FUNDED = ("P-NEXT", "NEXTCARE", "Care to come", "Horizon Europe", str(TODAY + 100 * DAY), str(TODAY + 900 * DAY),
          "800000", "800000")

PARTICIPATIONS = [
    [*CLOSED, "900000001", "coordinator", "1 234,50"],
    [*CLOSED, "900000002", "participant", "1234.5"],
    [*CLOSED, "900000003", "thirdParty", ""],
    [*RUNNING, "900000002", "coordinator", "750000"],
    # A project's later rows may leave its columns empty; what they give must agree with its first row.
    ["P-NOW", "", "", "", "", "", "", "", "900000001", "participant", "250000,00"],
    [*FUNDED, "900000003", "coordinator", "500000"],
    [*FUNDED, "900000001", "associated", "300000"],
]
IMPORTED = ("Imported: projects 3 created, 0 updated, 0 unchanged; partners 7 created, 0 updated, 0 unchanged; "
            "0 organisations created.")


def partners_of(ref: str) -> dict[str, tuple[str, Decimal | None]]:
    return {p.organisation.ref: (p.role, p.eu_contribution)
            for p in Partner.objects.filter(project__ref=ref).select_related("organisation")}


# --- participations: what an import creates ---------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_participations_create_projects_and_partners(tmp_path, partners_known, file_format):
    out, err = run("participations", participations_file(tmp_path, PARTICIPATIONS, file_format))
    assert err == ""
    assert f"participations.{file_format}: {file_format.upper()}" in out and "7 rows." in out
    assert IMPORTED in out

    old = Project.objects.get(ref="P-OLD")
    assert (old.acronym, old.title, old.programme, old.source, old.cluster) == (
        "OLDCARE", "Care as it was", "H2020 SC1", Project.Source.PARTICIPATIONS, None)
    assert (old.start_date, old.end_date) == (datetime.date(2015, 1, 1), datetime.date(2018, 12, 31))
    assert (old.total_budget, old.eu_contribution) == (Decimal("1234567.50"), Decimal("1234567.50"))
    # The status follows from the dates: ended, started, not yet started.
    assert {p.ref: p.status for p in Project.objects.all()} == {
        "P-OLD": Project.Status.CLOSED, "P-NOW": Project.Status.RUNNING, "P-NEXT": Project.Status.FUNDED}
    now = Project.objects.get(ref="P-NOW")
    assert (now.acronym, now.title, now.total_budget) == ("NOWCARE", "Care as it is", Decimal("2000000.00"))

    # participant is a partner; a third party or an associated partner is associated. "1 234,50" == "1234.5".
    assert partners_of("P-OLD") == {"900000001": ("coordinator", Decimal("1234.50")),
                                    "900000002": ("partner", Decimal("1234.50")),
                                    "900000003": ("associated", None)}
    assert partners_of("P-NOW") == {"900000002": ("coordinator", Decimal("750000.00")),
                                    "900000001": ("partner", Decimal("250000.00"))}
    assert partners_of("P-NEXT") == {"900000003": ("coordinator", Decimal("500000.00")),
                                     "900000001": ("associated", Decimal("300000.00"))}
    assert Organisation.objects.count() == 3  # nothing else was created


def test_every_created_record_has_its_audit_entry(tmp_path, partners_known):
    before = AuditEntry.objects.count()
    run("participations", participations_file(tmp_path, PARTICIPATIONS))
    entries = AuditEntry.objects.order_by("id")[before:]
    assert len(entries) == 3 + 7
    assert {(e.model, e.object_id) for e in entries} == (
        {("projects.project", str(pk)) for pk in Project.objects.values_list("pk", flat=True)}
        | {("projects.partner", str(pk)) for pk in Partner.objects.values_list("pk", flat=True)})
    assert {(e.action, e.actor_id, e.actor_label) for e in entries} == {("create", None, "import")}
    coordinator = Partner.objects.get(project__ref="P-OLD", organisation__ref="900000001")
    entry = next(e for e in entries if e.model == "projects.partner" and e.object_id == str(coordinator.pk))
    assert entry.organisation_id == partners_known["900000001"].pk and entry.cluster_id is None
    assert entry.changes["role"] == [None, "coordinator"]
    assert Decimal(entry.changes["eu_contribution"][1]) == Decimal("1234.50")
    project = next(e for e in entries if e.model == "projects.project" and e.object_repr == "OLDCARE")
    assert Decimal(project.changes["total_budget"][1]) == Decimal("1234567.50")
    assert project.changes["status"] == [None, "closed"]


def test_a_second_run_changes_nothing(tmp_path, partners_known):
    path = participations_file(tmp_path, PARTICIPATIONS)
    run("participations", path)
    before = written()
    out, _err = run("participations", path)
    assert ("Imported: projects 0 created, 0 updated, 3 unchanged; partners 0 created, 0 updated, 7 unchanged; "
            "0 organisations created.") in out
    assert written() == before


def test_a_changed_amount_updates_only_that_partner(tmp_path, partners_known):
    run("participations", participations_file(tmp_path, PARTICIPATIONS))
    partners = {p.pk: (p.role, p.eu_contribution) for p in Partner.objects.all()}
    before = written()
    changed = [row.copy() for row in PARTICIPATIONS]
    changed[3][-1] = "760000"  # P-NOW's coordinator
    out, _err = run("participations", participations_file(tmp_path, changed))
    assert ("Imported: projects 0 created, 0 updated, 3 unchanged; partners 0 created, 1 updated, 6 unchanged; "
            "0 organisations created.") in out
    coordinator = Partner.objects.get(project__ref="P-NOW", organisation__ref="900000002")
    assert coordinator.eu_contribution == Decimal("760000.00")
    partners[coordinator.pk] = ("coordinator", Decimal("760000.00"))
    assert {p.pk: (p.role, p.eu_contribution) for p in Partner.objects.all()} == partners
    assert written() == {**before, "audit entries": before["audit entries"] + 1}
    entry = AuditEntry.objects.get(model="projects.partner", action="update")
    assert (entry.object_id, entry.actor_label) == (str(coordinator.pk), "import")
    assert list(entry.changes) == ["eu_contribution"]
    assert [Decimal(amount) for amount in entry.changes["eu_contribution"]] == [750000, 760000]


def test_an_unknown_organisation_refuses_the_whole_file(tmp_path, partners_known):
    rows = [*PARTICIPATIONS[:3], [*RUNNING, "912345678", "participant", "1000"], *PARTICIPATIONS[3:]]
    errors = run_refused("participations", participations_file(tmp_path, rows))
    assert errors == ["Errors (1):", "  row 5, column org_ref: no organisation has the reference 912345678; import it "
                      "first with `filiera import organisations`, or use --create-missing."]
    assert not Project.objects.exists()


def test_create_missing_makes_unverified_placeholders(tmp_path, partners_known):
    rows = [*PARTICIPATIONS, [*RUNNING, "912345678", "participant", "1000"], [*FUNDED, "912345678", "partner", ""]]
    before = AuditEntry.objects.count()
    out, _err = run("participations", participations_file(tmp_path, rows), "--create-missing")
    assert ("Imported: projects 3 created, 0 updated, 0 unchanged; partners 9 created, 0 updated, 0 unchanged; "
            "1 organisations created. 1 of the organisations are unverified placeholders (unknown references).") in out
    placeholder = Organisation.objects.get(ref="912345678")
    assert (placeholder.name, placeholder.verified, placeholder.kind, placeholder.country) == (
        "Organisation 912345678", False, "other", "")
    assert placeholder.participations.count() == 2
    assert Organisation.objects.filter(verified=False).count() == 1  # the known ones are left as they are
    created = AuditEntry.objects.order_by("id")[before:]
    assert [(e.action, e.object_id) for e in created if e.model == "directory.organisation"] == [
        ("create", str(placeholder.pk))]
    assert len(created) == 1 + 3 + 9


def test_a_dry_run_writes_nothing_but_reports_the_counts(tmp_path, partners_known):
    rows = [*PARTICIPATIONS, [*RUNNING, "912345678", "participant", "1000"]]
    before = written()
    out, _err = run("participations", participations_file(tmp_path, rows), "--create-missing", "--dry-run")
    assert ("Dry run, nothing was saved. Would import: projects 3 to create, 0 to update, 0 unchanged; partners 8 to "
            "create, 0 to update, 0 unchanged; 1 organisations to create.") in out
    assert written() == before


# --- participations: broken files ---------------------------------------------------------------------------------

HEADER = ",".join(PARTICIPATION_COLUMNS)
GOOD = "P-1,ACRO,Title,H2020,2020-01-01,2022-12-31,1000,900,900000001,participant,100"


@pytest.mark.parametrize(("content", "errors"), [
    pytest.param("project_ref,project_acronym,role\nP-1,ACRO,participant\n",
                 ["row 1, column org_ref: this required column is missing from the header."], id="missing column"),
    pytest.param(f"{HEADER}\n{GOOD}\nP-1,ACRO,Title,H2020,2020-01-01,2022-12-31,1000,900,,participant,100\n",
                 ["row 3, column org_ref: this required cell is empty."], id="empty required cell"),
    pytest.param(f"{HEADER}\nP-1,ACRO,Title,H2020,2020-02-30,2022-12-31,1000,900,900000001,participant,100\n",
                 ["row 2, column start_date: “2020-02-30” is not a date (YYYY-MM-DD)."], id="bad date"),
    pytest.param(f"{HEADER}\nP-1,ACRO,Title,H2020,2022-01-01,2021-12-31,1000,900,900000001,participant,100\n",
                 ["row 2, column end_date: the project ends before it starts."], id="end before start"),
    pytest.param(f"{HEADER}\n{GOOD}\nP-1,ACRO,Title,H2020,2020-01-01,2022-12-31,1000,900,900000002,participant,-5\n",
                 ["row 3, column org_contribution: “-5” is not an amount in euros (a number, not negative)."],
                 id="negative amount"),
    pytest.param(f"{HEADER}\nP-1,ACRO,Title,H2020,2020-01-01,2022-12-31,1000,900,900000001,boss,100\n",
                 ["row 2, column role: “boss” is not a role: coordinator, partner or associated."], id="unknown role"),
    pytest.param(f"{HEADER}\nP-1,ACRO,Title,H2020,2020-01-01,2022-12-31,=1+1,900,900000001,participant,100\n",
                 ["row 2, column total_cost: formulas are not accepted; type the value instead."], id="formula"),
    pytest.param(f"{HEADER}\n{GOOD}\nP-1,ACRO,Title,H2020,2020-01-01,2023-12-31,1000,900,900000002,participant,\n",
                 ["row 3, column end_date: project P-1 has another value here than on row 2."],
                 id="conflicting project values"),
    pytest.param(f"{HEADER}\n{GOOD}\n{GOOD.replace('participant', 'coordinator')}\n",
                 ["row 3, column org_ref: organisation 900000001 is already a partner of project P-1 on row 2."],
                 id="same organisation twice"),
    pytest.param(bytes(range(256)) * 8, ["This is not a CSV or XLSX file: it contains binary data."], id="binary junk"),
    pytest.param(b"", ["The file is empty."], id="empty file"),
])
def test_a_broken_participations_file_is_refused_with_every_problem_located(tmp_path, partners_known, content,
                                                                           errors):
    lines = run_refused("participations", write(tmp_path, "participations.csv", content))
    assert lines == [f"Errors ({len(errors)}):", *(f"  {error}" for error in errors)]


def test_every_problem_of_a_file_is_reported_not_only_the_first(tmp_path, partners_known):
    content = (f"{HEADER}\n{GOOD}\n"
               "P-2,TWO,Title,H2020,2021-01-01,2020-01-01,-1,900,900000002,boss,100\n"
               "P-2,TWO,Title,H2020,2021-01-01,2020-01-01,-1,900,,participant,100\n")
    lines = run_refused("participations", write(tmp_path, "participations.csv", content))
    assert lines == [
        "Errors (4):",
        "  row 3, column total_cost: “-1” is not an amount in euros (a number, not negative).",
        "  row 3, column role: “boss” is not a role: coordinator, partner or associated.",
        "  row 3, column end_date: the project ends before it starts.",
        "  row 4, column org_ref: this required cell is empty.",
    ]


def test_a_formula_cell_of_a_workbook_is_refused(tmp_path, partners_known):
    rows = [[*CLOSED, "900000001", "coordinator", "=1+1"]]
    lines = run_refused("participations", participations_file(tmp_path, rows, "xlsx"))
    assert lines == ["Errors (1):", "  row 2, column org_contribution: formulas are not accepted; type the value "
                                    "instead."]


# --- participations: cluster portfolios ---------------------------------------------------------------------------


def test_cluster_option_puts_the_projects_in_its_portfolio(tmp_path, partners_known, cluster_a, staff):
    run("participations", participations_file(tmp_path, PARTICIPATIONS), "--cluster", cluster_a.slug, "--user",
        "staff")
    assert set(Project.objects.values_list("cluster_id", flat=True)) == {cluster_a.pk}
    entries = AuditEntry.objects.filter(model__in=["projects.project", "projects.partner"])
    assert entries.count() == 10
    assert {(e.cluster_id, e.actor_id, e.actor_label) for e in entries} == {(cluster_a.pk, staff.pk, "staff")}


def test_a_project_of_another_clusters_portfolio_is_refused(tmp_path, partners_known, cluster_a, cluster_b):
    theirs = Project.objects.create(ref="P-NOW", acronym="THEIRS", cluster=cluster_b)
    lines = run_refused("participations", participations_file(tmp_path, PARTICIPATIONS), "--cluster", cluster_a.slug)
    assert lines == ["Errors (1):", "  row 5: project P-NOW belongs to another cluster's portfolio."]
    theirs.refresh_from_db()
    assert (theirs.acronym, theirs.cluster) == ("THEIRS", cluster_b)



def test_a_clusters_import_leaves_a_public_record_and_its_partners_as_they_are(tmp_path, partners_known, cluster_a):
    run("participations", participations_file(tmp_path, PARTICIPATIONS))  # public records: no cluster
    out, _err = run("participations", participations_file(tmp_path, PARTICIPATIONS), "--cluster", cluster_a.slug)
    assert "public record" not in out  # counted in the portfolio, nothing to leave out
    before = written()
    changed = [row.copy() for row in PARTICIPATIONS]
    changed[1][-1] = "999"  # a partner's amount in P-OLD
    changed[4][-2] = "coordinator"  # a partner's role in P-NOW
    changed[5][1] = changed[6][1] = "RENAMED"  # P-NEXT's acronym, on both its rows
    changed.append([*RUNNING, "900000003", "participant", "5"])  # a new partner of P-NOW
    out, _err = run("participations", participations_file(tmp_path, changed), "--cluster", cluster_a.slug)
    assert [line for line in out.splitlines() if "public record" in line] == [
        f"  row {row}: project {ref} is a public record; it was left as it is."
        for row, ref in ((2, "P-OLD"), (5, "P-NOW"), (7, "P-NEXT"))]
    assert ("Imported: projects 0 created, 0 updated, 3 unchanged; partners 0 created, 0 updated, 8 unchanged; "
            "0 organisations created.") in out
    assert written() == before
    assert {p.ref: (p.acronym, p.cluster_id) for p in Project.objects.all()} == {
        "P-OLD": ("OLDCARE", None), "P-NOW": ("NOWCARE", None), "P-NEXT": ("NEXTCARE", None)}
    assert partners_of("P-OLD")["900000002"] == ("partner", Decimal("1234.50"))
    assert partners_of("P-NOW")["900000001"] == ("partner", Decimal("250000.00"))


# --- participations: the real health network ------------------------------------------------------------------------


@needs_health
def test_the_real_health_network_imports_and_a_second_run_changes_nothing():
    out, _err = run("organisations", H2020 / "health_organisations.csv")
    assert "Imported: 2533 created" in out
    path = H2020 / "health_participations.csv"
    out, err = run("participations", path, "--create-missing")
    assert err == ""
    assert ("Imported: projects 1105 created, 0 updated, 0 unchanged; partners 10906 created, 0 updated, 0 "
            "unchanged; 1462 organisations created. 1462 of the organisations are unverified placeholders") in out
    assert Partner.objects.filter(role="coordinator").count() == Project.objects.count() == 1105
    assert Organisation.objects.filter(verified=False).count() == 1462
    assert AuditEntry.objects.filter(model="projects.partner", action="create").count() == 10906
    assert not Project.objects.filter(Q(start_date__isnull=True) | Q(eu_contribution__isnull=True)).exists()
    before = written()
    out, _err = run("participations", path, "--create-missing")
    assert ("Imported: projects 0 created, 0 updated, 1105 unchanged; partners 0 created, 0 updated, 10906 "
            "unchanged; 0 organisations created.") in out
    assert written() == before


# --- CORDIS exports -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cordis_objects() -> tuple[list[dict], list[dict]]:
    return (json.loads((CORDIS / "project.json").read_text("utf-8")),
            json.loads((CORDIS / "organization.json").read_text("utf-8")))


@pytest.fixture
def tu_graz(db):
    """An organisation of the sample already in the directory, as staff entered it."""
    return Organisation.objects.create(ref="999977948", slug="tu-graz", name="TU Graz (our notes)", kind="university",
                                       country="AT", city="Graz", description="Entered by hand")


@needs_cordis
def test_the_real_cordis_sample_imports_projects_partners_and_organisations(tu_graz):
    args = ("--projects", CORDIS / "project.json", "--organizations", CORDIS / "organization.json")
    out, err = run("cordis", *args)
    assert err == ""
    assert ("row 284, column organisationID: organization.json: the organisation 998387051 is listed again in the "
            "project 737459 (first on row 283).") in out
    assert ("Imported: projects 26 created, 0 updated, 0 unchanged; partners 1075 created, 0 updated, 0 unchanged; "
            "764 organisations created.") in out
    assert (Project.objects.count(), Partner.objects.count(), Organisation.objects.count()) == (26, 1075, 765)

    project = Project.objects.get(ref="662192")
    assert (project.acronym, project.programme, project.call_identifier, project.source, project.status) == (
        "3Ccar", "H2020", "ECSEL-01-2014", Project.Source.CORDIS, Project.Status.CLOSED)
    assert (project.total_budget, project.eu_contribution) == (Decimal("52401675.84"), Decimal("17320843.96"))
    assert project.summary.startswith("The 3Ccar project will provide highly integrated ECS Components")

    # Unknown organisations are created from the export: PRC with SME (given on a later row) is an SME, HES a
    # university, PRC without it a large enterprise.
    metis = Organisation.objects.get(ref="968991589")
    assert (metis.name, metis.short_name, metis.kind, metis.is_sme, metis.country, metis.city) == (
        "UAB METIS BALTIC", "METBALTIC", "sme", True, "LT", "VILNIUS")
    brno = Organisation.objects.get(ref="999873091")
    assert (brno.name, brno.kind, brno.country, brno.city, brno.verified) == (
        "VYSOKE UCENI TECHNICKE V BRNE", "university", "CZ", "BRNO STRED", True)
    infineon = Organisation.objects.get(ref="996588380")
    assert (infineon.kind, infineon.is_sme, infineon.country, infineon.website) == (
        "large_enterprise", False, "RO", "https://www.infineon.com")
    assert Organisation.objects.get(ref="998387051").country == "FI"  # the export says "FI;FI"
    assert partners_of("662192")["996588380"] == ("partner", Decimal("101058.75"))

    # The organisation already known is left as it is, and takes part in its five projects.
    tu_graz_before = (tu_graz.name, tu_graz.kind, tu_graz.city, tu_graz.description, tu_graz.updated_at)
    tu_graz.refresh_from_db()
    assert (tu_graz.name, tu_graz.kind, tu_graz.city, tu_graz.description, tu_graz.updated_at) == tu_graz_before
    assert tu_graz.participations.count() == 5
    assert not AuditEntry.objects.filter(model="directory.organisation", object_id=str(tu_graz.pk),
                                         action="update").exists()

    # Listed twice in a project (participant, then third party): one partner, as its first row says.
    assert partners_of("737459")["998387051"] == ("partner", Decimal("21576.45"))
    creates = AuditEntry.objects.filter(action="create", actor_label="import")
    assert {model: creates.filter(model=model).count() for model in
            ("directory.organisation", "projects.project", "projects.partner")} == {
        "directory.organisation": 764, "projects.project": 26, "projects.partner": 1075}

    before = written()
    out, _err = run("cordis", *args)
    assert ("Imported: projects 0 created, 0 updated, 26 unchanged; partners 0 created, 0 updated, 1075 unchanged; "
            "0 organisations created.") in out
    assert written() == before


@needs_cordis
@pytest.mark.parametrize(("file_format", "convert"), [("csv", semicolon_csv), ("xlsx", workbook)])
def test_the_cordis_export_as_semicolon_csv_or_xlsx(tmp_path, cordis_objects, file_format, convert):
    projects, organisations = cordis_objects
    out, err = run("cordis", "--projects", write(tmp_path, f"project.{file_format}", convert(projects)),
                   "--organizations", write(tmp_path, f"organization.{file_format}", convert(organisations)))
    assert err == ""
    assert f"project.{file_format} + organization.{file_format}: {file_format.upper()}; 1102 rows." in out
    assert ("Imported: projects 26 created, 0 updated, 0 unchanged; partners 1075 created, 0 updated, 0 unchanged; "
            "765 organisations created.") in out
    assert partners_of("662192")["996588380"] == ("partner", Decimal("101058.75"))
    assert Project.objects.get(ref="662192").start_date == datetime.date(2015, 6, 1)


@needs_cordis
def test_the_cordis_dry_run_saves_nothing(cordis_objects):
    before = written()
    out, _err = run("cordis", "--projects", CORDIS / "project.json", "--organizations", CORDIS / "organization.json",
                    "--dry-run")
    assert ("Dry run, nothing was saved. Would import: projects 26 to create, 0 to update, 0 unchanged; partners "
            "1075 to create, 0 to update, 0 unchanged; 765 organisations to create.") in out
    assert written() == before


@needs_cordis
def test_a_broken_organizations_file_refuses_everything(tmp_path, cordis_objects):
    projects, organisations = cordis_objects
    broken = [dict(row) for row in organisations]
    broken[9]["projectID"] = 999999
    lines = run_refused("cordis", "--projects", CORDIS / "project.json",
                        "--organizations", write(tmp_path, "organization.json", json.dumps(broken)))
    assert lines == ["Errors (1):", "  row 10, column projectID: organization.json: the project 999999 is not in the "
                                    "projects file."]


# --- calls --------------------------------------------------------------------------------------------------------


@needs_topics
def test_the_real_call_topics_import_and_a_second_run_changes_nothing():
    out, err = run("calls", TOPICS)
    assert err == ""
    assert "Imported: calls 629 created, 0 updated, 0 unchanged." in out
    assert Call.objects.filter(imported=True, cluster=None).count() == 629
    assert AuditEntry.objects.filter(model="projects.call", action="create").count() == 629
    call = Call.objects.get(identifier="HORIZON-HLTH-2026-02-DISEASE-12")
    assert (call.title, call.programme, call.call_identifier, call.action_type, call.status) == (
        "European Partnership on Rare Diseases (ERDERA) (Phase 2)", "Horizon Europe", "HORIZON-HLTH-2026-02",
        "CoFund", Call.Status.OPEN)
    assert (call.deadline, call.budget_min, call.budget_max, call.expected_grants) == (
        datetime.date(2026, 9, 15), Decimal("91300000.00"), Decimal("91300000.00"), 1)
    assert call.url.endswith("/topic-details/horizon-hlth-2026-02-disease-12")
    assert call.keyword_list[:3] == ["HORIZON-HLTH-2026-02-DISEASE-12", "HORIZON-HLTH-2026-02", "Anticancer therapy"]
    assert "destination “Tackling diseases and reducing disease burden”" in call.description  # was â€œ … â€\x9d
    mojibake = Q()
    for text in ("â€", "Ã", "Â"):
        mojibake |= Q(title__contains=text) | Q(description__contains=text) | Q(keywords__contains=text)
    assert not Call.objects.filter(mojibake).exists()

    before = written()
    out, _err = run("calls", TOPICS)
    assert "Imported: calls 0 created, 0 updated, 629 unchanged." in out
    assert written() == before


TOPIC = {"topicId": "HORIZON-HLTH-2027-01", "title": "Care at home", "programme": "Horizon Europe",
         "callStatus": "forthcoming", "deadline": "2027-04-13T17:00:00", "budgetMin": 3000000, "budgetMax": 5000000}
OTHER_TOPIC = {"topicId": "HORIZON-HLTH-2027-02", "title": "Health data", "deadline": "2027-05-01"}


def topics_file(tmp_path: Path, *topics: dict) -> Path:
    return write(tmp_path, "topics.jsonl", "\n".join(json.dumps(topic) for topic in topics))


def test_a_call_entered_by_hand_is_left_as_it_is(tmp_path, cluster_a):
    ours = Call.objects.create(identifier=TOPIC["topicId"], title="Our reading of it", cluster=cluster_a)
    out, _err = run("calls", topics_file(tmp_path, TOPIC, OTHER_TOPIC))
    assert ("row 1: a call entered by hand has the identifier HORIZON-HLTH-2027-01; it was left as it is.") in out
    assert "Imported: calls 1 created, 0 updated, 1 unchanged." in out
    ours.refresh_from_db()
    assert (ours.title, ours.imported, ours.budget_max, ours.deadline) == ("Our reading of it", False, None, None)
    other = Call.objects.get(identifier=OTHER_TOPIC["topicId"])
    assert (other.title, other.imported, other.deadline) == ("Health data", True, datetime.date(2027, 5, 1))


def test_an_imported_call_is_updated_with_its_changes_in_the_audit_log(tmp_path):
    run("calls", topics_file(tmp_path, TOPIC, OTHER_TOPIC))
    out, _err = run("calls", topics_file(tmp_path, {**TOPIC, "deadline": "2027-04-20", "callStatus": "open"},
                                         OTHER_TOPIC))
    assert "Imported: calls 0 created, 1 updated, 1 unchanged." in out
    call = Call.objects.get(identifier=TOPIC["topicId"])
    assert (call.deadline, call.status, call.budget_min) == (datetime.date(2027, 4, 20), "open", Decimal("3000000"))
    entry = AuditEntry.objects.get(model="projects.call", action="update")
    assert entry.changes == {"status": ["forthcoming", "open"], "deadline": ["2027-04-13", "2027-04-20"]}


def test_a_broken_stream_of_topics_refuses_all(tmp_path):
    path = write(tmp_path, "topics.jsonl", json.dumps(TOPIC) + '\n{"topicId": "X", "title": }\n'
                 + json.dumps(OTHER_TOPIC))
    lines = run_refused("calls", path)
    assert lines == ["Errors (1):", "  row 2: topic 2 is not valid JSON (line 2, character 27: Expecting value); the "
                                    "rest of the file was not read."]


def test_a_topic_with_bad_values_refuses_all(tmp_path):
    lines = run_refused("calls", topics_file(tmp_path, TOPIC, {**OTHER_TOPIC, "deadline": "soon", "budgetMax": -1}))
    assert lines == ["Errors (2):", "  row 2, column deadline: “soon” is not a date (YYYY-MM-DD).",
                     "  row 2, column budgetMax: “-1” is not an amount (a number, at least 0)."]


def test_the_calls_dry_run_saves_nothing(tmp_path):
    before = written()
    out, _err = run("calls", topics_file(tmp_path, TOPIC, OTHER_TOPIC), "--dry-run")
    assert "Dry run, nothing was saved. Would import: calls 2 to create, 0 to update, 0 unchanged." in out
    assert written() == before
