/* SPDX-License-Identifier: MIT */
/*
 * Property: for thousands of random VALID states per model (Intel/AMD x
 * long-mode/32-bit, under both semantics), an SMI followed at once by RSM
 * gives back every field bit-exactly -- RIP[63:32] on the 64-bit maps,
 * the interrupt shadow, the NMI state and pending events included -- with
 * exactly one image access each way, and the result passes every
 * architectural check.  The generator is seeded: a failure prints the
 * configuration and iteration, and reruns identically.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../src/layout/fields.h"
#include "../src/layout/layout.h"
#include "testlib.h"
#include "vmentry.h"
#include "../src/checks.h"

#define ITERATIONS 2500

static struct tp_vcpu tv;

/* xorshift64*: small, deterministic, good enough for bit patterns. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}
static bool coin(void)
{
	return rnd() & 1;
}

static uint64_t pick(uint64_t mask)
{
	return rnd() & mask;
}

#define RFLAGS_DEFINED \
	0x3f7fd5ull /* CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID */
#define CR4_FREE \
	(VSMM_CR4_VME | VSMM_CR4_PVI | VSMM_CR4_TSD | VSMM_CR4_DE | VSMM_CR4_PSE | \
	 VSMM_CR4_MCE | VSMM_CR4_PGE | VSMM_CR4_PCE | VSMM_CR4_OSFXSR | \
	 VSMM_CR4_OSXMMEXCPT | VSMM_CR4_UMIP | VSMM_CR4_FSGSBASE | VSMM_CR4_OSXSAVE | \
	 VSMM_CR4_SMEP | VSMM_CR4_SMAP | VSMM_CR4_PKE | VSMM_CR4_VMXE)

/* CR4 bits the model allows, from the predicate itself. */
static uint64_t cr4_allowed(const struct vsmm_model *m)
{
	uint64_t ok = 0;

	for (int b = 0; b < 32; b++) {
		uint64_t bit = 1ull << b;
		if ((CR4_FREE & bit) &&
		    vsmm__check_cr4_features(m, bit) == VSMM_REASON_NONE)
			ok |= bit;
	}
	return ok;
}

static uint64_t efer_allowed(const struct vsmm_model *m)
{
	uint64_t ok = 0;
	const uint64_t bits[] = { VSMM_EFER_SCE, VSMM_EFER_NXE, VSMM_EFER_SVME,
				  VSMM_EFER_FFXSR };

	for (size_t i = 0; i < 4; i++) {
		if (vsmm__check_efer_features(m, bits[i]) == VSMM_REASON_NONE)
			ok |= bits[i];
	}
	return ok;
}

/* A limit the G bit can express: 4 KiB units with bits 11:0 set, or 20
 * bits (SDM Vol.3C "Checks on Guest Segment Registers"). */
static void random_limit(struct vsmm_seg *s)
{
	if (coin()) {
		s->attr |= VSMM_SEG_G;
		s->limit = (uint32_t)(pick(0xfffff) << 12) | 0xfffu;
	} else {
		s->attr &= (uint16_t)~VSMM_SEG_G;
		s->limit = (uint32_t)pick(0xfffff);
	}
}

/* A canonical address of the model's width (or 32 bits without long
 * mode). */
static uint64_t random_address(const struct vsmm_model *m, bool wide)
{
	unsigned w = (m->features & VSMM_FEAT_LA57) ? 57 : 48;
	uint64_t v = rnd();

	if (!wide || !m->long_mode)
		return v & 0xffffffffu;
	return (uint64_t)((int64_t)(v << (64 - w)) >> (64 - w));
}

/*
 * Segment registers a CPU can hold in the state's mode (the rules VM entry
 * checks): CPL = SS.DPL, a CS and SS of the right types, DS/ES/FS/GS usable
 * or not, a busy TSS and an LDT (or none), 32-bit CS/SS/DS/ES bases, and
 * virtual-8086 mode's fixed caches.
 */
