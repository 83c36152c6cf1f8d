/* SPDX-License-Identifier: MIT */
/*
 * The vendor interface: what VMX (Intel) and SVM (AMD) add to SMI delivery
 * and RSM.  One const table per vendor; vsmm__vendor_get() is the only place
 * that looks at model->vendor.
 */
#ifndef VSMM_CPU_VENDOR_H
#define VSMM_CPU_VENDOR_H

#include "../core.h"

struct vsmm__vendor_ops {
	const char *name;
	/* The 64-bit map the processor itself writes (hardware semantics). */
	enum vsmm_layout native_layout;
	/* MOV to CR4 refuses VMXE while in SMM (VMX default treatment). */
	bool vmxe_blocked_in_smm;
	/* The vendor has VMX state across SMM (snapshot flags allowed). */
	bool has_vmx_state;

	/*
	 * SMI, before anything is saved: leave the nested guest through the
	 * VMM (ops->nested_leave) and do the pure bookkeeping on s->priv,
	 * s->vmx_on / s->guest_mode / s->svm_vmcb12 (committed to the vCPU
	 * after the write) and the image (vsmm__smi_image(s), s->ex).
	 * Returns VSMM_OK or VSMM_E_VENDOR.
	 */
	int (*smi)(struct vsmm__smi *s, struct vsmm_vcpu *vcpu);
};

extern const struct vsmm__vendor_ops vsmm__vendor_intel;
extern const struct vsmm__vendor_ops vsmm__vendor_amd;

/*
 * The word each vendor's map uses to describe an I/O instruction an SMI
 * interrupted (hardware semantics): Intel's IOMisc (vmx.c), AMD's I/O trap
 * dword (svm.c).  SMI fills both; the layout keeps whichever it has.
 */
uint32_t vsmm__vmx_io_misc(const struct vsmm_io_smi *io);
uint32_t vsmm__svm_io_trap(const struct vsmm_io_smi *io);

/* The table of the model's vendor; NULL for an unknown vendor.  Inline:
 * SMI and RSM look it up several times each. */
static inline const struct vsmm__vendor_ops *
vsmm__vendor_get(const struct vsmm_model *model)
{
	switch (model->vendor) {
	case VSMM_VENDOR_INTEL: return &vsmm__vendor_intel;
	case VSMM_VENDOR_AMD: return &vsmm__vendor_amd;
	default: return NULL;
	}
}

/* vsmm_model_layout with the rules and the vendor looked up (SMI and RSM
 * have them; inline, as the look-ups above). */
static inline enum vsmm_layout vsmm__model_layout(const struct vsmm_model *model,
						  const struct vsmm__rules *rules,
						  const struct vsmm__vendor_ops *vendor)
{
	if (model->layout != VSMM_LAYOUT_AUTO)
		return model->layout;
	if (!model->long_mode)
		return VSMM_LAYOUT_P6_32;
	if (rules->vendor_layout && vendor)
		return vendor->native_layout;
	return VSMM_LAYOUT_AMD64;
}

/* ---------------------------------------------------------------------- */
/* RSM's vendor steps                                                      */
/* ---------------------------------------------------------------------- */

/*
 * What each vendor does in RSM, inline in rsm() (a call through the
 * vendor's table cost more than most of these bodies): vsmm__vendor_rsm_restore
 * after the back-to-real-mode steps and before any load restores what the
 * vendor kept across SMM (pure; no callbacks) and may reject the image;
 * vsmm__vendor_rsm_finish after every register is loaded applies the
 * hardware fixed bits.  VMX (Intel) first, then SVM (AMD), which keeps
 * nothing outside the image and so has no finish.
 */

/* KVM: VMX operation comes back before the registers are loaded, so the
 * CR0/CR4 loads are judged in VMX operation (fixed bits). */
static inline enum vsmm_reason vsmm__vmx_rsm_restore(struct vsmm__rsm *r)
{
	struct vsmm_vcpu *n = &r->next;

	if (!r->rules->vmxe_in_image &&
	    vsmm__check_cr4_vmxe_image(r->img.cr4) != VSMM_REASON_NONE)
		return vsmm__reject(r, VSMM_REASON_CR4_VMXE_IMAGE, VSMM__FIELD(CR4),
				    r->img.cr4);
	n->state.vmx_on = n->priv.smm_vmxon;
	r->reenter_nested = n->priv.smm_guest_mode; /* VMX needs no VMCB */
	if (r->reenter_nested)
		n->state.guest_mode = true;
	n->priv.smm_vmxon = false;
	n->priv.smm_guest_mode = false;
	return VSMM_REASON_NONE;
}

