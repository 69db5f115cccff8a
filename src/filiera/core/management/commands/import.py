"""`filiera import WHAT FILE`: bulk imports from files, one sub-command per kind of data.

Each sub-command is a pair of methods, `add_WHAT_arguments(parser)` and `import_WHAT(**options)`, listed in
`SUBCOMMANDS`; a new import (participations, CORDIS projects, …) adds its pair and its line there.
Exit codes: 0 done, 2 the input has problems (nothing was imported), 1 any other failure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.directory.importing import ImportReport, import_organisations

BAD_INPUT = 2

ORGANISATIONS_HELP = """\
Import organisations from a CSV or XLSX file (a .gz file is decompressed first). All or nothing: the whole file is
checked first; if anything is wrong every problem is listed as "row N, column NAME: message" (the header is row 1),
the exit code is 2 and nothing is imported.

Columns (header row, any order, any case):
  ref, name, short_name, kind, country, region, city, postcode, website, is_sme, description, language,
  keywords, value_chains
  Required: ref, name, country. "type" is read as "kind" (CORDIS files). Unknown columns are reported and ignored.

Rules:
  ref           identifies the organisation (e.g. the EU PIC); importing a ref again updates, never duplicates.
  empty cells   never erase: a new organisation gets the default, an existing one keeps its value.
  kind          one of our kinds (value or English label), or a CORDIS type: PRC (private for-profit: SME if
                is_sme says yes, else large enterprise), HES university, REC research centre, PUB public body,
                OTH other. Empty: other. A CORDIS type only replaces the kind "other" of an existing organisation.
  country       ISO 3166 alpha-2 (XK for Kosovo); the EU's UK and EL are read as GB and GR.
  is_sme        yes/no, true/false, 1/0, y/n, sì/si, ja/nej; empty: no.
  language      a content language code (en, it, da, es, de, fr, ca); empty: en.
  keywords, value_chains
                separated by ";"; value chains by slug or label in any language (an unknown one is an error).
  website       https:// is added when no scheme is given. An invalid website is a WARNING, not an error: it is
                ignored, so that a real-world register with odd websites still imports.
  short_name    longer than 80 characters: a warning, and it is cut.
  formulas      a cell starting with "=" is an error.
Encoding: UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise a legacy encoding (e.g. Windows-1252) is
accepted when it is recognised with confidence, and named in the output. CSV delimiter: "," ";" or tab.
Likely duplicates (similar name in the same country, or the same website), within the file and against the
directory, are listed as warnings.
--skip-invalid leaves out the rows with errors (and lists them) instead of refusing the whole file.
The command acts with full rights; --user only names who the audit log records (default: "import").
"""


PARTICIPATIONS_HELP = """\
Import projects and their partners from a CSV or XLSX file (a .gz file is decompressed first), one row per
participation. All or nothing, like the organisation import: every problem is listed as "row N, column NAME:
message", the exit code is 2 and nothing is imported. A second run of the same file changes nothing.

Columns: project_ref, project_acronym, project_title, programme, start_date, end_date, total_cost,
  eu_contribution, org_ref, role, org_contribution. Required: project_ref, org_ref.
  project_ref   identifies the project (e.g. the CORDIS RCN); its columns repeat on each of its rows and must agree.
  org_ref       an organisation's reference (the EU PIC), as imported with `filiera import organisations`. An
                unknown one is an error on its row; with --create-missing an unverified placeholder organisation is
                created instead (seen only by staff until its details are imported).
  role          coordinator, partner (participant, beneficiary) or associated (third party); empty: partner.
  dates         YYYY-MM-DD. Amounts in EUR, "." or "," as the decimal mark.
