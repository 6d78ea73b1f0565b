#!/usr/bin/env bash
# Boot a BPF-LSM kernel under QEMU (TCG) with the built project inside and run one command there.
#
# Usage: test/vm/run-in-vm.sh --kernel 6.1|6.12|5.10 [options] -- <command...>
#        test/vm/run-in-vm.sh --kernel 6.1 --shell          (interactive shell; Ctrl-A X quits)
# Options:
#   --timeout SECONDS  whole boot + command (default 300, env LSMWATCH_VM_TIMEOUT)
#   --env K=V          set K in the guest command's environment (repeatable)
#   --log FILE         console log (default build/vm/console-<kernel>.log)
#   --append ARGS      extra kernel command line
#   --project DIR      project dir (default: this repository)
#   --memory SIZE      guest RAM (default 2G, env LSMWATCH_VM_MEMORY)
#   --smp N            guest CPUs (default 2, env LSMWATCH_VM_SMP)
#   --kernel-output    also print kernel console lines (oops, warnings) with the command output
#   --image FILE       boot this prebuilt base initramfs as is (default: build/vm/initramfs.cpio.gz,
#                      rebuilt by build-initramfs.sh when its inputs changed)
# The command runs as root in /lsmwatch via `sh`, with LSMWATCH_IN_VM=1 and stdin /dev/null.
# Its stdout+stderr (both on the serial console) go to stdout here; progress goes to stderr.
# Exit status: the guest command's, or 124 on timeout, 125 when the VM failed (no exit marker),
# 2 on usage errors.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VM_DIE_CODE=125

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

kernel="" timeout_s="${LSMWATCH_VM_TIMEOUT:-300}" log="" append="" project="$VM_PROJECT_DIR"
memory="${LSMWATCH_VM_MEMORY:-2G}" smp="${LSMWATCH_VM_SMP:-2}" shell=0 kernel_output=0 image=""
envs=()
while (($#)); do
  case "$1" in
    --kernel) kernel="${2:?}"; shift ;;
    --kernel=*) kernel="${1#*=}" ;;
    --timeout) timeout_s="${2:?}"; shift ;;
    --timeout=*) timeout_s="${1#*=}" ;;
    --env) envs+=("${2:?}"); shift ;;
    --env=*) envs+=("${1#*=}") ;;
    --log) log="${2:?}"; shift ;;
    --append) append="${2:?}"; shift ;;
    --project) project="${2:?}"; shift ;;
    --image) image="${2:?}"; shift ;;
    --memory) memory="${2:?}"; shift ;;
    --smp) smp="${2:?}"; shift ;;
    --shell) shell=1 ;;
    --kernel-output) kernel_output=1 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) echo "run-in-vm.sh: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
