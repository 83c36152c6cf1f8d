/* SPDX-License-Identifier: MIT */
/*
 * RSM, the mirror of enter.c.  rsm() below lists every step in the order
 * of KVM's emulator_leave_smm (arch/x86/kvm/smm.c), which follows SDM
 * Vol.3C "Returning from SMM" and "Default Treatment of RSM": read the
 * whole area once, decide the NMI mask, leave SMM BEFORE any register is
 * loaded (so the CR4 rule "no VMXE in SMM" judges the interrupted context,
 * not SMM), step back to real mode, let the vendor restore what it kept,
 * then load in the legal order of rsm_load_state_64 / rsm_load_state_32
 * with a check on every load, and judge the result as a VM entry would.
 *
 * Everything is validated before anything is committed: the image is
 * decoded straight into r->next.state, the state RSM will commit, whose
 * members the image does not carry are the vCPU's; the control registers
 * are loaded there one checked write at a time.  The vCPU changes (its
 * state and private record, one copy each) only when every check passed
 * and the VMM's callbacks succeeded; a failure changes nothing but the
 * shutdown flag.
 */
#include <stddef.h>
#include <string.h>

#include "core.h"
#include "cpu/vendor.h"

#define NONE VSMM_REASON_NONE
#define TRY VSMM__TRY

/* DR6/DR7 bits software can change; the rest read as fixed (KVM
 * DR6_VOLATILE / DR7_VOLATILE). */
#define DR6_VOLATILE 0x0000e80full
#define DR7_VOLATILE 0xffff2bffull
/* The RFLAGS bits that exist (CF..ID).  Bits 3, 5, 15 and 63:22 are
 * reserved and read as zero (bit 1 as one): no CPU can be in a state with
 * them set, and a VMM would fail VM entry on one (SDM Vol.3C, checks on
 * guest RFLAGS), so RSM drops them, as POPF does. */
#define RFLAGS_DEFINED 0x003f7fd5ull
/* The CR0 bits that exist; MOV to CR0 drops the others (KVM). */
#define CR0_DEFINED \
	(VSMM_CR0_PE | VSMM_CR0_MP | VSMM_CR0_EM | VSMM_CR0_TS | VSMM_CR0_ET | \
	 VSMM_CR0_NE | VSMM_CR0_WP | VSMM_CR0_AM | VSMM_CR0_NW | VSMM_CR0_CD | \
	 VSMM_CR0_PG)

enum vsmm_reason vsmm__reject(struct vsmm__rsm *r, enum vsmm_reason reason, unsigned kind,
			      unsigned arg, uint64_t value)
{
	const struct vsmm_field_desc *f = vsmm__layout_field_bound(r->desc, kind, arg);

	r->why.reason = reason;
	r->why.field = f ? f->name : NULL;
	r->why.offset = f ? f->offset : 0;
	r->why.value = value;
	return reason;
}

enum vsmm_reason vsmm__reject_other(struct vsmm__rsm *r, enum vsmm_reason reason,
				    const char *what, uint64_t value)
{
	r->why.reason = reason;
	r->why.field = what;
	r->why.offset = 0;
	r->why.value = value;
	return reason;
}

/* ---------------------------------------------------------------------- */
/* The view a register write is judged against                             */
/* ---------------------------------------------------------------------- */

/*
 * What the register writes are judged against, from the state as it is
 * now (after SMM is left and the vendor restored what it kept: VMX
 * operation, the nested guest).  Of its members only the control
 * registers and EFER change during the loads: the ordered writes set
 * r->view to it before the first of them, and the setters below update
 * those members with the state (set_reg).  The EFER write, before them,
 * needs only the model; the one-pass verdict (control_regs_pass) reads
 * the state itself.
 */
static struct vsmm__cpu_view view_of(const struct vsmm__rsm *r)
{
	const struct vsmm_cpu_state *st = &r->next.state;

	return (struct vsmm__cpu_view){
		.model = r->next.model,
		.cr0 = st->cr0,
		.cr3 = st->cr3,
		.cr4 = st->cr4,
		.efer = st->efer,
		.smm = st->smm,
		/* A nested guest's CR0/CR4 answer to L1's VMCS, which the VMM
		 * checks when it re-enters; the VMX fixed bits are L1's. */
		.vmx_on = st->vmx_on && !r->reenter_nested,
		.vmxe_smm_rule = r->vendor->vmxe_blocked_in_smm,
		.vmx_fixed = r->rules->vmx_fixed_checked,
		.lme_needs_pae = r->rules->cr0_lme_needs_pae,
	};
}

/* A checked load: the register in the state RSM commits and in the view
 * the next write is judged against. */
#define set_reg(r, reg, value) ((r)->next.state.reg = (r)->view.reg = (value))

/* ---------------------------------------------------------------------- */
/* Steps before any load                                                   */
/* ---------------------------------------------------------------------- */

/*
 * The image, decoded straight into the state RSM will commit, over the
 * vCPU's: what the map does not carry stays the vCPU's (CR2, the event and
 * nested virtualization state, and with the 32-bit map R8-R15 and EFER).
 * The control registers and EFER, which RSM loads through checks, are set
 * aside as the image has them (r->img, where the decoder puts them) and
 * stay the vCPU's in the state: the loads move them from there to the
 * image's, one checked write at a time, as the processor does.  RFLAGS,
 * DR6, DR7 and the interrupt shadow are loaded from where the decode put
 * them.  Returns whether the image carries the hidden segment state
 * (vsmm__image_decode).
 */
static bool decode_image(struct vsmm__rsm *r, const struct vsmm_cpu_state *now,
			 const uint8_t *area)
{
	return vsmm__image_decode(r->layout, area, now, &r->next.state, &r->img, &r->ex);
}

/* NMIs blocked before the SMI stay blocked (KVM: HF_SMM_INSIDE_NMI_MASK;
 * SDM Vol.3C "NMI Handling While in SMM"). */
static void unblock_nmi(struct vsmm_cpu_state *st)
{
	st->nmi_masked &= st->smm_inside_nmi; /* a mask, not a branch */
}

/* Leave SMM before loading anything (KVM's kvm_smm_changed(false) comes
 * first in emulator_leave_smm): from here on CR4.VMXE from the image is
 * judged outside SMM. */
static void clear_smm_flags(struct vsmm_cpu_state *st)
{
	st->smm = false;
	st->smm_inside_nmi = false;
}

/*
 * Back to a real-mode-like state so CR0/CR3/CR4/EFER can be loaded in a
 * legal order (KVM emulator_leave_smm): PCIDE off before PG, PG and PE
 * off, then PAE off and EFER 0 before EFER.LME.  Vcpus with the 32-bit map
 * keep EFER (KVM "Don't clear EFER during SMM transitions for 32-bit
 * vCPU").  KVM also loads a flat 32-bit CS here, so that its emulator may
 * clear CR0.PG while the handler ran 64-bit code; vsmm's checks of the
 * loads below never look at CS, and the image's CS, already decoded in
 * place, is what the segment step loads after CR0, so that CS is not
 * written.
 *
 * What it leaves is what the loads start from, and the loads overwrite
 * all of it (EFER of the wide maps in load_efer, CR0, CR4 and the EFER
 * that CR0 makes in load_control_regs): so the values are worked out
 * where the loads judge against them, from the vCPU's registers (the
 * state's until the loads; the vendor's restore, in between, reads and
 * writes none of them), and written into the state only for the ordered
 * writes, which read them from there (enter_real_mode).
 */