static void random_segments(struct vsmm_cpu_state *st, const struct vsmm_model *m,
			    bool wide)
{
	static const uint16_t code_types[] = { 0x9, 0xb, 0xd, 0xf };
	bool pe = st->cr0 & VSMM_CR0_PE, lma = st->efer & VSMM_EFER_LMA;
	unsigned cpl = pe ? (unsigned)(rnd() % 4) : 0;

	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		struct vsmm_seg *s = &st->seg[i];
		bool narrow = i <= VSMM_DS;

		*s = (struct vsmm_seg){
			.selector = (uint16_t)rnd(),
			.attr = (uint16_t)pick(VSMM_SEG_AVL | VSMM_SEG_DB |
					       VSMM_SEG_DPL_MASK),
			.base = narrow ? pick(0xffffffffu) : random_address(m, wide)
		};
		random_limit(s);
	}
	struct vsmm_seg *cs = &st->seg[VSMM_CS], *ss = &st->seg[VSMM_SS];
	uint16_t type = code_types[rnd() % 4];
	unsigned dpl = (type & 0x4) ? (unsigned)(rnd() % (cpl + 1)) : cpl;

	cs->attr = (uint16_t)((cs->attr & ~VSMM_SEG_DPL_MASK) | VSMM_SEG_P | VSMM_SEG_S |
			      type | dpl << VSMM_SEG_DPL_SHIFT);
	if (lma && coin())
		cs->attr = (uint16_t)((cs->attr & ~VSMM_SEG_DB) | VSMM_SEG_L);
	ss->attr = (uint16_t)((ss->attr & ~VSMM_SEG_DPL_MASK) | VSMM_SEG_S |
			      (coin() ? 0x3u : 0x7u) | cpl << VSMM_SEG_DPL_SHIFT);
	if (!lma || coin())
		ss->attr |= VSMM_SEG_P;
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		static const uint16_t data_types[] = { 0x1, 0x3, 0x5, 0x7, 0xb, 0xf };
		if (i == VSMM_CS || i == VSMM_SS)
			continue;
		st->seg[i].attr |= (uint16_t)(VSMM_SEG_S | data_types[rnd() % 6]);
		if (coin() || !pe)
			st->seg[i].attr |= VSMM_SEG_P;
	}
	st->seg[VSMM_TR].attr = (uint16_t)((st->seg[VSMM_TR].attr & VSMM_SEG_DPL_MASK) |
					   VSMM_SEG_P | (lma || coin() ? 0xbu : 0x3u));
	st->seg[VSMM_TR].selector &= (uint16_t)~4u;
	random_limit(&st->seg[VSMM_TR]);
	st->seg[VSMM_LDTR].attr = coin() ? (uint16_t)(VSMM_SEG_P | 0x2u) : 0;
	st->seg[VSMM_LDTR].selector &= (uint16_t)~4u;
	random_limit(&st->seg[VSMM_LDTR]);
	if (pe && (st->rflags & VSMM_RFLAGS_VM)) {
		for (int i = VSMM_ES; i <= VSMM_GS; i++)
			st->seg[i] = (struct vsmm_seg){ st->seg[i].selector, 0xf3u,
							0xffffu,
							(uint64_t)st->seg[i].selector
								<< 4 };
	}
}

static enum fz_state_kind random_mode(const struct vsmm_model *m, bool wide)
{
	/* The modes in the order the draws have always picked them. */
	static const enum fz_state_kind modes[] = {
		FZ_ST_REAL, FZ_ST_PM16, FZ_ST_PM32,
		FZ_ST_PAE,  FZ_ST_LONG, FZ_ST_LONG_PCID,
	};
	int n = m->long_mode && wide ? 6 : 4;
	enum fz_state_kind mode = modes[rnd() % (unsigned)n];

	if (mode == FZ_ST_LONG_PCID && !(m->features & VSMM_FEAT_PCID))
		mode = FZ_ST_LONG;
	return mode;
}

static void random_control(struct vsmm_cpu_state *st, const struct vsmm_model *m,
			   enum fz_state_kind mode, bool wide)
{
	static const uint64_t cache[] = { 0, VSMM_CR0_CD, VSMM_CR0_CD | VSMM_CR0_NW };
	bool lm = mode == FZ_ST_LONG || mode == FZ_ST_LONG_PCID;

