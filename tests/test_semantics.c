/* SPDX-License-Identifier: MIT */
/*
 * KVM vs hardware semantics (issue 7): the same corrupted images judged
 * under both, auto-HALT restart, I/O instruction restart, the layout
 * pairing and the entry environment differences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static struct tp_vcpu tv;

#define IMG_OR(f, bits) tp_image_set(v, f, tp_image_get(v, f) | (bits))
#define IMG_AND(f, bits) tp_image_set(v, f, tp_image_get(v, f) & ~(uint64_t)(bits))

static void cr0_high(struct tp_vcpu *v)
{
	IMG_OR("cr0", 0xdead00000000ull);
}
static void lme_pg_no_pae(struct tp_vcpu *v)
{
	IMG_OR("efer", VSMM_EFER_LME);
	IMG_OR("cr0", VSMM_CR0_PG);
	IMG_AND("cr4", VSMM_CR4_PAE);
}
static void lm_pg_cleared(struct tp_vcpu *v)
{
	IMG_AND("cr0", VSMM_CR0_PG);
}
static void lm_rflags_vm(struct tp_vcpu *v)
{
	IMG_OR("rflags", VSMM_RFLAGS_VM);
}
static void cr4_vmxe(struct tp_vcpu *v)
{
	IMG_OR("cr4", VSMM_CR4_VMXE);
}
static void lm_pae_cleared(struct tp_vcpu *v)
{
	IMG_AND("cr4", VSMM_CR4_PAE);
}
static void nw_no_cd(struct tp_vcpu *v)
{
	IMG_OR("cr0", VSMM_CR0_NW);
	IMG_AND("cr0", VSMM_CR0_CD);
}
static void pcide_no_lma(struct tp_vcpu *v)
{
	IMG_OR("cr4", VSMM_CR4_PCIDE);
}
static void cr4_reserved(struct tp_vcpu *v)
{
	IMG_OR("cr4", 1u << 19);
}

struct verdict {
	const char *rule;
	enum vsmm_vendor vendor;
	enum fz_state_kind mode;
	void (*edit)(struct tp_vcpu *v);
	enum vsmm_reason kvm; /* NONE: RSM resumes */
	enum vsmm_reason hardware;
};

#define RS(n) VSMM_REASON_##n
static const struct verdict verdicts[] = {
	{ "CR0[63:32] set", VSMM_VENDOR_AMD, FZ_ST_LONG, cr0_high, RS(CR0_HIGH),
	  RS(NONE) },
	{ "CR0[63:32] set (intel)", VSMM_VENDOR_INTEL, FZ_ST_LONG, cr0_high, RS(CR0_HIGH),
	  RS(NONE) },
	{ "LME+PG, PAE clear, 32-bit", VSMM_VENDOR_INTEL, FZ_ST_PM32, lme_pg_no_pae,
	  RS(CR0_PG_LME_NO_PAE), RS(CR0_PG_LME_NO_PAE) },
	{ "long mode, PG cleared", VSMM_VENDOR_AMD, FZ_ST_LONG, lm_pg_cleared, RS(NONE),
	  RS(LMA_INCONSISTENT) },
	{ "long mode, RFLAGS.VM", VSMM_VENDOR_INTEL, FZ_ST_LONG, lm_rflags_vm, RS(NONE),
	  RS(RFLAGS_VM_IN_LM) },
	{ "CR4.VMXE in the image", VSMM_VENDOR_INTEL, FZ_ST_LONG, cr4_vmxe, RS(NONE),
	  RS(CR4_VMXE_IMAGE) },
	{ "long mode, PAE cleared", VSMM_VENDOR_AMD, FZ_ST_LONG, lm_pae_cleared,
	  RS(CR0_PG_LME_NO_PAE), RS(CR4_PAE_IN_LM) },
	{ "NW without CD", VSMM_VENDOR_INTEL, FZ_ST_PM32, nw_no_cd, RS(CR0_NW_NO_CD),
	  RS(CR0_NW_NO_CD) },
	{ "PCIDE without LMA", VSMM_VENDOR_AMD, FZ_ST_PM32, pcide_no_lma,
	  RS(CR4_PCIDE_NO_LMA), RS(CR4_PCIDE_NO_LMA) },
	{ "CR4 reserved bit", VSMM_VENDOR_INTEL, FZ_ST_LONG, cr4_reserved,
	  RS(CR4_RESERVED), RS(CR4_RESERVED) },
};

static void judge(const struct verdict *t, enum vsmm_semantics sem, enum vsmm_reason want)
{
	tp_vcpu_init(&tv, t->vendor, true, sem);
	tp_state(&tv, t->mode);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	t->edit(&tv);
	int rc = vsmm_leave_smm(&tv.vcpu);
	enum vsmm_reason got = rc == VSMM_OK ? RS(NONE) : tv.vcpu.last_shutdown.reason;

	if (got != want || (rc != VSMM_OK && rc != VSMM_E_SHUTDOWN))
		fail_msg("%s under %s: want %s, got %s (%s)", t->rule,
			 sem == VSMM_SEMANTICS_KVM ? "kvm" : "hardware",
			 vsmm_reason_name(want), vsmm_reason_name(got),
			 vsmm_status_name(rc));
}

