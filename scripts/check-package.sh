#!/usr/bin/env bash
# check-package.sh TARBALL: the npm tarball holds what the agent runs from (and that the manifest
# lists), and nothing of the build: no sources, tests, node_modules or headers.
set -euo pipefail
tgz=$1
fail() { echo "lsmwatch: $tgz: $*" >&2; exit 1; }
list=$(tar -tzf "$tgz" | sed 's|^package/||' | sort)
for need in package.json policy.json bin/lsmwatch.js build/manifest.json build/native/lsmwatch.node \
            build/bpf/lsmwatch_lsm.bpf.o build/bpf/lsmwatch_tp.bpf.o build/dist/cli/main.js; do
  grep -qxF "$need" <<<"$list" || fail "missing $need"
done
bad=$(grep -E '^(src|test|native|scripts|node_modules|\.ci)/|\.(ts|h|cc|c)$|^build/(libbpf|vm|test|helpers|node[0-9]+)/' <<<"$list" || true)
[[ -z "$bad" ]] || fail "holds build-only files: $(echo $bad | cut -c1-300)"
# every file of the manifest is in the package, so the installed agent checks itself against it
manifest=$(tar -xzOf "$tgz" package/build/manifest.json)
missing=$(node -e '
  const m = JSON.parse(process.argv[1]); const have = new Set(process.argv[2].split("\n"));
  console.log(Object.keys(m.files).filter((f) => !have.has(f)).join(" "));' "$manifest" "$list")
[[ -z "$missing" ]] || fail "manifest files not in the package: $missing"
echo "lsmwatch: $tgz: $(wc -l <<<"$list") files, $(( $(stat -c %s "$tgz") / 1024 )) KiB"
