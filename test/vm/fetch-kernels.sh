#!/usr/bin/env bash
# Fetch Debian's cloud kernels (BPF LSM + BTF) for the VM test bed, without installing them and
# without touching the host's apt sources or state.
#
# Usage: test/vm/fetch-kernels.sh [--refresh] [KERNEL...]     KERNEL: 6.1 | 6.12 | 5.10
#   default KERNELs: 6.1 6.12
#   --refresh   re-resolve the newest package even when a kernel is cached
# Result: ${LSMWATCH_VM_CACHE:-/var/cache/lsmwatch-vm}/<KERNEL>/{vmlinuz,config,release,package}
# A cached kernel is reused as is (idempotent). A kernel that cannot be fetched is an error.
#
# Environment:
#   LSMWATCH_VM_CACHE          cache dir (default /var/cache/lsmwatch-vm)
#   LSMWATCH_DEBIAN_MIRROR     Debian archive URL; default: the one the host's apt sources use
#   LSMWATCH_DEBIAN_SECURITY   Debian security URL; default: the host's, if it has one
#   LSMWATCH_VM_PKG_6_1, LSMWATCH_VM_PKG_6_12, LSMWATCH_VM_PKG_5_10
#                              pin an exact package name instead of taking the newest
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

refresh=0
kernels=()
while (($#)); do
  case "$1" in
    --refresh) refresh=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) vm_die "unknown option $1" ;;
    *) vm_known_kernel "$1" || vm_die "unknown kernel '$1' (known: $VM_KNOWN_KERNELS)"; kernels+=("$1") ;;
  esac
  shift
done
((${#kernels[@]})) || read -r -a kernels <<<"$VM_DEFAULT_KERNELS"

# Suites to search and package name pattern for each kernel series.
suites_for() {
  case "$1" in
    6.1)  echo "bookworm bookworm-security" ;;
    6.12) echo "bookworm-backports trixie trixie-security" ;;
    5.10) echo "bullseye bullseye-security" ;;
  esac
}
pattern_for() {
  case "$1" in
    6.1)  echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
    6.12) echo '^linux-image-6\.12\.[0-9][^ ]*-cloud-amd64-unsigned$' ;;
    5.10) echo '^linux-image-5\.10\.0-[0-9]+-cloud-amd64-unsigned$' ;;
  esac
}

have_cached() { [[ -s "$VM_CACHE/$1/vmlinuz" && -s "$VM_CACHE/$1/release" ]]; }

todo=()
for k in "${kernels[@]}"; do
  if ((refresh == 0)) && have_cached "$k"; then
    vm_log "$k: cached $(cat "$VM_CACHE/$k/package" 2>/dev/null) -> $VM_CACHE/$k/vmlinuz"
  else
    todo+=("$k")
  fi
done
((${#todo[@]})) || exit 0

vm_need apt-get apt
vm_need dpkg-deb dpkg
mkdir -p "$VM_CACHE" 2>/dev/null && [[ -w "$VM_CACHE" ]] ||
  vm_die "cache dir $VM_CACHE is not writable (set LSMWATCH_VM_CACHE to a writable dir)"

# One fetch at a time per cache dir (other engineers/CI jobs may run the test bed concurrently).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VM_CACHE/.fetch.lock"
  flock 9
fi

# ---- the host's mirror ---------------------------------------------------------------------------
# Print "URI SUITE" for every enabled "deb" entry of the host's apt sources (one-line and deb822).
host_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    awk '$1 == "deb" {
           i = 2
           if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
           print $i, $(i + 1)
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    awk 'function flush() {
           if (isdeb && enabled) { n = split(uris, U, " "); m = split(suites, S, " ");
             for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print U[a], S[b] }
           isdeb = 0; enabled = 1; uris = ""; suites = ""; key = ""
         }
         BEGIN { enabled = 1 }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); next }
         /^[A-Za-z-]+:/ { key = tolower($1); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val) }
         /^[ \t]+[^ \t]/ { val = $0 }   # continuation line of the current key
         { if (key == "types") isdeb = (" " val " " ~ / deb /)
           else if (key == "uris") uris = uris " " val
           else if (key == "suites") suites = suites " " val
           else if (key == "enabled") enabled = (val !~ /^no/) }
         END { flush() }' "$f"
  done
}

mirror="${LSMWATCH_DEBIAN_MIRROR:-}"
security="${LSMWATCH_DEBIAN_SECURITY:-}"
if [[ -z "$mirror" || -z "$security" ]]; then
  srcs="$(host_sources | sort -u)"
  codenames='^(buster|bullseye|bookworm|trixie|forky|sid|stable|oldstable|testing|unstable)(-updates|-backports)?$'
  [[ -n "$mirror" ]] ||
    mirror="$(awk -v re="$codenames" '$2 ~ re && $1 !~ /security/ { print $1; exit }' <<<"$srcs")"
  [[ -n "$security" ]] ||
    security="$(awk '$2 ~ /-security$/ || $1 ~ /security/ { print $1; exit }' <<<"$srcs")"
fi
[[ -n "$mirror" ]] || vm_die "no Debian archive found in /etc/apt/sources.list(.d); set LSMWATCH_DEBIAN_MIRROR"
mirror="${mirror%/}"; security="${security%/}"
vm_log "mirror: $mirror${security:+ (security: $security)}"

