/* SPDX-License-Identifier: MIT */
/* The floor of a 64-bit SMI + RSM round trip (see floor.h). */
#include "floor.h"

/* The area: 512 bytes at SMBASE + 0xFE00.  Offsets below are buffer
 * indices, the AMD64 map's 0x7Exx offsets minus 0x7E00. */
#define AREA_OFFSET 0xfe00u
#define AREA_SIZE 512u
#define REVISION 0x00020064u /* AMD64 map, SMBASE relocation (bit 17) */

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
	SEGS(SAVE_SEG); /* 32 fields */
	bench_st32(a + 0x64, s->gdtr.limit);
	bench_st64(a + 0x68, s->gdtr.base);
	bench_st32(a + 0x84, s->idtr.limit);
	bench_st64(a + 0x88, s->idtr.base);
	a[0xcb] = s->int_shadow;
	bench_st64(a + 0xd0, s->efer);
	bench_st32(a + 0xfc, REVISION);
	bench_st32(a + 0x100, s->smbase);
	bench_st64(a + 0x148, s->cr4);
	bench_st64(a + 0x150, s->cr3);
	bench_st64(a + 0x158, s->cr0);
	bench_st64(a + 0x160, s->dr7);
	bench_st64(a + 0x168, s->dr6);
	bench_st64(a + 0x170, s->rflags);
	bench_st64(a + 0x178, s->rip);
	GPRS(SAVE_GPR); /* 16 fields */
}

static void load_fields(const uint8_t *a, struct vsmm_cpu_state *s)
{
	SEGS(LOAD_SEG);
	s->gdtr.limit = bench_ld32(a + 0x64);
	s->gdtr.base = bench_ld64(a + 0x68);
	s->idtr.limit = bench_ld32(a + 0x84);
	s->idtr.base = bench_ld64(a + 0x88);
	s->int_shadow = a[0xcb];
	s->efer = bench_ld64(a + 0xd0);
	s->smbase = bench_ld32(a + 0x100);
	s->cr4 = bench_ld64(a + 0x148);
	s->cr3 = bench_ld64(a + 0x150);
	s->cr0 = bench_ld64(a + 0x158);
	s->dr7 = bench_ld64(a + 0x160);
	s->dr6 = bench_ld64(a + 0x168);
	s->rflags = bench_ld64(a + 0x170);
	s->rip = bench_ld64(a + 0x178);
	GPRS(LOAD_GPR);
}

/* SDM Vol.3C "Processor Register Initialization in SMM", as KVM loads it
 * for a vCPU with the AMD64 map (IDTR 0/0, EFER 0). */
static void smm_entry_state(struct vsmm_cpu_state *s)
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
	s->efer = 0;
	s->dr7 = VSMM_DR7_FIXED_1;
	s->idtr = (struct vsmm_dtable){ 0, 0 };
	for (int i = VSMM_ES; i <= VSMM_GS; i++)
		s->seg[i] = flat;
	s->seg[VSMM_CS].selector = (uint16_t)(s->smbase >> 4);
	s->seg[VSMM_CS].base = s->smbase;
}

int bench_floor_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx)
{
	uint8_t area[AREA_SIZE];

	memset(area, 0, sizeof(area));
	save_fields(area, s);
	if (ops->write_phys(ctx, true, (uint64_t)s->smbase + AREA_OFFSET, area,
			    sizeof(area)) != 0)
		return -1;
	smm_entry_state(s);
	return 0;
}

int bench_floor_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx)
{
	uint8_t area[AREA_SIZE];

	if (ops->read_phys(ctx, true, (uint64_t)s->smbase + AREA_OFFSET, area,
			   sizeof(area)) != 0)
		return -1;
	load_fields(area, s);
	s->smm = false;
	s->nmi_masked = s->smm_inside_nmi;
	s->smm_inside_nmi = false;
	return 0;
}
