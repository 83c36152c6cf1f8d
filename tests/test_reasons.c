/* SPDX-License-Identifier: MIT */
/*
 * Every shutdown reason of VSMM_REASON_MAP has a triggering case.  A case
 * is an RSM on a real image (an SMI from a valid state, then the handler
 * "scribbles" one field or the platform fails), and each asserts that RSM
 * shuts down with that reason and commits nothing but the shutdown flag.
 *
 * Three reasons cannot come out of any image, by construction of the legal
 * load order; their case runs the same composite register-write check that
 * leave.c uses, in the context where the rule bites, and the test pins the
 * list so a new unreachable reason cannot slip in unnoticed:
 *  - CR4_VMXE_IN_SMM: RSM clears the SMM flag before loading CR4 (the
 *    seed's fix), so the rule never sees an image's VMXE with SMM set.
 *  - CR4_PCIDE_CR3: the CR0/CR3/CR4 dance splits the PCID off CR3 before
 *    it sets PCIDE (spec 3.5 step 1).
 *  - CR4_LA57_IN_LM: RSM leaves long mode first (spec 3.2 step 4), so CR4
 *    is never loaded while long mode is active with a different LA57.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testlib.h"
#include "../src/checks.h"

static struct tp_vcpu tv;

struct scenario {
	enum vsmm_reason reason;
	enum vsmm_vendor vendor;
	bool lm;
	enum vsmm_semantics sem;
	enum fz_state_kind mode;
	void (*before_smi)(struct tp_vcpu *v); /* may be NULL */
	void (*in_smm)(struct tp_vcpu *v);     /* the handler's doing */
	const char *field;		       /* expected field, or NULL */
	bool image_only;		       /* vsmm_rsm_check agrees */
};

#define SET(name, expr) \
	static void name(struct tp_vcpu *v) \
	{ \
		expr; \
	}
#define IMG_OR(f, bits) tp_image_set(v, f, tp_image_get(v, f) | (bits))
#define IMG_AND(f, bits) tp_image_set(v, f, tp_image_get(v, f) & ~(uint64_t)(bits))

SET(fail_reads, v->mem->fail_kinds = 1u << FZ_CALL_READ)
SET(cr0_high, IMG_OR("cr0", 1ull << 32))
SET(cr0_nw, IMG_OR("cr0", VSMM_CR0_NW); IMG_AND("cr0", VSMM_CR0_CD))
SET(cr0_pg_no_pe, IMG_OR("cr0", VSMM_CR0_PG); IMG_AND("cr0", VSMM_CR0_PE))
SET(cr4_no_pae, IMG_AND("cr4", VSMM_CR4_PAE))
SET(vmx_on, v->vcpu.state.cr4 |= VSMM_CR4_VMXE; v->vcpu.state.vmx_on = true)
SET(cr0_no_ne, IMG_AND("cr0", VSMM_CR0_NE))
SET(cr3_high, IMG_OR("cr3", 1ull << 50))
SET(cr4_bit15, IMG_OR("cr4", 1ull << 15))
SET(cr4_la57, IMG_OR("cr4", VSMM_CR4_LA57))
SET(cr4_no_vmxe, IMG_AND("cr4", VSMM_CR4_VMXE))
SET(cr4_pcide, IMG_OR("cr4", VSMM_CR4_PCIDE))
SET(efer_bit20, IMG_OR("efer", 1ull << 20))
SET(efer_svme, IMG_OR("efer", VSMM_EFER_SVME))
/* PDPTE 2 present, with bit 63 (reserved: PDPTEs have no XD bit). */
static void pdpte_bit63(struct tp_vcpu *v)
{
	uint8_t e[8] = { 0x01, 0x70, 0, 0, 0, 0, 0, 0x80 };

	fz_mem_poke(v->mem, (tp_image_get(v, "cr3") & 0xffffffe0u) + 16, e, 8, false);
}
/* The second callback of RSM (after the image read) is the PDPT read. */
SET(fail_pdpt_read, v->mem->fail_at = v->mem->calls + 2)
SET(dr6_high, IMG_OR("dr6", 1ull << 32))
SET(dr7_high, IMG_OR("dr7", 1ull << 40))
SET(cr0_no_pg, IMG_AND("cr0", VSMM_CR0_PG))
SET(rflags_vm, IMG_OR("rflags", VSMM_RFLAGS_VM))
SET(cr4_vmxe, IMG_OR("cr4", VSMM_CR4_VMXE))
SET(no_svm, v->model.features &= ~VSMM_FEAT_SVM)
SET(svm_flag, tp_image_set(v, "svm_guest_flag", 1))
SET(svm_flag_no_svme, tp_image_set(v, "svm_guest_flag", 1);
    IMG_AND("efer", VSMM_EFER_SVME))
