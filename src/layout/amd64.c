/* SPDX-License-Identifier: MIT */
/*
 * The AMD64 save-state map (revision 0x00020064), byte-compatible with
 * KVM's struct kvm_smram_state_64.  The table is in fields.h; this file
 * ties it to a typed struct and publishes it.
 */
#include <stddef.h>
#include <stdint.h>

#include "../internal.h"
#include "fields.h"
#include "layout.h"

/* A segment record: 16 bytes, naturally aligned. */
#define SEG64(s) \
	uint16_t s##_selector; \
	uint16_t s##_attr; \
	uint32_t s##_limit; \
	uint64_t s##_base

/*
 * The area as a struct, for the offset asserts and as documentation only:
 * the codec never casts a guest buffer to it.
 */
struct vsmm__smram_amd64 {
	SEG64(es);		 /* 7E00 */
	SEG64(cs);		 /* 7E10 */
	SEG64(ss);		 /* 7E20 */
	SEG64(ds);		 /* 7E30 */
	SEG64(fs);		 /* 7E40 */
	SEG64(gs);		 /* 7E50 */
	uint32_t rsvd_7e60;	 /* GDTR record: no selector/attributes */
	uint32_t gdtr_limit;	 /* 7E64 */
	uint64_t gdtr_base;	 /* 7E68 */
	SEG64(ldtr);		 /* 7E70 */
	uint32_t rsvd_7e80;	 /* IDTR record: no selector/attributes */
	uint32_t idtr_limit;	 /* 7E84 */
	uint64_t idtr_base;	 /* 7E88 */
	SEG64(tr);		 /* 7E90 */
	uint64_t io_restart_rip; /* 7EA0 */
	uint64_t io_restart_rcx;
	uint64_t io_restart_rsi;
	uint64_t io_restart_rdi;
	uint32_t io_restart_dword; /* 7EC0 */
	uint32_t rsvd_7ec4;
	uint8_t io_restart; /* 7EC8 */
	uint8_t auto_hlt_restart;
	uint8_t amd_nmi_mask;
	uint8_t int_shadow; /* 7ECB */
	uint32_t rsvd_7ecc;
	uint64_t efer;		 /* 7ED0 */
	uint64_t svm_guest_flag; /* 7ED8 */
	uint64_t svm_vmcb12_gpa;
	uint64_t svm_guest_virq;
	uint8_t rsvd_7ef0[0xc];
	uint32_t smm_revision; /* 7EFC */
	uint32_t smbase;       /* 7F00 */
	uint8_t rsvd_7f04[0x14];
	uint64_t ssp; /* 7F18 */
	uint64_t svm_guest_pat;
	uint64_t svm_host_efer;
	uint64_t svm_host_cr4;
	uint64_t svm_host_cr3;
	uint64_t svm_host_cr0;
	uint64_t cr4; /* 7F48 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;					 /* 7F78 */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;	 /* 7F80 */
	uint64_t rdi, rsi, rbp, rsp, rbx, rdx, rcx, rax; /* 7FC0 */
};

_Static_assert(sizeof(struct vsmm__smram_amd64) == 512, "the AMD64 map is 512 bytes");
/* The descriptor's area_size is the struct's size: it is the area that
 * ends at SMBASE + 0x10000, which layout.c's codec asserts fits
 * VSMM_IMAGE_MAX (SMI and RSM stage it in a buffer of that size). */
_Static_assert(sizeof(struct vsmm__smram_amd64) == 0x10000u - VSMM__AMD64_AREA_OFFSET &&
		       sizeof(struct vsmm__smram_amd64) <= VSMM_IMAGE_MAX,
	       "the AMD64 area ends at SMBASE + 0x10000 and fits VSMM_IMAGE_MAX");

#define AMD64_ASSERT(name, off, size, flags, kind, arg, text) \
	VSMM__FIELD_ASSERT(struct vsmm__smram_amd64, 0x7e00, name, off, size)
VSMM__AMD64_FIELDS(AMD64_ASSERT)

static const struct vsmm_field_desc fields[] = { VSMM__AMD64_FIELDS(VSMM__FIELD_DESC) };

static const struct vsmm__bind binds[] = { VSMM__AMD64_FIELDS(VSMM__FIELD_BIND) };

const struct vsmm__layout vsmm__layout_amd64 = {
	.desc = {
		.layout = VSMM_LAYOUT_AMD64,
		.name = "amd64",
		.title = "AMD64 map as KVM writes it (CPUs with long mode; OVMF reads it)",
		.revision = 0x00020064u,
		.area_offset = VSMM__AMD64_AREA_OFFSET,
		.area_size = sizeof(struct vsmm__smram_amd64),
		.fields = fields,
		.nfields = VSMM__ARRAY_SIZE(fields),
	},
	.binds = binds,
};