struct real_mode {
	uint64_t cr0, efer;
	bool wide; /* the map's: CR4 is real_mode_cr4's */
};

static struct real_mode back_to_real_mode(const struct vsmm_cpu_state *st, bool wide)
{
	struct real_mode rm = { .cr0 = st->cr0, .efer = st->efer, .wide = wide };

	if (rm.cr0 & VSMM_CR0_PE)
		rm.cr0 &= ~(VSMM_CR0_PG | VSMM_CR0_PE);
	/* Paging is off, so long mode is (LMA follows PG).  This matters
	 * beyond the wide maps: a long-mode model forced to the 32-bit map
	 * keeps EFER, but not LMA (its SMI handler may have run 64-bit). */
	rm.efer &= ~VSMM_EFER_LMA;
	if (wide)
		rm.efer = 0;
	return rm;
}

/* Its CR4 (PCIDE and PAE off), apart: the common RSM needs none of it
 * with the wide maps, and only PCIDE with the 32-bit one. */
static uint64_t real_mode_cr4(const struct vsmm_cpu_state *st, const struct real_mode *rm)
{
	return rm->wide ? st->cr4 & ~(VSMM_CR4_PCIDE | VSMM_CR4_PAE) : st->cr4;
}

/* The real-mode registers into the state, for the ordered writes. */
static void enter_real_mode(struct vsmm_cpu_state *st, const struct real_mode *rm)
{
	st->cr0 = rm->cr0;
	st->cr4 = real_mode_cr4(st, rm);
	st->efer = rm->efer;
}

/* The EFER RSM will run with: from the image, or kept (32-bit map).  The
 * 32-bit map has no LMA that could disagree with the image: it is what the
 * image's CR0/CR4 make of the kept LME (a long-mode model forced to the
 * 32-bit map). */
static uint64_t image_efer(const struct vsmm__rsm *r)
{
	const uint64_t lm = VSMM_CR0_PE | VSMM_CR0_PG;
	uint64_t efer = r->next.state.efer & ~VSMM_EFER_LMA;

	if (r->wide)
		return r->img.efer;
	if ((efer & VSMM_EFER_LME) && (r->img.cr0 & lm) == lm &&
	    (r->img.cr4 & VSMM_CR4_PAE))
		efer |= VSMM_EFER_LMA;
	return efer;
}

/* Hardware RSM's whole-image rules (SDM Vol.2 "RSM--Resume from System
 * Management Mode"; Bochs's BX_CPU_C::resume_from_system_management_mode). */
static enum vsmm_reason check_image(struct vsmm__rsm *r)
{
	if (!r->rules->image_consistency)
		return NONE;
	if (!r->ordered &&
	    vsmm__image_rules_hold(r->wide, r->img.cr0, r->img.cr4,
				   r->wide ? r->img.efer
					   : r->next.state.efer & ~VSMM_EFER_LMA,
				   r->next.state.rflags))
		return NONE;
	uint64_t efer = image_efer(r);
	uint64_t cr0 = r->img.cr0 & 0xffffffffu;

	if (vsmm__check_cr4_pae_lm(r->img.cr4, efer) != NONE)
		return vsmm__reject(r, VSMM_REASON_CR4_PAE_IN_LM, VSMM__FIELD(CR4),
				    r->img.cr4);
	if (vsmm__check_lma_consistent(cr0, r->img.cr4, efer) != NONE)
		return vsmm__reject(r, VSMM_REASON_LMA_INCONSISTENT, VSMM__FIELD(EFER),
				    efer);
	if (vsmm__check_rflags_vm_lm(r->next.state.rflags, efer) != NONE)
		return vsmm__reject(r, VSMM_REASON_RFLAGS_VM_IN_LM, VSMM__FIELD(RFLAGS),
				    r->next.state.rflags);
	return NONE;
}

/* ---------------------------------------------------------------------- */
/* Checked loads                                                           */
/* ---------------------------------------------------------------------- */

/* RFLAGS, DR6 and DR7 are loaded where the decode put the image's. */
static void load_rflags(struct vsmm_cpu_state *st)
{
	st->rflags = (st->rflags & RFLAGS_DEFINED) | VSMM_RFLAGS_FIXED;
}

/* KVM's kvm_set_dr: bits 63:32 must be 0. */
static enum vsmm_reason load_debug_regs(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;

	/* Both rules in one test; which one failed only when one did. */
	if ((st->dr6 | st->dr7) >> 32) {
		if (vsmm__check_dr6_high(st->dr6) != NONE)
			return vsmm__reject(r, VSMM_REASON_DR6_HIGH, VSMM__FIELD(DR6),
					    st->dr6);
		return vsmm__reject(r, VSMM_REASON_DR7_HIGH, VSMM__FIELD(DR7), st->dr7);
	}
	st->dr6 = (st->dr6 & DR6_VOLATILE) | VSMM_DR6_FIXED_1;
	st->dr7 = (st->dr7 & DR7_VOLATILE) | VSMM_DR7_FIXED_1;
	return NONE;
}

/* LMA is not writable: it keeps its current value, 0 (the wide maps, the
 * only ones with EFER, clear all of EFER in the step back to real mode,
 * and no vendor's restore sets it), and becomes 1 when CR0.PG turns long
 * mode on.  Loaded into *rm: the control registers' loads start from it. */
static enum vsmm_reason load_efer(struct vsmm__rsm *r, struct real_mode *rm)
{
	uint64_t efer = r->img.efer & ~VSMM_EFER_LMA;
	const struct vsmm__cpu_view v = view_of(r);
	enum vsmm_reason why = vsmm__check_efer_write(&v, efer);

	if (why != NONE)
		return vsmm__reject(r, why, VSMM__FIELD(EFER), r->img.efer);
	rm->efer = efer;
	return NONE;
}

static enum vsmm_reason set_cr3(struct vsmm__rsm *r, uint64_t cr3)
{
	enum vsmm_reason why = vsmm__check_cr3_write(&r->view, cr3);

	if (why != NONE)
		return vsmm__reject(r, why, VSMM__FIELD(CR3), r->img.cr3);
	set_reg(r, cr3, cr3);
	return NONE;
}

static enum vsmm_reason set_cr4(struct vsmm__rsm *r, uint64_t cr4)
{
	enum vsmm_reason why = vsmm__check_cr4_write(&r->view, cr4);

	if (why != NONE)
		return vsmm__reject(r, why, VSMM__FIELD(CR4), r->img.cr4);
	set_reg(r, cr4, cr4);
	return NONE;
}

/* Field names for the four PDPTEs (they are not in the image). */
static const char *const pdpte_names[4] = { "pdpte0", "pdpte1", "pdpte2", "pdpte3" };

/*
 * PAE paging turned on: the processor loads the four PDPTEs from the
 * 32-byte table at CR3[31:5] (SDM Vol.3A 4.4.1 "PDPTE Registers").  Read
 * through the normal address space: SMM is already left.  Without a
 * platform (vsmm_rsm_check with ops == NULL) the table cannot be read and
 * is not checked.
 */
