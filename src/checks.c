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

_Static_assert((VSMM__CR4_DEFINED >> 25) == 0,
	       "every gated CR4 bit is in one of the chunks 8:0, 16:9, 24:17");

/* Each bit's feature once, as a constant the entries below can name
 * (GATE expands to the whole gate list, and the entries name a bit 8,448
 * times).  An enum constant must fit an int: so must every feature. */
enum {
	N0 = GATE(0),
	N1 = GATE(1),
	N2 = GATE(2),
	N3 = GATE(3),
	N4 = GATE(4),
	N5 = GATE(5),
	N6 = GATE(6),
	N7 = GATE(7),
	N8 = GATE(8),
	N9 = GATE(9),
	N10 = GATE(10),
	N11 = GATE(11),
	N12 = GATE(12),
	N13 = GATE(13),
	N14 = GATE(14),
	N15 = GATE(15),
	N16 = GATE(16),
	N17 = GATE(17),
	N18 = GATE(18),
	N19 = GATE(19),
	N20 = GATE(20),
	N21 = GATE(21),
	N22 = GATE(22),
	N23 = GATE(23),
	N24 = GATE(24),
};

/* The features of the bits of i (bit k of i is CR4 bit n_k). */
#define IF(i, k, n) ((i) & (1u << (k)) ? (uint32_t)(n) : 0u)
#define LOW(i) \
	(IF(i, 0, N0) | IF(i, 1, N1) | IF(i, 2, N2) | IF(i, 3, N3) | IF(i, 4, N4) | \
	 IF(i, 5, N5) | IF(i, 6, N6) | IF(i, 7, N7) | IF(i, 8, N8))
#define MID(i) \
	(IF(i, 0, N9) | IF(i, 1, N10) | IF(i, 2, N11) | IF(i, 3, N12) | IF(i, 4, N13) | \
	 IF(i, 5, N14) | IF(i, 6, N15) | IF(i, 7, N16))
#define HIGH(i) \
	(IF(i, 0, N17) | IF(i, 1, N18) | IF(i, 2, N19) | IF(i, 3, N20) | IF(i, 4, N21) | \
	 IF(i, 5, N22) | IF(i, 6, N23) | IF(i, 7, N24))
#define R4(E, i) E(i), E((i) + 1), E((i) + 2), E((i) + 3)
#define R16(E, i) R4(E, i), R4(E, (i) + 4), R4(E, (i) + 8), R4(E, (i) + 12)
#define R64(E, i) R16(E, i), R16(E, (i) + 16), R16(E, (i) + 32), R16(E, (i) + 48)
#define R256(E, i) R64(E, i), R64(E, (i) + 64), R64(E, (i) + 128), R64(E, (i) + 192)

const uint32_t vsmm__cr4_needs[1024] = {
	R256(LOW, 0),
	R256(LOW, 256),
	R256(MID, 0),
	R256(HIGH, 0),
};
