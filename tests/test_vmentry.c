/* SPDX-License-Identifier: MIT */
/*
 * RSM resumes only states a VM entry accepts (issues 15.2 and 16).
 *
 * 1. Regression images, one per case of issue 16, each under both
 *    semantics: an SMI from a valid context writes the image (the
 *    library builds it), the "handler" edits one field, and RSM must shut
 *    down with the case's named reason or resume the processor's masking
 *    of it.  Before the fix every one of them resumed the field as is.
 * 2. The property: random and structured field edits of real images, in
 *    every configuration of the state catalogue, through the fuzz target's
 *    own entry point (fuzz/fuzz_vmentry.c): whenever RSM resumes, the
 *    independent VM-entry checker (tests/lib/vmentry.c) accepts the state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vmentry.h"

static struct tp_vcpu tv;

#define KVM VSMM_SEMANTICS_KVM
#define HW VSMM_SEMANTICS_HARDWARE
#define RS(n) VSMM_REASON_##n

/* SMI from a catalogue context (SMBASE 0x30000). */
static void smi(enum vsmm_vendor vendor, bool lm, enum vsmm_layout layout,
		enum vsmm_semantics sem, enum fz_state_kind kind, bool halted)
{
	tp_vcpu_init(&tv, vendor, lm, sem);
	tv.model.layout = layout;
	tp_state(&tv, kind);
	tv.vcpu.state.smbase = VSMM_DEFAULT_SMBASE;
	tv.vcpu.state.halted = halted;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
}

static void rsm_shuts_down(enum vsmm_reason reason, const char *name)
{
	int rc = vsmm_leave_smm(&tv.vcpu);

	if (rc != VSMM_E_SHUTDOWN || tv.vcpu.last_shutdown.reason != reason)
		fail_msg("RSM: %s (%s), wanted shutdown %s", vsmm_status_name(rc),
			 vsmm_reason_name(tv.vcpu.last_shutdown.reason),
			 vsmm_reason_name(reason));
	assert_string_equal(tv.vcpu.last_shutdown.field, name);
}

static void rsm_resumes(void)
{
	int rc = vsmm_leave_smm(&tv.vcpu);
	const char *why;

	if (rc != VSMM_OK)
		fail_msg("RSM: %s (%s)", vsmm_status_name(rc),
			 vsmm_reason_name(tv.vcpu.last_shutdown.reason));
	why = vmentry_check(&tv.model, &tv.vcpu.state);
	if (why)
		fail_msg("resumed a state no VM entry accepts: %s", why);
}

static const enum vsmm_semantics both[] = { KVM, HW };

/* 64-bit mode with a non-canonical RIP, on the AMD64 and the Intel map. */
static void test_rip_noncanonical(void **unused)
{
	static const uint64_t rips[] = { 0x0000800000000000ull, 0x7fffffffffffffffull };

	(void)unused;
	for (int s = 0; s < 2; s++)
		for (int v = 0; v < 2; v++)
			for (int i = 0; i < 2; i++) {
				smi(v ? VSMM_VENDOR_AMD : VSMM_VENDOR_INTEL, true,
				    VSMM_LAYOUT_AUTO, both[s], FZ_ST_LONG, false);
				tp_image_set(&tv, "rip", rips[i]);
				rsm_shuts_down(RS(RIP_NONCANONICAL), "rip");
			}
}

/* A 64-bit CS with L=1 and D=1. */
static void test_cs_l_and_d(void **unused)
{
	(void)unused;
	for (int s = 0; s < 2; s++) {
		smi(VSMM_VENDOR_INTEL, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_LONG,
		    false);
		tp_image_set(&tv, "cs_attr", tp_image_get(&tv, "cs_attr") | VSMM_SEG_DB);
		rsm_shuts_down(RS(CS_L_AND_D), "cs_attr");
	}
}

/* CS/SS/DS/ES bases with bits 63:32 set, real mode included (the image
 * of issue 15.1: CS.base 0x7FFFFFFFFFFF0000, IP 0xFFFF). */
