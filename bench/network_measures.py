"""Collaboration network benchmark: the measures of the network engine on the whole real H2020 network
(../shared/data/h2020/participations.csv.gz, 144,726 participations of 35,871 organisations in 31,451 projects, and
organisations.csv.gz for the names, CORDIS types and countries of the 16,281 it registers), read directly with csv and
gzip, no database. Target (issue #7): every measure in under 2 minutes on this machine. Baseline, in the same run:
the same on the health subset (health_participations.csv and health_organisations.csv).

The graph: one node per organisation of the participations; its helix from the CORDIS type (PRC industry, HES and
REC academia, PUB health and public sector, OTH civil society; none when the register lacks it), its country from
the register, and as concepts the H2020 programmes it took part in (SC1, LEIT, MSCA, …: the only hint of competences
the files give). One tie of kind "project" for every pair of members of a project, dated by the project's start, of
weight 1 / (n − 1) in a project of n members, as is usual for co-authorship networks (Newman 2001): each member's
ties in one project weigh 1 in all, whatever the consortium's size, so that a 186-member project does not outweigh
many small ones; with the project kind's weight 2, an organisation's strength is twice its projects with partners.

Timed, each apart: reading the files and making the ties; `build`; `measure` step by step (degree and strength,
betweenness estimated from k pivots, brokerage, Louvain communities and modularity, the graph summary); and
`suggest_links` for 100 organisations drawn at random (seeded), 10 suggestions each.

Usage: .venv/bin/python bench/network_measures.py [--pivots 100] [--data DIR] [--accuracy] [--write]
  --accuracy  also compares the betweenness estimate with the exact betweenness on the health subset.
  --write  puts the figures in docs/benchmarks.md (its section "## Collaboration network measures …").
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import docs_section  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import networkx as nx  # noqa: E402

from filiera.network import engine  # noqa: E402
from filiera.network.engine import Node, Tie  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "h2020"
RESULTS = ROOT / "bench" / "results"
SECTION = "## Collaboration network measures (`bench/network_measures.py`, issue #7)"
COMMAND = ".venv/bin/python bench/network_measures.py --accuracy --write"
TARGET_S = 120.0
ASKED = 100  # organisations asked for suggestions
TOP = 10
HELICES = {"PRC": "industry", "HES": "academia", "REC": "academia", "PUB": "health", "OTH": "civil"}
KINDS = {"PRC": "industry", "HES": "university", "REC": "research_centre", "PUB": "public_body", "OTH": "other"}
NETWORKS = {  # name -> (participations, organisations)
    "health subset (baseline)": ("health_participations.csv", "health_organisations.csv"),
    "whole H2020": ("participations.csv.gz", "organisations.csv.gz"),
}


@dataclass
class Network:
    nodes: list[Node]
    ties: list[Tie]
    counts: dict[str, int]


def rows(path: Path):
    with (gzip.open(path, "rt", newline="") if path.suffix == ".gz" else open(path, newline="")) as f:
        yield from csv.DictReader(f)


def read(participations: Path, organisations: Path) -> Network:
    members: dict[str, set[int]] = defaultdict(set)
    starts: dict[str, datetime.date] = {}
    programmes: dict[int, set[str]] = defaultdict(set)
    for row in rows(participations):
        org = int(row["org_ref"])
        members[row["project_ref"]].add(org)
        if row["start_date"]:  # a few projects have none: their ties count in every time window
            starts.setdefault(row["project_ref"], datetime.date.fromisoformat(row["start_date"]))
        programmes[org].update(p for p in row["programme"].removeprefix("H2020").strip().split("+") if p)
    register = {int(row["ref"]): row for row in rows(organisations)}
    concept_ids = {p: i for i, p in enumerate(sorted(set().union(*programmes.values())))}
    nodes = []
    for org in sorted(programmes):
        row = register.get(org, {})
        kind = row.get("type", "")
        nodes.append(Node(org, row.get("name", ""), KINDS.get(kind, ""), HELICES.get(kind, ""), row.get("country", ""),
                          concepts=frozenset(concept_ids[p] for p in programmes[org])))
    ties = []
    for ref, orgs in members.items():
        if len(orgs) > 1:
            ordered, share, day = sorted(orgs), 1 / (len(orgs) - 1), starts.get(ref)
            ties.extend(Tie(a, b, "project", day, share) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    sizes = sorted(len(orgs) for orgs in members.values())
    big = [n for n in sizes if n > 50]
    return Network(nodes, ties, {
        "projects": len(members), "participations": sum(sizes), "organisations": len(nodes),
        "registered": sum(org in register for org in programmes), "concepts": len(concept_ids),
        "largest project": sizes[-1], "pairs of the largest": sizes[-1] * (sizes[-1] - 1) // 2,
        "projects over 50": len(big), "pairs in projects over 50": sum(n * (n - 1) // 2 for n in big),
        "pair ties": len(ties), "projects without a start": len(members) - len(starts)})


def run(name: str, pivots: int, data: Path) -> dict:
    started = time.perf_counter()
    network = read(*(data / file for file in NETWORKS[name]))
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    graph = engine.build(network.nodes, network.ties)
    build_s = time.perf_counter() - started
    sample = pivots if graph.number_of_nodes() > pivots else None
    measures = engine.measure(graph, betweenness_sample=sample, seed=0)
    asked = random.Random(0).sample(sorted(graph), ASKED)
    started = time.perf_counter()
    suggestions = [engine.suggest_links(graph, for_node=org, top=TOP) for org in asked]
    suggest_s = time.perf_counter() - started
    seconds = {"read": read_s, "build": build_s, **measures.seconds, "suggestions": suggest_s}
    seconds["total"] = sum(s for step, s in seconds.items() if step != "read")
    names = {n.id: n.name or f"organisation {n.id} (not in the register)" for n in network.nodes}
    ranked = sorted(measures.nodes, key=lambda m: (-m.betweenness, m.id))[:5]
    brokers = sorted(measures.nodes, key=lambda m: (-m.brokerage["helix"], m.id))[:5]
    return {
        "network": name, "counts": network.counts, "edges": measures.edge_count, "seconds": seconds,
        "betweenness": {"exact": measures.betweenness_method.exact, "pivots": measures.betweenness_method.pivots},
        "figures": {k: getattr(measures, k) for k in (
            "node_count", "edge_count", "density", "components", "largest_component", "communities", "modularity",
            "cross_border_share", "cross_helix_share")},
        "largest communities": measures.community_sizes[:5],
        "top betweenness": [(names[m.id], round(m.betweenness, 4)) for m in ranked],
        "top helix brokerage": [(names[m.id], m.brokerage["helix"]) for m in brokers],
        "suggestions": {"asked": ASKED, "with suggestions": sum(1 for s in suggestions if s),
                        "per organisation ms": 1000 * suggest_s / ASKED},
        "peak rss mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def accuracy(pivots: int, data: Path) -> dict:
    """The engine's estimate from `pivots` pivots (seed 0) against the exact betweenness, on the health subset: how
    many of the exact top 10, 50 and 100 the estimate's top ones hold, and the correlation of the values."""
    network = read(*(data / file for file in NETWORKS["health subset (baseline)"]))
    graph = engine.build(network.nodes, network.ties)
    started = time.perf_counter()
    exact = {m.id: m.betweenness for m in engine.measure(graph, betweenness_sample=graph.number_of_nodes()).nodes}
    exact_s = time.perf_counter() - started
    estimate = {m.id: m.betweenness for m in engine.measure(graph, betweenness_sample=pivots, seed=0).nodes}

    def top(values: dict[int, float], n: int) -> set[int]:
        return set(sorted(values, key=lambda v: (-values[v], v))[:n])

    ids = sorted(exact)
    return {"pivots": pivots, "nodes": len(ids), "exact s": exact_s,
            "top overlap": {n: len(top(exact, n) & top(estimate, n)) for n in (10, 50, 100)},
            "pearson": statistics.correlation([exact[v] for v in ids], [estimate[v] for v in ids])}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return (f"{cpu}, nproc {len(os.sched_getaffinity(0))}, {mem_kib / 1024 ** 2:.1f} GiB RAM, "
            f"Python {platform.python_version()}, networkx {nx.__version__}")