static enum vsmm_reason load_pdptes(struct vsmm__rsm *r)
{
	const struct vsmm_vcpu *n = &r->next;
	uint64_t gpa = n->state.cr3 & 0xffffffe0u;
	uint8_t table[32];

	r->pdptes_loaded = true;
	if (!vsmm__rsm_can_read(r))
		return NONE;
	if (r->vcpu->ops->read_phys(r->vcpu->ctx, false, gpa, table, sizeof(table)) != 0)
		return vsmm__reject(r, VSMM_REASON_PDPTE_READ, VSMM__FIELD(CR3),
				    n->state.cr3);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = vsmm__ld64(table + 8 * i);
		if (vsmm__check_pdpte(n->model, e) != NONE)
			return vsmm__reject_other(r, VSMM_REASON_PDPTE_RESERVED,
						  pdpte_names[i], e);
	}
	return NONE;
}

static bool pae_paging(const struct vsmm_cpu_state *st)
{
	return (st->cr0 & VSMM_CR0_PG) && (st->cr4 & VSMM_CR4_PAE) &&
	       !(st->efer & VSMM_EFER_LMA);
}

/* MOV to CR0: turning PG on with LME (and PAE) activates long mode; with
 * PAE and no LME, PAE paging loads the PDPTEs. */
static enum vsmm_reason set_cr0(struct vsmm__rsm *r, uint64_t cr0)
{
	struct vsmm_cpu_state *st = &r->next.state;
	enum vsmm_reason why = vsmm__check_cr0_write(&r->view, cr0);

	if (why != NONE)
		return vsmm__reject(r, why, VSMM__FIELD(CR0), r->img.cr0);
	bool paging_on = !(st->cr0 & VSMM_CR0_PG) && (cr0 & VSMM_CR0_PG);
	set_reg(r, cr0, (cr0 & CR0_DEFINED) | VSMM_CR0_ET); /* ET is hardwired on P6+ */
	if (paging_on && (st->efer & VSMM_EFER_LME) && (st->cr4 & VSMM_CR4_PAE))
		set_reg(r, efer, st->efer | VSMM_EFER_LMA);
	return pae_paging(st) ? load_pdptes(r) : NONE;
}

/* What the CR0 write does to EFER (rm: before the writes): PG turned on
 * with LME and PAE activates long mode. */
static uint64_t efer_after_cr0(const struct real_mode *rm, uint64_t cr0, uint64_t cr4)
{
	bool paging_on = !(rm->cr0 & VSMM_CR0_PG) && (cr0 & VSMM_CR0_PG);

	if (paging_on && (rm->efer & VSMM_EFER_LME) && (cr4 & VSMM_CR4_PAE))
		return rm->efer | VSMM_EFER_LMA;
	return rm->efer;
}

/*
 * Do all the rules of load_control_regs' writes hold?  The same rules the
 * setters ask, of the values each write would see, in one pass and in no
 * particular order (a failure is then found, and reported, by the writes
 * themselves).  The registers before the first write are rm's (EFER
 * loaded), the rest r->next.state's; c4a = cr4 without PCIDE:
 *   the writes start outside long mode (back_to_real_mode cleared LMA,
 *     the vendor's restore does not touch EFER and load_efer loads it
 *     without LMA: not asked again here; test_fastpath sets LMA in the
 *     vCPU's EFER and the image's): then PAE in long mode and LA57 in
 *     long mode hold for CR4 (c4a), and for CR4 (cr4) too, which sees
 *     LMA only if CR0 set it, and that needs PAE (LA57 does not change
 *     between the two);
 *   SMM is left (step 4, and nothing enters it again): VMXE in SMM holds;
 *   CR3 (without the PCID if PCIDE is wanted): a legal GPA under the
 *     current PCIDE;
 *   CR4 (c4a) and, with PCIDE, CR4 (cr4): c4a's bits are cr4's but
 *     PCIDE, so cr4's reserved and CPUID-gated bits and the VMX fixed VMXE
 *     cover both writes; PCIDE needs LMA after CR0 and CR3[11:0] = 0,
 *     which the first CR3 has;
 *   CR0: its own bits, the VMX fixed bits, PG with LME needs PAE;
 *   CR3 with its PCID, if not 0: a legal GPA with PCIDE set, which the
 *     first CR3's rule implies where MAXPHYADDR is 12 or more (the PCID
 *     bits are then below it, and that rule ignores bit 63 only if PCIDE
 *     is set already).
 * The rules read r's members where they are used, not from a view built
 * first: its members would outlive the registers that hold them.
 */
static bool control_regs_pass(const struct vsmm__rsm *r, const struct real_mode *rm,
			      uint64_t cr0, uint64_t cr3, uint64_t cr4)
{
	const struct vsmm_cpu_state *st = &r->next.state;
	const struct vsmm_model *m = r->next.model;
	uint64_t c4a = cr4 & ~VSMM_CR4_PCIDE;
	bool pcide = (cr4 & VSMM_CR4_PCIDE) != 0;

	if (vsmm__check_cr3_reserved(m, pcide ? cr3 & ~0xfffull : cr3,
				     (real_mode_cr4(st, rm) & VSMM_CR4_PCIDE) != 0) !=
		    NONE ||
	    vsmm__check_cr4_reserved(cr4) != NONE ||
	    vsmm__check_cr4_features(m, cr4) != NONE ||
	    vsmm__check_cr0_high(cr0) != NONE || vsmm__check_cr0_nw_cd(cr0) != NONE ||
	    vsmm__check_cr0_pg_pe(cr0) != NONE)
		return false;
	/* VMX operation first: the rare one of the three. */
	if (st->vmx_on && r->rules->vmx_fixed_checked && !r->reenter_nested &&
	    (vsmm__check_cr4_vmx_fixed(true, cr4) != NONE ||
	     vsmm__check_cr0_vmx_fixed(true, cr0) != NONE))
		return false;
	if (r->rules->cr0_lme_needs_pae &&
	    vsmm__check_cr0_pg_lme_pae(rm->cr0, cr0, rm->efer, c4a) != NONE)
		return false;
	if (!pcide)
		return true;
	return vsmm__check_cr4_pcide_lma(c4a, cr4, efer_after_cr0(rm, cr0, cr4)) ==
		       NONE &&
	       (m->maxphyaddr >= 12 || !(cr3 & 0xfffu) ||
		vsmm__check_cr3_reserved(m, cr3, true) == NONE);
}

/*
 * KVM's rsm_enter_protected_mode, one write after the other: CR3 first,
 * without the PCID if PCIDE is wanted; CR4 without PCIDE (PAE before PG);
 * CR0 (may enter long mode); then PCIDE, which needs LMA=1 and
 * CR3[11:0]=0, and the PCID.  The first write a rule refuses is the one
 * reported.
 */
static VSMM__COLD enum vsmm_reason write_control_regs(struct vsmm__rsm *r, uint64_t cr0,
						      uint64_t cr3, uint64_t cr4)
{
	uint64_t pcid = 0;

	if (cr4 & VSMM_CR4_PCIDE) {
		pcid = cr3 & 0xfffu;
		cr3 &= ~0xfffull;
	}
	r->view = view_of(r);
	TRY(set_cr3(r, cr3));
	TRY(set_cr4(r, cr4 & ~VSMM_CR4_PCIDE));
	TRY(set_cr0(r, cr0));
	if (cr4 & VSMM_CR4_PCIDE) {
		TRY(set_cr4(r, cr4));
		if (pcid)
			TRY(set_cr3(r, cr3 | pcid));
	}
	return NONE;
}

