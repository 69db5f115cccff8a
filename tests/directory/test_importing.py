"""The organisation import engine and `filiera import organisations`: all or nothing, precise problems, updates by
ref, CORDIS files, encodings, duplicates, memberships and the audit log."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from filiera.core.access import Viewer, viewer_for
from filiera.core.audit import acting_as
from filiera.core.countries import COUNTRY_CODES
from filiera.core.models import AuditEntry, ValueChain
from filiera.directory.duplicates import NAME, WEBSITE, Candidate, find_duplicates, name_key, website_host
from filiera.directory.exporting import ORGANISATION_COLUMNS, organisation_rows, write_csv
from filiera.directory.importing import import_organisations
from filiera.directory.models import Membership, Organisation

FILES = Path(__file__).parent / "files"
H2020 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "h2020"
HEADER = ",".join(ORGANISATION_COLUMNS)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _system_actor():
    with acting_as(None):
        yield


def written() -> tuple[int, int, int]:
    """What an import may write: organisations, audit entries, memberships."""
    return Organisation.objects.count(), AuditEntry.objects.count(), Membership.objects.count()


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "organisations", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_refused(*args) -> tuple[str, str]:
    """Run an import that must be refused with exit code 2, and check it wrote nothing."""
    before = written()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "organisations", *[str(a) for a in args], stdout=out, stderr=err)
    assert refused.value.returncode == 2
    assert "Nothing was imported" in str(refused.value)
    assert written() == before
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- happy paths -----------------------------------------------------------------------------------------------


def test_csv_imports_every_column(value_chain):
    out, err = run(FILES / "organisations.csv")
    assert err == ""
    assert "Imported: 3 created, 0 updated, 0 unchanged." in out
    ortho = Organisation.objects.get(ref="IMP-001")
    assert (ortho.name, ortho.short_name, ortho.kind, ortho.is_sme) == ("Ortho Motion Srl", "OrthoMotion", "sme", True)
    assert (ortho.country, ortho.region, ortho.city, ortho.postcode) == ("IT", "Emilia-Romagna", "Bologna", "40121")
    assert ortho.website == "https://orthomotion.example"  # the scheme was added
    assert ortho.keywords == "protesi;ortesi;stampa 3D"
    assert ortho.language == "it"
    assert ortho.slug == "orthomotion"
    assert list(ortho.value_chains.all()) == [value_chain]
    assert ortho.search_text and "bologna" in ortho.search_text
    university = Organisation.objects.get(ref="IMP-002")
    assert university.kind == "university"  # the English label, in another case
    assert list(university.value_chains.all()) == [value_chain]  # found by its Italian label
    robots = Organisation.objects.get(ref="IMP-003")
    assert (robots.kind, robots.is_sme, robots.website, robots.language) == ("startup", True, "", "en")
    assert robots.slug == "nordic-care-robots-aps"


def test_creates_are_in_the_audit_log(value_chain):
    run(FILES / "organisations.csv")
    ortho = Organisation.objects.get(ref="IMP-001")
    entry = AuditEntry.objects.get(model="directory.organisation", object_id=str(ortho.pk))
    assert entry.action == "create"
    assert entry.actor is None and entry.actor_label == "import"
    assert entry.organisation_id == ortho.pk
    assert entry.changes["name"] == [None, "Ortho Motion Srl"]
    assert entry.changes["value_chains"] == [[], [value_chain.pk]]
    assert "search_text" not in entry.changes


def test_user_option_names_the_author(value_chain, staff):
    run(FILES / "organisations.csv", "--user", "staff")
    entries = AuditEntry.objects.filter(model="directory.organisation")
    assert entries.count() == 3
    assert {(e.actor_id, e.actor_label) for e in entries} == {(staff.pk, "staff")}


def test_dry_run_saves_nothing(value_chain):
    before = written()
    out, _err = run(FILES / "organisations.csv", "--dry-run")
    assert "Dry run, nothing was saved. Would import: 3 to create, 0 to update, 0 unchanged." in out
    assert written() == before


def test_xlsx_happy_path_with_numbers_and_booleans(tmp_path, value_chain):
    data = xlsx([
        ["ref", "name", "Country", "Is SME", "kind", "value_chains"],
        [916734682, "Tech Toybox Inc", "us", True, "PRC", "Biomedical devices"],
        [916743024.0, "Atlasense SLU", "ES", False, "PRC", None],
    ])
    out, _err = run(write(tmp_path, "members.xlsx", data))
    assert "XLSX" in out and "Imported: 2 created" in out
    toybox = Organisation.objects.get(ref="916734682")
    assert (toybox.country, toybox.is_sme, toybox.kind) == ("US", True, "sme")
    assert list(toybox.value_chains.values_list("slug", flat=True)) == ["biomedical"]
    atlas = Organisation.objects.get(ref="916743024")  # a float PIC loses its ".0"
    assert (atlas.is_sme, atlas.kind) == (False, "large_enterprise")


def test_gzip_compressed_csv(tmp_path, value_chain):
    path = write(tmp_path, "organisations.csv.gz", gzip.compress((FILES / "organisations.csv").read_bytes()))
    out, _err = run(path)
    assert "CSV, gzip-compressed, UTF-8" in out
    assert "Imported: 3 created" in out


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(tmp_path, delimiter):
    content = delimiter.join(["ref", "name", "country", "city"]) + "\n"
    content += delimiter.join(["D-1", "Acme, Inc.", "IT", "Parma"]) + "\n"
    out, _err = run(write(tmp_path, "orgs.csv", content))
    assert "Imported: 1 created" in out
    assert Organisation.objects.get(ref="D-1").name == "Acme, Inc."


def test_utf16_with_bom_is_read(tmp_path):
    path = write(tmp_path, "unicode.txt", "ref\tname\tcountry\nU-1\tKøbenhavns Sundhed\tDK\n".encode("utf-16"))
    out, _err = run(path)
    assert "UTF-16" in out
    assert Organisation.objects.get(ref="U-1").name == "Københavns Sundhed"


def test_cp1252_file_is_accepted_and_the_encoding_reported():
    out, _err = run(FILES / "cp1252.csv")
    assert "cp1252" in out
    assert "Imported: 2 created" in out
    cooperative = Organisation.objects.get(ref="CP-1")
    assert cooperative.name == "Società Cooperativa Esempio"
    assert cooperative.city == "Forlì"
    assert cooperative.description == "Servizi socio-sanitari – assistenza domiciliare"
    assert Organisation.objects.get(ref="CP-2").city == "Århus"


# --- updates, not duplicates -----------------------------------------------------------------------------------


def test_reimport_updates_and_never_duplicates(tmp_path, value_chain):
    run(FILES / "organisations.csv")
    out, _err = run(FILES / "organisations.csv", "--dry-run")
    assert "0 to create, 0 to update, 3 unchanged" in out
    out, _err = run(FILES / "organisations.csv")
    assert "Imported: 0 created, 0 updated, 3 unchanged." in out
    assert Organisation.objects.filter(ref__startswith="IMP-").count() == 3

    ortho = Organisation.objects.get(ref="IMP-001")
    entries_before = AuditEntry.objects.count()
    # The city changes; empty cells (region, website, …) keep what is stored; the keywords differ only in spacing.
    row = "IMP-001,Ortho Motion Srl,,,IT,,Imola,,,,,,protesi;ortesi; stampa 3D,"
    path = write(tmp_path, "changed.csv", f"{HEADER}\n{row}\n")
    out, _err = run(path)
    assert "Imported: 0 created, 1 updated, 0 unchanged." in out
    ortho.refresh_from_db()
    assert (ortho.city, ortho.region, ortho.website) == ("Imola", "Emilia-Romagna", "https://orthomotion.example")
    assert (ortho.short_name, ortho.kind, ortho.is_sme, ortho.language) == ("OrthoMotion", "sme", True, "it")
    assert ortho.value_chains.count() == 1
    change = AuditEntry.objects.get(model="directory.organisation", object_id=str(ortho.pk), action="update")
    assert change.changes == {"city": ["Bologna", "Imola"]}
    assert AuditEntry.objects.count() == entries_before + 1


def test_update_of_value_chains_is_audited(tmp_path, value_chain):
    other = ValueChain.objects.create(slug="digital-health", labels={"en": "Digital health", "da": "Digital sundhed"})
    run(FILES / "organisations.csv")
    ortho = Organisation.objects.get(ref="IMP-001")
    path = write(tmp_path, "chains.csv", "ref,name,country,value_chains\nIMP-001,Ortho Motion Srl,IT,Digital Sundhed\n")
    out, _err = run(path)
    assert "1 updated" in out
    assert list(ortho.value_chains.all()) == [other]
    entries = AuditEntry.objects.filter(model="directory.organisation", object_id=str(ortho.pk), action="update")
    # The audit log records the m2m change as a removal then an addition.
    assert [e.changes for e in entries.order_by("id")] == [
        {"value_chains": [[value_chain.pk], []]}, {"value_chains": [[], [other.pk]]}
    ]


def test_website_without_scheme_matches_the_stored_one(tmp_path, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(ref="MS-1", website="http://medsense.example")
    path = write(tmp_path, "ws.csv", "ref,name,country,website\nMS-1,MedSense Srl,IT,medsense.example\n")
    out, _err = run(path)
    assert "0 updated, 1 unchanged" in out


def test_export_then_import_is_unchanged(tmp_path, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(ref="MS-1", description="- sensori\n- telemedicina",
                                                    website="https://medsense.example")
    exported = write_csv(ORGANISATION_COLUMNS, organisation_rows(Organisation.objects.filter(pk=org_a.pk)))
    assert b"'- sensori" in exported  # the export protects the cell
    out, _err = run(write(tmp_path, "export.csv", exported))
    assert "Imported: 0 created, 0 updated, 1 unchanged." in out


def test_slugs_stay_unique(tmp_path, org_a):
    content = "ref,name,short_name,country\nS-1,Medsense Two,MedSense,IT\nS-2,Medsense Three,MedSense,IT\n"
    run(write(tmp_path, "slugs.csv", content))
    assert org_a.slug == "medsense"
    assert Organisation.objects.get(ref="S-1").slug == "medsense-2"
    assert Organisation.objects.get(ref="S-2").slug == "medsense-3"


# --- CORDIS files ----------------------------------------------------------------------------------------------


def test_cordis_types_and_eu_country_codes():
    out, _err = run(FILES / "cordis.csv")
    assert "The column “type” was read as “kind”." in out
    assert "unknown column" not in out
    kinds = dict(Organisation.objects.values_list("ref", "kind"))
    assert kinds == {
        "900000001": "large_enterprise", "900000002": "research_centre", "900000003": "university",
        "900000004": "public_body", "900000005": "other",
    }
    countries = dict(Organisation.objects.values_list("ref", "country"))
    assert countries["900000001"] == "GB" and countries["900000002"] == "GR"


def test_cordis_private_with_sme_flag_is_an_sme(tmp_path):
    run(write(tmp_path, "sme.csv", "ref,name,type,country,is_sme\nP-1,Small Co,PRC,DE,ja\nP-2,Big Co,prc,DE,nej\n"))
    assert Organisation.objects.get(ref="P-1").kind == "sme"
    assert Organisation.objects.get(ref="P-2").kind == "large_enterprise"


def test_cordis_type_never_replaces_a_precise_kind(tmp_path, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(ref="MS-1", kind="hospital")
    Organisation.objects.create(slug="vague", ref="V-1", name="Vague Org", country="IT", kind="other")
    content = "ref,name,type,country\nMS-1,MedSense Srl,PRC,IT\nV-1,Vague Org,HES,IT\n"
    out, _err = run(write(tmp_path, "coarse.csv", content))
    assert "1 updated, 1 unchanged" in out
    assert Organisation.objects.get(ref="MS-1").kind == "hospital"
    assert Organisation.objects.get(ref="V-1").kind == "university"


@pytest.mark.skipif(not (H2020 / "health_organisations.csv").exists(), reason="shared H2020 data not present")
def test_real_h2020_health_organisations_import_fully():
    out, _err = run(H2020 / "health_organisations.csv")
    assert "Imported: 2533 created, 0 updated, 0 unchanged." in out
    assert Organisation.objects.count() == 2533
    assert AuditEntry.objects.filter(model="directory.organisation", action="create").count() == 2533
    assert not Organisation.objects.filter(country__in=["UK", "EL"]).exists()
    assert len(set(Organisation.objects.values_list("slug", flat=True))) == 2533
    out, _err = run(H2020 / "health_organisations.csv")
    assert "Imported: 0 created, 0 updated, 2533 unchanged." in out


# --- warnings that do not stop the import ----------------------------------------------------------------------


def test_unknown_column_is_a_warning(tmp_path):
    out, _err = run(write(tmp_path, "extra.csv", "ref,name,country,colour\nC-1,Colourful,IT,blue\n"))
    assert "row 1, column colour: unknown column, ignored." in out
    assert Organisation.objects.filter(ref="C-1").exists()


def test_header_below_blank_lines_and_unnamed_columns(tmp_path):
    content = "\n;;;\nref;name;country;;notes\nN-1;Numbered;IT;stray;hello\nN-2;Numbered Two;IT;;\n"
    out, _err = run(write(tmp_path, "offset.csv", content))
    assert "row 3, column D: this column has no name in the header; it is ignored." in out
    assert "row 3, column notes: unknown column, ignored." in out
    assert "Imported: 2 created" in out
    _out, err = run_refused(write(tmp_path, "offset-bad.csv", "\nref,name,country\nN-3,Bad,Mars\n"))
    assert "row 3, column country: “Mars” is not an ISO 3166" in err


def test_invalid_website_is_a_warning_and_ignored(tmp_path):
    out, _err = run(write(tmp_path, "ws.csv", "ref,name,country,website\nW-1,Webless,IT,not a website\n"))
    assert "row 2, column website: “not a website” is not a web address; it was ignored." in out
    assert Organisation.objects.get(ref="W-1").website == ""


def test_long_short_name_is_cut_with_a_warning(tmp_path):
    out, _err = run(write(tmp_path, "short.csv", f"ref,name,short_name,country\nL-1,Long,{'x' * 100},IT\n"))
    assert "row 2, column short_name: longer than 80 characters; it was cut." in out
    assert len(Organisation.objects.get(ref="L-1").short_name) == 80


def test_likely_duplicates_are_listed_in_the_dry_run(tmp_path, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(website="https://www.medsense.example")
    content = (
        "ref,name,country,website\n"
        "D-1,Medsense S.r.l.,IT,\n"  # like org_a, once the legal form is left out
        "D-2,Biotech Nordic ApS,DK,\n"
        "D-3,BIOTECH NORDIC A/S,DK,\n"  # like row 3
        "D-4,Completely Different,FR,medsense.example/en\n"  # org_a's website
        "D-5,Biotech Nordic,SE,\n"  # same name, other country: not a duplicate
    )
    out, _err = run(write(tmp_path, "dups.csv", content), "--dry-run")
    assert "Likely duplicates (warnings) (3):" in out
    assert "row 2, column name: “Medsense S.r.l.” looks like “MedSense Srl” (reference —), already in the" in out
    assert "row 4, column name: “BIOTECH NORDIC A/S” looks like row 3, “Biotech Nordic ApS”" in out
    assert "row 5, column website: “Completely Different” has the same website (medsense.example) as “MedSense" in out
    assert "row 6" not in out
    out, _err = run(write(tmp_path, "dups.csv", content))
    assert "Imported: 5 created" in out and "Likely duplicates (warnings) (3):" in out


def test_name_key_leaves_out_legal_forms_and_accents():
    assert name_key("MEDRA S.R.L.") == name_key("Medra srl") == "medra"
    assert name_key("Società Cooperativa Sociale") == name_key("SOCIETA COOPERATIVA SOCIALE")
    assert name_key("SA") == "sa"  # a name that is only a legal form keeps it


def test_website_host_reads_addresses_with_or_without_a_scheme():
    assert website_host("https://www.Medsense.example/en/") == "medsense.example"
    assert website_host("medsense.example/en") == website_host("//www.medsense.example") == "medsense.example"
    assert website_host("") == website_host("http://[broken") == ""


def test_find_duplicates_gives_each_pair_once_with_all_its_reasons():
    new = Candidate(name="ACME S.R.L.", country="IT", host="acme.example")
    twins = [Candidate(name="Acme srl", country="IT", host="acme.example", organisation_id=1),
             Candidate(name="Acme srl", country="IT", host="", organisation_id=2),  # same name, no ref: both count
             Candidate(name="Acme srl", country="FR", host="", organisation_id=3)]  # other country
    matches = find_duplicates([new], twins)
    assert [(m.other.organisation_id, m.reasons) for m in matches] == [(1, (NAME, WEBSITE)), (2, (NAME,))]


# --- bad input: every problem, located; nothing written ------------------------------------------------------

BAD_ROWS = [
    ("ref,name,city\nA,Acme,Rome\n", "row 1, column country: this required column is missing from the header."),
    ("ref,name,country\nA,Acme,XX\n", "row 2, column country: “XX” is not an ISO 3166 two-letter country code"),
    ("ref,name,country\nA,Acme,\n", "row 2, column country: this required cell is empty."),
    ("ref,name,country\nA,,IT\n", "row 2, column name: this required cell is empty."),
    ("ref,name,country\n,Acme,IT\n", "row 2, column ref: this required cell is empty."),
    ("ref,name,country\nA,Acme,IT\nB,Beta,IT\n\nA,Again,IT\n",
     "row 5, column ref: the reference A is repeated (first on row 2)."),
    ("ref,name,country\nA,=HYPERLINK(\"x\"),IT\n", "row 2, column name: formulas are not accepted"),
    ("ref,name,country,kind\nA,Acme,IT,spaceship\n", "row 2, column kind: unknown kind “spaceship”"),
    ("ref,name,country,is_sme\nA,Acme,IT,maybe\n", "row 2, column is_sme: “maybe” is not yes or no."),
    ("ref,name,country,language\nA,Acme,IT,klingon\n", "row 2, column language: “klingon” is not a content language"),
    ("ref,name,country,value_chains\nA,Acme,IT,biomedical;space\n",
     "row 2, column value_chains: unknown value chain “space”."),
    ("ref,name,country\nA,Acme,IT,surplus\n", "row 2: this row has more cells than the header has columns"),
    ("ref,name,country,postcode\nA,Acme,IT,123456789012345678901\n", "row 2, column postcode: too long: 21 characters"),
    ("ref,name,country\n", "row 2: the file has a header but no organisations."),
    ("Ref,Name,Kind,Type,Country\nA,Acme,sme,PRC,IT\n", "row 1, column Type: the column “kind” appears twice"),
    ("foo,bar\n1,2\n", "row 1, column ref: this required column is missing from the header."),
]


@pytest.mark.parametrize(("content", "expected"), BAD_ROWS)
def test_bad_rows_are_refused_with_row_and_column(tmp_path, value_chain, content, expected):
    _out, err = run_refused(write(tmp_path, "bad.csv", content))
    assert expected in err


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    content = "ref,name,country\nA,Acme,IT\nB,,IT\nC,Gamma,ZZ\nA,Again,UK\n"
    _out, err = run_refused(write(tmp_path, "many.csv", content))
    assert "Errors (3):" in err
    assert "row 3, column name: this required cell is empty." in err
    assert "row 4, column country: “ZZ” is not an ISO 3166" in err
    assert "row 5, column ref: the reference A is repeated (first on row 2)." in err


def test_valid_rows_of_a_refused_file_are_not_imported(tmp_path):
    run_refused(write(tmp_path, "mixed.csv", "ref,name,country\nGOOD,Good Org,IT\nBAD,Bad Org,QQ\n"))
    assert not Organisation.objects.filter(ref="GOOD").exists()


def test_formula_in_xlsx_is_refused(tmp_path):
    data = xlsx([["ref", "name", "country"], ["X-1", "Fine", "IT"], ["X-2", "=CONCAT(\"a\",\"b\")", "IT"]])
    _out, err = run_refused(write(tmp_path, "formula.xlsx", data))
    assert "row 3, column name: formulas are not accepted" in err


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(tmp_path):
    data = xlsx([["ref", "name", "country"], ["X-1", "Fine", "IT"], [], ["X-3", "Wrong", "Atlantis"]])
    _out, err = run_refused(write(tmp_path, "gap.xlsx", data))
    assert "row 4, column country: “Atlantis” is not an ISO 3166" in err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("logo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is a PNG image, not a CSV or XLSX file."),
        ("data.csv", b"ref\x00\x01\x02,name", "This is not a CSV or XLSX file: it contains binary data."),
        ("noise.csv", bytes(range(128, 256)) * 4, "The text encoding of the file could not be recognised"),
        ("broken.xlsx", b"PK\x03\x04 this is no workbook", "This is not a valid XLSX workbook."),
        ("text.xlsx", b"ref,name,country\nA,Acme,IT\n", "This is not a valid XLSX workbook."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "This is an old Excel file (.xls)"),
        ("broken.csv.gz", b"\x1f\x8b\x08\x00 not gzip at all", "The file is not a valid gzip file."),
        ("empty.csv", b"  \n\n", "The file is empty."),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, expected):
    _out, err = run_refused(write(tmp_path, name, content))
    assert expected in err


def test_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.FILIERA_IMPORT_MAX_BYTES = 100
    _out, err = run_refused(write(tmp_path, "big.csv", "ref,name,country\n" + "A,Acme,IT\n" * 20))
    assert "The file is larger than the limit of 100\xa0bytes." in err


def test_gzip_over_the_size_limit_once_uncompressed_is_refused(tmp_path, settings):
    settings.FILIERA_IMPORT_MAX_BYTES = 500
    content = gzip.compress(("ref,name,country\n" + "".join(f"A{i},Acme,IT\n" for i in range(200))).encode())
    assert len(content) < 500
    _out, err = run_refused(write(tmp_path, "bomb.csv.gz", content))
    assert "Uncompressed, the file is larger than the limit" in err


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import", "organisations", str(tmp_path / "nowhere.csv"))
    assert refused.value.returncode == 2


def test_unknown_cluster_or_user_is_refused(tmp_path):
    path = write(tmp_path, "ok.csv", "ref,name,country\nA,Acme,IT\n")
    with pytest.raises(CommandError, match="No cluster"):
        call_command("import", "organisations", str(path), "--cluster", "nowhere")
    with pytest.raises(CommandError, match="No user"):
        call_command("import", "organisations", str(path), "--user", "nobody")
    assert not Organisation.objects.exists()


def test_skip_invalid_imports_the_valid_rows(tmp_path):
    out, err = run(write(tmp_path, "mixed.csv", "ref,name,country\nGOOD,Good Org,IT\nBAD,Bad Org,\n"), "--skip-invalid")
    assert "Skipped rows (--skip-invalid) (1):" in out
    assert "row 3, column country: this required cell is empty." in out
    assert "Imported: 1 created, 0 updated, 0 unchanged. 1 row with errors was skipped." in out
    assert list(Organisation.objects.values_list("ref", flat=True)) == ["GOOD"]
    # A problem of the file itself still refuses it.
    run_refused(write(tmp_path, "nocountry.csv", "ref,name\nA,Acme\n"), "--skip-invalid")


# --- memberships ---------------------------------------------------------------------------------------------


def test_cluster_option_makes_members_and_never_downgrades(tmp_path, cluster_a, cluster_b, org_a, org_b, org_applicant):
    Organisation.objects.filter(pk=org_a.pk).update(ref="A-1")
    Organisation.objects.filter(pk=org_applicant.pk).update(ref="A-2")
    Organisation.objects.filter(pk=org_b.pk).update(ref="B-1")
    gone = Organisation.objects.create(slug="gone", ref="A-3", name="Gone Srl", country="IT")
    Membership.objects.create(organisation=gone, cluster=cluster_a, status=Membership.Status.LEFT)
    content = (
        "ref,name,country\n"
        "A-1,MedSense Srl,IT\n"  # active member: stays active
        "A-2,NewCo Health,IT\n"  # applicant: accepted
        "A-3,Gone Srl,IT\n"  # left: kept as it is
        "B-1,Velfærd Robotics ApS,DK\n"  # member elsewhere: joins
        "N-1,Brand New Srl,IT\n"  # new: joins
    )
    out, _err = run(write(tmp_path, "members.csv", content), "--cluster", cluster_a.slug, "--dry-run")
    assert "3 would become active members of Alpha." in out
    assert "row 4: the membership of “Gone Srl” in Alpha is “Left”; it is kept as it is." in out
    assert not Membership.objects.filter(cluster=cluster_a, organisation__ref="N-1").exists()

    out, _err = run(write(tmp_path, "members.csv", content), "--cluster", cluster_a.slug)
    assert "3 became active members of Alpha." in out
    status = dict(Membership.objects.filter(cluster=cluster_a).values_list("organisation__ref", "status"))
    assert status == {"A-1": "active", "A-2": "active", "A-3": "left", "B-1": "active", "N-1": "active"}
    assert Membership.objects.get(cluster=cluster_b, organisation=org_b).status == "active"
    new = Membership.objects.get(cluster=cluster_a, organisation__ref="N-1")
    assert new.joined_on is not None
    entry = AuditEntry.objects.get(model="directory.membership", object_id=str(new.pk))
    assert (entry.action, entry.cluster_id, entry.organisation_id) == ("create", cluster_a.pk, new.organisation_id)
    accepted = Membership.objects.get(cluster=cluster_a, organisation=org_applicant)
    assert AuditEntry.objects.filter(model="directory.membership", object_id=str(accepted.pk), action="update").exists()


# --- the service's own rules -----------------------------------------------------------------------------------


def test_only_admins_or_the_clusters_staff_may_import(cluster_a, staff, outsider, member):
    data = b"ref,name,country\nA,Acme,IT\n"
    for user in (outsider, member):
        with pytest.raises(PermissionDenied):
            import_organisations(viewer_for(user), data, "a.csv", cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        import_organisations(viewer_for(staff), data, "a.csv")  # staff import into their cluster only
    report = import_organisations(viewer_for(staff), data, "a.csv", cluster=cluster_a, user=staff)
    assert report.applied and Organisation.objects.get(ref="A").memberships.get().cluster == cluster_a


def test_staff_cannot_change_an_organisation_of_other_clusters(cluster_a, staff, org_b):
    Organisation.objects.filter(pk=org_b.pk).update(ref="B-1")
    data = "ref,name,country,city\nB-1,Velfærd Robotics ApS,DK,Aarhus\n".encode()
    report = import_organisations(viewer_for(staff), data, "b.csv", cluster=cluster_a, user=staff)
    assert report.applied
    assert "only the staff of its own clusters may change it" in str(report.warnings[0])
    # and it does not join cluster_a: another cluster keeps it, so it must apply (else cluster_a's staff would
    # gain the right to edit it and read its people)
    assert "it does not join" in str(report.warnings[1]) and report.rows[0].membership == "not_joined"
    org_b.refresh_from_db()
    assert org_b.city == "Odense"
    assert not Membership.objects.filter(cluster=cluster_a, organisation=org_b).exists()


def test_staff_cannot_reach_an_organisation_they_may_not_see(cluster_a, staff):
    hidden = Organisation.objects.create(slug="hidden", ref="H-1", name="Hidden Lab", country="IT",
                                         visibility="private")
    before = written()
    report = import_organisations(viewer_for(staff), b"ref,name,country\nH-1,Hidden Lab,IT\n", "h.csv",
                                  cluster=cluster_a, user=staff)
    assert not report.applied
    assert str(report.errors[0]).startswith("row 2, column ref: this reference belongs to an organisation you may")
    assert written() == before
    assert not hidden.memberships.exists()


def test_country_list_is_iso_3166_plus_kosovo():
    assert len(COUNTRY_CODES) == 250
    assert {"IT", "DK", "ES", "GB", "GR", "NA", "XK"} <= COUNTRY_CODES
    assert "UK" not in COUNTRY_CODES and "EL" not in COUNTRY_CODES
    if Path("/usr/share/zoneinfo/iso3166.tab").exists():
        lines = Path("/usr/share/zoneinfo/iso3166.tab").read_text().splitlines()
        iso = {line.split("\t")[0] for line in lines if line and not line.startswith("#")}
        assert iso | {"XK"} == COUNTRY_CODES


def test_admin_viewer_without_cluster_imports():
    report = import_organisations(Viewer(is_admin=True), b"ref,name,country\nA,Acme,EL\n", "a.csv",
                                  actor_label="import")
    assert report.applied and report.to_create == 1
    assert Organisation.objects.get(ref="A").country == "GR"


def test_likely_duplicates_name_only_organisations_the_staff_may_see(cluster_a, staff):
    Organisation.objects.create(slug="hidden-bio", ref="999", name="Hidden Private Biotech", country="IT",
                                visibility="private")
    report = import_organisations(viewer_for(staff), b"ref,name,country\nN-1,Hidden Private Biotech Srl,IT\n",
                                  "d.csv", cluster=cluster_a, user=staff, dry_run=True)
    assert not any("Hidden Private Biotech" in str(problem) and "999" in str(problem) for problem in report.duplicates)
