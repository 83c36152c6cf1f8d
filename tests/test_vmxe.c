/* SPDX-License-Identifier: MIT */
/*
 * The seed's bug as a regression test, and the nested (VMX/SVM) paths.
 *
 * KVM before 5.1 loaded CR4 from the image while HF_SMM_MASK was still
 * set, so an interrupted context with CR4.VMXE=1 (in VMX operation) made
 * RSM fail the "no VMXE in SMM" rule.  vsmm clears the SMM flags first;
 * these tests show that a VMX-on context round-trips, and that the very
 * same CR4 load, judged with the SMM flag still set, is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "../src/checks.h"

static struct tp_vcpu tv;

/* A long-mode VMX root context: CR4.VMXE=1, in VMX operation. */
static void vmx_root(enum vsmm_semantics sem)
{
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, sem);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.cr4 |= VSMM_CR4_VMXE;
	tv.vcpu.state.vmx_on = true;
}

static void test_vmxe_root_round_trip_kvm(void **unused)
{
	(void)unused;
	vmx_root(VSMM_SEMANTICS_KVM);
	struct vsmm_cpu_state before = tv.vcpu.state;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	/* SMM runs outside VMX operation; KVM keeps VMXE in the image. */
	assert_false(tv.vcpu.state.vmx_on);
	assert_true(tv.vcpu.priv.smm_vmxon);
	assert_true(tp_image_get(&tv, "cr4") & VSMM_CR4_VMXE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
	assert_false(tv.vcpu.priv.smm_vmxon);
}

/* VMX non-root: the SMI forces an exit to L1, RSM re-enters L2. */
static void test_vmxe_nonroot_round_trip_kvm(void **unused)
{
	(void)unused;
	vmx_root(VSMM_SEMANTICS_KVM);
	tv.vcpu.state.guest_mode = true;
	struct vsmm_cpu_state l2 = tv.vcpu.state;
	/* L1's own state, which the VMM loads during the forced exit. */
	struct vsmm_cpu_state l1 = l2;
	l1.rip = 0xffffffff80001234ull;
	l1.cr3 = 0x2000000;
	tv.mem->l1 = &l1;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_NESTED_LEAVE), 1);
	assert_false(tv.vcpu.state.guest_mode);
	assert_true(tv.vcpu.priv.smm_guest_mode);
	/* The image holds the interrupted (L2) context, not L1's. */
	assert_int_equal(tp_image_get(&tv, "rip"), l2.rip);
	/* ... and SMM inherits L1's CR3 (not changed by SMM entry). */
	assert_int_equal(tv.vcpu.state.cr3, l1.cr3);

	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_NESTED_ENTER), 1);
	TP_ASSERT_SAME_STATE(&l2, &tv.vcpu.state);
}

/* The order is what makes it work: the CR4 load RSM performs, judged as
 * leave.c judges it, is refused while the SMM flag is still set. */
static void test_vmxe_refused_with_smm_flag_set(void **unused)
{
	(void)unused;
	vmx_root(VSMM_SEMANTICS_KVM);
	uint64_t cr4 = tv.vcpu.state.cr4;
	struct vsmm__cpu_view v = { .model = &tv.model,
				    .vmx_on = true,
				    .vmxe_smm_rule = true,
				    .vmx_fixed = true,
				    .lme_needs_pae = true };

	v.smm = true; /* the pre-5.1 order: SMM still set */
	assert_int_equal(vsmm__check_cr4_write(&v, cr4 & ~VSMM_CR4_PCIDE),
			 VSMM_REASON_CR4_VMXE_IN_SMM);
	v.smm = false; /* vsmm's order: SMM cleared first */
	assert_int_equal(vsmm__check_cr4_write(&v, cr4 & ~VSMM_CR4_PCIDE),
			 VSMM_REASON_NONE);
	/* The rule is VMX's: the AMD vendor has none. */
	v.vmxe_smm_rule = false;
	v.smm = true;
	assert_int_equal(vsmm__check_cr4_write(&v, cr4), VSMM_REASON_NONE);
}