/*
 * CR0, CR3, CR4 and what CR0 does to EFER.  When every rule of the
 * writes holds (control_regs_pass), the registers take the values the
 * writes would leave, at once (with PCIDE one judgement of CR4 instead of
 * two; CR3 ends as the image has it, PCID included); the writes run one
 * by one (write_control_regs) only when a rule fails, and report the
 * first that does (from rm, put into the state first).  Inline: as a call
 * of its own it saved and restored six registers for a verdict of about a
 * hundred instructions.
 */
static inline enum vsmm_reason load_control_regs(struct vsmm__rsm *r,
						 const struct real_mode *rm)
{
	struct vsmm_cpu_state *st = &r->next.state;
	uint64_t cr0 = r->img.cr0, cr3 = r->img.cr3, cr4 = r->img.cr4;

	if (r->rules->cr0_low_dword)
		cr0 &= 0xffffffffu;
	if (r->ordered || !control_regs_pass(r, rm, cr0, cr3, cr4)) {
		enter_real_mode(st, rm);
		return write_control_regs(r, cr0, cr3, cr4);
	}
	st->efer = efer_after_cr0(rm, cr0, cr4);
	st->cr3 = cr3;
	st->cr4 = cr4;
	st->cr0 = (cr0 & CR0_DEFINED) | VSMM_CR0_ET;
	/* PAE paging loads its PDPTEs (in the ordered writes, with CR0: its
	 * rules are the only ones left to fail). */
	return pae_paging(st) ? load_pdptes(r) : NONE;
}

/* GDTR and IDTR limits are 16-bit registers: the maps' wider slots (KVM
 * writes a dword) load their low word, as KVM's desc_ptr.size and the
 * processor do, so no image yields a limit no CPU can hold. */
static void load_dtable_limit(struct vsmm_dtable *dt)
{
	dt->limit &= 0xffffu;
}

/*
 * KVM's rsm_load_state_64, step by step.  The GPRs, RIP, SMBASE and the
 * segment registers (TR, LDTR, then ES..GS after CR0 so that a 64-bit CS
 * cannot make the PG transition illegal) need no check: they are the
 * image's as decoded.
 */
static enum vsmm_reason load_state_64(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;
	struct real_mode rm = back_to_real_mode(st, true);

	/* 16 GPRs, RIP: in place. */
	load_rflags(st);
	TRY(load_debug_regs(r));
	/* SMBASE, unconditionally: in place. */
	TRY(load_efer(r, &rm));
	/* TR: in place. */
	load_dtable_limit(&st->idtr);
	/* LDTR: in place. */
	load_dtable_limit(&st->gdtr);
	TRY(load_control_regs(r, &rm));
	/* ES, CS, SS, DS, FS, GS: in place. */
	return NONE;
}

/*
 * KVM's rsm_load_state_32: EFLAGS, EIP and eight GPRs (R8-R15 are not in
 * the map and stay), DR6/DR7, TR, LDTR, GDTR, IDTR, the segments before
 * the control registers (no long mode to enter), SMBASE, and no EFER.
 */
static enum vsmm_reason load_state_32(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;
	const struct real_mode rm = back_to_real_mode(st, false);

	load_rflags(st);
	/* EIP, EAX..EDI: in place. */
	TRY(load_debug_regs(r));
	/* TR, LDTR: in place. */
	load_dtable_limit(&st->gdtr);
	load_dtable_limit(&st->idtr);
	/* ES, CS, SS, DS, FS, GS, SMBASE: in place. */
	return load_control_regs(r, &rm);
}

/* ---------------------------------------------------------------------- */
/* Steps after the loads                                                   */
/* ---------------------------------------------------------------------- */

/* Did the SMI interrupt HLT or an I/O instruction?  The two flags are
 * neighbours in the record: one 16-bit load asks both, where GCC tests
 * each byte apart. */
static bool interrupted_hlt_or_io(const struct vsmm__vcpu_priv *p)
{
	uint16_t both;

	memcpy(&both, (const char *)p + offsetof(struct vsmm__vcpu_priv, smi_halted),
	       sizeof(both));
	return both != 0;
}
_Static_assert(offsetof(struct vsmm__vcpu_priv, io_valid) ==
		       offsetof(struct vsmm__vcpu_priv, smi_halted) + 1,
	       "smi_halted and io_valid are neighbours");

/*
 * Hardware semantics: where execution resumes (SDM Vol.3C "Auto HALT
 * Restart" and "I/O Instruction Restart").  The auto-HALT restart field's
 * bit 0 sends the vCPU back to HLT; a non-zero I/O instruction restart
 * field (0FFH per the SDM) re-executes the I/O instruction.  Both only
 * when the SMI really interrupted HLT / an I/O instruction; vsmm resumes
 * at its own record of the I/O RIP, not at a value the handler could have
 * rewritten.
 */
static void resume_point(struct vsmm__rsm *r)
{
	struct vsmm_vcpu *n = &r->next;

	/* What the SMI interrupted first: one test when it was neither, the
	 * usual SMI, under both semantics. */
	if (interrupted_hlt_or_io(&n->priv)) {
		if (r->rules->auto_hlt_restart && n->priv.smi_halted &&
		    (r->ex.auto_hlt_restart & 1))
			n->state.halted = true;
		if (r->rules->io_restart && n->priv.io_valid && (r->ex.io_restart & 0xff))
			n->state.rip = n->priv.io_insn_rip;
		/* Else both are clear already. */
		n->priv.smi_halted = false;
		n->priv.io_valid = false;
	}
	n->priv.io_insn_rip = 0;
}

/* Virtual-8086 mode exists only in protected mode outside IA-32e mode:
 * RFLAGS.VM goes with CR0.PE=0 (the processor never keeps it in real mode,
 * docs/compat.md) and with EFER.LMA=1 (KVM rules resume a long-mode image
 * with RFLAGS.VM=1, hardware rules shut down first, RFLAGS_VM_IN_LM; no
 * CPU runs virtual-8086 code in IA-32e mode and a VMM could not enter that
 * state).  Once the vendor's fixed bits are in: both can set PE and LMA.
 * From here on RFLAGS.VM alone means virtual-8086 mode. */
static void drop_v86_outside_protected_mode(struct vsmm_cpu_state *st)
{
	/* VM first: clear in nearly every image, it spares the two tests. */
	if ((st->rflags & VSMM_RFLAGS_VM) &&
	    (!(st->cr0 & VSMM_CR0_PE) || (st->efer & VSMM_EFER_LMA)))
		st->rflags &= ~VSMM_RFLAGS_VM;
}

/* The vendor may have forced paging on (the VMX fixed bits under hardware
 * rules): PAE paging that starts there loads its PDPTEs like any other.
 * Asked only after the vendor set bits: else the loads left PAE paging
 * with its PDPTEs loaded, or none (every write that turns PAE paging on
 * loads them, and the one write after CR0, CR4 with PCIDE, needs LMA). */
