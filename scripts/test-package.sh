#!/usr/bin/env bash
# test-package.sh TARBALL [PREFIX]: installs the npm tarball with `npm install -g` into a clean
# prefix (better-sqlite3 compiles there), checks `lsmwatch --version`, then runs the installed agent
# with the policy it ships, from a directory that tries to hijack it (its own build/native addon,
# policy.json and node_modules), and checks it started with the packaged files, reported a watched
# read, checked its own integrity and stopped cleanly on SIGTERM. Run as root.
# PREFIX (default: a fresh temporary directory) is kept, for the VM package test to reuse.
set -euo pipefail
tgz=$(realpath "$1")
prefix=${2:-$(mktemp -d /tmp/lsmwatch-package.XXXXXX)}
say() { echo "package: $*"; }
fail() { echo "package: FAIL: $*" >&2; exit 1; }
version=$(tar -xzOf "$tgz" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version')

rm -rf "$prefix/usr" && mkdir -p "$prefix/usr"
t=$SECONDS
# the registry for the runtime dependencies; better-sqlite3 falls back to compiling when its
# prebuilt download is unavailable
npm install -g --prefix "$prefix/usr" --no-audit --no-fund --loglevel=error "$tgz" >"$prefix/npm-install.log" 2>&1 ||
  { tail -n 20 "$prefix/npm-install.log" >&2; fail "npm install -g $tgz"; }
say "npm install -g into a clean prefix: $((SECONDS - t)) s"
bin="$prefix/usr/bin/lsmwatch"
root="$prefix/usr/lib/node_modules/lsmwatch"
[[ -x "$bin" ]] || fail "no $bin after install"
got=$("$bin" --version)
[[ "$got" == "lsmwatch $version" ]] || fail "--version said '$got', want 'lsmwatch $version'"
say "lsmwatch --version: $got"
if ldd "$root/build/native/lsmwatch.node" | grep -E 'libbpf|libstdc\+\+' >&2; then fail "the installed addon needs libbpf or libstdc++"; fi
say "addon needs: $(ldd "$root/build/native/lsmwatch.node" | awk '/=>/ { print $1 }' | tr '\n' ' ')"

# a working directory that would win if anything were looked up relative to it
cwd="$prefix/cwd"
rm -rf "$cwd" && mkdir -p "$cwd/build/native" "$cwd/node_modules/chalk" "$cwd/bin"
echo 'not an addon' >"$cwd/build/native/lsmwatch.node"
echo '{"watch": "hijacked"}' >"$cwd/policy.json"
echo '{"name":"chalk","type":"module","exports":"./index.js"}' >"$cwd/node_modules/chalk/package.json"
echo 'throw new Error("hijacked chalk")' >"$cwd/node_modules/chalk/index.js"
out="$prefix/run.ndjson" err="$prefix/run.stderr"
(cd "$cwd" && NODE_PATH="$cwd/node_modules" exec "$bin" --no-state --control "$prefix/control.sock") >"$out" 2>"$err" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 150); do
  grep -q '"type":"ready"' "$out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; fail "the agent exited before its ready line"; }
  sleep 0.2
done
ready=$(grep -m1 '"type":"ready"' "$out") || { cat "$err" >&2; fail "no ready line"; }
policy=$(jq -r .policy <<<"$ready")
[[ "$policy" == "$root/policy.json" ]] || fail "policy in use is $policy, not the packaged $root/policy.json"
say "ready: sensor $(jq -r .sensor <<<"$ready"), variant $(jq -r .variant <<<"$ready"), policy $policy"
cat /etc/shadow >/dev/null # a watched read in the default policy
for _ in $(seq 1 100); do
  grep -q '"path":"/etc/shadow"' "$out" && break
  sleep 0.1
done
grep -q '"path":"/etc/shadow"' "$out" || { cat "$err" >&2; fail "no event for the read of /etc/shadow"; }
say "event: $(grep -m1 '"path":"/etc/shadow"' "$out" | jq -c '{type, path, comm, access}')"
for _ in $(seq 1 100); do
  grep -q '"type":"integrity"' "$out" && break
  sleep 0.1
done
integrity=$(grep -m1 '"type":"integrity"' "$out") || fail "no integrity line"
[[ "$(jq -r '.status + " " + (.problems | tostring)' <<<"$integrity")" == "baseline 0" ]] ||
  fail "the installed files do not match the packaged manifest: $integrity"
say "integrity: $(jq -c '{status, files_checked, problems}' <<<"$integrity")"
kill -TERM "$pid"
trap - EXIT
rc=0
wait "$pid" || rc=$?
((rc == 0)) || { cat "$err" >&2; fail "exit $rc after SIGTERM"; }
grep -q '"final":true' "$out" || fail "no final stats line"
if grep -q hijacked "$err"; then cat "$err" >&2; fail "something from the current directory was loaded"; fi
say "stopped cleanly on SIGTERM (exit 0, final stats); nothing loaded from the current directory"
say "PASS ($prefix)"
