/* SPDX-License-Identifier: MIT */
/*
 * enter_smm / leave_smm: round trips in every processor mode, the SMM
 * entry environment, the one-shot image access, #UD outside SMM, and
 * "nothing changes but the shutdown flag" when RSM fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static struct tp_vcpu tv;

/* SMI then immediate RSM gives back the interrupted state exactly. */
static void round_trip(enum vsmm_vendor vendor, bool lm, enum fz_state_kind mode)
{
	tp_vcpu_init(&tv, vendor, lm, VSMM_SEMANTICS_KVM);
	tp_state(&tv, mode);
	tv.vcpu.state.smbase = 0x7000000;
	struct vsmm_cpu_state before = tv.vcpu.state;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.smm);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
}

static void test_round_trip_real(void **unused)
{
	(void)unused;
	round_trip(VSMM_VENDOR_INTEL, true, FZ_ST_REAL);
	round_trip(VSMM_VENDOR_AMD, true, FZ_ST_REAL);
	round_trip(VSMM_VENDOR_INTEL, false, FZ_ST_REAL);
}

static void test_round_trip_prot16(void **unused)
{
	(void)unused;
	round_trip(VSMM_VENDOR_INTEL, true, FZ_ST_PM16);
	round_trip(VSMM_VENDOR_AMD, false, FZ_ST_PM16);
}

static void test_round_trip_prot32(void **unused)
{
	(void)unused;
	round_trip(VSMM_VENDOR_INTEL, true, FZ_ST_PM32);
	round_trip(VSMM_VENDOR_AMD, true, FZ_ST_PM32);
	round_trip(VSMM_VENDOR_INTEL, false, FZ_ST_PM32);
}

/* PAE paging reads the four PDPTEs through the normal address space. */
static void test_round_trip_pae(void **unused)
{
	(void)unused;
	bool lms[] = { true, false };
	for (unsigned i = 0; i < 2; i++) {
		tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, lms[i], VSMM_SEMANTICS_KVM);
		tp_state(&tv, FZ_ST_PAE);
		uint8_t pdpt[32] = { 0 };
		pdpt[0] = 0x01;
		pdpt[1] = 0x70; /* 0x7001: present */
		pdpt[8] = 0x19;
		pdpt[9] = 0x80; /* PWT|PCD|present */
		uint64_t pdpt_gpa = tv.vcpu.state.cr3 & 0xffffffe0u;
		assert_true(fz_mem_poke(tv.mem, pdpt_gpa, pdpt, sizeof(pdpt), false));
		struct vsmm_cpu_state before = tv.vcpu.state;

		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
		TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
		/* image write, image read, then the PDPT read at CR3[31:5] */
		assert_int_equal(tv.mem->calls, 5);
		assert_int_equal(tv.mem->log[3].kind, FZ_CALL_READ);
		assert_false(tv.mem->log[3].smm);
		assert_int_equal(tv.mem->log[3].gpa, pdpt_gpa);
		assert_int_equal(tv.mem->log[3].len, 32);
	}
}

static void test_round_trip_long(void **unused)
{
	(void)unused;
	round_trip(VSMM_VENDOR_INTEL, true, FZ_ST_LONG);
	round_trip(VSMM_VENDOR_AMD, true, FZ_ST_LONG);
	round_trip(VSMM_VENDOR_INTEL, true, FZ_ST_LONG_PCID);
	round_trip(VSMM_VENDOR_AMD, true, FZ_ST_LONG_PCID);
}

