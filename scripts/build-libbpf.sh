#!/usr/bin/env bash
# build-libbpf.sh OUT: a position-independent static libbpf in OUT (OUT/libbpf.a, OUT/include/bpf/),
# built from Debian's source of the installed libbpf-dev, so the addon can link it in and the
# installed package needs no libbpf. Debian's own libbpf.a cannot be used: it is not compiled with
# -fPIC, and a shared object (the addon) cannot contain it. Idempotent: done when OUT/.version
# matches the installed libbpf-dev.
#   LSMWATCH_LIBBPF_SRC=DIR  build from an unpacked libbpf source tree instead of fetching it
set -euo pipefail
out=$(realpath -m "$1")
die() { echo "lsmwatch: building libbpf: $*" >&2; exit 1; }

version=$(dpkg-query -W -f='${source:Version}' libbpf-dev 2>/dev/null) ||
  die "libbpf-dev is not installed (apt-get install libbpf-dev)"
want="$version ${LSMWATCH_LIBBPF_SRC:-debian}"
if [[ -f "$out/libbpf.a" && "$(cat "$out/.version" 2>/dev/null)" == "$want" ]]; then exit 0; fi
rm -rf "$out"
mkdir -p "$out"

src="${LSMWATCH_LIBBPF_SRC:-}"
if [[ -z "$src" ]]; then
  command -v dpkg-source >/dev/null || die "dpkg-source is missing (apt-get install dpkg-dev)"
  # A private apt state with deb-src entries for the host's own Debian sources; the host's apt
  # configuration and state are not touched.
  apt_dir="$out/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" "$apt_dir/src"
  : >"$apt_dir/status"
  : >"$apt_dir/sources.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] && sed -nE 's/^deb[[:space:]]+/deb-src /p' "$f" >>"$apt_dir/sources.list"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] && sed -E 's/^Types:.*/Types: deb-src/I' "$f" >"$apt_dir/sources.list.d/${f##*/}"
  done
  opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
        -o "Dir::Cache=$apt_dir/cache" -o "Acquire::Languages=none" -o "APT::Sandbox::User=root"
        -o "Acquire::IndexTargets::deb-src::Sources::DefaultEnabled=true")
  echo "lsmwatch: fetching Debian's source of libbpf $version (to build a position-independent libbpf.a)" >&2
  apt-get "${opts[@]}" -qq update >"$apt_dir/update.log" 2>&1 || true
  if ! (cd "$apt_dir/src" && apt-get "${opts[@]}" -qq source "libbpf=$version") >"$apt_dir/source.log" 2>&1; then
    tail -n 5 "$apt_dir/source.log" >&2
    die "could not fetch the source package libbpf=$version with apt-get source (log: $apt_dir/source.log); set LSMWATCH_LIBBPF_SRC to an unpacked libbpf $version source tree"
  fi
  src=$(find "$apt_dir/src" -mindepth 1 -maxdepth 1 -type d -name 'libbpf-*' | head -n 1)
  [[ -n "$src" && -f "$src/src/Makefile" ]] || die "apt-get source gave no libbpf source tree in $apt_dir/src"
fi
[[ -f "$src/src/Makefile" ]] || die "$src is not a libbpf source tree (no src/Makefile)"

make -s -C "$src/src" -j"$(nproc)" BUILD_STATIC_ONLY=1 OBJDIR="$out/obj" \
  CFLAGS="-g -O2 -fPIC -fvisibility=hidden -fstack-protector-strong -D_FORTIFY_SOURCE=2" "$out/obj/libbpf.a" >&2 ||
  die "compiling libbpf failed (see above)"
make -s -C "$src/src" install_headers DESTDIR="$out" INCLUDEDIR=/include >/dev/null || die "installing libbpf's headers failed"
mv "$out/obj/libbpf.a" "$out/libbpf.a"
rm -rf "$out/obj"
echo "$want" >"$out/.version"