/* Hardware semantics: VMXE stays out of the image and comes back from the
 * processor's record; the round trip is the same. */
static void test_vmxe_round_trip_hardware(void **unused)
{
	(void)unused;
	for (int guest = 0; guest < 2; guest++) {
		vmx_root(VSMM_SEMANTICS_HARDWARE);
		tv.vcpu.state.guest_mode = guest;
		struct vsmm_cpu_state before = tv.vcpu.state;

		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		assert_int_equal(vsmm_vcpu_layout(&tv.vcpu), VSMM_LAYOUT_INTEL64);
		assert_false(tp_image_get(&tv, "cr4") & VSMM_CR4_VMXE);
		assert_true(tv.vcpu.priv.hw_vmxe);
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
		TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
	}
}

/* Hardware: VMXE=1 without VMX operation also comes back (record), and
 * VMX root gets its fixed CR0 bits even if the handler cleared NE. */
static void test_hardware_vmx_fixed_forced(void **unused)
{
	(void)unused;
	vmx_root(VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "cr0", tp_image_get(&tv, "cr0") & ~VSMM_CR0_NE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.cr0 & VSMM_CR0_NE);

	/* KVM checks the same image and shuts down. */
	vmx_root(VSMM_SEMANTICS_KVM);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "cr0", tp_image_get(&tv, "cr0") & ~VSMM_CR0_NE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	assert_int_equal(tv.vcpu.last_shutdown.reason, VSMM_REASON_CR0_VMX_FIXED);
}

/* Hardware, VMX root: the handler turns paging off in the image (and LMA,
 * to keep it consistent).  RSM sets PG again as a VMX fixed bit; with LME
 * and PAE set that activates long mode, exactly as enabling paging does,
 * so the result is consistent (LMA=1). */
static void smi_in_vmx_root_paging_off(void)
{
	vmx_root(VSMM_SEMANTICS_HARDWARE);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "cr0", tp_image_get(&tv, "cr0") & ~VSMM_CR0_PG);
	tp_image_set(&tv, "efer", tp_image_get(&tv, "efer") & ~VSMM_EFER_LMA);
}

static void test_hardware_fixed_pg_activates_long_mode(void **unused)
{
	(void)unused;
	smi_in_vmx_root_paging_off();
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.cr0 & VSMM_CR0_PG);
	assert_true(tv.vcpu.state.efer & VSMM_EFER_LMA);
}

/*
 * ... but with PAE cleared too, the fixed bits would leave paging on with
 * LME=1 and long mode inactive, a state no VM entry (LME must equal LMA
 * while PG=1) nor VMRUN accepts: RSM shuts down instead, and the vCPU
 * stays in SMM.  (fuzz_rsm found it once tests/lib/vmentry.c checked EFER.)
 */
static void test_hardware_fixed_pg_without_pae_shuts_down(void **unused)
{
	(void)unused;
	smi_in_vmx_root_paging_off();
	tp_image_set(&tv, "cr4", tp_image_get(&tv, "cr4") & ~VSMM_CR4_PAE);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	assert_int_equal(tv.vcpu.last_shutdown.reason, VSMM_REASON_CR0_PG_LME_NO_PAE);
	assert_true(tv.vcpu.state.smm);
}

/*
 * Found by fuzz_rsm: an image with CR0.PG=0 and RFLAGS.VM=1 whose fixed
 * bits turn paging, so IA-32e mode, back on.  RFLAGS.VM is then dropped
 * (no virtual-8086 mode in IA-32e mode) and the RPLs must still follow
 * SS.DPL, or a second SMI + RSM of the resumed state changes them.
 */
