#!/bin/sh
# Runs inside a VM image built with build-initramfs.sh --package: busybox, node, and the npm package
# as `npm install -g` put it (/usr/local), nothing else. The installed lsmwatch must start the LSM
# sensor with the policy it ships, report a write to a watched file, and stop cleanly.
set -u
fail() { echo "guest-package: FAIL: $*"; [ -f /tmp/pk/err ] && cat /tmp/pk/err; exit 1; }
say() { echo "guest-package: $*"; }
field() { node -e 'const o = JSON.parse(process.argv[1]); const v = o[process.argv[2]]; console.log(typeof v === "string" ? v : JSON.stringify(v))' "$1" "$2"; }

for tool in clang clang-16 llc bpftool gcc cc g++ make python3 npm pkg-config; do
  command -v "$tool" >/dev/null 2>&1 && fail "$tool is in the guest: this test needs a guest without build tools"
done
for lib in libbpf.so.1 libbpf.so libbpf.a; do
  [ -n "$(find / -xdev -name "$lib" 2>/dev/null | head -n 1)" ] && fail "$lib is in the guest"
done
[ -d /usr/include ] && fail "/usr/include is in the guest"
say "no compiler, bpftool, libbpf or headers in the guest"
say "node $(node --version); $(lsmwatch --version)"

mkdir -p /tmp/pk
cd /tmp/pk
lsmwatch --no-state --control /tmp/pk/control.sock >/tmp/pk/out 2>/tmp/pk/err &
pid=$!
i=0
until grep -q '"type":"ready"' /tmp/pk/out 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || fail "the agent exited before its ready line"
  i=$((i + 1)); [ "$i" -gt 600 ] && fail "no ready line after 60 s"
  sleep 0.1
done
ready=$(grep -m1 '"type":"ready"' /tmp/pk/out)
sensor=$(field "$ready" sensor)
policy=$(field "$ready" policy)
say "ready: sensor $sensor, enforcement $(field "$ready" enforcement), variant $(field "$ready" variant), policy $policy"
[ "$sensor" = lsm ] || fail "sensor is $sensor, not lsm"
[ "$policy" = /usr/local/lib/node_modules/lsmwatch/policy.json ] || fail "policy is $policy, not the packaged one"

echo "# written by the lsmwatch package test" >>/etc/hosts # /etc is watched by the default policy
i=0
until grep '"path":"/etc/hosts"' /tmp/pk/out | grep -q '"type":"write"'; do
  i=$((i + 1)); [ "$i" -gt 300 ] && fail "no write event for /etc/hosts"
  sleep 0.1
done
event=$(grep '"path":"/etc/hosts"' /tmp/pk/out | grep -m1 '"type":"write"')
say "event: type $(field "$event" type), path $(field "$event" path), comm $(field "$event" comm)"
i=0
until grep -q '"type":"integrity"' /tmp/pk/out; do
  i=$((i + 1)); [ "$i" -gt 300 ] && fail "no integrity line"
  sleep 0.1
done
integrity=$(grep -m1 '"type":"integrity"' /tmp/pk/out)
[ "$(field "$integrity" status) $(field "$integrity" problems)" = "baseline 0" ] || fail "integrity: $integrity"
say "integrity: $(field "$integrity" files_checked) files checked, 0 problems"

kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
grep -q '"final":true' /tmp/pk/out || fail "no final stats line"
say "stopped cleanly on SIGTERM"
say "PASS"