SET(svm_l2, v->vcpu.state.efer |= VSMM_EFER_SVME; v->vcpu.state.guest_mode = true;
    v->vcpu.state.svm_vmcb12 = 0x5000)
SET(fail_nested_enter, v->mem->fail_kinds = 1u << FZ_CALL_NESTED_ENTER)
SET(fail_smm_changed, v->mem->fail_kinds = 1u << FZ_CALL_SMM_CHANGED)
/* The resumed state against VM entry (issues 15.2 and 16). */
#define SET_TYPE(f, t) \
	IMG_AND(f, VSMM_SEG_TYPE_MASK); \
	IMG_OR(f, t)
SET(rip_noncanonical, tp_image_set(v, "rip", 0x0000800000000000ull))
SET(cs_l_and_d, IMG_OR("cs_attr", VSMM_SEG_DB))
SET(cs_base_high, tp_image_set(v, "cs_base", 0x7fffffffffff0000ull))
SET(fs_noncanonical, tp_image_set(v, "fs_base", 0x0000800000000000ull))
SET(gdtr_noncanonical, tp_image_set(v, "gdtr_base", 0x8000000000000000ull))
SET(force_amd64, v->model.layout = VSMM_LAYOUT_AMD64)
SET(fs_above_4g, tp_image_set(v, "fs_base", 0x100000000ull))
SET(ds_limit_g, tp_image_set(v, "ds_limit", 0xfffff000u))
SET(cs_not_present, IMG_AND("cs_attr", VSMM_SEG_P))
SET(ss_code, SET_TYPE("ss_attr", 0x9))
SET(ds_exec_only, SET_TYPE("ds_attr", 0x9))
SET(tr_16bit_lm, SET_TYPE("tr_attr", 0x3))
SET(ldtr_not_ldt, SET_TYPE("ldtr_attr", 0x9))
SET(halt, v->vcpu.state.halted = true)
SET(cpl3, IMG_OR("cs_attr", VSMM_SEG_DPL_MASK); IMG_OR("ss_attr", VSMM_SEG_DPL_MASK))

/* Issue 14.3: an Intel map without vsmm's records, as a processor writes
 * it.  RSM then takes the hidden state from the GDT (0x1000, limit 0x7f),
 * which the test platform holds as zeros (not present) here; LDTR is the
 * first selector loaded.  In maps without records nothing changes. */
static void drop_records(struct tp_vcpu *v)
{
	if (vsmm_layout_field(vsmm_layout_get(vsmm_vcpu_layout(&v->vcpu)),
			      "vsmm_signature"))
		tp_image_set(v, "vsmm_signature", 0);
}
SET(no_records, drop_records(v))
SET(no_records_ldtr_far, drop_records(v); tp_image_set(v, "ldtr_selector", 0x80))
SET(no_records_read_fails, drop_records(v); v->mem->fail_at = v->mem->calls + 2)

#define I VSMM_VENDOR_INTEL
#define A VSMM_VENDOR_AMD
#define KVM VSMM_SEMANTICS_KVM
#define HW VSMM_SEMANTICS_HARDWARE
#define RS(n) VSMM_REASON_##n

