/* SPDX-License-Identifier: MIT */
/*
 * The tables of the architectural checks (checks.h has the predicates,
 * static inline): which CPUID features the CR4 bits need, and the segment
 * rules by attribute byte.
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
 * times).  An enum constant must fit an int: so must every feature (GCC
 * and clang take a wider constant without a word, and IF below would
 * then cut it to 32 bits: the assert says so instead). */
#define GATE_FEATURE(bit, feature, arg) | VSMM_FEAT_##feature
_Static_assert(((0 VSMM__CR4_GATES(GATE_FEATURE, 0)) >> 31) == 0,
	       "every feature a CR4 bit needs fits an int and the tables' 32 bits");
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

/*
 * The segment rules of checks.h by attribute low byte b, judged on the
 * attributes masking leaves: a usable code or data segment accessed (the
 * type T | 1), a 16/32-bit available TSS in TR busy (T | 2).
 */
#define SR_P(b) (((b) >> 7) & 1)
#define SR_S(b) (((b) >> 4) & 1)
#define SR_DPL(b) (((b) >> 5) & 3)
#define SR_T(b) (((b)&0xf) | (SR_P(b) & SR_S(b)))
#define SR_TSS(b) (((b)&0xf) | (!SR_S(b) && ((b)&7) == 1 ? 2 : 0))

/* DS, ES, FS, GS: if usable, code/data and, if code, readable. */
#define SR_DATA_BAD(b) (SR_P(b) && (!SR_S(b) || (SR_T(b) & 0xa) == 0x8))
/* CS: usable code/data; data only read/write at DPL 0, and then SS.DPL = d
 * must be 0 too (vsmm__check_ss_attr); code accessed, its DPL at most
 * (conforming) or equal to d. */
#define SR_CS_BAD(b, d) \
	(!SR_P(b) || !SR_S(b) ? 1 \
	 : SR_T(b) == 3	      ? SR_DPL(b) != 0 || (d) != 0 \
	 : !(SR_T(b) & 8)     ? 1 \
	 : SR_T(b) & 4	      ? SR_DPL(b) > (d) \
			      : SR_DPL(b) != (d))
/* SS: if usable, a read/write data segment. */
#define SR_SS_BAD(b) (SR_P(b) && (!SR_S(b) || (SR_T(b) | 4) != 7))
/* TR: a usable busy TSS, 16- or 32-bit (a 16-bit one IA-32e mode
 * refuses: SR_TR_16). */
#define SR_TR_BAD(b) (!SR_P(b) || SR_S(b) || (SR_TSS(b) != 0xb && SR_TSS(b) != 0x3))
#define SR_TR_16(b) (!SR_TR_BAD(b) && SR_TSS(b) == 0x3)
/* LDTR: if usable, an LDT. */
#define SR_LDTR_BAD(b) (SR_P(b) && (SR_S(b) || ((b)&0xf) != 2))

#define SR_BIT(cond, bit) ((cond) ? (bit) : 0)
#define SR_CS(b) \
	(uint8_t)(SR_BIT(SR_CS_BAD(b, 0), VSMM__SR_CS_DPL0) | \
		  SR_BIT(SR_CS_BAD(b, 1), VSMM__SR_CS_DPL0 << 1) | \
		  SR_BIT(SR_CS_BAD(b, 2), VSMM__SR_CS_DPL0 << 2) | \
		  SR_BIT(SR_CS_BAD(b, 3), VSMM__SR_CS_DPL0 << 3))
#define SR_SS(b) \
	(uint8_t)(SR_BIT(SR_SS_BAD(b), VSMM__SR_SS_BAD) | \
		  SR_BIT(SR_SS_BAD(b) || SR_DPL(b) != 0, VSMM__SR_SS_BAD_CPL0) | \
		  SR_BIT(SR_TR_BAD(b), VSMM__SR_TR_BAD) | \
		  SR_BIT(SR_TR_16(b), VSMM__SR_TR_16) | VSMM__SR_CS_DPL0 << SR_DPL(b))
#define SR_LDTR(b) \
	(uint8_t)(SR_BIT(SR_LDTR_BAD(b), VSMM__SR_LDTR_BAD) | \
		  SR_BIT(SR_P(b), VSMM__SR_LDTR_P))

#define SR_ENTRY(b) \
	{ \
		(uint16_t)(SR_T(b) ^ ((b)&0xf)), (uint16_t)(SR_TSS(b) ^ ((b)&0xf)), \
			(uint8_t)SR_DATA_BAD(b), SR_CS(b), SR_SS(b), SR_LDTR(b) \
	}
/* Entry i: attribute bits 7:0 = i >> 1, G = i & 1.  G=1 scales the
 * limit by 4 KiB (bits 11:0 all ones), G=0 leaves 20 bits. */
#define SL_MASK(i) (!SR_P((i) >> 1) ? 0 : (i)&1 ? 0xfffu : 0xfff00000u)
#define SL_ENTRY(i) \
	{ \
		SL_MASK(i), SL_MASK(i) & 0xfffu \
	}
#define SR_ENTRY2(i) SR_ENTRY((i) >> 1)
#define SR4(E, i) E(i), E((i) + 1), E((i) + 2), E((i) + 3)
#define SR16(E, i) SR4(E, i), SR4(E, (i) + 4), SR4(E, (i) + 8), SR4(E, (i) + 12)
#define SR64(E, i) SR16(E, i), SR16(E, (i) + 16), SR16(E, (i) + 32), SR16(E, (i) + 48)

_Static_assert((VSMM__SR_CS_DPL0 & (VSMM__SR_SS_BAD | VSMM__SR_SS_BAD_CPL0)) == 0 &&
		       VSMM__SR_CS_DPL0 << 3 <= 0xffu,
	       "CS's four verdicts above SS's two, in a byte");
_Static_assert(((VSMM__SR_TR_BAD | VSMM__SR_TR_16) &
		(VSMM__SR_SS_BAD | VSMM__SR_SS_BAD_CPL0 | VSMM__SR_CS_DPL0 * 0xfu)) == 0,
	       "TR's verdicts in column ss apart from SS's and CS's");
_Static_assert(VSMM__SR_LDTR_P == VSMM__SEL_TI && VSMM__SR_LDTR_BAD < VSMM__SEL_TI,
	       "LDTR's P bit lines up with TI, its verdict below it");

const struct vsmm__seg_rules vsmm__seg_rules[512] = {
	SR64(SR_ENTRY2, 0),   SR64(SR_ENTRY2, 64),  SR64(SR_ENTRY2, 128),
	SR64(SR_ENTRY2, 192), SR64(SR_ENTRY2, 256), SR64(SR_ENTRY2, 320),
	SR64(SR_ENTRY2, 384), SR64(SR_ENTRY2, 448),
};

const struct vsmm__seg_limit vsmm__seg_limits[512] = {
	SR64(SL_ENTRY, 0),   SR64(SL_ENTRY, 64),  SR64(SL_ENTRY, 128),
	SR64(SL_ENTRY, 192), SR64(SL_ENTRY, 256), SR64(SL_ENTRY, 320),
	SR64(SL_ENTRY, 384), SR64(SL_ENTRY, 448),
};