static void test_hardware_fixed_pg_drops_vm_keeps_rpl(void **unused)
{
	(void)unused;
	smi_in_vmx_root_paging_off();
	tp_image_set(&tv, "rflags", tp_image_get(&tv, "rflags") | VSMM_RFLAGS_VM);
	tp_image_set(&tv, "ss_selector", 0x001a); /* RPL 2, SS.DPL is 0 */
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_true(tv.vcpu.state.efer & VSMM_EFER_LMA);
	assert_false(tv.vcpu.state.rflags & VSMM_RFLAGS_VM);
	assert_int_equal(tv.vcpu.state.seg[VSMM_SS].selector, 0x18);

	struct vsmm_cpu_state resumed = tv.vcpu.state;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	TP_ASSERT_SAME_STATE(&resumed, &tv.vcpu.state);
}

/* ... and with PAE but no LME, PAE paging starts: its PDPTEs are read and
 * checked, a reserved bit shuts down. */
static void test_hardware_fixed_pg_loads_pdptes(void **unused)
{
	(void)unused;
	for (int bad = 0; bad < 2; bad++) {
		tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_HARDWARE);
		tp_state(&tv, FZ_ST_PAE);
		tv.vcpu.state.cr4 |= VSMM_CR4_VMXE;
		tv.vcpu.state.vmx_on = true;
		uint8_t e[8] = { 0x01, 0x70, 0, 0, 0, 0, 0, bad ? 0x80 : 0 };
		fz_mem_poke(tv.mem, tv.vcpu.state.cr3 & 0xffffffe0u, e, 8, false);
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		tp_image_set(&tv, "cr0", tp_image_get(&tv, "cr0") & ~VSMM_CR0_PG);
		unsigned reads = fz_mem_count(tv.mem, FZ_CALL_READ);
		int rc = vsmm_leave_smm(&tv.vcpu);
		assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ), reads + 2);
		if (bad) {
			assert_int_equal(rc, VSMM_E_SHUTDOWN);
			assert_int_equal(tv.vcpu.last_shutdown.reason,
					 VSMM_REASON_PDPTE_RESERVED);
		} else {
			assert_int_equal(rc, VSMM_OK);
			assert_true(tv.vcpu.state.cr0 & VSMM_CR0_PG);
		}
	}
}

/*
 * Hardware, back to VMX root with RFLAGS.VM=0: RSM sets CS.RPL and SS.RPL
 * to SS.DPL (SDM Vol.3C "Default Treatment of RSM"), whatever RPLs the
 * image's selectors carry.  KVM loads the selectors as written.
 */
static void test_hardware_vmx_root_rpl_from_ss_dpl(void **unused)
{
	(void)unused;
	static const enum vsmm_semantics sems[] = { VSMM_SEMANTICS_HARDWARE,
						    VSMM_SEMANTICS_KVM };
	for (unsigned i = 0; i < 2; i++) {
		vmx_root(sems[i]);
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
		tp_image_set(&tv, "cs_selector", 0x0013); /* RPL 3 */
		tp_image_set(&tv, "ss_selector", 0x001a); /* RPL 2 */
		assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
		bool hw = sems[i] == VSMM_SEMANTICS_HARDWARE;
		/* SS.DPL is 0 in the interrupted context */
		assert_int_equal(tv.vcpu.state.seg[VSMM_CS].selector, hw ? 0x10 : 0x13);
		assert_int_equal(tv.vcpu.state.seg[VSMM_SS].selector, hw ? 0x18 : 0x1a);
	}
	/* Not in VMX operation: the selectors stay as the image has them. */
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	tp_state(&tv, FZ_ST_LONG);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "cs_selector", 0x0013);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.seg[VSMM_CS].selector, 0x13);
}

/* SVM: EFER.SVME round-trips (KVM selftest stage 6) ... */
static void test_svme_round_trip(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.efer |= VSMM_EFER_SVME;
	struct vsmm_cpu_state before = tv.vcpu.state;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(tv.vcpu.state.efer, 0);
	assert_int_equal(tp_image_get(&tv, "svm_guest_flag"), 0);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
}