static const struct scenario scenarios[] = {
	{ RS(SMRAM_READ), I, true, KVM, FZ_ST_LONG, NULL, fail_reads, NULL, false },
	{ RS(CR0_HIGH), A, true, KVM, FZ_ST_LONG, NULL, cr0_high, "cr0", true },
	{ RS(CR0_NW_NO_CD), I, false, KVM, FZ_ST_PM32, NULL, cr0_nw, "cr0", true },
	{ RS(CR0_PG_NO_PE), I, true, KVM, FZ_ST_PM32, NULL, cr0_pg_no_pe, "cr0", true },
	{ RS(CR0_PG_LME_NO_PAE), A, true, KVM, FZ_ST_LONG, NULL, cr4_no_pae, "cr0",
	  true },
	{ RS(CR0_VMX_FIXED), I, true, KVM, FZ_ST_LONG, vmx_on, cr0_no_ne, "cr0", true },
	{ RS(CR3_RESERVED), I, true, KVM, FZ_ST_LONG, NULL, cr3_high, "cr3", true },
	{ RS(CR4_RESERVED), A, true, KVM, FZ_ST_PM32, NULL, cr4_bit15, "cr4", true },
	{ RS(CR4_UNSUPPORTED), I, false, KVM, FZ_ST_PAE, NULL, cr4_la57, "cr4", true },
	{ RS(CR4_VMX_FIXED), I, true, KVM, FZ_ST_LONG, vmx_on, cr4_no_vmxe, "cr4", true },
	{ RS(CR4_PCIDE_NO_LMA), I, true, KVM, FZ_ST_PM32, NULL, cr4_pcide, "cr4", true },
	{ RS(CR4_PAE_IN_LM), I, true, HW, FZ_ST_LONG, NULL, cr4_no_pae, "cr4", true },
	{ RS(EFER_RESERVED), A, true, KVM, FZ_ST_LONG, NULL, efer_bit20, "efer", true },
	{ RS(EFER_UNSUPPORTED), I, true, KVM, FZ_ST_LONG, NULL, efer_svme, "efer", true },
	{ RS(PDPTE_RESERVED), I, false, KVM, FZ_ST_PAE, NULL, pdpte_bit63, "pdpte2",
	  true },
	{ RS(PDPTE_READ), A, true, KVM, FZ_ST_PAE, NULL, fail_pdpt_read, "cr3", false },
	{ RS(DR6_HIGH), A, true, KVM, FZ_ST_PM32, NULL, dr6_high, "dr6", true },
	{ RS(DR7_HIGH), I, true, HW, FZ_ST_LONG, NULL, dr7_high, "dr7", true },
	{ RS(LMA_INCONSISTENT), A, true, HW, FZ_ST_LONG, NULL, cr0_no_pg, "efer", true },
	{ RS(RFLAGS_VM_IN_LM), I, true, HW, FZ_ST_LONG, NULL, rflags_vm, "rflags", true },
	{ RS(CR4_VMXE_IMAGE), I, true, HW, FZ_ST_LONG, NULL, cr4_vmxe, "cr4", true },
	{ RS(SVM_NOT_SUPPORTED), A, true, KVM, FZ_ST_LONG, NULL, no_svm, NULL, false },
	{ RS(SVM_SVME_CLEAR), A, true, KVM, FZ_ST_LONG, NULL, svm_flag_no_svme, "efer",
	  true },
	{ RS(NESTED_REENTRY), A, true, KVM, FZ_ST_LONG, svm_l2, fail_nested_enter, NULL,
	  false },
	{ RS(SMM_CHANGED), I, true, KVM, FZ_ST_PM32, NULL, fail_smm_changed, NULL,
	  false },
	{ RS(RIP_NONCANONICAL), A, true, KVM, FZ_ST_LONG, NULL, rip_noncanonical, "rip",
	  true },
	{ RS(CS_L_AND_D), I, true, KVM, FZ_ST_LONG, NULL, cs_l_and_d, "cs_attr", true },
	{ RS(SEG_BASE_HIGH), A, true, KVM, FZ_ST_REAL, NULL, cs_base_high, "cs_base",
	  true },
	{ RS(SEG_BASE_NONCANONICAL), I, true, KVM, FZ_ST_LONG, NULL, fs_noncanonical,
	  "fs_base", true },
	{ RS(DTABLE_BASE_NONCANONICAL), A, true, HW, FZ_ST_LONG, NULL, gdtr_noncanonical,
	  "gdtr_base", true },
	{ RS(BASE_ABOVE_4G), I, false, KVM, FZ_ST_PM32, force_amd64, fs_above_4g,
	  "fs_base", true },
	{ RS(SEG_LIMIT_GRANULARITY), I, true, KVM, FZ_ST_PM32, NULL, ds_limit_g,
	  "ds_limit", true },
	{ RS(CS_ATTR), A, true, KVM, FZ_ST_PM32, NULL, cs_not_present, "cs_attr", true },
	{ RS(SS_ATTR), I, true, KVM, FZ_ST_PM32, NULL, ss_code, "ss_attr", true },
	{ RS(DATA_SEG_ATTR), A, true, KVM, FZ_ST_PM32, NULL, ds_exec_only, "ds_attr",
	  true },
	{ RS(TR_ATTR), I, true, HW, FZ_ST_LONG, NULL, tr_16bit_lm, "tr_attr", true },
	{ RS(LDTR_ATTR), A, true, KVM, FZ_ST_PM32, NULL, ldtr_not_ldt, "ldtr_attr",
	  true },
	{ RS(HLT_NOT_CPL0), I, true, HW, FZ_ST_PM32, halt, cpl3, "ss_attr", true },
	{ RS(DESC_READ), I, true, HW, FZ_ST_PM16, NULL, no_records_read_fails,
	  "ldtr_selector", false },
	{ RS(DESC_LIMIT), I, true, HW, FZ_ST_PM16, NULL, no_records_ldtr_far,
	  "ldtr_selector", true },
	{ RS(DESC_NOT_PRESENT), I, true, HW, FZ_ST_PM16, NULL, no_records,
	  "ldtr_selector", true },
};

