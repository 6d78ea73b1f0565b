#!/bin/sh
# Runs inside the VM test bed (test/vm/run-all.sh): the integration tests, compiled to JavaScript,
# against the LSM sensor on a kernel with BPF LSM. Which files run depends on the kernel, to keep
# `make test` within its time (TCG is slow):
#  - every kernel: what the kernel's verifier, hook signatures and program variants decide (the
#    conformance suite, events, lifecycle with the variants in use, loss accounting, both sensors);
#  - 6.1 and 6.12 (the kernels the guard is promised on): the guard's tests;
#  - 6.12 (the newest): what the agent does with LSM events (state, reload, process context,
#    ptrace alerts). The host runs every file with the tracepoint sensor.
# LSMWATCH_VM_TESTS (a regular expression over file names) overrides the choice.
set -e
export LSMWATCH_TEST_SENSOR=lsm NO_COLOR=1
grep -qw bpf /sys/kernel/security/lsm || { echo "bpf is not an active LSM in this VM"; exit 1; }

core='conformance|events|lifecycle|lossAccounting|sensorParity'
guard='guard|processGuard|cgroupGuard|selfProtection|signals|nodeHardening|runtimeIntegrity'
agent='state|reload|processContext|ptraceAgent'
case "$(uname -r)" in
  6.12.*) files="$core|$guard|$agent" ;;
  6.1.*) files="$core|$guard" ;;
  *) files="$core" ;;
esac
pattern=${LSMWATCH_VM_TESTS:-"^($files)\\.test\\.js\$"}
echo "guest-tests: kernel $(uname -r): $pattern"
sh test/vm/run-uvu.sh node node_modules/uvu/bin.js build/test/integration "$pattern"
