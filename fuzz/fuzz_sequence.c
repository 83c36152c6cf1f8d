/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target 4: SMI, RSM, NMI, INIT, save/restore and export/import in
 * any order, as a VMM, a hostile SMI handler and a hostile migration
 * stream would drive them.
 *
 * Input: byte 0 is the fz_config() byte, byte 1 the first interrupted
 * context; then operations, one byte each (op modulo OP_COUNT) followed by
 * the operation's arguments.
 *
 * Invariants after every operation:
 *  - every call returns a status of the table; a refused call changes
 *    nothing (the whole vCPU is compared);
 *  - vsmm_next_event follows the architectural priority (SMI outside
 *    SMM, INIT outside SMM and VMX root operation, NMI when unmasked
 *    and outside an interrupt shadow;
 *    nothing in shutdown);
 *  - SMI is refused in SMM or shutdown, RSM outside SMM is #UD;
 *  - RSM resumes a state the independent oracle accepts, or shuts down
 *    with a reason and nothing else changed; with an untouched image it
 *    gives back exactly the interrupted context;
 *  - restore(save(x)) and import(export(x)) change nothing; restore(x)
 *    then save gives x; import of arbitrary bytes is refused with nothing
 *    changed, or accepted and exported back byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "testlib.h"
#include "vmentry.h"

enum op {
	OP_RAISE_SMI,
	OP_RAISE_NMI,
	OP_RAISE_INIT,
	OP_DELIVER,
	OP_ACK,
	OP_SMI,
	OP_RSM,
	OP_TAMPER,
	OP_HANDLER_MODE,
	OP_IRET,
	OP_SAVE_RESTORE,
	OP_EXPORT_IMPORT,
	OP_IMPORT_BYTES,
	OP_RESTORE_MUTATED,
	OP_GUEST_RUNS,
	OP_HLT,
	OP_IO_SMI,
	OP_SEMANTICS,
	OP_RESET,
	OP_COUNT
};

#define MAX_OPS 96

static struct fz_mem mem;
static struct vsmm_model model;
static struct vsmm_vcpu vcpu;

/* What the next RSM must give back, if we know it. */
static struct {
	bool known; /* SMI from a context we built, image untouched */
	struct vsmm_cpu_state pre;
} expect;

static void expect_nothing(void)
{
	expect.known = false;
}

static bool natural_layout(void)
{
	struct vsmm_model m = model;

	m.layout = VSMM_LAYOUT_AUTO;
	return vsmm_model_layout(&m, vcpu.semantics) == vsmm_vcpu_layout(&vcpu);
}

static void check_status(int rc, const char *what)
{
	FZ_CHECK(fz_status_known(rc), "%s returned %d, not a VSMM status", what, rc);
}

/* A refused call must leave the whole vCPU as it was. */
static void check_untouched(const struct vsmm_vcpu *before, const char *what)
{
	const char *diff = fz_vcpu_diff(before, &vcpu);

	FZ_CHECK(diff == NULL, "refused %s changed the vCPU: %s", what, diff);
	FZ_CHECK(memcmp(&before->io_smi, &vcpu.io_smi, sizeof(vcpu.io_smi)) == 0,
		 "refused %s changed io_smi", what);
}

static void check_next_event(void)
{
	const struct vsmm_cpu_state *s = &vcpu.state;
	enum vsmm_event e = vsmm_next_event(&vcpu);
	enum vsmm_event want = VSMM_EVENT_NONE;

	if (s->shutdown)
		want = VSMM_EVENT_NONE;
	else if (s->smi_pending && !s->smm)
		want = VSMM_EVENT_SMI;
	else if (s->init_latched && !s->smm && !(s->vmx_on && !s->guest_mode))
		want = VSMM_EVENT_INIT; /* blocked in SMM and in VMX root */
	else if (s->nmi_pending && !s->nmi_masked && !s->int_shadow)
		want = VSMM_EVENT_NMI; /* an STI/MOV-SS shadow blocks it too */
	FZ_CHECK(e == want,
		 "next_event %d, the documented priority says %d "
		 "(smm=%d shutdown=%d smi=%d init=%d nmi=%d masked=%d)",
		 (int)e, (int)want, s->smm, s->shutdown, s->smi_pending, s->init_latched,
		 s->nmi_pending, s->nmi_masked);
}

