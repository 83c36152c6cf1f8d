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
};
