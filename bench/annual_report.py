"""Annual activity report benchmark: the PDF and XLSX report of a cluster with 2,000 members and five years of
activity, against the same report of a cluster with 100 members measured in the same run (the baseline).

For each database (SQLite, and PostgreSQL when reachable), in a fresh process of its own:
1. a scratch database, migrated; bench/monitoring_data.py writes the two clusters (2,000 and 100 member
   organisations, five years of memberships, events, registrations, brokerage meetings with follow-ups, projects
   with partners, survey answers, figures and targets) with bulk_create, seeded: the same data every run;
2. one untimed report of each format (WeasyPrint, fonts and templates loaded once, as in a running server);
3. `monitoring.reports.annual_report(cluster, year, format)` timed `--runs` times per cluster and format: the wall
   clock (median and worst), the CPU time of the process, and the SQL queries of one run; then one run split in
   its phases: the rows (`build_report`: the facts, the KPI engine over five years, the tables), the HTML with its
   SVG charts, and the PDF (WeasyPrint) or the XLSX (openpyxl).
It prints a Markdown table and writes bench/results/annual-report.json.

Usage: .venv/bin/python bench/annual_report.py [--db sqlite|postgres|both] [--runs 3] [--write]
  --write  puts the figures in docs/benchmarks.md (its section "## Annual activity report ..." is replaced).
Target (issue #6): the report of the 2,000-member cluster in under 10 s, in both formats.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docs_section  # bench/ is on the path when a script runs
import monitoring_data
from scratch_db import drop_postgres, prepare_postgres

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECTION = "## Annual activity report (`bench/annual_report.py`, issue #6)"
COMMAND = ".venv/bin/python bench/annual_report.py --write"
PG_BENCH_DB = "filiera_bench_report"
TARGET_SECONDS = 10
YEAR = datetime.date.today().year - 1  # the last full year; the data's five years end with it
CLUSTERS = (("baseline", "small", 100), ("large", "large", 2000))
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def load() -> float:
    return round(os.getloadavg()[0], 1)


class QueryCounter:
    """A database execute wrapper that counts the SQL statements of a run."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_database(database_url: str | None, runs: int) -> dict:
    """In this process: the data, then the timings (see the module's docstring)."""
    monitoring_data.setup_django(database_url, tempfile.mkdtemp(prefix="filiera-bench-report-"))
    from django.db import connection

    from filiera.core.models import Cluster
    from filiera.monitoring import reports

    data = {}
    for _role, slug, members in CLUSTERS:
        started = time.perf_counter()
        written = monitoring_data.build(slug, members, YEAR)
        data[slug] = {"members": members, "seconds": round(time.perf_counter() - started, 1), "written": written}
    clusters = {slug: Cluster.objects.get(slug=slug) for _role, slug, _n in CLUSTERS}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    warm_up = {}
    for fmt in reports.FORMATS:
        started = time.perf_counter()
        reports.annual_report(clusters["small"], YEAR, fmt)
        warm_up[fmt] = round(time.perf_counter() - started, 2)

    results = []
    for role, slug, members in CLUSTERS:
        cluster = clusters[slug]
        for fmt in reports.FORMATS:
            walls, cpus, queries = [], [], QueryCounter()
            for _run in range(runs):
                queries.count = 0
                started, cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(queries):
                    content = reports.annual_report(cluster, YEAR, fmt)
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            phases = {}
            started = time.perf_counter()
            report = reports.build_report(cluster, YEAR, cluster.language)
            phases["rows"] = time.perf_counter() - started
            if fmt == "pdf":
                started = time.perf_counter()
                html = reports.render_html(report)
                phases["html"] = time.perf_counter() - started
                started = time.perf_counter()
                reports.to_pdf(html)
                phases["pdf"] = time.perf_counter() - started
            else:
                started = time.perf_counter()
                reports.to_xlsx(report)
                phases["xlsx"] = time.perf_counter() - started
            results.append({
                "cluster": role, "members": members, "format": fmt, "runs": runs, "load": load(),
                "median_s": round(statistics.median(walls), 2), "max_s": round(max(walls), 2),
                "cpu_s": round(statistics.median(cpus), 2), "queries": queries.count, "bytes": len(content),
                "pages": pdf_pages(content) if fmt == "pdf" else None,
                "rows": {key: len(table.rows) for key, table in report.tables.items()},
                "phases_s": {key: round(value, 2) for key, value in phases.items()},
            })
            print(f"  {role} {fmt}: median {results[-1]['median_s']} s, max {results[-1]['max_s']} s",
                  file=sys.stderr)
    return {"database": connection.vendor.replace("postgresql", "postgres"),
            "postgresql": monitoring_data.postgres_version(), "data": data, "warm_up_s": warm_up,
            "results": results}


def pdf_pages(content: bytes) -> int | None:
    try:
        import io

        import pypdf
    except ImportError:
        return None
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def run_database(label: str, runs: int) -> dict | None:
    """The measurement of one database in a fresh process (so that each starts cold and alone)."""
    url = None
    if label == "postgres":
        url = prepare_postgres(PG_BENCH_DB)
        if url is None:
            return None
    try:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            command = [sys.executable, __file__, "--measure", url or "sqlite", "--runs", str(runs), "--json",
                       out.name]
            subprocess.run(command, check=True, cwd=ROOT)
            return json.loads(Path(out.name).read_text())
    finally:
        if url:
            drop_postgres(PG_BENCH_DB)


