/* SPDX-License-Identifier: MIT */
/* The floors of an SMI + RSM round trip, one per map (see floor.h). */
#include "floor.h"

/* The area: 512 bytes at SMBASE + 0xFE00.  Offsets below are buffer
 * indices, the AMD64 map's 0x7Exx offsets minus 0x7E00. */
#define AREA_OFFSET 0xfe00u
#define AREA_SIZE 512u

/* Flat 4-GiB read/write data segment of the SMM entry state (0x8093). */
#define SMM_DATA_ATTR (VSMM_SEG_P | VSMM_SEG_S | 0x3u | VSMM_SEG_G)

/* Segment records: ES..GS at 16 * n, LDTR at 0x70, TR at 0x90. */
#define SEG_OFF(n) ((n) < VSMM_LDTR ? 16u * (n) : (n) == VSMM_LDTR ? 0x70u : 0x90u)

#define SAVE_SEG(n) \
	do { \
		const struct vsmm_seg *g = &s->seg[n]; \
		bench_st16(a + SEG_OFF(n), g->selector); \
		bench_st16(a + SEG_OFF(n) + 2, g->attr & VSMM_SEG_ATTR_MASK); \
		bench_st32(a + SEG_OFF(n) + 4, g->limit); \
		bench_st64(a + SEG_OFF(n) + 8, g->base); \
	} while (0)

#define LOAD_SEG(n) \
	do { \
		struct vsmm_seg *g = &s->seg[n]; \
		g->selector = bench_ld16(a + SEG_OFF(n)); \
		g->attr = bench_ld16(a + SEG_OFF(n) + 2); \
		g->limit = bench_ld32(a + SEG_OFF(n) + 4); \
		g->base = bench_ld64(a + SEG_OFF(n) + 8); \
	} while (0)

/* GPR i (enum vsmm_gpr: RAX, RCX, ... R15) sits at 0x1F8 - 8 * i. */
#define GPR_OFF(i) (0x1f8u - 8u * (i))
#define SAVE_GPR(i) bench_st64(a + GPR_OFF(i), s->gpr[i])
#define LOAD_GPR(i) (s->gpr[i] = bench_ld64(a + GPR_OFF(i)))

/* Written out, so every field is a straight-line access whatever the
 * optimiser's unrolling limits. */
#define GPRS(DO) \
	do { \
		DO(0); \
		DO(1); \
		DO(2); \
		DO(3); \
		DO(4); \
		DO(5); \
		DO(6); \
		DO(7); \
		DO(8); \
		DO(9); \
		DO(10); \
		DO(11); \
		DO(12); \
		DO(13); \
		DO(14); \
		DO(15); \
	} while (0)
#define SEGS(DO) \
	do { \
		DO(VSMM_ES); \
		DO(VSMM_CS); \
		DO(VSMM_SS); \
		DO(VSMM_DS); \
		DO(VSMM_FS); \
		DO(VSMM_GS); \
		DO(VSMM_LDTR); \
		DO(VSMM_TR); \
	} while (0)

static void save_fields(uint8_t *a, const struct vsmm_cpu_state *s)
{
	SEGS(SAVE_SEG);		     /* 32 fields */
	bench_amd64_save_regs(a, s); /* 15 fields */
	GPRS(SAVE_GPR);		     /* 16 fields */
}

static void load_fields(const uint8_t *a, struct vsmm_cpu_state *s)
{
	SEGS(LOAD_SEG);
	bench_amd64_load_regs(a, s);
	GPRS(LOAD_GPR);
}

/* SDM Vol.3C "Processor Register Initialization in SMM", as KVM loads it
 * (IDTR 0/0).  A vCPU with a 64-bit map gets EFER 0; a 32-bit one (the P6
 * map) keeps its EFER, which that map does not hold and KVM leaves alone
 * (a vCPU without long mode has no EFER.LMA to clear).  Each floor passes
 * a constant, so the compiler drops the test. */
static inline void smm_entry_state(struct vsmm_cpu_state *s, bool clear_efer)
{
	const struct vsmm_seg flat = {
		.selector = 0, .attr = SMM_DATA_ATTR, .limit = 0xffffffffu, .base = 0
	};

	s->smm = true;
	s->smm_inside_nmi = s->nmi_masked;
	s->nmi_masked = true;
	s->smi_pending = false;
	s->halted = false;
	s->rflags = VSMM_RFLAGS_FIXED;
	s->rip = VSMM_SMM_HANDLER_OFFSET;
	s->int_shadow = 0;
	s->cr0 &= ~(VSMM_CR0_PE | VSMM_CR0_EM | VSMM_CR0_TS | VSMM_CR0_PG);
	s->cr4 = 0;
	if (clear_efer)
		s->efer = 0;
	s->dr7 = VSMM_DR7_FIXED_1;
	s->idtr = (struct vsmm_dtable){ 0, 0 };
	for (int i = VSMM_ES; i <= VSMM_GS; i++)
		s->seg[i] = flat;
	s->seg[VSMM_CS].selector = (uint16_t)(s->smbase >> 4);
	s->seg[VSMM_CS].base = s->smbase;
}