/* ------------------------------------------------------------------ */
/* SMI and RSM                                                          */
/* ------------------------------------------------------------------ */

/*
 * The changes an untouched round trip may make, written from the manuals,
 * not from src/.  The first, from the SDM (Vol.3C "Default Treatment of
 * RSM"): under hardware rules,
 * back in VMX root operation and outside virtual-8086 mode, RSM sets
 * CS.RPL and SS.RPL to SS.DPL.  A context only differs there if a KVM-rules
 * RSM resumed a handler's selectors as written.
 */
static void expect_rpl_from_ss_dpl(struct vsmm_cpu_state *pre)
{
	bool v86 = (pre->rflags & VSMM_RFLAGS_VM) && !(pre->efer & VSMM_EFER_LMA);
	uint16_t dpl = (uint16_t)((pre->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) >>
				  VSMM_SEG_DPL_SHIFT);

	if (vcpu.semantics != VSMM_SEMANTICS_HARDWARE ||
	    model.vendor != VSMM_VENDOR_INTEL || !pre->vmx_on || pre->guest_mode || v86)
		return;
	pre->seg[VSMM_CS].selector = (uint16_t)((pre->seg[VSMM_CS].selector & ~3u) | dpl);
	pre->seg[VSMM_SS].selector = (uint16_t)((pre->seg[VSMM_SS].selector & ~3u) | dpl);
}

/*
 * The other: a processor's CS, SS, DS and ES base registers hold 32 bits
 * (SDM Vol.3A 3.4.4: those bases are ignored in 64-bit mode; APM Vol.2
 * 4.5.3), and a processor without long mode holds no base above 4 GiB.
 * VM entry lets an unusable SS, DS or ES carry bits 63:32, and so does
 * a KVM-rules RSM; under hardware rules RSM drops them, as the processor
 * it models never had them.
 */
static void expect_bases_narrowed(struct vsmm_cpu_state *pre)
{
	if (vcpu.semantics != VSMM_SEMANTICS_HARDWARE)
		return;
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		if (!model.long_mode || i == VSMM_CS || i == VSMM_SS || i == VSMM_DS ||
		    i == VSMM_ES)
			pre->seg[i].base &= 0xffffffffu;
	if (!model.long_mode) {
		pre->gdtr.base &= 0xffffffffu;
		pre->idtr.base &= 0xffffffffu;
	}
}

static void do_smi(void)
{
	static struct vsmm_vcpu before;
	/* A context a processor can hold: the architectural oracle, and the
	 * VM-entry checks written from the SDM (tests/lib/vmentry.c), which RSM
	 * applies to what it resumes (issue 15.2).  Only such a context must
	 * come back unchanged from an untouched image; the sequence can reach
	 * others (e.g. RIP bits 63:32 set outside 64-bit mode), which RSM
	 * masks or refuses. */
	bool valid = fz_oracle_resumed(&model, &vcpu.state, &mem) == NULL &&
		     vmentry_check(&model, &vcpu.state) == NULL;
	int rc;

	before = vcpu;
	rc = vsmm_enter_smm(&vcpu);
	check_status(rc, "enter_smm");
	if (before.state.smm || before.state.shutdown) {
		FZ_CHECK(rc == VSMM_E_STATE, "SMI in SMM/shutdown gave %s",
			 vsmm_status_name(rc));
		check_untouched(&before, "SMI");
		return;
	}
	/* A forced layout may be unable to hold the context (SVM guest
	 * state in a map without SVM fields): refused, cleanly. */
	FZ_CHECK(rc == VSMM_OK || !valid ||
			 (!natural_layout() &&
			  (rc == VSMM_E_UNSUPPORTED || rc == VSMM_E_VENDOR)),
		 "SMI from a valid context: %s", vsmm_status_name(rc));
	if (rc != VSMM_OK) {
		check_untouched(&before, "SMI");
		return;
	}
	FZ_CHECK(vcpu.state.smm && vcpu.smi_count == before.smi_count + 1 &&
			 vcpu.state.smm_inside_nmi == before.state.nmi_masked &&
			 vcpu.state.nmi_masked,
		 "SMI bookkeeping (smm=%d count=%llu inside_nmi=%d masked=%d)",
		 vcpu.state.smm, (unsigned long long)vcpu.smi_count,
		 vcpu.state.smm_inside_nmi, vcpu.state.nmi_masked);
	expect.known = valid && natural_layout() && !before.io_smi.valid;
	expect.pre = before.state;
	expect_rpl_from_ss_dpl(&expect.pre);
	expect_bases_narrowed(&expect.pre);
}