	st->cr0 = VSMM_CR0_ET | cache[rnd() % 3] |
		  pick(VSMM_CR0_MP | VSMM_CR0_EM | VSMM_CR0_TS | VSMM_CR0_NE |
		       VSMM_CR0_WP | VSMM_CR0_AM);
	if (mode != FZ_ST_REAL)
		st->cr0 |= VSMM_CR0_PE;
	if (mode == FZ_ST_PAE || lm)
		st->cr0 |= VSMM_CR0_PG;
	st->cr4 = pick(cr4_allowed(m));
	if (mode == FZ_ST_PAE || lm)
		st->cr4 |= VSMM_CR4_PAE;
	if (mode == FZ_ST_LONG_PCID)
		st->cr4 |= VSMM_CR4_PCIDE;
	uint64_t phys = (1ull << m->maxphyaddr) - 1;
	st->cr3 = lm ? pick(phys) : pick(0xffffffffu);
	if (!(st->cr4 & VSMM_CR4_PCIDE))
		st->cr3 &= ~0xfe7ull; /* only PWT/PCD below bit 12 */
	st->cr2 = pick(wide ? ~0ull : 0xffffffffu);
	st->efer = pick(efer_allowed(m));
	if (lm)
		st->efer |= VSMM_EFER_LME | VSMM_EFER_LMA;
	else if (m->long_mode && mode != FZ_ST_PAE && coin())
		st->efer |= VSMM_EFER_LME; /* armed, not active (PG=0) */
}

/* VMX operation needs paging, NE and VMXE; a nested guest needs VMX (or,
 * on AMD, SVME and a map with the SVM fields). */
static void random_nested(struct vsmm_cpu_state *st, const struct vsmm_model *m,
			  bool wide)
{
	bool paging = st->cr0 & VSMM_CR0_PG;

	if ((m->features & VSMM_FEAT_VMX) && paging && coin()) {
		st->vmx_on = true;
		st->cr0 |= VSMM_CR0_NE;
		st->cr4 |= VSMM_CR4_VMXE;
		st->guest_mode = coin();
	}
	if ((m->features & VSMM_FEAT_SVM) && wide && coin()) {
		st->efer |= VSMM_EFER_SVME;
		st->guest_mode = coin();
		st->svm_vmcb12 = st->guest_mode ? pick(0xffffffff000ull) : 0;
	}
}

static void random_state(struct vsmm_cpu_state *st, const struct vsmm_model *m, bool wide,
			 enum vsmm_semantics sem)
{
	uint64_t word = wide ? ~0ull : 0xffffffffu;
	enum fz_state_kind mode = random_mode(m, wide);

	vsmm_cpu_state_reset(st);
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		st->gpr[i] = pick(word);
	st->rip = pick(word);
	st->rflags = pick(RFLAGS_DEFINED) | VSMM_RFLAGS_FIXED;
	if (mode != FZ_ST_PM32)
		st->rflags &= ~VSMM_RFLAGS_VM; /* virtual-8086 only in 32-bit PM */
	random_control(st, m, mode, wide);
	st->dr6 = pick(0xe80f) | VSMM_DR6_FIXED_1;
	st->dr7 = pick(0xffff2bff) | VSMM_DR7_FIXED_1;
	random_segments(st, m, wide);
	/* Outside 64-bit mode RIP is EIP; in it, a canonical address. */
	if ((st->efer & VSMM_EFER_LMA) && (st->seg[VSMM_CS].attr & VSMM_SEG_L))
		st->rip = random_address(m, wide);
	else
		st->rip &= 0xffffffffu;
	st->gdtr = (struct vsmm_dtable){ random_address(m, wide),
					 (uint32_t)pick(0xffff) };
	st->idtr = (struct vsmm_dtable){ random_address(m, wide),
					 (uint32_t)pick(0xffff) };
	/* Protected mode outside virtual-8086 runs at CPL = SS.DPL, which
	 * CS.RPL and SS.RPL always equal (loading CS or SS makes them so). */
	if ((st->cr0 & VSMM_CR0_PE) && !(st->rflags & VSMM_RFLAGS_VM)) {
		uint16_t cpl = (uint16_t)((st->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) >>
					  VSMM_SEG_DPL_SHIFT);
		st->seg[VSMM_CS].selector = (uint16_t)((st->seg[VSMM_CS].selector & ~3u) |
						       cpl);
		st->seg[VSMM_SS].selector = (uint16_t)((st->seg[VSMM_SS].selector & ~3u) |
						       cpl);
	}
	st->smbase = (uint32_t)rnd();
	st->nmi_masked = coin();
	st->nmi_pending = coin();
	/* A shadow a CPU can be in: none, MOV SS, or STI once STI set IF
	 * (never both: RSM keeps only what VM entry would accept). */
	static const uint8_t shadows[] = { 0, VSMM_SHADOW_MOV_SS, VSMM_SHADOW_STI };
	st->int_shadow = shadows[rnd() % 3];
	if (!(st->rflags & VSMM_RFLAGS_IF))
		st->int_shadow &= (uint8_t)~VSMM_SHADOW_STI;
	st->smi_pending = true; /* the SMI about to be delivered */
	/* HLT runs at CPL 0 and ends any shadow. */
	st->halted = sem == VSMM_SEMANTICS_HARDWARE &&
		     !(st->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) && coin();
	if (st->halted)
		st->int_shadow = 0;
	random_nested(st, m, wide);
}