/* SVM_NOT_SUPPORTED needs the flag too: set it after the model change. */
static void prepare_extra(const struct scenario *s, struct tp_vcpu *v)
{
	if (s->reason == RS(SVM_NOT_SUPPORTED))
		svm_flag(v);
}

/* Issue 14.1: a reason names a field of the vCPU's own layout, at that
 * field's offset (a PDPTE, which is not an image field, has offset 0). */
static void assert_field_named(const struct vsmm_vcpu *vcpu)
{
	const struct vsmm_shutdown *why = &vcpu->last_shutdown;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(vcpu));

	if (!why->field)
		return;
	if (strncmp(why->field, "pdpte", 5) == 0) {
		assert_int_equal(why->offset, 0);
		return;
	}
	const struct vsmm_field_desc *f = vsmm_layout_field(d, why->field);
	if (!f)
		fail_msg("%s names field %s, which layout %s does not have",
			 vsmm_reason_name(why->reason), why->field, d->name);
	assert_int_equal(why->offset, f->offset);
}

static void run_scenario(const struct scenario *s)
{
	tp_vcpu_init(&tv, s->vendor, s->lm, s->sem);
	tp_state(&tv, s->mode);
	tv.vcpu.state.smbase = 0x3f000000;
	if (s->before_smi)
		s->before_smi(&tv);
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	s->in_smm(&tv);
	prepare_extra(s, &tv);

	if (s->image_only) {
		uint8_t area[VSMM_IMAGE_MAX];
		const struct vsmm_layout_desc *d = vsmm_layout_get(
			vsmm_vcpu_layout(&tv.vcpu));
		struct vsmm_shutdown why;
		fz_mem_read_view(tv.mem, true, tv.vcpu.state.smbase + d->area_offset,
				 area, d->area_size);
		assert_int_equal(vsmm_rsm_check(&tv.vcpu, area, d->area_size, &why, NULL),
				 VSMM_E_SHUTDOWN);
		assert_int_equal(why.reason, s->reason);
	}
	struct vsmm_vcpu before = tv.vcpu;
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	if (tv.vcpu.last_shutdown.reason != s->reason)
		fail_msg("expected %s, got %s", vsmm_reason_name(s->reason),
			 vsmm_reason_name(tv.vcpu.last_shutdown.reason));
	if (s->field)
		assert_string_equal(tv.vcpu.last_shutdown.field, s->field);
	assert_field_named(&tv.vcpu);
	/* Nothing but the shutdown flag and the reason is committed. */
	before.state.shutdown = true;
	before.last_shutdown = tv.vcpu.last_shutdown;
	assert_memory_equal(&before, &tv.vcpu, sizeof(before));
}

/* Issue 14.1: every scenario again with each map forced on its model and
 * under both semantics; whatever RSM then says (the rule that bites first
 * may differ by map), a shutdown names a field of that map at its offset.
 * The p6-32 map calls RFLAGS "eflags" (0x7FF4): it was reported as
 * "rflags" at offset 0 before. */
