/* SPDX-License-Identifier: MIT */
/*
 * Save-state layouts and the image codec.
 *
 * The golden offsets below are written by hand from the manuals' tables
 * (SDM Vol.3C "SMRAM State Save Map" and "... for Intel 64 Architecture",
 * AMD APM Vol.2 10.2.3, KVM's kvm_smram_state_32/64 as restated in
 * shared/spec/kvm-smm-facts.md 1.2-1.4), not taken from src/layout: if the
 * tables in the code drift, these tests disagree with them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vsmm/vsmm.h"
#include "testlib.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A value whose every byte is non-zero, so a truncated store still shows. */
static uint64_t pattern(void)
{
	return rnd() | 0x0101010101010101ull;
}

static uint64_t le(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = size; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t trunc_to(uint64_t v, unsigned size)
{
	return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/* Every field of the state and extras set to a distinct pattern. */
static void fill_state(struct vsmm_cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		s->gpr[i] = pattern();
	s->rip = pattern();
	s->rflags = pattern();
	s->cr0 = pattern();
	s->cr2 = pattern();
	s->cr3 = pattern();
	s->cr4 = pattern();
	s->efer = pattern();
	s->dr6 = pattern();
	s->dr7 = pattern();
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		s->seg[i].selector = (uint16_t)pattern();
		/* only bits that exist in the access-rights form */
		s->seg[i].attr = (uint16_t)(pattern() & VSMM_SEG_ATTR_MASK);
		s->seg[i].limit = (uint32_t)pattern();
		s->seg[i].base = pattern();
	}
	s->gdtr.base = pattern();
	s->gdtr.limit = (uint32_t)pattern();
	s->idtr.base = pattern();
	s->idtr.limit = (uint32_t)pattern();
	s->smbase = (uint32_t)pattern();
	s->int_shadow = VSMM_SHADOW_STI;
}

static void fill_extras(struct vsmm_image_extras *x)
{
	memset(x, 0, sizeof(*x));
	x->revision = (uint32_t)pattern();
	x->io_restart = (uint16_t)pattern();
	x->auto_hlt_restart = (uint16_t)pattern();
	x->io_restart_rip = pattern();
	x->io_restart_rcx = pattern();
	x->io_restart_rsi = pattern();
	x->io_restart_rdi = pattern();
	x->io_restart_dword = (uint32_t)pattern();
	x->io_misc = (uint32_t)pattern();
	x->io_mem_addr = pattern();
	x->amd_nmi_mask = (uint8_t)pattern();
	x->svm_guest_flag = pattern();
	x->svm_vmcb12_gpa = pattern();
	x->svm_guest_virq = pattern();
	x->ssp = pattern();
	x->svm_guest_pat = pattern();
	x->svm_host_efer = pattern();
	x->svm_host_cr4 = pattern();
	x->svm_host_cr3 = pattern();
	x->svm_host_cr0 = pattern();
	x->ept_vmx_control = pattern();
	x->en_ept_vmx_control = (uint32_t)pattern();
}

/* One golden row: at the manual's offset, `size` bytes hold `want`. */
struct golden {
	uint16_t off;
	uint8_t size;
	uint64_t want;
	const char *what;
};

#define G(off, size, val) \
	{ \
		(off), (size), trunc_to((val), (size)), #val \
	}
#define MAX_GOLDEN 128

/* ---------------------------------------------------------------------- */
/* Golden tables, from the manuals                                        */
/* ---------------------------------------------------------------------- */

/* KVM's 32-bit P6 map (revision 0x00020000). */
static size_t golden_p6_32(const struct vsmm_cpu_state *s,
			   const struct vsmm_image_extras *x, struct golden *g)
{
	const struct vsmm_seg *sg = s->seg;
	const struct golden rows[] = {
		G(0x7EF8, 4, s->smbase),
		G(0x7EFC, 4, x->revision),
		G(0x7F00, 2, x->io_restart),
		G(0x7F02, 2, x->auto_hlt_restart),
		G(0x7F04, 4, x->io_restart_rdi),
		G(0x7F08, 4, x->io_restart_rcx),
		G(0x7F0C, 4, x->io_restart_rsi),
		G(0x7F10, 4, x->io_restart_rip),
		G(0x7F14, 4, s->cr4),
		G(0x7F1A, 1, s->int_shadow),
		G(0x7F2C, 4, (uint64_t)sg[VSMM_DS].attr << 8),
		G(0x7F30, 4, sg[VSMM_DS].limit),
		G(0x7F34, 4, sg[VSMM_DS].base),
		G(0x7F38, 4, (uint64_t)sg[VSMM_FS].attr << 8),
		G(0x7F3C, 4, sg[VSMM_FS].limit),
		G(0x7F40, 4, sg[VSMM_FS].base),
		G(0x7F44, 4, (uint64_t)sg[VSMM_GS].attr << 8),
		G(0x7F48, 4, sg[VSMM_GS].limit),
		G(0x7F4C, 4, sg[VSMM_GS].base),
		G(0x7F54, 4, s->idtr.limit),
		G(0x7F58, 4, s->idtr.base),
		G(0x7F5C, 4, (uint64_t)sg[VSMM_TR].attr << 8),
		G(0x7F60, 4, sg[VSMM_TR].limit),
		G(0x7F64, 4, sg[VSMM_TR].base),
		G(0x7F70, 4, s->gdtr.limit),
		G(0x7F74, 4, s->gdtr.base),
		G(0x7F78, 4, (uint64_t)sg[VSMM_LDTR].attr << 8),
		G(0x7F7C, 4, sg[VSMM_LDTR].limit),
		G(0x7F80, 4, sg[VSMM_LDTR].base),
		G(0x7F84, 4, (uint64_t)sg[VSMM_ES].attr << 8),
		G(0x7F88, 4, sg[VSMM_ES].limit),
		G(0x7F8C, 4, sg[VSMM_ES].base),
		G(0x7F90, 4, (uint64_t)sg[VSMM_CS].attr << 8),
		G(0x7F94, 4, sg[VSMM_CS].limit),
		G(0x7F98, 4, sg[VSMM_CS].base),
		G(0x7F9C, 4, (uint64_t)sg[VSMM_SS].attr << 8),
		G(0x7FA0, 4, sg[VSMM_SS].limit),
		G(0x7FA4, 4, sg[VSMM_SS].base),
		G(0x7FA8, 4, sg[VSMM_ES].selector),
		G(0x7FAC, 4, sg[VSMM_CS].selector),
		G(0x7FB0, 4, sg[VSMM_SS].selector),
		G(0x7FB4, 4, sg[VSMM_DS].selector),
		G(0x7FB8, 4, sg[VSMM_FS].selector),
		G(0x7FBC, 4, sg[VSMM_GS].selector),
		G(0x7FC0, 4, sg[VSMM_LDTR].selector),
		G(0x7FC4, 4, sg[VSMM_TR].selector),
		G(0x7FC8, 4, s->dr7),
		G(0x7FCC, 4, s->dr6),
		G(0x7FD0, 4, s->gpr[VSMM_RAX]),
		G(0x7FD4, 4, s->gpr[VSMM_RCX]),
		G(0x7FD8, 4, s->gpr[VSMM_RDX]),
		G(0x7FDC, 4, s->gpr[VSMM_RBX]),
		G(0x7FE0, 4, s->gpr[VSMM_RSP]),
		G(0x7FE4, 4, s->gpr[VSMM_RBP]),
		G(0x7FE8, 4, s->gpr[VSMM_RSI]),
		G(0x7FEC, 4, s->gpr[VSMM_RDI]),
		G(0x7FF0, 4, s->rip),
		G(0x7FF4, 4, s->rflags),
		G(0x7FF8, 4, s->cr3),
		G(0x7FFC, 4, s->cr0),
	};
	memcpy(g, rows, sizeof(rows));
	return sizeof(rows) / sizeof(rows[0]);
}

/* KVM's AMD64 map (revision 0x00020064); segment records at 7E00 + 16n. */
static size_t golden_amd64(const struct vsmm_cpu_state *s,
			   const struct vsmm_image_extras *x, struct golden *g)
{
	const struct vsmm_seg *sg = s->seg;
	const struct golden rows[] = {
		G(0x7E00, 2, sg[VSMM_ES].selector),
		G(0x7E02, 2, sg[VSMM_ES].attr),
		G(0x7E04, 4, sg[VSMM_ES].limit),
		G(0x7E08, 8, sg[VSMM_ES].base),
		G(0x7E10, 2, sg[VSMM_CS].selector),
		G(0x7E12, 2, sg[VSMM_CS].attr),
		G(0x7E14, 4, sg[VSMM_CS].limit),
		G(0x7E18, 8, sg[VSMM_CS].base),
		G(0x7E20, 2, sg[VSMM_SS].selector),
		G(0x7E22, 2, sg[VSMM_SS].attr),
		G(0x7E24, 4, sg[VSMM_SS].limit),
		G(0x7E28, 8, sg[VSMM_SS].base),
		G(0x7E30, 2, sg[VSMM_DS].selector),
		G(0x7E32, 2, sg[VSMM_DS].attr),
		G(0x7E34, 4, sg[VSMM_DS].limit),
		G(0x7E38, 8, sg[VSMM_DS].base),
		G(0x7E40, 2, sg[VSMM_FS].selector),
		G(0x7E42, 2, sg[VSMM_FS].attr),
		G(0x7E44, 4, sg[VSMM_FS].limit),
		G(0x7E48, 8, sg[VSMM_FS].base),
		G(0x7E50, 2, sg[VSMM_GS].selector),
		G(0x7E52, 2, sg[VSMM_GS].attr),
		G(0x7E54, 4, sg[VSMM_GS].limit),
		G(0x7E58, 8, sg[VSMM_GS].base),
		G(0x7E64, 4, s->gdtr.limit),
		G(0x7E68, 8, s->gdtr.base),
		G(0x7E70, 2, sg[VSMM_LDTR].selector),
		G(0x7E72, 2, sg[VSMM_LDTR].attr),
		G(0x7E74, 4, sg[VSMM_LDTR].limit),
		G(0x7E78, 8, sg[VSMM_LDTR].base),
		G(0x7E84, 4, s->idtr.limit),
		G(0x7E88, 8, s->idtr.base),
		G(0x7E90, 2, sg[VSMM_TR].selector),
		G(0x7E92, 2, sg[VSMM_TR].attr),
		G(0x7E94, 4, sg[VSMM_TR].limit),
		G(0x7E98, 8, sg[VSMM_TR].base),
		G(0x7EA0, 8, x->io_restart_rip),
		G(0x7EA8, 8, x->io_restart_rcx),
		G(0x7EB0, 8, x->io_restart_rsi),
		G(0x7EB8, 8, x->io_restart_rdi),
		G(0x7EC0, 4, x->io_restart_dword),
		G(0x7EC8, 1, x->io_restart),
		G(0x7EC9, 1, x->auto_hlt_restart),
		G(0x7ECA, 1, x->amd_nmi_mask),
		G(0x7ECB, 1, s->int_shadow),
		G(0x7ED0, 8, s->efer),
		G(0x7ED8, 8, x->svm_guest_flag),
		G(0x7EE0, 8, x->svm_vmcb12_gpa),
		G(0x7EE8, 8, x->svm_guest_virq),
		G(0x7EFC, 4, x->revision),
		G(0x7F00, 4, s->smbase),
		G(0x7F18, 8, x->ssp),
		G(0x7F20, 8, x->svm_guest_pat),
		G(0x7F28, 8, x->svm_host_efer),
		G(0x7F30, 8, x->svm_host_cr4),
		G(0x7F38, 8, x->svm_host_cr3),
		G(0x7F40, 8, x->svm_host_cr0),
		G(0x7F48, 8, s->cr4),
		G(0x7F50, 8, s->cr3),
		G(0x7F58, 8, s->cr0),
		G(0x7F60, 8, s->dr7),
		G(0x7F68, 8, s->dr6),
		G(0x7F70, 8, s->rflags),
		G(0x7F78, 8, s->rip),
		G(0x7F80, 8, s->gpr[VSMM_R15]),
		G(0x7F88, 8, s->gpr[VSMM_R14]),
		G(0x7F90, 8, s->gpr[VSMM_R13]),
		G(0x7F98, 8, s->gpr[VSMM_R12]),
		G(0x7FA0, 8, s->gpr[VSMM_R11]),
		G(0x7FA8, 8, s->gpr[VSMM_R10]),
		G(0x7FB0, 8, s->gpr[VSMM_R9]),
		G(0x7FB8, 8, s->gpr[VSMM_R8]),
		G(0x7FC0, 8, s->gpr[VSMM_RDI]),
		G(0x7FC8, 8, s->gpr[VSMM_RSI]),
		G(0x7FD0, 8, s->gpr[VSMM_RBP]),
		G(0x7FD8, 8, s->gpr[VSMM_RSP]),
		G(0x7FE0, 8, s->gpr[VSMM_RBX]),
		G(0x7FE8, 8, s->gpr[VSMM_RDX]),
		G(0x7FF0, 8, s->gpr[VSMM_RCX]),
		G(0x7FF8, 8, s->gpr[VSMM_RAX]),
	};
	memcpy(g, rows, sizeof(rows));
	return sizeof(rows) / sizeof(rows[0]);
}

/*
 * Intel 64 map: the SDM's table (plus I/O restart RDI/RCX/RSI of the
 * revision-0x30101 map), and vsmm's extension records as docs/layouts.md
 * documents them (7C00 + 16n: attr, limit at +4, base at +8).
 */
static size_t golden_intel64(const struct vsmm_cpu_state *s,
			     const struct vsmm_image_extras *x, struct golden *g)
{
	const struct vsmm_seg *sg = s->seg;
	const struct golden rows[] = {
		G(0x7C00, 2, sg[VSMM_ES].attr),
		G(0x7C04, 4, sg[VSMM_ES].limit),
		G(0x7C08, 8, sg[VSMM_ES].base),
		G(0x7C10, 2, sg[VSMM_CS].attr),
		G(0x7C14, 4, sg[VSMM_CS].limit),
		G(0x7C18, 8, sg[VSMM_CS].base),
		G(0x7C20, 2, sg[VSMM_SS].attr),
		G(0x7C24, 4, sg[VSMM_SS].limit),
		G(0x7C28, 8, sg[VSMM_SS].base),
		G(0x7C30, 2, sg[VSMM_DS].attr),
		G(0x7C34, 4, sg[VSMM_DS].limit),
		G(0x7C38, 8, sg[VSMM_DS].base),
		G(0x7C40, 2, sg[VSMM_FS].attr),
		G(0x7C44, 4, sg[VSMM_FS].limit),
		G(0x7C48, 8, sg[VSMM_FS].base),
		G(0x7C50, 2, sg[VSMM_GS].attr),
		G(0x7C54, 4, sg[VSMM_GS].limit),
		G(0x7C58, 8, sg[VSMM_GS].base),
		G(0x7C60, 2, sg[VSMM_LDTR].attr),
		G(0x7C64, 4, sg[VSMM_LDTR].limit),
		G(0x7C70, 2, sg[VSMM_TR].attr),
		G(0x7C74, 4, sg[VSMM_TR].limit),
		G(0x7C78, 8, sg[VSMM_TR].base),
		G(0x7C80, 4, s->gdtr.limit),
		G(0x7C84, 4, s->idtr.limit),
		G(0x7C88, 1, s->int_shadow),
		G(0x7C8C, 4, 0x4d4d5356u), /* "VSMM" */
		G(0x7DD0, 4, s->gdtr.base >> 32),
		G(0x7DD4, 4, sg[VSMM_LDTR].base >> 32),
		G(0x7DD8, 4, s->idtr.base >> 32),
		G(0x7DE0, 8, x->io_restart_rdi),
		G(0x7DE8, 8, x->io_restart_rip),
		G(0x7DF0, 8, x->io_restart_rcx),
		G(0x7DF8, 8, x->io_restart_rsi),
		G(0x7E40, 4, s->cr4),
		G(0x7E8C, 4, s->gdtr.base),
		G(0x7E94, 4, s->idtr.base),
		G(0x7E9C, 4, sg[VSMM_LDTR].base),
		G(0x7ED8, 8, x->ept_vmx_control),
		G(0x7EE0, 4, x->en_ept_vmx_control),
		G(0x7EF8, 4, s->smbase),
		G(0x7EFC, 4, x->revision),
		G(0x7F00, 2, x->io_restart),
		G(0x7F02, 2, x->auto_hlt_restart),
		G(0x7F1C, 8, s->gpr[VSMM_R15]),
		G(0x7F24, 8, s->gpr[VSMM_R14]),
		G(0x7F2C, 8, s->gpr[VSMM_R13]),
		G(0x7F34, 8, s->gpr[VSMM_R12]),
		G(0x7F3C, 8, s->gpr[VSMM_R11]),
		G(0x7F44, 8, s->gpr[VSMM_R10]),
		G(0x7F4C, 8, s->gpr[VSMM_R9]),
		G(0x7F54, 8, s->gpr[VSMM_R8]),
		G(0x7F5C, 8, s->gpr[VSMM_RAX]),
		G(0x7F64, 8, s->gpr[VSMM_RCX]),
		G(0x7F6C, 8, s->gpr[VSMM_RDX]),
		G(0x7F74, 8, s->gpr[VSMM_RBX]),
		G(0x7F7C, 8, s->gpr[VSMM_RSP]),
		G(0x7F84, 8, s->gpr[VSMM_RBP]),
		G(0x7F8C, 8, s->gpr[VSMM_RSI]),
		G(0x7F94, 8, s->gpr[VSMM_RDI]),
		G(0x7F9C, 8, x->io_mem_addr),
		G(0x7FA4, 4, x->io_misc),
		G(0x7FA8, 4, sg[VSMM_ES].selector),
		G(0x7FAC, 4, sg[VSMM_CS].selector),
		G(0x7FB0, 4, sg[VSMM_SS].selector),
		G(0x7FB4, 4, sg[VSMM_DS].selector),
		G(0x7FB8, 4, sg[VSMM_FS].selector),
		G(0x7FBC, 4, sg[VSMM_GS].selector),
		G(0x7FC0, 4, sg[VSMM_LDTR].selector),
		G(0x7FC4, 4, sg[VSMM_TR].selector),
		G(0x7FC8, 8, s->dr7),
		G(0x7FD0, 8, s->dr6),
		G(0x7FD8, 8, s->rip),
		G(0x7FE0, 8, s->efer),
		G(0x7FE8, 8, s->rflags),
		G(0x7FF0, 8, s->cr3),
		G(0x7FF8, 8, s->cr0),
	};
	memcpy(g, rows, sizeof(rows));
	return sizeof(rows) / sizeof(rows[0]);
}

typedef size_t golden_fn(const struct vsmm_cpu_state *, const struct vsmm_image_extras *,
			 struct golden *);

struct layout_case {
	enum vsmm_layout layout;
	const char *name;
	uint32_t revision; /* what vsmm writes by default */
	uint32_t area_offset;
	size_t area_size;
	golden_fn *golden;
};

static const struct layout_case cases[] = {
	{ VSMM_LAYOUT_P6_32, "p6-32", 0x00020000u, 0xfe00u, 512, golden_p6_32 },
	{ VSMM_LAYOUT_AMD64, "amd64", 0x00020064u, 0xfe00u, 512, golden_amd64 },
	{ VSMM_LAYOUT_INTEL64, "intel64", 0x00020101u, 0xfc00u, 1024, golden_intel64 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Index into the area of a manual offset. */
static size_t idx(const struct layout_case *c, uint16_t off)
{
	return (size_t)off + 0x8000u - c->area_offset;
}

/* Every golden row holds its value; every byte outside the rows is 0. */
static void check_golden(const struct layout_case *c, const uint8_t *area,
			 const struct golden *g, size_t n)
{
	uint8_t covered[VSMM_IMAGE_MAX] = { 0 };

	for (size_t i = 0; i < n; i++) {
		size_t at = idx(c, g[i].off);
		uint64_t got = le(area + at, g[i].size);
		if (got != g[i].want)
			fail_msg("%s: 0x%04X (%s): got 0x%llx, want 0x%llx", c->name,
				 g[i].off, g[i].what, (unsigned long long)got,
				 (unsigned long long)g[i].want);
		for (unsigned b = 0; b < g[i].size; b++) {
			assert_int_equal(covered[at + b], 0); /* rows don't overlap */
			covered[at + b] = 1;
		}
	}
	for (size_t i = 0; i < c->area_size; i++)
		if (!covered[i] && area[i] != 0)
			fail_msg("%s: reserved byte 0x%04zX is 0x%02x", c->name,
				 i + c->area_offset - 0x8000u, area[i]);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * Encode `rounds` random states with random extras on every layout and
 * check each row against the manual's offset (check_golden).  With
 * `prefill` the area starts with every byte non-zero: the codec stores
 * some rows together (segment records, pairs and quads of registers) and
 * zeroes only what no row stores, both decided from the table
 * (layout.c); each row must still hold its value and every other byte be
 * zero.
 */
static void golden_rounds(uint64_t seed, int rounds, bool prefill)
{
	rng_state = seed;
	for (int n = 0; n < rounds; n++) {
		for (size_t k = 0; k < NCASES; k++) {
			const struct layout_case *c = &cases[k];
			struct vsmm_cpu_state s;
			struct vsmm_image_extras x;
			struct golden g[MAX_GOLDEN];
			uint8_t area[VSMM_IMAGE_MAX];

			fill_state(&s);
			fill_extras(&x);
			if (prefill)
				memset(area, 0xa5, sizeof(area));
			assert_int_equal(
				vsmm_image_encode(c->layout, &s, &x, area, c->area_size),
				VSMM_OK);
			check_golden(c, area, g, c->golden(&s, &x, g));
		}
	}
}

static void test_golden_offsets(void **unused)
{
	(void)unused;
	golden_rounds(1, 1, false);
}

/* The same for many states, over an area whose every byte starts non-zero. */
static void test_golden_many(void **unused)
{
	(void)unused;
	golden_rounds(12, 300, true);
}

/* extras == NULL: all layout-specific fields 0, the default revision. */
static void test_golden_no_extras(void **unused)
{
	(void)unused;
	rng_state = 2;
	for (size_t k = 0; k < NCASES; k++) {
		const struct layout_case *c = &cases[k];
		struct vsmm_cpu_state s;
		struct vsmm_image_extras zero = { 0 };
		struct golden g[MAX_GOLDEN];
		uint8_t area[VSMM_IMAGE_MAX];

		fill_state(&s);
		assert_int_equal(
			vsmm_image_encode(c->layout, &s, NULL, area, c->area_size),
			VSMM_OK);
		zero.revision = c->revision;
		check_golden(c, area, g, c->golden(&s, &zero, g));

		/* extras with revision 0 write 0: an image of revision 0
		 * must survive decode -> encode (fuzz_codec) */
		memset(area, 0xaa, sizeof(area));
		zero.revision = 0;
		assert_int_equal(
			vsmm_image_encode(c->layout, &s, &zero, area, c->area_size),
			VSMM_OK);
		assert_int_equal(le(area + idx(c, 0x7EFC), 4), 0);
	}
}

static void test_revision_bits(void **unused)
{
	(void)unused;
	/* KVM writes SMBASE relocation (bit 17) and no I/O restart (bit 16). */
	assert_int_equal(VSMM_REV_SMBASE_RELOC, 0x20000u);
	assert_int_equal(VSMM_REV_IO_RESTART, 0x10000u);
	for (size_t k = 0; k < NCASES; k++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get(cases[k].layout);
		assert_non_null(d);
		assert_int_equal(d->revision, cases[k].revision);
		assert_true(d->revision & VSMM_REV_SMBASE_RELOC);
		assert_false(d->revision & VSMM_REV_IO_RESTART);
	}
}

/* Segment attributes: KVM's two packings, and what is masked away. */
static void test_attr_packing(void **unused)
{
	(void)unused;
	struct vsmm_cpu_state s = { 0 }, out;
	uint8_t a[512];
	/* 64-bit code: G, L, P, DPL 0, S, type 0xB */
	s.seg[VSMM_CS].attr = VSMM_SEG_G | VSMM_SEG_L | VSMM_SEG_P | VSMM_SEG_S | 0xb;
	/* bits 8..11 are not attributes (limit 19:16 in the descriptor) */
	s.seg[VSMM_DS].attr = 0x0f00 | VSMM_SEG_P | VSMM_SEG_S | 0x3;

	assert_int_equal(vsmm_image_encode(VSMM_LAYOUT_P6_32, &s, NULL, a, 512), 0);
	assert_int_equal(le(a + 0x190, 4), 0x00a09b00u); /* 7F90: CS attr dword */
	assert_int_equal(le(a + 0x12c, 4), 0x00009300u); /* 7F2C: DS */
	assert_int_equal(vsmm_image_encode(VSMM_LAYOUT_AMD64, &s, NULL, a, 512), 0);
	assert_int_equal(le(a + 0x012, 2), 0xa09bu); /* 7E12 */
	assert_int_equal(le(a + 0x032, 2), 0x0093u); /* 7E32 */

	/* decoding ignores every bit that is not an attribute */
	memset(a, 0, sizeof(a));
	put_le(a + 0x190, 4, 0xffffffffu);
	assert_int_equal(vsmm_image_decode(VSMM_LAYOUT_P6_32, a, 512, &out, NULL), 0);
	assert_int_equal(out.seg[VSMM_CS].attr, 0xf0ffu);
	put_le(a + 0x190, 4, 0x00c09300u);
	assert_int_equal(vsmm_image_decode(VSMM_LAYOUT_P6_32, a, 512, &out, NULL), 0);
	assert_int_equal(out.seg[VSMM_CS].attr, 0xc093u);
	memset(a, 0, sizeof(a));
	put_le(a + 0x012, 2, 0xffffu);
	assert_int_equal(vsmm_image_decode(VSMM_LAYOUT_AMD64, a, 512, &out, NULL), 0);
	assert_int_equal(out.seg[VSMM_CS].attr, 0xf0ffu);
}

/* What each layout can carry; everything else must decode as 0. */
static void restrict_state(enum vsmm_layout layout, struct vsmm_cpu_state *s)
{
	const uint64_t lo = 0xffffffffull;

	s->cr2 = 0; /* no layout stores CR2 */
	if (layout == VSMM_LAYOUT_INTEL64)
		s->cr4 &= lo;
	if (layout != VSMM_LAYOUT_P6_32)
		return;
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		s->gpr[i] = i < VSMM_R8 ? s->gpr[i] & lo : 0;
	s->rip &= lo;
	s->rflags &= lo;
	s->cr0 &= lo;
	s->cr3 &= lo;
	s->cr4 &= lo;
	s->dr6 &= lo;
	s->dr7 &= lo;
	s->efer = 0;
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		s->seg[i].base &= lo;
	s->gdtr.base &= lo;
	s->idtr.base &= lo;
}

static void restrict_extras(enum vsmm_layout layout, struct vsmm_image_extras *x)
{
	struct vsmm_image_extras k = { 0 };
	const uint64_t lo = 0xffffffffull;

	k.revision = x->revision;
	k.io_restart = x->io_restart;
	k.auto_hlt_restart = x->auto_hlt_restart;
	k.io_restart_rip = x->io_restart_rip;
	k.io_restart_rcx = x->io_restart_rcx;
	k.io_restart_rsi = x->io_restart_rsi;
	k.io_restart_rdi = x->io_restart_rdi;
	if (layout == VSMM_LAYOUT_P6_32) {
		k.io_restart_rip &= lo;
		k.io_restart_rcx &= lo;
		k.io_restart_rsi &= lo;
		k.io_restart_rdi &= lo;
	} else if (layout == VSMM_LAYOUT_AMD64) {
		k.io_restart &= 0xff;
		k.auto_hlt_restart &= 0xff;
		k.io_restart_dword = x->io_restart_dword;
		k.amd_nmi_mask = x->amd_nmi_mask;
		k.svm_guest_flag = x->svm_guest_flag;
		k.svm_vmcb12_gpa = x->svm_vmcb12_gpa;
		k.svm_guest_virq = x->svm_guest_virq;
		k.ssp = x->ssp;
		k.svm_guest_pat = x->svm_guest_pat;
		k.svm_host_efer = x->svm_host_efer;
		k.svm_host_cr4 = x->svm_host_cr4;
		k.svm_host_cr3 = x->svm_host_cr3;
		k.svm_host_cr0 = x->svm_host_cr0;
	} else {
		k.io_misc = x->io_misc;
		k.io_mem_addr = x->io_mem_addr;
		k.ept_vmx_control = x->ept_vmx_control;
		k.en_ept_vmx_control = x->en_ept_vmx_control;
	}
	*x = k;
}

#define EQ(field) assert_true(a->field == b->field)

static void assert_extras_equal(const struct vsmm_image_extras *a,
				const struct vsmm_image_extras *b)
{
	EQ(revision);
	EQ(io_restart);
	EQ(auto_hlt_restart);
	EQ(io_restart_rip);
	EQ(io_restart_rcx);
	EQ(io_restart_rsi);
	EQ(io_restart_rdi);
	EQ(io_restart_dword);
	EQ(io_misc);
	EQ(io_mem_addr);
	EQ(amd_nmi_mask);
	EQ(svm_guest_flag);
	EQ(svm_vmcb12_gpa);
	EQ(svm_guest_virq);
	EQ(ssp);
	EQ(svm_guest_pat);
	EQ(svm_host_efer);
	EQ(svm_host_cr4);
	EQ(svm_host_cr3);
	EQ(svm_host_cr0);
	EQ(ept_vmx_control);
	EQ(en_ept_vmx_control);
}

/* encode -> decode gives back what the layout can carry, bit for bit. */
static void test_round_trip(void **unused)
{
	(void)unused;
	rng_state = 3;
	for (size_t k = 0; k < NCASES; k++) {
		const struct layout_case *c = &cases[k];
		for (int n = 0; n < 500; n++) {
			struct vsmm_cpu_state s, out;
			struct vsmm_image_extras x, xout;
			uint8_t area[VSMM_IMAGE_MAX];

			fill_state(&s);
			s.int_shadow = (uint8_t)(rnd() & 3);
			/* event flags are not image fields: decode leaves them false */
			s.smm = s.nmi_masked = s.smi_pending = true;
			s.vmx_on = s.guest_mode = true;
			s.svm_vmcb12 = rnd();
			fill_extras(&x);
			assert_int_equal(
				vsmm_image_encode(c->layout, &s, &x, area, c->area_size),
				VSMM_OK);
			memset(&out, 0xff, sizeof(out));
			memset(&xout, 0xff, sizeof(xout));
			assert_int_equal(vsmm_image_decode(c->layout, area, c->area_size,
							   &out, &xout),
					 VSMM_OK);
			restrict_state(c->layout, &s);
			s.smm = s.nmi_masked = s.smi_pending = false;
			s.vmx_on = s.guest_mode = false;
			s.svm_vmcb12 = 0;
			restrict_extras(c->layout, &x);
			TP_ASSERT_SAME_STATE(&s, &out);
			assert_extras_equal(&x, &xout);
		}
	}
}

static void put_revision(uint8_t *area, size_t len, uint32_t rev)
{
	/* the revision dword is at SMBASE+0xFEFC; the area ends at +0x10000 */
	put_le(area + len - 0x104, 4, rev);
}

static void test_detect(void **unused)
{
	(void)unused;
	static const struct {
		uint32_t revision;
		int status;
		enum vsmm_layout layout;
	} rows[] = {
		{ 0x00020000u, VSMM_OK, VSMM_LAYOUT_P6_32 },
		{ 0x00030000u, VSMM_OK, VSMM_LAYOUT_P6_32 },
		{ 0x00000000u, VSMM_OK, VSMM_LAYOUT_P6_32 },
		{ 0x00020064u, VSMM_OK, VSMM_LAYOUT_AMD64 },
		{ 0x00030064u, VSMM_OK, VSMM_LAYOUT_AMD64 },
		{ 0x00030100u, VSMM_OK, VSMM_LAYOUT_INTEL64 },
		{ 0x00030101u, VSMM_OK, VSMM_LAYOUT_INTEL64 },
		{ 0x00020101u, VSMM_OK, VSMM_LAYOUT_INTEL64 },
		{ 0x00030002u, VSMM_E_LAYOUT, 0 }, /* Intel legacy 32-bit maps */
		{ 0x00030007u, VSMM_E_LAYOUT, 0 },
		{ 0x00020065u, VSMM_E_LAYOUT, 0 },
		{ 0xdeadbeefu, VSMM_E_LAYOUT, 0 },
		{ 0x00010001u, VSMM_E_LAYOUT, 0 },
	};
	static const size_t lens[] = { 512, 1024 };

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			uint8_t area[1024];
			enum vsmm_layout got = VSMM_LAYOUT_COUNT;
			uint32_t rev = 0;

			memset(area, 0x5a, sizeof(area));
			put_revision(area, lens[l], rows[i].revision);
			assert_int_equal(vsmm_layout_detect(area, lens[l], &got, &rev),
					 rows[i].status);
			assert_int_equal(rev, rows[i].revision);
			if (rows[i].status == VSMM_OK)
				assert_int_equal(got, rows[i].layout);
		}
	}
}

/* An image vsmm wrote is recognised as what it is. */
static void test_detect_own_images(void **unused)
{
	(void)unused;
	rng_state = 4;
	for (size_t k = 0; k < NCASES; k++) {
		struct vsmm_cpu_state s;
		uint8_t area[VSMM_IMAGE_MAX];
		enum vsmm_layout got;

		fill_state(&s);
		assert_int_equal(vsmm_image_encode(cases[k].layout, &s, NULL, area,
						   cases[k].area_size),
				 VSMM_OK);
		assert_int_equal(vsmm_layout_detect(area, cases[k].area_size, &got, NULL),
				 VSMM_OK);
		assert_int_equal(got, cases[k].layout);
	}
}

static void test_bad_arguments(void **unused)
{
	(void)unused;
	static const size_t bad_lens[] = { 0, 1, 256, 511, 513, 1023, 1025, 4096 };
	static const enum vsmm_layout bad_layouts[] = {
		VSMM_LAYOUT_AUTO,
		VSMM_LAYOUT_COUNT,
		(enum vsmm_layout) - 1,
		(enum vsmm_layout)1000,
	};
	uint8_t area[4096] = { 0 };
	struct vsmm_cpu_state s = { 0 };
	enum vsmm_layout got;

	for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++)
		assert_int_equal(vsmm_layout_detect(area, bad_lens[i], &got, NULL),
				 VSMM_E_BUFSIZE);
	assert_int_equal(vsmm_layout_detect(NULL, 512, &got, NULL), VSMM_E_INVAL);
	assert_int_equal(vsmm_layout_detect(area, 512, NULL, NULL), VSMM_E_INVAL);

	for (size_t k = 0; k < NCASES; k++) {
		enum vsmm_layout l = cases[k].layout;
		size_t n = cases[k].area_size;
		for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
			assert_int_equal(
				vsmm_image_encode(l, &s, NULL, area, bad_lens[i]),
				VSMM_E_BUFSIZE);
			assert_int_equal(
				vsmm_image_decode(l, area, bad_lens[i], &s, NULL),
				VSMM_E_BUFSIZE);
		}
		/* the other family's size is wrong too */
		size_t other = n == 512 ? 1024 : 512;
		assert_int_equal(vsmm_image_encode(l, &s, NULL, area, other),
				 VSMM_E_BUFSIZE);
		assert_int_equal(vsmm_image_decode(l, area, other, &s, NULL),
				 VSMM_E_BUFSIZE);
		assert_int_equal(vsmm_image_encode(l, NULL, NULL, area, n), VSMM_E_INVAL);
		assert_int_equal(vsmm_image_encode(l, &s, NULL, NULL, n), VSMM_E_INVAL);
		assert_int_equal(vsmm_image_decode(l, NULL, n, &s, NULL), VSMM_E_INVAL);
		assert_int_equal(vsmm_image_decode(l, area, n, NULL, NULL), VSMM_E_INVAL);
	}
	for (size_t i = 0; i < sizeof(bad_layouts) / sizeof(bad_layouts[0]); i++) {
		assert_null(vsmm_layout_get(bad_layouts[i]));
		assert_int_equal(vsmm_image_encode(bad_layouts[i], &s, NULL, area, 512),
				 VSMM_E_INVAL);
		assert_int_equal(vsmm_image_decode(bad_layouts[i], area, 512, &s, NULL),
				 VSMM_E_INVAL);
	}
}