/* The committed state passes the architectural rules it was loaded by. */
static void assert_architectural(const struct vsmm_cpu_state *st,
				 const struct vsmm_model *m)
{
	assert_int_equal(vsmm__check_cr0_high(st->cr0), 0);
	assert_int_equal(vsmm__check_cr0_nw_cd(st->cr0), 0);
	assert_int_equal(vsmm__check_cr0_pg_pe(st->cr0), 0);
	assert_int_equal(vsmm__check_cr4_reserved(st->cr4), 0);
	assert_int_equal(vsmm__check_cr4_features(m, st->cr4), 0);
	assert_int_equal(vsmm__check_cr4_pae_lm(st->cr4, st->efer), 0);
	assert_int_equal(vsmm__check_cr3_reserved(m, st->cr3, st->cr4 & VSMM_CR4_PCIDE),
			 0);
	assert_int_equal(vsmm__check_efer_reserved(st->efer), 0);
	assert_int_equal(vsmm__check_efer_features(m, st->efer), 0);
	assert_int_equal(vsmm__check_lma_consistent(st->cr0, st->cr4, st->efer), 0);
	assert_int_equal(vsmm__check_rflags_vm_lm(st->rflags, st->efer), 0);
	assert_int_equal(
		vsmm__check_cr0_vmx_fixed(st->vmx_on && !st->guest_mode, st->cr0), 0);
	assert_int_equal(
		vsmm__check_cr4_vmx_fixed(st->vmx_on && !st->guest_mode, st->cr4), 0);
	assert_false(st->smm);
	assert_false(st->shutdown);
}

static void one_iteration(enum vsmm_semantics sem, unsigned iter)
{
	const struct vsmm_model *m = &tv.model;
	bool wide = vsmm_vcpu_layout(&tv.vcpu) != VSMM_LAYOUT_P6_32;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&tv.vcpu));

	fz_mem_reset(tv.mem);
	random_state(&tv.vcpu.state, m, wide, sem);
	struct vsmm_cpu_state want = tv.vcpu.state;
	want.smi_pending = false;

	int rc = vsmm_enter_smm(&tv.vcpu);
	if (rc != VSMM_OK)
		fail_msg("iteration %u: SMI %s", iter, vsmm_status_name(rc));
	/* Events raised in SMM wait for RSM. */
	if (coin()) {
		vsmm_raise_smi(&tv.vcpu);
		want.smi_pending = true;
	}
	if (coin()) {
		vsmm_raise_init(&tv.vcpu);
		want.init_latched = true;
	}
	assert_int_equal(vsmm_next_event(&tv.vcpu), VSMM_EVENT_NONE);
	rc = vsmm_leave_smm(&tv.vcpu);
	if (rc != VSMM_OK)
		fail_msg("iteration %u: RSM %s (%s)", iter, vsmm_status_name(rc),
			 vsmm_reason_name(tv.vcpu.last_shutdown.reason));
	const char *diff = tp_state_diff(&want, &tv.vcpu.state);
	if (diff)
		fail_msg("iteration %u: %s", iter, diff);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_WRITE), 1);
	assert_int_equal(fz_mem_count(tv.mem, FZ_CALL_READ),
			 1 + ((want.cr0 & VSMM_CR0_PG) && (want.cr4 & VSMM_CR4_PAE) &&
			      !(want.efer & VSMM_EFER_LMA)));
	for (unsigned i = 0; i < tv.mem->calls; i++) {
		const struct fz_call *c = &tv.mem->log[i];
		if ((c->kind == FZ_CALL_READ || c->kind == FZ_CALL_WRITE) && c->smm)
			assert_int_equal(c->len, d->area_size);
	}
	assert_architectural(&tv.vcpu.state, m);
	const char *why = vmentry_check(m, &tv.vcpu.state);
	if (why)
		fail_msg("iteration %u: no VM entry accepts the resumed state: %s", iter,
			 why);
}

