/* SPDX-License-Identifier: MIT */
/*
 * Architectural checks: one pure predicate per rule.
 *
 * Each predicate looks at values only (no vCPU, no memory), returns
 * VSMM_REASON_NONE when the rule holds and the rule's named reason when it
 * does not.  The composite "write" checks below run the predicates of one
 * register write in the order KVM's setters do, against a view of the
 * current (partly loaded) state; leave.c calls them for every load.
 */
#ifndef VSMM_CHECKS_H
#define VSMM_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "vsmm/vsmm.h"

/* CR0 */
enum vsmm_reason vsmm__check_cr0_high(uint64_t cr0);
enum vsmm_reason vsmm__check_cr0_nw_cd(uint64_t cr0);
enum vsmm_reason vsmm__check_cr0_pg_pe(uint64_t cr0);
enum vsmm_reason vsmm__check_cr0_pg_lme_pae(uint64_t old_cr0, uint64_t cr0,
					    uint64_t efer, uint64_t cr4);
enum vsmm_reason vsmm__check_cr0_vmx_fixed(bool vmx_on, uint64_t cr0);

/* CR3 */
enum vsmm_reason vsmm__check_cr3_reserved(const struct vsmm_model *model,
					  uint64_t cr3, bool pcide);

/* CR4 */
enum vsmm_reason vsmm__check_cr4_reserved(uint64_t cr4);
enum vsmm_reason vsmm__check_cr4_features(const struct vsmm_model *model,
					  uint64_t cr4);
enum vsmm_reason vsmm__check_cr4_vmxe_in_smm(bool rule, bool smm, uint64_t cr4);
enum vsmm_reason vsmm__check_cr4_vmx_fixed(bool vmx_on, uint64_t cr4);
enum vsmm_reason vsmm__check_cr4_pcide_lma(uint64_t old_cr4, uint64_t cr4,
					   uint64_t efer);
enum vsmm_reason vsmm__check_cr4_pcide_cr3(uint64_t old_cr4, uint64_t cr4,
					   uint64_t cr3);
enum vsmm_reason vsmm__check_cr4_pae_lm(uint64_t cr4, uint64_t efer);
enum vsmm_reason vsmm__check_cr4_la57_lm(uint64_t old_cr4, uint64_t cr4,
					 uint64_t efer);
enum vsmm_reason vsmm__check_cr4_vmxe_image(uint64_t cr4);

/* EFER */
enum vsmm_reason vsmm__check_efer_reserved(uint64_t efer);
enum vsmm_reason vsmm__check_efer_features(const struct vsmm_model *model,
					   uint64_t efer);

/* Debug registers */
enum vsmm_reason vsmm__check_dr6_high(uint64_t dr6);
enum vsmm_reason vsmm__check_dr7_high(uint64_t dr7);

/* PAE paging: one page-directory-pointer-table entry. */
enum vsmm_reason vsmm__check_pdpte(const struct vsmm_model *model, uint64_t pdpte);

/* Whole-image consistency (hardware RSM). */
enum vsmm_reason vsmm__check_lma_consistent(uint64_t cr0, uint64_t cr4,
					    uint64_t efer);
enum vsmm_reason vsmm__check_rflags_vm_lm(uint64_t rflags, uint64_t efer);

/* Nested SVM guest in the image. */
enum vsmm_reason vsmm__check_svm_supported(const struct vsmm_model *model);
enum vsmm_reason vsmm__check_svm_svme(uint64_t image_efer);

/* The resumed state against VM entry's guest-state checks (SDM Vol.3C
 * "Checks on the Guest State Area", unrestricted guest). */
bool vsmm__seg_usable(const struct vsmm_seg *s);
bool vsmm__canonical(uint64_t v, unsigned width);
enum vsmm_reason vsmm__check_rip_canonical(uint64_t rip, unsigned width);
enum vsmm_reason vsmm__check_cs_l_d(uint16_t cs_attr, uint64_t efer);
enum vsmm_reason vsmm__check_base_high(uint64_t base);
enum vsmm_reason vsmm__check_base_canonical(uint64_t base, unsigned width);
enum vsmm_reason vsmm__check_dtable_canonical(uint64_t base, unsigned width);
enum vsmm_reason vsmm__check_base_32(uint64_t base);
enum vsmm_reason vsmm__check_seg_limit(const struct vsmm_seg *s);
enum vsmm_reason vsmm__check_cs_attr(uint16_t cs, uint16_t ss);
enum vsmm_reason vsmm__check_ss_attr(uint16_t ss, uint16_t cs, bool pe);
enum vsmm_reason vsmm__check_data_attr(uint16_t attr);
enum vsmm_reason vsmm__check_tr(const struct vsmm_seg *tr, uint64_t efer);
enum vsmm_reason vsmm__check_ldtr(const struct vsmm_seg *ldtr);
enum vsmm_reason vsmm__check_hlt_cpl(bool halted, uint16_t ss);

/* ---------------------------------------------------------------------- */
/* Composite checks of one register write                                  */
/* ---------------------------------------------------------------------- */

/* The state a register write is judged against. */
struct vsmm__cpu_view {
	const struct vsmm_model *model;
	uint64_t cr0, cr3, cr4, efer; /* current values */
	bool smm;            /* the SMM flag is (still) set */
	bool vmx_on;         /* in VMX operation */
	bool vmxe_smm_rule;  /* the vendor forbids CR4.VMXE in SMM (VMX) */
	bool vmx_fixed;      /* check (rather than force) the VMX fixed bits */
	bool lme_needs_pae;  /* MOV CR0 rule: PG with LME needs PAE */
};

enum vsmm_reason vsmm__check_cr0_write(const struct vsmm__cpu_view *v, uint64_t cr0);
enum vsmm_reason vsmm__check_cr3_write(const struct vsmm__cpu_view *v, uint64_t cr3);
enum vsmm_reason vsmm__check_cr4_write(const struct vsmm__cpu_view *v, uint64_t cr4);
enum vsmm_reason vsmm__check_efer_write(const struct vsmm__cpu_view *v, uint64_t efer);

#endif /* VSMM_CHECKS_H */
