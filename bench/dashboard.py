"""KPI dashboard benchmark: the monitoring dashboard page of a cluster with 2,000 members and five years of
activity, against the directory's back-office dashboard of the same cluster measured in the same run (the baseline:
the same stack, signed in as the same staff member, without the KPIs).

For each database (SQLite, and PostgreSQL when reachable), in a fresh process of its own:
1. a scratch database, migrated; bench/monitoring_data.py writes the cluster (2,000 member organisations, five
   years of memberships, events, registrations, brokerage meetings with follow-ups, projects with partners, survey
   answers, figures and targets) with bulk_create, seeded: the same data every run;
2. the Django test client, signed in as the cluster's staff, GETs each page 5 times to warm up, then `--requests`
   times (50 by default), one after the other: the full request through the middleware, the view and the template,
   without a network socket. Median, p95 and worst, the CPU time a request and its SQL queries;
3. 10 more requests of each dashboard under cProfile (untimed above): where a request's time goes, by step
   (reading the facts, the collaboration network's figures, the KPI engine, the rest of services.dashboard, the
   template). With --profile the top 40 functions are printed too. Before the requests, the network's figures of the
   five years are counted once with an empty cache (what the first dashboard after a change of their facts pays).
Requests run as served: after the application and the data are loaded, the start-up objects are frozen
(gc.freeze(), as filiera.wsgi does); the KPI dashboard is measured once more unfrozen, for comparison.
Pages: the baseline /c/<slug>/, the dashboard /c/<slug>/monitoring/?year=<last year> (the whole cluster), and the
same for one value chain.
It prints a Markdown table and writes bench/results/dashboard.json.

Usage: .venv/bin/python bench/dashboard.py [--db sqlite|postgres|both] [--requests 50] [--profile] [--write]
  --write  puts the figures in docs/benchmarks.md (its section "## KPI dashboard ..." is replaced).
Target (issue #6): dashboard p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import datetime
import gc
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
SECTION = "## KPI dashboard (`bench/dashboard.py`, issue #6)"
COMMAND = ".venv/bin/python bench/dashboard.py --write"
PG_BENCH_DB = "filiera_bench_dashboard"
TARGET_P95_MS = 300
YEAR = datetime.date.today().year - 1
SLUG = "large"
MEMBERS = 2000
WARM_UP = 5
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def load() -> float:
    return round(os.getloadavg()[0], 1)


class FullCollections:
    """A gc callback that times the collections of the oldest generation (they walk every live object)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds.append(time.perf_counter() - self._started)


