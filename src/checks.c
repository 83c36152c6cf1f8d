/* SPDX-License-Identifier: MIT */
/*
 * Architectural checks, one predicate per rule (spec section 5, SDM Vol.2
 * MOV CR / RSM, SDM Vol.3A 2.5 and 4.4.1, APM Vol.2 3.1.7).  Pure
 * functions: values in, a named reason out.
 */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "checks.h"

#define R(name) VSMM_REASON_##name
#define NONE VSMM_REASON_NONE

static uint64_t bits_from(unsigned lo)
{
	return lo >= 64 ? 0 : ~0ull << lo;
}

static bool long_mode_active(uint64_t efer)
{
	return (efer & VSMM_EFER_LMA) != 0;
}

/* ---------------------------------------------------------------------- */
/* CR0                                                                     */
/* ---------------------------------------------------------------------- */

enum vsmm_reason vsmm__check_cr0_high(uint64_t cr0)
{
	return cr0 >> 32 ? R(CR0_HIGH) : NONE;
}

enum vsmm_reason vsmm__check_cr0_nw_cd(uint64_t cr0)
{
	return (cr0 & VSMM_CR0_NW) && !(cr0 & VSMM_CR0_CD) ? R(CR0_NW_NO_CD) : NONE;
}

enum vsmm_reason vsmm__check_cr0_pg_pe(uint64_t cr0)
{
	return (cr0 & VSMM_CR0_PG) && !(cr0 & VSMM_CR0_PE) ? R(CR0_PG_NO_PE) : NONE;
}

/* Turning paging on with EFER.LME=1 activates IA-32e mode, which needs PAE
 * (SDM Vol.3A 10.8.5).  Only the 0->1 transition of PG is the rule. */
enum vsmm_reason vsmm__check_cr0_pg_lme_pae(uint64_t old_cr0, uint64_t cr0,
					    uint64_t efer, uint64_t cr4)
{
	bool enabling = !(old_cr0 & VSMM_CR0_PG) && (cr0 & VSMM_CR0_PG);

	if (enabling && (efer & VSMM_EFER_LME) && !(cr4 & VSMM_CR4_PAE))
		return R(CR0_PG_LME_NO_PAE);
	return NONE;
}

/* IA32_VMX_CR0_FIXED0 on every VMX processor has PE, NE and PG. */
enum vsmm_reason vsmm__check_cr0_vmx_fixed(bool vmx_on, uint64_t cr0)
{
	const uint64_t fixed = VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;

	return vmx_on && (cr0 & fixed) != fixed ? R(CR0_VMX_FIXED) : NONE;
}

/* ---------------------------------------------------------------------- */
/* CR3                                                                     */
/* ---------------------------------------------------------------------- */

/* With PCIDE, bit 63 of a MOV to CR3 is "no flush", not an address bit. */
enum vsmm_reason vsmm__check_cr3_reserved(const struct vsmm_model *model,
					  uint64_t cr3, bool pcide)
{
	if (pcide)
		cr3 &= ~(1ull << 63);
	return (cr3 & bits_from(model->maxphyaddr)) ? R(CR3_RESERVED) : NONE;
}

/* ---------------------------------------------------------------------- */
/* CR4                                                                     */
/* ---------------------------------------------------------------------- */

/* Each defined CR4 bit and the CPUID feature that makes it writable. */
#define CR4_GATES(X)                                                      \
	X(VME, VME)             X(PVI, VME)             X(TSD, TSC)       \
	X(DE, DE)               X(PSE, PSE)             X(PAE, PAE)       \
	X(MCE, MCE)             X(PGE, PGE)             X(PCE, PCE)       \
	X(OSFXSR, FXSR)         X(OSXMMEXCPT, SSE)      X(UMIP, UMIP)     \
	X(LA57, LA57)           X(VMXE, VMX)            X(SMXE, SMX)      \
	X(FSGSBASE, FSGSBASE)   X(PCIDE, PCID)          X(OSXSAVE, XSAVE) \
	X(SMEP, SMEP)           X(SMAP, SMAP)           X(PKE, PKU)       \
	X(CET, CET)             X(PKS, PKS)

/* The number of the bit a one-bit mask has, as a constant expression. */
#define BIT_NUMBER(m)                                                     \
	((((m) & 0xaaaaaaaaaaaaaaaaull) ? 1 : 0) |                        \
	 (((m) & 0xccccccccccccccccull) ? 2 : 0) |                        \
	 (((m) & 0xf0f0f0f0f0f0f0f0ull) ? 4 : 0) |                        \
	 (((m) & 0xff00ff00ff00ff00ull) ? 8 : 0) |                        \
	 (((m) & 0xffff0000ffff0000ull) ? 16 : 0) |                       \
	 (((m) & 0xffffffff00000000ull) ? 32 : 0))