Imported projects are public records (or, with --cluster, part of that cluster's portfolio); their status follows
from their dates (running, closed). Empty cells never erase a value already there.
"""

CORDIS_HELP = """\
Import projects and participants from the official CORDIS exports: the projects file (project.json / project.csv /
project.xlsx) and the organizations file (organization.json / .csv / .xlsx). JSON, semicolon-separated CSV and XLSX
are read. Organisations not yet in the directory are created from the export's details (name, type, SME flag,
country, city, NUTS region, website); existing ones are left as they are. All or nothing, idempotent; problems are
listed with their file, row (a JSON file: the object's position) and column.
"""

CALLS_HELP = """\
Import funding calls from an EU Funding & Tenders topics file (JSON objects, one after another, possibly gzipped;
a byte-order mark and Windows-1252 mojibake are repaired). A topic already imported is updated; calls entered by hand
are never touched. All or nothing.
"""


class Command(BaseCommand):
    SUBCOMMANDS = {
        "organisations": "Import organisations from a CSV or XLSX file.",
        "participations": "Import projects and their partners from a participations CSV or XLSX file.",
        "cordis": "Import projects and participants from the official CORDIS exports.",
        "calls": "Import funding calls from an EU Funding & Tenders topics file.",
    }
    help = "Import data from files. Sub-commands: " + ", ".join(SUBCOMMANDS) + ". See `filiera import WHAT --help`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="what", required=True, metavar="WHAT", title="what to import")
        for name, summary in self.SUBCOMMANDS.items():
            subparser = subcommands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                               description=globals().get(f"{name.upper()}_HELP", summary))
            getattr(self, f"add_{name}_arguments")(subparser)

    def handle(self, *args, what: str, **options):
        getattr(self, f"import_{what}")(**options)

    # --- shared -------------------------------------------------------------------------------------------------

    def read_file(self, path: str) -> bytes:
        """The file's bytes; one byte past the size limit is enough to report it as too large."""
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.", returncode=BAD_INPUT)
        with file.open("rb") as stream:
            return stream.read(settings.FILIERA_IMPORT_MAX_BYTES + 1)

    def acting_user(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc

    def write_report(self, report: ImportReport, limit: int | None = None) -> None:
        described = [report.file_format]
        if report.compressed:
            described.append("gzip-compressed")
        if report.encoding:
            described.append(report.encoding)
        if report.delimiter:
            described.append("delimiter " + ("tab" if report.delimiter == "\t" else repr(report.delimiter)))
        if report.file_format:
            rows = report.row_count if hasattr(report, "row_count") else len(report.rows)
            self.stdout.write(f"{report.filename}: {', '.join(described)}; {rows} rows.")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        sections = (("Warnings", report.warnings), ("Likely duplicates (warnings)", getattr(report, "duplicates", [])),
                    ("Skipped rows (--skip-invalid)", getattr(report, "skipped", [])))
        for title, problems in sections:
            if problems:
                self.stdout.write(self.style.WARNING(f"{title} ({len(problems)}):"))
                for problem in problems[:limit]:
                    self.stdout.write(f"  {problem}")
                if limit is not None and len(problems) > limit:
                    self.stdout.write(f"  … and {len(problems) - limit} more")
        if report.errors:
            self.stdout.flush()  # keep the two streams in order on a terminal
            self.stderr.write(f"Errors ({len(report.errors)}):")
            for problem in report.errors[:limit]:
                self.stderr.write(f"  {problem}")
            if limit is not None and len(report.errors) > limit:
                self.stderr.write(f"  … and {len(report.errors) - limit} more")

    # --- organisations ------------------------------------------------------------------------------------------

    def add_organisations_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV, XLSX or gzip-compressed CSV file")
        parser.add_argument("--cluster", metavar="SLUG",
                            help="make the imported organisations active members of this cluster (existing "
                                 "memberships are never downgraded; organisations kept by their own "
                                 "representatives or another cluster must apply instead)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="leave out the rows with errors (listed) instead of refusing the whole file; "
                                 "problems of the file or its header still refuse it")
        parser.add_argument("--user", metavar="USERNAME", help="who the audit log records as the author")

    def import_organisations(self, *, file: str, cluster: str | None = None, dry_run: bool = False,
                             skip_invalid: bool = False, user: str | None = None, **options) -> None:
        target = None
        if cluster:
            target = Cluster.objects.filter(slug=cluster).first()
            if target is None:
                raise CommandError(f"No cluster with the slug {cluster!r}.")
        actor = self.acting_user(user)
        data = self.read_file(file)
        # The command line is the operator's tool: it acts with a platform administrator's rights.
        operator = Viewer(user_id=actor.pk if actor else None, is_admin=True)
        report = import_organisations(operator, data, Path(file).name, cluster=target, dry_run=dry_run,
                                      skip_invalid=skip_invalid, user=actor,
                                      actor_label="" if actor else "import")
        self.write_report(report)
        if report.errors:
            raise CommandError(f"Nothing was imported: {len(report.errors)} problem(s) in {file}.",
                               returncode=BAD_INPUT)
        if report.applied:
            self.stdout.write(self.style.SUCCESS(f"{report.summary()} ({report.seconds:.1f} s)"))
        else:
            self.stdout.write(f"Dry run, nothing was saved. {report.summary()} ({report.seconds:.1f} s)")

    # --- projects -----------------------------------------------------------------------------------------------

    PROBLEMS_SHOWN = 200  # a file of 100,000 participations may have as many problems; the first ones tell enough

    def _project_options(self, parser) -> None:
        parser.add_argument("--cluster", metavar="SLUG", help="the imported projects join this cluster's portfolio")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--user", metavar="USERNAME", help="who the audit log records as the author")

    def _cluster(self, slug: str | None):
        if not slug:
            return None
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is None:
            raise CommandError(f"No cluster with the slug {slug!r}.")
        return cluster

    def _finish(self, report, label: str) -> None:
        self.write_report(report, limit=self.PROBLEMS_SHOWN)
        if report.errors:
            raise CommandError(f"Nothing was imported: {len(report.errors)} problem(s) in {label}.",
                               returncode=BAD_INPUT)
        if report.applied:
            self.stdout.write(self.style.SUCCESS(f"{report.summary()} ({report.seconds:.1f} s)"))
        else:
            self.stdout.write(f"Dry run, nothing was saved. {report.summary()} ({report.seconds:.1f} s)")

    def add_participations_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV, XLSX or gzip-compressed CSV file")
        parser.add_argument("--create-missing", action="store_true",
                            help="create an unverified placeholder for each unknown organisation reference")
        self._project_options(parser)

    def import_participations(self, *, file: str, create_missing: bool = False, cluster: str | None = None,
                              dry_run: bool = False, user: str | None = None, **options) -> None:
        from filiera.projects.importing import import_participations

        target = self._cluster(cluster)
        actor = self.acting_user(user)
        report = import_participations(self.read_file(file), Path(file).name, create_missing=create_missing,
                                       dry_run=dry_run, cluster=target, user=actor,
                                       actor_label="" if actor else "import")
        self._finish(report, file)

    def add_cordis_arguments(self, parser) -> None:
        parser.add_argument("--projects", required=True, metavar="FILE", help="CORDIS projects export")
        parser.add_argument("--organizations", "--organisations", required=True, metavar="FILE",
                            help="CORDIS organizations export")
        self._project_options(parser)

    def import_cordis(self, *, projects: str, organizations: str, cluster: str | None = None, dry_run: bool = False,
                      user: str | None = None, **options) -> None:
        from filiera.projects.importing import import_cordis

        target = self._cluster(cluster)
        actor = self.acting_user(user)
        report = import_cordis(self.read_file(projects), Path(projects).name, self.read_file(organizations),
                               Path(organizations).name, dry_run=dry_run, cluster=target, user=actor,
                               actor_label="" if actor else "import")
        self._finish(report, f"{projects} and {organizations}")

    def add_calls_arguments(self, parser) -> None:
        parser.add_argument("file", help="Funding & Tenders topics file (JSON, .gz accepted)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--user", metavar="USERNAME", help="who the audit log records as the author")

    def import_calls(self, *, file: str, dry_run: bool = False, user: str | None = None, **options) -> None:
        from filiera.projects.importing import import_call_topics

        actor = self.acting_user(user)
        report = import_call_topics(self.read_file(file), Path(file).name, dry_run=dry_run, user=actor,
                                    actor_label="" if actor else "import")
        self._finish(report, file)
