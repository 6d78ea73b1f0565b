#!/usr/bin/env bash
# test-node.sh MAJOR: the unit tests and the smoke integration test on Node MAJOR, against the
# addon, BPF objects and JavaScript built once (make build). better-sqlite3 is not Node-API, so the
# run uses a node_modules built by Node MAJOR (scripts/ensure-node.sh --modules, cached outside the
# repository) in a copy of the tree under build/node<MAJOR>/. Run as root (the smoke test loads BPF).
set -euo pipefail
major=${1:?usage: test-node.sh MAJOR}
repo=$(cd "$(dirname "$0")/.." && pwd)
node=$("$repo/scripts/ensure-node.sh" "$major")
modules=$("$repo/scripts/ensure-node.sh" --modules "$major")
tree="$repo/build/node$major"

# The tree: sources, tests and the README (some unit tests check it) for the unit tests, the built agent for the smoke run. Copies, not
# links: node resolves a module's dependencies from its real path.
rm -rf "$tree"
mkdir -p "$tree/build/bpf"
cp -a "$repo/bin" "$repo/bpf" "$repo/src" "$repo/test" "$repo/scripts" "$repo/package.json" "$repo/policy.json" "$repo/README.md" "$repo"/tsconfig*.json "$tree/"
cp -a "$repo/build/dist" "$repo/build/native" "$repo/build/helpers" "$repo/build/test" "$repo/build/manifest.json" "$tree/build/"
cp -a "$repo"/build/bpf/*.bpf.o "$tree/build/bpf/"
ln -s "$modules" "$tree/node_modules"

cd "$tree"
echo "===== Node $major ($("$node" --version)): unit tests ====="
"$node" --import tsx node_modules/uvu/bin.js test/unit
echo "===== Node $major ($("$node" --version)): smoke integration test ====="
"$node" node_modules/uvu/bin.js build/test/integration '^smoke\.test\.js$'