static enum vsmm_reason load_forced_pdptes(struct vsmm__rsm *r)
{
	if (r->fixed_bits_set && pae_paging(&r->next.state) && !r->pdptes_loaded)
		return load_pdptes(r);
	return NONE;
}

/*
 * The interrupt shadow, applied when RSM retires (KVM: the image's
 * int_shadow byte becomes the emulator's interruptibility, the last step
 * of rsm_load_state_64/32).  The byte is guest-writable; resume only a
 * shadow a CPU can be in.  Blocking by MOV SS and by STI never coexist
 * (KVM's VMX keeps MOV SS, VM entry refuses both), and an STI shadow
 * follows an STI that set IF (VM entry refuses STI blocking with IF=0:
 * SDM Vol.3C "Checks on Guest Non-Register State").  In the HLT state
 * there is none: HLT retired the instruction the shadow covered.
 */
static void load_int_shadow(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;
	uint8_t shadow = st->int_shadow; /* the image's, as decoded */

	/* None, nearly always (a shadow covers one instruction): it stays
	 * none whatever the rest, and spares the nine instructions below. */
	if (!shadow)
		return;
	/* STI's if IF is set: IF shifted onto STI's bit (asserted below),
	 * no branch. */
	uint8_t sti = shadow & (uint8_t)(st->rflags >> 8) & VSMM_SHADOW_STI;
	uint8_t kept = (shadow & VSMM_SHADOW_MOV_SS) ? VSMM_SHADOW_MOV_SS : sti;

	st->int_shadow = st->halted ? 0 : kept;
}
_Static_assert(VSMM_RFLAGS_IF >> 8 == VSMM_SHADOW_STI, "IF >> 8 is STI's bit");

/*
 * Outside 64-bit mode RIP is EIP: KVM's RSM recomputes the emulator's mode
 * from EFER.LMA and CS.L (emulator_recalc_and_set_mode) and the writeback
 * of x86_emulate_insn then keeps only the low 32 bits in every mode but
 * 64-bit mode, compatibility mode included; VM entry refuses RIP[63:32]
 * != 0 there (SDM Vol.3C "Checks on Guest RIP, RFLAGS, and SSP").
 */
static void rip_for_mode(struct vsmm_cpu_state *st)
{
	if (!(st->efer & VSMM_EFER_LMA) || !(st->seg[VSMM_CS].attr & VSMM_SEG_L))
		st->rip &= 0xffffffffu;
}

/* ---------------------------------------------------------------------- */
/* The resumed state against VM entry (issue 15.2, issue 16)               */
/* ---------------------------------------------------------------------- */

/* The image field a segment rule names: its binding, by part. */
enum { F_SEL, F_ATTR, F_LIMIT, F_BASE };
static const uint8_t seg_kinds[] = {
	[F_SEL] = VSMM__B_SEL,
	[F_LIMIT] = VSMM__B_LIMIT,
	[F_BASE] = VSMM__B_BASE,
};

static enum vsmm_reason seg_reject(struct vsmm__rsm *r, enum vsmm_reason why, int seg,
				   int what)
{
	const struct vsmm_seg *s = &r->next.state.seg[seg];
	uint64_t v = what == F_SEL     ? s->selector
		     : what == F_ATTR  ? s->attr
		     : what == F_LIMIT ? s->limit
				       : s->base;

	/* Attributes are bound in one of two forms, by map. */
	unsigned kind = what != F_ATTR ? seg_kinds[what]
			: vsmm__layout_field_bound(r->desc, VSMM__B_ATTR_P6,
						   (unsigned)seg)
				? VSMM__B_ATTR_P6
				: VSMM__B_ATTR;

	return vsmm__reject(r, why, kind, (unsigned)seg, v);
}

/* The model's linear-address width: canonical means bits 63:width-1
 * equal, judged as VM entry judges it (the processor's width, not the
 * current paging mode's). */
static unsigned linear_width(const struct vsmm_model *m)
{
	return (m->features & VSMM_FEAT_LA57) ? 57 : 48;
}

/* 2^(width-1) for linear_width, by one select where the width takes four
 * instructions more (vsmm__canonical_halved). */
static uint64_t linear_half(const struct vsmm_model *m)
{
	return (m->features & VSMM_FEAT_LA57) ? 1ull << 56 : 1ull << 47;
}

static bool v86_mode(const struct vsmm_cpu_state *st)
{
	return (st->cr0 & VSMM_CR0_PE) && (st->rflags & VSMM_RFLAGS_VM);
}

/*
 * One register of mask_resumed: masks it (`sets`: the bit masking sets in
 * it, or none), ORs its limit's verdict into *limits and returns its
 * rules (vsmm__seg_rules).  The limit is judged if the register is usable:
 * CS and TR have the rule even when unusable, but their attribute
 * verdicts fail then.  Called with constant registers, one after the
 * other.
 */
enum sets { SETS_NONE, SETS_ACCESSED, SETS_BUSY };
static inline const struct vsmm__seg_rules *mask_seg(struct vsmm_seg *s, enum sets sets,
						     uint32_t *limits)
{
	uint16_t attr = s->attr;
	const struct vsmm__seg_rules *r = vsmm__seg_rules_of(attr);
	uint16_t a = attr & VSMM_SEG_ATTR_MASK;

	*limits |= vsmm__seg_limit_bad(attr, s->limit);
	s->attr = sets == SETS_ACCESSED ? (uint16_t)(a | r->accessed)
		  : sets == SETS_BUSY	? (uint16_t)(a | r->busy)
					: a;
	return r;
}

/*
 * Tells the compiler that st's EFER and RFLAGS may have changed here, so
 * that it reads them again where the segment pass and check_resumed test
 * them.  Else GCC 12 keeps them, and bits of them, in registers from step
 * 11 on and, short of registers in the segment pass, spills four to the
 * stack: a store each, where a test of the member itself costs what a test
 * of the spill does (8 instructions a round trip).  Nothing is emitted;
 * compilers without GNU asm read them as they please.
 */
static void reread_efer_rflags(struct vsmm_cpu_state *st)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+m"(st->efer), "+m"(st->rflags));
#else
	(void)st;
#endif
}

/*
 * What the processor itself never keeps, under both semantics (each row in
 * docs/compat.md): attribute bits 11:8 (no descriptor has them; KVM's
 * rsm_set_desc_flags drops them), the accessed bit of a usable code or
 * data segment (set by every descriptor load; KVM's VMX sets it for
 * unrestricted guests), the busy bit of the TSS in TR (LTR and task
 * switches mark the TSS busy: TR never holds an available TSS; QEMU's TCG
 * keeps the type LTR read, before it set the busy bit in the descriptor,
 * so its images carry type 9) and the segment caches of virtual-8086 mode
 * (every load there makes base = selector * 16, limit 0FFFFH, attributes
 * 0F3H).  RFLAGS.VM with CR0.PE=0 and an interrupt shadow in the HLT state
 * went before (steps 11 and 13).
 *
 * Returns whether, besides, the segment registers' own rules all hold in
 * the masked state (outside virtual-8086 mode): the limits, the attributes
 * of every register, CS.L/D and HLT's CPL, judged as each register is
 * masked (one pass that loads each register once; check_seg_attrs judges
 * them again, in order, only if one fails or another rule does).
 */
