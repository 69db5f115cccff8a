"""Collaboration network viewer benchmark: the page of the whole H2020 network (issue #7: "the viewer page for the
whole H2020 network under 1 s to first paint"), server time and first paint in a browser, against a small network
drawn whole in the same run (the baseline).

1. Once, without a database: the whole H2020 network as bench/network_measures.py reads it (35,871 organisations,
   796,670 edges), measured by the engine (betweenness estimated from 100 pivots), with the missing links among 300
   of its members; kept the way services.compute keeps an analysis (services.result_of, services.summary_of) for a
   cluster whose members are the 1,620 Italian organisations. The baseline: the 339 Danish organisations and the
   ties among them, as a second cluster's analysis, small enough to be drawn whole.
2. For each database (SQLite, and PostgreSQL when reachable), in a fresh process: a scratch database, migrated; the
   organisations written (bulk_create, their ids the CORDIS references), the members' memberships, one organisation
   of ten outside the clusters private (so the staff see it unnamed), a staff user of both clusters, the two
   analyses. Then, signed in as that staff member:
   - server time over the whole Django stack (the test client: middleware, view, template; no socket): each page
     warmed up 3 times, then `--requests` (20) requests one after the other: median, p95, worst, queries, bytes;
     the first community's organisations as the viewer fetches them from the API (5 requests); and, for comparison,
     reading the whole stored analysis (`result`), which the page did on every request before it read the summary;
   - first paint in headless Chromium (Playwright, /usr/bin/chromium) against Django's live server thread on the
     same database: `--loads` (10) loads of each page in a signed-in browser context (the first with an empty
     cache): first contentful paint (performance.getEntriesByName('first-contentful-paint')), the server's first
     byte (navigation timing) and when the viewer has drawn the graph (#network-graph gets data-nodes).
It prints a Markdown table and writes bench/results/network_viewer.json.

Usage: .venv/bin/python bench/network_viewer.py [--db sqlite|postgres|both] [--requests 20] [--loads 10] [--write]
  --write  puts the figures in docs/benchmarks.md (its section "## Collaboration network viewer ..." is replaced).
Target (issue #7): first contentful paint of the whole network's page under 1 s (the median of the loads).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docs_section  # bench/ is on the path when a script runs
import monitoring_data
import network_measures
from scratch_db import drop_postgres, prepare_postgres

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECTION = "## Collaboration network viewer (`bench/network_viewer.py`, issue #7)"
COMMAND = ".venv/bin/python bench/network_viewer.py --write"
PG_BENCH_DB = "filiera_bench_network_viewer"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TARGET_FCP_MS = 1000
WARM_UP = 3
COMMUNITY_REQUESTS = 5
READS = 5
SUGGESTION_CANDIDATES = 300
WHOLE, SMALL = 1, 2  # the clusters' ids: the whole network (Italian members), the baseline (Danish)
CLUSTERS = {WHOLE: ("h2020", "H2020 Italy", "IT"), SMALL: ("h2020-dk", "H2020 Denmark", "DK")}
# CORDIS types as the directory's kinds and helices.
KINDS = {"industry": "sme", "university": "university", "research_centre": "research_centre",
         "public_body": "public_body", "other": "other", "": "other"}
HELICES = {"industry": "industry", "academia": "academia", "health": "public", "civil": "civil", "": ""}
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


# --- the analyses, once, without a database -----------------------------------------------------------------------


def analyses(path: Path) -> dict:
    """The two analyses' results and summaries (as services.compute keeps them), the organisations to write and the
    members of each cluster, written to `path` as JSON for the processes of each database."""
    os.environ["FILIERA_VAR_DIR"] = tempfile.mkdtemp(prefix="filiera-bench-viewer-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
    import django

    django.setup()  # services.result_of and summary_of need no database
    from filiera.network import engine, services

    started = time.perf_counter()
    network = network_measures.read(*(network_measures.DATA / name for name in network_measures.NETWORKS[
        "whole H2020"]))
    members = {cluster: sorted(n.id for n in network.nodes if n.country == country)
               for cluster, (_slug, _name, country) in CLUSTERS.items()}
    member_of = {org: cluster for cluster, ids in members.items() for org in ids}
    nodes = [dataclasses.replace(n, name=n.name or f"Organisation {n.id}", kind=KINDS[n.kind],
                                 helix=HELICES[n.helix], concepts=frozenset(),
                                 clusters=frozenset({member_of[n.id]} if n.id in member_of else ()))
             for n in network.nodes]
    read_s = time.perf_counter() - started
    out = {"organisations": [[n.id, n.name, n.kind, n.country] for n in nodes], "members": members, "analyses": {},
           "counts": network.counts}
    for cluster in (WHOLE, SMALL):
        started = time.perf_counter()
        if cluster == WHOLE:
            chosen, ties = nodes, network.ties
        else:
            danish = set(members[SMALL])
            chosen = [dataclasses.replace(n, clusters=frozenset({SMALL})) for n in nodes if n.id in danish]
            ties = [t for t in network.ties if t.a in danish and t.b in danish]
        graph = engine.build(chosen, ties)
        measures = engine.measure(graph, members=members[cluster])
        candidates = random.Random(0).sample(members[cluster], min(SUGGESTION_CANDIDATES, len(members[cluster])))
        suggestions = engine.suggest_links(graph, candidates=candidates, top=services.SUGGESTIONS)
        result = services.result_of(chosen, set(members[cluster]), graph, measures, suggestions)
        out["analyses"][str(cluster)] = {"result": result, "summary": services.summary_of(result),
                                         "seconds": round(time.perf_counter() - started, 1)}
        print(f"  analysis of cluster {cluster}: {measures.node_count:,} organisations, {measures.edge_count:,} "
              f"edges, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    out["read_s"] = round(read_s, 1)
    with open(path, "w") as f:
        json.dump(out, f)
    return {"counts": network.counts, "read_s": out["read_s"],
            "members": {cluster: len(ids) for cluster, ids in members.items()},
            "analyses": {cluster: {"nodes": a["result"]["measures"]["node_count"],
                                   "edges": a["result"]["measures"]["edge_count"],
                                   "communities": a["result"]["measures"]["communities"], "seconds": a["seconds"],
                                   "largest_community": max((c["size"] for c in a["summary"]["communities"][
                                       "communities"]), default=0),
                                   "result_bytes": len(json.dumps(a["result"])),
                                   "summary_bytes": len(json.dumps(a["summary"]))}
                         for cluster, a in out["analyses"].items()}}


# --- one database, in its own process ------------------------------------------------------------------------------


def store(data: dict) -> tuple[object, dict[int, object]]:
    """The scratch database's organisations, clusters, memberships, staff user and the two analyses."""
    from django.db import connection, transaction
    from django.utils import timezone

    from filiera.core.models import Cluster, ClusterRole, User
    from filiera.directory.models import Membership, Organisation, Visibility
    from filiera.network.models import Analysis, Community
    from filiera.network.services import community_graphs

    members = {int(cluster): ids for cluster, ids in data["members"].items()}
    member_ids = {org for ids in members.values() for org in ids}
    with transaction.atomic():
        clusters = {pk: Cluster.objects.create(pk=pk, slug=slug, name=name, short_name=name, country=country,
                                               language="en")
                    for pk, (slug, name, country) in CLUSTERS.items()}
        Organisation.objects.bulk_create([
            Organisation(pk=pk, slug=f"org-{pk}", name=name, kind=kind, country=country,
                         visibility=Visibility.PRIVATE if pk % 10 == 0 and pk not in member_ids else Visibility.PUBLIC)
            for pk, name, kind, country in data["organisations"]], batch_size=2000)
        Membership.objects.bulk_create([
            Membership(organisation_id=org, cluster=clusters[cluster], status=Membership.Status.ACTIVE,
                       joined_on=datetime.date(2014, 1, 1)) for cluster, ids in members.items() for org in ids],
            batch_size=2000)
        user = User.objects.create(username="viewer-staff")
        for cluster in clusters.values():
            ClusterRole.objects.create(user=user, cluster=cluster, role=ClusterRole.Role.STAFF)
        stored = {int(cluster): Analysis.objects.create(
            cluster=clusters[int(cluster)], kinds="agreement,project,meeting,event", status=Analysis.Status.DONE,
            computed_at=timezone.now(), seconds=a["seconds"], result=a["result"], summary=a["summary"])
            for cluster, a in data["analyses"].items()}
        for cluster, a in data["analyses"].items():  # as services.compute keeps them
            Community.objects.bulk_create([Community(analysis=stored[int(cluster)], number=number, graph=part)
                                           for number, part in community_graphs(a["result"]).items()],
                                          batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return user, stored


def timed(client, url: str, requests: int, warm_up: int = WARM_UP) -> dict:
    """Warm up, then time `requests` GETs one after the other."""
    from django.db import connection

    class Queries:
        count = 0

        def __call__(self, execute, sql, params, many, context):
            Queries.count += 1
            return execute(sql, params, many, context)

    for _ in range(warm_up):
        assert client.get(url).status_code == 200, url
    walls = []
    for _ in range(requests):
        Queries.count = 0
        started = time.perf_counter()
        with connection.execute_wrapper(Queries()):
            response = client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return summary_of_times(walls) | {"queries": Queries.count, "bytes": len(response.content)}


def summary_of_times(walls: list[float]) -> dict:
    walls = sorted(walls)
    return {"n": len(walls), "median_ms": round(statistics.median(walls), 1),
            "p95_ms": round(walls[int(0.95 * (len(walls) - 1))], 1), "max_ms": round(walls[-1], 1)}


def paints(url: str, paths: dict[str, str], session: tuple[str, str], loads: int) -> dict[str, dict]:
    """First contentful paint, first byte and the graph drawn, in ms from navigation, over `loads` loads of each page
    in one signed-in browser context per page (its first load with an empty cache)."""
    from playwright.sync_api import sync_playwright

    drawn_script = """
        window.__graphDrawn = null;
        new MutationObserver(function (records, observer) {
          var graph = document.getElementById("network-graph");
          if (graph && graph.hasAttribute("data-nodes")) {
            window.__graphDrawn = performance.now();
            observer.disconnect();
          }
        }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-nodes"]});
    """
    out = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        for name, path in paths.items():
            context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900}, locale="en-GB")
            context.add_cookies([{"name": session[0], "value": session[1], "url": url}])
            context.add_init_script(drawn_script)
            fcp, first_byte, drawn = [], [], []
            for _ in range(loads):
                page = context.new_page()
                page.goto(path, wait_until="load", timeout=120_000)
                page.wait_for_function("window.__graphDrawn !== null && "
                                       "performance.getEntriesByName('first-contentful-paint').length > 0",
                                       timeout=120_000)
                timing = page.evaluate("""() => ({
                    fcp: performance.getEntriesByName("first-contentful-paint")[0].startTime,
                    firstByte: performance.getEntriesByType("navigation")[0].responseStart,
                    drawn: window.__graphDrawn})""")
                fcp.append(timing["fcp"])
                first_byte.append(timing["firstByte"])
                drawn.append(timing["drawn"])
                page.close()
            context.close()
            out[name] = {"fcp": summary_of_times(fcp) | {"cold_ms": round(fcp[0], 1)},
                         "first_byte": summary_of_times(first_byte), "drawn": summary_of_times(drawn)}
            print(f"  {name}: first paint median {out[name]['fcp']['median_ms']} ms", file=sys.stderr)
        browser.close()
    return out


