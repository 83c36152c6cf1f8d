/* SPDX-License-Identifier: MIT */
/*
 * The one table of the architectural checks (checks.h has the predicates,
 * static inline): which CPUID features the CR4 bits need.
 */
#include <stdint.h>

#include "checks.h"

/* The feature CR4 bit n needs; 0 for a bit no gate names. */
#define GATE_IF(bit, feature, n) \
	| (VSMM_CR4_##bit == 1ull << (n) ? VSMM_FEAT_##feature : 0)
#define GATE(n) (0 VSMM__CR4_GATES(GATE_IF, n))

/* The features five CR4 bits need, 5c..5c+4 set as the bits of i say. */
#define NEEDS(c, i) \
	(((i)&1 ? GATE(5 * (c)) : 0) | ((i)&2 ? GATE(5 * (c) + 1) : 0) | \
	 ((i)&4 ? GATE(5 * (c) + 2) : 0) | ((i)&8 ? GATE(5 * (c) + 3) : 0) | \
	 ((i)&16 ? GATE(5 * (c) + 4) : 0))
#define NEEDS4(c, i) NEEDS(c, i), NEEDS(c, (i) + 1), NEEDS(c, (i) + 2), NEEDS(c, (i) + 3)
#define CHUNK(c) \
	{ \
		NEEDS4(c, 0), NEEDS4(c, 4), NEEDS4(c, 8), NEEDS4(c, 12), NEEDS4(c, 16), \
			NEEDS4(c, 20), NEEDS4(c, 24), NEEDS4(c, 28) \
	}

_Static_assert((VSMM__CR4_DEFINED >> 25) == 0,
	       "every gated CR4 bit is in one of the five 5-bit chunks");

const uint64_t vsmm__cr4_needs[5][32] = {
	CHUNK(0), CHUNK(1), CHUNK(2), CHUNK(3), CHUNK(4),
};