static void property(enum vsmm_vendor vendor, bool lm, enum vsmm_semantics sem,
		     enum vsmm_layout expect_layout)
{
	rng_state = 0x9e3779b97f4a7c15ull ^ ((uint64_t)vendor << 8 | lm << 4 | sem);
	tp_vcpu_init(&tv, vendor, lm, sem);
	assert_int_equal(vsmm_vcpu_layout(&tv.vcpu), expect_layout);
	print_message("%s %s %s: %u random states\n",
		      vendor == VSMM_VENDOR_INTEL ? "intel" : "amd", lm ? "lm" : "32-bit",
		      sem == VSMM_SEMANTICS_KVM ? "kvm" : "hardware", ITERATIONS);
	for (unsigned i = 0; i < ITERATIONS; i++)
		one_iteration(sem, i);
	assert_int_equal(tv.vcpu.smi_count, ITERATIONS);
}

#define PROPERTY(name, v, lm, sem, layout) \
	static void name(void **unused) \
	{ \
		(void)unused; \
		property(v, lm, sem, layout); \
	}

PROPERTY(test_intel_lm_kvm, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM,
	 VSMM_LAYOUT_AMD64)
PROPERTY(test_amd_lm_kvm, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_KVM, VSMM_LAYOUT_AMD64)
PROPERTY(test_intel_32_kvm, VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_KVM,
	 VSMM_LAYOUT_P6_32)
PROPERTY(test_amd_32_kvm, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_KVM, VSMM_LAYOUT_P6_32)
PROPERTY(test_intel_lm_hw, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_HARDWARE,
	 VSMM_LAYOUT_INTEL64)
PROPERTY(test_amd_lm_hw, VSMM_VENDOR_AMD, true, VSMM_SEMANTICS_HARDWARE,
	 VSMM_LAYOUT_AMD64)
PROPERTY(test_intel_32_hw, VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_HARDWARE,
	 VSMM_LAYOUT_P6_32)
PROPERTY(test_amd_32_hw, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_HARDWARE,
	 VSMM_LAYOUT_P6_32)

/*
 * Hostile images: a valid image with a few random bytes flipped.  RSM must
 * either resume into a state that passes the architectural rules of its
 * semantics, or shut down with nothing but the shutdown flag changed.
 * (KVM resumes RFLAGS.VM=1 in long mode -- no rule there -- so that one
 * rule is asserted under hardware semantics only.)
 */
static void hostile_iteration(enum vsmm_semantics sem, unsigned iter, unsigned *resumed)
{
	const struct vsmm_model *m = &tv.model;
	bool wide = vsmm_vcpu_layout(&tv.vcpu) != VSMM_LAYOUT_P6_32;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&tv.vcpu));

	fz_mem_reset(tv.mem);
	random_state(&tv.vcpu.state, m, wide, sem);
	if (vsmm_enter_smm(&tv.vcpu) != VSMM_OK)
		fail_msg("iteration %u: SMI failed", iter);
	uint64_t base = tv.vcpu.state.smbase + d->area_offset;
	for (unsigned n = 1 + rnd() % 4; n; n--) {
		uint8_t b = (uint8_t)rnd();
		fz_mem_poke(tv.mem, base + rnd() % d->area_size, &b, 1, true);
	}
	struct vsmm_vcpu before = tv.vcpu;
	int rc = vsmm_leave_smm(&tv.vcpu);
	if (rc == VSMM_E_SHUTDOWN) {
		before.state.shutdown = true;
		before.last_shutdown = tv.vcpu.last_shutdown;
		assert_memory_equal(&before, &tv.vcpu, sizeof(before));
		assert_true(tv.vcpu.last_shutdown.reason > VSMM_REASON_NONE);
		assert_true(tv.vcpu.last_shutdown.reason < VSMM_REASON_COUNT);
		return;
	}
	if (rc != VSMM_OK)
		fail_msg("iteration %u: RSM %s", iter, vsmm_status_name(rc));
	(*resumed)++;
	const char *why = vmentry_check(m, &tv.vcpu.state);
	if (why)
		fail_msg("iteration %u: no VM entry accepts the resumed state: %s", iter,
			 why);
	struct vsmm_cpu_state st = tv.vcpu.state;
	if (sem == VSMM_SEMANTICS_KVM)
		st.rflags &= ~VSMM_RFLAGS_VM;
	assert_architectural(&st, m);
	assert_int_equal(vsmm__check_dr6_high(st.dr6), 0);
	assert_int_equal(vsmm__check_dr7_high(st.dr7), 0);
	assert_int_equal(st.int_shadow & ~3u, 0);
}

