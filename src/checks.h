/* SPDX-License-Identifier: MIT */
/*
 * Architectural checks: one pure predicate per rule (SDM Vol.2 "MOV--Move
 * to/from Control Registers" and "RSM", SDM Vol.3A 2.5 "Control
 * Registers" and 4.4.1 "PDPTE Registers", APM Vol.2 3.1.7 "Extended
 * Feature Enable Register").
 *
 * Each predicate looks at values only (no vCPU, no memory), returns
 * VSMM_REASON_NONE when the rule holds and the rule's named reason when it
 * does not.  The composite "write" checks below run the predicates of one
 * register write in the order KVM's setters do, against a view of the
 * current (partly loaded) state; leave.c calls them for every load.
 *
 * They are static inline, here: RSM runs about forty of them, most a
 * compare or two, and a call into another file (src/ is built without
 * LTO) cost more than the rule it made (docs/performance.md).
 */
#ifndef VSMM_CHECKS_H
#define VSMM_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/*
 * Each defined CR4 bit and the CPUID feature that makes it writable
 * (X(bit, feature, arg); arg is passed through).
 */
/* clang-format off */
#define VSMM__CR4_GATES(X, arg)                                                  \
	X(VME, VME, arg)           X(PVI, VME, arg)           X(TSD, TSC, arg)         \
	X(DE, DE, arg)             X(PSE, PSE, arg)           X(PAE, PAE, arg)         \
	X(MCE, MCE, arg)           X(PGE, PGE, arg)           X(PCE, PCE, arg)         \
	X(OSFXSR, FXSR, arg)       X(OSXMMEXCPT, SSE, arg)    X(UMIP, UMIP, arg)       \
	X(LA57, LA57, arg)         X(VMXE, VMX, arg)          X(SMXE, SMX, arg)        \
	X(FSGSBASE, FSGSBASE, arg) X(PCIDE, PCID, arg)        X(OSXSAVE, XSAVE, arg)   \
	X(SMEP, SMEP, arg)         X(SMAP, SMAP, arg)         X(PKE, PKU, arg)         \
	X(CET, CET, arg)           X(PKS, PKS, arg)
/* clang-format on */

#define VSMM__CR4_DEFINED_BIT(bit, feature, arg) VSMM_CR4_##bit |
/* The CR4 bits vsmm knows (every other bit is reserved). */
#define VSMM__CR4_DEFINED (VSMM__CR4_GATES(VSMM__CR4_DEFINED_BIT, 0) 0)

/* The features CR4 bits 8:0, 16:9 and 24:17 need, by the value of those
 * bits: entries 0-511, 512-767 and 768-1023 (checks.c; one table, so one
 * base address; bits 25 and up are reserved, not gated; every feature is
 * below bit 32). */
extern const uint32_t vsmm__cr4_needs[1024];

static inline uint64_t vsmm__bits_from(unsigned lo)
{
	return lo >= 64 ? 0 : ~0ull << lo;
}

static inline bool vsmm__lma(uint64_t efer)
{
	return (efer & VSMM_EFER_LMA) != 0;
}

/* ---------------------------------------------------------------------- */
/* CR0                                                                     */
/* ---------------------------------------------------------------------- */

