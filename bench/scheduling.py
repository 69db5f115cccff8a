"""Meeting scheduler benchmark: Filiera's scheduler (greedy with local search, then CP-SAT) against the first-come
earliest-slot greedy that organisers get from the common brokerage tools, in the same run, on random instances
from filiera.events.scheduling.generator (in the manner of the B2B-scheduling literature).

Sizes (participants P, requested meetings M, slots T, tables L): S (60, 200, 12, 15), M (300, 1500, 16, 50),
L (1000, 6000, 24, 150), XL (3000, 20000, 32, 400); 10 % unavailable slots by default.
Targets (the events issue), on 2 cores: S and M proven optimal in scheduled priority within 10 s; L at least
99.5 % of the upper bound within 60 s with at most half the baseline's idle gaps; XL at least 98 % of the bound
within 5 minutes.

Each size runs in its own process (peak memory is its own). Prints a Markdown table and writes
bench/results/scheduling.json.

Usage: .venv/bin/python bench/scheduling.py [--sizes S,M,L,XL] [--seeds 1] [--unavailable 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TIME_LIMITS = {"S": 10, "M": 10, "L": 60, "XL": 300}


def run_one(size: str, seed: int, unavailable: float) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from filiera.events.scheduling import first_come, solve, violations
    from filiera.events.scheduling.generator import SIZES, generate

    started = time.perf_counter()
    instance = generate(**SIZES[size], unavailable=unavailable, seed=seed)
    generated = time.perf_counter() - started
    baseline = first_come(instance)
    limit = TIME_LIMITS[size]
    # The whole solve, greedy included, must fit the time limit of the target.
    result = solve(instance, time_limit=limit)
    broken = violations(instance, result.assignments) + violations(instance, baseline.assignments)
    f, b = result.figures, baseline.figures
    return {
        "size": size, "seed": seed, "unavailable": unavailable, **SIZES[size], "time_limit_s": limit,
        "generate_s": round(generated, 1), "requested_priority": sum(m.priority for m in instance.meetings),
        "baseline": {"scheduled": b.scheduled, "priority": b.scheduled_priority, "idle_gaps": b.idle_gaps,
                     "table_changes": b.table_changes, "seconds": round(b.solve_seconds, 2)},
        "filiera": {"scheduled": f.scheduled, "priority": f.scheduled_priority, "upper_bound": f.upper_bound,
                    "share_of_bound": round(f.share_of_bound, 5), "optimal": f.optimal, "idle_gaps": f.idle_gaps,
                    "table_changes": f.table_changes, "seconds": round(f.solve_seconds, 1)},
        "violations": len(broken),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def verdict(row: dict) -> str:
    f, b, size = row["filiera"], row["baseline"], row["size"]
    if row["violations"]:
        return "**no** (rules broken)"
    if size in ("S", "M"):
        ok = f["optimal"] and f["seconds"] <= 10
    elif size == "L":
        ok = f["share_of_bound"] >= 0.995 and f["seconds"] <= 60 and f["idle_gaps"] <= b["idle_gaps"] / 2
    else:
        ok = f["share_of_bound"] >= 0.98 and f["seconds"] <= 300
    return "yes" if ok else "**no**"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import ortools

    return (f"{cpu} · {os.cpu_count()} cores · Python {platform.python_version()} · OR-Tools {ortools.__version__} · "
            f"load average before {os.getloadavg()[0]:.1f}")


def report(rows: list[dict]) -> str:
    lines = [
        "| size (P / M / T / L) | seed | method | scheduled | priority (share of bound) | upper bound | optimal | "
        "idle gaps | table changes | seconds | peak RSS | met |",
        "| --- | ---: | --- | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for r in rows:
        b, f = r["baseline"], r["filiera"]
        label = f"{r['size']} ({r['participants']} / {r['meetings']} / {r['slots']} / {r['tables']})"
        lines.append(f"| {label} | {r['seed']} | first-come earliest slot | {b['scheduled']} | {b['priority']} "
                     f"({b['priority'] / f['upper_bound']:.2%}) | | | {b['idle_gaps']} | {b['table_changes']} | "
                     f"{b['seconds']} | | |")
        lines.append(f"| {label} | {r['seed']} | Filiera (local search + CP-SAT, limit {r['time_limit_s']} s) | "
                     f"{f['scheduled']} | {f['priority']} ({f['share_of_bound']:.2%}) | {f['upper_bound']} | "
                     f"{'yes' if f['optimal'] else 'no'} | {f['idle_gaps']} | {f['table_changes']} | {f['seconds']} | "
                     f"{r['peak_rss_mib']} MiB | {verdict(r)} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--seeds", type=int, default=1, help="How many instances of each size (seeds 1..N).")
    parser.add_argument("--unavailable", type=float, default=0.1)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # size:seed, run in a child process
    args = parser.parse_args()
    if args.one:
        size, seed = args.one.split(":")
        print(json.dumps(run_one(size, int(seed), args.unavailable)))
        return 0
    print(f"Machine: {machine()}", file=sys.stderr)
    rows = []
    for size in args.sizes.split(","):
        for seed in range(1, args.seeds + 1):
            print(f"  {size} seed {seed} …", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, __file__, "--one", f"{size}:{seed}",
                                   "--unavailable", str(args.unavailable)],
                                  check=True, capture_output=True, text=True, cwd=ROOT)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"    {verdict(rows[-1])}: {rows[-1]['filiera']}", file=sys.stderr, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scheduling.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    print(f"Machine: {machine()}\n")
    print(report(rows))
    return 0 if all(verdict(r) == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