/*
 * Hostile bytes: decode an exactly-sized heap buffer (so ASan/valgrind see
 * any read past it) and check decode is a fixed point after one encode.
 */
static void test_decode_random(void **unused)
{
	(void)unused;
	rng_state = 5;
	for (size_t k = 0; k < NCASES; k++) {
		const struct layout_case *c = &cases[k];
		uint8_t *area = malloc(c->area_size);
		assert_non_null(area);
		for (int n = 0; n < 300; n++) {
			struct vsmm_cpu_state s1, s2;
			struct vsmm_image_extras x1, x2;
			uint8_t again[VSMM_IMAGE_MAX];

			for (size_t i = 0; i < c->area_size; i++)
				area[i] = (uint8_t)rnd();
			assert_int_equal(vsmm_image_decode(c->layout, area, c->area_size,
							   &s1, &x1),
					 VSMM_OK);
			assert_int_equal(vsmm_image_encode(c->layout, &s1, &x1, again,
							   c->area_size),
					 VSMM_OK);
			assert_int_equal(vsmm_image_decode(c->layout, again, c->area_size,
							   &s2, &x2),
					 VSMM_OK);
			TP_ASSERT_SAME_STATE(&s1, &s2);
			assert_extras_equal(&x1, &x2);
		}
		free(area);
	}
}

