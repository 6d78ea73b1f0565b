# shellcheck shell=bash disable=SC2034
# Shared helpers for the VM test bed scripts in test/vm/. Sourced, not executed.

VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VM_PROJECT_DIR="$(cd "$VM_DIR/../.." && pwd)"
VM_CACHE="${LSMWATCH_VM_CACHE:-/var/cache/lsmwatch-vm}"
# Kernels the test bed knows. "6.1" and "6.12" are the default set; "5.10" can be asked for.
VM_DEFAULT_KERNELS="6.1 6.12"
VM_KNOWN_KERNELS="5.10 6.1 6.12"

vm_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vm_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit "${VM_DIE_CODE:-1}"; }

# vm_need COMMAND PACKAGE: fail with one line naming the Debian package when COMMAND is absent.
vm_need() {
  local cmd="$1" pkg="$2"
  if [[ "$cmd" == /* ]]; then
    [[ -x "$cmd" ]] && return 0
  else
    command -v "$cmd" >/dev/null 2>&1 && return 0
    # Debian keeps some tools in sbin, which is not always on a user's PATH.
    [[ -x "/usr/sbin/$cmd" || -x "/sbin/$cmd" ]] && return 0
  fi
  vm_die "'$cmd' not found: install the Debian package '$pkg' (apt-get install $pkg)"
}

# Resolve a command to a path, also looking in sbin.
vm_which() {
  local p
  p="$(command -v "$1" 2>/dev/null)" && [[ "$p" == /* ]] && { printf '%s\n' "$p"; return 0; }
  for p in "/usr/sbin/$1" "/sbin/$1"; do [[ -x "$p" ]] && { printf '%s\n' "$p"; return 0; }; done
  return 1
}

vm_known_kernel() {
  local k
  for k in $VM_KNOWN_KERNELS; do [[ "$k" == "$1" ]] && return 0; done
  return 1
}
