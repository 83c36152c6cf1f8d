/* SPDX-License-Identifier: MIT */
/*
 * Save and restore of what vsmm keeps per vCPU around SMM (KVM's
 * kvm_vcpu_events.smi, the NMI state, the nested-in-SMM flags and the
 * hardware-semantics records), as a struct or a fixed 32-byte
 * little-endian blob:
 *
 *   0  u32  magic "VSMM" (0x4d4d5356)     12 u32  SMBASE
 *   4  u16  version (1)                   16 u64  I/O instruction RIP
 *   6  u16  flag bits (FLAG_* below)      24 u64  reserved, zero
 *   8  u8   semantics, 9..11 zero
 *
 * Import refuses anything inconsistent and then changes nothing.
 */
#include <string.h>

#include "core.h"
#include "cpu/vendor.h"

#define BLOB_MAGIC 0x4d4d5356u
#define BLOB_VERSION 1u

enum {
	FLAG_SMM = 1u << 0,
	FLAG_SMI_PENDING = 1u << 1,
	FLAG_INSIDE_NMI = 1u << 2,
	FLAG_INIT_LATCHED = 1u << 3,
	FLAG_NMI_MASKED = 1u << 4,
	FLAG_NMI_PENDING = 1u << 5,
	FLAG_SMM_VMXON = 1u << 6,
	FLAG_SMM_GUEST_MODE = 1u << 7,
	FLAG_HW_VMXE = 1u << 8,
	FLAG_SMI_HALTED = 1u << 9,
	FLAG_IO_VALID = 1u << 10,
	FLAG_ALL = (1u << 11) - 1,
};

int vsmm_smm_save(const struct vsmm_vcpu *vcpu, struct vsmm_smm_snapshot *out)
{
	if (!vcpu || !out)
		return VSMM_E_INVAL;
	const struct vsmm_cpu_state *st = &vcpu->state;

	*out = (struct vsmm_smm_snapshot){
		.smm = st->smm,
		.smi_pending = st->smi_pending,
		.smm_inside_nmi = st->smm_inside_nmi,
		.init_latched = st->init_latched,
		.nmi_masked = st->nmi_masked,
		.nmi_pending = st->nmi_pending,
		.smm_vmxon = vcpu->priv.smm_vmxon,
		.smm_guest_mode = vcpu->priv.smm_guest_mode,
		.hw_vmxe = vcpu->priv.hw_vmxe,
		.smi_halted = vcpu->priv.smi_halted,
		.io_valid = vcpu->priv.io_valid,
		.semantics = vcpu->semantics,
		.smbase = st->smbase,
		.io_insn_rip = vcpu->priv.io_insn_rip,
	};
	return VSMM_OK;
}

/* Records that exist only between an SMI and its RSM. */
static bool smm_only_flags(const struct vsmm_smm_snapshot *in)
{
	return in->smm_inside_nmi || in->smm_vmxon || in->smm_guest_mode || in->hw_vmxe ||
	       in->smi_halted || in->io_valid;
}

/* Records that only hardware semantics writes. */
static bool hardware_only_flags(const struct vsmm_smm_snapshot *in)
{
	return in->hw_vmxe || in->smi_halted || in->io_valid;
}

static bool consistent(const struct vsmm_vcpu *vcpu, const struct vsmm_smm_snapshot *in)
{
	const struct vsmm__vendor_ops *vendor = vsmm__vendor_get(vcpu->model);

	if ((unsigned)in->semantics >= VSMM_SEMANTICS_COUNT)
		return false;
	if (!in->smm && smm_only_flags(in))
		return false;
	if (in->semantics != VSMM_SEMANTICS_HARDWARE && hardware_only_flags(in))
		return false;
	/* VMX records need a vendor that keeps them and a model with VMX: a
	 * CPU without VMX was never in VMX operation, nor had CR4.VMXE (KVM
	 * refuses these nested-state flags without VMX in CPUID). */
	bool vmx_records = in->smm_vmxon || in->smm_guest_mode || in->hw_vmxe;
	if (vmx_records &&
	    (!vendor->has_vmx_state || !(vcpu->model->features & VSMM_FEAT_VMX)))
		return false;
	/* A nested guest runs only in VMX operation. */
	if (in->smm_guest_mode && !in->smm_vmxon)
		return false;
	/* SMM is entered with VMX operation and the nested guest left. */
	if (in->smm && (vcpu->state.vmx_on || vcpu->state.guest_mode))
		return false;
	/* The I/O RIP means something only with the record. */
	if (!in->io_valid && in->io_insn_rip)
		return false;
	return true;
}