/* Spec 2.4: the SMM execution environment. */
static void test_entry_environment(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG_PCID);
	tv.vcpu.state.smbase = 0x12340000;
	tv.vcpu.state.cr0 |= VSMM_CR0_TS | VSMM_CR0_EM | VSMM_CR0_WP | VSMM_CR0_MP;
	tv.vcpu.state.int_shadow = VSMM_SHADOW_STI;
	tv.vcpu.state.dr7 = 0x4ff;
	tv.vcpu.state.halted = true;
	struct vsmm_cpu_state before = tv.vcpu.state;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	const struct vsmm_cpu_state *st = &tv.vcpu.state;

	assert_int_equal(st->rflags, 2);
	assert_int_equal(st->rip, 0x8000);
	assert_int_equal(st->int_shadow, 0);
	/* PE, EM, TS and PG cleared; the rest (the catalogue's AM too) kept. */
	assert_int_equal(st->cr0, VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_WP | VSMM_CR0_MP |
					  VSMM_CR0_AM);
	assert_int_equal(st->cr4, 0);
	assert_int_equal(st->efer, 0);
	assert_int_equal(st->idtr.base, 0);
	assert_int_equal(st->idtr.limit, 0);
	assert_int_equal(st->dr7, 0x400);
	assert_int_equal(st->seg[VSMM_CS].selector, 0x4000); /* (SMBASE >> 4) & 0xFFFF */
	assert_int_equal(st->seg[VSMM_CS].base, 0x12340000);
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		assert_int_equal(st->seg[i].limit, 0xffffffffu);
		assert_int_equal(st->seg[i].attr, 0x8093);
		if (i != VSMM_CS) {
			assert_int_equal(st->seg[i].selector, 0);
			assert_int_equal(st->seg[i].base, 0);
		}
	}
	/* unchanged: GDTR, LDTR, TR, CR3, DR6, CR2 */
	assert_int_equal(st->gdtr.base, before.gdtr.base);
	assert_int_equal(st->seg[VSMM_TR].base, before.seg[VSMM_TR].base);
	assert_int_equal(st->cr3, before.cr3);
	assert_false(st->halted);
	assert_true(st->nmi_masked);
	assert_false(st->smm_inside_nmi);
	assert_int_equal(tv.vcpu.smi_count, 1);
}

/* The 32-bit map has no EFER: a vCPU using it keeps EFER across SMM. */
static void test_entry_keeps_efer_32(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_PM32);
	tv.vcpu.state.efer = VSMM_EFER_NXE;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.efer, VSMM_EFER_NXE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.efer, VSMM_EFER_NXE);
}

/* The image moves in exactly one access of area_size each way, in the SMM
 * address space, at SMBASE + area_offset. */
static void one_shot(enum vsmm_vendor vendor, bool lm, enum vsmm_semantics sem)
{
	tp_vcpu_init(&tv, vendor, lm, sem);
	tp_state(&tv, lm ? FZ_ST_LONG : FZ_ST_PM32);
	tv.vcpu.state.smbase = 0xa0000;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&tv.vcpu));

	assert_non_null(d);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_WRITE), 1);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ), 0);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_WRITE), 1);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ), 1);
	for (unsigned i = 0; i < tv.mem->calls; i++) {
		const struct fz_call *c = &tv.mem->log[i];
		if (c->kind != FZ_CALL_READ && c->kind != FZ_CALL_WRITE)
			continue;
		assert_true(c->smm);
		assert_int_equal(c->gpa, 0xa0000 + d->area_offset);
		assert_int_equal(c->len, d->area_size);
	}
	/* smm_changed(true) comes before the write; (false) after the read. */
	assert_int_equal(tv.mem->log[0].kind, FZ_CALL_SMM_CHANGED);
	assert_true(tv.mem->log[0].smm);
	assert_int_equal(tv.mem->log[1].kind, FZ_CALL_WRITE);
	assert_int_equal(tv.mem->log[2].kind, FZ_CALL_READ);
	assert_int_equal(tv.mem->log[3].kind, FZ_CALL_SMM_CHANGED);
	assert_false(tv.mem->log[3].smm);
}

static void test_one_shot_access(void **unused)
{
	(void)unused;
	one_shot(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	one_shot(VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_KVM);
	one_shot(VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_KVM);
	one_shot(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	one_shot(VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_HARDWARE);
}

/* RSM outside SMM is #UD and touches nothing. */
static void test_rsm_outside_smm(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	struct vsmm_vcpu before = tv.vcpu;

	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_UD);
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	assert_int_equal(tv.mem->calls, 0);
}

/* SMI while in SMM or in shutdown is refused. */
static void test_smi_refused(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_E_STATE);
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tv.vcpu.state.shutdown = true;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_E_STATE);
	assert_int_equal(tv.mem->calls, 0);
}