static inline enum vsmm_reason vsmm__check_cr0_high(uint64_t cr0)
{
	return cr0 >> 32 ? VSMM_REASON_CR0_HIGH : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_cr0_nw_cd(uint64_t cr0)
{
	return (cr0 & VSMM_CR0_NW) && !(cr0 & VSMM_CR0_CD) ? VSMM_REASON_CR0_NW_NO_CD
							   : VSMM_REASON_NONE;
}

/* Both bits are in the low dword: judged there, where PG (bit 31) is an
 * immediate a compare takes (a 64-bit compare needs it in a register). */
static inline enum vsmm_reason vsmm__check_cr0_pg_pe(uint64_t cr0)
{
	const uint32_t pg_pe = VSMM_CR0_PG | VSMM_CR0_PE;

	return ((uint32_t)cr0 & pg_pe) == VSMM_CR0_PG ? VSMM_REASON_CR0_PG_NO_PE
						      : VSMM_REASON_NONE;
}

/* Turning paging on with EFER.LME=1 activates IA-32e mode, which needs PAE
 * (SDM Vol.3A 10.8.5).  Only the 0->1 transition of PG is the rule. */
static inline enum vsmm_reason vsmm__check_cr0_pg_lme_pae(uint64_t old_cr0, uint64_t cr0,
							  uint64_t efer, uint64_t cr4)
{
	bool enabling = !(old_cr0 & VSMM_CR0_PG) && (cr0 & VSMM_CR0_PG);

	/* LME and PAE first: in a long-mode image they decide it. */
	if ((efer & VSMM_EFER_LME) && !(cr4 & VSMM_CR4_PAE) && enabling)
		return VSMM_REASON_CR0_PG_LME_NO_PAE;
	return VSMM_REASON_NONE;
}

/* IA32_VMX_CR0_FIXED0 on every VMX processor has PE, NE and PG. */
static inline enum vsmm_reason vsmm__check_cr0_vmx_fixed(bool vmx_on, uint64_t cr0)
{
	const uint64_t fixed = VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;

	return vmx_on && (cr0 & fixed) != fixed ? VSMM_REASON_CR0_VMX_FIXED
						: VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* CR3                                                                     */
/* ---------------------------------------------------------------------- */

/* With PCIDE, bit 63 of a MOV to CR3 is "no flush", not an address bit. */
static inline enum vsmm_reason vsmm__check_cr3_reserved(const struct vsmm_model *model,
							uint64_t cr3, bool pcide)
{
	if (pcide)
		cr3 &= ~(1ull << 63);
	/* Any bit at or above MAXPHYADDR, shifted down (one shift, where a
	 * mask of them is two instructions more). */
	return model->maxphyaddr < 64 && cr3 >> model->maxphyaddr
		       ? VSMM_REASON_CR3_RESERVED
		       : VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* CR4                                                                     */
/* ---------------------------------------------------------------------- */

/* Bits no processor of the model's generation defines (15, 19, 25+). */
static inline enum vsmm_reason vsmm__check_cr4_reserved(uint64_t cr4)
{
	return (cr4 & ~VSMM__CR4_DEFINED) ? VSMM_REASON_CR4_RESERVED : VSMM_REASON_NONE;
}

/*
 * A defined bit whose CPUID feature the model lacks is reserved for it.
 * The features the bits of cr4 need are OR-ed from three tables, one per
 * nine or eight bits (checks.c builds them from the gate list above at
 * compile time): three loads, not a walk of the bits that are set (twelve
 * for a Linux kernel's CR4, on each of RSM's two CR4 writes).
 */
static inline enum vsmm_reason vsmm__check_cr4_features(const struct vsmm_model *model,
							uint64_t cr4)
{
	const uint32_t *t = vsmm__cr4_needs;
	uint64_t need = t[cr4 & 0x1ff] | t[512 + ((cr4 >> 9) & 0xff)] |
			t[768 + ((cr4 >> 17) & 0xff)];

	return (need & ~model->features) ? VSMM_REASON_CR4_UNSUPPORTED : VSMM_REASON_NONE;
}

/* Default treatment of SMM (SDM Vol.3C 33.14.1): VMX cannot be enabled in
 * SMM; KVM's vmx_set_cr4 refuses VMXE while is_smm().  `rule` says whether
 * the vendor has this rule at all. */
static inline enum vsmm_reason vsmm__check_cr4_vmxe_in_smm(bool rule, bool smm,
							   uint64_t cr4)
{
	return rule && smm && (cr4 & VSMM_CR4_VMXE) ? VSMM_REASON_CR4_VMXE_IN_SMM
						    : VSMM_REASON_NONE;
}

/* IA32_VMX_CR4_FIXED0 has VMXE: it cannot be cleared in VMX operation. */
static inline enum vsmm_reason vsmm__check_cr4_vmx_fixed(bool vmx_on, uint64_t cr4)
{
	return vmx_on && !(cr4 & VSMM_CR4_VMXE) ? VSMM_REASON_CR4_VMX_FIXED
						: VSMM_REASON_NONE;
}

/* MOV CR4 setting PCIDE needs IA-32e mode (SDM Vol.2 MOV CR #GP list). */
static inline enum vsmm_reason vsmm__check_cr4_pcide_lma(uint64_t old_cr4, uint64_t cr4,
							 uint64_t efer)
{
	bool setting = !(old_cr4 & VSMM_CR4_PCIDE) && (cr4 & VSMM_CR4_PCIDE);

	return setting && !vsmm__lma(efer) ? VSMM_REASON_CR4_PCIDE_NO_LMA
					   : VSMM_REASON_NONE;
}

/* ... and CR3[11:0] = 0, because those bits become the current PCID. */
static inline enum vsmm_reason vsmm__check_cr4_pcide_cr3(uint64_t old_cr4, uint64_t cr4,
							 uint64_t cr3)
{
	bool setting = !(old_cr4 & VSMM_CR4_PCIDE) && (cr4 & VSMM_CR4_PCIDE);

	return setting && (cr3 & 0xfffu) ? VSMM_REASON_CR4_PCIDE_CR3 : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_cr4_pae_lm(uint64_t cr4, uint64_t efer)
{
	return vsmm__lma(efer) && !(cr4 & VSMM_CR4_PAE) ? VSMM_REASON_CR4_PAE_IN_LM
							: VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_cr4_la57_lm(uint64_t old_cr4, uint64_t cr4,
						       uint64_t efer)
{
	bool changes = ((old_cr4 ^ cr4) & VSMM_CR4_LA57) != 0;

	return vsmm__lma(efer) && changes ? VSMM_REASON_CR4_LA57_IN_LM : VSMM_REASON_NONE;
}

/* Hardware keeps CR4.VMXE in an internal record across SMM and refuses an
 * image that sets it (SDM Vol.3C 33.14.1, default treatment of RSM). */
static inline enum vsmm_reason vsmm__check_cr4_vmxe_image(uint64_t cr4)
{
	return (cr4 & VSMM_CR4_VMXE) ? VSMM_REASON_CR4_VMXE_IMAGE : VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* EFER                                                                    */
/* ---------------------------------------------------------------------- */

/*
 * Bits vsmm knows.  LMSLE and TCE are treated as reserved: KVM never
 * exposes LMSLE and vsmm models no TCE feature.
 */
#define VSMM__EFER_KNOWN \
	(VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA | VSMM_EFER_NXE | \
	 VSMM_EFER_SVME | VSMM_EFER_FFXSR)

static inline enum vsmm_reason vsmm__check_efer_reserved(uint64_t efer)
{
	return (efer & ~(uint64_t)VSMM__EFER_KNOWN) ? VSMM_REASON_EFER_RESERVED
						    : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_efer_features(const struct vsmm_model *model,
							 uint64_t efer)
{
	const uint64_t f = model->features;

	if ((efer & (VSMM_EFER_LME | VSMM_EFER_LMA)) && !model->long_mode)
		return VSMM_REASON_EFER_UNSUPPORTED;
	if ((efer & VSMM_EFER_NXE) && !(f & VSMM_FEAT_NX))
		return VSMM_REASON_EFER_UNSUPPORTED;
	if ((efer & VSMM_EFER_SVME) && !(f & VSMM_FEAT_SVM))
		return VSMM_REASON_EFER_UNSUPPORTED;
	if ((efer & VSMM_EFER_FFXSR) && !(f & VSMM_FEAT_FFXSR))
		return VSMM_REASON_EFER_UNSUPPORTED;
	if ((efer & VSMM_EFER_SCE) && !(f & VSMM_FEAT_SYSCALL))
		return VSMM_REASON_EFER_UNSUPPORTED;
	return VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* DR6 / DR7, PDPTEs                                                       */
/* ---------------------------------------------------------------------- */

static inline enum vsmm_reason vsmm__check_dr6_high(uint64_t dr6)
{
	return dr6 >> 32 ? VSMM_REASON_DR6_HIGH : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_dr7_high(uint64_t dr7)
{
	return dr7 >> 32 ? VSMM_REASON_DR7_HIGH : VSMM_REASON_NONE;
}

/*
 * SDM Vol.3A 4.4.1, table "Format of a PAE Page-Directory-Pointer-Table
 * Entry": bits 2:1 and 8:5 are reserved, and so is everything from
 * MAXPHYADDR up to bit 63 -- bit 63 included, because a PDPTE has no XD
 * bit even with EFER.NXE=1.  Only present entries are checked.
 */
static inline enum vsmm_reason vsmm__check_pdpte(const struct vsmm_model *model,
						 uint64_t pdpte)
{
	const uint64_t rsvd = 0x1e6u | vsmm__bits_from(model->maxphyaddr);

	if (!(pdpte & 1))
		return VSMM_REASON_NONE;
	return (pdpte & rsvd) ? VSMM_REASON_PDPTE_RESERVED : VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* Whole-image rules of hardware RSM                                       */
/* ---------------------------------------------------------------------- */

/* EFER.LMA = 1 if and only if CR0.PE, CR0.PG, CR4.PAE and EFER.LME are all
 * 1 (the long-mode consistency rule of RSM; Bochs checks the same). */
static inline enum vsmm_reason vsmm__check_lma_consistent(uint64_t cr0, uint64_t cr4,
							  uint64_t efer)
{
	const uint32_t pe_pg = VSMM_CR0_PE | VSMM_CR0_PG; /* vsmm__check_cr0_pg_pe */
	bool all = ((uint32_t)cr0 & pe_pg) == pe_pg && (cr4 & VSMM_CR4_PAE) &&
		   (efer & VSMM_EFER_LME);

	return all != vsmm__lma(efer) ? VSMM_REASON_LMA_INCONSISTENT : VSMM_REASON_NONE;
}

/* Virtual-8086 mode does not exist in IA-32e mode. */
static inline enum vsmm_reason vsmm__check_rflags_vm_lm(uint64_t rflags, uint64_t efer)
{
	return (rflags & VSMM_RFLAGS_VM) && vsmm__lma(efer) ? VSMM_REASON_RFLAGS_VM_IN_LM
							    : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_svm_supported(const struct vsmm_model *model)
{
	return (model->features & VSMM_FEAT_SVM) ? VSMM_REASON_NONE
						 : VSMM_REASON_SVM_NOT_SUPPORTED;
}

static inline enum vsmm_reason vsmm__check_svm_svme(uint64_t image_efer)
{
	return (image_efer & VSMM_EFER_SVME) ? VSMM_REASON_NONE
					     : VSMM_REASON_SVM_SVME_CLEAR;
}

/* The state a register write is judged against. */
struct vsmm__cpu_view {
	const struct vsmm_model *model;
	uint64_t cr0, cr3, cr4, efer; /* current values */
	bool smm;		      /* the SMM flag is (still) set */
	bool vmx_on;		      /* in VMX operation */
	bool vmxe_smm_rule;	      /* the vendor forbids CR4.VMXE in SMM (VMX) */
	bool vmx_fixed;		      /* check (rather than force) the VMX fixed bits */
	bool lme_needs_pae;	      /* MOV CR0 rule: PG with LME needs PAE */
};

/* ---------------------------------------------------------------------- */
/* Composite checks: the predicates of one register write, in order         */
/* ---------------------------------------------------------------------- */

/* KVM kvm_set_cr0 / kvm_is_valid_cr0, then the vendor's fixed bits. */
static inline enum vsmm_reason vsmm__check_cr0_write(const struct vsmm__cpu_view *v,
						     uint64_t cr0)
{
	VSMM__TRY(vsmm__check_cr0_high(cr0));
	VSMM__TRY(vsmm__check_cr0_nw_cd(cr0));
	VSMM__TRY(vsmm__check_cr0_pg_pe(cr0));
	if (v->vmx_fixed)
		VSMM__TRY(vsmm__check_cr0_vmx_fixed(v->vmx_on, cr0));
	if (v->lme_needs_pae)
		VSMM__TRY(vsmm__check_cr0_pg_lme_pae(v->cr0, cr0, v->efer, v->cr4));
	return VSMM_REASON_NONE;
}

/* KVM kvm_set_cr3: a legal GPA for the model, judged with the current
 * CR4.PCIDE. */
static inline enum vsmm_reason vsmm__check_cr3_write(const struct vsmm__cpu_view *v,
						     uint64_t cr3)
{
	return vsmm__check_cr3_reserved(v->model, cr3, (v->cr4 & VSMM_CR4_PCIDE) != 0);
}

/* KVM kvm_set_cr4: reserved and CPUID-gated bits, the vendor's rules, then
 * the transition rules. */
static inline enum vsmm_reason vsmm__check_cr4_write(const struct vsmm__cpu_view *v,
						     uint64_t cr4)
{
	VSMM__TRY(vsmm__check_cr4_reserved(cr4));
	VSMM__TRY(vsmm__check_cr4_features(v->model, cr4));
	VSMM__TRY(vsmm__check_cr4_vmxe_in_smm(v->vmxe_smm_rule, v->smm, cr4));
	if (v->vmx_fixed)
		VSMM__TRY(vsmm__check_cr4_vmx_fixed(v->vmx_on, cr4));
	VSMM__TRY(vsmm__check_cr4_pae_lm(cr4, v->efer));
	VSMM__TRY(vsmm__check_cr4_la57_lm(v->cr4, cr4, v->efer));
	VSMM__TRY(vsmm__check_cr4_pcide_lma(v->cr4, cr4, v->efer));
	VSMM__TRY(vsmm__check_cr4_pcide_cr3(v->cr4, cr4, v->cr3));
	return VSMM_REASON_NONE;
}

/* A guest-initiated WRMSR to EFER (KVM set_efer). */
static inline enum vsmm_reason vsmm__check_efer_write(const struct vsmm__cpu_view *v,
						      uint64_t efer)
{
	VSMM__TRY(vsmm__check_efer_reserved(efer));
	VSMM__TRY(vsmm__check_efer_features(v->model, efer));
	return VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* The resumed state: what a VM entry accepts                              */
/* ---------------------------------------------------------------------- */

/*
 * SDM Vol.3C "Checks on the Guest State Area": the guest-state checks of
 * VM entry, with the "unrestricted guest" control set (a VMM needs it for
 * real mode and paging off; without it KVM emulates those and fixes the
 * segments itself).  A segment whose P bit is clear is unusable, as KVM's
 * VMX code makes it.  AMD's VMRUN checks are a subset (APM Vol.2 15.5.1).
 */

#define VSMM__SEG_TYPE(attr) ((attr)&VSMM_SEG_TYPE_MASK)
#define VSMM__SEG_DPL(attr) (((attr)&VSMM_SEG_DPL_MASK) >> VSMM_SEG_DPL_SHIFT)
#define VSMM__SEG_CODE 0x8u	  /* type bit 3: code segment */
#define VSMM__SEG_CONFORMING 0x4u /* type bit 2 of a code segment */
#define VSMM__SEG_READABLE 0x2u	  /* type bit 1 of a code segment */
/* A present, accessed read/write data segment at DPL 0 (0x93): the flat
 * data segments of the reset state and, with G, of the SMM entry state. */
#define VSMM__SEG_DATA_RW_A (VSMM_SEG_P | VSMM_SEG_S | 0x3u)
#define VSMM__SEG_ACCESSED 0x1u /* type bit 0 */
#define VSMM__SEL_TI 0x4u	/* selector bit 2: LDT */

static inline bool vsmm__seg_usable(const struct vsmm_seg *s)
{
	return (s->attr & VSMM_SEG_P) != 0;
}

/* Bits 63:width-1 all equal (width = the model's linear-address bits,
 * below 64): v lies in [-2^(width-1), 2^(width-1)), that is v + 2^(width-1)
 * (modulo 2^64) is below 2^width.  One add and one shift; several values
 * are all canonical if the OR of their biased values is below 2^width. */
static inline uint64_t vsmm__canonical_biased(uint64_t v, unsigned width)
{
	return v + (1ull << (width - 1));
}

static inline bool vsmm__canonical(uint64_t v, unsigned width)
{
	return vsmm__canonical_biased(v, width) >> width == 0;
}

/* The same by half = 2^(width-1): the OR of values biased by half (v +
 * half, modulo 2^64), halved, is below half if all are canonical.  A shift
 * by a constant, where one by the width needs it in CL. */
static inline bool vsmm__canonical_halved(uint64_t biased, uint64_t half)
{
	return biased >> 1 < half;
}

static inline enum vsmm_reason vsmm__check_rip_canonical(uint64_t rip, unsigned width)
{
	return vsmm__canonical(rip, width) ? VSMM_REASON_NONE
					   : VSMM_REASON_RIP_NONCANONICAL;
}

static inline enum vsmm_reason vsmm__check_cs_l_d(uint16_t cs_attr, uint64_t efer)
{
	const uint16_t ld = VSMM_SEG_L | VSMM_SEG_DB;

	return vsmm__lma(efer) && (cs_attr & ld) == ld ? VSMM_REASON_CS_L_AND_D
						       : VSMM_REASON_NONE;
}

/* CS, SS, DS and ES have 32-bit bases (CS always, the others if usable). */
static inline enum vsmm_reason vsmm__check_base_high(uint64_t base)
{
	return base >> 32 ? VSMM_REASON_SEG_BASE_HIGH : VSMM_REASON_NONE;
}

static inline enum vsmm_reason vsmm__check_base_canonical(uint64_t base, unsigned width)
{
	return vsmm__canonical(base, width) ? VSMM_REASON_NONE
					    : VSMM_REASON_SEG_BASE_NONCANONICAL;
}

static inline enum vsmm_reason vsmm__check_dtable_canonical(uint64_t base, unsigned width)
{
	return vsmm__canonical(base, width) ? VSMM_REASON_NONE
					    : VSMM_REASON_DTABLE_BASE_NONCANONICAL;
}

/* A processor without long mode has 32-bit base registers. */
static inline enum vsmm_reason vsmm__check_base_32(uint64_t base)
{
	return base >> 32 ? VSMM_REASON_BASE_ABOVE_4G : VSMM_REASON_NONE;
}

/* G=1 scales the descriptor's limit by 4 KiB and fills bits 11:0 with
 * ones; G=0 leaves a 20-bit limit. */
static inline enum vsmm_reason vsmm__check_seg_limit(const struct vsmm_seg *s)
{
	if ((s->attr & VSMM_SEG_G) && (s->limit & 0xfffu) != 0xfffu)
		return VSMM_REASON_SEG_LIMIT_GRANULARITY;
	if (!(s->attr & VSMM_SEG_G) && (s->limit >> 20))
		return VSMM_REASON_SEG_LIMIT_GRANULARITY;
	return VSMM_REASON_NONE;
}

/* CS outside virtual-8086 mode: an accessed code segment, or (unrestricted
 * guest) a read/write accessed data segment at DPL 0; the DPL of a
 * non-conforming code segment is the CPL, SS.DPL. */
static inline enum vsmm_reason vsmm__check_cs_attr(uint16_t cs, uint16_t ss)
{
	unsigned type = VSMM__SEG_TYPE(cs), dpl = VSMM__SEG_DPL(cs),
		 ss_dpl = VSMM__SEG_DPL(ss);

	if (!(cs & VSMM_SEG_P) || !(cs & VSMM_SEG_S))
		return VSMM_REASON_CS_ATTR;
	if (type == 0x3u)
		return dpl == 0 ? VSMM_REASON_NONE : VSMM_REASON_CS_ATTR;
	if (!(type & VSMM__SEG_CODE) || !(type & VSMM__SEG_ACCESSED))
		return VSMM_REASON_CS_ATTR;
	if (type & VSMM__SEG_CONFORMING)
		return dpl <= ss_dpl ? VSMM_REASON_NONE : VSMM_REASON_CS_ATTR;
	return dpl == ss_dpl ? VSMM_REASON_NONE : VSMM_REASON_CS_ATTR;
}

/* SS: if usable a read/write accessed data segment (types 3 and 7); its
 * DPL, the CPL, is 0 in real mode and with a data-segment CS. */
static inline enum vsmm_reason vsmm__check_ss_attr(uint16_t ss, uint16_t cs, bool pe)
{
	unsigned type = VSMM__SEG_TYPE(ss);

	if ((!pe || VSMM__SEG_TYPE(cs) == 0x3u) && VSMM__SEG_DPL(ss) != 0)
		return VSMM_REASON_SS_ATTR;
	if (!(ss & VSMM_SEG_P))
		return VSMM_REASON_NONE;
	if (!(ss & VSMM_SEG_S) || (type != 0x3u && type != 0x7u))
		return VSMM_REASON_SS_ATTR;
	return VSMM_REASON_NONE;
}

/* DS, ES, FS, GS if usable: accessed, and a code segment only if readable. */
static inline enum vsmm_reason vsmm__check_data_attr(uint16_t attr)
{
	unsigned type = VSMM__SEG_TYPE(attr);

	if (!(attr & VSMM_SEG_P))
		return VSMM_REASON_NONE;
	if (!(attr & VSMM_SEG_S) || !(type & VSMM__SEG_ACCESSED))
		return VSMM_REASON_DATA_SEG_ATTR;
	if ((type & VSMM__SEG_CODE) && !(type & VSMM__SEG_READABLE))
		return VSMM_REASON_DATA_SEG_ATTR;
	return VSMM_REASON_NONE;
}

/* TR: always usable, a busy TSS (16- or 32-bit outside IA-32e mode, 64-bit
 * in it), a system descriptor, selected from the GDT. */
static inline enum vsmm_reason vsmm__check_tr(const struct vsmm_seg *tr, uint64_t efer)
{
	unsigned type = VSMM__SEG_TYPE(tr->attr);
	bool lm = vsmm__lma(efer);

	if ((tr->selector & VSMM__SEL_TI) || !(tr->attr & VSMM_SEG_P) ||
	    (tr->attr & VSMM_SEG_S))
		return VSMM_REASON_TR_ATTR;
	if (type != 0xbu && (lm || type != 0x3u))
		return VSMM_REASON_TR_ATTR;
	return VSMM_REASON_NONE;
}

/* LDTR if usable: an LDT descriptor selected from the GDT. */
static inline enum vsmm_reason vsmm__check_ldtr(const struct vsmm_seg *ldtr)
{
	if (!(ldtr->attr & VSMM_SEG_P))
		return VSMM_REASON_NONE;
	if ((ldtr->selector & VSMM__SEL_TI) || (ldtr->attr & VSMM_SEG_S) ||
	    VSMM__SEG_TYPE(ldtr->attr) != 0x2u)
		return VSMM_REASON_LDTR_ATTR;
	return VSMM_REASON_NONE;
}

/* HLT is a CPL-0 instruction: no CPU halts with SS.DPL != 0, and VM entry
 * refuses the HLT activity state there. */
static inline enum vsmm_reason vsmm__check_hlt_cpl(bool halted, uint16_t ss)
{
	return halted && VSMM__SEG_DPL(ss) != 0 ? VSMM_REASON_HLT_NOT_CPL0
						: VSMM_REASON_NONE;
}

/* ---------------------------------------------------------------------- */
/* The same segment rules in one pass (RSM's common case)                  */
/* ---------------------------------------------------------------------- */

/*
 * The attribute rules above but CS.L/D's read the low byte of the
 * attributes (type, S, DPL, P) and, besides, the selector's TI, SS.DPL,
 * CR0.PE, the HLT state and EFER.LMA; the limit rule reads G and P.
 * vsmm__seg_rules (checks.c) holds, for each low byte and G, what those
 * rules say of the attributes a register is masked to: the bit masking
 * sets, each rule's verdict (nonzero = fails) in a column of its own, by
 * what else it reads, and the limit rule as a mask.  One look-up per
 * register gives all of its rules, and a register's verdict is its own
 * column (ANDed with what else the rule reads, where it reads more); the
 * verdicts below hold exactly where those rules all hold, for every
 * attribute word (tests/test_segrules.c tries each).  CS.L/D
 * (vsmm__check_cs_l_d) reads bits the entry is not chosen by: its callers
 * ask it apart.  Which rule failed is not kept: the rules above say that.
 */
enum {
	/* Column ss: vsmm__check_ss_attr with any DPL, and with DPL 0
	 * required (real mode; HLT too). */
	VSMM__SR_SS_BAD = 1u << 0,
	VSMM__SR_SS_BAD_CPL0 = 1u << 1,
	/* Column cs: vsmm__check_cs_attr and, for a data-segment CS, the
	 * SS.DPL of 0 that vsmm__check_ss_attr asks then, at bit 4 + SS.DPL;
	 * column ss has the one bit of its DPL there, so that CS's verdict
	 * is cs & ss and no SS verdict bit meets it. */
	VSMM__SR_CS_DPL0 = 1u << 4,
	/* In column ss too, for TR: vsmm__check_tr but TI, in every mode,
	 * and a busy 16-bit TSS, which IA-32e mode refuses in TR. */
	VSMM__SR_TR_BAD = 1u << 2,
	VSMM__SR_TR_16 = 1u << 3,
	/* Column ldtr: vsmm__check_ldtr but TI, and P at TI's bit (the TI
	 * rule holds for a usable LDTR only). */
	VSMM__SR_LDTR_BAD = 1u << 0,
	VSMM__SR_LDTR_P = VSMM__SEL_TI,
};

struct vsmm__seg_rules {
	/* The bit masking sets: the accessed bit of a usable code or data
	 * segment (ES to GS), the busy bit of a 16/32-bit available TSS (TR). */
	uint16_t accessed, busy;
	uint8_t data;	      /* nonzero if vsmm__check_data_attr fails */
	uint8_t cs, ss, ldtr; /* VSMM__SR_* */
};

/* The limit bits the rule judges if the register is usable (none if not),
 * and the values they must have (vsmm__seg_limit_bad). */
struct vsmm__seg_limit {
	uint32_t mask, ones;
};

/* Both by entry (attribute bits 7:0) * 2 + G (vsmm__seg_entry): 8-byte
 * entries, which the index scales to at no cost, and one index for both
 * (the rules read no G: their entries come in equal pairs). */
extern const struct vsmm__seg_rules vsmm__seg_rules[512];
extern const struct vsmm__seg_limit vsmm__seg_limits[512];
_Static_assert(sizeof(struct vsmm__seg_rules) == 8 && sizeof(struct vsmm__seg_limit) == 8,
	       "entries are 8 bytes");

/* The entry of an attribute word as read, before masking: bits 7:0 and G
 * rotated into bits 8:0. */
static inline unsigned vsmm__seg_entry(uint16_t attr)
{
	return (uint16_t)(attr << 1 | attr >> 15) & 0x1ffu;
}

/* The rules of a register by its attribute word. */
static inline const struct vsmm__seg_rules *vsmm__seg_rules_of(uint16_t attr)
{
	return &vsmm__seg_rules[vsmm__seg_entry(attr)];
}

/* Nonzero if a usable register's limit breaks vsmm__check_seg_limit: G=1
 * judges bits 11:0, which must be ones, G=0 bits 31:20, zeros. */
static inline uint32_t vsmm__seg_limit_bad(uint16_t attr, uint32_t limit)
{
	const struct vsmm__seg_limit *l = &vsmm__seg_limits[vsmm__seg_entry(attr)];

	return (limit ^ l->ones) & l->mask;
}

/* CS, SS and HLT's CPL together: CS by SS.DPL, SS by whether its DPL must
 * be 0 (in real mode and the HLT state; with a data-segment CS too, which
 * CS's verdict has).  `cs` is CS's column cs. */
static inline unsigned vsmm__seg_cs_ss_bad(unsigned cs, const struct vsmm__seg_rules *ss,
					   bool pe, bool halted)
{
	return ss->ss & (cs | (pe && !halted ? VSMM__SR_SS_BAD : VSMM__SR_SS_BAD_CPL0));
}

/* TR, by its column ss, with its selector's TI bit; `lm` is EFER.LMA. */
static inline unsigned vsmm__seg_tr_bad(unsigned tr, uint16_t selector, bool lm)
{
	return (tr & (VSMM__SR_TR_BAD | (lm ? VSMM__SR_TR_16 : 0))) |
	       (selector & VSMM__SEL_TI);
}

/* LDTR, by its column ldtr, with its selector's TI bit, which matters if
 * LDTR is usable (VSMM__SR_LDTR_P); no other bit of the selector meets a
 * bit of the column. */
static inline unsigned vsmm__seg_ldtr_bad(unsigned ldtr, uint16_t selector)
{
	return ldtr & (selector | VSMM__SR_LDTR_BAD);
}

#endif /* VSMM_CHECKS_H */
