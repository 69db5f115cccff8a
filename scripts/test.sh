#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, then the suite on SQLite, then on PostgreSQL, then the browser tests.
# Without a PostgreSQL server or without chromium the passes are skipped loudly; with FILIERA_REQUIRE_ALL=1
# (set by .ci/run) a pass that cannot run fails the build.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
REQUIRE_ALL="${FILIERA_REQUIRE_ALL:-0}"
PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
unset DATABASE_URL FILIERA_PRODUCTION REDIS_URL
export FILIERA_VAR_DIR="${FILIERA_VAR_DIR:-$(mktemp -d)}"
skipped=()
fail() { echo "FAILED: $*" >&2; exit 1; }
passed=0
skipped_tests=0
# Run one pytest pass, show its output and add its passed tests to the total.
run_pass() {
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local n
  n=$(tail -n 3 "$log" | grep -oE '[0-9]+ passed' | tail -n 1 | grep -oE '[0-9]+')
  passed=$((passed + ${n:-0}))
  local k
  k=$(tail -n 3 "$log" | grep -oE '[0-9]+ skipped' | tail -n 1 | grep -oE '[0-9]+')
  skipped_tests=$((skipped_tests + ${k:-0}))
  rm -f "$log"
  return "$status"
}

banner() { printf '\n==== %s ====\n' "$*"; }

banner "lint (ruff)"
$BIN/ruff check src tests bench || fail "ruff"

banner "migrations are up to date"
$BIN/filiera makemigrations --check --dry-run > /dev/null || fail "models changed without a migration"

banner "translations compile"
if ! command -v msgfmt > /dev/null && [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext > /dev/null) || true
fi
$BIN/python scripts/check_translations.py || fail "translations"

banner "suite on SQLite"
run_pass $BIN/pytest -q -m "not browser and not sentence_transformers and not postgresql_only" -p no:cacheprovider \
  || fail "suite on SQLite"

banner "suite on PostgreSQL ($PG_URL)"
if $BIN/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  DATABASE_URL="$PG_URL" run_pass $BIN/pytest -q -m "not browser and not sentence_transformers" -p no:cacheprovider \
    || fail "suite on PostgreSQL"
else
  [ "$REQUIRE_ALL" = "1" ] && fail "PostgreSQL is not reachable at $PG_URL and FILIERA_REQUIRE_ALL=1"
  skipped+=("PostgreSQL pass: no server at $PG_URL (set DATABASE_URL)")
fi

banner "browser tests (headless chromium)"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "installing Debian's chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null) || true
fi
if [ -x "$CHROMIUM" ]; then
  CHROMIUM="$CHROMIUM" run_pass $BIN/pytest -q -m browser -p no:cacheprovider || fail "browser tests"
else
  [ "$REQUIRE_ALL" = "1" ] && fail "chromium is missing at $CHROMIUM and FILIERA_REQUIRE_ALL=1"
  skipped+=("browser tests: no chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM)")
fi

banner "sentence-transformers backend (torch, in .venv-st)"
# An optional install (torch is large): the pass runs where a CPU build of torch lies on the machine, which pip
# installs without downloading several GB of CUDA libraries.
TORCH_WHEEL="${FILIERA_TORCH_WHEEL:-$(ls /opt/wheels/torch-*+cpu-cp311-*.whl 2>/dev/null | head -n 1)}"
if [ -n "$TORCH_WHEEL" ] && [ -f "$TORCH_WHEEL" ]; then
  ST=.venv-st
  if [ ! -f "$ST/.installed" ] || [ pyproject.toml -nt "$ST/.installed" ]; then
    echo "installing torch ($TORCH_WHEEL) and sentence-transformers into $ST…"
    { $BIN/python -m venv "$ST" && $ST/bin/python -m pip install --quiet "$TORCH_WHEEL" -e '.[test,sentence-transformers]' \
        && touch "$ST/.installed"; } || fail "installing the sentence-transformers pass"
  fi
  HF_HUB_OFFLINE=1 run_pass $ST/bin/pytest -q -m sentence_transformers -p no:cacheprovider || fail "sentence-transformers pass"
else
  skipped+=("sentence-transformers pass: no CPU build of torch here (set FILIERA_TORCH_WHEEL to a torch wheel file)")
fi

if [ "$skipped_tests" -gt 0 ]; then
  skipped+=("${skipped_tests} tests skipped inside the passes (see the pytest summaries above; most need ../shared/data)")
fi
if [ ${#skipped[@]} -gt 0 ]; then
  banner "SKIPPED — this run is NOT complete"
  for s in "${skipped[@]}"; do echo "  SKIPPED: $s"; done
fi
banner "all passes green"
echo "total: ${passed} passed, 0 failed, ${skipped_tests} skipped"