# ---- private apt state ------------------------------------------------------------------------
apt_dir="$VM_CACHE/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/preferences.d"
: >"$apt_dir/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt=""
[[ -r "$keyring" ]] && opt="[signed-by=$keyring] "
{
  declare -A seen=()
  for k in "${todo[@]}"; do
    for s in $(suites_for "$k"); do
      [[ -n "${seen[$s]:-}" ]] && continue
      seen[$s]=1
      if [[ "$s" == *-security ]]; then
        [[ -n "$security" ]] || { vm_log "note: host has no security source; skipping $s"; continue; }
        echo "deb ${opt}$security $s main"
      else
        echo "deb ${opt}$mirror $s main"
      fi
    done
  done
} >"$apt_dir/sources.list"
# Keep the host's apt.conf.d (proxy settings etc.) but drop its hooks, which act on the host's state.
cat >"$apt_dir/apt.conf" <<'EOF'
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear APT::Update::Pre-Invoke;
#clear DPkg::Post-Invoke;
#clear DPkg::Pre-Invoke;
EOF
if [[ $(id -u) == 0 ]] && id _apt >/dev/null 2>&1; then
  chown -R _apt "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" 2>/dev/null || true
fi
apt_opts=(
  -c "$apt_dir/apt.conf"
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::Etc::preferences=$apt_dir/preferences"
  -o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "APT::Architecture=amd64" -o "APT::Architectures=amd64"
  -o "Acquire::Languages=none"
  -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
)

t0=$SECONDS
vm_log "apt-get update (private state in $apt_dir)"
if ! apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1; then
  tail -n 15 "$apt_dir/update.log" >&2
  vm_die "apt-get update failed for the private kernel sources (log: $apt_dir/update.log)"
fi
# apt-get update exits 0 even when one source fails: check that every suite we need came in.
if grep -E '^(W|E|Err):' "$apt_dir/update.log" >&2; then
  vm_log "warning: apt-get update reported problems (see above)"
fi

work="$(mktemp -d "$VM_CACHE/tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
[[ $(id -u) == 0 ]] && id _apt >/dev/null 2>&1 && chown _apt "$work" 2>/dev/null || true

fail=0
for k in "${todo[@]}"; do
  var="LSMWATCH_VM_PKG_${k//./_}"
  # Candidates "name=version", newest first. A mirror may list a package whose file it does not
  # serve (seen here: bullseye-security's 5.10 kernels): then older ones and the newest of each
  # other suite are tried.
  if [[ -n "${!var:-}" ]]; then
    names="${!var}"
  else
    names="$(apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null | grep -E "$(pattern_for "$k")" || true)"
  fi
  # lines "version name source" for every (name, version, source) apt knows
  avail="$(for name in $names; do
             apt-cache "${apt_opts[@]}" madison "$name" 2>/dev/null |
               awk -F'|' -v n="$name" '{ gsub(/ /, "", $2); split($3, a, " "); print $2, n, a[1] " " a[2] }'
           done | sort -k1,1Vr)"
  mapfile -t cands < <(awk '!seen[$2 "=" $1]++ { n++; first = !src[$3 " " $4]++; if (n <= 3 || first) print $2 "=" $1 }' <<<"$avail" | head -n 6)
  if ((${#cands[@]} == 0)); then
    vm_log "error: $k: no package matching ${!var:-$(pattern_for "$k")} in suites: $(suites_for "$k")"
    fail=1; continue
  fi
  rm -rf "${work:?}/$k"; mkdir -p "$work/$k/x"
  [[ $(id -u) == 0 ]] && id _apt >/dev/null 2>&1 && chown _apt "$work/$k" 2>/dev/null || true
  got=""
  for c in "${cands[@]}"; do
    vm_log "$k: downloading ${c/=/ }"
    if (cd "$work/$k" && apt-get "${apt_opts[@]}" -q download "$c") >"$work/$k/download.log" 2>&1; then
      got="$c"; break
    fi
    grep -E '^(E|Err):' "$work/$k/download.log" | head -n 3 >&2 || true
    vm_log "note: $k: apt-get download $c failed; trying an older one"
  done
  if [[ -z "$got" ]]; then
    vm_log "error: $k: could not download any of: ${cands[*]}"; fail=1; continue
  fi
  pkg="${got%%=*}" ver="${got#*=}"
  deb="$(ls "$work/$k"/*.deb 2>/dev/null | head -n 1)"
  [[ -n "$deb" ]] || { vm_log "error: $k: no .deb after apt-get download"; fail=1; continue; }
  dpkg-deb -x "$deb" "$work/$k/x"
  vmlinuz="$(ls "$work/$k/x/boot"/vmlinuz-* 2>/dev/null | head -n 1)"
  [[ -n "$vmlinuz" ]] || { vm_log "error: $k: $deb has no boot/vmlinuz-*"; fail=1; continue; }
  release="${vmlinuz##*/vmlinuz-}"
  out="$work/$k/out"; mkdir -p "$out"
  mv "$vmlinuz" "$out/vmlinuz"
  cp "$work/$k/x/boot/config-$release" "$out/config" 2>/dev/null || vm_log "note: $k: no config in package"
  echo "$release" >"$out/release"
  echo "$pkg=$ver" >"$out/package"
  if [[ -f "$out/config" ]] && ! grep -q '^CONFIG_BPF_LSM=y' "$out/config"; then
    vm_log "error: $k: $pkg has no CONFIG_BPF_LSM=y"; fail=1; continue
  fi
  chown -R 0:0 "$out" 2>/dev/null || true
  chmod 0644 "$out"/*
  rm -rf "$VM_CACHE/$k.old"
  [[ -e "$VM_CACHE/$k" ]] && mv "$VM_CACHE/$k" "$VM_CACHE/$k.old"
  mv "$out" "$VM_CACHE/$k"
  rm -rf "$VM_CACHE/$k.old"
  vm_log "$k: $pkg=$ver ($release) -> $VM_CACHE/$k/vmlinuz"
done
vm_log "fetch took $((SECONDS - t0)) s"
((fail == 0)) || vm_die "some kernels could not be fetched (see above)"