static void hostile(enum vsmm_vendor vendor, bool lm, enum vsmm_semantics sem)
{
	unsigned resumed = 0;

	rng_state = 0x243f6a8885a308d3ull ^ ((uint64_t)vendor << 8 | lm << 4 | sem);
	tp_vcpu_init(&tv, vendor, lm, sem);
	for (unsigned i = 0; i < ITERATIONS; i++)
		hostile_iteration(sem, i, &resumed);
	/* Both outcomes must actually occur, or the test proves little. */
	assert_true(resumed > ITERATIONS / 10);
	assert_true(resumed < ITERATIONS);
}

static void test_hostile_images(void **unused)
{
	(void)unused;
	for (int v = 0; v < 2; v++)
		for (int lm = 0; lm < 2; lm++)
			for (int sem = 0; sem < VSMM_SEMANTICS_COUNT; sem++)
				hostile((enum vsmm_vendor)v, lm,
					(enum vsmm_semantics)sem);
}

/* The row of l binding (kind, arg), which must be the only one. */
static const struct vsmm_field_desc *only_row(const struct vsmm__layout *l, unsigned kind,
					      unsigned arg)
{
	const struct vsmm_field_desc *found = NULL;

	for (size_t i = 0; i < l->desc.nfields; i++) {
		if (l->binds[i].kind != kind || l->binds[i].arg != arg)
			continue;
		assert_null(found);
		found = &l->desc.fields[i];
	}
	return found;
}

/*
 * The maps of segment records (layout.c: the encoder stores the rows of a
 * segment register's record with one copy, the decoder loads them so):
 * every segment register has the rows of its record, once each, where the
 * record puts them.
 */
static void test_segment_records(void **unused)
{
	(void)unused;
	for (unsigned seg = 0; seg < VSMM_SREG_COUNT; seg++) {
		/* AMD64: {selector u16, attr u16, limit u32, base u64} */
		const struct vsmm__layout *l = &vsmm__layout_amd64;
		const struct vsmm_field_desc *sel = only_row(l, VSMM__B_SEL, seg);
		const struct vsmm_field_desc *attr = only_row(l, VSMM__B_ATTR, seg);
		const struct vsmm_field_desc *limit = only_row(l, VSMM__B_LIMIT, seg);

		assert_non_null(sel);
		assert_non_null(attr);
		assert_non_null(limit);
		assert_int_equal(sel->size, 2);
		assert_int_equal(attr->size, 2);
		assert_int_equal(limit->size, 4);
		assert_int_equal(attr->offset, sel->offset + 2);
		assert_int_equal(limit->offset, sel->offset + 4);
		/* the record ends with the base: one 16-byte unit */
		const struct vsmm_field_desc *base = only_row(l, VSMM__B_BASE, seg);
		assert_non_null(base);
		assert_int_equal(base->size, 8);
		assert_int_equal(base->offset, sel->offset + 8);
		/* every area has them: the decoder loads them as one */
		assert_int_equal(sel->flags | attr->flags | limit->flags | base->flags,
				 0);

		/* P6: {attr u32, limit u32, base u32} */
		l = &vsmm__layout_p6_32;
		limit = only_row(l, VSMM__B_LIMIT, seg);
		base = only_row(l, VSMM__B_BASE, seg);
		assert_non_null(limit);
		assert_non_null(base);
		assert_int_equal(limit->size, 4);
		assert_int_equal(base->size, 4);
		assert_int_equal(base->offset, limit->offset + 4);
		assert_int_equal(limit->flags | base->flags, 0);
		/* the attribute dword, read as its bytes 1 and 2 */
		attr = only_row(l, VSMM__B_ATTR_P6, seg);
		assert_non_null(attr);
		assert_int_equal(attr->size, 4);
		assert_int_equal(attr->flags, 0);
		/* With SSE2 the decoder loads the register whole from its
		 * record's 16 bytes (layout.c, load_p6_record): the limit
		 * and base follow the attribute dword, the 16 bytes lie
		 * inside the area, and the selector inserted is the low word
		 * of a dword row every area has. */
		assert_int_equal(limit->offset, attr->offset + 4);
		assert_true(attr->offset + 16u <= 0x8000u);
		sel = only_row(l, VSMM__B_SEL, seg);
		assert_non_null(sel);
		assert_int_equal(sel->size, 4);
		assert_int_equal(sel->flags, 0);

		/* Intel 64 extension records: {attr u16, reserved u16, limit
		 * u32, ...}; the attribute row's dword store covers the
		 * reserved word, which no row may hold. */
		l = &vsmm__layout_intel64;
		attr = only_row(l, VSMM__B_ATTR, seg);
		limit = only_row(l, VSMM__B_LIMIT, seg);
		base = only_row(l, VSMM__B_BASE, seg);
		sel = only_row(l, VSMM__B_SEL, seg);
		assert_non_null(attr);
		assert_non_null(limit);
		assert_non_null(base);
		assert_non_null(sel);
		assert_int_equal(attr->size, 2);
		assert_int_equal(limit->size, 4);
		assert_int_equal(limit->offset, attr->offset + 4);
		/* The record's base, or (LDTR) a dword row elsewhere, after
		 * the record in the table: its part is ORed into the base
		 * the record's load left zero. */
		bool in_record = base->offset == attr->offset + 8;
		if (in_record)
			assert_int_equal(base->size, 8);
		else
			assert_true(base->offset > attr->offset + 16u);
		/* The record's load zeroes the selector: the selector row
		 * comes later and every area has it. */
		assert_true(sel->offset > attr->offset);
		assert_int_equal(sel->flags, 0);
		/* The record's store covers 16 bytes: the reserved word and
		 * (without a base) the reserved quadword, which no row of
		 * another register may hold. */
		for (size_t i = 0; i < l->desc.nfields; i++) {
			const struct vsmm_field_desc *f = &l->desc.fields[i];

			if (f == attr || f == limit || f == base)
				continue;
			assert_false(f->offset < attr->offset + 16u &&
				     f->offset + f->size > attr->offset);
		}
	}
}