/* ... and an SMI in the nested guest writes the flag and vmcb12 address;
 * RSM re-enters the guest with that VMCB. */
static void test_svm_l2_round_trip(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.efer |= VSMM_EFER_SVME;
	tv.vcpu.state.guest_mode = true;
	tv.vcpu.state.svm_vmcb12 = 0x7654000;
	struct vsmm_cpu_state before = tv.vcpu.state;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_NESTED_LEAVE), 1);
	assert_int_equal(tp_image_get(&tv, "svm_guest_flag"), 1);
	assert_int_equal(tp_image_get(&tv, "svm_vmcb12_gpa"), 0x7654000);
	assert_false(tv.vcpu.state.guest_mode);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_OK);
	unsigned i = tv.mem->calls - 2; /* nested_enter, then smm_changed */
	assert_int_equal(tv.mem->log[i].kind, FZ_CALL_NESTED_ENTER);
	assert_int_equal(tv.mem->log[i].gpa, 0x7654000);
	TP_ASSERT_SAME_STATE(&before, &tv.vcpu.state);
}

/* The 32-bit map cannot carry the SVM fields: KVM refuses the SMI. */
static void test_svm_l2_without_lm(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_PAE);
	tv.vcpu.state.guest_mode = true;
	struct vsmm_vcpu before = tv.vcpu;

	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_E_VENDOR);
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	assert_int_equal(tv.mem->calls, 0);
}

/* Entry failures: an error to the VMM, never a committed half-SMI. */
static void test_entry_callback_failures(void **unused)
{
	(void)unused;
	static const struct {
		unsigned kinds;
		int status;
	} cases[] = {
		{ 1u << FZ_CALL_NESTED_LEAVE, VSMM_E_VENDOR },
		{ 1u << FZ_CALL_SMM_CHANGED, VSMM_E_PLATFORM },
		{ 1u << FZ_CALL_WRITE, VSMM_E_PLATFORM },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmx_root(VSMM_SEMANTICS_KVM);
		tv.vcpu.state.guest_mode = true;
		tv.mem->fail_kinds = cases[i].kinds;
		struct vsmm_vcpu before = tv.vcpu;
		assert_int_equal(vsmm_enter_smm(&tv.vcpu), cases[i].status);
		assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	}
	/* No nested_leave callback at all is a vendor failure too. */
	struct vsmm_platform_ops ops = fz_platform_ops;
	ops.nested_leave = NULL;
	vmx_root(VSMM_SEMANTICS_KVM);
	tv.vcpu.ops = &ops;
	tv.vcpu.state.guest_mode = true;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_E_VENDOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_vmxe_root_round_trip_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_vmxe_nonroot_round_trip_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_vmxe_refused_with_smm_flag_set,
					  tp_teardown),
		cmocka_unit_test_teardown(test_vmxe_round_trip_hardware, tp_teardown),
		cmocka_unit_test_teardown(test_hardware_vmx_fixed_forced, tp_teardown),
		cmocka_unit_test_teardown(test_hardware_fixed_pg_activates_long_mode,
					  tp_teardown),
		cmocka_unit_test_teardown(test_hardware_fixed_pg_loads_pdptes,
					  tp_teardown),
		cmocka_unit_test_teardown(test_hardware_fixed_pg_without_pae_shuts_down,
					  tp_teardown),
		cmocka_unit_test_teardown(test_hardware_fixed_pg_drops_vm_keeps_rpl,
					  tp_teardown),
		cmocka_unit_test_teardown(test_hardware_vmx_root_rpl_from_ss_dpl,
					  tp_teardown),
		cmocka_unit_test_teardown(test_svme_round_trip, tp_teardown),
		cmocka_unit_test_teardown(test_svm_l2_round_trip, tp_teardown),
		cmocka_unit_test_teardown(test_svm_l2_without_lm, tp_teardown),
		cmocka_unit_test_teardown(test_entry_callback_failures, tp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
