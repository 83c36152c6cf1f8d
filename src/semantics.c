/* SPDX-License-Identifier: MIT */
/*
 * The two rule sets a vCPU can follow.  Each row of docs/compat.md that
 * differs between KVM and the manuals is one flag here.
 */
#include <string.h>

#include "core.h"

const struct vsmm__rules vsmm__rules_table[VSMM_SEMANTICS_COUNT] = {
	[VSMM_SEMANTICS_KVM] = {
		.name = "kvm",
		.vendor_layout = false,     /* KVM: AMD64 map for every LM guest */
		.idtr_zeroed = true,        /* KVM enter_smm: IDT base 0 limit 0 */
		.cr0_low_dword = false,     /* kvm_set_cr0 refuses CR0[63:32] */
		.cr0_lme_needs_pae = true,  /* kvm_set_cr0 on PG 0->1 with LME */
		.image_consistency = false, /* no LMA / RFLAGS.VM rule in KVM */
		.vmxe_in_image = true,      /* VMXE saved and restored via image */
		.vmx_fixed_checked = true,  /* vmx_is_valid_cr0/cr4 */
		.auto_hlt_restart = false,  /* written 0, ignored */
		.io_restart = false,        /* not implemented by KVM */
		.base_high_masked = false,  /* loaded; the next VM entry fails */
	},
	[VSMM_SEMANTICS_HARDWARE] = {
		.name = "hardware",
		.vendor_layout = true,      /* Intel writes its native map */
		.idtr_zeroed = false,       /* SDM SMM initial state: IDTR not listed */
		.cr0_low_dword = true,      /* RSM reads the low dword of CR0 */
		/* The SDM's RSM list lacks this MOV CR0 rule and Bochs resumes
		 * (LME=1, PG=1, LMA=0), but no VM entry (LME must equal LMA
		 * with PG) nor VMRUN (LME+PG needs PAE) accepts that state:
		 * vsmm resumes only states a VMM can run (docs/compat.md). */
		.cr0_lme_needs_pae = true,
		.image_consistency = true,  /* SDM Vol.2 RSM; Bochs */
		.vmxe_in_image = false,     /* SDM 33.14.1: internal record */
		.vmx_fixed_checked = false, /* RSM sets the fixed bits */
		.auto_hlt_restart = true,   /* SDM 33.13.1 */
		.io_restart = true,         /* SDM 33.13.2 */
		.base_high_masked = true,   /* 32-bit base registers */
	},
};

const char *vsmm_semantics_name(enum vsmm_semantics semantics)
{
	if ((unsigned)semantics >= VSMM_SEMANTICS_COUNT)
		return NULL;
	return vsmm__rules_table[semantics].name;
}

int vsmm_semantics_from_name(const char *name, enum vsmm_semantics *out)
{
	if (!name || !out)
		return VSMM_E_INVAL;
	for (unsigned i = 0; i < VSMM_SEMANTICS_COUNT; i++) {
		if (strcmp(name, vsmm__rules_table[i].name) == 0) {
			*out = (enum vsmm_semantics)i;
			return VSMM_OK;
		}
	}
	return VSMM_E_INVAL;
}