/* A bad image: shutdown, and no field other than `shutdown` changes. */
static void test_shutdown_commits_nothing(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	/* The handler writes NW without CD into the image's CR0 (7F58). */
	uint64_t gpa = tv.vcpu.state.smbase + 0x8000 + 0x7f58;
	uint8_t cr0[8];
	fz_mem_read_view(tv.mem, true, gpa, cr0, 8);
	cr0[3] |= 0x20; /* bit 29 */
	fz_mem_poke(tv.mem, gpa, cr0, 8, true);
	struct vsmm_vcpu before = tv.vcpu;

	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	assert_int_equal(tv.vcpu.last_shutdown.reason, VSMM_REASON_CR0_NW_NO_CD);
	assert_string_equal(tv.vcpu.last_shutdown.field, "cr0");
	assert_int_equal(tv.vcpu.last_shutdown.offset, 0x7f58);
	before.state.shutdown = true;
	before.last_shutdown = tv.vcpu.last_shutdown;
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	/* no smm_changed(false): the address space stays SMM */
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_SMM_CHANGED), 1);
}

/*
 * Fault injection: make the Nth callback fail, for every N an SMI and an
 * RSM of a nested PAE-paging guest use.  SMI: an error and an untouched
 * vCPU.  RSM: shutdown (with the reason of the failed step) and nothing
 * but the shutdown flag committed.
 */
static void nested_pae_guest(void)
{
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_PAE);
	tv.vcpu.state.cr4 |= VSMM_CR4_VMXE;
	tv.vcpu.state.vmx_on = tv.vcpu.state.guest_mode = true;
}

/* A failed write of the image after smm_changed(true): the platform is
 * switched back to the normal address space (issue 14.2), and the vCPU is
 * untouched, so the SMI can be delivered again once memory works. */
static void test_failed_write_undoes_smm_changed(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	tv.mem->fail_kinds = 1u << FZ_CALL_WRITE;
	struct vsmm_vcpu before = tv.vcpu;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_E_PLATFORM);
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	assert_int_equal(tv.mem->calls, 3);
	assert_int_equal(tv.mem->log[0].kind, FZ_CALL_SMM_CHANGED);
	assert_true(tv.mem->log[0].smm);
	assert_int_equal(tv.mem->log[1].kind, FZ_CALL_WRITE);
	assert_int_equal(tv.mem->log[2].kind, FZ_CALL_SMM_CHANGED);
	assert_false(tv.mem->log[2].smm);
	tv.mem->fail_kinds = 0;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
}

static void test_every_callback_fails(void **unused)
{
	(void)unused;
	static const enum vsmm_reason rsm_reasons[] = {
		VSMM_REASON_SMRAM_READ,
		VSMM_REASON_PDPTE_READ,
		VSMM_REASON_NESTED_REENTRY,
		VSMM_REASON_SMM_CHANGED,
	};
	for (int n = 0; n < 3; n++) { /* nested_leave, smm_changed, write */
		nested_pae_guest();
		tv.mem->fail_at = (unsigned)n + 1;
		struct vsmm_vcpu before = tv.vcpu;
		int rc = vsmm_enter_smm(&tv.vcpu);
		assert_true(rc == VSMM_E_VENDOR || rc == VSMM_E_PLATFORM);
		assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	}
	for (int n = 0; n < 4; n++) { /* read, PDPT read, nested_enter, smm_changed */
		nested_pae_guest();
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		tv.mem->fail_at = tv.mem->calls + (unsigned)n + 1;
		struct vsmm_vcpu before = tv.vcpu;
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
		assert_int_equal(tv.vcpu.last_shutdown.reason, rsm_reasons[n]);
		before.state.shutdown = true;
		before.last_shutdown = tv.vcpu.last_shutdown;
		assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	}
	/* smm_changed failing after the re-entry: the guest is forced out. */
	assert_int_equal(tv.mem->log[tv.mem->calls - 1].kind, FZ_CALL_NESTED_LEAVE);
	/* Once every callback succeeds, the same RSM resumes. */
	nested_pae_guest();
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.guest_mode);
}

