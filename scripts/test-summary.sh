#!/usr/bin/env bash
# test-summary.sh LOG: adds up uvu's "Total:"/"Passed:" lines (host and VM runs) into one closing
# line, "tests: N passed, N failed".
set -euo pipefail
log=$1
clean=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")
total=$(printf '%s\n' "$clean" | awk '/^ *Total: *[0-9]+/ { n += $2 } END { print n + 0 }')
passed=$(printf '%s\n' "$clean" | awk '/^ *Passed: *[0-9]+/ { n += $2 } END { print n + 0 }')
echo "tests: ${passed} passed, $((total - passed)) failed"
[ "$total" -gt 0 ] && [ "$passed" -eq "$total" ]
