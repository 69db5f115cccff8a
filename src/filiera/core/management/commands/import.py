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


class Command(BaseCommand):
    SUBCOMMANDS = {
        "organisations": "Import organisations from a CSV or XLSX file.",
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

    def write_report(self, report: ImportReport) -> None:
        described = [report.file_format]
        if report.compressed:
            described.append("gzip-compressed")
        if report.encoding:
            described.append(report.encoding)
        if report.delimiter:
            described.append("delimiter " + ("tab" if report.delimiter == "\t" else repr(report.delimiter)))
        if report.file_format:
            self.stdout.write(f"{report.filename}: {', '.join(described)}; {len(report.rows)} rows.")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        sections = (("Warnings", report.warnings), ("Likely duplicates (warnings)", report.duplicates),
                    ("Skipped rows (--skip-invalid)", report.skipped))
        for title, problems in sections:
            if problems:
                self.stdout.write(self.style.WARNING(f"{title} ({len(problems)}):"))
                for problem in problems:
                    self.stdout.write(f"  {problem}")
        if report.errors:
            self.stdout.flush()  # keep the two streams in order on a terminal
            self.stderr.write(f"Errors ({len(report.errors)}):")
            for problem in report.errors:
                self.stderr.write(f"  {problem}")

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
