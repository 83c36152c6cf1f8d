/* SPDX-License-Identifier: MIT */
/*
 * Every check predicate of src/checks.c, with a passing and a failing
 * case (and the boundary where the rule starts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../src/checks.h"

#define NONE VSMM_REASON_NONE
#define RS(n) VSMM_REASON_##n
#define PASS(expr) assert_int_equal((expr), NONE)
#define FAILS(expr, reason) assert_int_equal((expr), RS(reason))

static struct vsmm_model intel, amd, intel32;

static int setup(void **unused)
{
	(void)unused;
	vsmm_model_preset(&intel, VSMM_VENDOR_INTEL, true);
	vsmm_model_preset(&amd, VSMM_VENDOR_AMD, true);
	vsmm_model_preset(&intel32, VSMM_VENDOR_INTEL, false);
	return 0;
}

static void test_cr0(void **unused)
{
	(void)unused;
	PASS(vsmm__check_cr0_high(0xffffffffull));
	FAILS(vsmm__check_cr0_high(1ull << 32), CR0_HIGH);
	FAILS(vsmm__check_cr0_high(1ull << 63), CR0_HIGH);

	PASS(vsmm__check_cr0_nw_cd(VSMM_CR0_CD | VSMM_CR0_NW));
	PASS(vsmm__check_cr0_nw_cd(VSMM_CR0_CD));
	PASS(vsmm__check_cr0_nw_cd(0));
	FAILS(vsmm__check_cr0_nw_cd(VSMM_CR0_NW), CR0_NW_NO_CD);

	PASS(vsmm__check_cr0_pg_pe(VSMM_CR0_PG | VSMM_CR0_PE));
	PASS(vsmm__check_cr0_pg_pe(VSMM_CR0_PE));
	FAILS(vsmm__check_cr0_pg_pe(VSMM_CR0_PG), CR0_PG_NO_PE);

	uint64_t pg = VSMM_CR0_PG | VSMM_CR0_PE;
	PASS(vsmm__check_cr0_pg_lme_pae(0, pg, VSMM_EFER_LME, VSMM_CR4_PAE));
	PASS(vsmm__check_cr0_pg_lme_pae(0, pg, 0, 0));		    /* no LME */
	PASS(vsmm__check_cr0_pg_lme_pae(pg, pg, VSMM_EFER_LME, 0)); /* no 0->1 */
	FAILS(vsmm__check_cr0_pg_lme_pae(0, pg, VSMM_EFER_LME, 0), CR0_PG_LME_NO_PAE);

	uint64_t fixed = VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;
	PASS(vsmm__check_cr0_vmx_fixed(true, fixed));
	PASS(vsmm__check_cr0_vmx_fixed(false, 0));
	FAILS(vsmm__check_cr0_vmx_fixed(true, fixed & ~VSMM_CR0_NE), CR0_VMX_FIXED);
	FAILS(vsmm__check_cr0_vmx_fixed(true, fixed & ~VSMM_CR0_PG), CR0_VMX_FIXED);
}

static void test_cr3(void **unused)
{
	(void)unused;
	/* Intel preset: MAXPHYADDR 46 */
	PASS(vsmm__check_cr3_reserved(&intel, (1ull << 46) - 0x1000, false));
	FAILS(vsmm__check_cr3_reserved(&intel, 1ull << 46, false), CR3_RESERVED);
	PASS(vsmm__check_cr3_reserved(&amd, 1ull << 47, false)); /* AMD: 48 */
	/* bit 63 is "no flush" with PCIDE, an address bit without */
	PASS(vsmm__check_cr3_reserved(&intel, (1ull << 63) | 0x1000, true));
	FAILS(vsmm__check_cr3_reserved(&intel, (1ull << 63) | 0x1000, false),
	      CR3_RESERVED);
	/* Every MAXPHYADDR a model byte can hold, 64 and up meaning no
	 * reserved bit: reserved exactly where a bit at or above it is set. */
	struct vsmm_model m = intel;
	for (unsigned w = 0; w < 256; w++) {
		m.maxphyaddr = (uint8_t)w;
		for (unsigned b = 0; b < 64; b++) {
			bool rsvd = w < 64 && b >= w;

			assert_int_equal(vsmm__check_cr3_reserved(&m, 1ull << b, false),
					 rsvd ? VSMM_REASON_CR3_RESERVED
					      : VSMM_REASON_NONE);
		}
		assert_int_equal(vsmm__check_cr3_reserved(&m, 0, false),
				 VSMM_REASON_NONE);
	}
}

