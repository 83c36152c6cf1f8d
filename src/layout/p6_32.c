/* SPDX-License-Identifier: MIT */
/*
 * The 32-bit P6 save-state map (revision 0x00020000), byte-compatible with
 * KVM's struct kvm_smram_state_32.  The table is in fields.h; this file
 * ties it to a typed struct and publishes it.
 */
#include <stddef.h>
#include <stdint.h>

#include "../internal.h"
#include "fields.h"
#include "layout.h"

/*
 * The area as a struct, for the offset asserts and as documentation only:
 * the codec never casts a guest buffer to it.  Every member is naturally
 * aligned, so no packing is needed.
 */
struct vsmm__smram_p6_32 {
	uint8_t rsvd_7e00[0xf8];
	uint32_t smbase;	   /* 7EF8 */
	uint32_t smm_revision;	   /* 7EFC */
	uint16_t io_restart;	   /* 7F00 */
	uint16_t auto_hlt_restart; /* 7F02 */
	uint32_t io_restart_rdi;   /* 7F04 */
	uint32_t io_restart_rcx;   /* 7F08 */
	uint32_t io_restart_rsi;   /* 7F0C */
	uint32_t io_restart_rip;   /* 7F10 */
	uint32_t cr4;		   /* 7F14 */
	uint8_t rsvd_7f18[2];
	uint8_t int_shadow;	 /* 7F1A */
	uint8_t rsvd_7f1b[0x11]; /* real CPUs keep A20M/CPL/shutdown data here */
	uint32_t ds_attr, ds_limit, ds_base; /* 7F2C */
	uint32_t fs_attr, fs_limit, fs_base; /* 7F38 */
	uint32_t gs_attr, gs_limit, gs_base; /* 7F44 */
	uint32_t rsvd_7f50;		     /* IDTR record: no attributes */
	uint32_t idtr_limit, idtr_base;	     /* 7F54 */
	uint32_t tr_attr, tr_limit, tr_base; /* 7F5C */
	uint32_t rsvd_7f68;
	uint32_t rsvd_7f6c;				/* GDTR record: no attributes */
	uint32_t gdtr_limit, gdtr_base;			/* 7F70 */
	uint32_t ldtr_attr, ldtr_limit, ldtr_base;	/* 7F78 */
	uint32_t es_attr, es_limit, es_base;		/* 7F84 */
	uint32_t cs_attr, cs_limit, cs_base;		/* 7F90 */
	uint32_t ss_attr, ss_limit, ss_base;		/* 7F9C */
	uint32_t es_selector, cs_selector, ss_selector; /* 7FA8 */
	uint32_t ds_selector, fs_selector, gs_selector; /* 7FB4 */
	uint32_t ldtr_selector, tr_selector;		/* 7FC0 */
	uint32_t dr7, dr6;				/* 7FC8 */
	uint32_t eax, ecx, edx, ebx;			/* 7FD0 */
	uint32_t esp, ebp, esi, edi;			/* 7FE0 */
	uint32_t eip, eflags, cr3, cr0;			/* 7FF0 */
};

_Static_assert(sizeof(struct vsmm__smram_p6_32) == 512, "the P6 map is 512 bytes");
/* The descriptor's area_size is the struct's size: it is the area that
 * ends at SMBASE + 0x10000, which layout.c's codec asserts fits
 * VSMM_IMAGE_MAX (SMI and RSM stage it in a buffer of that size). */
_Static_assert(sizeof(struct vsmm__smram_p6_32) == 0x10000u - VSMM__P6_32_AREA_OFFSET &&
		       sizeof(struct vsmm__smram_p6_32) <= VSMM_IMAGE_MAX,
	       "the P6 area ends at SMBASE + 0x10000 and fits VSMM_IMAGE_MAX");

#define P6_ASSERT(name, off, size, flags, kind, arg, text) \
	VSMM__FIELD_ASSERT(struct vsmm__smram_p6_32, 0x7e00, name, off, size)
VSMM__P6_32_FIELDS(P6_ASSERT)

static const struct vsmm_field_desc fields[] = { VSMM__P6_32_FIELDS(VSMM__FIELD_DESC) };

static const struct vsmm__bind binds[] = { VSMM__P6_32_FIELDS(VSMM__FIELD_BIND) };

const struct vsmm__layout vsmm__layout_p6_32 = {
	.desc = {
		.layout = VSMM_LAYOUT_P6_32,
		.name = "p6-32",
		.title = "32-bit P6 map as KVM writes it (CPUs without long mode)",
		.revision = 0x00020000u,
		.area_offset = VSMM__P6_32_AREA_OFFSET,
		.area_size = sizeof(struct vsmm__smram_p6_32),
		.fields = fields,
		.nfields = VSMM__ARRAY_SIZE(fields),
	},
	.binds = binds,
};
