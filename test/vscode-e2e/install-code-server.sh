#!/usr/bin/env bash
# From the shared vscode-e2e recipe: code-server (VS Code 1.100.3) from the npm registry, with the
# workarounds it needs offline (see the comments). .ci/run calls it when code-server is missing.
# Install code-server@4.100.3 (VS Code 1.100.3) offline-ish: only npm registry + Debian apt.
# Usage: install-code-server.sh [PREFIX]   (default ${TMPDIR:-/tmp}/vscode-e2e/cs)
set -euo pipefail
CS_VERSION="${CS_VERSION:-4.100.3}"
PREFIX="${1:-${TMPDIR:-/tmp}/vscode-e2e/cs}"
WORK="${WORK:-${TMPDIR:-/tmp}/vscode-e2e}"

# --- apt packages (build tools are already on the node image; listed for completeness) ---
need=()
for p in libkrb5-dev ripgrep chromium python3 make g++; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# --- env for npm / node-gyp ---
export npm_config_unsafe_perm=true          # code-server's postinstall.sh refuses to run as root without it
export npm_config_nodedir="${npm_config_nodedir:-/usr}"   # node headers from /usr/include/node (no header download)
export npm_config_cache="${npm_config_cache:-$WORK/npm-cache}"
export npm_config_yes=true   # node-pty postinstall runs `npx node-gyp configure`; ~/.npmrc has yes=false
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# @vscode/ripgrep's postinstall downloads rg from api.github.com, but first looks for a cached tarball
# in $TMPDIR/vscode-ripgrep-cache-<pkgver>/ripgrep-<rgver>-<target>.tar.gz. Seed it with Debian's rg.
export TMPDIR="${TMPDIR:-$WORK/tmp}"
mkdir -p "$TMPDIR"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE"
tar -czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg

mkdir -p "$PREFIX"
cd "$PREFIX"
[ -f package.json ] || echo '{"name":"cs-host","private":true}' > package.json
npm install --no-save --no-package-lock "code-server@$CS_VERSION"
XDG_CONFIG_HOME="$WORK/xdg/config" XDG_DATA_HOME="$WORK/xdg/data" XDG_CACHE_HOME="$WORK/xdg/cache" \
  "$PREFIX/node_modules/.bin/code-server" --version
