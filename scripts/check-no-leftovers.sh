#!/usr/bin/env bash
# Fails if the tests left an agent of this checkout running or an lsmwatch BPF program loaded.
# Agents of other checkouts (a benchmark in another tree) are not ours: while one runs, loaded
# programs cannot be told apart by owner, so the program check is skipped with a note.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
ours=$(pgrep -f "$here/bin/lsmwatch.js" || true)
if [ -n "$ours" ]; then
  echo "lsmwatch: agent processes of this checkout still running after the tests: $ours" >&2
  status=1
fi
others=$(pgrep -f 'bin/lsmwatch.js' | grep -vxF -f <(printf '%s\n' $ours) || true)
if command -v bpftool >/dev/null; then
  # the kernel frees a program after its last reference goes, asynchronously (a tail-call target
  # leaves with the program array of an agent that has just exited): up to 10 s of grace
  for _ in $(seq 1 20); do
    left=$(bpftool prog list 2>/dev/null | grep -E 'name lw_' || true)
    [ -z "$left" ] && break
    sleep 0.5
  done
  if [ -n "$left" ] && [ -n "$others" ]; then
    echo "lsmwatch: note: other lsmwatch agents are running ($(echo $others)); not checking loaded programs" >&2
  elif [ -n "$left" ]; then
    echo "lsmwatch: BPF programs still loaded after the tests:" >&2
    echo "$left" >&2
    status=1
  fi
fi
exit $status
