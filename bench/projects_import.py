"""Projects import benchmark: the whole real H2020 network through `filiera import participations`.

For each database (SQLite, and PostgreSQL when reachable) it:
1. creates a fresh database and migrates it (untimed);
2. imports ../shared/data/h2020/organisations.csv.gz (16,281 organisations, three of them refused) with
   `filiera import organisations --skip-invalid`, timed on its own: the setup, not the figure;
3. times `filiera import participations ../shared/data/h2020/participations.csv.gz --create-missing` (144,726
   participations in 31,451 projects; organisations the register lacks become unverified placeholders): the wall
   clock of the command, its CPU time and its peak memory (max RSS, from wait4), and what it wrote;
4. times the same command again: the idempotent second run, which must write nothing.
It prints a Markdown table and writes bench/results/projects-import.json.

Usage: .venv/bin/python bench/projects_import.py [--db sqlite|postgres|both] [--write]
  --write  puts the figures in docs/benchmarks.md (replacing its section "## Importing the H2020 network (projects
           and participations)" if there is one; the rest of the file is left as it is).
Targets: the first run under 60 s on SQLite and under 90 s on PostgreSQL, peak memory under 2 GiB.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docs_section  # bench/ is on the path when a script runs
from scratch_db import drop_postgres, prepare_postgres

ROOT = Path(__file__).resolve().parent.parent
FILIERA = str(ROOT / ".venv" / "bin" / "filiera")
H2020 = ROOT.parent / "shared" / "data" / "h2020"
ORGANISATIONS = H2020 / "organisations.csv.gz"
PARTICIPATIONS = H2020 / "participations.csv.gz"
RESULTS = ROOT / "bench" / "results"
SECTION = "## Importing the H2020 network (projects and participations)"
COMMAND = ".venv/bin/python bench/projects_import.py --write"
PG_BENCH_DB = "filiera_bench_projects"
TARGET_SECONDS = {"sqlite": 60, "postgres": 90}
TARGET_MIB = 2048

COUNTS = """
import json
from filiera.core.models import AuditEntry
from filiera.directory.models import Organisation
from filiera.projects.models import Partner, Project
print(json.dumps({
    "organisations": Organisation.objects.filter(verified=True).count(),
    "placeholders": Organisation.objects.filter(verified=False).count(),
    "projects": Project.objects.count(),
    "partners": Partner.objects.count(),
    "audit_entries": AuditEntry.objects.count(),
}))
"""


def timed(cmd: list[str], env: dict) -> dict:
    """Run a command to its end: wall seconds, CPU seconds and peak RSS of that process alone (wait4), and the
    seconds the import reports itself (without the start-up)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({process.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    summary = next((line for line in stdout.splitlines() if line.startswith("Imported:")), "")
    reported = re.search(r"\(([\d.]+) s\)\s*$", summary)
    return {
        "seconds": round(seconds, 1),
        "import_seconds": float(reported[1]) if reported else None,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mib": round(usage.ru_maxrss / 1024),
        "summary": re.sub(r"\s*\([\d.]+ s\)\s*$", "", summary),
    }


def counts(env: dict) -> dict:
    output = subprocess.run([FILIERA, "shell", "--no-imports", "-c", COUNTS], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def load() -> float:
    return round(os.getloadavg()[0], 1)


def bench_database(label: str, database_url: str | None) -> dict:
    env = {**os.environ, "FILIERA_VAR_DIR": tempfile.mkdtemp(prefix=f"filiera-bench-projects-{label}-")}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([FILIERA, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    # --skip-invalid: three rows of the register lost their country upstream (Namibia's "NA" read as missing).
    organisations = timed([FILIERA, "import", "organisations", str(ORGANISATIONS), "--skip-invalid"], env)
    before = counts(env)
    command = [FILIERA, "import", "participations", str(PARTICIPATIONS), "--create-missing"]
    first = {"load": load(), **timed(command, env)}
    after_first = counts(env)
    second = {"load": load(), **timed(command, env)}
    after_second = counts(env)
    written = {name: after_first[name] - before[name] for name in after_first}
    return {
        "database": label,
        "organisations_import": organisations,
        "first_run": first,
        "second_run": second,
        "written_by_first_run": written,
        "second_run_wrote_nothing": after_second == after_first,
    }


def machine(pg_version: str | None) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return {"cpu": cpu, "nproc": len(os.sched_getaffinity(0)), "ram_gib": round(mem_kib / 1024 ** 2, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg_version}


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def met(result: dict) -> bool:
    first = result["first_run"]
    return (first["seconds"] < TARGET_SECONDS[result["database"]] and first["peak_mib"] < TARGET_MIB
            and result["second_run"]["peak_mib"] < TARGET_MIB and result["second_run_wrote_nothing"])


NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def table(results: list[dict]) -> list[str]:
    lines = ["| database | first run: wall s (import s) | CPU s | peak RSS | second run: wall s (import s) | "
             "peak RSS | target met |",
             "| --- | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in results:
        first, second = r["first_run"], r["second_run"]
        lines.append(
            f"| {NAMES[r['database']]} | **{first['seconds']}** ({first['import_seconds']}) | {first['cpu_seconds']} | "
            f"{first['peak_mib']} MiB | {second['seconds']} ({second['import_seconds']}) | {second['peak_mib']} MiB | "
            f"{'yes' if met(r) else 'no'} (< {TARGET_SECONDS[r['database']]} s, < 2 GiB) |")
    return lines


def doc_section(report: dict) -> str:
    results, m = report["results"], report["machine"]
    written = results[0]["written_by_first_run"]
    setup = ", ".join(f"{r['organisations_import']['seconds']} s on {NAMES[r['database']]}" for r in results)
    checked = ("checked: every count is the same after it" if all(r["second_run_wrote_nothing"] for r in results)
               else "NOT SO in this run: see bench/results/projects-import.json")
    loads = ", ".join(f"{NAMES[r['database']]} {r['first_run']['load']} / {r['second_run']['load']}" for r in results)
    text = [
        SECTION, "",
        f"`bench/projects_import.py`. Command: `{COMMAND}` (part of `make bench` without `--write`; about two "
        "minutes).",
        "",
        "What it does, per database: a fresh database, migrated; `filiera import organisations "
        "../shared/data/h2020/organisations.csv.gz --skip-invalid` (the 16,278 valid organisations of the register, "
        f"the setup, timed apart: {setup}); then, timed, `filiera import participations "
        "../shared/data/h2020/participations.csv.gz --create-missing` (144,726 participations in 31,451 projects) "
        "as a process of its own: the wall clock of the command, start-up and reading of the file included (in "
        "brackets, the seconds the command reports itself: planning and writing, after the file was read and "
        "checked), its CPU time and its peak memory (max RSS of that process, from `wait4`). Then the same command "
        "again: the second run must find everything unchanged and write nothing.",
        "",
        f"Result ({report['date']}; {m['cpu']}, nproc {m['nproc']}, {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '—'}; load average before the first / second run: "
        f"{loads}):",
        "",
        *table(results),
        "",
        f"What the first run writes, in one transaction: {written['projects']:,} projects (public records, status "
        f"from their dates), {written['partners']:,} partners, {written['placeholders']:,} unverified placeholder "
        "organisations for the references the register lacks, and one audit entry for each of these records "
        f"({written['audit_entries']:,}), all with `bulk_create`; then `ANALYZE` of the three tables. The second "
        f"run reads the file, compares it with the database and writes nothing ({checked}).",
        "",
        "Where the time goes (cProfile, and a timer on every SQL statement, on 2026-12-06): the import is CPU-bound "
        "in Python on both databases. Reading and checking the 144,726 rows takes 4–5 s, planning (the lookups of "
        "organisations, projects and partners by reference, in chunks) 2–3 s; the rest is writing, where building "
        "196,000 model instances and their audit entries and Django's `bulk_create` compiling them into SQL cost "
        "more than the database itself. On PostgreSQL the INSERT statements take about 15 s (11 s the audit "
        "entries: six indexes and a JSON column), about half of it in our own process (psycopg binds the "
        "parameters on the client side), and the commit about 1.5 s (the deferred foreign-key checks); `ANALYZE` "
        "takes under a second. The figure moves with the machine's load: with other jobs on the two cores the same "
        "PostgreSQL import took 74 s.",
    ]
    return docs_section.paragraphs(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    for path in (ORGANISATIONS, PARTICIPATIONS):
        if not path.exists():
            print(f"missing {path}", file=sys.stderr)
            return 2
    results, pg_version = [], None
    if args.db in ("sqlite", "both"):
        results.append(bench_database("sqlite", None))
    if args.db in ("postgres", "both"):
        url = prepare_postgres(PG_BENCH_DB)
        if url:
            try:
                pg_version = postgres_version(url)
                results.append(bench_database("postgres", url))
            finally:
                drop_postgres(PG_BENCH_DB)
    report = {"date": datetime.date.today().isoformat(), "command": COMMAND, "machine": machine(pg_version),
              "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "projects-import.json").write_text(json.dumps(report, indent=2))
    print("\n".join(table(results)))
    for r in results:
        print(f"{NAMES[r['database']]}: {r['first_run']['summary']}")
        print(f"  written: {r['written_by_first_run']}; second run wrote nothing: {r['second_run_wrote_nothing']}")
    if args.write:
        docs_section.write_section(SECTION, doc_section(report))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if results and all(met(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
