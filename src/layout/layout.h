/* SPDX-License-Identifier: MIT */
/*
 * Internal view of the save-state layouts: how each row of a manual's table
 * (fields.h) binds to a member of struct vsmm_cpu_state or struct
 * vsmm_image_extras.  One generic codec (layout.c) walks these bindings, so a
 * layout is nothing but its table: no per-layout encode/decode code exists
 * that could drift from the table.
 */
#ifndef VSMM_LAYOUT_LAYOUT_H
#define VSMM_LAYOUT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsmm/vsmm.h"

/*
 * What a table row holds.  The "arg" of a binding picks the register
 * (enum vsmm_gpr, enum vsmm_sreg, or VSMM__DT_GDTR/IDTR).
 */
enum vsmm__bind_kind {
	VSMM__B_NONE = 0, /* reserved slot: written 0, ignored on decode */
	VSMM__B_SMBASE,
	VSMM__B_GPR,
	VSMM__B_RIP,
	VSMM__B_RFLAGS,
	VSMM__B_CR0,
	VSMM__B_CR3,
	VSMM__B_CR4,
	VSMM__B_EFER,
	VSMM__B_DR6,
	VSMM__B_DR7,
	VSMM__B_SEL,	 /* segment selector */
	VSMM__B_ATTR,	 /* attributes in the 16-bit access-rights form */
	VSMM__B_ATTR_P6, /* attributes as descriptor bits 8..23, unshifted */
	VSMM__B_LIMIT,
	VSMM__B_BASE,	    /* segment base (its low dword in a 4-byte slot) */
	VSMM__B_BASE_HI,    /* segment base bits 63:32 */
	VSMM__B_DT_LIMIT,   /* GDTR/IDTR limit */
	VSMM__B_DT_BASE,    /* GDTR/IDTR base (low dword in a 4-byte slot) */
	VSMM__B_DT_BASE_HI, /* GDTR/IDTR base bits 63:32 */
	VSMM__B_INT_SHADOW,
/* One per member of struct vsmm_image_extras (VSMM_IMAGE_EXTRAS_MAP):
	 * VSMM__B_REVISION, VSMM__B_IO_RESTART, ... */
#define VSMM__EXTRAS_KIND(type, member, tag, text) VSMM__B_##tag,
	VSMM_IMAGE_EXTRAS_MAP(VSMM__EXTRAS_KIND)
#undef VSMM__EXTRAS_KIND
		VSMM__B_EXT_SIGNATURE, /* marks vsmm's extension block as present */
};

#define VSMM__DT_GDTR 0
#define VSMM__DT_IDTR 1

/*
 * "VSMM" in ASCII, as the bytes 56 53 4D 4D.  Written into the intel64
 * extension block so a decoder can tell vsmm's hidden-cache records from
 * whatever a real processor left in that reserved range.
 */
#define VSMM__EXT_SIGNATURE 0x4d4d5356u

struct vsmm__bind {
	uint8_t kind; /* enum vsmm__bind_kind */
	uint8_t arg;
};

/* A layout: its public description plus one binding per field row. */
struct vsmm__layout {
	struct vsmm_layout_desc desc;
	const struct vsmm__bind *binds; /* parallel to desc.fields */
};

/*
 * The first row of the layout that binds to (kind, arg), or NULL: how RSM
 * names the field behind a failed rule (vsmm__reject).  desc must be one
 * of vsmm_layout_get()'s descriptors.
 */
const struct vsmm_field_desc *
vsmm__layout_field_bound(const struct vsmm_layout_desc *desc, unsigned kind,
			 unsigned arg);

/*
 * The image's values of the registers RSM loads through ordered, checked
 * writes.  The decoder puts them here, not into the state, which keeps
 * the base's (RSM's loads move them from there to these values, one
 * checked write at a time); the rest of the image is decoded in place.
 * A map without one of them (P6: EFER) gives the base's.
 */
struct vsmm__rsm_image {
	uint64_t cr0, cr3, cr4, efer;
};

/*
 * The extras RSM reads (the resume point in leave.c, the nested SVM guest
 * in cpu/svm.c), with their types in struct vsmm_image_extras: RSM's
 * decoder stores only these, so that it loads none of the image's other
 * extras (the I/O restart registers, the SVM host state, ...).  An RSM
 * step that needs another one adds it here; it cannot read it unseen.
 */
#define VSMM__RSM_EXTRAS_MAP(X) \
	X(uint16_t, io_restart, IO_RESTART) \
	X(uint16_t, auto_hlt_restart, AUTO_HLT) \
	X(uint64_t, svm_guest_flag, SVM_GUEST_FLAG) \
	X(uint64_t, svm_vmcb12_gpa, SVM_VMCB12)