static bool mask_resumed(struct vsmm_cpu_state *st)
{
	struct vsmm_seg *sg = st->seg;
	uint32_t limits = 0;

	reread_efer_rflags(st);
	unsigned bad = mask_seg(&sg[VSMM_ES], SETS_ACCESSED, &limits)->data |
		       mask_seg(&sg[VSMM_DS], SETS_ACCESSED, &limits)->data |
		       mask_seg(&sg[VSMM_FS], SETS_ACCESSED, &limits)->data |
		       mask_seg(&sg[VSMM_GS], SETS_ACCESSED, &limits)->data;
	unsigned cs = mask_seg(&sg[VSMM_CS], SETS_ACCESSED, &limits)->cs;
	const struct vsmm__seg_rules *ss = mask_seg(&sg[VSMM_SS], SETS_ACCESSED, &limits);

	bad |= vsmm__seg_cs_ss_bad(cs, ss, (st->cr0 & VSMM_CR0_PE) != 0, st->halted);
	bad |= vsmm__seg_ldtr_bad(mask_seg(&sg[VSMM_LDTR], SETS_NONE, &limits)->ldtr,
				  sg[VSMM_LDTR].selector);
	bad |= vsmm__seg_tr_bad(mask_seg(&sg[VSMM_TR], SETS_BUSY, &limits)->ss,
				sg[VSMM_TR].selector, (st->efer & VSMM_EFER_LMA) != 0);
	bad |= (unsigned)(vsmm__check_cs_l_d(sg[VSMM_CS].attr, st->efer) != NONE);

	if (st->rflags & VSMM_RFLAGS_VM) { /* only with PE (step 11) */
		for (int i = VSMM_ES; i <= VSMM_GS; i++)
			st->seg[i] = (struct vsmm_seg){
				.selector = st->seg[i].selector,
				.attr = 0xf3u,
				.limit = 0xffffu,
				.base = (uint64_t)st->seg[i].selector << 4
			};
		bad = true; /* its six registers have rules of their own */
	}
	return !(bad | limits);
}

/*
 * Do the rest of check_resumed's rules hold (the segment registers' own
 * rules passed mask_resumed), and would check_base_bits mask nothing?
 * The same rules in one pass and no order, asked more strictly where that
 * is cheaper and the usual state passes anyway: bits 63:32 of the CS, SS,
 * DS and ES bases clear, usable or not (and of every base and GDTR/IDTR
 * on a model without long mode), so that neither rule set has a base to
 * mask or refuse; the FS, GS, TR and LDTR bases canonical, usable or not.
 */
static bool resumed_pass(const struct vsmm__rsm *r, uint64_t half)
{
	const struct vsmm_cpu_state *st = &r->next.state;
	const struct vsmm_seg *sg = st->seg;
	uint64_t high = sg[VSMM_CS].base | sg[VSMM_SS].base | sg[VSMM_DS].base |
			sg[VSMM_ES].base;

	/* Without long mode every base is 32-bit: one below 2^32 is
	 * canonical at any width, so the test of bits 63:32 is all. */
	if (!r->next.model->long_mode)
		return !((high | sg[VSMM_FS].base | sg[VSMM_GS].base | sg[VSMM_TR].base |
			  sg[VSMM_LDTR].base | st->gdtr.base | st->idtr.base) >>
			 32);

	/* The six canonical at once (vsmm__canonical_halved). */
	uint64_t biased = (sg[VSMM_FS].base + half) | (sg[VSMM_GS].base + half) |
			  (sg[VSMM_TR].base + half) | (sg[VSMM_LDTR].base + half) |
			  (st->gdtr.base + half) | (st->idtr.base + half);

	return !(high >> 32) && vsmm__canonical_halved(biased, half);
}

/*
 * Base bits no register of the mode can hold: bits 63:32 of CS, SS, DS
 * and ES (those bases are ignored in 64-bit mode and 32-bit everywhere
 * else), and of every base on a model without long mode.  Hardware
 * semantics drop them, as a processor with 32-bit base registers does;
 * KVM loads them and the VM entry that follows fails, so under KVM
 * semantics RSM shuts down instead.
 */
static enum vsmm_reason check_base_bits(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;
	bool lm = r->next.model->long_mode;

	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		struct vsmm_seg *s = &st->seg[i];
		bool narrow = !lm || i == VSMM_CS || i == VSMM_SS || i == VSMM_DS ||
			      i == VSMM_ES;

		if (!narrow)
			continue;
		if (r->rules->base_high_masked) {
			s->base &= 0xffffffffu;
			continue;
		}
		if (!lm && vsmm__check_base_32(s->base) != NONE)
			return seg_reject(r, VSMM_REASON_BASE_ABOVE_4G, i, F_BASE);
		if ((i == VSMM_CS || vsmm__seg_usable(s)) &&
		    vsmm__check_base_high(s->base) != NONE)
			return seg_reject(r, VSMM_REASON_SEG_BASE_HIGH, i, F_BASE);
	}
	if (lm)
		return NONE;
	if (r->rules->base_high_masked) {
		st->gdtr.base &= 0xffffffffu;
		st->idtr.base &= 0xffffffffu;
		return NONE;
	}
	if (vsmm__check_base_32(st->gdtr.base) != NONE)
		return vsmm__reject(r, VSMM_REASON_BASE_ABOVE_4G,
				    VSMM__REG_FIELD(DT_BASE, VSMM__DT_GDTR),
				    st->gdtr.base);
	if (vsmm__check_base_32(st->idtr.base) != NONE)
		return vsmm__reject(r, VSMM_REASON_BASE_ABOVE_4G,
				    VSMM__REG_FIELD(DT_BASE, VSMM__DT_IDTR),
				    st->idtr.base);
	return NONE;
}

/* FS, GS, TR, a usable LDTR, GDTR and IDTR: canonical bases, under both
 * semantics (nothing masks them: WRMSR and LGDT fault on them). */
static enum vsmm_reason check_canonical_bases(struct vsmm__rsm *r)
{
	const struct vsmm_cpu_state *st = &r->next.state;
	unsigned w = linear_width(r->next.model);
	static const int regs[] = { VSMM_FS, VSMM_GS, VSMM_TR, VSMM_LDTR };

	for (size_t k = 0; k < sizeof(regs) / sizeof(regs[0]); k++) {
		int i = regs[k];

		if (i == VSMM_LDTR && !vsmm__seg_usable(&st->seg[i]))
			continue;
		if (vsmm__check_base_canonical(st->seg[i].base, w) != NONE)
			return seg_reject(r, VSMM_REASON_SEG_BASE_NONCANONICAL, i,
					  F_BASE);
	}
	if (vsmm__check_dtable_canonical(st->gdtr.base, w) != NONE)
		return vsmm__reject(r, VSMM_REASON_DTABLE_BASE_NONCANONICAL,
				    VSMM__REG_FIELD(DT_BASE, VSMM__DT_GDTR),
				    st->gdtr.base);
	if (vsmm__check_dtable_canonical(st->idtr.base, w) != NONE)
		return vsmm__reject(r, VSMM_REASON_DTABLE_BASE_NONCANONICAL,
				    VSMM__REG_FIELD(DT_BASE, VSMM__DT_IDTR),
				    st->idtr.base);
	return NONE;
}

