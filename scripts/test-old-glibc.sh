#!/usr/bin/env bash
# test-old-glibc.sh ADDON: the addon loads, with every symbol bound (LD_BIND_NOW), in Debian 11's
# userland (glibc 2.31, its libstdc++, libelf, zlib) under the official Node 20 binary: a chroot
# holding only those, fetched from Debian's registry with a private apt state and cached in
# ${LSMWATCH_VM_CACHE:-/var/cache/lsmwatch-vm}/userland-bullseye. Run as root.
set -euo pipefail
addon=$(realpath "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
cache="${LSMWATCH_VM_CACHE:-/var/cache/lsmwatch-vm}/userland-bullseye"
say() { echo "old-glibc: $*"; }
fail() { echo "old-glibc: FAIL: $*" >&2; exit 1; }
packages=(libc6 libstdc++6 libgcc-s1 libelf1 zlib1g)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ ! -f "$cache/root/.complete" ]]; then
  say "fetching Debian 11 (bullseye) ${packages[*]} into $cache"
  apt_dir="$cache/apt"
  rm -rf "$apt_dir" "$cache/root"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$cache/root"
  : >"$apt_dir/status"
  # the host's Debian mirror (its deb lines / URIs fields, not comments)
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
           grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+' | grep -v security | head -n 1 || true)
  mirror=${LSMWATCH_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} bullseye main" >"$apt_dir/sources.list"
  opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir/cache"
        -o "APT::Architecture=amd64" -o "Acquire::Languages=none" -o "APT::Sandbox::User=root"
        -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false")
  apt-get "${opts[@]}" -qq update >"$apt_dir/update.log" 2>&1 || { tail -n 5 "$apt_dir/update.log" >&2; fail "apt-get update for bullseye"; }
  (cd "$apt_dir/debs" && apt-get "${opts[@]}" -qq download "${packages[@]}") >"$apt_dir/download.log" 2>&1 ||
    { tail -n 5 "$apt_dir/download.log" >&2; fail "apt-get download ${packages[*]} from bullseye"; }
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/root"; done
  touch "$cache/root/.complete"
fi
glibc=$(ls "$cache"/root/lib/x86_64-linux-gnu/libc-*.so 2>/dev/null | sed -E 's/.*libc-([0-9.]+)\.so/\1/')
node=$("$repo/scripts/ensure-node.sh" 20)

run=$(mktemp -d /tmp/lsmwatch-old-glibc.XXXXXX)
trap 'rm -rf "$run"' EXIT
cp -a "$cache/root/." "$run/"
mkdir -p "$run/usr/bin" "$run/addon" "$run/tmp"
[[ -e "$run/lib64" ]] || ln -s usr/lib64 "$run/lib64" 2>/dev/null || true
mkdir -p "$run/lib64" && cp -L "$cache/root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$run/lib64/" 2>/dev/null || true
cp "$node" "$run/usr/bin/node"
cp "$addon" "$run/addon/lsmwatch.node"
out=$(env -i PATH=/usr/bin /usr/sbin/chroot "$run" /usr/bin/node -e '
  const m = { exports: {} };
  process.dlopen(m, "/addon/lsmwatch.node");
  console.log(`node ${process.version}, addon ABI ${m.exports.abiVersion}, exports ${Object.keys(m.exports).sort().join(",")}`);
' 2>&1) || fail "the addon does not load on glibc $glibc: $out"
# The exports seen on this machine's glibc are the reference, so a new export does not need an edit here.
expected=$("$node" -e '
  const m = { exports: {} };
  process.dlopen(m, process.argv[1]);
  console.log(`exports ${Object.keys(m.exports).sort().join(",")}`);
' "$addon" 2>&1) || fail "the addon does not load on this machine: $expected"
[[ "$expected" == *"Sensor"*"abiVersion"* && "$out" == *"$expected" ]] || fail "unexpected: $out (on this machine: $expected)"
env -i PATH=/usr/bin LD_BIND_NOW=1 /usr/sbin/chroot "$run" /usr/bin/node -e 'process.dlopen({ exports: {} }, "/addon/lsmwatch.node")' 2>&1 ||
  fail "the addon has symbols that glibc $glibc lacks (LD_BIND_NOW)"
say "loads on Debian 11's glibc $glibc with every symbol bound: $out"
say "PASS"
