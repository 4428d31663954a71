#!/usr/bin/env bash
# What the test suite needs beyond Python packages: Debian's Chromium for the browser tests, and axe-core (from
# the npm registry, installed outside the repository) for their accessibility audit. Idempotent and quick when
# both are present. Playwright's own browser download is not used: the tests launch /usr/bin/chromium.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

AXE_CORE_DIR="${AXE_CORE_DIR:-${TMPDIR:-/tmp}/prosperity-axe}"
if [ ! -f "$AXE_CORE_DIR/node_modules/axe-core/axe.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  mkdir -p "$AXE_CORE_DIR"
  (cd "$AXE_CORE_DIR" && npm install --silent --no-audit --no-fund --no-save axe-core@4 >/dev/null)
fi

# PostgreSQL for the returns service's tests (tests/returns run against SQLite and PostgreSQL): Debian's server,
# started if it is down, with a login role that may create the tests' own databases. PROSPERITY_TEST_PG (set by
# `make test`) tells the tests where it is; without it the PostgreSQL variants are skipped, with it they must pass.
PG_ROLE="${PROSPERITY_TEST_PG_ROLE:-prosperity}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
if ! pg_lsclusters --no-header | awk '{print $4}' | grep -qx online; then
  read -r PG_VERSION PG_CLUSTER _ < <(pg_lsclusters --no-header | head -n 1)
  as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
fi
for _ in $(seq 1 30); do as_postgres pg_isready -q -h 127.0.0.1 && break; sleep 1; done
as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres -c "DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_ROLE';
  END IF; END\$\$;" >/dev/null
