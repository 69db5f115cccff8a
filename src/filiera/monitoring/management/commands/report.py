"""`filiera report annual --cluster SLUG --year YYYY --format pdf|xlsx --out FILE [--lang xx]`: a cluster's annual
activity report as a file (the same report staff and observers download from /c/<cluster>/monitoring/reports/).
`filiera report evidence --cluster SLUG [--year YYYY] --out FILE.zip [--lang xx]`: the excellence evidence pack of
a self-assessment (the printable self-assessment and every evidence file, zipped).

Each sub-command is a pair of methods, `add_WHAT_arguments(parser)` and `report_WHAT(**options)`, listed in
`SUBCOMMANDS`. Exit codes: 0 written, 2 bad arguments (nothing was written), 1 any other failure.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from filiera.core.models import Cluster
from filiera.monitoring import assessments, reports

BAD_INPUT = 2

ANNUAL_HELP = """\
Write the annual activity report of a cluster for a year: its indicators grouped by area with the year before,
change, target and status; five-year charts of the key indicators; the members by kind, helix and country; the
year's events, funded projects and the figures staff entered with their evidence.

  --format pdf    an A4 report to read and send (charts included)
  --format xlsx   the same figures as a workbook: sheets KPIs, Series, Members by kind / helix / country, Events,
                  Projects, Figures entered
  --lang          en, it, da or es; default: the cluster's language. Words, dates and numbers follow it.
  --year          from 2000 to the current year (the current year's figures stand as of today).

The file is written atomically: it appears complete or not at all.

Examples (from the project's directory; `filiera` is the console script of the package, .venv/bin/filiera):
  .venv/bin/filiera report annual --cluster alpha --year 2025 --format pdf --out alpha-2025.pdf
  .venv/bin/filiera report annual --cluster alpha --year 2025 --format xlsx --out alpha-2025.xlsx --lang en
"""


EVIDENCE_HELP = """\
Write the excellence evidence pack of a cluster's self-assessment: a ZIP with self-assessment.pdf (every criterion
with its question, threshold, answer and evidence, the readiness per label level and the improvement actions), every
evidence file under evidence/<criterion>/ and links.csv with the evidence kept as links.

  --year   the assessed year; default: the cluster's latest assessment (a completed one shows its frozen results)
  --lang   en, it, da or es; default: the cluster's language

Example:
  .venv/bin/filiera report evidence --cluster clust-er-health --out clust-er-health-evidence.zip
"""


class Command(BaseCommand):
    SUBCOMMANDS = {"annual": "Write a cluster's annual activity report (PDF or XLSX).",
                   "evidence": "Write the excellence evidence pack of a self-assessment (ZIP)."}
    help = "Write monitoring reports. Sub-commands: " + ", ".join(SUBCOMMANDS) + ". See `filiera report WHAT --help`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="what", required=True, metavar="WHAT", title="which report")
        for name, summary in self.SUBCOMMANDS.items():
            subparser = subcommands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                               description=globals().get(f"{name.upper()}_HELP", summary))
            getattr(self, f"add_{name}_arguments")(subparser)

    def handle(self, *args, what: str, **options):
        getattr(self, f"report_{what}")(**options)

    def add_annual_arguments(self, parser) -> None:
        parser.add_argument("--cluster", metavar="SLUG", required=True, help="the cluster's slug")
        parser.add_argument("--year", type=int, required=True, help="the year reported, e.g. 2025")
        parser.add_argument("--format", choices=sorted(reports.FORMATS), required=True, help="pdf or xlsx")
        parser.add_argument("--out", metavar="FILE", required=True, help="where to write the report")
        parser.add_argument("--lang", choices=reports.LANGUAGES, default=None,
                            help="the report's language (default: the cluster's)")

    def report_annual(self, *, cluster: str, year: int, format: str, out: str, lang: str | None = None,
                      **options) -> None:
        target, path = cluster_and_path(cluster, out)
        try:
            content = reports.annual_report(target, year, format, lang)
        except ValidationError as exc:
            problems = "; ".join(f"--{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
            raise CommandError(f"Nothing was written. {problems}", returncode=BAD_INPUT) from exc
        write_atomically(path, content)
        self.stdout.write(self.style.SUCCESS(f"{target}: annual report {year} ({format}, {len(content):,} bytes) "
                                             f"-> {path}"))


    def add_evidence_arguments(self, parser) -> None:
        parser.add_argument("--cluster", metavar="SLUG", required=True, help="the cluster's slug")
        parser.add_argument("--year", type=int, default=None, help="the assessed year (default: the latest)")
        parser.add_argument("--out", metavar="FILE", required=True, help="where to write the ZIP")
        parser.add_argument("--lang", choices=reports.LANGUAGES, default=None,
                            help="the language of the self-assessment's PDF (default: the cluster's)")

    def report_evidence(self, *, cluster: str, out: str, year: int | None = None, lang: str | None = None,
                        **options) -> None:
        target, path = cluster_and_path(cluster, out)
        found = assessments.assessments_of(target)
        if year is not None:
            found = found.filter(year=year)
        assessment = found.order_by("-year", "-created_at").first()
        if assessment is None:
            raise CommandError(f"{target} has no self-assessment" + (f" of {year}." if year else "."),
                               returncode=BAD_INPUT)
        content = assessments.evidence_pack(assessment, lang)
        write_atomically(path, content)
        self.stdout.write(self.style.SUCCESS(f"{target}: evidence pack of the {assessment.year} self-assessment "
                                             f"({len(content):,} bytes) -> {path}"))


def cluster_and_path(slug: str, out: str) -> tuple[Cluster, Path]:
    """The cluster a report is of and where it goes, or a CommandError before anything is made."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None:
        raise CommandError(f"No cluster “{slug}”.", returncode=BAD_INPUT)
    path = Path(out)
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent}: no such directory.", returncode=BAD_INPUT)
    return cluster, path


def write_atomically(path: Path, content: bytes) -> None:
    """Write a temporary file beside `path`, then rename it: a reader never sees half a report. The file is readable
    by its owner only (mkstemp's mode): a report holds the cluster's private figures."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