#define CR4_GATE_ENTRY(bit, feature) \
	[BIT_NUMBER(VSMM_CR4_##bit)] = VSMM_FEAT_##feature,
#define CR4_DEFINED_BIT(bit, feature) VSMM_CR4_##bit |
#define CR4_DEFINED (CR4_GATES(CR4_DEFINED_BIT) 0)

/* The feature that gates each CR4 bit, by bit number (0: undefined bit). */
static const uint64_t cr4_gate[64] = { CR4_GATES(CR4_GATE_ENTRY) };

/* Bits no processor of the model's generation defines (15, 19, 25+). */
enum vsmm_reason vsmm__check_cr4_reserved(uint64_t cr4)
{
	return (cr4 & ~CR4_DEFINED) ? R(CR4_RESERVED) : NONE;
}

/* The number of the lowest set bit of v (v != 0). */
static unsigned lowest_bit(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
	return (unsigned)__builtin_ctzll(v);
#else
	unsigned n = 0;

	for (; !(v & 1); v >>= 1)
		n++;
	return n;
#endif
}

/*
 * A defined bit whose CPUID feature the model lacks is reserved for it.
 * Visits the bits that are set (a handful), not all 23 gates: RSM runs
 * this on every CR4 load, and the walk of the gates was most of its cost.
 */
enum vsmm_reason vsmm__check_cr4_features(const struct vsmm_model *model,
					  uint64_t cr4)
{
	for (uint64_t bits = cr4 & CR4_DEFINED; bits; bits &= bits - 1) {
		if (!(model->features & cr4_gate[lowest_bit(bits)]))
			return R(CR4_UNSUPPORTED);
	}
	return NONE;
}

/* Default treatment of SMM (SDM Vol.3C 33.14.1): VMX cannot be enabled in
 * SMM; KVM's vmx_set_cr4 refuses VMXE while is_smm().  `rule` says whether
 * the vendor has this rule at all. */
enum vsmm_reason vsmm__check_cr4_vmxe_in_smm(bool rule, bool smm, uint64_t cr4)
{
	return rule && smm && (cr4 & VSMM_CR4_VMXE) ? R(CR4_VMXE_IN_SMM) : NONE;
}

/* IA32_VMX_CR4_FIXED0 has VMXE: it cannot be cleared in VMX operation. */
enum vsmm_reason vsmm__check_cr4_vmx_fixed(bool vmx_on, uint64_t cr4)
{
	return vmx_on && !(cr4 & VSMM_CR4_VMXE) ? R(CR4_VMX_FIXED) : NONE;
}

/* MOV CR4 setting PCIDE needs IA-32e mode (SDM Vol.2 MOV CR #GP list). */
enum vsmm_reason vsmm__check_cr4_pcide_lma(uint64_t old_cr4, uint64_t cr4,
					   uint64_t efer)
{
	bool setting = !(old_cr4 & VSMM_CR4_PCIDE) && (cr4 & VSMM_CR4_PCIDE);

	return setting && !long_mode_active(efer) ? R(CR4_PCIDE_NO_LMA) : NONE;
}

/* ... and CR3[11:0] = 0, because those bits become the current PCID. */
enum vsmm_reason vsmm__check_cr4_pcide_cr3(uint64_t old_cr4, uint64_t cr4,
					   uint64_t cr3)
{
	bool setting = !(old_cr4 & VSMM_CR4_PCIDE) && (cr4 & VSMM_CR4_PCIDE);

	return setting && (cr3 & 0xfffu) ? R(CR4_PCIDE_CR3) : NONE;
}

enum vsmm_reason vsmm__check_cr4_pae_lm(uint64_t cr4, uint64_t efer)
{
	return long_mode_active(efer) && !(cr4 & VSMM_CR4_PAE) ? R(CR4_PAE_IN_LM)
							       : NONE;
}

enum vsmm_reason vsmm__check_cr4_la57_lm(uint64_t old_cr4, uint64_t cr4,
					 uint64_t efer)
{
	bool changes = ((old_cr4 ^ cr4) & VSMM_CR4_LA57) != 0;

	return long_mode_active(efer) && changes ? R(CR4_LA57_IN_LM) : NONE;
}

/* Hardware keeps CR4.VMXE in an internal record across SMM and refuses an
 * image that sets it (SDM Vol.3C 33.14.1, default treatment of RSM). */
enum vsmm_reason vsmm__check_cr4_vmxe_image(uint64_t cr4)
{
	return (cr4 & VSMM_CR4_VMXE) ? R(CR4_VMXE_IMAGE) : NONE;
}

/* ---------------------------------------------------------------------- */
/* EFER                                                                    */
/* ---------------------------------------------------------------------- */

/*
 * Bits vsmm knows.  LMSLE and TCE are treated as reserved: KVM never
 * exposes LMSLE and vsmm models no TCE feature.
 */
#define EFER_KNOWN (VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA | \
		    VSMM_EFER_NXE | VSMM_EFER_SVME | VSMM_EFER_FFXSR)

enum vsmm_reason vsmm__check_efer_reserved(uint64_t efer)
{
	return (efer & ~(uint64_t)EFER_KNOWN) ? R(EFER_RESERVED) : NONE;
}

enum vsmm_reason vsmm__check_efer_features(const struct vsmm_model *model,
					   uint64_t efer)
{
	const uint64_t f = model->features;

	if ((efer & (VSMM_EFER_LME | VSMM_EFER_LMA)) && !model->long_mode)
		return R(EFER_UNSUPPORTED);
	if ((efer & VSMM_EFER_NXE) && !(f & VSMM_FEAT_NX))
		return R(EFER_UNSUPPORTED);
	if ((efer & VSMM_EFER_SVME) && !(f & VSMM_FEAT_SVM))
		return R(EFER_UNSUPPORTED);
	if ((efer & VSMM_EFER_FFXSR) && !(f & VSMM_FEAT_FFXSR))
		return R(EFER_UNSUPPORTED);
	if ((efer & VSMM_EFER_SCE) && !(f & VSMM_FEAT_SYSCALL))
		return R(EFER_UNSUPPORTED);
	return NONE;
}

/* ---------------------------------------------------------------------- */
/* DR6 / DR7, PDPTEs                                                       */
/* ---------------------------------------------------------------------- */

enum vsmm_reason vsmm__check_dr6_high(uint64_t dr6)
{
	return dr6 >> 32 ? R(DR6_HIGH) : NONE;
}

enum vsmm_reason vsmm__check_dr7_high(uint64_t dr7)
{
	return dr7 >> 32 ? R(DR7_HIGH) : NONE;
}

/*
 * SDM Vol.3A 4.4.1, table "Format of a PAE Page-Directory-Pointer-Table
 * Entry": bits 2:1 and 8:5 are reserved, and so is everything from
 * MAXPHYADDR up to bit 63 -- bit 63 included, because a PDPTE has no XD
 * bit even with EFER.NXE=1.  Only present entries are checked.
 */
enum vsmm_reason vsmm__check_pdpte(const struct vsmm_model *model, uint64_t pdpte)
{
	const uint64_t rsvd = 0x1e6u | bits_from(model->maxphyaddr);

	if (!(pdpte & 1))
		return NONE;
	return (pdpte & rsvd) ? R(PDPTE_RESERVED) : NONE;
}

/* ---------------------------------------------------------------------- */
/* Whole-image rules of hardware RSM                                       */
/* ---------------------------------------------------------------------- */

/* EFER.LMA = 1 if and only if CR0.PE, CR0.PG, CR4.PAE and EFER.LME are all
 * 1 (the long-mode consistency rule of RSM; Bochs checks the same). */
enum vsmm_reason vsmm__check_lma_consistent(uint64_t cr0, uint64_t cr4,
					    uint64_t efer)
{
	bool all = (cr0 & VSMM_CR0_PE) && (cr0 & VSMM_CR0_PG) &&
		   (cr4 & VSMM_CR4_PAE) && (efer & VSMM_EFER_LME);

	return all != long_mode_active(efer) ? R(LMA_INCONSISTENT) : NONE;
}

/* Virtual-8086 mode does not exist in IA-32e mode. */
enum vsmm_reason vsmm__check_rflags_vm_lm(uint64_t rflags, uint64_t efer)
{
	return (rflags & VSMM_RFLAGS_VM) && long_mode_active(efer)
		       ? R(RFLAGS_VM_IN_LM) : NONE;
}

enum vsmm_reason vsmm__check_svm_supported(const struct vsmm_model *model)
{
	return (model->features & VSMM_FEAT_SVM) ? NONE : R(SVM_NOT_SUPPORTED);
}

enum vsmm_reason vsmm__check_svm_svme(uint64_t image_efer)
{
	return (image_efer & VSMM_EFER_SVME) ? NONE : R(SVM_SVME_CLEAR);
}

/* ---------------------------------------------------------------------- */
/* Composite checks: the predicates of one register write, in order         */
/* ---------------------------------------------------------------------- */

#define TRY VSMM__TRY

/* KVM kvm_set_cr0 / kvm_is_valid_cr0, then the vendor's fixed bits. */
enum vsmm_reason vsmm__check_cr0_write(const struct vsmm__cpu_view *v, uint64_t cr0)
{
	TRY(vsmm__check_cr0_high(cr0));
	TRY(vsmm__check_cr0_nw_cd(cr0));
	TRY(vsmm__check_cr0_pg_pe(cr0));
	if (v->vmx_fixed)
		TRY(vsmm__check_cr0_vmx_fixed(v->vmx_on, cr0));
	if (v->lme_needs_pae)
		TRY(vsmm__check_cr0_pg_lme_pae(v->cr0, cr0, v->efer, v->cr4));
	return NONE;
}

/* KVM kvm_set_cr3: a legal GPA for the model, judged with the current
 * CR4.PCIDE. */
enum vsmm_reason vsmm__check_cr3_write(const struct vsmm__cpu_view *v, uint64_t cr3)
{
	return vsmm__check_cr3_reserved(v->model, cr3,
					(v->cr4 & VSMM_CR4_PCIDE) != 0);
}

/* KVM kvm_set_cr4: reserved and CPUID-gated bits, the vendor's rules, then
 * the transition rules. */
enum vsmm_reason vsmm__check_cr4_write(const struct vsmm__cpu_view *v, uint64_t cr4)
{
	TRY(vsmm__check_cr4_reserved(cr4));
	TRY(vsmm__check_cr4_features(v->model, cr4));
	TRY(vsmm__check_cr4_vmxe_in_smm(v->vmxe_smm_rule, v->smm, cr4));
	if (v->vmx_fixed)
		TRY(vsmm__check_cr4_vmx_fixed(v->vmx_on, cr4));
	TRY(vsmm__check_cr4_pae_lm(cr4, v->efer));
	TRY(vsmm__check_cr4_la57_lm(v->cr4, cr4, v->efer));
	TRY(vsmm__check_cr4_pcide_lma(v->cr4, cr4, v->efer));
	TRY(vsmm__check_cr4_pcide_cr3(v->cr4, cr4, v->cr3));
	return NONE;
}

/* A guest-initiated WRMSR to EFER (KVM set_efer). */
enum vsmm_reason vsmm__check_efer_write(const struct vsmm__cpu_view *v, uint64_t efer)
{
	TRY(vsmm__check_efer_reserved(efer));
	TRY(vsmm__check_efer_features(v->model, efer));
	return NONE;
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

#define SEG_TYPE(attr) ((attr) & VSMM_SEG_TYPE_MASK)
#define SEG_DPL(attr) (((attr) & VSMM_SEG_DPL_MASK) >> VSMM_SEG_DPL_SHIFT)
#define SEG_CODE 0x8u      /* type bit 3: code segment */
#define SEG_CONFORMING 0x4u /* type bit 2 of a code segment */
#define SEG_READABLE 0x2u  /* type bit 1 of a code segment */
#define SEG_ACCESSED 0x1u  /* type bit 0 */
#define SEL_TI 0x4u        /* selector bit 2: LDT */

bool vsmm__seg_usable(const struct vsmm_seg *s)
{
	return (s->attr & VSMM_SEG_P) != 0;
}

/* Bits 63:width-1 all equal (width = the model's linear-address bits). */
bool vsmm__canonical(uint64_t v, unsigned width)
{
	uint64_t top = v >> (width - 1);

	return top == 0 || top == (~0ull >> (width - 1));
}

enum vsmm_reason vsmm__check_rip_canonical(uint64_t rip, unsigned width)
{
	return vsmm__canonical(rip, width) ? NONE : R(RIP_NONCANONICAL);
}

enum vsmm_reason vsmm__check_cs_l_d(uint16_t cs_attr, uint64_t efer)
{
	const uint16_t ld = VSMM_SEG_L | VSMM_SEG_DB;

	return long_mode_active(efer) && (cs_attr & ld) == ld ? R(CS_L_AND_D) : NONE;
}

/* CS, SS, DS and ES have 32-bit bases (CS always, the others if usable). */
enum vsmm_reason vsmm__check_base_high(uint64_t base)
{
	return base >> 32 ? R(SEG_BASE_HIGH) : NONE;
}

enum vsmm_reason vsmm__check_base_canonical(uint64_t base, unsigned width)
{
	return vsmm__canonical(base, width) ? NONE : R(SEG_BASE_NONCANONICAL);
}

enum vsmm_reason vsmm__check_dtable_canonical(uint64_t base, unsigned width)
{
	return vsmm__canonical(base, width) ? NONE : R(DTABLE_BASE_NONCANONICAL);
}

/* A processor without long mode has 32-bit base registers. */
enum vsmm_reason vsmm__check_base_32(uint64_t base)
{
	return base >> 32 ? R(BASE_ABOVE_4G) : NONE;
}

/* G=1 scales the descriptor's limit by 4 KiB and fills bits 11:0 with
 * ones; G=0 leaves a 20-bit limit. */
enum vsmm_reason vsmm__check_seg_limit(const struct vsmm_seg *s)
{
	if ((s->attr & VSMM_SEG_G) && (s->limit & 0xfffu) != 0xfffu)
		return R(SEG_LIMIT_GRANULARITY);
	if (!(s->attr & VSMM_SEG_G) && (s->limit >> 20))
		return R(SEG_LIMIT_GRANULARITY);
	return NONE;
}

/* CS outside virtual-8086 mode: an accessed code segment, or (unrestricted
 * guest) a read/write accessed data segment at DPL 0; the DPL of a
 * non-conforming code segment is the CPL, SS.DPL. */
enum vsmm_reason vsmm__check_cs_attr(uint16_t cs, uint16_t ss)
{
	unsigned type = SEG_TYPE(cs), dpl = SEG_DPL(cs), ss_dpl = SEG_DPL(ss);

	if (!(cs & VSMM_SEG_P) || !(cs & VSMM_SEG_S))
		return R(CS_ATTR);
	if (type == 0x3u)
		return dpl == 0 ? NONE : R(CS_ATTR);
	if (!(type & SEG_CODE) || !(type & SEG_ACCESSED))
		return R(CS_ATTR);
	if (type & SEG_CONFORMING)
		return dpl <= ss_dpl ? NONE : R(CS_ATTR);
	return dpl == ss_dpl ? NONE : R(CS_ATTR);
}

/* SS: if usable a read/write accessed data segment (types 3 and 7); its
 * DPL, the CPL, is 0 in real mode and with a data-segment CS. */
enum vsmm_reason vsmm__check_ss_attr(uint16_t ss, uint16_t cs, bool pe)
{
	unsigned type = SEG_TYPE(ss);

	if ((!pe || SEG_TYPE(cs) == 0x3u) && SEG_DPL(ss) != 0)
		return R(SS_ATTR);
	if (!(ss & VSMM_SEG_P))
		return NONE;
	if (!(ss & VSMM_SEG_S) || (type != 0x3u && type != 0x7u))
		return R(SS_ATTR);
	return NONE;
}

/* DS, ES, FS, GS if usable: accessed, and a code segment only if readable. */
enum vsmm_reason vsmm__check_data_attr(uint16_t attr)
{
	unsigned type = SEG_TYPE(attr);

	if (!(attr & VSMM_SEG_P))
		return NONE;
	if (!(attr & VSMM_SEG_S) || !(type & SEG_ACCESSED))
		return R(DATA_SEG_ATTR);
	if ((type & SEG_CODE) && !(type & SEG_READABLE))
		return R(DATA_SEG_ATTR);
	return NONE;
}

/* TR: always usable, a busy TSS (16- or 32-bit outside IA-32e mode, 64-bit
 * in it), a system descriptor, selected from the GDT. */
enum vsmm_reason vsmm__check_tr(const struct vsmm_seg *tr, uint64_t efer)
{
	unsigned type = SEG_TYPE(tr->attr);
	bool lm = long_mode_active(efer);

	if ((tr->selector & SEL_TI) || !(tr->attr & VSMM_SEG_P) ||
	    (tr->attr & VSMM_SEG_S))
		return R(TR_ATTR);
	if (type != 0xbu && (lm || type != 0x3u))
		return R(TR_ATTR);
	return NONE;
}

/* LDTR if usable: an LDT descriptor selected from the GDT. */
enum vsmm_reason vsmm__check_ldtr(const struct vsmm_seg *ldtr)
{
	if (!(ldtr->attr & VSMM_SEG_P))
		return NONE;
	if ((ldtr->selector & SEL_TI) || (ldtr->attr & VSMM_SEG_S) ||
	    SEG_TYPE(ldtr->attr) != 0x2u)
		return R(LDTR_ATTR);
	return NONE;
}

/* HLT is a CPL-0 instruction: no CPU halts with SS.DPL != 0, and VM entry
 * refuses the HLT activity state there. */
enum vsmm_reason vsmm__check_hlt_cpl(bool halted, uint16_t ss)
{
	return halted && SEG_DPL(ss) != 0 ? R(HLT_NOT_CPL0) : NONE;
}