class QueryCounter:
    """A database execute wrapper that counts the SQL statements of a request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_page(client, role: str, name: str, url: str, requests: int) -> dict:
    """Warm up, then time `requests` GETs one after the other."""
    from django.db import connection

    for _ in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    walls, cpus, queries, collections = [], [], QueryCounter(), FullCollections()
    row_load = load()
    gc.callbacks.append(collections)
    for _ in range(requests):
        queries.count = 0
        started, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(queries):
            response = client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    gc.callbacks.remove(collections)
    walls.sort()
    row = {"role": role, "page": name, "url": url, "requests": requests, "load": row_load,
           "median_ms": round(statistics.median(walls), 1),
           "p95_ms": round(walls[int(0.95 * (len(walls) - 1))], 1), "max_ms": round(walls[-1], 1),
           "cpu_ms": round(statistics.median(cpus), 1), "queries": queries.count, "bytes": len(response.content),
           "full_gc": len(collections.seconds),
           "full_gc_ms": round(statistics.median(collections.seconds) * 1000, 1) if collections.seconds else 0}
    print(f"  {name}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms", file=sys.stderr)
    return row


def measure_database(database_url: str | None, requests: int, profile: bool) -> dict:
    monitoring_data.setup_django(database_url, tempfile.mkdtemp(prefix="filiera-bench-dashboard-"))
    from django.db import connection
    from django.test import Client

    from filiera.core.models import Cluster
    from filiera.monitoring import services

    started = time.perf_counter()
    written = monitoring_data.build(SLUG, MEMBERS, YEAR)
    build_s = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(monitoring_data.staff_user(SLUG))
    cluster = Cluster.objects.get(slug=SLUG)
    chain = cluster.value_chains.order_by("slug").first()
    facts_queries = QueryCounter()
    with connection.execute_wrapper(facts_queries):
        facts = services.facts_of(cluster)
    # The collaboration network's figures of the five years when the cache has none: what the first dashboard after
    # a change of their facts pays (then they come from the cache).
    started = time.perf_counter()
    services.add_network_figures(cluster, facts, range(YEAR - services.HISTORY_YEARS + 1, YEAR + 1))
    network_cold_ms = round((time.perf_counter() - started) * 1000)
    pages = [
        ("baseline", "directory back-office dashboard", f"/c/{SLUG}/"),
        ("dashboard", f"KPI dashboard, {YEAR}", f"/c/{SLUG}/monitoring/?year={YEAR}"),
        ("dashboard", f"KPI dashboard, {YEAR}, one value chain",
         f"/c/{SLUG}/monitoring/?year={YEAR}&value_chain={chain.slug}"),
    ]
    # As served: filiera.wsgi freezes what the process loaded at start-up (gc.freeze()), so that Python's full
    # collections no longer walk it; the same here once the application is loaded and the data written.
    gc.collect()
    gc.freeze()
    rows, profiles = [], []
    for role, name, url in pages:
        rows.append(measure_page(client, role, name, url, requests))
        if role == "dashboard":
            rows[-1]["steps_ms"], top = profiled(client, url)
            if profile:
                profiles.append({"page": name, "top": top})
    # For comparison: the same page in a process that did not freeze its start-up objects.
    gc.unfreeze()
    rows.append(measure_page(client, "what if", f"KPI dashboard, {YEAR}, start-up objects not frozen",
                             pages[1][2], requests))
    return {"database": connection.vendor.replace("postgresql", "postgres"),
            "postgresql": monitoring_data.postgres_version(), "build_s": build_s, "written": written, "rows": rows,
            "facts_queries": facts_queries.count, "network_cold_ms": network_cold_ms,
            "profiles": profiles}


# The steps of a dashboard request, as (file suffix, function) in cProfile's statistics.
STEPS = {
    "request": ("django/test/client.py", "get"),
    "facts": ("filiera/monitoring/services.py", "facts_of"),
    "value_chains": ("filiera/projects/services.py", "project_value_chains"),
    "engine": ("filiera/monitoring/kpis.py", "compute"),
    "network": ("filiera/monitoring/services.py", "add_network_figures"),
    "template": ("django/shortcuts.py", "render"),
}
PROFILED_REQUESTS = 10


def profiled(client, url: str) -> tuple[dict[str, float], str]:
    """A request's time by step (cumulative ms a request, under cProfile: slower than the timed runs, read the
    shares), and the top functions."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILED_REQUESTS):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    steps = {}
    for step, (suffix, function) in STEPS.items():  # the outermost of same-named functions (the client's get)
        steps[step] = round(max((ct for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                                 if name == function and file.endswith(suffix)), default=0) * 1000
                            / PROFILED_REQUESTS, 1)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    return steps, out.getvalue()


def run_database(label: str, requests: int, profile: bool) -> dict | None:
    url = None
    if label == "postgres":
        url = prepare_postgres(PG_BENCH_DB)
        if url is None:
            return None
    try:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            command = [sys.executable, __file__, "--measure", url or "sqlite", "--requests", str(requests),
                       "--json", out.name] + (["--profile"] if profile else [])
            subprocess.run(command, check=True, cwd=ROOT)
            return json.loads(Path(out.name).read_text())
    finally:
        if url:
            drop_postgres(PG_BENCH_DB)


def met(row: dict) -> bool:
    return row["role"] != "dashboard" or row["p95_ms"] < TARGET_P95_MS