def measure_database(database_url: str | None, data_path: Path, requests: int, loads: int) -> dict:
    monitoring_data.setup_django(database_url, tempfile.mkdtemp(prefix="filiera-bench-viewer-"))
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test import Client
    from django.test.testcases import LiveServerThread

    from filiera.network.models import Analysis

    with open(data_path) as f:
        data = json.load(f)
    started = time.perf_counter()
    user, stored = store(data)
    store_s = round(time.perf_counter() - started, 1)
    del data
    client = Client()
    client.force_login(user)
    pages = {"whole": f"/c/{CLUSTERS[WHOLE][0]}/network/", "small": f"/c/{CLUSTERS[SMALL][0]}/network/"}
    rows = {name: timed(client, url, requests) for name, url in pages.items()}
    for name, row in rows.items():
        print(f"  server, {name}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms", file=sys.stderr)
    whole = stored[WHOLE]
    rows["community"] = timed(client, f"/api/clusters/{CLUSTERS[WHOLE][0]}/network/analyses/{whole.pk}/communities/0",
                              COMMUNITY_REQUESTS, warm_up=1)
    for name, analyses in (("whole_result_read", Analysis.objects.all()),
                           ("summary_read", Analysis.objects.only("pk", "summary"))):
        reads = []
        for _ in range(READS):
            started = time.perf_counter()
            analyses.get(pk=whole.pk)
            reads.append((time.perf_counter() - started) * 1000)
        rows[name] = summary_of_times(reads)

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        browser = paints(f"http://127.0.0.1:{server.port}", pages,
                         (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value), loads)
    finally:
        server.terminate()
    return {"database": "postgres" if database_url else "sqlite", "postgresql": monitoring_data.postgres_version(),
            "store_s": store_s, "server": rows, "browser": browser, "load": round(os.getloadavg()[0], 1)}