int vsmm_smm_restore(struct vsmm_vcpu *vcpu, const struct vsmm_smm_snapshot *in)
{
	if (!vcpu || !in || !vcpu->model || !vsmm__vendor_get(vcpu->model))
		return VSMM_E_INVAL;
	if (!consistent(vcpu, in))
		return VSMM_E_INCONSISTENT;
	struct vsmm_cpu_state *st = &vcpu->state;

	st->smm = in->smm;
	st->smi_pending = in->smi_pending;
	st->smm_inside_nmi = in->smm_inside_nmi;
	st->init_latched = in->init_latched;
	st->nmi_masked = in->nmi_masked;
	st->nmi_pending = in->nmi_pending;
	st->smbase = in->smbase;
	vcpu->priv.smm_vmxon = in->smm_vmxon;
	vcpu->priv.smm_guest_mode = in->smm_guest_mode;
	vcpu->priv.hw_vmxe = in->hw_vmxe;
	vcpu->priv.smi_halted = in->smi_halted;
	vcpu->priv.io_valid = in->io_valid;
	vcpu->priv.io_insn_rip = in->io_insn_rip;
	vcpu->semantics = in->semantics;
	return VSMM_OK;
}

static uint16_t flags_of(const struct vsmm_smm_snapshot *s)
{
	return (uint16_t)((s->smm ? FLAG_SMM : 0) |
			  (s->smi_pending ? FLAG_SMI_PENDING : 0) |
			  (s->smm_inside_nmi ? FLAG_INSIDE_NMI : 0) |
			  (s->init_latched ? FLAG_INIT_LATCHED : 0) |
			  (s->nmi_masked ? FLAG_NMI_MASKED : 0) |
			  (s->nmi_pending ? FLAG_NMI_PENDING : 0) |
			  (s->smm_vmxon ? FLAG_SMM_VMXON : 0) |
			  (s->smm_guest_mode ? FLAG_SMM_GUEST_MODE : 0) |
			  (s->hw_vmxe ? FLAG_HW_VMXE : 0) |
			  (s->smi_halted ? FLAG_SMI_HALTED : 0) |
			  (s->io_valid ? FLAG_IO_VALID : 0));
}

int vsmm_smm_export(const struct vsmm_vcpu *vcpu, uint8_t out[VSMM_SMM_BLOB_SIZE])
{
	struct vsmm_smm_snapshot s;
	int rc = vsmm_smm_save(vcpu, &s);

	if (rc != VSMM_OK || !out)
		return rc != VSMM_OK ? rc : VSMM_E_INVAL;
	memset(out, 0, VSMM_SMM_BLOB_SIZE);
	vsmm__st32(out + 0, BLOB_MAGIC);
	vsmm__st16(out + 4, BLOB_VERSION);
	vsmm__st16(out + 6, flags_of(&s));
	vsmm__st8(out + 8, (uint8_t)s.semantics);
	vsmm__st32(out + 12, s.smbase);
	vsmm__st64(out + 16, s.io_insn_rip);
	return VSMM_OK;
}

static bool zero_bytes(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

/* Parse the blob's framing; the meaning is judged by vsmm_smm_restore. */
static bool parse_blob(const uint8_t *b, struct vsmm_smm_snapshot *s)
{
	uint16_t flags = vsmm__ld16(b + 6);

	if (vsmm__ld32(b) != BLOB_MAGIC || vsmm__ld16(b + 4) != BLOB_VERSION)
		return false;
	if (flags & ~FLAG_ALL)
		return false;
	if (!zero_bytes(b + 9, 3) || !zero_bytes(b + 24, 8))
		return false;
	*s = (struct vsmm_smm_snapshot){
		.smm = flags & FLAG_SMM,
		.smi_pending = flags & FLAG_SMI_PENDING,
		.smm_inside_nmi = flags & FLAG_INSIDE_NMI,
		.init_latched = flags & FLAG_INIT_LATCHED,
		.nmi_masked = flags & FLAG_NMI_MASKED,
		.nmi_pending = flags & FLAG_NMI_PENDING,
		.smm_vmxon = flags & FLAG_SMM_VMXON,
		.smm_guest_mode = flags & FLAG_SMM_GUEST_MODE,
		.hw_vmxe = flags & FLAG_HW_VMXE,
		.smi_halted = flags & FLAG_SMI_HALTED,
		.io_valid = flags & FLAG_IO_VALID,
		.semantics = (enum vsmm_semantics)vsmm__ld8(b + 8),
		.smbase = vsmm__ld32(b + 12),
		.io_insn_rip = vsmm__ld64(b + 16),
	};
	return true;
}

int vsmm_smm_import(struct vsmm_vcpu *vcpu, const uint8_t *blob, size_t len)
{
	struct vsmm_smm_snapshot s;

	if (!vcpu || !blob)
		return VSMM_E_INVAL;
	if (len != VSMM_SMM_BLOB_SIZE || !parse_blob(blob, &s))
		return VSMM_E_INCONSISTENT;
	return vsmm_smm_restore(vcpu, &s);
}