/* A map's fields: stored into its area on SMI, loaded from it on RSM. */
typedef void save_fn(uint8_t *a, const struct vsmm_cpu_state *s);
typedef void load_fn(const uint8_t *a, struct vsmm_cpu_state *s);

/*
 * The recipe every floor follows (floor.h), for the map whose area is
 * `size` bytes at SMBASE + `offset` and whose fields `save` and `load`
 * carry.  static inline, and each floor passes constants, so the compiler
 * makes one straight-line copy per map: the memset and the copies of a
 * known size, the map's fields inlined.
 *
 * SMI: zero the area, store the fields, write the area, load the entry
 * state.  Returns 0, or -1 if write_phys failed (s unchanged then).
 */
static inline int floor_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx, uint8_t *area, uint32_t size, uint32_t offset,
			    save_fn *save, bool clear_efer)
{
	memset(area, 0, size);
	save(area, s);
	if (ops->write_phys(ctx, true, (uint64_t)s->smbase + offset, area, size) != 0)
		return -1;
	smm_entry_state(s, clear_efer);
	return 0;
}

/* RSM: read the area back, load the fields, leave SMM.  Returns 0, or -1
 * if read_phys failed (s unchanged then). */
static inline int floor_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx, uint8_t *area, uint32_t size, uint32_t offset,
			    load_fn *load)
{
	if (ops->read_phys(ctx, true, (uint64_t)s->smbase + offset, area, size) != 0)
		return -1;
	load(area, s);
	s->smm = false;
	s->nmi_masked = s->smm_inside_nmi;
	s->smm_inside_nmi = false;
	return 0;
}

int bench_floor_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx)
{
	uint8_t area[AREA_SIZE];

	return floor_smi(s, ops, ctx, area, sizeof(area), AREA_OFFSET, save_fields, true);
}

int bench_floor_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx)
{
	uint8_t area[AREA_SIZE];

	return floor_rsm(s, ops, ctx, area, sizeof(area), AREA_OFFSET, load_fields);
}

/* ---------------------------------------------------------------------- */
/* The 32-bit P6 map                                                      */
/* ---------------------------------------------------------------------- */

/*
 * 512 bytes at SMBASE + 0xFE00 as KVM's struct kvm_smram_state_32 lays
 * them (src/layout/fields.h); offsets are buffer indices, the map's 0x7Exx
 * offsets minus 0x7E00.  Every field is a dword but the interrupt shadow.
 */
#define P6_REVISION 0x00020000u /* SMBASE relocation (bit 17) */

/* Hidden-cache records {attr, limit, base}, in the map's scattered order. */
#define P6_REC(n) \
	((n) == VSMM_ES	    ? 0x184u \
	 : (n) == VSMM_CS   ? 0x190u \
	 : (n) == VSMM_SS   ? 0x19cu \
	 : (n) == VSMM_DS   ? 0x12cu \
	 : (n) == VSMM_FS   ? 0x138u \
	 : (n) == VSMM_GS   ? 0x144u \
	 : (n) == VSMM_LDTR ? 0x178u \
			    : 0x15cu)
/* Selectors ES..TR in enum order from 0x1A8 on. */
#define P6_SEL(n) (0x1a8u + 4u * (n))

/* The attribute dword holds descriptor bits 8..23, the attributes << 8:
 * its bytes 1 and 2, the others zero (the zeroed area has them so). */
#define P6_SAVE_SEG(n) \
	do { \
		const struct vsmm_seg *g = &s->seg[n]; \
		bench_st32(a + P6_SEL(n), g->selector); \
		bench_st16(a + P6_REC(n) + 1, g->attr & VSMM_SEG_ATTR_MASK); \
		bench_st32(a + P6_REC(n) + 4, g->limit); \
		bench_st32(a + P6_REC(n) + 8, (uint32_t)g->base); \
	} while (0)

#define P6_LOAD_SEG(n) \
	do { \
		struct vsmm_seg *g = &s->seg[n]; \
		g->selector = (uint16_t)bench_ld32(a + P6_SEL(n)); \
		g->attr = bench_ld16(a + P6_REC(n) + 1); \
		g->limit = bench_ld32(a + P6_REC(n) + 4); \
		g->base = bench_ld32(a + P6_REC(n) + 8); \
	} while (0)