static void test_field_of_every_layout(void **unused)
{
	(void)unused;
	static const enum vsmm_layout layouts[] = {
		VSMM_LAYOUT_P6_32,
		VSMM_LAYOUT_AMD64,
		VSMM_LAYOUT_INTEL64,
	};
	unsigned named = 0;

	for (size_t k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
		for (size_t l = 0; l < 3; l++)
			for (int sem = 0; sem < 2; sem++) {
				const struct scenario *s = &scenarios[k];
				/* The handler edits s->field by name: only
				 * where the map has a field of that name. */
				if (!s->field ||
				    !vsmm_layout_field(vsmm_layout_get(layouts[l]),
						       s->field))
					continue;
				/* The SVM flag lives in the AMD64 map only. */
				if (s->reason == RS(SVM_SVME_CLEAR) &&
				    layouts[l] != VSMM_LAYOUT_AMD64)
					continue;
				tp_vcpu_init(&tv, s->vendor, s->lm,
					     sem ? VSMM_SEMANTICS_HARDWARE
						 : VSMM_SEMANTICS_KVM);
				tv.model.layout = layouts[l];
				tp_state(&tv, s->mode);
				tv.vcpu.state.smbase = 0x3f000000;
				if (s->before_smi)
					s->before_smi(&tv);
				if (vsmm_enter_smm(&tv.vcpu) != VSMM_OK)
					continue;
				s->in_smm(&tv);
				prepare_extra(s, &tv);
				if (vsmm_leave_smm(&tv.vcpu) != VSMM_E_SHUTDOWN)
					continue;
				assert_field_named(&tv.vcpu);
				named += tv.vcpu.last_shutdown.field != NULL;
			}
	assert_true(named > 0);
	/* The case of the issue, pinned: p6-32, hardware, RFLAGS.VM in LM. */
	tp_vcpu_init(&tv, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE);
	tv.model.layout = VSMM_LAYOUT_P6_32;
	tp_state(&tv, FZ_ST_LONG);
	tv.vcpu.state.smbase = 0x3f000000;
	assert_int_equal(vsmm_enter_smm(&tv.vcpu), VSMM_OK);
	tp_image_set(&tv, "eflags", tp_image_get(&tv, "eflags") | VSMM_RFLAGS_VM);
	assert_int_equal(vsmm_leave_smm(&tv.vcpu), VSMM_E_SHUTDOWN);
	assert_int_equal(tv.vcpu.last_shutdown.reason, VSMM_REASON_RFLAGS_VM_IN_LM);
	assert_string_equal(tv.vcpu.last_shutdown.field, "eflags");
	assert_int_equal(tv.vcpu.last_shutdown.offset, 0x7ff4);
}

/* The reasons no image can reach, each with the write it guards and the
 * context in which the composite check refuses it. */
static void unreachable_case(enum vsmm_reason reason)
{
	struct vsmm_model m;
	vsmm_model_preset(&m, VSMM_VENDOR_INTEL, true);
	m.features |= VSMM_FEAT_LA57;
	struct vsmm__cpu_view v = { .model = &m,
				    .vmx_fixed = true,
				    .lme_needs_pae = true,
				    .vmxe_smm_rule = true };
	uint64_t cr4 = 0;

	switch (reason) {
	case RS(CR4_VMXE_IN_SMM): /* loading CR4 before clearing SMM */
		v.smm = true;
		v.vmx_on = true;
		cr4 = VSMM_CR4_VMXE | VSMM_CR4_PAE;
		break;
	case RS(CR4_PCIDE_CR3): /* setting PCIDE with the PCID still in CR3 */
		v.efer = VSMM_EFER_LME | VSMM_EFER_LMA;
		v.cr4 = VSMM_CR4_PAE;
		v.cr3 = 0x1005;
		cr4 = VSMM_CR4_PAE | VSMM_CR4_PCIDE;
		break;
	case RS(CR4_LA57_IN_LM): /* switching paging depth in long mode */
		v.efer = VSMM_EFER_LME | VSMM_EFER_LMA;
		v.cr4 = VSMM_CR4_PAE;
		cr4 = VSMM_CR4_PAE | VSMM_CR4_LA57;
		break;
	default: fail_msg("%s is not in the unreachable list", vsmm_reason_name(reason));
	}
	assert_int_equal(vsmm__check_cr4_write(&v, cr4), reason);
}

static const enum vsmm_reason unreachable[] = {
	RS(CR4_VMXE_IN_SMM),
	RS(CR4_PCIDE_CR3),
	RS(CR4_LA57_IN_LM),
};

static bool in_unreachable(enum vsmm_reason r)
{
	for (size_t i = 0; i < sizeof(unreachable) / sizeof(unreachable[0]); i++) {
		if (unreachable[i] == r)
			return true;
	}
	return false;
}

static void test_every_reason_has_a_case(void **unused)
{
	(void)unused;
	for (unsigned r = 1; r < VSMM_REASON_COUNT; r++) {
		unsigned hits = 0;
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
			if (scenarios[i].reason != r)
				continue;
			run_scenario(&scenarios[i]);
			hits++;
		}
		if (in_unreachable(r)) {
			assert_int_equal(hits, 0);
			unreachable_case(r);
			continue;
		}
		if (!hits)
			fail_msg("no triggering case for %s", vsmm_reason_name(r));
	}
}

