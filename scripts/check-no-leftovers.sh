#!/usr/bin/env bash
# Fails if a test left an lsmwatch BPF program loaded or an agent running.
set -uo pipefail
status=0
if command -v bpftool >/dev/null; then
  left=$(bpftool prog list 2>/dev/null | grep -E 'name lw_' || true)
  if [ -n "$left" ]; then
    echo "lsmwatch: BPF programs still loaded after the tests:" >&2
    echo "$left" >&2
    status=1
  fi
fi
agents=$(pgrep -f 'bin/lsmwatch.js' || true)
if [ -n "$agents" ]; then
  echo "lsmwatch: agent processes still running after the tests: $agents" >&2
  status=1
fi
exit $status
