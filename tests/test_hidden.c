/* SPDX-License-Identifier: MIT */
/*
 * Issue 14.3: RSM of an Intel 64 image without vsmm's records, as real
 * hardware or another tool writes it.  Each image here is built by hand,
 * field by field through the public field table (no vsmm_image_encode, so
 * no records), with a GDT (and page tables, LDT) in guest memory; RSM must
 * take the hidden segment state from the tables as segment loads would,
 * keep the vCPU's values for what no table holds, and say when it cannot
 * decide (no platform).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#define SMBASE 0x3f000000u
#define GDT_LINEAR 0x201000ull /* mapped to 0x1000 by the long-mode tables */
#define GDT_PHYS 0x1000u
#define FS_BASE 0x00007f0012345000ull
#define GS_BASE 0xffff888012340000ull
#define TSS_BASE 0xffff888000003000ull

static struct tp_vcpu tv;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void set(const struct vsmm_layout_desc *d, uint8_t *area, const char *name,
		uint64_t value)
{
	const struct vsmm_field_desc *f = vsmm_layout_field(d, name);

	assert_non_null(f);
	assert_int_equal(vsmm_field_write(d, f, area, value), VSMM_OK);
}

/* A descriptor's two dwords: base, 20-bit limit, and the high dword's
 * bits 8..23 (the access-rights word of the attribute, << 8). */
static void desc(uint8_t *gdt, unsigned sel, uint32_t base, uint32_t limit, uint32_t attr)
{
	uint8_t *p = gdt + (sel & ~7u);

	put32(p, (base & 0xffffu) << 16 | (limit & 0xffffu));
	put32(p + 4, (base >> 16 & 0xffu) | (attr & 0xf0ffu) << 8 | (limit & 0xf0000u) |
			     (base & 0xff000000u));
}

/* A vCPU of an Intel long-mode model under hardware semantics (the
 * intel64 map), in SMM after an SMI from a long-mode state.  The SMM
 * handler's GDTR/IDTR limits and FS/GS bases are what RSM keeps. */
static const struct vsmm_layout_desc *in_smm(void)
{
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.smbase = SMBASE;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tv.vcpu.state.gdtr.limit = 0x7f;
	tv.vcpu.state.idtr.limit = 0xfff;
	tv.vcpu.state.seg[VSMM_FS].base = FS_BASE;
	tv.vcpu.state.seg[VSMM_GS].base = GS_BASE;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&tv.vcpu));
	assert_int_equal(d->layout, VSMM_LAYOUT_INTEL64);
	return d;
}

/* The manual's fields of a 64-bit kernel context; no vsmm records. */
static void long_mode_image(const struct vsmm_layout_desc *d, uint8_t *area)
{
	memset(area, 0, d->area_size);
	set(d, area, "smm_revision", 0x00030101);
	set(d, area, "smbase", SMBASE);
	set(d, area, "cr0", VSMM_CR0_PE | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_PG);
	set(d, area, "cr3", 0x100000);
	set(d, area, "cr4", VSMM_CR4_PAE);
	set(d, area, "efer",
	    VSMM_EFER_LME | VSMM_EFER_LMA | VSMM_EFER_NXE | VSMM_EFER_SCE);
	set(d, area, "rflags", VSMM_RFLAGS_FIXED);
	set(d, area, "rip", 0xffffffff81000000ull);
	set(d, area, "dr6", 0xffff0ff0u);
	set(d, area, "dr7", 0x400);
	set(d, area, "cs_selector", 0x08);
	set(d, area, "ss_selector", 0x10);
	set(d, area, "ds_selector", 0x10);
	set(d, area, "es_selector", 0);
	set(d, area, "fs_selector", 0);
	set(d, area, "gs_selector", 0x10);
	set(d, area, "ldtr_selector", 0x18);
	set(d, area, "tr_selector", 0x28);
	set(d, area, "gdtr_base_lo", (uint32_t)GDT_LINEAR);
	set(d, area, "idtr_base_lo", 0x2000);
	set(d, area, "ldtr_base_lo", 0x4000);
}

/* 4-level tables: linear 0..4 MiB as two 2 MiB pages, both onto physical
 * 0 (so the GDT at linear 0x201000 is at physical 0x1000). */