static void check_resumed(const struct vsmm_vcpu *before)
{
	const struct vsmm_cpu_state *b = &before->state, *s = &vcpu.state;
	const char *why = fz_oracle_resumed(&model, s, &mem);

	FZ_CHECK(why == NULL, "resumed state fails a check: %s", why);
	fz_check_rsm_events(b, s);
	if (expect.known) {
		const char *diff = fz_state_diff(&expect.pre, s,
						 FZ_CMP_ARCH | FZ_CMP_NESTED);

		FZ_CHECK(diff == NULL,
			 "RSM of an untouched image did not give "
			 "back the context: %s",
			 diff);
		FZ_CHECK(s->int_shadow == expect.pre.int_shadow,
			 "interrupt shadow %#x, was %#x", s->int_shadow,
			 expect.pre.int_shadow);
	}
}

static void do_rsm(void)
{
	static struct vsmm_vcpu before;
	int rc;

	before = vcpu;
	rc = vsmm_leave_smm(&vcpu);
	check_status(rc, "leave_smm");
	if (!before.state.smm) {
		FZ_CHECK(rc == VSMM_E_UD, "RSM outside SMM gave %s",
			 vsmm_status_name(rc));
		check_untouched(&before, "RSM");
		return;
	}
	if (rc == VSMM_OK) {
		check_resumed(&before);
	} else if (rc == VSMM_E_SHUTDOWN) {
		fz_check_shutdown(&before.state, &vcpu);
		FZ_CHECK(!expect.known, "RSM of an untouched image shut down: %s",
			 vsmm_reason_name(vcpu.last_shutdown.reason));
	} else {
		/* e.g. RSM in shutdown: refused. */
		FZ_CHECK(before.state.shutdown, "RSM in SMM gave %s",
			 vsmm_status_name(rc));
		check_untouched(&before, "RSM");
	}
	expect_nothing();
}

static void do_tamper(struct fz_input *in)
{
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&vcpu));
	uint16_t off = fz_u16(in);
	uint8_t len = fz_u8(in) % 9, bytes[8];

	for (unsigned i = 0; i < len; i++)
		bytes[i] = fz_u8(in);
	if (!d)
		return;
	off %= d->area_size;
	if (len > d->area_size - off)
		len = (uint8_t)(d->area_size - off);
	if (fz_mem_poke(&mem, (uint64_t)vcpu.state.smbase + d->area_offset + off, bytes,
			len, true) &&
	    len > 0)
		expect_nothing();
}

/* ------------------------------------------------------------------ */
/* Events                                                               */
/* ------------------------------------------------------------------ */

