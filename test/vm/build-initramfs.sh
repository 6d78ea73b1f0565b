#!/usr/bin/env bash
# Build the VM test bed initramfs: busybox, node, bpftool (with their shared libraries) and the
# built project under /lsmwatch, with test/vm/init.sh as /init.
#
# Usage: test/vm/build-initramfs.sh [--if-changed] [--package PREFIX] <projectDir> <out.cpio.gz>
#   --if-changed  do nothing when <out>.key matches the inputs (paths, sizes, mtimes of every
#                 file that goes in, and these scripts)
#   --package PREFIX  an image for the installed npm package instead: busybox, node and PREFIX (an
#                 `npm install -g --prefix` tree) as /usr/local; nothing of the project, no bpftool
# The command to run is not in this image: run-in-vm.sh appends a small second cpio holding
# /lsmwatch-vm/cmd (the kernel unpacks concatenated archives in order).
#
# Environment:
#   LSMWATCH_VM_FULL_NODE_MODULES=1   keep all of node_modules (default: drop build-only parts)
#   LSMWATCH_VM_NO_STRIP=1            do not strip debug info from the image's copy of node
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- what goes in: edit here -----------------------------------------------------------------
# Project paths copied to /lsmwatch (relative to the project dir). Missing ones are noted.
# test/vm is there so that guest-side scripts (e.g. test/vm/guest-tests.sh) can run in the VM.
PROJECT_PATHS=(bin build policy.json package.json node_modules test/vm)
# Paths (tar --exclude patterns relative to the project dir) never copied: build/vm holds these
# images; the headers in build/bpf (vmlinux.h, skeletons) only matter when compiling; build/libbpf
# (libbpf's source), build/package (tarball, install prefix) and build/node<major> (Node 22/24
# test trees) are other stages' work.
PROJECT_EXCLUDE=(build/vm 'build/bpf/*.h' 'build/.deps-*' build/libbpf build/package 'build/node[0-9]*')
# node_modules parts that only building needs (patterns for tar --exclude, relative to
# node_modules). Dropped unless LSMWATCH_VM_FULL_NODE_MODULES=1.
NODE_MODULES_EXCLUDE=(
  typescript tsx esbuild @esbuild node-gyp @types .bin .cache .package-lock.json
  'better-sqlite3/deps' 'better-sqlite3/src' 'better-sqlite3/build/Release/obj'
  'better-sqlite3/build/Release/obj.target' 'better-sqlite3/build/Release/.deps'
  'better-sqlite3/build/Release/test_extension.node' 'better-sqlite3/build/Release/sqlite3.a'
)
# Host programs copied with their shared libraries: "command package [path in the image]".
# node is the host's own (the one the native addon was built for), always /usr/bin/node inside.
# procps, findutils and lsof under /opt/host/bin (busybox's own stay in PATH): the ptrace_agent
# test walks the agent's /proc entries with the tools an administrator runs.
HOST_PROGRAMS=("node nodejs /usr/bin/node" "bpftool bpftool"
  "ps procps /opt/host/bin/ps" "top procps /opt/host/bin/top" "find findutils /opt/host/bin/find" "lsof lsof /opt/host/bin/lsof")
# ------------------------------------------------------------------------------------------------

if_changed=0 package_prefix=""
while (($#)); do
  case "$1" in
    --if-changed) if_changed=1 ;;
    --package) package_prefix="$(cd "${2:?}" && pwd)" || vm_die "no package prefix $2"; shift ;;
    *) break ;;
  esac
  shift
