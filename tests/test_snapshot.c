/* SPDX-License-Identifier: MIT */
/*
 * Save/restore and export/import of the per-vCPU SMM state: round trips
 * (also into a fresh vCPU in the middle of SMM, then RSM there), and every
 * refusal, each of which must leave the vCPU untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static struct tp_vcpu tv;

/* Migration inside SMM from VMX non-root: export, import into a fresh
 * vCPU sharing the memory, RSM there re-enters the nested guest. */
static void test_migrate_inside_smm(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.cr4 |= VSMM_CR4_VMXE;
	tv.vcpu.state.vmx_on = tv.vcpu.state.guest_mode = true;
	tv.vcpu.state.nmi_masked = true;
	tv.vcpu.state.smbase = 0x800000;
	struct vsmm_cpu_state before = tv.vcpu.state;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	vsmm_raise_smi(&tv.vcpu);

	uint8_t blob[VSMM_SMM_BLOB_SIZE];
	assert_int_equal(vsmm_smm_export(&tv.vcpu, blob), VSMM_OK);
	assert_int_equal(blob[0], 'V');
	assert_int_equal(blob[3], 'M');

	struct vsmm_vcpu fresh;
	assert_int_equal(vsmm_vcpu_init(&fresh, &tv.model, &fz_platform_ops, tv.mem),
			 VSMM_OK);
	struct vsmm_cpu_state regs = tv.vcpu.state; /* the VMM moves registers */
	fresh.state = regs;
	fresh.state.smm = false;
	fresh.state.smm_inside_nmi = false;
	assert_int_equal(vsmm_smm_import(&fresh, blob, sizeof(blob)), VSMM_OK);
	assert_true(fresh.state.smm);
	assert_true(fresh.state.smm_inside_nmi);
	assert_true(fresh.state.smi_pending);
	assert_true(fresh.priv.smm_vmxon);
	assert_true(fresh.priv.smm_guest_mode);
	assert_int_equal(fresh.state.smbase, 0x800000);

	assert_int_equal(vsmm_leave_smm(&fresh), VSMM_OK);
	before.smi_pending = true;
	TP_ASSERT_SAME_STATE(&before, &fresh.state);
}

static void test_save_restore_round_trip(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.halted = true;
	tv.vcpu.io_smi = (struct vsmm_io_smi){
		.valid = true, .width = 1, .port = 0xb2, .insn_rip = 0x1234
	};
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	struct vsmm_smm_snapshot s, t;
	assert_int_equal(vsmm_smm_save(&tv.vcpu, &s), VSMM_OK);
	assert_true(s.smi_halted && s.io_valid && s.smm);
	assert_int_equal(s.io_insn_rip, 0x1234);
	assert_int_equal(s.semantics, VSMM_SEMANTICS_HARDWARE);

	uint8_t blob[VSMM_SMM_BLOB_SIZE];
	assert_int_equal(vsmm_smm_export(&tv.vcpu, blob), VSMM_OK);
	struct vsmm_vcpu copy = tv.vcpu;
	memset(&copy.priv, 0, sizeof(copy.priv));
	copy.semantics = VSMM_SEMANTICS_KVM;
	assert_int_equal(vsmm_smm_import(&copy, blob, sizeof(blob)), VSMM_OK);
	assert_int_equal(vsmm_smm_save(&copy, &t), VSMM_OK);
	uint8_t again[VSMM_SMM_BLOB_SIZE];
	assert_int_equal(vsmm_smm_export(&copy, again), VSMM_OK);
	assert_memory_equal(blob, again, sizeof(blob));
	assert_true(t.smi_halted && t.io_valid && t.smm);
	assert_int_equal(t.io_insn_rip, 0x1234);
	assert_int_equal(vsmm_smm_restore(&copy, &s), VSMM_OK);
	assert_memory_equal(&copy, &tv.vcpu, sizeof(copy));
}

/* A valid in-SMM blob of an Intel vCPU, to corrupt one way at a time. */
static void valid_blob(uint8_t blob[VSMM_SMM_BLOB_SIZE])
{
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	assert_int_equal(vsmm_smm_export(&tv.vcpu, blob), VSMM_OK);
}

static void expect_refused(struct vsmm_vcpu *v, const uint8_t *blob, size_t len)
{
	struct vsmm_vcpu before = *v;

	assert_int_equal(vsmm_smm_import(v, blob, len), VSMM_E_INCONSISTENT);
	assert_memory_equal(&before, v, sizeof(before));
}

static void test_import_framing_refused(void **unused)
{
	(void)unused;
	uint8_t blob[VSMM_SMM_BLOB_SIZE + 1], bad[VSMM_SMM_BLOB_SIZE + 1];
	valid_blob(blob);
	blob[VSMM_SMM_BLOB_SIZE] = 0;

	expect_refused(&tv.vcpu, blob, VSMM_SMM_BLOB_SIZE - 1); /* length */
	expect_refused(&tv.vcpu, blob, VSMM_SMM_BLOB_SIZE + 1);
	static const struct {
		unsigned at;
		uint8_t value;
	} edits[] = {
		{ 0, 'X' },  /* magic */
		{ 4, 2 },    /* version */
		{ 7, 0x08 }, /* flag bit 11: unknown */
		{ 7, 0x80 }, /* flag bit 15: unknown */
		{ 8, 2 },    /* semantics out of range */
		{ 10, 1 },   /* reserved */
		{ 31, 1 },   /* reserved */
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(bad, blob, sizeof(bad));
		bad[edits[i].at] = edits[i].value;
		expect_refused(&tv.vcpu, bad, VSMM_SMM_BLOB_SIZE);
	}
	assert_int_equal(vsmm_smm_import(&tv.vcpu, blob, VSMM_SMM_BLOB_SIZE), VSMM_OK);
	assert_int_equal(vsmm_smm_import(&tv.vcpu, NULL, 32), VSMM_E_INVAL);
}