/* Attributes and limits, per register and mode (virtual-8086 mode's six
 * are fixed by mask_resumed). */
static enum vsmm_reason check_seg_attrs(struct vsmm__rsm *r)
{
	const struct vsmm_cpu_state *st = &r->next.state;
	const struct vsmm_seg *cs = &st->seg[VSMM_CS], *ss = &st->seg[VSMM_SS];
	bool pe = (st->cr0 & VSMM_CR0_PE) != 0;

	if (!v86_mode(st)) {
		if (vsmm__check_cs_attr(cs->attr, ss->attr) != NONE)
			return seg_reject(r, VSMM_REASON_CS_ATTR, VSMM_CS, F_ATTR);
		if (vsmm__check_cs_l_d(cs->attr, st->efer) != NONE)
			return seg_reject(r, VSMM_REASON_CS_L_AND_D, VSMM_CS, F_ATTR);
		if (vsmm__check_ss_attr(ss->attr, cs->attr, pe) != NONE)
			return seg_reject(r, VSMM_REASON_SS_ATTR, VSMM_SS, F_ATTR);
		for (int i = VSMM_ES; i <= VSMM_GS; i++) {
			if (i == VSMM_CS || i == VSMM_SS)
				continue;
			if (vsmm__check_data_attr(st->seg[i].attr) != NONE)
				return seg_reject(r, VSMM_REASON_DATA_SEG_ATTR, i,
						  F_ATTR);
		}
	}
	/* A TR or LDTR selector with TI=1 names its selector field. */
	if (vsmm__check_tr(&st->seg[VSMM_TR], st->efer) != NONE)
		return seg_reject(r, VSMM_REASON_TR_ATTR, VSMM_TR,
				  (st->seg[VSMM_TR].selector & 4) ? F_SEL : F_ATTR);
	if (vsmm__check_ldtr(&st->seg[VSMM_LDTR]) != NONE)
		return seg_reject(r, VSMM_REASON_LDTR_ATTR, VSMM_LDTR,
				  (st->seg[VSMM_LDTR].selector & 4) ? F_SEL : F_ATTR);
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		bool checked = i == VSMM_CS || i == VSMM_TR ||
			       vsmm__seg_usable(&st->seg[i]);

		if (checked && vsmm__check_seg_limit(&st->seg[i]) != NONE)
			return seg_reject(r, VSMM_REASON_SEG_LIMIT_GRANULARITY, i,
					  F_LIMIT);
	}
	return NONE;
}

/* check_resumed's segment rules one after the other (out of line: the
 * one-pass verdict says they hold in the common RSM). */
static VSMM__COLD enum vsmm_reason check_resumed_in_order(struct vsmm__rsm *r)
{
	TRY(check_base_bits(r));
	TRY(check_canonical_bases(r));
	TRY(check_seg_attrs(r));
	if (vsmm__check_hlt_cpl(r->next.state.halted, r->next.state.seg[VSMM_SS].attr) !=
	    NONE)
		return seg_reject(r, VSMM_REASON_HLT_NOT_CPL0, VSMM_SS, F_ATTR);
	return NONE;
}

/*
 * The last step of RSM: the state about to be resumed must be one a VMX
 * VMM can enter and an SVM VMM can run (SDM Vol.3C "Checks on the Guest
 * State Area").  Masks what the processor masks, then checks the rest.
 */
static enum vsmm_reason check_resumed(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;
	uint64_t half = linear_half(r->next.model);
	bool segs_pass = mask_resumed(st);

	rip_for_mode(st);
	if ((st->efer & VSMM_EFER_LMA) && (st->seg[VSMM_CS].attr & VSMM_SEG_L) &&
	    !vsmm__canonical_halved(st->rip + half,
				    half)) /* as vsmm__check_rip_canonical */
		return vsmm__reject(r, VSMM_REASON_RIP_NONCANONICAL, VSMM__FIELD(RIP),
				    st->rip);
	/* Paging on with LME=1 and long mode inactive: the VMX fixed bits
	 * force PG on after a handler cleared it along with PAE.  No VM entry
	 * (IA32_EFER.LME must equal LMA while CR0.PG=1) nor VMRUN (LME and PG
	 * need PAE) takes that state. */
	if ((st->cr0 & VSMM_CR0_PG) && (st->efer & VSMM_EFER_LME) &&
	    !(st->efer & VSMM_EFER_LMA))
		return vsmm__reject(r, VSMM_REASON_CR0_PG_LME_NO_PAE, VSMM__FIELD(CR0),
				    r->img.cr0);
	/* The rest at once where every rule holds; else one after the
	 * other, so that the first that fails is reported. */
	if (!r->ordered && segs_pass && resumed_pass(r, half))
		return NONE;
	return check_resumed_in_order(r);
}

/* ---------------------------------------------------------------------- */
/* RSM, every step                                                         */
/* ---------------------------------------------------------------------- */

/* Triple fault: nothing but the shutdown flag changes (docs/compat.md). */
static int shut_down(struct vsmm_vcpu *vcpu, const struct vsmm_shutdown *why)
{
	vcpu->state.shutdown = true;
	vcpu->last_shutdown = *why;
	return VSMM_E_SHUTDOWN;
}

/*
 * The image loads: now the VMM may re-enter the nested guest and switch
 * its address space out of SMM.  If the switch fails after a re-entry,
 * force the guest out again so the shutdown lands in L1 (KVM's
 * emulator_leave_smm ends with kvm_leave_nested on failure).
 */
static enum vsmm_reason vmm_leave(struct vsmm__rsm *r, struct vsmm_vcpu *vcpu)
{
	const struct vsmm_platform_ops *ops = vcpu->ops;

	if (r->reenter_nested && (!ops->nested_enter ||
				  ops->nested_enter(vcpu->ctx, vcpu, r->vmcb12_gpa) != 0))
		return vsmm__reject_other(r, VSMM_REASON_NESTED_REENTRY, NULL,
					  r->vmcb12_gpa);
	if (ops->smm_changed && ops->smm_changed(vcpu->ctx, vcpu, false) != 0) {
		if (r->reenter_nested && ops->nested_leave)
			(void)ops->nested_leave(vcpu->ctx, vcpu);
		return vsmm__reject_other(r, VSMM_REASON_SMM_CHANGED, NULL, 0);
	}
	return NONE;
}

/* A step that may fail: a failed rule ends RSM in shutdown (r->why). */
#define STEP(expr) \
	do { \
		if ((expr) != NONE) \
			goto shutdown; \
	} while (0)

/*
 * RSM on `vcpu`, every step in order.  With `image` NULL (vsmm_leave_smm)
 * step 1 reads the area through the platform and the last two steps, the
 * VMM's callbacks and the commit, change `commit` (the same vCPU);
 * vsmm_rsm_check passes the image it was given and no vCPU to commit to,
 * and reads the result from r->next.state.  Returns VSMM_OK,
 * VSMM_E_SHUTDOWN (r->why says why) or an API error (nothing happened).
 * Inline in rsm(), its one caller.
 */
