#!/bin/sh
# Runs inside the VM test bed (test/vm/run-all.sh): the same integration tests as on the host,
# compiled to JavaScript, against the LSM sensor on a kernel with BPF LSM.
set -e
export LSMWATCH_TEST_SENSOR=lsm NO_COLOR=1
grep -qw bpf /sys/kernel/security/lsm || { echo "bpf is not an active LSM in this VM"; exit 1; }
node node_modules/uvu/bin.js build/test/integration '\.test\.js$'
