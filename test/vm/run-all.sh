#!/usr/bin/env bash
# Fetch the kernels, then run one command on each of them in a VM and report PASS/FAIL per kernel.
# Exits non-zero if any kernel fails or cannot be fetched.
#
# Usage: test/vm/run-all.sh [--kernels "6.1 6.12"] [--parallel N] [run-in-vm options...] -- <command...>
#   run-in-vm options (--timeout, --env, --append, --memory, --smp, --kernel-output) are passed on.
#   --parallel N: up to N VMs at once (env LSMWATCH_VM_PARALLEL, default 1); each VM's output is
#   printed whole when it ends.
#   env LSMWATCH_VM_KERNELS overrides the default kernel list ("6.1 6.12").
# Console logs: build/vm/console-<kernel>.log
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kernels="${LSMWATCH_VM_KERNELS:-$VM_DEFAULT_KERNELS}"
parallel="${LSMWATCH_VM_PARALLEL:-1}"
project="$VM_PROJECT_DIR"
pass=()
while (($#)); do
  case "$1" in
    --kernels) kernels="${2:?}"; shift ;;
    --kernels=*) kernels="${1#*=}" ;;
    --parallel) parallel="${2:?}"; shift ;;
    --timeout|--env|--append|--memory|--smp) pass+=("$1" "${2:?}"); shift ;;
    --project) project="${2:?}"; pass+=("$1" "$2"); shift ;;
    --kernel-output|--*=*) pass+=("$1") ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) vm_die "unknown argument '$1' (the command goes after --)" ;;
  esac
  shift
done
(($#)) || vm_die "no command given (use -- <command...>)"
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || vm_die "bad --parallel '$parallel'"
read -r -a klist <<<"$kernels"
for k in "${klist[@]}"; do vm_known_kernel "$k" || vm_die "unknown kernel '$k' (known: $VM_KNOWN_KERNELS)"; done

t_all=$SECONDS
t=$SECONDS
"$VM_DIR/fetch-kernels.sh" "${klist[@]}" || vm_die "fetching kernels failed"
fetch_s=$((SECONDS - t))

# One image for all kernels, even if the tree is rebuilt meanwhile: a hard link to the built
# image survives build-initramfs.sh replacing it.
out_dir="$project/build/vm"
mkdir -p "$out_dir"
base="$out_dir/initramfs.cpio.gz"
(
  if command -v flock >/dev/null 2>&1; then exec 9>"$out_dir/.initramfs.lock"; flock 9; fi
  "$VM_DIR/build-initramfs.sh" --if-changed "$project" "$base" &&
    { ln -f "$base" "$out_dir/.run-all-$$.cpio.gz" 2>/dev/null || cp "$base" "$out_dir/.run-all-$$.cpio.gz"; }
) || vm_die "building the initramfs failed"
trap 'rm -f "$out_dir/.run-all-$$.cpio.gz"' EXIT
pass+=(--image "$out_dir/.run-all-$$.cpio.gz")

results=()
failed=0
record() { # record KERNEL RC SECONDS
  if (($2 == 0)); then
    results+=("PASS  $1  (${3}s)")
  else
    failed=$((failed + 1))
    case $2 in
      124) why="timeout" ;;
      125) why="VM failure" ;;
      *) why="exit $2" ;;
    esac
    results+=("FAIL  $1  (${3}s, $why)")
  fi
}
if ((parallel == 1)); then
  for k in "${klist[@]}"; do
    echo "===== kernel $k =====" >&2
    t=$SECONDS
    set +e
    "$VM_DIR/run-in-vm.sh" --kernel "$k" "${pass[@]}" -- "$@"
    rc=$?
    set -e
    record "$k" "$rc" $((SECONDS - t))
  done
else
  # Each VM writes to its own file; a finished one is printed whole, so outputs never interleave.
  declare -A pid_of=() start_of=()
  outs="$(mktemp -d "${TMPDIR:-/tmp}/lsmwatch-run-all.XXXXXX")"
  trap 'rm -f "$out_dir/.run-all-$$.cpio.gz"; for p in "${pid_of[@]}"; do kill -TERM "$p" 2>/dev/null; done; rm -rf "$outs"' EXIT
  finish_one() {
    local k done_pid rc=0
    wait -n -p done_pid "${pid_of[@]}" || rc=$?
    for k in "${!pid_of[@]}"; do
      [[ "${pid_of[$k]}" == "$done_pid" ]] || continue
      echo "===== kernel $k =====" >&2
      cat "$outs/$k.err" >&2
      cat "$outs/$k.out"
      record "$k" "$rc" $((SECONDS - start_of[$k]))
      unset "pid_of[$k]"
    done
  }
  for k in "${klist[@]}"; do
    while ((${#pid_of[@]} >= parallel)); do finish_one; done
    echo "run-all: starting kernel $k (up to $parallel at once)" >&2
    start_of[$k]=$SECONDS
    "$VM_DIR/run-in-vm.sh" --kernel "$k" "${pass[@]}" -- "$@" >"$outs/$k.out" 2>"$outs/$k.err" &
    pid_of[$k]=$!
  done
  while ((${#pid_of[@]})); do finish_one; done
fi

{
  echo "===== VM summary (fetch ${fetch_s}s, total $((SECONDS - t_all))s) ====="
  for r in "${results[@]}"; do echo "run-all: $r"; done
} >&2
if ((failed)); then
  echo "run-all: FAILED on $failed of ${#klist[@]} kernel(s)" >&2
  exit 1
fi
echo "run-all: passed on all ${#klist[@]} kernel(s)" >&2