static void do_raise(enum op op)
{
	static struct vsmm_vcpu before;
	int rc;

	before = vcpu;
	rc = op == OP_RAISE_SMI	  ? vsmm_raise_smi(&vcpu)
	     : op == OP_RAISE_NMI ? vsmm_raise_nmi(&vcpu)
				  : vsmm_raise_init(&vcpu);
	check_status(rc, "raise");
	if (rc != VSMM_OK) {
		check_untouched(&before, "raise");
		return;
	}
	FZ_CHECK(op != OP_RAISE_SMI || vcpu.state.smi_pending, "SMI not pending");
	FZ_CHECK(op != OP_RAISE_NMI || vcpu.state.nmi_pending, "NMI not pending");
	FZ_CHECK(op != OP_RAISE_INIT || vcpu.state.init_latched, "INIT not latched");
}

static void do_ack(enum vsmm_event e)
{
	static struct vsmm_vcpu before;
	int rc;

	before = vcpu;
	rc = vsmm_ack_event(&vcpu, e);
	check_status(rc, "ack_event");
	if (rc != VSMM_OK) {
		check_untouched(&before, "ack_event");
		return;
	}
	if (e == VSMM_EVENT_NMI)
		FZ_CHECK(!vcpu.state.nmi_pending && vcpu.state.nmi_masked,
			 "delivered NMI: pending=%d masked=%d", vcpu.state.nmi_pending,
			 vcpu.state.nmi_masked);
	if (e == VSMM_EVENT_INIT)
		FZ_CHECK(!vcpu.state.init_latched, "delivered INIT still latched");
}

static void do_deliver(void)
{
	enum vsmm_event e = vsmm_next_event(&vcpu);

	if (e == VSMM_EVENT_SMI) {
		do_smi();
		FZ_CHECK(!vcpu.state.smi_pending || !vcpu.state.smm,
			 "delivered SMI still pending");
	} else if (e != VSMM_EVENT_NONE) {
		do_ack(e);
	}
}

/* ------------------------------------------------------------------ */
/* Save, restore, export, import                                        */
/* ------------------------------------------------------------------ */

static bool snap_equal(const struct vsmm_smm_snapshot *a,
		       const struct vsmm_smm_snapshot *b)
{
	return a->smm == b->smm && a->smi_pending == b->smi_pending &&
	       a->smm_inside_nmi == b->smm_inside_nmi &&
	       a->init_latched == b->init_latched && a->nmi_masked == b->nmi_masked &&
	       a->nmi_pending == b->nmi_pending && a->smm_vmxon == b->smm_vmxon &&
	       a->smm_guest_mode == b->smm_guest_mode && a->hw_vmxe == b->hw_vmxe &&
	       a->smi_halted == b->smi_halted && a->io_valid == b->io_valid &&
	       a->semantics == b->semantics && a->smbase == b->smbase &&
	       a->io_insn_rip == b->io_insn_rip;
}

static void do_save_restore(void)
{
	static struct vsmm_vcpu before;
	struct vsmm_smm_snapshot s1, s2;

	before = vcpu;
	FZ_CHECK(vsmm_smm_save(&vcpu, &s1) == VSMM_OK, "save failed");
	FZ_CHECK(vsmm_smm_restore(&vcpu, &s1) == VSMM_OK,
		 "restore refused what save produced");
	check_untouched(&before, "restore(save(x))");
	FZ_CHECK(vsmm_smm_save(&vcpu, &s2) == VSMM_OK && snap_equal(&s1, &s2),
		 "save(restore(save(x))) differs");
}

static void do_export_import(void)
{
	static struct vsmm_vcpu before;
	uint8_t b1[VSMM_SMM_BLOB_SIZE], b2[VSMM_SMM_BLOB_SIZE];

	before = vcpu;
	FZ_CHECK(vsmm_smm_export(&vcpu, b1) == VSMM_OK, "export failed");
	FZ_CHECK(vsmm_smm_import(&vcpu, b1, sizeof(b1)) == VSMM_OK,
		 "import refused what export produced");
	check_untouched(&before, "import(export(x))");
	FZ_CHECK(vsmm_smm_export(&vcpu, b2) == VSMM_OK && memcmp(b1, b2, sizeof(b1)) == 0,
		 "export(import(export(x))) differs");
}