static void test_verdict_table(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		judge(&verdicts[i], VSMM_SEMANTICS_KVM, verdicts[i].kvm);
		judge(&verdicts[i], VSMM_SEMANTICS_HARDWARE, verdicts[i].hardware);
	}
}

/* What the resuming verdicts resume into. */
static void test_hardware_resumed_states(void **unused)
{
	(void)unused;
	/* LME armed with PG but no PAE: a shutdown, and the vCPU is still the
	 * one in SMM (no VM entry or VMRUN takes LME=1, PG=1, LMA=0). */
	judge(&verdicts[2], VSMM_SEMANTICS_HARDWARE, RS(CR0_PG_LME_NO_PAE));
	assert_true(tv.vcpu.state.smm);
	/* CR0 high dword: hardware reads the low dword only. */
	judge(&verdicts[0], VSMM_SEMANTICS_HARDWARE, RS(NONE));
	assert_int_equal(tv.vcpu.state.cr0 >> 32, 0);
	/* KVM resumes a long-mode image with PG cleared: LME set, LMA 0. */
	judge(&verdicts[3], VSMM_SEMANTICS_KVM, RS(NONE));
	assert_false(tv.vcpu.state.cr0 & VSMM_CR0_PG);
	assert_int_equal(tv.vcpu.state.efer & (VSMM_EFER_LME | VSMM_EFER_LMA),
			 VSMM_EFER_LME);
}

/* Auto-HALT restart: hardware honours bit 0, KVM writes 0 and ignores it. */
static void halted_smi(enum vsmm_semantics sem)
{
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, sem);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.halted = true;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_false(tv.vcpu.state.halted);
}

static void test_auto_halt_restart(void **unused)
{
	(void)unused;
	halted_smi(VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(tp_image_get(&tv, "auto_hlt_restart"), 1);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.halted); /* back to HLT */

	halted_smi(VSMM_SEMANTICS_HARDWARE);
	tp_image_set(&tv, "auto_hlt_restart", 0); /* the handler clears it */
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_false(tv.vcpu.state.halted); /* resume after the HLT */

	halted_smi(VSMM_SEMANTICS_KVM);
	assert_int_equal(tp_image_get(&tv, "auto_hlt_restart"), 0);
	tp_image_set(&tv, "auto_hlt_restart", 1); /* ignored by KVM */
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_false(tv.vcpu.state.halted);

	/* Not halted at the SMI: a 1 written by the handler means nothing. */
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tp_image_get(&tv, "auto_hlt_restart"), 0);
	tp_image_set(&tv, "auto_hlt_restart", 1);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_false(tv.vcpu.state.halted);
}

/* An SMI from `out 0xB2, al` at 0x7c10 (2 bytes), RIP already past it. */
static void io_smi(enum vsmm_vendor vendor, bool lm, enum vsmm_semantics sem)
{
	tp_vcpu_init(&tv, vendor, lm, sem);
	tp_state(&tv, FZ_ST_PM32);
	tv.vcpu.state.rip = 0x7c12;
	tv.vcpu.io_smi = (struct vsmm_io_smi){ .valid = true,
					       .in = false,
					       .imm = true,
					       .width = 1,
					       .port = 0xb2,
					       .insn_rip = 0x7c10 };
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_false(tv.vcpu.io_smi.valid); /* consumed */
}

static void test_io_restart_intel(void **unused)
{
	(void)unused;
	io_smi(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_vcpu_layout(&tv.vcpu), VSMM_LAYOUT_INTEL64);
	assert_true(tp_image_get(&tv, "smm_revision") & VSMM_REV_IO_RESTART);
	/* IOMisc: valid, byte, OUT imm (type 1000b), port 0xB2 */
	assert_int_equal(tp_image_get(&tv, "io_misc"), 0x00b20083);
	tp_image_set(&tv, "io_restart", 0xff);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.rip, 0x7c10); /* the OUT runs again */

	/* REP INSW from DX: type 0111b, word 010b; the string address. */
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	tv.vcpu.io_smi = (struct vsmm_io_smi){ .valid = true,
					       .in = true,
					       .string = true,
					       .rep = true,
					       .width = 2,
					       .port = 0x1f0,
					       .insn_rip = 0x500,
					       .mem_addr = 0x9000 };
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tp_image_get(&tv, "io_misc"), 0x01f00075);
	assert_int_equal(tp_image_get(&tv, "io_mem_addr"), 0x9000);

	io_smi(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.rip, 0x7c12); /* field 0: resume after */
	assert_false(tv.vcpu.priv.io_valid);
}