/*
 * The segment registers and descriptor tables of the P6 and AMD64 maps,
 * decoded from random areas, against their rows read one by one through
 * the public field API: the decoders load whole records at once (and, on
 * P6 with SSE2, 16 bytes from each attribute dword on), so every member
 * must still come from its own row only, with the bits no register holds
 * (attributes 11:8, the P6 base's high dword, the selector dword's high
 * word, the bytes around a record) dropped.
 */
static uint64_t row_of(const struct vsmm_layout_desc *d, const uint8_t *area,
		       const char *reg, const char *member)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%s", reg, member);
	const struct vsmm_field_desc *f = vsmm_layout_field(d, name);
	assert_non_null(f);
	return vsmm_field_read(d, f, area);
}

static void test_decode_segments_by_field(void **unused)
{
	(void)unused;
	static const char *const sregs[VSMM_SREG_COUNT] = {
		[VSMM_ES] = "es",     [VSMM_CS] = "cs", [VSMM_SS] = "ss",
		[VSMM_DS] = "ds",     [VSMM_FS] = "fs", [VSMM_GS] = "gs",
		[VSMM_LDTR] = "ldtr", [VSMM_TR] = "tr",
	};
	const enum vsmm_layout maps[] = { VSMM_LAYOUT_P6_32, VSMM_LAYOUT_AMD64 };

	rng_state = 0x736567;
	for (size_t m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get(maps[m]);
		bool p6 = maps[m] == VSMM_LAYOUT_P6_32;
		uint8_t area[VSMM_IMAGE_MAX];

		for (int n = 0; n < 500; n++) {
			struct vsmm_cpu_state s;

			for (size_t i = 0; i < d->area_size; i++)
				area[i] = (uint8_t)rnd();
			assert_int_equal(
				vsmm_image_decode(maps[m], area, d->area_size, &s, NULL),
				VSMM_OK);
			for (int r = 0; r < VSMM_SREG_COUNT; r++) {
				uint64_t attr = row_of(d, area, sregs[r], "attr");

				assert_int_equal(s.seg[r].selector,
						 row_of(d, area, sregs[r], "selector") &
							 0xffffu);
				assert_int_equal(s.seg[r].attr,
						 (p6 ? attr >> 8 : attr) &
							 VSMM_SEG_ATTR_MASK);
				assert_int_equal(s.seg[r].limit,
						 row_of(d, area, sregs[r], "limit"));
				assert_true(s.seg[r].base ==
					    row_of(d, area, sregs[r], "base"));
			}
			assert_int_equal(s.gdtr.limit, row_of(d, area, "gdtr", "limit"));
			assert_true(s.gdtr.base == row_of(d, area, "gdtr", "base"));
			assert_int_equal(s.idtr.limit, row_of(d, area, "idtr", "limit"));
			assert_true(s.idtr.base == row_of(d, area, "idtr", "base"));
		}
	}
}