/* VMX root operation runs with CS.RPL = SS.RPL = SS.DPL; RSM establishes
 * it outside virtual-8086 mode (SDM Vol.3C "Default Treatment of RSM").
 * RFLAGS.VM means virtual-8086 mode only outside IA-32e mode: the fixed
 * bits may just have turned paging (so LMA) on, and the bit is then
 * dropped (leave.c), so it must not spare the RPLs here. */
static inline void vsmm__vmx_rpl_from_ss_dpl(struct vsmm_cpu_state *st)
{
	uint16_t dpl = (uint16_t)((st->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) >>
				  VSMM_SEG_DPL_SHIFT);

	if ((st->rflags & VSMM_RFLAGS_VM) && !(st->efer & VSMM_EFER_LMA))
		return;
	st->seg[VSMM_CS].selector = (uint16_t)((st->seg[VSMM_CS].selector & ~3u) | dpl);
	st->seg[VSMM_SS].selector = (uint16_t)((st->seg[VSMM_SS].selector & ~3u) | dpl);
}

/*
 * Hardware: "restore CR4.VMXE from the internal record; if in VMX
 * operation, set to their fixed values any bits in CR0 and CR4 whose values
 * must be fixed in VMX operation" (SDM Vol.3C 33.14.1), then the RPLs.  In
 * non-root the guest's own CR0/CR4 and selectors stay as the image has
 * them (whether L1 runs it as an unrestricted guest is the VMM's).
 */
static inline void vsmm__vmx_rsm_finish(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;

	if (r->rules->vmx_fixed_checked)
		return;
	if (r->next.priv.hw_vmxe)
		st->cr4 |= VSMM_CR4_VMXE;
	r->next.priv.hw_vmxe = false;
	if (st->vmx_on && !r->reenter_nested) {
		st->cr0 |= VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;
		st->cr4 |= VSMM_CR4_VMXE;
		/* Paging forced on with LME and PAE is long mode, as turning
		 * PG on always is: keep EFER.LMA consistent. */
		if ((st->efer & VSMM_EFER_LME) && (st->cr4 & VSMM_CR4_PAE))
			st->efer |= VSMM_EFER_LMA;
		vsmm__vmx_rpl_from_ss_dpl(st);
		r->fixed_bits_set = true;
	}
}

/* The image asks for the nested guest back: SVM must exist and the
 * image's EFER must have SVME, or RSM shuts down (KVM svm_leave_smm). */
static inline enum vsmm_reason vsmm__svm_rsm_restore(struct vsmm__rsm *r)
{
	/* The flag first: it is almost always 0, and the field lookup is a
	 * search of the layout's rows (it is 0 too in maps without the field). */
	if (!r->ex.svm_guest_flag ||
	    !vsmm__layout_field_bound(r->desc, VSMM__B_SVM_GUEST_FLAG, 0))
		return VSMM_REASON_NONE;
	if (vsmm__check_svm_supported(r->next.model) != VSMM_REASON_NONE)
		return vsmm__reject(r, VSMM_REASON_SVM_NOT_SUPPORTED,
				    VSMM__FIELD(SVM_GUEST_FLAG), r->ex.svm_guest_flag);
	if (vsmm__check_svm_svme(r->img.efer) != VSMM_REASON_NONE)
		return vsmm__reject(r, VSMM_REASON_SVM_SVME_CLEAR, VSMM__FIELD(EFER),
				    r->img.efer);
	r->reenter_nested = true;
	r->vmcb12_gpa = r->ex.svm_vmcb12_gpa;
	r->next.state.guest_mode = true;
	r->next.state.svm_vmcb12 = r->ex.svm_vmcb12_gpa;
	return VSMM_REASON_NONE;
}

/* The vendor's restore step: VMX's or SVM's, by the vendor's table. */
static inline enum vsmm_reason vsmm__vendor_rsm_restore(struct vsmm__rsm *r)
{
	if (r->vendor == &vsmm__vendor_intel)
		return vsmm__vmx_rsm_restore(r);
	return vsmm__svm_rsm_restore(r);
}

/* The vendor's finish step (VMX only). */
static inline void vsmm__vendor_rsm_finish(struct vsmm__rsm *r)
{
	if (r->vendor == &vsmm__vendor_intel)
		vsmm__vmx_rsm_finish(r);
}

#endif /* VSMM_CPU_VENDOR_H */