/*
 * GDTR and IDTR limits are 16-bit registers.  The maps give them wider
 * slots (KVM writes a dword), and a hostile handler can fill the high
 * bits: RSM loads the low 16 bits, as KVM (struct desc_ptr.size) and the
 * processor do, never a limit no CPU can hold.
 */
static void dtable_limit_16(enum vsmm_vendor vendor, bool lm, enum vsmm_semantics sem)
{
	tp_vcpu_init(&tv, vendor, lm, sem);
	tp_state(&tv, lm ? FZ_ST_LONG : FZ_ST_PM32);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "gdtr_limit", 0xabcd1234u);
	tp_image_set(&tv, "idtr_limit", 0x0001ffffu);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.gdtr.limit, 0x1234);
	assert_int_equal(tv.vcpu.state.idtr.limit, 0xffff);
}

static void test_dtable_limit_16_bits(void **unused)
{
	(void)unused;
	dtable_limit_16(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);	   /* amd64 */
	dtable_limit_16(VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_KVM);	   /* p6-32 */
	dtable_limit_16(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE); /* intel64 */
	dtable_limit_16(VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_HARDWARE);   /* amd64 */
}

/*
 * Outside IA-32e mode RIP is EIP.  An image may carry RIP[63:32] for a
 * 32-bit context (the 64-bit maps hold a quadword): KVM's emulator writes
 * back only the low 32 bits once RSM recomputed the mode, and VM entry
 * refuses such a RIP.  In 64-bit mode every bit comes back.
 */
static void test_rip_high_outside_ia32e(void **unused)
{
	(void)unused;
	static const enum vsmm_semantics sems[] = { VSMM_SEMANTICS_KVM,
						    VSMM_SEMANTICS_HARDWARE };
	for (unsigned i = 0; i < 2; i++) {
		tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, sems[i]);
		tp_state(&tv, FZ_ST_PM32);
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		tp_image_set(&tv, "rip", 0x123456789abcull);
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
		assert_int_equal(tv.vcpu.state.rip, 0x56789abcu);

		tp_state(&tv, FZ_ST_LONG);
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		tp_image_set(&tv, "rip", 0xffff80000000abcdull);
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
		assert_int_equal(tv.vcpu.state.rip, 0xffff80000000abcdull);
	}
}