/* GPR i (EAX, ECX, ... EDI) at 0x1D0 + 4 * i. */
#define P6_SAVE_GPR(i) bench_st32(a + 0x1d0u + 4u * (i), (uint32_t)s->gpr[i])
#define P6_LOAD_GPR(i) (s->gpr[i] = bench_ld32(a + 0x1d0u + 4u * (i)))
#define GPRS32(DO) \
	do { \
		DO(0); \
		DO(1); \
		DO(2); \
		DO(3); \
		DO(4); \
		DO(5); \
		DO(6); \
		DO(7); \
	} while (0)

static void p6_save_fields(uint8_t *a, const struct vsmm_cpu_state *s)
{
	bench_st32(a + 0xf8, s->smbase);
	bench_st32(a + 0xfc, P6_REVISION);
	bench_st32(a + 0x114, (uint32_t)s->cr4);
	a[0x11a] = s->int_shadow;
	bench_st32(a + 0x154, s->idtr.limit);
	bench_st32(a + 0x158, (uint32_t)s->idtr.base);
	bench_st32(a + 0x170, s->gdtr.limit);
	bench_st32(a + 0x174, (uint32_t)s->gdtr.base);
	SEGS(P6_SAVE_SEG); /* 32 fields */
	bench_st32(a + 0x1c8, (uint32_t)s->dr7);
	bench_st32(a + 0x1cc, (uint32_t)s->dr6);
	GPRS32(P6_SAVE_GPR); /* 8 fields */
	bench_st32(a + 0x1f0, (uint32_t)s->rip);
	bench_st32(a + 0x1f4, (uint32_t)s->rflags);
	bench_st32(a + 0x1f8, (uint32_t)s->cr3);
	bench_st32(a + 0x1fc, (uint32_t)s->cr0);
}

static void p6_load_fields(const uint8_t *a, struct vsmm_cpu_state *s)
{
	s->smbase = bench_ld32(a + 0xf8);
	s->cr4 = bench_ld32(a + 0x114);
	s->int_shadow = a[0x11a];
	s->idtr.limit = bench_ld32(a + 0x154);
	s->idtr.base = bench_ld32(a + 0x158);
	s->gdtr.limit = bench_ld32(a + 0x170);
	s->gdtr.base = bench_ld32(a + 0x174);
	SEGS(P6_LOAD_SEG);
	s->dr7 = bench_ld32(a + 0x1c8);
	s->dr6 = bench_ld32(a + 0x1cc);
	GPRS32(P6_LOAD_GPR);
	s->rip = bench_ld32(a + 0x1f0);
	s->rflags = bench_ld32(a + 0x1f4);
	s->cr3 = bench_ld32(a + 0x1f8);
	s->cr0 = bench_ld32(a + 0x1fc);
}

int bench_floor_p6_32_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			  void *ctx)
{
	uint8_t area[FLOOR_P6_32_AREA_SIZE];

	/* KVM keeps a 32-bit vCPU's EFER (smm_entry_state) */
	return floor_smi(s, ops, ctx, area, sizeof(area), FLOOR_P6_32_AREA_OFFSET,
			 p6_save_fields, false);
}

int bench_floor_p6_32_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			  void *ctx)
{
	uint8_t area[FLOOR_P6_32_AREA_SIZE];

	return floor_rsm(s, ops, ctx, area, sizeof(area), FLOOR_P6_32_AREA_OFFSET,
			 p6_load_fields);
}

/* ---------------------------------------------------------------------- */
/* The Intel 64 map                                                       */
/* ---------------------------------------------------------------------- */

/*
 * 1024 bytes at SMBASE + 0xFC00 (src/layout/fields.h); offsets are buffer
 * indices, the map's 0x7Cxx offsets minus 0x7C00.  The manual's map keeps
 * no hidden segment state, GDTR/IDTR limits or interrupt shadow: vsmm
 * writes them as its extension records at the start of the area, marked
 * by a signature, and a round trip needs them to be lossless, so the
 * floor stores them too.
 */
#define INTEL64_REVISION 0x00020101u  /* level 0x0101, SMBASE relocation */
#define INTEL64_SIGNATURE 0x4d4d5356u /* "VSMM": the records are present */

/* Extension record {attr u16, reserved u16, limit u32, base u64} of
 * register n at 16 * n; the LDTR's has no base (the map has it). */
#define I64_REC(n) (16u * (n))
/* Selectors ES..TR in enum order, dwords from 0x3A8 on. */
#define I64_SEL(n) (0x3a8u + 4u * (n))

#define I64_SAVE_SEG(n) \
	do { \
		const struct vsmm_seg *g = &s->seg[n]; \
		bench_st32(a + I64_SEL(n), g->selector); \
		bench_st16(a + I64_REC(n), g->attr & VSMM_SEG_ATTR_MASK); \
		bench_st32(a + I64_REC(n) + 4, g->limit); \
		if ((n) != VSMM_LDTR) \
			bench_st64(a + I64_REC(n) + 8, g->base); \
	} while (0)

