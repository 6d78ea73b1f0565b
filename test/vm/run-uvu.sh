#!/bin/sh
# run-uvu.sh COMMAND...: runs a uvu command and fails also when uvu would not: a suite whose
# before hook threw is reported with fewer passed than its total while uvu exits 0, and a pattern
# that matches nothing runs no test at all. POSIX sh (the VM guests have busybox).
log=$(mktemp)
rcfile=$(mktemp)
{ "$@"; echo $? >"$rcfile"; } 2>&1 | tee "$log"
rc=$(cat "$rcfile")
esc=$(printf '\033')
plain() { sed "s/${esc}\[[0-9;]*m//g" "$log"; }
total=$(plain | sed -n 's/^ *Total: *\([0-9][0-9]*\).*/\1/p' | tail -n 1)
passed=$(plain | sed -n 's/^ *Passed: *\([0-9][0-9]*\).*/\1/p' | tail -n 1)
# The failures again at the end, a few lines each (file, test, message, the first lines of the
# difference, no stack), so that the last lines of a long run, all a CI summary may keep, say
# which test failed and why.
failures() {
  plain | awk '/\.test\.(ts|js)$/ {file=$1; on=0}
    /^ *Total: / {on=0}
    /^ *FAIL / {sub(/^ *FAIL */, ""); print "run-uvu: FAIL " file ": " $0; on=1; n=0; next}
    on && /^ *at / {on=0}
    on && NF && n++ < 8 {print "run-uvu:   " $0}'
}
[ "$rc" = 0 ] || failures
rm -f "$log" "$rcfile"
[ "$rc" = 0 ] || exit "$rc"
if [ -z "$total" ] || [ "$total" -eq 0 ] || [ "$passed" != "$total" ]; then
  echo "run-uvu: ${passed:-0} of ${total:-0} tests passed (a failed hook or an empty selection)" >&2
  exit 1
fi
