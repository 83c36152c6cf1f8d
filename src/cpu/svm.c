/* SPDX-License-Identifier: MIT */
/*
 * SVM treatment of SMM (KVM svm_enter_smm / svm_leave_smm; APM Vol.2
 * 10.3).  SVM keeps its nested state in the image itself: an SMI taken in
 * a nested guest writes the guest flag and the vmcb12 address, and RSM
 * re-enters the guest when it finds them.
 */
#include "vendor.h"

static int svm_smi(struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	if (!s->guest_mode)
		return VSMM_OK;
	/* The 32-bit map has no room for the SVM fields: KVM refuses (and
	 * kills the VM) rather than lose the nested guest. */
	if (!vsmm__layout_field_bound(vsmm_layout_get(s->layout), VSMM__B_SVM_GUEST_FLAG,
				      0))
		return VSMM_E_VENDOR;
	uint64_t vmcb12 = s->svm_vmcb12;
	int rc = vsmm__smi_nested_exit(s, vcpu);
	if (rc != VSMM_OK)
		return rc;
	struct vsmm_image_extras *ex = vsmm__smi_extras(s);
	ex->svm_guest_flag = 1;
	ex->svm_vmcb12_gpa = vmcb12;
	s->svm_vmcb12 = 0;
	return VSMM_OK;
}

/* The image asks for the nested guest back: SVM must exist and the
 * image's EFER must have SVME, or RSM shuts down (KVM svm_leave_smm). */
static enum vsmm_reason svm_rsm_restore(struct vsmm__rsm *r)
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

static void svm_rsm_finish(struct vsmm__rsm *r)
{
	(void)r; /* nothing SVM keeps outside the image */
}

/* APM Vol.2 "I/O trap offset" dword (0x7EC0): bit 0 IN (RW), 1 valid,
 * 2 string, 3 REP, 4/5/6 byte/word/dword size, 31:16 port (the AMD-K5
 * manual has the same bits 0, 1 and 31:16). */
uint32_t vsmm__svm_io_trap(const struct vsmm_io_smi *io)
{
	uint32_t size = io->width == 1 ? 1u : io->width == 2 ? 2u : 4u;

	return (io->in ? 1u : 0) | 2u | (io->string ? 4u : 0) | (io->rep ? 8u : 0) |
	       size << 4 | (uint32_t)io->port << 16;
}

const struct vsmm__vendor_ops vsmm__vendor_amd = {
	.name = "amd",
	.native_layout = VSMM_LAYOUT_AMD64,
	.vmxe_blocked_in_smm = false,
	.has_vmx_state = false,
	.smi = svm_smi,
	.rsm_restore = svm_rsm_restore,
	.rsm_finish = svm_rsm_finish,
};
