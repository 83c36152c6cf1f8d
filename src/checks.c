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
#define SR(b) \
	(uint16_t)(SR_BIT(SR_DATA_BAD(b), VSMM__SR_DATA_BAD) | \
		   SR_BIT(SR_CS_BAD(b, 0), VSMM__SR_CS_BAD) | \
		   SR_BIT(SR_CS_BAD(b, 1), VSMM__SR_CS_BAD << 1) | \
		   SR_BIT(SR_CS_BAD(b, 2), VSMM__SR_CS_BAD << 2) | \
		   SR_BIT(SR_CS_BAD(b, 3), VSMM__SR_CS_BAD << 3) | \
		   SR_BIT(SR_SS_BAD(b), VSMM__SR_SS_BAD) | \
		   SR_BIT(SR_SS_BAD(b) || SR_DPL(b) != 0, VSMM__SR_SS_BAD_CPL0) | \
		   SR_BIT(SR_TR_BAD(b), VSMM__SR_TR_BAD) | \
		   SR_BIT(SR_TR_16(b), VSMM__SR_TR_16) | \
		   SR_BIT(SR_LDTR_BAD(b), VSMM__SR_LDTR_BAD))

/* Entry i: attribute bits 7:0 = i >> 1, G = i & 1.  G=1 scales the
 * limit by 4 KiB (bits 11:0 all ones), G=0 leaves 20 bits. */
#define SR_LIMIT_MASK(i) (!SR_P((i) >> 1) ? 0 : (i)&1 ? 0xfffu : 0xfff00000u)
#define SR_ENTRY(i) \
	{ \
		SR_LIMIT_MASK(i), SR_LIMIT_MASK(i) & 0xfffu, SR((i) >> 1), \
			(uint16_t)(SR_T((i) >> 1) ^ ((i) >> 1 & 0xf)), \
			(uint16_t)(SR_TSS((i) >> 1) ^ ((i) >> 1 & 0xf)), \
			(uint16_t)(VSMM__SR_CS_BAD << SR_DPL((i) >> 1)) \
	}
#define SR4(i) SR_ENTRY(i), SR_ENTRY((i) + 1), SR_ENTRY((i) + 2), SR_ENTRY((i) + 3)
#define SR16(i) SR4(i), SR4((i) + 4), SR4((i) + 8), SR4((i) + 12)
#define SR64(i) SR16(i), SR16((i) + 16), SR16((i) + 32), SR16((i) + 48)

_Static_assert(VSMM__SR_CS_BAD << 3 < VSMM__SR_SS_BAD_CPL0 &&
		       VSMM__SR_LDTR_BAD < VSMM__SR_TR_16 && VSMM__SR_TR_16 <= 0x8000u,
	       "CS's four verdicts below SS's, TR_16 at EFER.LMA above the rest");
_Static_assert(VSMM_SEG_P >> 5 == VSMM__SEL_TI, "LDTR's P bit lines up with TI");

const struct vsmm__seg_rules vsmm__seg_rules[512] = {
	SR64(0),   SR64(64),  SR64(128), SR64(192),
	SR64(256), SR64(320), SR64(384), SR64(448),
};
