#!/usr/bin/env bash
# test-summary.sh LOG: the closing lines of make test: each stage's wall time, the VM and package
# verdicts, and uvu's "Total:"/"Passed:" lines (host, Node 22/24 and VM runs) added up into
# "tests: N passed, N failed".
set -euo pipefail
log=$1
clean=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")
total=$(printf '%s\n' "$clean" | awk '/^ *Total: *[0-9]+/ { n += $2 } END { print n + 0 }')
passed=$(printf '%s\n' "$clean" | awk '/^ *Passed: *[0-9]+/ { n += $2 } END { print n + 0 }')
stages=$(printf '%s\n' "$clean" | awk '/^stage: / { printf "%s%s %s%s", sep, $2, $3, ($4 ? " " $4 : ""); sep = ", "; s += $3 } END { if (sep) printf " (%dm%02ds)", s / 60, s % 60 }')
[ -n "$stages" ] && echo "stages: $stages"
printf '%s\n' "$clean" | grep -E '^(run-all: (PASS|FAIL)|package: (PASS|FAIL)|guest-package: (PASS|FAIL))' || true
echo "tests: ${passed} passed, $((total - passed)) failed"
[ "$total" -gt 0 ] && [ "$passed" -eq "$total" ]