/*
 * An Intel image without vsmm's signature (e.g. a dump from hardware): the
 * manual's fields decode, the reserved range is not taken for caches.
 */
static void test_intel64_without_extension(void **unused)
{
	(void)unused;
	rng_state = 6;
	struct vsmm_cpu_state s, out;
	uint8_t area[1024];

	fill_state(&s);
	assert_int_equal(vsmm_image_encode(VSMM_LAYOUT_INTEL64, &s, NULL, area, 1024),
			 VSMM_OK);
	put_le(area + 0x8c, 4, 0); /* 7C8C */
	assert_int_equal(vsmm_image_decode(VSMM_LAYOUT_INTEL64, area, 1024, &out, NULL),
			 VSMM_OK);
	assert_true(out.rip == s.rip);
	assert_true(out.cr0 == s.cr0);
	assert_true(out.gdtr.base == s.gdtr.base);
	assert_int_equal(out.seg[VSMM_CS].selector, s.seg[VSMM_CS].selector);
	assert_true(out.seg[VSMM_LDTR].base == s.seg[VSMM_LDTR].base);
	assert_int_equal(out.seg[VSMM_CS].attr, 0);
	assert_true(out.seg[VSMM_CS].base == 0);
	assert_int_equal(out.gdtr.limit, 0);
	assert_int_equal(out.int_shadow, 0);
}