/* Argument errors are statuses, never crashes. */
static void test_bad_arguments(void **unused)
{
	(void)unused;
	struct vsmm_model m;
	struct vsmm_vcpu v;

	assert_int_equal(vsmm_enter_smm(NULL), VSMM_E_INVAL);
	assert_int_equal(vsmm_leave_smm(NULL), VSMM_E_INVAL);
	assert_int_equal(vsmm_model_preset(&m, (enum vsmm_vendor)7, true), VSMM_E_INVAL);
	assert_int_equal(vsmm_model_preset(NULL, VSMM_VENDOR_AMD, true), VSMM_E_INVAL);
	vsmm_model_preset(&m, VSMM_VENDOR_AMD, true);
	m.maxphyaddr = 53;
	assert_int_equal(vsmm_vcpu_init(&v, &m, &fz_platform_ops, NULL), VSMM_E_INVAL);
	m.maxphyaddr = 48;
	/* Without a platform: no SMI, no RSM, but vsmm_rsm_check works. */
	assert_int_equal(vsmm_vcpu_init(&v, &m, NULL, NULL), VSMM_OK);
	assert_int_equal(vsmm_enter_smm(&v), VSMM_E_INVAL);
	uint8_t area[512] = { 0 };
	struct vsmm_shutdown why;
	assert_int_equal(vsmm_rsm_check(&v, area, 100, &why, NULL), VSMM_E_BUFSIZE);
	assert_int_equal(vsmm_rsm_check(&v, NULL, 512, &why, NULL), VSMM_E_INVAL);
	/* An all-zero AMD64 area has a CS with no attributes (not present):
	 * no VM entry accepts that (issue 15.2). */
	struct vsmm_cpu_state out;
	assert_int_equal(vsmm_rsm_check(&v, area, 512, &why, &out), VSMM_E_SHUTDOWN);
	assert_int_equal(why.reason, VSMM_REASON_CS_ATTR);
	assert_string_equal(why.field, "cs_attr");
	/* With the reset attributes in it, it is a legal real-mode context. */
	static const struct {
		const char *name;
		uint16_t attr;
	} attrs[] = {
		{ "es_attr", 0x93 }, { "cs_attr", 0x9b }, { "ss_attr", 0x93 },
		{ "ds_attr", 0x93 }, { "fs_attr", 0x93 }, { "gs_attr", 0x93 },
		{ "tr_attr", 0x8b },
	};
	const struct vsmm_layout_desc *d = vsmm_layout_get(VSMM_LAYOUT_AMD64);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		const struct vsmm_field_desc *f = vsmm_layout_field(d, attrs[i].name);
		assert_non_null(f);
		area[f->offset - 0x7e00] = (uint8_t)attrs[i].attr;
	}
	assert_int_equal(vsmm_rsm_check(&v, area, 512, &why, &out), VSMM_OK);
	/* *why is all zero unless RSM shut down (RSM itself fills it only
	 * then), over the shutdown the same struct held. */
	assert_int_equal(why.reason, VSMM_REASON_NONE);
	assert_null(why.field);
	assert_int_equal(why.offset, 0);
	assert_int_equal(why.value, 0);
	memset(&why, 0xa5, sizeof(why));
	assert_int_equal(vsmm_rsm_check(&v, area, 100, &why, NULL), VSMM_E_BUFSIZE);
	assert_int_equal(why.reason, VSMM_REASON_NONE);
	assert_null(why.field);
	assert_int_equal(why.offset, 0);
	assert_int_equal(why.value, 0);
	assert_int_equal(out.cr0, VSMM_CR0_ET);
	assert_int_equal(out.rflags, 2);
	/* vsmm_cpu_state_reset: SDM reset values. */
	vsmm_cpu_state_reset(&v.state);
	assert_int_equal(v.state.rip, 0xfff0);
	assert_int_equal(v.state.seg[VSMM_CS].base, 0xffff0000u);
	assert_int_equal(v.state.seg[VSMM_CS].selector, 0xf000);
	assert_int_equal(v.state.cr0, 0x60000010u);
	assert_int_equal(v.state.smbase, 0x30000);
	assert_int_equal(v.state.dr6, 0xffff0ff0u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip_real, tp_teardown),
		cmocka_unit_test_teardown(test_round_trip_prot16, tp_teardown),
		cmocka_unit_test_teardown(test_round_trip_prot32, tp_teardown),
		cmocka_unit_test_teardown(test_round_trip_pae, tp_teardown),
		cmocka_unit_test_teardown(test_round_trip_long, tp_teardown),
		cmocka_unit_test_teardown(test_entry_environment, tp_teardown),
		cmocka_unit_test_teardown(test_entry_keeps_efer_32, tp_teardown),
		cmocka_unit_test_teardown(test_one_shot_access, tp_teardown),
		cmocka_unit_test_teardown(test_rsm_outside_smm, tp_teardown),
		cmocka_unit_test_teardown(test_smi_refused, tp_teardown),
		cmocka_unit_test_teardown(test_shutdown_commits_nothing, tp_teardown),
		cmocka_unit_test_teardown(test_every_callback_fails, tp_teardown),
		cmocka_unit_test_teardown(test_failed_write_undoes_smm_changed,
					  tp_teardown),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test_teardown(test_dtable_limit_16_bits, tp_teardown),
		cmocka_unit_test_teardown(test_rip_high_outside_ia32e, tp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