def run_database(label: str, data_path: Path, requests: int, loads: int) -> dict | None:
    url = None
    if label == "postgres":
        url = prepare_postgres(PG_BENCH_DB)
        if url is None:
            return None
    try:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            subprocess.run([sys.executable, __file__, "--measure", url or "sqlite", "--data-file", str(data_path),
                            "--requests", str(requests), "--loads", str(loads), "--json", out.name],
                           check=True, cwd=ROOT)
            return json.loads(Path(out.name).read_text())
    finally:
        if url:
            drop_postgres(PG_BENCH_DB)


# --- the report ----------------------------------------------------------------------------------------------------


def met(db: dict) -> bool:
    return db["browser"]["whole"]["fcp"]["median_ms"] < TARGET_FCP_MS


def table(databases: list[dict], built: dict) -> list[str]:
    whole, small = built["analyses"][str(WHOLE)], built["analyses"][str(SMALL)]
    described = {"whole": f"whole H2020 ({whole['nodes']:,} organisations, {whole['edges']:,} ties: drawn by "
                          "communities)",
                 "small": f"baseline: Danish organisations ({small['nodes']:,}, {small['edges']:,} ties: drawn whole)"}
    lines = ["| database | page | server median ms | server p95 ms | queries | HTML bytes | first byte ms | "
             "first paint median ms (cold) | first paint p95 ms | graph drawn median ms | target met |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for db in databases:
        for name in ("whole", "small"):
            s, b = db["server"][name], db["browser"][name]
            target = (("yes" if met(db) else "**no**") + f" (< {TARGET_FCP_MS} ms)") if name == "whole" \
                else "baseline"
            fcp = f"**{b['fcp']['median_ms']}**" if name == "whole" else str(b["fcp"]["median_ms"])
            lines.append(f"| {NAMES[db['database']]} | {described[name]} | {s['median_ms']} | {s['p95_ms']} | "
                         f"{s['queries']} | {s['bytes']:,} | {b['first_byte']['median_ms']} | {fcp} "
                         f"({b['fcp']['cold_ms']}) | {b['fcp']['p95_ms']} | {b['drawn']['median_ms']} | {target} |")
    return lines


def findings(databases: list[dict], built: dict) -> list[str]:
    whole = built["analyses"][str(WHOLE)]
    parts = [f"{NAMES[db['database']]}: reading the whole stored analysis takes "
             f"{db['server']['whole_result_read']['median_ms']} ms (median of {READS}), its summary "
             f"{db['server']['summary_read']['median_ms']} ms; the largest community's "
             f"{built['analyses'][str(WHOLE)]['largest_community']:,} organisations and the ties among them, as "
             "the viewer fetches them from the API, "
             f"{db['server']['community']['median_ms']} ms (median of {COMMUNITY_REQUESTS})"
             for db in databases]
    return [
        f"The stored analysis of the whole network: `result` {whole['result_bytes'] / 1e6:.1f} MB of JSON (every "
        f"organisation with its measures, every tie), its summary {whole['summary_bytes'] / 1e3:.0f} kB (the "
        "measures, the organisations the page lists, and the network seen from afar: the 200 largest of its "
        f"{whole['communities']:,} communities and the ties between them). The page reads the summary only; "
        "before, it read `result` on every request, and its server time was at least that read. "
        + "; ".join(parts) + ". On SQLite a row's columns are read in order, and the summary comes after the "
        f"{whole['result_bytes'] / 1e6:.0f} MB of `result`, which is why it takes longer there than on "
        "PostgreSQL, which keeps large values apart (TOAST).",
    ]


def doc_section(report: dict) -> str:
    databases, built = report["databases"], report["built"]
    loads = ", ".join(f"{NAMES[db['database']]} {db['load']}" for db in databases)
    text = [
        SECTION, "",
        f"`bench/network_viewer.py`. Command: `{COMMAND}` (part of `make bench` without `--write`; about five "
        "minutes, most of it measuring the network once).",
        "",
        "What it does: the whole H2020 network read as `bench/network_measures.py` reads it "
        f"({built['counts']['organisations']:,} organisations), measured once by the engine and kept as "
        "`services.compute` keeps an analysis (`result_of`, `summary_of`), for a cluster whose members are the "
        f"{built['members'][WHOLE]:,} Italian organisations; "
        "as the baseline, the Danish organisations and the ties among them, a network small enough to be drawn "
        "whole. Per database, in a fresh process: a scratch database with the organisations (one in ten outside "
        "the clusters private: drawn unnamed), the memberships, a staff user and the two analyses. Server time: the "
        "Django test client, signed in as the staff, GETs each page 3 times to warm up and then "
        f"{databases[0]['server']['whole']['n']} times in a row (the whole request, no socket). First paint: "
        f"headless Chromium (Playwright) loads each page {databases[0]['browser']['whole']['fcp']['n']} times from "
        "Django's live server thread on the same database, in one signed-in browser context per page (the first "
        "load with an empty cache, in brackets): first contentful paint, the first byte of the page, and when the "
        "viewer has drawn the graph (Cytoscape.js, the 200 largest communities for the whole network).",
        "",
        f"Result ({report['date']}; {monitoring_data.describe(report['machine'])}; load average at the end of the "
        f"runs: {loads}):",
        "",
        *table(databases, built),
        "",
        *findings(databases, built),
    ]
    return docs_section.paragraphs(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one database in this process
    parser.add_argument("--data-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure_database(None if args.measure == "sqlite" else args.measure, args.data_file,
                                  args.requests, args.loads)
        Path(args.json).write_text(json.dumps(result, indent=2))
        return 0
    if not os.path.exists(CHROMIUM):
        print(f"chromium not found at {CHROMIUM} (set CHROMIUM)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="filiera-bench-viewer-") as scratch:
        data_path = Path(scratch) / "analyses.json"
        built = analyses(data_path)
        databases = [result for label in (("sqlite", "postgres") if args.db == "both" else (args.db,))
                     if (result := run_database(label, data_path, args.requests, args.loads)) is not None]
    m = monitoring_data.machine()
    m["postgresql"] = next((db["postgresql"] for db in databases if db["postgresql"]), None)
    report = {"date": datetime.date.today().isoformat(), "command": COMMAND, "machine": m, "built": built,
              "databases": databases}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "network_viewer.json").write_text(json.dumps(report, indent=2))
    print("\n".join(table(databases, built)))
    print("\n" + "\n".join(findings(databases, built)))
    if args.write:
        docs_section.write_section(SECTION, doc_section(report))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if databases and all(met(db) for db in databases) else 1


if __name__ == "__main__":
    sys.exit(main())
