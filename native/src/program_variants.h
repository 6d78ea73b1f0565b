// Program variants picked at load time. A program named <base>__<suffix> is a variant of the
// program <base> (same hook, same job, built for kernels that lack something <base> uses). Before
// the object loads, each program's instructions are scanned for what the kernel must support
// (BPF atomic fetch/xchg, each helper it calls), the kernel is probed for exactly that, and per
// group the first program it supports is kept (<base> first, then the variants in object order);
// every other program of the group gets autoload off. What no probe predicts (a hook with other
// arguments, a verifier limit) shows when the load fails: the program the verifier refused is ruled
// out and the object is loaded again with the next member of its group. A group with no loadable
// member fails the load (SensorFailure ENOTSUP), unless the object marks <base> optional with
// LW_OPTIONAL_PROGRAM(<base>) (a never-loaded <base>__optional program, bpf/include/variants.bpf.h):
// then it is left out and listed with the reason. Nothing else needs declaring: a variant only has
// to be named <base>__<suffix>; base names have no "__".
#pragma once
#include <bpf/libbpf.h>

#include <map>
#include <string>
#include <vector>

#include "sensor_object.h"

namespace lsmwatch {

// Programs that a failed load showed this kernel's verifier refuses, with its verdict.
using RuledOut = std::map<std::string, std::string>;

// Decides autoload for every program of obj that still has autoload on (call after the hook
// checks, before bpf_object__load). Appends to skipped and variants; throws SensorFailure when a
// program that is not optional cannot load and has no variant that fits.
void SelectProgramVariants(struct bpf_object* obj, const RuledOut& ruled_out, std::vector<SkippedProgram>* skipped,
                           std::vector<ChosenVariant>* variants);

// After a failed bpf_object__load: the program the libbpf log names as the one refused, if its group
// has another member to try (the object is then reopened without it); "" otherwise. *verdict gets
// the verifier's last lines about it.
std::string ReplaceableFailure(struct bpf_object* obj, const std::string& log, const RuledOut& ruled_out,
                               std::string* verdict);

}  // namespace lsmwatch