static void long_mode_memory(void)
{
	uint8_t e[8], gdt[0x80] = { 0 };

	put64(e, 0x101003);
	fz_mem_poke(tv.mem, 0x100000, e, 8, false);
	put64(e, 0x102003);
	fz_mem_poke(tv.mem, 0x101000, e, 8, false);
	put64(e, 0x83);
	fz_mem_poke(tv.mem, 0x102000, e, 8, false);
	fz_mem_poke(tv.mem, 0x102008, e, 8, false);

	desc(gdt, 0x08, 0, 0xfffff, 0xa09b);		 /* 64-bit code, G */
	desc(gdt, 0x10, 0, 0xfffff, 0xc093);		 /* data, G, B */
	desc(gdt, 0x18, 0x4000, 0xff, 0x82);		 /* LDT, 16 bytes in IA-32e */
	desc(gdt, 0x28, (uint32_t)TSS_BASE, 0x67, 0x8b); /* busy 64-bit TSS */
	put32(gdt + 0x30, (uint32_t)(TSS_BASE >> 32));
	fz_mem_poke(tv.mem, GDT_PHYS, gdt, sizeof(gdt), false);
}

static void poke_area(const struct vsmm_layout_desc *d, const uint8_t *area)
{
	fz_mem_poke(tv.mem, SMBASE + d->area_offset, area, d->area_size, true);
}

static void assert_seg(const struct vsmm_seg *g, uint16_t sel, uint16_t attr,
		       uint32_t limit, uint64_t base)
{
	assert_int_equal(g->selector, sel);
	assert_int_equal(g->attr, attr);
	assert_int_equal(g->limit, limit);
	assert_int_equal(g->base, base);
}

/* The case of the issue: CS attributes and limit, GDTR/IDTR limits and
 * FS/GS bases were 0 (now they come from the GDT and the vCPU). */
static void test_long_mode_from_gdt(void **unused)
{
	(void)unused;
	const struct vsmm_layout_desc *d = in_smm();
	uint8_t area[VSMM_IMAGE_MAX];

	long_mode_image(d, area);
	long_mode_memory();
	poke_area(d, area);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);

	const struct vsmm_cpu_state *st = &tv.vcpu.state;
	assert_false(st->smm);
	assert_int_equal(st->rip, 0xffffffff81000000ull);
	assert_seg(&st->seg[VSMM_CS], 0x08, 0xa09b, 0xffffffffu, 0);
	assert_seg(&st->seg[VSMM_SS], 0x10, 0xc093, 0xffffffffu, 0);
	assert_seg(&st->seg[VSMM_DS], 0x10, 0xc093, 0xffffffffu, 0);
	assert_seg(&st->seg[VSMM_GS], 0x10, 0xc093, 0xffffffffu, GS_BASE);
	/* null: unusable, FS base the vCPU's IA32_FS_BASE */
	assert_int_equal(st->seg[VSMM_FS].attr & VSMM_SEG_P, 0);
	assert_int_equal(st->seg[VSMM_FS].base, FS_BASE);
	assert_int_equal(st->seg[VSMM_ES].attr & VSMM_SEG_P, 0);
	assert_seg(&st->seg[VSMM_LDTR], 0x18, 0x82, 0xff, 0x4000);
	assert_seg(&st->seg[VSMM_TR], 0x28, 0x8b, 0x67, TSS_BASE);
	assert_int_equal(st->gdtr.base, GDT_LINEAR);
	assert_int_equal(st->gdtr.limit, 0x7f);
	assert_int_equal(st->idtr.base, 0x2000);
	assert_int_equal(st->idtr.limit, 0xfff);

	/* vsmm_rsm_check agrees with the platform, and cannot decide
	 * without one (the verdict of `vsmm check` on a bare image). */
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	struct vsmm_vcpu bare = tv.vcpu;
	struct vsmm_shutdown why;
	struct vsmm_cpu_state out;
	uint8_t own[VSMM_IMAGE_MAX];

	bare.ops = NULL;
	/* An image with vsmm's records needs no memory, as before. */
	fz_mem_read_view(tv.mem, true, SMBASE + d->area_offset, own, d->area_size);
	assert_int_equal(vsmm_rsm_check(&bare, own, d->area_size, &why, NULL), VSMM_OK);
	memset(&why, 0xa5, sizeof(why));
	assert_int_equal(vsmm_rsm_check(&bare, area, d->area_size, &why, NULL),
			 VSMM_E_NO_MEMORY);
	/* No rule failed: *why says none (RSM fills it only on shutdown). */
	assert_int_equal(why.reason, VSMM_REASON_NONE);
	assert_null(why.field);
	assert_int_equal(why.offset, 0);
	assert_int_equal(why.value, 0);
	assert_int_equal(vsmm_rsm_check(&tv.vcpu, area, d->area_size, &why, &out),
			 VSMM_OK);
	assert_int_equal(out.seg[VSMM_CS].attr, 0xa09b);
}