/* The gate list, walked one bit at a time: the reference for the tables
 * vsmm__check_cr4_features reads (src/checks.c). */
#define GATE_ROW(bit, feature, arg) { VSMM_CR4_##bit, VSMM_FEAT_##feature },
static const struct {
	uint64_t bit, feature;
} gates[] = { VSMM__CR4_GATES(GATE_ROW, 0) };

static uint64_t needs_walked(uint64_t cr4)
{
	uint64_t need = 0;

	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		if (cr4 & gates[i].bit)
			need |= gates[i].feature;
	return need;
}

/* Every entry of the three tables is the features its bits need, so the
 * OR of one entry of each is the features of any CR4; and the predicate
 * refuses exactly a CR4 with a bit whose feature the model lacks, for
 * every defined bit and each model without one feature. */
static void test_cr4_feature_tables(void **unused)
{
	(void)unused;
	for (uint64_t i = 0; i < 512; i++)
		assert_true(vsmm__cr4_needs[i] == needs_walked(i));
	for (uint64_t i = 0; i < 256; i++) {
		assert_true(vsmm__cr4_needs[512 + i] == needs_walked(i << 9));
		assert_true(vsmm__cr4_needs[768 + i] == needs_walked(i << 17));
	}
	for (int f = -1; f < 64; f++) {
		struct vsmm_model m = intel;
		m.features = f < 0 ? ~0ull : ~(1ull << f);
		for (int b = 0; b < 64; b++) {
			uint64_t cr4 = (1ull << b) | VSMM_CR4_PAE | VSMM_CR4_PGE;
			bool lacks = (needs_walked(cr4) & ~m.features) != 0;
			assert_int_equal(vsmm__check_cr4_features(&m, cr4),
					 lacks ? RS(CR4_UNSUPPORTED) : NONE);
		}
	}
}