[[ -n "$kernel" ]] || { echo "run-in-vm.sh: --kernel is required" >&2; usage 2; }
vm_known_kernel "$kernel" || { echo "run-in-vm.sh: unknown kernel '$kernel' (known: $VM_KNOWN_KERNELS)" >&2; exit 2; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "run-in-vm.sh: bad --timeout '$timeout_s'" >&2; exit 2; }
((shell || $# > 0)) || { echo "run-in-vm.sh: no command given (use -- <command...>)" >&2; usage 2; }
for e in "${envs[@]}"; do
  [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run-in-vm.sh: bad --env '$e' (want K=V)" >&2; exit 2; }
done

vm_need qemu-system-x86_64 qemu-system-x86
vm_need timeout coreutils
vm_need cpio cpio
project="$(cd "$project" && pwd)"
out_dir="$project/build/vm"
mkdir -p "$out_dir"
if [[ -z "$log" ]]; then
  log="$out_dir/console-$kernel.log"
  # another run on the same kernel (another engineer, a parallel job) keeps its log: use our own
  if command -v flock >/dev/null 2>&1; then
    exec 8>>"$log.lock"
    flock -n 8 || log="$out_dir/console-$kernel-$$.log"
  fi
fi
t_start=$SECONDS

# ---- kernel and base image ----------------------------------------------------------------------
if [[ ! -s "$VM_CACHE/$kernel/vmlinuz" ]]; then
  "$VM_DIR/fetch-kernels.sh" "$kernel" || vm_die "kernel $kernel is not available"
fi
vmlinuz="$VM_CACHE/$kernel/vmlinuz"
release="$(cat "$VM_CACHE/$kernel/release" 2>/dev/null || echo unknown)"
if [[ -n "$image" ]]; then
  [[ -s "$image" ]] || vm_die "no initramfs image $image"
  base="$image"
else
  base="$out_dir/initramfs.cpio.gz"
  (
    if command -v flock >/dev/null 2>&1; then exec 9>"$out_dir/.initramfs.lock"; flock 9; fi
    "$VM_DIR/build-initramfs.sh" --if-changed "$project" "$base"
  ) || vm_die "building the initramfs failed"
fi

# ---- per-run archive: the command, its environment, the kernel config ---------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/lsmwatch-vm-run.XXXXXX")"
run_img="$out_dir/.run-$kernel-$$.cpio.gz"
trap 'rm -rf "$tmp" "$run_img"' EXIT
mkdir -p "$tmp/lsmwatch-vm" "$tmp/boot"
sq() { local s="${1//\'/\'\\\'\'}"; printf "'%s'" "$s"; }
if ((!shell)); then
  { printf 'exec'; for a in "$@"; do printf ' %s' "$(sq "$a")"; done; printf '\n'; } >"$tmp/lsmwatch-vm/cmd"
fi
for e in "${envs[@]}"; do printf 'export %s\n' "$(sq "$e")"; done >"$tmp/lsmwatch-vm/env"
# bpftool feature probe and friends read /boot/config-$(uname -r)
[[ -f "$VM_CACHE/$kernel/config" ]] && cp "$VM_CACHE/$kernel/config" "$tmp/boot/config-$release"
cp "$base" "$run_img"
(cd "$tmp" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet | gzip -n) >>"$run_img"

cmdline="console=ttyS0 lsm=lockdown,capability,bpf panic=-1 quiet${append:+ $append}"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "$memory" -smp "$smp" -nographic -no-reboot
      -nic none -kernel "$vmlinuz" -initrd "$run_img" -append "$cmdline")

if ((shell)); then
  vm_log "$kernel ($release): interactive shell; Ctrl-A X quits QEMU"
  "${qemu[@]}"
  exit $?
fi

vm_log "$kernel ($release): booting, timeout ${timeout_s}s, console log $log"
qemu_err="$tmp/qemu.stderr"
: >"$log"
# qemu runs in the background (timeout puts it in its own process group, out of reach of a
# Ctrl-C on this terminal): the INT/TERM traps stop it; tail follows the console log until it ends.
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>"$qemu_err" &
qpid=$!
stop_vm() {
  kill -TERM "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; wait "${fpid:-}" 2>/dev/null
  vm_log "interrupted: VM stopped"; exit "$1"
}
trap 'stop_vm 130' INT
trap 'stop_vm 143' TERM
# The filter runs in the background so that `wait` (unlike a foreground pipeline) lets the traps in.
tail -s 0.2 --pid="$qpid" -n +1 -f "$log" |
  awk -v kout="$kernel_output" '
    { sub(/\r+$/, "") }
    state == 0 {
      gsub(/\033(\[[0-9;?]*[A-Za-z]|[A-Za-z])/, "")
      if (index($0, "@@LSMWATCH-VM-BEGIN@@")) { state = 1; next }
      if ((i = index($0, "init: ")) > 0) { print substr($0, i) > "/dev/stderr"; fflush("/dev/stderr") }
      next
    }
    state == 1 {
      if (match($0, /@@LSMWATCH-VM-EXIT -?[0-9]+@@/)) {
        if (RSTART > 1) print substr($0, 1, RSTART - 1)
        state = 2; fflush(); next
      }
      if ($0 ~ /^\[ *[0-9]+\.[0-9]+\] / && !kout) { kernel_lines++; next }
      print; fflush()
    }
    END {
      if (kernel_lines) printf "run-in-vm.sh: %d kernel console line(s) during the command (see the console log)\n", kernel_lines > "/dev/stderr"
    }' &
fpid=$!
wait "$fpid" || true
qemu_rc=0
wait "$qpid" || qemu_rc=$?
trap - INT TERM
if [[ -s "$qemu_err" ]]; then
  { echo "----- qemu stderr -----"; cat "$qemu_err"; } >>"$log"
  # anything but our own timeout's notice is worth showing
  grep -v 'terminating on signal 15 from pid' "$qemu_err" >&2 || true
fi
elapsed=$((SECONDS - t_start))

marker="$(tr -d '\r' <"$log" | grep -ao '@@LSMWATCH-VM-EXIT -\{0,1\}[0-9]*@@' | tail -n 1 || true)"
if [[ -n "$marker" ]]; then
  rc="${marker#@@LSMWATCH-VM-EXIT }"; rc="${rc%@@}"
  ((qemu_rc == 124 || qemu_rc == 137)) && vm_log "warning: the guest did not power off by itself (killed after ${timeout_s}s)"
  vm_log "$kernel: command exited $rc; ${elapsed}s wall (boot + command)"
  exit $((rc & 255))
fi

if ((qemu_rc == 124 || qemu_rc == 137)); then
  reason="timeout: no exit marker after ${timeout_s}s"; code=124
elif ! grep -aq '@@LSMWATCH-VM-BEGIN@@' "$log"; then
  reason="the VM stopped before the command started (qemu exit $qemu_rc)"; code=125
else
  reason="the VM stopped while the command ran, without an exit marker (qemu exit $qemu_rc)"; code=125
fi
{
  echo "----- last console lines ($log) -----"
  tr -d '\r' <"$log" | sed 's/\x1b\(\[[0-9;?]*[A-Za-z]\|[A-Za-z]\)//g' | tail -n 40
  echo "-----"
} >&2
vm_log "$kernel: FAILED: $reason (${elapsed}s)"
exit "$code"
