/* SPDX-License-Identifier: MIT */
/*
 * VMX treatment of SMM (the default treatment, SDM Vol.3C 33.14; KVM
 * vmx_enter_smm / vmx_leave_smm).  The processor leaves VMX operation on
 * an SMI and keeps "was in VMX operation" and "was in VMX non-root"
 * internally; RSM restores both.  Under hardware semantics it also keeps
 * CR4.VMXE out of the image.
 */
#include "vendor.h"

static int vmx_smi(struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	s->priv.smm_guest_mode = s->guest_mode;
	if (s->guest_mode) {
		int rc = vsmm__smi_nested_exit(s, vcpu);
		if (rc != VSMM_OK)
			return rc;
	}
	s->priv.smm_vmxon = s->vmx_on;
	s->vmx_on = false;
	/* Hardware: record CR4.VMXE and clear it before the image is saved. */
	if (!s->rules->vmxe_in_image) {
		s->priv.hw_vmxe = (s->img->cr4 & VSMM_CR4_VMXE) != 0;
		if (s->priv.hw_vmxe)
			vsmm__smi_image(s)->cr4 &= ~VSMM_CR4_VMXE;
	}
	return VSMM_OK;
}

/* SDM Vol.3C table "I/O Instruction Information in the SMM State Save
 * Map" (IOMisc): bit 0 IO_SMI, 3:1 length (001 byte, 010 word, 100
 * dword), 7:4 type, 31:16 port.  The type encodings (table "I/O
 * Instruction Type Encodings": OUT DX 0000, IN imm 1001, REP INS 0111...)
 * read as bit 0 IN, bit 1 string, bit 2 REP, bit 3 immediate port. */
uint32_t vsmm__vmx_io_misc(const struct vsmm_io_smi *io)
{
	uint32_t type = (io->in ? 1u : 0) | (io->string ? 2u : 0) | (io->rep ? 4u : 0) |
			(io->imm ? 8u : 0);

	return 1u | (uint32_t)(io->width & 7u) << 1 | type << 4 |
	       (uint32_t)io->port << 16;
}

const struct vsmm__vendor_ops vsmm__vendor_intel = {
	.name = "intel",
	.native_layout = VSMM_LAYOUT_INTEL64,
	.vmxe_blocked_in_smm = true,
	.has_vmx_state = true,
	.smi = vmx_smi,
};