static void test_cr4(void **unused)
{
	(void)unused;
	PASS(vsmm__check_cr4_reserved(VSMM_CR4_PAE | VSMM_CR4_PKS));
	FAILS(vsmm__check_cr4_reserved(1ull << 15), CR4_RESERVED);
	FAILS(vsmm__check_cr4_reserved(1ull << 19), CR4_RESERVED);
	FAILS(vsmm__check_cr4_reserved(1ull << 32), CR4_RESERVED);

	PASS(vsmm__check_cr4_features(&intel, VSMM_CR4_VMXE | VSMM_CR4_PCIDE |
						      VSMM_CR4_SMEP | VSMM_CR4_OSXSAVE));
	FAILS(vsmm__check_cr4_features(&intel, VSMM_CR4_LA57), CR4_UNSUPPORTED);
	FAILS(vsmm__check_cr4_features(&amd, VSMM_CR4_VMXE), CR4_UNSUPPORTED);
	FAILS(vsmm__check_cr4_features(&intel32, VSMM_CR4_PCIDE), CR4_UNSUPPORTED);
	FAILS(vsmm__check_cr4_features(&intel, VSMM_CR4_CET), CR4_UNSUPPORTED);

	PASS(vsmm__check_cr4_vmxe_in_smm(true, false, VSMM_CR4_VMXE));
	PASS(vsmm__check_cr4_vmxe_in_smm(false, true, VSMM_CR4_VMXE));
	PASS(vsmm__check_cr4_vmxe_in_smm(true, true, VSMM_CR4_PAE));
	FAILS(vsmm__check_cr4_vmxe_in_smm(true, true, VSMM_CR4_VMXE), CR4_VMXE_IN_SMM);

	PASS(vsmm__check_cr4_vmx_fixed(true, VSMM_CR4_VMXE));
	PASS(vsmm__check_cr4_vmx_fixed(false, 0));
	FAILS(vsmm__check_cr4_vmx_fixed(true, VSMM_CR4_PAE), CR4_VMX_FIXED);

	uint64_t lma = VSMM_EFER_LME | VSMM_EFER_LMA;
	PASS(vsmm__check_cr4_pcide_lma(0, VSMM_CR4_PCIDE, lma));
	PASS(vsmm__check_cr4_pcide_lma(VSMM_CR4_PCIDE, VSMM_CR4_PCIDE, 0));
	FAILS(vsmm__check_cr4_pcide_lma(0, VSMM_CR4_PCIDE, VSMM_EFER_LME),
	      CR4_PCIDE_NO_LMA);

	PASS(vsmm__check_cr4_pcide_cr3(0, VSMM_CR4_PCIDE, 0x1000));
	PASS(vsmm__check_cr4_pcide_cr3(VSMM_CR4_PCIDE, VSMM_CR4_PCIDE, 0x1001));
	FAILS(vsmm__check_cr4_pcide_cr3(0, VSMM_CR4_PCIDE, 0x1001), CR4_PCIDE_CR3);

	PASS(vsmm__check_cr4_pae_lm(VSMM_CR4_PAE, lma));
	PASS(vsmm__check_cr4_pae_lm(0, VSMM_EFER_LME));
	FAILS(vsmm__check_cr4_pae_lm(0, lma), CR4_PAE_IN_LM);

	PASS(vsmm__check_cr4_la57_lm(VSMM_CR4_LA57, VSMM_CR4_LA57, lma));
	PASS(vsmm__check_cr4_la57_lm(0, VSMM_CR4_LA57, 0));
	FAILS(vsmm__check_cr4_la57_lm(0, VSMM_CR4_LA57, lma), CR4_LA57_IN_LM);
	FAILS(vsmm__check_cr4_la57_lm(VSMM_CR4_LA57, 0, lma), CR4_LA57_IN_LM);

	PASS(vsmm__check_cr4_vmxe_image(VSMM_CR4_PAE));
	FAILS(vsmm__check_cr4_vmxe_image(VSMM_CR4_VMXE), CR4_VMXE_IMAGE);
}

static void test_efer(void **unused)
{
	(void)unused;
	uint64_t all = VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA | VSMM_EFER_NXE |
		       VSMM_EFER_SVME | VSMM_EFER_FFXSR;
	PASS(vsmm__check_efer_reserved(all));
	FAILS(vsmm__check_efer_reserved(1ull << 1), EFER_RESERVED);
	FAILS(vsmm__check_efer_reserved(VSMM_EFER_LMSLE), EFER_RESERVED);
	FAILS(vsmm__check_efer_reserved(VSMM_EFER_TCE), EFER_RESERVED);

	PASS(vsmm__check_efer_features(&amd, all));
	PASS(vsmm__check_efer_features(&intel,
				       all & ~(VSMM_EFER_SVME | VSMM_EFER_FFXSR)));
	FAILS(vsmm__check_efer_features(&intel, VSMM_EFER_SVME), EFER_UNSUPPORTED);
	FAILS(vsmm__check_efer_features(&intel, VSMM_EFER_FFXSR), EFER_UNSUPPORTED);
	FAILS(vsmm__check_efer_features(&intel32, VSMM_EFER_LME), EFER_UNSUPPORTED);
	struct vsmm_model m = intel;
	m.features &= ~VSMM_FEAT_NX;
	FAILS(vsmm__check_efer_features(&m, VSMM_EFER_NXE), EFER_UNSUPPORTED);
	m.features &= ~VSMM_FEAT_SYSCALL;
	FAILS(vsmm__check_efer_features(&m, VSMM_EFER_SCE), EFER_UNSUPPORTED);
}

static void test_debug_regs(void **unused)
{
	(void)unused;
	PASS(vsmm__check_dr6_high(0xffffffffull));
	FAILS(vsmm__check_dr6_high(1ull << 32), DR6_HIGH);
	PASS(vsmm__check_dr7_high(0xffffffffull));
	FAILS(vsmm__check_dr7_high(1ull << 63), DR7_HIGH);
}