/*
 * Decoding over a base state (layout.c copies only the units of the state
 * no row fills, and zeroes only the extras no row holds): the result must
 * be the base with every row's member replaced by what the row decodes,
 * CR0, CR3, CR4 and EFER apart (the image's where the map has them, else
 * the base's; the state keeps the base's), and of the extras those RSM
 * reads (layout.h) as the image has them, or zero where the table has no
 * row for one, whatever the caller's structs held before.  The
 * members are found here by the rows' bindings, independently of the
 * decoder's unit arithmetic.
 */
static void *bound_member(struct vsmm_cpu_state *s, struct vsmm__rsm_image *c,
			  const struct vsmm__bind *b, size_t *width)
{
	struct vsmm_seg *seg = &s->seg[b->arg % VSMM_SREG_COUNT];
	struct vsmm_dtable *dt = b->arg == VSMM__DT_IDTR ? &s->idtr : &s->gdtr;

#define BOUND(m) (*width = sizeof(m), (void *)&(m))
	switch (b->kind) {
	case VSMM__B_GPR: return BOUND(s->gpr[b->arg]);
	case VSMM__B_RIP: return BOUND(s->rip);
	case VSMM__B_RFLAGS: return BOUND(s->rflags);
	case VSMM__B_CR0: return BOUND(c->cr0);
	case VSMM__B_CR3: return BOUND(c->cr3);
	case VSMM__B_CR4: return BOUND(c->cr4);
	case VSMM__B_EFER: return BOUND(c->efer);
	case VSMM__B_DR6: return BOUND(s->dr6);
	case VSMM__B_DR7: return BOUND(s->dr7);
	case VSMM__B_SMBASE: return BOUND(s->smbase);
	case VSMM__B_INT_SHADOW: return BOUND(s->int_shadow);
	case VSMM__B_SEL: return BOUND(seg->selector);
	case VSMM__B_ATTR:
	case VSMM__B_ATTR_P6: return BOUND(seg->attr);
	case VSMM__B_LIMIT: return BOUND(seg->limit);
	case VSMM__B_BASE:
	case VSMM__B_BASE_HI: return BOUND(seg->base);
	case VSMM__B_DT_LIMIT: return BOUND(dt->limit);
	case VSMM__B_DT_BASE:
	case VSMM__B_DT_BASE_HI: return BOUND(dt->base);
	default: return NULL;
	}
#undef BOUND
}