/* Each bad descriptor is a named shutdown on the selector's field, and
 * RSM commits nothing. */
static void expect_shutdown(const struct vsmm_layout_desc *d, const uint8_t *area,
			    enum vsmm_reason reason, const char *field, uint64_t value)
{
	struct vsmm_vcpu before;

	poke_area(d, area);
	before = tv.vcpu;
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	if (tv.vcpu.last_shutdown.reason != reason)
		fail_msg("expected %s, got %s", vsmm_reason_name(reason),
			 vsmm_reason_name(tv.vcpu.last_shutdown.reason));
	assert_string_equal(tv.vcpu.last_shutdown.field, field);
	assert_int_equal(tv.vcpu.last_shutdown.offset,
			 vsmm_layout_field(d, field)->offset);
	assert_int_equal(tv.vcpu.last_shutdown.value, value);
	before.state.shutdown = true;
	before.last_shutdown = tv.vcpu.last_shutdown;
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
}

static void test_bad_descriptors(void **unused)
{
	(void)unused;
	const struct vsmm_layout_desc *d = in_smm();
	uint8_t area[VSMM_IMAGE_MAX], zero[16] = { 0 };

	long_mode_image(d, area);
	long_mode_memory();
	/* DS beyond the GDT's limit (the vCPU's 0x7f). */
	set(d, area, "ds_selector", 0x80);
	expect_shutdown(d, area, VSMM_REASON_DESC_LIMIT, "ds_selector", 0x80);

	in_smm();
	long_mode_memory();
	long_mode_image(d, area);
	/* SS names an empty (not present) GDT slot. */
	set(d, area, "ss_selector", 0x40);
	expect_shutdown(d, area, VSMM_REASON_DESC_NOT_PRESENT, "ss_selector", 0x40);

	in_smm();
	long_mode_memory();
	long_mode_image(d, area);
	/* A selector with TI=1 in an LDT of 0x100 bytes: index 0x20 is out. */
	set(d, area, "es_selector", 0x104 | 4);
	expect_shutdown(d, area, VSMM_REASON_DESC_LIMIT, "es_selector", 0x104 | 4);

	in_smm();
	long_mode_memory();
	long_mode_image(d, area);
	/* The page directory no longer maps the GDT: the walk fails. */
	fz_mem_poke(tv.mem, 0x102008, zero, 8, false);
	expect_shutdown(d, area, VSMM_REASON_DESC_READ, "ldtr_selector", 0x18);

	in_smm();
	long_mode_memory();
	long_mode_image(d, area);
	/* A 16-byte TSS descriptor cut by the GDT limit. */
	tv.vcpu.state.gdtr.limit = 0x2f;
	expect_shutdown(d, area, VSMM_REASON_DESC_LIMIT, "tr_selector", 0x28);

	in_smm();
	long_mode_memory();
	long_mode_image(d, area);
	/* CS on the LDT's (system) descriptor: the segment checks judge
	 * what the load gave. */
	set(d, area, "cs_selector", 0x18);
	poke_area(d, area);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	assert_int_equal(tv.vcpu.last_shutdown.reason, VSMM_REASON_CS_ATTR);
}

/* 32-bit protected mode with 32-bit paging (4 KiB pages): the GDT at
 * linear 0xc0001000, code and data from the LDT (TI=1). */