/* The tables themselves: names round-trip, texts and refs exist. */
static void test_reason_table(void **unused)
{
	(void)unused;
	for (unsigned r = 0; r < VSMM_REASON_COUNT; r++) {
		assert_int_equal(vsmm_reason_from_name(vsmm_reason_name(r)), r);
		assert_true(strlen(vsmm_reason_text(r)) > 5);
		assert_true(strlen(vsmm_reason_ref(r)) > 0);
	}
	assert_string_equal(vsmm_reason_name(VSMM_REASON_COUNT), "UNKNOWN");
	assert_int_equal(vsmm_reason_from_name("NO_SUCH"), VSMM_REASON_COUNT);
	assert_int_equal(vsmm_reason_from_name(NULL), VSMM_REASON_COUNT);
	assert_string_equal(vsmm_status_name(VSMM_E_UD), "VSMM_E_UD");
	assert_string_equal(vsmm_status_name(VSMM_OK), "VSMM_OK");
	assert_string_equal(vsmm_status_name(-999), "VSMM_E_UNKNOWN");
	assert_non_null(strstr(vsmm_strerror(VSMM_E_SHUTDOWN), "shutdown"));
	assert_non_null(vsmm_strerror(12345));
}

/* docs/reasons.md, as generated from VSMM_REASON_MAP (see main). */
static size_t reasons_markdown(char *buf, size_t size)
{
	size_t n = 0;

	n += (size_t)snprintf(
		buf + n, size - n,
		"# Shutdown reasons\n\n"
		"Generated from `VSMM_REASON_MAP` in `include/vsmm/vsmm.h`; do not edit.\n"
		"Regenerate with `build/tests/test_reasons --markdown > docs/reasons.md`\n"
		"(the `core-reasons` test fails while this file is out of date).\n\n"
		"| # | Name | Meaning | Source |\n| --- | --- | --- | --- |\n");
	for (unsigned r = 0; r < VSMM_REASON_COUNT && n < size; r++)
		n += (size_t)snprintf(buf + n, size - n, "| %u | `%s` | %s | %s |\n", r,
				      vsmm_reason_name(r), vsmm_reason_text(r),
				      vsmm_reason_ref(r));
	return n;
}

static void test_reasons_doc_up_to_date(void **unused)
{
	(void)unused;
	const char *root = getenv("VSMM_SOURCE_ROOT");
	static char want[16384], got[16384];
	char path[1024];

	if (!root)
		skip();
	snprintf(path, sizeof(path), "%s/docs/reasons.md", root);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t len = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[len] = 0;
	reasons_markdown(want, sizeof(want));
	if (strcmp(want, got) != 0)
		fail_msg("docs/reasons.md is out of date: regenerate it with "
			 "test_reasons --markdown");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
		static char doc[16384];
		fwrite(doc, 1, reasons_markdown(doc, sizeof(doc)), stdout);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_every_reason_has_a_case, tp_teardown),
		cmocka_unit_test(test_reason_table),
		cmocka_unit_test_teardown(test_field_of_every_layout, tp_teardown),
		cmocka_unit_test(test_reasons_doc_up_to_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