/* The descriptors: names, geometry, and tables that fit their areas. */
static void test_descriptors(void **unused)
{
	(void)unused;
	enum vsmm_layout l;

	assert_int_equal(vsmm_layout_from_name("auto", &l), VSMM_OK);
	assert_int_equal(l, VSMM_LAYOUT_AUTO);
	assert_int_equal(vsmm_layout_from_name("amd65", &l), VSMM_E_LAYOUT);
	assert_int_equal(vsmm_layout_from_name("", &l), VSMM_E_LAYOUT);
	assert_int_equal(vsmm_layout_from_name(NULL, &l), VSMM_E_INVAL);
	assert_int_equal(vsmm_layout_from_name("p6-32", NULL), VSMM_E_INVAL);

	for (size_t k = 0; k < NCASES; k++) {
		const struct layout_case *c = &cases[k];
		const struct vsmm_layout_desc *d = vsmm_layout_get(c->layout);

		assert_int_equal(vsmm_layout_from_name(c->name, &l), VSMM_OK);
		assert_int_equal(l, c->layout);
		assert_non_null(d);
		assert_int_equal(d->layout, c->layout);
		assert_string_equal(d->name, c->name);
		assert_non_null(d->title);
		assert_int_equal(d->area_offset, c->area_offset);
		assert_int_equal(d->area_size, c->area_size);
		assert_true(d->area_size <= VSMM_IMAGE_MAX);

		uint32_t first = c->area_offset - 0x8000u;
		uint32_t next = first;
		for (size_t i = 0; i < d->nfields; i++) {
			const struct vsmm_field_desc *f = &d->fields[i];
			assert_non_null(f->name);
			assert_non_null(f->text);
			assert_true(f->size == 1 || f->size == 2 || f->size == 4 ||
				    f->size == 8);
			/* ascending, non-overlapping, inside the area */
			assert_true(f->offset >= next);
			next = f->offset + f->size;
			assert_true(next <= 0x8000u);
			for (size_t j = 0; j < i; j++)
				assert_string_not_equal(f->name, d->fields[j].name);
		}
	}
}