static void test_pdpte(void **unused)
{
	(void)unused;
	PASS(vsmm__check_pdpte(&intel, 0));
	PASS(vsmm__check_pdpte(&intel, 0xffffffffffffffeull)); /* not present */
	PASS(vsmm__check_pdpte(&intel, 0x12345000 | 0x19));    /* P, PWT, PCD */
	PASS(vsmm__check_pdpte(&intel, ((1ull << 46) - 0x1000) | 1));
	FAILS(vsmm__check_pdpte(&intel, 0x1000 | 0x3), PDPTE_RESERVED);	  /* bit 1 */
	FAILS(vsmm__check_pdpte(&intel, 0x1000 | 0x5), PDPTE_RESERVED);	  /* bit 2 */
	FAILS(vsmm__check_pdpte(&intel, 0x1000 | 0x21), PDPTE_RESERVED);  /* bit 5 */
	FAILS(vsmm__check_pdpte(&intel, 0x1000 | 0x101), PDPTE_RESERVED); /* bit 8 */
	FAILS(vsmm__check_pdpte(&intel, (1ull << 46) | 1), PDPTE_RESERVED);
	FAILS(vsmm__check_pdpte(&intel, (1ull << 63) | 1), PDPTE_RESERVED);
	PASS(vsmm__check_pdpte(&amd, (1ull << 47) | 1)); /* inside 48 bits */
}

static void test_image_rules(void **unused)
{
	(void)unused;
	uint64_t pgpe = VSMM_CR0_PG | VSMM_CR0_PE;
	uint64_t lma = VSMM_EFER_LME | VSMM_EFER_LMA;
	PASS(vsmm__check_lma_consistent(pgpe, VSMM_CR4_PAE, lma));
	PASS(vsmm__check_lma_consistent(pgpe, 0, VSMM_EFER_LME)); /* PAE off */
	PASS(vsmm__check_lma_consistent(0, 0, 0));
	FAILS(vsmm__check_lma_consistent(VSMM_CR0_PE, VSMM_CR4_PAE, lma),
	      LMA_INCONSISTENT);
	FAILS(vsmm__check_lma_consistent(pgpe, VSMM_CR4_PAE, VSMM_EFER_LME),
	      LMA_INCONSISTENT);
	FAILS(vsmm__check_lma_consistent(pgpe, VSMM_CR4_PAE, VSMM_EFER_LMA),
	      LMA_INCONSISTENT);

	PASS(vsmm__check_rflags_vm_lm(VSMM_RFLAGS_VM, VSMM_EFER_LME));
	PASS(vsmm__check_rflags_vm_lm(VSMM_RFLAGS_IF, lma));
	FAILS(vsmm__check_rflags_vm_lm(VSMM_RFLAGS_VM, lma), RFLAGS_VM_IN_LM);

	PASS(vsmm__check_svm_supported(&amd));
	FAILS(vsmm__check_svm_supported(&intel), SVM_NOT_SUPPORTED);
	PASS(vsmm__check_svm_svme(VSMM_EFER_SVME));
	FAILS(vsmm__check_svm_svme(VSMM_EFER_LME), SVM_SVME_CLEAR);
}

/* The composites run their rules in KVM's setter order and honour the
 * view's switches. */