def tables(results: list[dict]) -> list[str]:
    out = ["| network | organisations | pair ties → edges | read s | build s | degree s | betweenness s (k) | "
           "brokerage s | communities s | summary s | 100 × suggestions s | total s | target met |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in results:
        s, b = r["seconds"], r["betweenness"]
        k = "exact" if b["exact"] else f"k = {b['pivots']}"
        whole = not r["network"].startswith("health")
        target = ("yes" if s["total"] < TARGET_S else "**no**") + " (< 120 s)" if whole else "baseline"
        out.append(f"| {r['network']} | {r['counts']['organisations']:,} | {r['counts']['pair ties']:,} → "
                   f"{r['edges']:,} | {s['read']:.1f} | {s['build']:.1f} | {s['degree']:.2f} | "
                   f"{s['betweenness']:.1f} ({k}) | {s['brokerage']:.1f} | {s['communities']:.1f} | "
                   f"{s['summary']:.1f} | {s['suggestions']:.1f} | **{s['total']:.1f}** | {target} |")
    out += ["", "| network | density | components | largest component | communities (largest five) | modularity | "
            "cross-border ties | cross-helix ties | peak RSS |",
            "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        f = r["figures"]
        sizes = ", ".join(f"{n:,}" for n in r["largest communities"])
        out.append(f"| {r['network']} | {f['density']:.5f} | {f['components']:,} | {f['largest_component']:,} | "
                   f"{f['communities']:,} ({sizes}) | {f['modularity']:.3f} | {f['cross_border_share']:.1%} | "
                   f"{f['cross_helix_share']:.1%} | {r['peak rss mib']:,.0f} MiB |")
    return out


def findings(results: list[dict], check: dict | None) -> list[str]:
    base, whole = results
    c, s = whole["counts"], whole["seconds"]
    slowest = max(("build", "betweenness", "brokerage", "communities", "suggestions"), key=lambda k: s[k])
    return [
        f"The whole network: {c['projects']:,} projects make {c['pair ties']:,} pair ties on "
        f"{whole['edges']:,} edges; the largest project ({c['largest project']} members) alone makes "
        f"{c['pairs of the largest']:,} pairs, and the {c['projects over 50']} projects of more than 50 members "
        f"{c['pairs in projects over 50']:,} ({c['pairs in projects over 50'] / c['pair ties']:.0%}). "
        f"{c['registered']:,} of the {c['organisations']:,} organisations are in the register (name, type, "
        "country); the others have no helix nor country, and the ties they touch count in neither share.",
        f"Every step together takes {s['total']:.1f} s against the 120 s of the target "
        f"({base['seconds']['total']:.1f} s for the health subset); the slowest step is {slowest} "
        f"({s[slowest]:.1f} s). Betweenness is estimated from k = {whole['betweenness']['pivots']} pivots "
        f"(a breadth-first search from each: {s['betweenness'] / whole['betweenness']['pivots']:.2f} s apiece). "
        "Suggestions search each organisation's two-hop neighbourhood: "
        f"{whole['suggestions']['per organisation ms']:.0f} ms on average.",
        *([f"How good the estimate is, on the health subset ({check['nodes']:,} organisations), where the exact "
           f"betweenness takes {check['exact s']:.0f} s: the top 10, 50 and 100 organisations by the estimate from "
           f"k = {check['pivots']} pivots hold " + ", ".join(f"{n} of the exact top {k}" for k, n in
                                                            check["top overlap"].items())
           + f"; the values correlate at {check['pearson']:.3f} (Pearson)."] if check else []),
        "Highest betweenness: " + "; ".join(f"{n} ({b})" for n, b in whole["top betweenness"]) + ".",
        "Most open pairs of partners of different helices: "
        + "; ".join(f"{n} ({b:,})" for n, b in whole["top helix brokerage"]) + ".",
    ]


def doc_section(results: list[dict], check: dict | None, load: float) -> str:
    text = [
        SECTION, "",
        f"`{COMMAND}` (part of `make bench` without `--accuracy` and `--write`: about a minute; the exact "
        "betweenness of `--accuracy` adds a minute and a half). The engine: "
        "`src/filiera/network/engine.py`; the files are read directly, without a database.",
        "",
        "The whole H2020 network (`../shared/data/h2020/participations.csv.gz`; `organisations.csv.gz` for names, "
        "CORDIS types and countries) and, as the baseline in the same run, its health subset "
        "(`health_participations.csv`, `health_organisations.csv`). Nodes: every organisation of the "
        "participations, its helix from the CORDIS type (PRC industry, HES and REC academia, PUB health and public "
        "sector, OTH civil society), its concepts the H2020 programmes it took part in. Ties: every pair of members "
        "of a project, dated by its start, weighing 1 / (n − 1) in a project of n members (as in co-authorship "
        "networks: a member's ties in one project weigh 1 in all) times the project kind's weight 2. Timed apart: "
        "reading the files and making the ties (not in the total), `build`, each step of `measure`, and "
        f"`suggest_links` for {ASKED} organisations drawn at random, {TOP} suggestions each. Target (issue #7): "
        "every measure of the whole network in under 2 minutes (the total: build, measures and suggestions). The "
        "files give no region and no cluster, so brokerage across regions and clusters and the cluster bridges are "
        "empty here (the engine's tests cover them).",
        "",
        f"Result ({datetime.date.today()}; {machine()}; load average {load:.1f} when the run began"
        + (": other work was running, so the times are upper bounds):" if load >= 0.5 else "):"),
        "",
        *tables(results),
        *(line for finding in findings(results, check) for line in ("", finding)),
    ]
    return docs_section.wrapped(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pivots", type=int, default=engine.BETWEENNESS_PIVOTS,
                        help="pivots of the betweenness estimate (default: the engine's)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"the H2020 files (default: {DATA})")
    parser.add_argument("--accuracy", action="store_true",
                        help="also compare the betweenness estimate with the exact one on the health subset "
                             "(about a minute and a half more)")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    results = [run(name, args.pivots, args.data) for name in NETWORKS]
    check = accuracy(args.pivots, args.data) if args.accuracy else None
    print("\n".join([*tables(results), "", *findings(results, check)]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "network_measures.json").write_text(json.dumps(
        {"results": results, "accuracy": check, "machine": machine(), "load": load}, indent=2))
    if args.write:
        docs_section.write_section(SECTION, doc_section(results, check, load))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if results[-1]["seconds"]["total"] < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
