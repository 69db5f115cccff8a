#!/usr/bin/env bash
# All benchmarks; figures go to bench/results/ and are recorded by hand in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python bench/directory.py "$@"
.venv/bin/python bench/matching_scale.py --quick   # the full size: bench/matching_scale.py (about an hour)
.venv/bin/python bench/scheduling.py   # S, M, L and XL: about ten minutes
.venv/bin/python bench/consortium.py      # 300 candidates, 12 needs: a few seconds
.venv/bin/python bench/partner_recommendation.py   # health H2020, learn before 2018, test after: a few seconds
.venv/bin/python bench/projects_import.py   # the whole H2020 network (145,000 participations), SQLite and PostgreSQL: about two minutes
.venv/bin/python bench/annual_report.py   # the annual report of a 2,000-member cluster, PDF and XLSX, SQLite and PostgreSQL: about a minute
.venv/bin/python bench/dashboard.py   # the KPI dashboard's p95 over 50 requests, SQLite and PostgreSQL: about two minutes
.venv/bin/python bench/network_measures.py   # measures of the whole H2020 collaboration network (36,000 organisations), no database: about a minute
.venv/bin/python bench/network_viewer.py   # the network page of the whole H2020 network: server time and first paint in chromium, SQLite and PostgreSQL: about five minutes
.venv/bin/python bench/theme_grouping.py   # 240 needs of a challenge in four languages grouped into themes by six methods, against gold themes: under a minute
.venv/bin/python bench/load.py   # 50 clients on gunicorn + PostgreSQL, the whole H2020 directory, search, profiles, an agenda: about three minutes (ten the first time: it prepares the database load_bench)