#define I64_LOAD_SEG(n) \
	do { \
		struct vsmm_seg *g = &s->seg[n]; \
		g->selector = (uint16_t)bench_ld32(a + I64_SEL(n)); \
		g->attr = bench_ld16(a + I64_REC(n)); \
		g->limit = bench_ld32(a + I64_REC(n) + 4); \
		if ((n) != VSMM_LDTR) \
			g->base = bench_ld64(a + I64_REC(n) + 8); \
	} while (0)

/* RAX..RDI from 0x35C up, R8..R15 from 0x354 down (R15 first at 0x31C). */
#define I64_GPR(i) ((i) < 8 ? 0x35cu + 8u * (i) : 0x354u - 8u * ((i)-8u))
#define I64_SAVE_GPR(i) bench_st64(a + I64_GPR(i), s->gpr[i])
#define I64_LOAD_GPR(i) (s->gpr[i] = bench_ld64(a + I64_GPR(i)))

static void intel64_save_fields(uint8_t *a, const struct vsmm_cpu_state *s)
{
	SEGS(I64_SAVE_SEG); /* 31 fields */
	bench_st32(a + 0x80, s->gdtr.limit);
	bench_st32(a + 0x84, s->idtr.limit);
	a[0x88] = s->int_shadow;
	bench_st32(a + 0x8c, INTEL64_SIGNATURE);
	/* 64-bit bases the map splits into dwords */
	bench_st32(a + 0x1d0, (uint32_t)(s->gdtr.base >> 32));
	bench_st32(a + 0x1d4, (uint32_t)(s->seg[VSMM_LDTR].base >> 32));
	bench_st32(a + 0x1d8, (uint32_t)(s->idtr.base >> 32));
	bench_st32(a + 0x240, (uint32_t)s->cr4);
	bench_st32(a + 0x28c, (uint32_t)s->gdtr.base);
	bench_st32(a + 0x294, (uint32_t)s->idtr.base);
	bench_st32(a + 0x29c, (uint32_t)s->seg[VSMM_LDTR].base);
	bench_st32(a + 0x2f8, s->smbase);
	bench_st32(a + 0x2fc, INTEL64_REVISION);
	GPRS(I64_SAVE_GPR); /* 16 fields */
	bench_st64(a + 0x3c8, s->dr7);
	bench_st64(a + 0x3d0, s->dr6);
	bench_st64(a + 0x3d8, s->rip);
	bench_st64(a + 0x3e0, s->efer);
	bench_st64(a + 0x3e8, s->rflags);
	bench_st64(a + 0x3f0, s->cr3);
	bench_st64(a + 0x3f8, s->cr0);
}

static void intel64_load_fields(const uint8_t *a, struct vsmm_cpu_state *s)
{
	SEGS(I64_LOAD_SEG);
	s->gdtr.limit = bench_ld32(a + 0x80);
	s->idtr.limit = bench_ld32(a + 0x84);
	s->int_shadow = a[0x88];
	s->gdtr.base = (uint64_t)bench_ld32(a + 0x1d0) << 32 | bench_ld32(a + 0x28c);
	s->seg[VSMM_LDTR].base = (uint64_t)bench_ld32(a + 0x1d4) << 32 |
				 bench_ld32(a + 0x29c);
	s->idtr.base = (uint64_t)bench_ld32(a + 0x1d8) << 32 | bench_ld32(a + 0x294);
	s->cr4 = bench_ld32(a + 0x240);
	s->smbase = bench_ld32(a + 0x2f8);
	GPRS(I64_LOAD_GPR);
	s->dr7 = bench_ld64(a + 0x3c8);
	s->dr6 = bench_ld64(a + 0x3d0);
	s->rip = bench_ld64(a + 0x3d8);
	s->efer = bench_ld64(a + 0x3e0);
	s->rflags = bench_ld64(a + 0x3e8);
	s->cr3 = bench_ld64(a + 0x3f0);
	s->cr0 = bench_ld64(a + 0x3f8);
}

int bench_floor_intel64_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx)
{
	uint8_t area[FLOOR_INTEL64_AREA_SIZE];

	/* KVM's entry state, as for the AMD64 map */
	return floor_smi(s, ops, ctx, area, sizeof(area), FLOOR_INTEL64_AREA_OFFSET,
			 intel64_save_fields, true);
}

int bench_floor_intel64_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx)
{
	uint8_t area[FLOOR_INTEL64_AREA_SIZE];

	return floor_rsm(s, ops, ctx, area, sizeof(area), FLOOR_INTEL64_AREA_OFFSET,
			 intel64_load_fields);
}
