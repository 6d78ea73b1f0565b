#!/usr/bin/env bash
# stage-package.sh STAGE: the files package.json's "files" lists, copied into STAGE, with a build
# manifest of the package's own files only. The build tree's manifest also pins the runtime
# node_modules and the node executable of this machine; an installed package gets its node_modules
# from npm on the target and runs under the target's node, so those cannot be pinned here (the
# README's Packaging section says so).
set -euo pipefail
stage=$1
rm -rf "$stage" && mkdir -p "$stage"
npm pack --dry-run --json 2>/dev/null | node -e '
  const [pack] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const f of pack.files) console.log(f.path);' | while IFS= read -r f; do
  mkdir -p "$stage/$(dirname "$f")"
  cp -p "$f" "$stage/$f"
done
repo=$PWD
(cd "$stage" && node "$repo/build/dist/integrity/buildManifest.js" --root . --out build/manifest.json \
  build/dist bin/lsmwatch.js package.json build/native/lsmwatch.node build/bpf/lsmwatch_lsm.bpf.o build/bpf/lsmwatch_tp.bpf.o)