#define REFUSE(vendor, sem, ...) \
	do { \
		tp_vcpu_init(&tv, vendor, true, sem); \
		struct vsmm_smm_snapshot s = { __VA_ARGS__ }; \
		struct vsmm_vcpu before = tv.vcpu; \
		assert_int_equal(vsmm_smm_restore(&tv.vcpu, &s), VSMM_E_INCONSISTENT); \
		assert_memory_equal(&before, &tv.vcpu, sizeof(before)); \
	} while (0)

#define I VSMM_VENDOR_INTEL
#define A VSMM_VENDOR_AMD
#define KVM .semantics = VSMM_SEMANTICS_KVM
#define HW .semantics = VSMM_SEMANTICS_HARDWARE

static void test_restore_refusals(void **unused)
{
	(void)unused;
	/* records that exist only in SMM */
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm_inside_nmi = true, KVM);
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm_vmxon = true, KVM);
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm_vmxon = true, .smm_guest_mode = true, KVM);
	REFUSE(I, VSMM_SEMANTICS_HARDWARE, .hw_vmxe = true, HW);
	REFUSE(I, VSMM_SEMANTICS_HARDWARE, .io_valid = true, .io_insn_rip = 1, HW);
	REFUSE(I, VSMM_SEMANTICS_HARDWARE, .smi_halted = true, HW);
	/* hardware records under KVM semantics */
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm = true, .hw_vmxe = true, KVM);
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm = true, .smi_halted = true, KVM);
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm = true, .io_valid = true, KVM);
	/* Intel-only records on the AMD model */
	REFUSE(A, VSMM_SEMANTICS_KVM, .smm = true, .smm_vmxon = true, KVM);
	REFUSE(A, VSMM_SEMANTICS_HARDWARE, .smm = true, .hw_vmxe = true, HW);
	/* a nested guest without VMX operation */
	REFUSE(I, VSMM_SEMANTICS_KVM, .smm = true, .smm_guest_mode = true, KVM);
	/* an I/O RIP without the record */
	REFUSE(I, VSMM_SEMANTICS_HARDWARE, .smm = true, .io_insn_rip = 5, HW);
	/* semantics out of range */
	REFUSE(I, VSMM_SEMANTICS_KVM, .semantics = VSMM_SEMANTICS_COUNT);

	/* SMM while the registers still say VMX operation / nested guest */
	tp_vcpu_init(&tv, I, true, VSMM_SEMANTICS_KVM);
	tv.vcpu.state.vmx_on = true;
	struct vsmm_smm_snapshot s = { .smm = true, .smm_vmxon = true };
	assert_int_equal(vsmm_smm_restore(&tv.vcpu, &s), VSMM_E_INCONSISTENT);
	tv.vcpu.state.vmx_on = false;
	tv.vcpu.state.guest_mode = true;
	assert_int_equal(vsmm_smm_restore(&tv.vcpu, &s), VSMM_E_INCONSISTENT);
	tv.vcpu.state.guest_mode = false;
	assert_int_equal(vsmm_smm_restore(&tv.vcpu, &s), VSMM_OK);
	assert_int_equal(vsmm_smm_restore(NULL, &s), VSMM_E_INVAL);
	assert_int_equal(vsmm_smm_save(&tv.vcpu, NULL), VSMM_E_INVAL);
}

/* VMX records on a model without VMX: no CPU without VMX was ever in VMX
 * operation, and RSM would restore a VMX operation it cannot have (KVM's
 * KVM_SET_NESTED_STATE refuses the SMM flags without VMX in CPUID). */
static void test_vmx_records_need_vmx(void **unused)
{
	(void)unused;
	static const struct vsmm_smm_snapshot snaps[] = {
		{ .smm = true, .smm_vmxon = true, KVM },
		{ .smm = true, .smm_vmxon = true, .smm_guest_mode = true, KVM },
		{ .smm = true, .hw_vmxe = true, HW },
	};
	for (size_t i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++) {
		tp_vcpu_init(&tv, I, true, snaps[i].semantics);
		struct vsmm_vcpu before = tv.vcpu;
		assert_int_equal(vsmm_smm_restore(&tv.vcpu, &snaps[i]), VSMM_OK);
		tv.vcpu = before;
		tv.model.features &= ~VSMM_FEAT_VMX;
		assert_int_equal(vsmm_smm_restore(&tv.vcpu, &snaps[i]),
				 VSMM_E_INCONSISTENT);
		assert_memory_equal(&before, &tv.vcpu, sizeof(before));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_migrate_inside_smm, tp_teardown),
		cmocka_unit_test_teardown(test_save_restore_round_trip, tp_teardown),
		cmocka_unit_test_teardown(test_import_framing_refused, tp_teardown),
		cmocka_unit_test_teardown(test_restore_refusals, tp_teardown),
		cmocka_unit_test_teardown(test_vmx_records_need_vmx, tp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