static void test_base_high(void **unused)
{
	static const struct {
		enum fz_state_kind kind;
		const char *f;
		int seg;
	} c[] = {
		{ FZ_ST_REAL, "cs_base", VSMM_CS },
		{ FZ_ST_REAL, "ds_base", VSMM_DS },
		{ FZ_ST_PM32, "ss_base", VSMM_SS },
		{ FZ_ST_PM32, "es_base", VSMM_ES },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int s = 0; s < 2; s++) {
			smi(VSMM_VENDOR_AMD, true, VSMM_LAYOUT_AUTO, both[s], c[i].kind,
			    false);
			uint64_t low = tp_image_get(&tv, c[i].f) & 0xffffffffu;
			tp_image_set(&tv, c[i].f,
				     0x7fffffff00000000ull | (low ? low : 0xffff0000u));
			if (c[i].seg == VSMM_CS)
				tp_image_set(&tv, "rip", 0xffff);
			if (both[s] == KVM) {
				rsm_shuts_down(RS(SEG_BASE_HIGH), c[i].f);
				continue;
			}
			rsm_resumes();
			assert_int_equal(tv.vcpu.state.seg[c[i].seg].base >> 32, 0);
		}
	}
}

/* Non-canonical FS/GS/TR/LDTR/GDTR/IDTR bases. */
static void test_noncanonical_bases(void **unused)
{
	static const struct {
		const char *f;
		enum vsmm_reason r;
	} c[] = {
		{ "fs_base", RS(SEG_BASE_NONCANONICAL) },
		{ "gs_base", RS(SEG_BASE_NONCANONICAL) },
		{ "tr_base", RS(SEG_BASE_NONCANONICAL) },
		{ "ldtr_base", RS(SEG_BASE_NONCANONICAL) },
		{ "gdtr_base", RS(DTABLE_BASE_NONCANONICAL) },
		{ "idtr_base", RS(DTABLE_BASE_NONCANONICAL) },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (int s = 0; s < 2; s++) {
			/* 32-bit protected mode: its LDTR is usable. */
			smi(VSMM_VENDOR_AMD, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_PM32,
			    false);
			tp_image_set(&tv, c[i].f, 0x0000800000000000ull);
			rsm_shuts_down(c[i].r, c[i].f);
		}
}

/* Compatibility mode with RIP bits 63:32 set: EIP only, as KVM's
 * writeback keeps it after RSM recomputed the mode. */
static void test_compat_rip(void **unused)
{
	(void)unused;
	for (int s = 0; s < 2; s++) {
		smi(VSMM_VENDOR_AMD, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_COMPAT,
		    false);
		tp_image_set(&tv, "rip", 0x1234567808048000ull);
		rsm_resumes();
		assert_int_equal(tv.vcpu.state.rip, 0x08048000u);
	}
}

/* SMI from HLT under hardware rules: auto-HALT restart with an interrupt
 * shadow (the shadow goes), and with SS.DPL != 0 (shutdown). */
static void test_halt_restart(void **unused)
{
	(void)unused;
	for (int s = 0; s < 2; s++) {
		smi(VSMM_VENDOR_AMD, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_PM32, true);
		tp_image_set(&tv, "int_shadow", VSMM_SHADOW_STI);
		rsm_resumes();
		assert_int_equal(tv.vcpu.state.halted, both[s] == HW);
		assert_int_equal(tv.vcpu.state.int_shadow,
				 both[s] == HW ? 0 : VSMM_SHADOW_STI);

		smi(VSMM_VENDOR_AMD, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_PM32, true);
		tp_image_set(&tv, "cs_attr",
			     tp_image_get(&tv, "cs_attr") | VSMM_SEG_DPL_MASK);
		tp_image_set(&tv, "ss_attr",
			     tp_image_get(&tv, "ss_attr") | VSMM_SEG_DPL_MASK);
		if (both[s] == HW) {
			rsm_shuts_down(RS(HLT_NOT_CPL0), "ss_attr");
		} else {
			rsm_resumes(); /* KVM ignores auto-HALT restart */
			assert_false(tv.vcpu.state.halted);
		}
	}
}

/* RFLAGS.VM=1 with CR0.PE=0: no virtual-8086 mode in real mode. */
static void test_vm_in_real_mode(void **unused)
{
	(void)unused;
	for (int s = 0; s < 2; s++) {
		smi(VSMM_VENDOR_INTEL, true, VSMM_LAYOUT_AUTO, both[s], FZ_ST_REAL,
		    false);
		tp_image_set(&tv, "rflags", tp_image_get(&tv, "rflags") | VSMM_RFLAGS_VM);
		rsm_resumes();
		assert_int_equal(tv.vcpu.state.rflags & VSMM_RFLAGS_VM, 0);
	}
}

/* A model without long mode forced onto the AMD64 map resuming bases
 * above 4 GiB. */
static void test_no_lm_bases_above_4g(void **unused)
{
	static const char *const f[] = { "fs_base", "tr_base", "gdtr_base", "idtr_base" };

	(void)unused;
	for (size_t i = 0; i < 4; i++)
		for (int s = 0; s < 2; s++) {
			smi(VSMM_VENDOR_INTEL, false, VSMM_LAYOUT_AMD64, both[s],
			    FZ_ST_PM32, false);
			tp_image_set(&tv, f[i], tp_image_get(&tv, f[i]) | 0x100000000ull);
			if (both[s] == KVM) {
				rsm_shuts_down(RS(BASE_ABOVE_4G), f[i]);
				continue;
			}
			rsm_resumes();
			assert_int_equal(tv.vcpu.state.seg[VSMM_FS].base >> 32, 0);
			assert_int_equal(tv.vcpu.state.seg[VSMM_TR].base >> 32, 0);
			assert_int_equal(tv.vcpu.state.gdtr.base >> 32, 0);
			assert_int_equal(tv.vcpu.state.idtr.base >> 32, 0);
		}
}

/* ---------------------------------------------------------------------- */
/* The property                                                            */
/* ---------------------------------------------------------------------- */

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Random headers and one to eight random edits. */
static void test_property_random(void **unused)
{
	uint8_t in[4 + 8 * 10];

	(void)unused;
	for (unsigned n = 0; n < 40000; n++) {
		size_t len = 4 + 10 * (1 + rnd() % 8);

		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rnd();
		LLVMFuzzerTestOneInput(in, len);
	}
}

/* Every configuration, the contexts whose segment rules differ, every
 * field of the layout, every edge value (edit kind 4). */
static void test_property_structured(void **unused)
{
	static const uint8_t kinds[] = { FZ_ST_REAL, FZ_ST_PM32, FZ_ST_V86, FZ_ST_LONG,
					 FZ_ST_COMPAT };
	uint8_t in[14] = { 0 };
	unsigned runs = 0;

	(void)unused;
	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c++)
		for (size_t k = 0; k < sizeof(kinds); k++)
			for (unsigned f = 0; f < 64; f++)
				for (unsigned e = 0; e < 40; e++) {
					uint8_t hdr[4] = { (uint8_t)c, kinds[k], 0, 0 };
					memcpy(in, hdr, 4);
					in[4] = (uint8_t)f;
					in[5] = 4;
					in[6] = (uint8_t)e;
					LLVMFuzzerTestOneInput(in, sizeof(in));
					runs++;
				}
	print_message("%u structured edits\n", runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rip_noncanonical, tp_teardown),
		cmocka_unit_test_teardown(test_cs_l_and_d, tp_teardown),
		cmocka_unit_test_teardown(test_base_high, tp_teardown),
		cmocka_unit_test_teardown(test_noncanonical_bases, tp_teardown),
		cmocka_unit_test_teardown(test_compat_rip, tp_teardown),
		cmocka_unit_test_teardown(test_halt_restart, tp_teardown),
		cmocka_unit_test_teardown(test_vm_in_real_mode, tp_teardown),
		cmocka_unit_test_teardown(test_no_lm_bases_above_4g, tp_teardown),
		cmocka_unit_test(test_property_random),
		cmocka_unit_test(test_property_structured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
