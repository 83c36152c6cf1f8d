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

	/*
	 * RSM, after the back-to-real-mode steps and before any load: restore
	 * what the vendor kept across SMM (pure; no callbacks).  May reject
	 * the image.
	 */
	enum vsmm_reason (*rsm_restore)(struct vsmm__rsm *r);

	/* RSM, after every register is loaded (hardware fixed bits). */
	void (*rsm_finish)(struct vsmm__rsm *r);
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

#endif /* VSMM_CPU_VENDOR_H */