static void test_composites(void **unused)
{
	(void)unused;
	struct vsmm__cpu_view v = { .model = &intel,
				    .vmx_fixed = true,
				    .lme_needs_pae = true,
				    .vmxe_smm_rule = true };

	FAILS(vsmm__check_cr0_write(&v, (1ull << 32) | VSMM_CR0_NW), CR0_HIGH);
	v.efer = VSMM_EFER_LME;
	FAILS(vsmm__check_cr0_write(&v, VSMM_CR0_PG | VSMM_CR0_PE), CR0_PG_LME_NO_PAE);
	v.lme_needs_pae = false; /* a rule set without the MOV CR0 rule */
	PASS(vsmm__check_cr0_write(&v, VSMM_CR0_PG | VSMM_CR0_PE));
	v.vmx_on = true;
	FAILS(vsmm__check_cr0_write(&v, VSMM_CR0_PG | VSMM_CR0_PE), CR0_VMX_FIXED);
	v.vmx_fixed = false; /* hardware forces the fixed bits instead */
	PASS(vsmm__check_cr0_write(&v, VSMM_CR0_PG | VSMM_CR0_PE));

	v.cr4 = VSMM_CR4_PCIDE;
	PASS(vsmm__check_cr3_write(&v, (1ull << 63) | 0x1000));
	v.cr4 = 0;
	FAILS(vsmm__check_cr3_write(&v, (1ull << 63) | 0x1000), CR3_RESERVED);

	/* reserved before unsupported before the vendor rule */
	v.smm = true;
	FAILS(vsmm__check_cr4_write(&v, (1ull << 15) | VSMM_CR4_LA57), CR4_RESERVED);
	FAILS(vsmm__check_cr4_write(&v, VSMM_CR4_LA57 | VSMM_CR4_VMXE), CR4_UNSUPPORTED);
	FAILS(vsmm__check_cr4_write(&v, VSMM_CR4_VMXE), CR4_VMXE_IN_SMM);
	v.smm = false;
	PASS(vsmm__check_cr4_write(&v, VSMM_CR4_VMXE));
	v.vmx_fixed = true;
	FAILS(vsmm__check_cr4_write(&v, 0), CR4_VMX_FIXED);

	PASS(vsmm__check_efer_write(&v, VSMM_EFER_NXE));
	FAILS(vsmm__check_efer_write(&v, 1ull << 9), EFER_RESERVED);
	FAILS(vsmm__check_efer_write(&v, VSMM_EFER_SVME), EFER_UNSUPPORTED);
}

/* Canonical addresses at both linear widths, by the definition (bits
 * 63:width-1 all equal) around every boundary: the top and bottom of each
 * half, and one bit above the width. */
static bool canonical_by_definition(uint64_t v, unsigned width)
{
	uint64_t top = v >> (width - 1);

	return top == 0 || top == (~0ull >> (width - 1));
}

static void test_canonical(void **unused)
{
	(void)unused;
	static const unsigned widths[] = { 48, 57 };

	for (size_t k = 0; k < 2; k++) {
		unsigned w = widths[k];
		uint64_t half = 1ull << (w - 1);
		const uint64_t edges[] = {
			0,
			1,
			half - 1,
			half,
			half + 1,
			1ull << w,
			(1ull << w) - 1,
			~0ull,
			~0ull - half + 1,
			~0ull - half,
			-half,
			-half - 1,
			1ull << 63,
			(1ull << 63) - 1,
			0x00007fffffffffffull,
			0xffff800000000000ull,
			0x0100000000000000ull,
			0xff00000000000000ull,
			0xfeffffffffffffffull,
		};
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
			for (int d = -2; d <= 2; d++) {
				uint64_t v = edges[i] + (uint64_t)(int64_t)d;

				assert_int_equal(vsmm__canonical(v, w),
						 canonical_by_definition(v, w));
			}
		}
		assert_true(vsmm__canonical(half - 1, w));
		assert_false(vsmm__canonical(half, w));
		assert_true(vsmm__canonical(-half, w));
		assert_false(vsmm__canonical(-half - 1, w));
	}
	PASS(vsmm__check_rip_canonical(0xffff800000000000ull, 48));
	FAILS(vsmm__check_rip_canonical(0x0000800000000000ull, 48), RIP_NONCANONICAL);
	PASS(vsmm__check_rip_canonical(0x0000800000000000ull, 57));
	FAILS(vsmm__check_base_canonical(0xfe00000000000000ull, 57),
	      SEG_BASE_NONCANONICAL);
	FAILS(vsmm__check_dtable_canonical(0x8000000000000000ull, 48),
	      DTABLE_BASE_NONCANONICAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr3),
		cmocka_unit_test(test_cr4),
		cmocka_unit_test(test_cr4_feature_tables),
		cmocka_unit_test(test_efer),
		cmocka_unit_test(test_debug_regs),
		cmocka_unit_test(test_pdpte),
		cmocka_unit_test(test_image_rules),
		cmocka_unit_test(test_composites),
		cmocka_unit_test(test_canonical),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
