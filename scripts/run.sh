#!/usr/bin/env bash
# Serve Filiera with its task worker on http://127.0.0.1:${PORT:-8000}; first run migrates and loads the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"  # links in the emails the worker sends

$BIN/filiera migrate --noinput
$BIN/filiera vocabulary
$BIN/filiera demo --if-empty

$BIN/filiera run_huey --quiet &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo
echo "Filiera is starting on http://127.0.0.1:${PORT}/  (task worker pid ${WORKER}; Ctrl-C stops both)"
$BIN/filiera runserver "127.0.0.1:${PORT}" --noreload
