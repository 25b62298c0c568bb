#!/usr/bin/env bash
# Installs what the VS Code end-to-end test (run.test.mjs) needs, once: Debian's Chromium and ripgrep,
# code-server 4.100.3 (the last release on Node.js 20) and playwright-core. code-server's own install
# downloads ripgrep from GitHub and builds native modules as root, both of which fail on a machine that
# reaches only the package registries, so it is unpacked and installed without scripts, then its
# postinstall work is done by hand (see ../shared/reference/vscode-e2e.md beside the repository).
# Everything lands in $WEAVERGEN_E2E_CACHE (default: build/e2e-vscode at the repository root, ignored by
# git and outside the extension, so eslint and vsce never walk it);
# a finished install is marked and reused. Prints how long each part took.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${WEAVERGEN_E2E_CACHE:-$(cd "$HERE/../.." && pwd)/build/e2e-vscode}"
VERSION=4.100.3
CS="$CACHE/code-server-$VERSION"
mkdir -p "$CACHE"
started=$(date +%s)
say() { echo "e2e setup: $* ($(( $(date +%s) - started )) s)"; }

# Debian packages: Chromium for Playwright, ripgrep for code-server's search, headers for its native modules.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || missing+=(build-essential)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  say "installed ${missing[*]}"
fi

# Native modules are built against the installed Node.js's headers (Debian's nodejs ships them in /usr).
NODEDIR="$(dirname "$(dirname "$(command -v node)")")"
[ -f "$NODEDIR/include/node/node_version.h" ] || NODEDIR=""

if [ ! -f "$CS/.complete" ]; then
  rm -rf "$CS" "$CS.tmp" && mkdir -p "$CS.tmp"
  (cd "$CACHE" && npm pack --silent "code-server@$VERSION" >/dev/null)
  tar xzf "$CACHE/code-server-$VERSION.tgz" -C "$CS.tmp" --strip-components=1
  rm -f "$CACHE/code-server-$VERSION.tgz"
  (
    cd "$CS.tmp"
    npm install --silent --no-audit --no-fund --omit=dev --ignore-scripts
    npm_config_nodedir="$NODEDIR" npm rebuild --silent argon2 || true  # password auth only; the test uses --auth none
    cd lib/vscode
    npm install --silent --no-audit --no-fund --omit=dev --ignore-scripts
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm_config_nodedir="$NODEDIR" npm rebuild --silent
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --silent --no-audit --no-fund --omit=dev)
  )
  touch "$CS.tmp/.complete"
  mv "$CS.tmp" "$CS"
  say "code-server $VERSION installed in $CS"
fi

# playwright-core from this folder's lock file (it downloads no browser: the test drives /usr/bin/chromium).
if [ ! -f "$HERE/node_modules/.package-lock.json" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  (cd "$HERE" && npm ci --silent --no-audit --no-fund)
  say "playwright-core installed"
fi
say "ready"
