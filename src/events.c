/* SPDX-License-Identifier: MIT */
/*
 * Events around SMM (KVM's SMI/NMI/INIT handling in x86.c and lapic.c;
 * SDM Vol.3C "NMI Handling While in SMM"): SMI is one pending bit, blocked in
 * SMM; INIT is latched in SMM; NMI is blocked by the NMI mask, which SMM
 * entry sets.  The VMM asks vsmm_next_event() what to deliver.
 */
#include "core.h"

int vsmm_raise_smi(struct vsmm_vcpu *vcpu)
{
	if (!vcpu)
		return VSMM_E_INVAL;
	vcpu->state.smi_pending = true; /* a flag: several SMIs are one */
	return VSMM_OK;
}

int vsmm_raise_nmi(struct vsmm_vcpu *vcpu)
{
	if (!vcpu)
		return VSMM_E_INVAL;
	vcpu->state.nmi_pending = true;
	return VSMM_OK;
}

/* INIT is one latch: in SMM it waits for RSM, outside it is delivered
 * at the next vsmm_next_event(). */
int vsmm_raise_init(struct vsmm_vcpu *vcpu)
{
	if (!vcpu)
		return VSMM_E_INVAL;
	vcpu->state.init_latched = true;
	return VSMM_OK;
}

/* INIT waits in SMM (KVM kvm_apic_init_sipi_allowed) and in VMX root
 * operation (SDM Vol.3C "Restrictions on VMX Operation"); in VMX non-root
 * it is delivered and becomes a VM exit in the VMM. */
static bool init_blocked(const struct vsmm_cpu_state *st)
{
	return st->smm || (st->vmx_on && !st->guest_mode);
}

/* NMI waits while masked and, as KVM's vmx_nmi_blocked and svm_nmi_blocked
 * have it, for one instruction in an STI or MOV-SS shadow (SDM Vol.2 STI:
 * NMIs may be inhibited after STI). */
static bool nmi_blocked(const struct vsmm_cpu_state *st)
{
	return st->nmi_masked || st->int_shadow != 0;
}

/* Priority SMI > INIT > NMI (SDM Vol.3A table "Priority Among Concurrent
 * Events"); SMI waits while in SMM (never for a shadow: neither VMX nor SVM
 * offers KVM an SMI window), NMI while
 * blocked. */
enum vsmm_event vsmm_next_event(const struct vsmm_vcpu *vcpu)
{
	if (!vcpu || vcpu->state.shutdown)
		return VSMM_EVENT_NONE;
	const struct vsmm_cpu_state *st = &vcpu->state;

	if (st->smi_pending && !st->smm)
		return VSMM_EVENT_SMI;
	if (st->init_latched && !init_blocked(st))
		return VSMM_EVENT_INIT;
	if (st->nmi_pending && !nmi_blocked(st))
		return VSMM_EVENT_NMI;
	return VSMM_EVENT_NONE;
}

/* SMI is acknowledged by vsmm_enter_smm() itself, never here. */
int vsmm_ack_event(struct vsmm_vcpu *vcpu, enum vsmm_event event)
{
	if (!vcpu)
		return VSMM_E_INVAL;
	struct vsmm_cpu_state *st = &vcpu->state;

	switch (event) {
	case VSMM_EVENT_NMI:
		if (!st->nmi_pending || nmi_blocked(st))
			return VSMM_E_STATE;
		st->nmi_pending = false;
		st->nmi_masked = true; /* blocked until IRET */
		return VSMM_OK;
	case VSMM_EVENT_INIT:
		if (!st->init_latched || init_blocked(st))
			return VSMM_E_STATE;
		st->init_latched = false;
		return VSMM_OK;
	default: return VSMM_E_INVAL;
	}
}