static inline int rsm_steps(struct vsmm__rsm *r, const struct vsmm__vendor_ops *vendor,
			    const struct vsmm_vcpu *vcpu, const uint8_t *image,
			    size_t len, struct vsmm_vcpu *commit, bool ordered)
{
	struct vsmm_cpu_state *st = &r->next.state;
	uint8_t area[VSMM_IMAGE_MAX];
	int rc;

	/* The look-ups, once.  Each member of r is set here or by a step
	 * before it is read (r is not zeroed: that cost more than the rest
	 * of the setup); r->why only by the rule that fails, and it is read
	 * only after VSMM_E_SHUTDOWN. */
	r->rules = vsmm__rules_get(vcpu->semantics);
	r->vendor = vendor; /* vsmm__vendor_get(vcpu->model), the caller's */
	r->layout = vsmm__model_layout(vcpu->model, r->rules, r->vendor);
	r->desc = vsmm__layout_desc(r->layout);
	if (!r->desc) /* every layout's area fits area[] (asserted in src/layout/) */
		return VSMM_E_LAYOUT;
	if (image && len != r->desc->area_size)
		return VSMM_E_BUFSIZE;
	r->wide = vsmm__layout_wide(r->layout);
	r->next.model = vcpu->model;
	r->next.priv = vcpu->priv;
	r->pdptes_loaded = false;
	r->fixed_bits_set = false;
	r->reenter_nested = false;
	r->vmcb12_gpa = 0;
	r->vcpu = vcpu;
	r->ordered = ordered;

	/* 1. The whole area, once, while still in the SMM view (KVM: one
	 *    kvm_vcpu_read_guest before any state changes). */
	if (!image) {
		uint64_t gpa = (uint64_t)vcpu->state.smbase + r->desc->area_offset;

		if (vcpu->ops->read_phys(vcpu->ctx, true, gpa, area,
					 r->desc->area_size) != 0) {
			vsmm__reject_other(r, VSMM_REASON_SMRAM_READ, NULL, gpa);
			goto shutdown;
		}
		image = area;
	}
	/* 2. Decode it into the state RSM will commit.  An Intel 64 image
	 *    without vsmm's records (a processor or another tool wrote it)
	 *    has no hidden segment state: it comes from the descriptor
	 *    tables, as segment loads would give it (hidden.c). */
	if (!decode_image(r, &vcpu->state, image)) {
		rc = vsmm__rsm_hidden_state(r);
		if (rc == VSMM_E_SHUTDOWN)
			goto shutdown;
		if (rc != VSMM_OK)
			return rc;
	}
	/* 3. NMIs: unblocked unless they were blocked at the SMI. */
	unblock_nmi(st);
	/* 4. Leave SMM, before any register is loaded. */
	clear_smm_flags(st);
	/* 5. Back to real mode, so the loads can run in a legal order: what
	 *    it leaves, the loads start from (back_to_real_mode, in step 8). */
	/* 6. The vendor restores what it kept (VMX operation, the nested
	 *    guest: KVM's leave_smm hook runs here, before the loads). */
	STEP(r->vendor->rsm_restore(r));
	/* 7. Hardware RSM's whole-image rules. */
	STEP(check_image(r));
	/* 8. The registers, in KVM's order for the map. */
	STEP(r->wide ? load_state_64(r) : load_state_32(r));
	/* 9. Hardware: auto-HALT and I/O instruction restart. */
	resume_point(r);
	/* 10. The vendor's fixed bits (hardware VMX rules). */
	r->vendor->rsm_finish(r);
	/* 11. No virtual-8086 mode in real mode nor in IA-32e mode. */
	drop_v86_outside_protected_mode(st);
	/* 12. PAE paging the vendor's fixed bits turned on loads its PDPTEs. */
	STEP(load_forced_pdptes(r));
	/* 13. The interrupt shadow applies when RSM retires. */
	load_int_shadow(r);
	/* 14. The resumed state must be one a VMM can enter. */
	STEP(check_resumed(r));
	if (!commit)
		return VSMM_OK;
	/* 15. The VMM re-enters the nested guest and leaves the SMM view. */
	STEP(vmm_leave(r, commit));
	/* 16. Commit: RSM changes nothing of the vCPU but its state and its
	 *     private record. */
	vsmm__state_copy(&commit->state, st);
	commit->priv = r->next.priv;
	return VSMM_OK;

shutdown:
	return commit ? shut_down(commit, &r->why) : VSMM_E_SHUTDOWN;
}

/* What vsmm__rsm_check asks of an RSM that commits nothing: how to run the
 * rules, and where the result goes (either pointer may be NULL). */
struct rsm_check {
	bool ordered;
	struct vsmm_shutdown *why;
	struct vsmm_cpu_state *out;
};

/*
 * rsm_steps with its record of the RSM in progress in this frame: `check`
 * NULL for vsmm_leave_smm (the same vCPU as `commit`), which then calls
 * this last, with nothing left to do after it (a jump, no frame of its
 * own); else vsmm__rsm_check's, which gets the shutdown record (reason
 * NONE but after VSMM_E_SHUTDOWN) and the state RSM would commit.
 */
static int rsm(const struct vsmm_vcpu *vcpu, const struct vsmm__vendor_ops *vendor,
	       struct vsmm_vcpu *commit, const struct rsm_check *check,
	       const uint8_t *image, size_t len)
{
	struct vsmm__rsm r;
	int rc = rsm_steps(&r, vendor, vcpu, image, len, commit, check && check->ordered);

	if (!check)
		return rc;
	if (check->why)
		*check->why = rc == VSMM_E_SHUTDOWN
				      ? r.why
				      : (struct vsmm_shutdown){ .reason = NONE };
	if (rc == VSMM_OK && check->out)
		*check->out = r.next.state;
	return rc;
}

/* The vendor of a vCPU the API was given, or NULL if it has none (no
 * vCPU, no model, an unknown vendor): both entry points refuse it. */
static const struct vsmm__vendor_ops *vendor_of(const struct vsmm_vcpu *vcpu)
{
	return vcpu && vcpu->model ? vsmm__vendor_get(vcpu->model) : NULL;
}

int vsmm__rsm_check(const struct vsmm_vcpu *vcpu, const uint8_t *area, size_t len,
		    bool ordered, struct vsmm_shutdown *why, struct vsmm_cpu_state *out)
{
	const struct vsmm__vendor_ops *vendor = vendor_of(vcpu);

	if (!vendor || !area)
		return VSMM_E_INVAL;
	const struct rsm_check check = { .ordered = ordered, .why = why, .out = out };

	return rsm(vcpu, vendor, NULL, &check, area, len);
}

int vsmm_rsm_check(const struct vsmm_vcpu *vcpu, const uint8_t *area, size_t len,
		   struct vsmm_shutdown *why, struct vsmm_cpu_state *out)
{
	return vsmm__rsm_check(vcpu, area, len, false, why, out);
}

int vsmm_leave_smm(struct vsmm_vcpu *vcpu)
{
	const struct vsmm__vendor_ops *vendor = vendor_of(vcpu);

	if (!vendor || !vcpu->ops || !vcpu->ops->read_phys)
		return VSMM_E_INVAL;
	if (!vcpu->state.smm)
		return VSMM_E_UD;
	if (vcpu->state.shutdown)
		return VSMM_E_STATE;
	return rsm(vcpu, vendor, vcpu, NULL, NULL, 0);
}
