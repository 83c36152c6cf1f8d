/* SPDX-License-Identifier: MIT */
/*
 * The floor of a 64-bit SMI + RSM round trip (issue 13): the least any
 * correct implementation must do for the AMD64 map, written by hand for
 * one layout, one vendor and one semantics (KVM's), with no checks.
 *
 * SMI: zero the 512-byte area, store the 63 fields the map carries for an
 * ordinary vCPU (8 segment records, GDTR/IDTR, 16 GPRs, RIP, RFLAGS,
 * CR0/CR3/CR4, DR6/DR7, EFER, SMBASE, the revision, the interrupt shadow)
 * with one little-endian store each, write the area through the
 * platform's write_phys, then load the SMM entry state.  RSM: read the
 * area back through read_phys and load the same fields.
 *
 * The same recipe gives the floor of the two other maps, each the least a
 * correct implementation must do for that map: the 32-bit P6 map (512
 * bytes at SMBASE + 0xFE00, 54 fields, for a 32-bit vCPU, whose
 * EFER the map does not hold and SMI keeps) and the Intel 64 map (1024
 * bytes at SMBASE + 0xFC00, 67 fields: the manual's, with the GDTR, IDTR
 * and LDTR bases split into dwords, and the extension records vsmm keeps
 * the hidden segment state, the GDTR/IDTR limits and the interrupt
 * shadow in, with their signature).
 *
 * They are built with the library's compiler flags (bench/meson.build),
 * and bench-roundtrip checks, before timing or counting one, that it
 * writes the same bytes as vsmm_enter_smm and leaves the vCPU in the same
 * state after SMI and after RSM, for each of the benchmark's states of
 * its map.
 */
#ifndef VSMM_BENCH_FLOOR_H
#define VSMM_BENCH_FLOOR_H

#include <stdint.h>
#include <string.h>

#include "vsmm/vsmm.h"

/*
 * Little-endian stores and loads of one field, each a single access of the
 * field's width (a memcpy the compiler turns into one mov; a byte swap on
 * a big-endian host).  The core's helpers (src/internal.h) assemble bytes,
 * which GCC merges in the library's codec but not everywhere.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BENCH_LE16(v) __builtin_bswap16(v)
#define BENCH_LE32(v) __builtin_bswap32(v)
#define BENCH_LE64(v) __builtin_bswap64(v)
#else
#define BENCH_LE16(v) (v)
#define BENCH_LE32(v) (v)
#define BENCH_LE64(v) (v)
#endif

static inline void bench_st16(uint8_t *p, uint16_t v)
{
	v = BENCH_LE16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bench_st32(uint8_t *p, uint32_t v)
{
	v = BENCH_LE32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bench_st64(uint8_t *p, uint64_t v)
{
	v = BENCH_LE64(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint16_t bench_ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return BENCH_LE16(v);
}

static inline uint32_t bench_ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return BENCH_LE32(v);
}

static inline uint64_t bench_ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return BENCH_LE64(v);
}

/*
 * The AMD64 map's fields but the segment records and the GPRs: GDTR, IDTR,
 * the interrupt shadow, EFER, the revision (stored only: RSM has no
 * register to load it into), SMBASE, CR0/CR3/CR4, DR6/DR7, RFLAGS and RIP.
 * Offsets are buffer indices, the map's 0x7Exx offsets minus 0x7E00.  The
 * floor and the copy limit (bench/roundtrip.c) both move them; static
 * inline, so each stays straight-line code.
 */
static inline void bench_amd64_save_regs(uint8_t *a, const struct vsmm_cpu_state *s)
{
	bench_st32(a + 0x64, s->gdtr.limit);
	bench_st64(a + 0x68, s->gdtr.base);
	bench_st32(a + 0x84, s->idtr.limit);
	bench_st64(a + 0x88, s->idtr.base);
	a[0xcb] = s->int_shadow;
	bench_st64(a + 0xd0, s->efer);
	bench_st32(a + 0xfc, 0x00020064u); /* revision, SMBASE relocation */
	bench_st32(a + 0x100, s->smbase);
	bench_st64(a + 0x148, s->cr4);
	bench_st64(a + 0x150, s->cr3);
	bench_st64(a + 0x158, s->cr0);
	bench_st64(a + 0x160, s->dr7);
	bench_st64(a + 0x168, s->dr6);
	bench_st64(a + 0x170, s->rflags);
	bench_st64(a + 0x178, s->rip);
}

static inline void bench_amd64_load_regs(const uint8_t *a, struct vsmm_cpu_state *s)
{
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
}

/* Fields the floor stores on SMI and loads on RSM (the revision is stored
 * only: RSM has no register to load it into). */
#define FLOOR_FIELDS 63u

/* SMI on s (a 64-bit vCPU at s->smbase, KVM semantics).  Returns 0, or -1
 * if write_phys failed (s unchanged then). */
int bench_floor_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx);

/* RSM on s (in SMM).  Returns 0, or -1 if read_phys failed (s unchanged). */
int bench_floor_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		    void *ctx);

/* The P6 map's floor: the same for a 32-bit vCPU. */
#define FLOOR_P6_32_AREA_OFFSET 0xfe00u
#define FLOOR_P6_32_AREA_SIZE 512u
#define FLOOR_P6_32_FIELDS 54u /* stored; all but the revision loaded */
int bench_floor_p6_32_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			  void *ctx);
int bench_floor_p6_32_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			  void *ctx);

/* The Intel 64 map's floor: the same for a 64-bit vCPU. */
#define FLOOR_INTEL64_AREA_OFFSET 0xfc00u
#define FLOOR_INTEL64_AREA_SIZE 1024u
#define FLOOR_INTEL64_FIELDS 67u /* stored; all but revision, signature loaded */
int bench_floor_intel64_smi(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx);
int bench_floor_intel64_rsm(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
			    void *ctx);

#endif /* VSMM_BENCH_FLOOR_H */
