#!/usr/bin/env bash
# Installs what the dashboard's end-to-end test (run.test.mjs) needs: Debian's Chromium (Playwright drives
# it; no browser is downloaded) and playwright-core from this folder's lock file. Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
  echo "e2e-serve setup: installed chromium"
fi
if [ ! -f "$HERE/node_modules/.package-lock.json" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  (cd "$HERE" && npm ci --silent --no-audit --no-fund)
  echo "e2e-serve setup: playwright-core installed"
fi