static void test_io_restart_amd_and_32(void **unused)
{
	(void)unused;
	io_smi(VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_vcpu_layout(&tv.vcpu), VSMM_LAYOUT_AMD64);
	assert_true(tp_image_get(&tv, "smm_revision") & VSMM_REV_IO_RESTART);
	/* APM I/O trap dword: OUT, valid, byte, port 0xB2 */
	assert_int_equal(tp_image_get(&tv, "io_restart_dword"), 0x00b20012);
	assert_int_equal(tp_image_get(&tv, "io_restart_rip"), 0x7c10);
	tp_image_set(&tv, "io_restart", 1);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.rip, 0x7c10);

	io_smi(VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(tp_image_get(&tv, "io_restart_rip"), 0x7c10);
	tp_image_set(&tv, "io_restart", 0xff);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.rip, 0x7c10);
}

/* KVM implements no I/O restart: bit 16 clear, fields 0, field ignored. */
static void test_io_restart_kvm(void **unused)
{
	(void)unused;
	io_smi(VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	assert_int_equal(tp_image_get(&tv, "smm_revision"), 0x00020064);
	assert_int_equal(tp_image_get(&tv, "io_restart_rip"), 0);
	tp_image_set(&tv, "io_restart", 0xff);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.rip, 0x7c12);

	/* No I/O SMI under hardware: no bit 16 either. */
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_false(tp_image_get(&tv, "smm_revision") & VSMM_REV_IO_RESTART);
}

static void test_layout_pairing(void **unused)
{
	(void)unused;
	struct vsmm_model m;
	const enum vsmm_semantics K = VSMM_SEMANTICS_KVM, H = VSMM_SEMANTICS_HARDWARE;

	vsmm_model_preset(&m, VSMM_VENDOR_INTEL, true);
	assert_int_equal(vsmm_model_layout(&m, K), VSMM_LAYOUT_AMD64);
	assert_int_equal(vsmm_model_layout(&m, H), VSMM_LAYOUT_INTEL64);
	m.layout = VSMM_LAYOUT_AMD64;
	assert_int_equal(vsmm_model_layout(&m, H), VSMM_LAYOUT_AMD64);
	vsmm_model_preset(&m, VSMM_VENDOR_AMD, true);
	assert_int_equal(vsmm_model_layout(&m, K), VSMM_LAYOUT_AMD64);
	assert_int_equal(vsmm_model_layout(&m, H), VSMM_LAYOUT_AMD64);
	vsmm_model_preset(&m, VSMM_VENDOR_INTEL, false);
	assert_int_equal(vsmm_model_layout(&m, K), VSMM_LAYOUT_P6_32);
	assert_int_equal(vsmm_model_layout(&m, H), VSMM_LAYOUT_P6_32);
	assert_false(m.features & VSMM_FEAT_PCID);
	m.layout = VSMM_LAYOUT_INTEL64;
	assert_int_equal(vsmm_model_layout(&m, K), VSMM_LAYOUT_INTEL64);
	assert_int_equal(vsmm_model_layout(NULL, K), VSMM_LAYOUT_AUTO);
}

/* A forced layout still round-trips (the INTEL64 map under KVM rules). */
static void test_forced_layout_round_trip(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tv.model.layout = VSMM_LAYOUT_INTEL64;
	tp_state(&tv, FZ_ST_LONG_PCID);
	struct vsmm_cpu_state before = tv.vcpu.state;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.mem->log[1].len, 1024);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
}

/* The IDT: KVM zeroes IDTR on entry, the SDM's table leaves it. */
static void test_entry_idtr(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_HARDWARE);
	tp_state(&tv, FZ_ST_LONG);
	struct vsmm_dtable idtr = tv.vcpu.state.idtr;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.idtr.base, idtr.base);
	assert_int_equal(tv.vcpu.state.idtr.limit, idtr.limit);

	struct vsmm_cpu_state st;
	assert_true(fz_state_build(FZ_ST_LONG, &tv.model, tv.mem, &st));
	vsmm_smm_entry_state(&tv.model, VSMM_SEMANTICS_KVM, &st);
	assert_int_equal(st.idtr.limit, 0);
	assert_int_equal(st.idtr.base, 0);
}

/* Semantics cannot change in SMM (its records would be stranded). */
static void test_set_semantics(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	assert_int_equal(vsmm_vcpu_set_semantics(&tv.vcpu, VSMM_SEMANTICS_COUNT),
			 VSMM_E_INVAL);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_vcpu_set_semantics(&tv.vcpu, VSMM_SEMANTICS_HARDWARE),
			 VSMM_E_STATE);
	assert_int_equal(vsmm_vcpu_set_semantics(&tv.vcpu, VSMM_SEMANTICS_KVM), VSMM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_verdict_table, tp_teardown),
		cmocka_unit_test_teardown(test_hardware_resumed_states, tp_teardown),
		cmocka_unit_test_teardown(test_auto_halt_restart, tp_teardown),
		cmocka_unit_test_teardown(test_io_restart_intel, tp_teardown),
		cmocka_unit_test_teardown(test_io_restart_amd_and_32, tp_teardown),
		cmocka_unit_test_teardown(test_io_restart_kvm, tp_teardown),
		cmocka_unit_test(test_layout_pairing),
		cmocka_unit_test_teardown(test_forced_layout_round_trip, tp_teardown),
		cmocka_unit_test_teardown(test_entry_idtr, tp_teardown),
		cmocka_unit_test_teardown(test_set_semantics, tp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