static void test_decode_over_base(void **unused)
{
	(void)unused;
	const struct vsmm__layout *layouts[] = { &vsmm__layout_p6_32, &vsmm__layout_amd64,
						 &vsmm__layout_intel64 };

	rng_state = 0x6465636f6465ull;
	for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
		const struct vsmm_layout_desc *d = &layouts[l]->desc;

		for (int n = 0; n < 400; n++) {
			uint8_t area[VSMM_IMAGE_MAX];
			struct vsmm_cpu_state base, zero_based, want, got;
			struct vsmm__rsm_image c_zero_based, c_want, c_got;
			struct vsmm_image_extras x_want;
			struct vsmm__rsm_extras x_got;

			for (size_t i = 0; i < d->area_size; i++)
				area[i] = (uint8_t)rnd();
			if (d->layout == VSMM_LAYOUT_INTEL64 && coin())
				memcpy(area + 0x8c, "VSMM", 4); /* 7C8C */
			for (size_t i = 0; i < sizeof(base); i++)
				((uint8_t *)&base)[i] = (uint8_t)rnd();
			memset(&got, 0xa5, sizeof(got));
			memset(&c_got, 0xa5, sizeof(c_got));
			memset(&x_got, 0xa5, sizeof(x_got));
			/* The reference: each row's member from a decode over
			 * zeroes, put into the base; the checked registers
			 * apart, the base's where the map has no row. */
			assert_int_equal(vsmm_image_decode(d->layout, area, d->area_size,
							   &zero_based, &x_want),
					 VSMM_OK);
			c_zero_based = (struct vsmm__rsm_image){ zero_based.cr0,
								 zero_based.cr3,
								 zero_based.cr4,
								 zero_based.efer };
			want = base;
			c_want = (struct vsmm__rsm_image){ base.cr0, base.cr3, base.cr4,
							   base.efer };
			for (size_t i = 0; i < d->nfields; i++) {
				const struct vsmm__bind *b = &layouts[l]->binds[i];
				size_t w = 0;
				void *to = bound_member(&want, &c_want, b, &w);
				void *from = bound_member(&zero_based, &c_zero_based, b,
							  &w);

				if (to)
					memcpy(to, from, w);
			}
			/* The decoders store the tables' limits zero-extended
			 * over their padding (layout.c, store_dt_limit). */
			memset((char *)&want.gdtr.limit + sizeof(want.gdtr.limit), 0,
			       sizeof(want.gdtr) - offsetof(struct vsmm_dtable, limit) -
				       sizeof(want.gdtr.limit));
			memset((char *)&want.idtr.limit + sizeof(want.idtr.limit), 0,
			       sizeof(want.idtr) - offsetof(struct vsmm_dtable, limit) -
				       sizeof(want.idtr.limit));
			(void)vsmm__image_decode(d->layout, area, &base, &got, &c_got,
						 &x_got);
			if (memcmp(&got, &want, sizeof(got)) != 0)
				fail_msg(
					"%s, image %d: the state decoded over a base differs",
					d->name, n);
			if (memcmp(&c_got, &c_want, sizeof(c_got)) != 0)
				fail_msg("%s, image %d: the checked registers differ",
					 d->name, n);
#define SAME_EXTRA(type, member, tag) \
	if (x_got.member != x_want.member) \
		fail_msg("%s, image %d: extras." #member " differs", d->name, n);
			VSMM__RSM_EXTRAS_MAP(SAME_EXTRA)
#undef SAME_EXTRA
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_intel_lm_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_amd_lm_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_intel_32_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_amd_32_kvm, tp_teardown),
		cmocka_unit_test_teardown(test_intel_lm_hw, tp_teardown),
		cmocka_unit_test_teardown(test_amd_lm_hw, tp_teardown),
		cmocka_unit_test_teardown(test_intel_32_hw, tp_teardown),
		cmocka_unit_test_teardown(test_amd_32_hw, tp_teardown),
		cmocka_unit_test_teardown(test_hostile_images, tp_teardown),
		cmocka_unit_test(test_segment_records),
		cmocka_unit_test(test_decode_over_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