done
(($# == 2)) || vm_die "usage: $0 [--if-changed] [--package PREFIX] <projectDir> <out.cpio.gz>"
if [[ -n "$package_prefix" ]]; then
  [[ -d "$package_prefix/lib/node_modules" ]] || vm_die "$package_prefix is not an npm prefix (no lib/node_modules)"
  PROJECT_PATHS=()
  HOST_PROGRAMS=("node nodejs /usr/bin/node")
fi
project="$(cd "$1" && pwd)" || vm_die "no project dir $1"
out="$2"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

vm_need cpio cpio
vm_need gzip gzip
vm_need /bin/busybox busybox-static
vm_need ldd libc-bin
# Debian's plain 'busybox' package is dynamically linked; the image needs 'busybox-static'.
ldd /bin/busybox >/dev/null 2>&1 &&
  vm_die "/bin/busybox is dynamically linked: install the Debian package 'busybox-static'"
host_bins=() host_dests=()
for entry in "${HOST_PROGRAMS[@]}"; do
  read -r prog pkg dest <<<"$entry"
  if [[ "$prog" == node ]]; then
    command -v node >/dev/null 2>&1 || vm_die "node not found (/usr/bin/node): install Node.js 20, 22 or 24"
  fi
  vm_need "$prog" "$pkg"
  bin="$(readlink -f "$(vm_which "$prog")")"
  host_bins+=("$bin")
  host_dests+=("${dest:-$(vm_which "$prog")}")
done

# ---- input key (for --if-changed) ------------------------------------------------------------
input_key() {
  {
    cat "$VM_DIR/build-initramfs.sh" "$VM_DIR/init.sh" "$VM_DIR/lib.sh"
    echo "full=${LSMWATCH_VM_FULL_NODE_MODULES:-0} nostrip=${LSMWATCH_VM_NO_STRIP:-0}"
    stat -L -c '%n %s %Y' /bin/busybox "${host_bins[@]}"
    local p
    for p in "${PROJECT_PATHS[@]}"; do
      [[ -e "$project/$p" ]] || { echo "missing $p"; continue; }
      (cd "$project" && find "$p" \( -path build/vm -o -path build/libbpf -o -path build/package -o -path 'build/node[0-9]*' \) -prune \
         -o -printf '%p %s %T@ %l\n' | LC_ALL=C sort)
    done
    [[ -z "$package_prefix" ]] || (cd "$package_prefix" && echo "package $PWD" && find . -printf '%p %s %T@ %l\n' | LC_ALL=C sort)
  } | sha256sum | cut -d' ' -f1
}
key="$(input_key)"
if ((if_changed)) && [[ -s "$out" && "$(cat "$out.key" 2>/dev/null)" == "$key" ]]; then
  vm_log "up to date: $out"
  exit 0
fi

t0=$SECONDS
stage="$(mktemp -d "${TMPDIR:-/tmp}/lsmwatch-initramfs.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev run var/tmp lsmwatch lsmwatch-vm boot

# busybox and its applets
cp /bin/busybox bin/busybox
while read -r applet; do
  [[ -n "$applet" && ! -e "$applet" && ! -L "$applet" ]] || continue
  mkdir -p "$(dirname "$applet")"
  ln -s /bin/busybox "$applet"
done < <(/bin/busybox --list-full)
[[ -e bin/sh ]] || ln -s busybox bin/sh

# copy_libs FILE: copy the shared libraries FILE needs (as ldd resolves them on this host).
declare -A have_lib=()
missing_libs=()
copy_libs() {
  local line lib
  while read -r line; do
    case "$line" in
      *"=> not found"*) missing_libs+=("$1: ${line%% *}"); continue ;;
      *"=> /"*) lib="${line#*=> }"; lib="${lib%% (*}" ;;
      /*) lib="${line%% (*}" ;;
      *) continue ;;
    esac
    [[ -n "${have_lib[$lib]:-}" ]] && continue
    have_lib[$lib]=1
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done < <(ldd "$1" 2>/dev/null || true)
}

# host programs
for i in "${!host_bins[@]}"; do
  bin="${host_bins[$i]}"
  dest="$stage${host_dests[$i]}"
  mkdir -p "$(dirname "$dest")"
  if [[ "${host_dests[$i]}" == /usr/bin/node && "${LSMWATCH_VM_NO_STRIP:-0}" != 1 ]] && command -v strip >/dev/null 2>&1; then
    strip -o "$dest" "$bin" 2>/dev/null || cp -L "$bin" "$dest"
  else
    cp -L "$bin" "$dest"
  fi
  copy_libs "$bin"
done
((${#missing_libs[@]} == 0)) || vm_die "host libraries not found: ${missing_libs[*]}"

# the project
tar_excl=()
for p in "${PROJECT_EXCLUDE[@]}"; do tar_excl+=(--exclude="./$p"); done
if [[ "${LSMWATCH_VM_FULL_NODE_MODULES:-0}" != 1 ]]; then
  for p in "${NODE_MODULES_EXCLUDE[@]}"; do tar_excl+=(--exclude="./node_modules/$p"); done
fi
present=()
for p in "${PROJECT_PATHS[@]}"; do
  if [[ -e "$project/$p" ]]; then present+=("./$p"); else vm_log "note: $project/$p missing, not in the image"; fi
done
if ((${#present[@]})); then
  (cd "$project" && tar -c "${tar_excl[@]}" "${present[@]}") | (cd "$stage/lsmwatch" && tar -x --no-same-owner)
fi

# The agent checks its build manifest at start (and --protect refuses to start on a problem):
# every file it lists is in the image, also those NODE_MODULES_EXCLUDE dropped as build-only but
# npm's production closure still lists, and it records the image's node (a stripped copy of the
# host's) instead of the host's.
if [[ -f "$stage/lsmwatch/build/manifest.json" ]]; then
  node - "$project" "$stage/lsmwatch" "$stage/usr/bin/node" <<'NODE' || vm_die "adapting the build manifest to the image failed"
const [project, image, node] = process.argv.slice(2);
const fs = require('node:fs');
const path = require('node:path');
const file = path.join(image, 'build', 'manifest.json');
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
let copied = 0;
for (const rel of Object.keys(manifest.files)) {
  const to = path.join(image, rel);
  if (fs.existsSync(to)) continue;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(project, rel), to);
  copied++;
}
if (manifest.executable) {
  const bytes = fs.readFileSync(node);
  manifest.executable = { path: '/usr/bin/node', sha256: require('node:crypto').createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
}
console.error(`build-initramfs.sh: manifest: ${copied} listed file(s) added back, executable /usr/bin/node`);
NODE
fi

# the installed package (--package)
if [[ -n "$package_prefix" ]]; then
  mkdir -p "$stage/usr/local"
  (cd "$package_prefix" && tar -c .) | (cd "$stage/usr/local" && tar -x --no-same-owner)
fi

# libraries of the project's native parts (addon, helpers, better-sqlite3's addon ...)
native_roots=()
for d in "$stage/lsmwatch" "$stage/usr/local"; do [[ -d "$d" ]] && native_roots+=("$d"); done
while IFS= read -r -d '' f; do
  [[ "$(head -c 4 "$f" 2>/dev/null | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
  copy_libs "$f"
done < <(find "${native_roots[@]}" -type f \( -name '*.node' -o -name '*.so' -o -name '*.so.*' -o -perm -u+x \) \
           -not -path '*/node_modules/*/test/*' -print0)
if ((${#missing_libs[@]})); then
  vm_log "warning: libraries not found on the host for project files: ${missing_libs[*]#$stage}"
fi

# /etc and device nodes
cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
nobody:x:65534:
EOF
printf '127.0.0.1\tlocalhost lsmwatch-vm\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >etc/hosts
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >etc/nsswitch.conf
echo lsmwatch-vm >etc/hostname
: >etc/fstab
ln -sf /proc/self/mounts etc/mtab
chmod 1777 tmp var/tmp
chmod 0700 root
if [[ $(id -u) == 0 ]]; then
  mknod -m 600 dev/console c 5 1
  mknod -m 666 dev/null c 1 3
fi  # else /init takes the console itself once devtmpfs is mounted
install -m 0755 "$VM_DIR/init.sh" init

# sanity: node must be there and start with the copied libraries
[[ -x usr/bin/node ]] || vm_die "/usr/bin/node did not make it into the image"
if chroot_bin="$(vm_which chroot)" && [[ $(id -u) == 0 ]]; then
  env -i PATH=/usr/bin:/bin "$chroot_bin" "$stage" /usr/bin/node -e 'process.exit(0)' ||
    vm_die "node does not start inside the staged image (missing libraries?)"
fi

size_kb="$(du -sk --apparent-size . | cut -f1)"
tmp_out="$out.tmp.$$"
find . -mindepth 1 -print0 | LC_ALL=C sort -z |
  cpio --null -o -H newc -R 0:0 --quiet | gzip -6 -n >"$tmp_out"
mv -f "$tmp_out" "$out"
echo "$key" >"$out.key"
vm_log "built $out: $((size_kb / 1024)) MiB uncompressed, $(( $(stat -c %s "$out") / 1048576 )) MiB gzip, $((SECONDS - t0)) s"
