/* SPDX-License-Identifier: MIT */
/*
 * VMX treatment of SMM (the default treatment, SDM Vol.3C 33.14; KVM
 * vmx_enter_smm / vmx_leave_smm).  The processor leaves VMX operation on
 * an SMI and keeps "was in VMX operation" and "was in VMX non-root"
 * internally; RSM restores both.  Under hardware semantics it also keeps
 * CR4.VMXE out of the image.
 */
#include "vendor.h"

/* What the processor keeps of VMX operation across SMM, and under
 * hardware semantics CR4.VMXE, recorded and cleared before the image is
 * saved. */
static int vmx_smi_record(struct vsmm__smi *s)
{
	s->priv.smm_vmxon = s->vmx_on;
	s->vmx_on = false;
	if (!s->rules->vmxe_in_image) {
		s->priv.hw_vmxe = (s->img->cr4 & VSMM_CR4_VMXE) != 0;
		if (s->priv.hw_vmxe)
			vsmm__smi_image(s)->cr4 &= ~VSMM_CR4_VMXE;
	}
	return VSMM_OK;
}

/* From non-root operation: the nested exit first (out of line, so that
 * the common SMI keeps no register across a call). */
static VSMM__COLD int vmx_smi_from_guest(struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	int rc = vsmm__smi_nested_exit(s, vcpu);

	return rc != VSMM_OK ? rc : vmx_smi_record(s);
}

static int vmx_smi(struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	s->priv.smm_guest_mode = s->guest_mode;
	if (s->guest_mode)
		return vmx_smi_from_guest(s, vcpu);
	return vmx_smi_record(s);
}

/* KVM: VMX operation comes back before the registers are loaded, so the
 * CR0/CR4 loads are judged in VMX operation (fixed bits). */
static enum vsmm_reason vmx_rsm_restore(struct vsmm__rsm *r)
{
	struct vsmm_vcpu *n = &r->next;

	/* The image asked first: under either semantics its CR4.VMXE is
	 * mostly clear, and the semantics then need not be asked. */
	if (vsmm__check_cr4_vmxe_image(r->img.cr4) != VSMM_REASON_NONE &&
	    !r->rules->vmxe_in_image)
		return vsmm__reject(r, VSMM_REASON_CR4_VMXE_IMAGE, VSMM__FIELD(CR4),
				    r->img.cr4);
	n->state.vmx_on = n->priv.smm_vmxon;
	r->reenter_nested = n->priv.smm_guest_mode; /* VMX needs no VMCB */
	n->state.guest_mode |= r->reenter_nested;
	n->priv.smm_vmxon = false;
	n->priv.smm_guest_mode = false;
	return VSMM_REASON_NONE;
}

/* VMX root operation runs with CS.RPL = SS.RPL = SS.DPL; RSM establishes
 * it outside virtual-8086 mode (SDM Vol.3C "Default Treatment of RSM").
 * RFLAGS.VM means virtual-8086 mode only outside IA-32e mode: the fixed
 * bits may just have turned paging (so LMA) on, and the bit is then
 * dropped (leave.c), so it must not spare the RPLs here. */
static void rpl_from_ss_dpl(struct vsmm_cpu_state *st)
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
static void vmx_rsm_finish(struct vsmm__rsm *r)
{
	struct vsmm_cpu_state *st = &r->next.state;

	if (r->rules->vmx_fixed_checked)
		return;
	if (r->next.priv.hw_vmxe) {
		st->cr4 |= VSMM_CR4_VMXE;
		r->next.priv.hw_vmxe = false; /* used up */
	}
	if (st->vmx_on && !r->reenter_nested) {
		st->cr0 |= VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;
		st->cr4 |= VSMM_CR4_VMXE;
		/* Paging forced on with LME and PAE is long mode, as turning
		 * PG on always is: keep EFER.LMA consistent. */
		if ((st->efer & VSMM_EFER_LME) && (st->cr4 & VSMM_CR4_PAE))
			st->efer |= VSMM_EFER_LMA;
		rpl_from_ss_dpl(st);
		r->fixed_bits_set = true;
	}
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
	.rsm_restore = vmx_rsm_restore,
	.rsm_finish = vmx_rsm_finish,
};