struct vsmm__rsm_extras {
#define VSMM__RSM_EXTRAS_MEMBER(type, member, tag) type member;
	VSMM__RSM_EXTRAS_MAP(VSMM__RSM_EXTRAS_MEMBER)
#undef VSMM__RSM_EXTRAS_MEMBER
};

/*
 * vsmm_image_encode and vsmm_image_decode without their argument checks,
 * for SMI and RSM, which have looked the layout up already: layout must be
 * one of the three maps, area its whole area and extras non-NULL.  The
 * encoder zeroes the area first (only the bytes no row stores, layout.c).
 * The decoder starts state from base (what the layout does not hold stays
 * base's: vsmm_image_decode passes a zero state), puts CR0, CR3, CR4 and
 * EFER into checked only (state keeps base's) and of the extras those RSM
 * reads into extras (zero where the map has none); state must not overlap
 * base, and neither state, checked nor extras the area.
 * The decoder returns whether the area carries the hidden segment state:
 * every map but intel64 always does; an intel64 area does when vsmm's
 * records are there (their signature), and not when a processor or
 * another tool wrote it (RSM then reads the descriptor tables,
 * src/hidden.c).
 */
void vsmm__image_encode(enum vsmm_layout layout, const struct vsmm_cpu_state *state,
			const struct vsmm_image_extras *extras, uint8_t *area);
/* The decoders vsmm__image_decode calls (layout.c's CODEC). */
#define VSMM__DECODE_RSM(id) \
	bool vsmm__decode_rsm_##id(const uint8_t *restrict area, \
				   const struct vsmm_cpu_state *restrict base, \
				   struct vsmm_cpu_state *restrict state, \
				   struct vsmm__rsm_image *restrict checked, \
				   struct vsmm__rsm_extras *restrict extras)
VSMM__DECODE_RSM(p6_32);
VSMM__DECODE_RSM(amd64);
VSMM__DECODE_RSM(intel64);
/* Inline, so that RSM calls its map's decoder directly. */
static inline bool vsmm__image_decode(enum vsmm_layout layout, const uint8_t *area,
				      const struct vsmm_cpu_state *base,
				      struct vsmm_cpu_state *state,
				      struct vsmm__rsm_image *checked,
				      struct vsmm__rsm_extras *extras)
{
	switch (layout) {
	case VSMM_LAYOUT_P6_32:
		return vsmm__decode_rsm_p6_32(area, base, state, checked, extras);
	case VSMM_LAYOUT_AMD64:
		return vsmm__decode_rsm_amd64(area, base, state, checked, extras);
	case VSMM_LAYOUT_INTEL64:
		return vsmm__decode_rsm_intel64(area, base, state, checked, extras);
	default: return true; /* no layout: the callers have checked */
	}
}
/* vsmm__image_encode of extras that are all zero but the revision (the
 * common SMI): the rows of the other extras are not stored over the
 * zeroed area. */
void vsmm__image_encode_plain(enum vsmm_layout layout, const struct vsmm_cpu_state *state,
			      uint32_t revision, uint8_t *area);

extern const struct vsmm__layout vsmm__layout_p6_32;
extern const struct vsmm__layout vsmm__layout_amd64;
extern const struct vsmm__layout vsmm__layout_intel64;

/* vsmm_layout_get, inline for SMI and RSM (NULL for AUTO and for values
 * outside the enum). */
static inline const struct vsmm_layout_desc *vsmm__layout_desc(enum vsmm_layout layout)
{
	switch (layout) {
	case VSMM_LAYOUT_P6_32: return &vsmm__layout_p6_32.desc;
	case VSMM_LAYOUT_AMD64: return &vsmm__layout_amd64.desc;
	case VSMM_LAYOUT_INTEL64: return &vsmm__layout_intel64.desc;
	default: return NULL;
	}
}

/*
 * Table expanders shared by the three layout files.  A table row is
 * X(name, offset, size, flags, kind, arg, text); see fields.h.
 */
#define VSMM__FIELD_DESC(name, off, size, flags, kind, arg, text) \
	{ #name, (off), (size), (flags), (text) },
#define VSMM__FIELD_BIND(name, off, size, flags, kind, arg, text) \
	{ VSMM__B_##kind, (arg) },

/*
 * Ties a row to the typed struct of its layout, as KVM's
 * CHECK_SMRAM*_OFFSET does: the member sits at the manual's offset (made
 * relative to the area's first byte, `first`) and has the row's size.
 */
#define VSMM__FIELD_ASSERT(type, first, name, off, size) \
	_Static_assert(offsetof(type, name) == (size_t)((off) - (first)), \
		       #type "." #name " is not at the manual's offset"); \
	_Static_assert(sizeof(((type *)0)->name) == (size), \
		       #type "." #name " does not have the manual's size");

#endif /* VSMM_LAYOUT_LAYOUT_H */