static void test_protected_32_ldt(void **unused)
{
	(void)unused;
	const struct vsmm_layout_desc *d = in_smm();
	uint8_t area[VSMM_IMAGE_MAX], gdt[0x80] = { 0 }, ldt[0x20] = { 0 }, e[4];

	/* PD at 0x100000: entry 0x300 (0xc0000000) -> PT at 0x101000, whose
	 * entry 1 maps 0xc0001000 to 0x1000; entry 0 identity-maps 4 MiB for
	 * the LDT at 0x5000 (a 4 MiB page, CR4.PSE). */
	put32(e, 0x101003);
	fz_mem_poke(tv.mem, 0x100000 + 4 * 0x300, e, 4, false);
	put32(e, 0x1003);
	fz_mem_poke(tv.mem, 0x101000 + 4, e, 4, false);
	put32(e, 0x83);
	fz_mem_poke(tv.mem, 0x100000, e, 4, false);
	desc(gdt, 0x18, 0x5000, 0x1f, 0x82); /* LDT */
	desc(gdt, 0x20, 0x6000, 0x67, 0x8b); /* busy 32-bit TSS */
	fz_mem_poke(tv.mem, 0x1000, gdt, sizeof(gdt), false);
	desc(ldt, 0x08, 0x10000, 0xfffff, 0xc09b); /* 32-bit code at 64 KiB */
	desc(ldt, 0x10, 0, 0xffff, 0x0093);	   /* 64 KiB data, byte granular */
	fz_mem_poke(tv.mem, 0x5000, ldt, sizeof(ldt), false);

	memset(area, 0, d->area_size);
	set(d, area, "smm_revision", 0x00030101);
	set(d, area, "smbase", SMBASE);
	set(d, area, "cr0", VSMM_CR0_PE | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_PG);
	set(d, area, "cr3", 0x100000);
	set(d, area, "cr4", VSMM_CR4_PSE);
	set(d, area, "rflags", VSMM_RFLAGS_FIXED);
	set(d, area, "rip", 0x1000);
	set(d, area, "dr6", 0xffff0ff0u);
	set(d, area, "dr7", 0x400);
	set(d, area, "cs_selector", 0x08 | 4);
	set(d, area, "ss_selector", 0x10 | 4);
	set(d, area, "ds_selector", 0x10 | 4);
	set(d, area, "es_selector", 0x10 | 4);
	set(d, area, "ldtr_selector", 0x18);
	set(d, area, "tr_selector", 0x20);
	set(d, area, "gdtr_base_lo", 0xc0001000u);
	set(d, area, "ldtr_base_lo", 0x5000);
	poke_area(d, area);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);

	const struct vsmm_cpu_state *st = &tv.vcpu.state;
	assert_seg(&st->seg[VSMM_CS], 0x0c, 0xc09b, 0xffffffffu, 0x10000);
	assert_seg(&st->seg[VSMM_SS], 0x14, 0x0093, 0xffff, 0);
	assert_seg(&st->seg[VSMM_ES], 0x14, 0x0093, 0xffff, 0);
	assert_seg(&st->seg[VSMM_TR], 0x20, 0x8b, 0x67, 0x6000);
	assert_seg(&st->seg[VSMM_LDTR], 0x18, 0x82, 0x1f, 0x5000);
	/* Outside IA-32e mode the FS/GS bases are the descriptors' (null). */
	assert_int_equal(st->seg[VSMM_FS].base, 0);
	assert_int_equal(st->seg[VSMM_FS].attr & VSMM_SEG_P, 0);
}

/* Real mode has no descriptors: bases are selector * 16; limits and
 * attributes, LDTR and TR are the vCPU's. */
static void test_real_mode(void **unused)
{
	(void)unused;
	const struct vsmm_layout_desc *d = in_smm();
	uint8_t area[VSMM_IMAGE_MAX];
	struct vsmm_cpu_state now = tv.vcpu.state;

	memset(area, 0, d->area_size);
	set(d, area, "smm_revision", 0x00030101);
	set(d, area, "smbase", SMBASE);
	set(d, area, "cr0", VSMM_CR0_ET | VSMM_CR0_NE);
	set(d, area, "rflags", VSMM_RFLAGS_FIXED);
	set(d, area, "rip", 0x100);
	set(d, area, "dr6", 0xffff0ff0u);
	set(d, area, "dr7", 0x400);
	set(d, area, "cs_selector", 0x1234);
	set(d, area, "ds_selector", 0x40);
	poke_area(d, area);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ), 0);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	/* One read: the area.  No descriptor is read in real mode. */
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ), 1);

	const struct vsmm_cpu_state *st = &tv.vcpu.state;
	assert_int_equal(st->seg[VSMM_CS].base, 0x12340);
	assert_int_equal(st->seg[VSMM_CS].limit, now.seg[VSMM_CS].limit);
	assert_int_equal(st->seg[VSMM_DS].base, 0x400);
	assert_int_equal(st->seg[VSMM_DS].limit, now.seg[VSMM_DS].limit);
	assert_int_equal(st->seg[VSMM_TR].attr, now.seg[VSMM_TR].attr);
	assert_int_equal(st->seg[VSMM_TR].base, now.seg[VSMM_TR].base);
	assert_int_equal(st->gdtr.limit, now.gdtr.limit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_mode_from_gdt),
		cmocka_unit_test(test_bad_descriptors),
		cmocka_unit_test(test_protected_32_ldt),
		cmocka_unit_test(test_real_mode),
	};
	return cmocka_run_group_tests(tests, NULL, tp_teardown);
}
