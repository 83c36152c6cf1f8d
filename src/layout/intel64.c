/* SPDX-License-Identifier: MIT */
/*
 * Intel's native 64-bit save-state map (SDM Vol.3C "SMRAM State Save Map
 * for Intel 64 Architecture"; EDK2 SMRAM_SAVE_STATE_MAP64), with vsmm's
 * marked extension records in reserved space.  The table is in fields.h;
 * this file ties it to a typed struct and publishes it.
 *
 * Revision: Intel 64 processors report 0x00030100 (Core 2 era) or
 * 0x00030101 (Westmere and later), per coreboot's save-state dispatch;
 * bit 16 is "I/O instruction restart supported", bit 17 "SMBASE
 * relocation".  vsmm writes level 0x0101 with bit 17 only, like KVM's maps,
 * because under KVM semantics I/O restart is not offered; a VMM that does
 * offer it passes the full value in vsmm_image_extras.revision.
 */
#include <stddef.h>
#include <stdint.h>

#include "../internal.h"
#include "fields.h"
#include "layout.h"

/* vsmm's hidden-cache record for a segment register: 16 bytes. */
#define EXT_SEG(s, rsvd) \
	uint16_t s##_attr; \
	uint16_t rsvd_##rsvd; \
	uint32_t s##_limit; \
	uint64_t s##_base

/*
 * The area as a struct, for the offset asserts and as documentation only:
 * the codec never casts a guest buffer to it.  The manual puts 8-byte
 * registers on 4-byte boundaries (R15 at 7F1C), hence 4-byte packing.
 */
#pragma pack(push, 4)
struct vsmm__smram_intel64 {
	/* vsmm extension records (reserved space in the manual) */
	EXT_SEG(es, 7c02);  /* 7C00 */
	EXT_SEG(cs, 7c12);  /* 7C10 */
	EXT_SEG(ss, 7c22);  /* 7C20 */
	EXT_SEG(ds, 7c32);  /* 7C30 */
	EXT_SEG(fs, 7c42);  /* 7C40 */
	EXT_SEG(gs, 7c52);  /* 7C50 */
	uint16_t ldtr_attr; /* 7C60 */
	uint16_t rsvd_7c62;
	uint32_t ldtr_limit; /* 7C64 */
	uint64_t rsvd_7c68;  /* the LDT base is in the manual's map */
	EXT_SEG(tr, 7c72);   /* 7C70 */
	uint32_t gdtr_limit; /* 7C80 */
	uint32_t idtr_limit; /* 7C84 */
	uint8_t int_shadow;  /* 7C88 */
	uint8_t rsvd_7c89[3];
	uint32_t vsmm_signature; /* 7C8C */
	uint8_t rsvd_7c90[0x140];
	/* the manual's map */
	uint32_t gdtr_base_hi; /* 7DD0 */
	uint32_t ldtr_base_hi; /* 7DD4 */
	uint32_t idtr_base_hi; /* 7DD8 */
	uint32_t rsvd_7ddc;
	uint64_t io_restart_rdi; /* 7DE0 */
	uint64_t io_restart_rip; /* 7DE8 */
	uint64_t io_restart_rcx; /* 7DF0 */
	uint64_t io_restart_rsi; /* 7DF8 */
	uint8_t rsvd_7e00[0x40];
	uint32_t cr4; /* 7E40 */
	uint8_t rsvd_7e44[0x48];
	uint32_t gdtr_base_lo; /* 7E8C */
	uint32_t rsvd_7e90;
	uint32_t idtr_base_lo; /* 7E94 */
	uint32_t rsvd_7e98;
	uint32_t ldtr_base_lo; /* 7E9C */
	uint8_t rsvd_7ea0[0x38];
	uint64_t ept_vmx_control;    /* 7ED8 */
	uint32_t en_ept_vmx_control; /* 7EE0 */
	uint8_t rsvd_7ee4[0x14];
	uint32_t smbase;	   /* 7EF8 */
	uint32_t smm_revision;	   /* 7EFC */
	uint16_t io_restart;	   /* 7F00 */
	uint16_t auto_hlt_restart; /* 7F02 */
	uint8_t rsvd_7f04[0x18];
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;	 /* 7F1C */
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi; /* 7F5C */
	uint64_t io_mem_addr;				 /* 7F9C */
	uint32_t io_misc;				 /* 7FA4 */
	uint32_t es_selector, cs_selector, ss_selector;	 /* 7FA8 */
	uint32_t ds_selector, fs_selector, gs_selector;
	uint32_t ldtr_selector, tr_selector; /* 7FC0 */
	uint64_t dr7;			     /* 7FC8 */
	uint64_t dr6;
	uint64_t rip; /* 7FD8 */
	uint64_t efer;
	uint64_t rflags;
	uint64_t cr3;
	uint64_t cr0; /* 7FF8 */
};
#pragma pack(pop)

_Static_assert(sizeof(struct vsmm__smram_intel64) == 1024,
	       "the Intel 64 map is 1024 bytes");
/* The descriptor's area_size is the struct's size: it is the area that
 * ends at SMBASE + 0x10000, which layout.c's codec asserts fits
 * VSMM_IMAGE_MAX (SMI and RSM stage it in a buffer of that size). */
_Static_assert(sizeof(struct vsmm__smram_intel64) ==
			       0x10000u - VSMM__INTEL64_AREA_OFFSET &&
		       sizeof(struct vsmm__smram_intel64) <= VSMM_IMAGE_MAX,
	       "the Intel 64 area ends at SMBASE + 0x10000 and fits VSMM_IMAGE_MAX");

#define INTEL64_ASSERT(name, off, size, flags, kind, arg, text) \
	VSMM__FIELD_ASSERT(struct vsmm__smram_intel64, 0x7c00, name, off, size)
VSMM__INTEL64_FIELDS(INTEL64_ASSERT)

static const struct vsmm_field_desc fields[] = { VSMM__INTEL64_FIELDS(VSMM__FIELD_DESC) };

static const struct vsmm__bind binds[] = { VSMM__INTEL64_FIELDS(VSMM__FIELD_BIND) };

const struct vsmm__layout vsmm__layout_intel64 = {
	.desc = {
		.layout = VSMM_LAYOUT_INTEL64,
		.name = "intel64",
		.title = "Intel 64 native map as Intel processors write it "
			 "(EDK2 SMRAM_SAVE_STATE_MAP64), with vsmm extension records",
		.revision = 0x00020101u,
		.area_offset = VSMM__INTEL64_AREA_OFFSET,
		.area_size = sizeof(struct vsmm__smram_intel64),
		.fields = fields,
		.nfields = VSMM__ARRAY_SIZE(fields),
	},
	.binds = binds,
};