def met(result: dict) -> bool:
    return result["cluster"] != "large" or result["max_s"] < TARGET_SECONDS


def table(databases: list[dict]) -> list[str]:
    lines = ["| database | cluster | format | median s | worst s | CPU s | queries | phases (s) | size | "
             "target met |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | :---: |"]
    for db in databases:
        for r in db["results"]:
            phases = ", ".join(f"{name} {seconds}" for name, seconds in r["phases_s"].items())
            size = f"{r['bytes'] / 1024:,.0f} KiB" + (f", {r['pages']} pages" if r["pages"] else "")
            median = f"**{r['median_s']}**" if r["cluster"] == "large" else str(r["median_s"])
            target = ("yes" if met(r) else "no") + f" (< {TARGET_SECONDS} s)" if r["cluster"] == "large" else \
                "baseline"
            lines.append(f"| {NAMES[db['database']]} | {r['members']:,} members | {r['format'].upper()} | {median} | "
                         f"{r['max_s']} | {r['cpu_s']} | {r['queries']} | {phases} | {size} | {target} |")
    return lines


def where_the_time_goes(databases: list[dict]) -> str:
    parts = []
    for db in databases:
        pdf = next(r for r in db["results"] if r["cluster"] == "large" and r["format"] == "pdf")
        xlsx = next(r for r in db["results"] if r["cluster"] == "large" and r["format"] == "xlsx")
        parts.append(f"{NAMES[db['database']]}: the rows {pdf['phases_s']['rows']} s ({pdf['queries']} queries), "
                     f"the HTML {pdf['phases_s']['html']} s, WeasyPrint {pdf['phases_s']['pdf']} s for "
                     f"{pdf['pages']} pages, openpyxl {xlsx['phases_s']['xlsx']} s")
    return ("Where the time goes, for the 2,000-member cluster (one run split in its phases): " + "; ".join(parts)
            + ". The rows are the same for both formats: the facts of the cluster read once (`services.facts_of`) "
            "and the KPI engine over five years, plus the year's events, projects and figures. WeasyPrint's layout "
            "grows with the pages, that is with the year's events and projects; the rest barely grows with the "
            "cluster.")


def doc_section(report: dict) -> str:
    databases, m = report["databases"], report["machine"]
    large = databases[0]["data"]["large"]["written"]
    loads = ", ".join(f"{NAMES[db['database']]} {min(r['load'] for r in db['results'])}–"
                      f"{max(r['load'] for r in db['results'])}" for db in databases)
    rows = next(r["rows"] for r in databases[0]["results"] if r["cluster"] == "large")
    text = [
        SECTION, "",
        f"`bench/annual_report.py`. Command: `{COMMAND}` (part of `make bench` without `--write`; under a minute).",
        "",
        "What it does, per database, in a fresh process: a scratch database, migrated; `bench/monitoring_data.py` "
        f"writes, seeded, a cluster of 2,000 member organisations with five years of activity up to {YEAR} "
        f"({large['organisation']:,} organisations with the partners abroad and a neighbouring cluster, "
        f"{large['membership']:,} memberships, {large['event']:,} events, {large['registration']:,} registrations, "
        f"{large['meeting']:,} B2B meetings with {large['followup']:,} follow-ups, {large['project']:,} projects "
        f"with {large['partner']:,} partners, {large['surveyinvitation']:,} survey invitations and "
        f"{large['surveyresponse']:,} answers), and the baseline: the same for a cluster of 100 members. After one "
        "untimed report of each format (WeasyPrint, its fonts and the templates loaded, as in a running server), "
        f"`monitoring.reports.annual_report(cluster, {YEAR}, format)` runs {databases[0]['results'][0]['runs']} "
        "times per cluster and format: median and worst wall clock, CPU time of the process, SQL queries of a run, "
        "then one run split in its phases: rows (`build_report`: the facts read once, the KPI engine over five "
        "years, the tables of events, projects and figures), html (the page with its SVG charts), pdf (WeasyPrint) "
        f"or xlsx (openpyxl). The 2,000-member report has {rows['kpis']} indicators, {rows['events']} events, "
        f"{rows['projects']} funded projects and {rows['members_by_country']} countries.",
        "",
        f"Result ({report['date']}; {monitoring_data.describe(m)}; load average during the runs: {loads}):",
        "",
        *table(databases),
        "",
        where_the_time_goes(databases),
    ]
    return docs_section.paragraphs(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one database in this process
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure_database(None if args.measure == "sqlite" else args.measure, args.runs)
        Path(args.json).write_text(json.dumps(result, indent=2))
        return 0
    databases = [result for label in (("sqlite", "postgres") if args.db == "both" else (args.db,))
                 if (result := run_database(label, args.runs)) is not None]
    m = monitoring_data.machine()
    m["postgresql"] = next((db["postgresql"] for db in databases if db["postgresql"]), None)
    report = {"date": datetime.date.today().isoformat(), "command": COMMAND, "year": YEAR, "machine": m,
              "databases": databases}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "annual-report.json").write_text(json.dumps(report, indent=2))
    print("\n".join(table(databases)))
    if args.write:
        docs_section.write_section(SECTION, doc_section(report))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if databases and all(met(r) for db in databases for r in db["results"]) else 1


if __name__ == "__main__":
    sys.exit(main())
