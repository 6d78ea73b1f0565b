/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Program variants, picked by the agent at load time (native/src/program_variants.h):
 *  - a program named <base>__<suffix> is a variant of <base>: same hook, same job, for kernels that
 *    lack something <base> uses. The agent loads the first of the group the kernel can take (<base>
 *    first); what it checks by itself: BPF atomic fetch/xchg/cmpxchg/and/or/xor (Linux 5.12) and
 *    every helper called (probed for the program's type and hook); anything else shows as a
 *    verifier refusal, after which the next member is tried. Base names contain no "__".
 *  - a program that cannot load and has no variant that fits fails the load, unless it is marked
 *    optional here: then it is left out and the ready line's skipped_hooks says why.
 * Code in non-inlined functions (callbacks) is not scanned; the helper that takes the callback is. */
#ifndef LSMWATCH_VARIANTS_BPF_H
#define LSMWATCH_VARIANTS_BPF_H

/* Marks program NAME as one the agent may leave out where the kernel cannot load it: a two-
 * instruction program named NAME__optional that is never loaded. */
#define LW_OPTIONAL_PROGRAM(name)                       \
	SEC("raw_tp")                                   \
	int name##__optional(void *ctx)                 \
	{                                               \
		return 0;                               \
	}

#endif
