/* SPDX-License-Identifier: MIT */
/* Event semantics around SMM (spec section 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static struct tp_vcpu tv;

static int setup(void **unused)
{
	(void)unused;
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM);
	tp_state(&tv, FZ_ST_LONG);
	return 0;
}

/* SMIs collapse into one pending SMI, blocked in SMM, delivered after. */
static void test_smi_pending_collapses(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
	vsmm_raise_smi(v);
	vsmm_raise_smi(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_SMI);
	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	assert_false(v->state.smi_pending);
	vsmm_raise_smi(v);
	vsmm_raise_smi(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE); /* blocked in SMM */
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_SMI);
	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE); /* only one */
	assert_int_equal(v->smi_count, 2);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_SMI), VSMM_E_INVAL);
}

/* INIT is latched in SMM and delivered after RSM, after a pending SMI. */
static void test_init_latched(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	vsmm_raise_init(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_INIT), VSMM_E_STATE);
	vsmm_raise_smi(v);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_true(v->state.init_latched);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_SMI); /* SMI > INIT */
	v->state.smi_pending = false;
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_INIT);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_INIT), VSMM_OK);
	assert_false(v->state.init_latched);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_INIT), VSMM_E_STATE);
}

/* INIT is also blocked in VMX root operation, not in non-root. */
static void test_init_blocked_in_vmx_root(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	v->state.cr4 |= VSMM_CR4_VMXE;
	v->state.vmx_on = true;
	vsmm_raise_init(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_INIT), VSMM_E_STATE);
	v->state.guest_mode = true;
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_INIT);
	v->state.guest_mode = false;
	v->state.vmx_on = false; /* VMXOFF */
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_INIT);
}

/* NMIs unmasked at the SMI: masked in SMM, unmasked by RSM. */
static void test_nmi_unmasked_at_smi(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	assert_true(v->state.nmi_masked);
	assert_false(v->state.smm_inside_nmi);
	vsmm_raise_nmi(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_false(v->state.nmi_masked);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NMI);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_NMI), VSMM_OK);
	assert_true(v->state.nmi_masked);
	assert_false(v->state.nmi_pending);
	assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_NMI), VSMM_E_STATE);
}

/* An SMI inside an NMI handler: NMIs stay blocked after RSM (SDM: NMIs
 * blocked before the SMI remain blocked), even if SMM code unmasked them. */
static void test_nmi_masked_at_smi(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	v->state.nmi_masked = true;
	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	assert_true(v->state.smm_inside_nmi);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_true(v->state.nmi_masked);
	assert_false(v->state.smm_inside_nmi);

	/* SMM code IRETs (unmasks): RSM leaves the mask as SMM left it. */
	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	v->state.nmi_masked = false;
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_false(v->state.nmi_masked);
}

/* The interrupt shadow is saved in the image, cleared in SMM, restored. */
static void test_interrupt_shadow(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	v->state.int_shadow = VSMM_SHADOW_MOV_SS;
	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	assert_int_equal(v->state.int_shadow, 0);
	assert_int_equal(tp_image_get(&tv, "int_shadow"), VSMM_SHADOW_MOV_SS);
	/* The handler may edit it, like any image field. */
	tp_image_set(&tv, "int_shadow", VSMM_SHADOW_STI | 0xf0);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_int_equal(v->state.int_shadow, VSMM_SHADOW_STI);
}

/*
 * The shadow byte is guest-writable, but RSM resumes only shadows a CPU
 * can be in: blocking by MOV SS and by STI never coexist (KVM's VMX keeps
 * MOV SS; VM entry refuses both), and an STI shadow follows an STI that
 * set IF (VM entry refuses STI blocking with IF=0).
 */
static void test_interrupt_shadow_normalized(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	tp_image_set(&tv, "int_shadow", VSMM_SHADOW_STI | VSMM_SHADOW_MOV_SS);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_int_equal(v->state.int_shadow, VSMM_SHADOW_MOV_SS);

	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	tp_image_set(&tv, "int_shadow", VSMM_SHADOW_STI);
	tp_image_set(&tv, "rflags", VSMM_RFLAGS_FIXED); /* IF=0 */
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK);
	assert_int_equal(v->state.int_shadow, 0);

	assert_int_equal(vsmm_enter_smm(v), VSMM_OK);
	tp_image_set(&tv, "int_shadow", VSMM_SHADOW_MOV_SS);
	assert_int_equal(vsmm_leave_smm(v), VSMM_OK); /* IF=0 still */
	assert_int_equal(v->state.int_shadow, VSMM_SHADOW_MOV_SS);
}

/* An NMI waits out an STI or MOV-SS shadow (KVM's vmx_nmi_blocked and
 * svm_nmi_blocked; SDM Vol.2 STI: NMIs may be inhibited after STI); an
 * SMI does not (spec 4: no SMI window exists). */
static void test_nmi_waits_for_shadow(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;
	static const uint8_t shadows[] = { VSMM_SHADOW_STI, VSMM_SHADOW_MOV_SS };

	for (unsigned i = 0; i < 2; i++) {
		v->state.int_shadow = shadows[i];
		vsmm_raise_nmi(v);
		assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
		assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_NMI), VSMM_E_STATE);
		assert_true(v->state.nmi_pending);
		vsmm_raise_smi(v);
		assert_int_equal(vsmm_next_event(v), VSMM_EVENT_SMI);
		v->state.smi_pending = false;
		v->state.int_shadow = 0; /* the shadowed instruction retired */
		assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NMI);
		assert_int_equal(vsmm_ack_event(v, VSMM_EVENT_NMI), VSMM_OK);
		v->state.nmi_masked = false; /* IRET */
	}
}

/* Priorities outside SMM, and nothing at all in shutdown. */
static void test_priority_and_shutdown(void **unused)
{
	(void)unused;
	struct vsmm_vcpu *v = &tv.vcpu;

	vsmm_raise_nmi(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NMI);
	vsmm_raise_init(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_INIT);
	vsmm_raise_smi(v);
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_SMI);
	v->state.shutdown = true;
	assert_int_equal(vsmm_next_event(v), VSMM_EVENT_NONE);
	assert_int_equal(vsmm_raise_smi(NULL), VSMM_E_INVAL);
	assert_int_equal(vsmm_next_event(NULL), VSMM_EVENT_NONE);
	assert_int_equal(vsmm_ack_event(v, (enum vsmm_event)42), VSMM_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_smi_pending_collapses, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_init_latched, setup, tp_teardown),
		cmocka_unit_test_setup_teardown(test_init_blocked_in_vmx_root, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_nmi_unmasked_at_smi, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_nmi_masked_at_smi, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_shadow, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_priority_and_shutdown, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_shadow_normalized, setup,
						tp_teardown),
		cmocka_unit_test_setup_teardown(test_nmi_waits_for_shadow, setup,
						tp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