static void do_import_bytes(struct fz_input *in)
{
	static struct vsmm_vcpu before;
	uint8_t blob[48], back[VSMM_SMM_BLOB_SIZE];
	size_t len = fz_u8(in) % (sizeof(blob) + 1);
	int rc;

	/* Mostly the right size, so the fuzzer reaches the field checks. */
	if (len > VSMM_SMM_BLOB_SIZE && len < 40)
		len = VSMM_SMM_BLOB_SIZE;
	for (size_t i = 0; i < len; i++)
		blob[i] = fz_u8(in);
	before = vcpu;
	rc = vsmm_smm_import(&vcpu, blob, len);
	check_status(rc, "import");
	if (rc != VSMM_OK) {
		check_untouched(&before, "import");
		return;
	}
	FZ_CHECK(len == VSMM_SMM_BLOB_SIZE, "import accepted %zu bytes", len);
	FZ_CHECK(vsmm_smm_export(&vcpu, back) == VSMM_OK &&
			 memcmp(blob, back, sizeof(back)) == 0,
		 "an accepted blob does not export back identically");
	expect_nothing();
}

static void do_restore_mutated(struct fz_input *in)
{
	static struct vsmm_vcpu before;
	struct vsmm_smm_snapshot s, back;
	uint8_t field = fz_u8(in), v = fz_u8(in);
	uint64_t wide = fz_u64(in);
	bool bit = v & 1;
	int rc;

	FZ_CHECK(vsmm_smm_save(&vcpu, &s) == VSMM_OK, "save failed");
	switch (field % 14) {
	case 0: s.smm = bit; break;
	case 1: s.smi_pending = bit; break;
	case 2: s.smm_inside_nmi = bit; break;
	case 3: s.init_latched = bit; break;
	case 4: s.nmi_masked = bit; break;
	case 5: s.nmi_pending = bit; break;
	case 6: s.smm_vmxon = bit; break;
	case 7: s.smm_guest_mode = bit; break;
	case 8: s.hw_vmxe = bit; break;
	case 9: s.smi_halted = bit; break;
	case 10: s.io_valid = bit; break;
	case 11: s.semantics = (enum vsmm_semantics)(v % 3); break;
	case 12: s.smbase = (uint32_t)wide; break;
	default: s.io_insn_rip = wide; break;
	}
	before = vcpu;
	rc = vsmm_smm_restore(&vcpu, &s);
	check_status(rc, "restore");
	if (rc != VSMM_OK) {
		check_untouched(&before, "restore");
		return;
	}
	FZ_CHECK(vsmm_smm_save(&vcpu, &back) == VSMM_OK && snap_equal(&s, &back),
		 "save(restore(x)) != x");
	expect_nothing();
}

/* ------------------------------------------------------------------ */
/* The VMM and the guest                                                */
/* ------------------------------------------------------------------ */

/* The guest ran and is now in another valid context (outside SMM). */
static void do_guest_runs(uint8_t kind)
{
	struct vsmm_cpu_state s, *cur = &vcpu.state;

	if (cur->smm || cur->shutdown)
		return;
	if (!fz_state_build((enum fz_state_kind)(kind % FZ_ST_COUNT), &model, &mem, &s))
		return;
	/* Event state and SMBASE are not the guest's to change. */
	s.smbase = cur->smbase;
	s.nmi_masked = cur->nmi_masked;
	s.nmi_pending = cur->nmi_pending;
	s.smi_pending = cur->smi_pending;
	s.init_latched = cur->init_latched;
	*cur = s;
}

static void do_reset(uint8_t kind)
{
	FZ_CHECK(vsmm_vcpu_init(&vcpu, &model, &fz_platform_ops, &mem) == VSMM_OK,
		 "vcpu_init refused");
	do_guest_runs(kind);
	expect_nothing();
}