/* vsmm_field_read agrees with the golden rows, and refuses bad descriptors. */
static void test_field_read(void **unused)
{
	(void)unused;
	rng_state = 7;
	for (size_t k = 0; k < NCASES; k++) {
		const struct layout_case *c = &cases[k];
		const struct vsmm_layout_desc *d = vsmm_layout_get(c->layout);
		struct vsmm_cpu_state s;
		struct vsmm_image_extras x;
		uint8_t area[VSMM_IMAGE_MAX];
		struct golden g[MAX_GOLDEN];
		size_t n, checked = 0;

		fill_state(&s);
		fill_extras(&x);
		assert_int_equal(vsmm_image_encode(c->layout, &s, &x, area, c->area_size),
				 VSMM_OK);
		n = c->golden(&s, &x, g);
		for (size_t i = 0; i < d->nfields; i++) {
			for (size_t j = 0; j < n; j++) {
				if (g[j].off != d->fields[i].offset)
					continue;
				assert_int_equal(d->fields[i].size, g[j].size);
				assert_true(vsmm_field_read(d, &d->fields[i], area) ==
					    g[j].want);
				checked++;
			}
		}
		/* every field of the table is a golden row, and vice versa */
		assert_int_equal(checked, d->nfields);
		assert_int_equal(n, d->nfields);

		struct vsmm_field_desc bad = { "bad", 0x8000, 4, 0, "" };
		assert_true(vsmm_field_read(d, &bad, area) == 0);
		bad.offset = 0x7ffe;
		assert_true(vsmm_field_read(d, &bad, area) == 0);
		bad.offset = (uint16_t)(c->area_offset - 0x8000u - 4);
		assert_true(vsmm_field_read(d, &bad, area) == 0);
		bad.offset = 0x7ff0;
		bad.size = 3;
		assert_true(vsmm_field_read(d, &bad, area) == 0);
		assert_true(vsmm_field_read(NULL, &d->fields[0], area) == 0);
		assert_true(vsmm_field_read(d, NULL, area) == 0);
		assert_true(vsmm_field_read(d, &d->fields[0], NULL) == 0);
	}
}

