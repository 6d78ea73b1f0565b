#!/usr/bin/env bash
# check-addon.sh ADDON: the addon must load wherever the official Node binaries run (x86-64 glibc
# 2.28+) with nothing but the C library, libelf and zlib: no libbpf, no libstdc++ of the build
# machine, no glibc symbol newer than 2.28, and only the Node-API entry points exported.
set -euo pipefail
addon=$1
fail() { echo "lsmwatch: $addon: $*" >&2; exit 1; }
command -v objdump >/dev/null || fail "objdump is missing (apt-get install binutils)"
allowed='^(libelf\.so\.1|libz\.so\.1|libpthread\.so\.0|libm\.so\.6|libdl\.so\.2|libgcc_s\.so\.1|libc\.so\.6|ld-linux-x86-64\.so\.2)$'
needed=$(objdump -p "$addon" | awk '$1 == "NEEDED" { print $2 }')
extra=$(grep -Ev "$allowed" <<<"$needed" || true)
[[ -z "$extra" ]] || fail "needs shared libraries beyond libc, libelf and zlib: $(echo $extra)"
newest=$(objdump -T "$addon" | grep -oE '\(GLIBC_[0-9.]+\)' | tr -d '()' | sort -uV | tail -n 1)
if [[ -n "$newest" && "$(printf '%s\n' "$newest" GLIBC_2.28 | sort -V | tail -n 1)" != GLIBC_2.28 ]]; then
  fail "uses glibc symbols newer than 2.28: $(objdump -T "$addon" | grep -E "\\(GLIBC_(2\\.(29|[3-9][0-9])|[3-9])" | awk '{ print $NF }' | sort -u | tr '\n' ' ')(see native/src/glibc_compat.cc)"
fi
if objdump -T "$addon" | grep -qE '\((GLIBCXX|CXXABI)_'; then fail "needs the build machine's libstdc++ (link it with -static-libstdc++)"; fi
exported=$(objdump -T "$addon" | awk '($2 == "g" || $2 == "w") && $4 != "*UND*" { print $NF }' | grep -v -E '^(napi_register_module_v1|node_api_module_get_api_version_v1)$' || true)
[[ -z "$exported" ]] || fail "exports more than the Node-API entry points: $(echo $exported | cut -c1-300)"