static void do_semantics(uint8_t v)
{
	static struct vsmm_vcpu before;
	int rc;

	before = vcpu;
	rc = vsmm_vcpu_set_semantics(&vcpu, (enum vsmm_semantics)(v % 3));
	check_status(rc, "set_semantics");
	if (rc != VSMM_OK)
		check_untouched(&before, "set_semantics");
	FZ_CHECK(v % 3 < VSMM_SEMANTICS_COUNT || rc != VSMM_OK,
		 "set_semantics accepted %u", v % 3);
	expect_nothing();
}

static void step(struct fz_input *in)
{
	enum op op = (enum op)(fz_u8(in) % OP_COUNT);
	size_t used = strlen(fz_context);

	/* The operations so far, for the crash report. */
	if (used + 4 < sizeof(fz_context))
		snprintf(fz_context + used, sizeof(fz_context) - used, " %d", (int)op);

	switch (op) {
	case OP_RAISE_SMI:
	case OP_RAISE_NMI:
	case OP_RAISE_INIT: do_raise(op); break;
	case OP_DELIVER: do_deliver(); break;
	case OP_ACK: do_ack((enum vsmm_event)(fz_u8(in) % 5)); break;
	case OP_SMI: do_smi(); break;
	case OP_RSM: do_rsm(); break;
	case OP_TAMPER: do_tamper(in); break;
	case OP_HANDLER_MODE:
		if (vcpu.state.smm)
			fz_handler_apply(
				(enum fz_handler_mode)(fz_u8(in) % FZ_HANDLER_COUNT),
				&model, &vcpu.state);
		break;
	case OP_IRET:
		if (vcpu.state.smm)
			vcpu.state.nmi_masked = false;
		break;
	case OP_SAVE_RESTORE: do_save_restore(); break;
	case OP_EXPORT_IMPORT: do_export_import(); break;
	case OP_IMPORT_BYTES: do_import_bytes(in); break;
	case OP_RESTORE_MUTATED: do_restore_mutated(in); break;
	case OP_GUEST_RUNS: do_guest_runs(fz_u8(in)); break;
	case OP_HLT:
		/* HLT runs at CPL 0 only (SS.DPL 0, not virtual-8086 mode)
		 * and retires the instruction a shadow covered. */
		if (!vcpu.state.smm && !vcpu.state.shutdown &&
		    !(vcpu.state.seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) &&
		    !((vcpu.state.cr0 & VSMM_CR0_PE) &&
		      (vcpu.state.rflags & VSMM_RFLAGS_VM))) {
			vcpu.state.halted = true;
			vcpu.state.int_shadow = 0;
		}
		break;
	case OP_IO_SMI:
		vcpu.io_smi = (struct vsmm_io_smi){
			.valid = true,
			.width = 1,
			.imm = true,
			.port = 0xb2,
			.insn_rip = vcpu.state.rip - 2,
		};
		break;
	case OP_SEMANTICS: do_semantics(fz_u8(in)); break;
	case OP_RESET: do_reset(fz_u8(in)); break;
	default: break;
	}
	check_next_event();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	uint8_t cfg = fz_u8(&in), kind = fz_u8(&in);
	enum vsmm_semantics sem;

	fz_mem_reset(&mem);
	FZ_CHECK(fz_config(cfg, &model, &sem), "preset model refused");
	do_reset(kind);
	FZ_CHECK(vsmm_vcpu_set_semantics(&vcpu, sem) == VSMM_OK, "set_semantics");
	snprintf(fz_context, sizeof(fz_context), "sequence cfg=%#x start=%s ops:", cfg,
		 fz_state_names[kind % FZ_ST_COUNT]);
	check_next_event();
	for (unsigned n = 0; n < MAX_OPS && in.n > 0; n++)
		step(&in);
	return 0;
}