def table(databases: list[dict]) -> list[str]:
    lines = ["| database | page | median ms | p95 ms | worst ms | CPU ms | queries | full GCs | target met |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for db in databases:
        for r in db["rows"]:
            p95 = f"**{r['p95_ms']}**" if r["role"] == "dashboard" else str(r["p95_ms"])
            target = {"dashboard": ("yes" if met(r) else "no") + f" (p95 < {TARGET_P95_MS} ms)",
                      "baseline": "baseline", "what if": "(comparison)"}[r["role"]]
            lines.append(f"| {NAMES[db['database']]} | {r['page']} | {r['median_ms']} | {p95} | {r['max_ms']} | "
                         f"{r['cpu_ms']} | {r['queries']} | {r['full_gc']} | {target} |")
    return lines


def where_the_time_goes(databases: list[dict]) -> str:
    parts = []
    for db in databases:
        row = next(r for r in db["rows"] if r["role"] == "dashboard")
        steps = row["steps_ms"]
        parts.append(
            f"{NAMES[db['database']]}, the whole cluster: of {steps['request']} ms a request under the profiler, "
            f"reading the facts (`services.facts_of`, {db['facts_queries']} of the page's {row['queries']} "
            f"queries) {steps['facts']} ms, of which `projects.services.project_value_chains` "
            f"{steps['value_chains']} ms; the collaboration network's figures of the five years "
            f"(`services.add_network_figures`: the digest of their facts, then the cache) {steps['network']} ms "
            f"(counting them with an empty cache, as the first dashboard after a change of their facts does: "
            f"{db['network_cold_ms']:,} ms); "
            f"the KPI engine (`kpis.compute`, five years) {steps['engine']} ms; the "
            f"view's `render` (template and charts' JSON) {steps['template']} ms. Besides, Python's full garbage "
            f"collections ran {row['full_gc']} times in the {row['requests']} timed requests, "
            f"{row['full_gc_ms']} ms each")
    return "Where the time goes (cProfile over 10 more requests, which the profiler slows: read the shares): " \
        + "; ".join(parts) + "."


def what_would_help(databases: list[dict]) -> str:
    """Why the server freezes its start-up objects, in figures of this run."""
    parts = []
    for db in databases:
        dashboard = next(r for r in db["rows"] if r["role"] == "dashboard")
        unfrozen = next(r for r in db["rows"] if r["role"] == "what if")
        parts.append(f"{NAMES[db['database']]} p95 {dashboard['p95_ms']} ms as served, {unfrozen['p95_ms']} ms "
                     f"without freezing ({unfrozen['full_gc']} full collections of {unfrozen['full_gc_ms']} ms)")
    return (
        "A request builds tens of thousands of small objects (the rows and the facts of five years), so every few "
        "requests Python runs a full garbage collection, which walks every live object of the process, Django's "
        "included. `filiera.wsgi` freezes what the process loaded at start-up (`gc.freeze()`), which takes it out "
        "of those walks: " + "; ".join(parts) + ". Two earlier gains (2026-12-06, SQLite): `services.facts_of` "
        "reads the memberships as plain rows instead of model instances (median 386 → about 235 ms), and it reads "
        "the portfolio's partners once and keeps the members in Python, instead of a query with two nested IN "
        "subqueries that SQLite planned as members × projects (about 70 ms)."
    )


def doc_section(report: dict) -> str:
    databases, m = report["databases"], report["machine"]
    written = databases[0]["written"]
    loads = ", ".join(f"{NAMES[db['database']]} {min(r['load'] for r in db['rows'])}–"
                      f"{max(r['load'] for r in db['rows'])}" for db in databases)
    text = [
        SECTION, "",
        f"`bench/dashboard.py`. Command: `{COMMAND}` (part of `make bench` without `--write`; about two minutes).",
        "",
        "What it does, per database, in a fresh process: a scratch database, migrated; `bench/monitoring_data.py` "
        f"writes, seeded, a cluster of 2,000 member organisations with five years of activity up to {YEAR} "
        f"({written['membership']:,} memberships, {written['event']:,} events, {written['registration']:,} "
        f"registrations, {written['meeting']:,} B2B meetings, {written['project']:,} projects with "
        f"{written['partner']:,} partners, {written['surveyresponse']:,} survey answers). The Django test client, "
        "signed in as the cluster's staff, GETs each page 5 times to warm up and then "
        f"{databases[0]['rows'][0]['requests']} times in a row: the whole request through the middleware, the view "
        "and the template, without a network socket. The baseline is the directory's back-office dashboard of the "
        "same cluster, for the same user, in the same run.",
        "",
        f"Result ({report['date']}; {monitoring_data.describe(m)}; load average during the runs: {loads}):",
        "",
        *table(databases),
        "",
        where_the_time_goes(databases),
        "",
        what_would_help(databases),
    ]
    return docs_section.paragraphs(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print the top functions of the dashboard's profile")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one database in this process
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure_database(None if args.measure == "sqlite" else args.measure, args.requests, args.profile)
        Path(args.json).write_text(json.dumps(result, indent=2))
        return 0
    databases = [result for label in (("sqlite", "postgres") if args.db == "both" else (args.db,))
                 if (result := run_database(label, args.requests, args.profile)) is not None]
    m = monitoring_data.machine()
    m["postgresql"] = next((db["postgresql"] for db in databases if db["postgresql"]), None)
    report = {"date": datetime.date.today().isoformat(), "command": COMMAND, "year": YEAR, "machine": m,
              "databases": databases}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps(report, indent=2))
    print("\n".join(table(databases)))
    print("\n" + where_the_time_goes(databases))
    for db in databases:
        for profile in db["profiles"]:
            print(f"\n### {NAMES[db['database']]}: {profile['page']}\n{profile['top']}")
    if args.write:
        docs_section.write_section(SECTION, doc_section(report))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if databases and all(met(r) for db in databases for r in db["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
