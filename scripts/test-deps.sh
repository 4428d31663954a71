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