/* Looking a row up by its manual name. */
static void test_field_by_name(void **unused)
{
	(void)unused;
	static const struct {
		enum vsmm_layout layout;
		const char *name;
		uint16_t off;
		uint8_t size;
	} rows[] = {
		{ VSMM_LAYOUT_P6_32, "cr0", 0x7FFC, 4 },
		{ VSMM_LAYOUT_P6_32, "eflags", 0x7FF4, 4 },
		{ VSMM_LAYOUT_P6_32, "smbase", 0x7EF8, 4 },
		{ VSMM_LAYOUT_AMD64, "cr0", 0x7F58, 8 },
		{ VSMM_LAYOUT_AMD64, "efer", 0x7ED0, 8 },
		{ VSMM_LAYOUT_AMD64, "int_shadow", 0x7ECB, 1 },
		{ VSMM_LAYOUT_AMD64, "smbase", 0x7F00, 4 },
		{ VSMM_LAYOUT_INTEL64, "cr4", 0x7E40, 4 },
		{ VSMM_LAYOUT_INTEL64, "efer", 0x7FE0, 8 },
		{ VSMM_LAYOUT_INTEL64, "io_misc", 0x7FA4, 4 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get(rows[i].layout);
		const struct vsmm_field_desc *f = vsmm_layout_field(d, rows[i].name);
		assert_non_null(f);
		assert_string_equal(f->name, rows[i].name);
		assert_int_equal(f->offset, rows[i].off);
		assert_int_equal(f->size, rows[i].size);
	}
	const struct vsmm_layout_desc *p6 = vsmm_layout_get(VSMM_LAYOUT_P6_32);
	assert_null(vsmm_layout_field(p6, "efer")); /* not in the 32-bit map */
	assert_null(vsmm_layout_field(p6, "r8"));
	assert_null(vsmm_layout_field(p6, "CR0"));
	assert_null(vsmm_layout_field(p6, NULL));
	assert_null(vsmm_layout_field(NULL, "cr0"));
}

/*
 * VSMM_IMAGE_EXTRAS_MAP is the one table behind struct vsmm_image_extras:
 * each member reaches the field of its name (revision: smm_revision) in
 * every layout that has one, and nothing else; in the others it decodes
 * as 0.
 */
static const struct {
	const char *member;
	size_t off, size;
} extras_rows[] = {
#define EXTRA_ROW(type, member, tag, text) \
	{ #member, offsetof(struct vsmm_image_extras, member), sizeof(type) },
	VSMM_IMAGE_EXTRAS_MAP(EXTRA_ROW)
#undef EXTRA_ROW
};

static uint64_t extras_get(const struct vsmm_image_extras *x, size_t i)
{
	uint64_t v = 0;

	memcpy(&v, (const char *)x + extras_rows[i].off, extras_rows[i].size);
	return v; /* little-endian host: the tests run on x86 */
}

static void test_extras_table(void **unused)
{
	(void)unused;
	for (int l = VSMM_LAYOUT_P6_32; l < VSMM_LAYOUT_COUNT; l++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get((enum vsmm_layout)l);
		uint8_t area[VSMM_IMAGE_MAX];
		struct vsmm_cpu_state st, back;

		vsmm_cpu_state_reset(&st);
		for (size_t i = 0; i < sizeof(extras_rows) / sizeof(extras_rows[0]);
		     i++) {
			const char *name = strcmp(extras_rows[i].member, "revision")
						   ? extras_rows[i].member
						   : "smm_revision";
			const struct vsmm_field_desc *f = vsmm_layout_field(d, name);
			struct vsmm_image_extras x, y;
			uint64_t pattern = 0x8070605040302011ull;

			memset(&x, 0, sizeof(x));
			memcpy((char *)&x + extras_rows[i].off, &pattern,
			       extras_rows[i].size);
			assert_int_equal(
				vsmm_image_encode(d->layout, &st, &x, area, d->area_size),
				VSMM_OK);
			assert_int_equal(vsmm_image_decode(d->layout, area, d->area_size,
							   &back, &y),
					 VSMM_OK);
			if (!f) {
				assert_int_equal(extras_get(&y, i), 0);
				continue;
			}
			size_t n = f->size < extras_rows[i].size ? f->size
								 : extras_rows[i].size;
			uint64_t want = n == 8 ? pattern
					       : pattern & ((1ull << (8 * n)) - 1);
			assert_int_equal(vsmm_field_read(d, f, area), want);
			assert_int_equal(extras_get(&y, i), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_offsets),
		cmocka_unit_test(test_golden_many),
		cmocka_unit_test(test_golden_no_extras),
		cmocka_unit_test(test_revision_bits),
		cmocka_unit_test(test_attr_packing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_own_images),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_decode_random),
		cmocka_unit_test(test_decode_segments_by_field),
		cmocka_unit_test(test_intel64_without_extension),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_field_read),
		cmocka_unit_test(test_field_by_name),
		cmocka_unit_test(test_extras_table),
	};
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
