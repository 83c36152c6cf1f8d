/* SPDX-License-Identifier: MIT */
/*
 * The layout registry and the one image codec.
 *
 * A layout is only its table (fields.h): every row says where a value sits
 * and which member of the state or extras it is.  Encoding stores each
 * row's member at its offset; decoding loads it.  So there is no per-layout
 * code that could disagree with the table, and a decode reads no byte
 * outside the area: the rows lie inside it (the typed-struct asserts prove
 * it at compile time), and so do the wider loads of whole records, which
 * drop the bytes no row of theirs holds (asserted where they are made).
 *
 * The codec of a layout is its table expanded row by row (CODEC below), not
 * a loop that interprets the rows at run time: each row's kind and arg are
 * then constants, the binding helpers are forced inline, and the compiler
 * folds every row into one load and one store.  An interpreting loop spent
 * ~90% of an SMI + RSM round trip dispatching on kind (docs/performance.md).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../internal.h"
#include "fields.h"
#include "layout.h"

/* Offset of the revision identifier, as the manuals write it. */
#define REVISION_OFFSET 0x7efcu
/* Manual offsets count from SMBASE + 0x8000; areas end at SMBASE + 0x10000. */
#define MANUAL_BASE 0x8000u
#define SMRAM_TOP 0x10000u

static const struct vsmm__layout *const layouts[VSMM_LAYOUT_COUNT] = {
	[VSMM_LAYOUT_P6_32] = &vsmm__layout_p6_32,
	[VSMM_LAYOUT_AMD64] = &vsmm__layout_amd64,
	[VSMM_LAYOUT_INTEL64] = &vsmm__layout_intel64,
};

/* NULL for AUTO and for values outside the enum. */
static const struct vsmm__layout *find(enum vsmm_layout layout)
{
	if ((unsigned)layout >= VSMM_LAYOUT_COUNT)
		return NULL;
	return layouts[layout];
}

const struct vsmm_layout_desc *vsmm_layout_get(enum vsmm_layout layout)
{
	const struct vsmm__layout *l = find(layout);

	return l ? &l->desc : NULL;
}

const struct vsmm_field_desc *
vsmm__layout_field_bound(const struct vsmm_layout_desc *desc, unsigned kind, unsigned arg)
{
	const struct vsmm__layout *l = desc ? find(desc->layout) : NULL;

	if (!l || kind == VSMM__B_NONE)
		return NULL;
	for (size_t i = 0; i < l->desc.nfields; i++)
		if (l->binds[i].kind == kind && l->binds[i].arg == arg)
			return &l->desc.fields[i];
	return NULL;
}

int vsmm_layout_from_name(const char *name, enum vsmm_layout *out)
{
	if (!name || !out)
		return VSMM_E_INVAL;
	if (strcmp(name, "auto") == 0) {
		*out = VSMM_LAYOUT_AUTO;
		return VSMM_OK;
	}
	for (unsigned i = 0; i < VSMM_LAYOUT_COUNT; i++) {
		if (layouts[i] && strcmp(name, layouts[i]->desc.name) == 0) {
			*out = (enum vsmm_layout)i;
			return VSMM_OK;
		}
	}
	return VSMM_E_LAYOUT;
}

/*
 * Revision levels (bits 15:0) and the map they announce.  0x0000 and
 * 0x0064 are what KVM, QEMU and OVMF use.  0x0100 and 0x0101 are what Intel
 * 64 processors report for their native map (coreboot dispatches on
 * 0x30100 and 0x30101); they cannot be mistaken for the other two, so an
 * Intel image is recognised too.
 */
static const struct {
	uint16_t level;
	enum vsmm_layout layout;
} revision_levels[] = {
	{ 0x0000, VSMM_LAYOUT_P6_32 },
	{ 0x0064, VSMM_LAYOUT_AMD64 },
	{ 0x0100, VSMM_LAYOUT_INTEL64 },
	{ 0x0101, VSMM_LAYOUT_INTEL64 },
};

int vsmm_layout_detect(const uint8_t *area, size_t len, enum vsmm_layout *out,
		       uint32_t *revision_out)
{
	if (!area || !out)
		return VSMM_E_INVAL;
	/* An area of len bytes starts at SMBASE + 0x10000 - len. */
	if (len != 512 && len != 1024)
		return VSMM_E_BUFSIZE;
	/* Index arithmetic in integers: a pointer moved outside the area,
	 * even for a moment, is undefined behaviour (C11 6.5.6). */
	uint32_t revision = vsmm__ld32(
		area + (REVISION_OFFSET + MANUAL_BASE - (SMRAM_TOP - len)));
	if (revision_out)
		*revision_out = revision;
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(revision_levels); i++) {
		if ((revision & 0xffffu) == revision_levels[i].level) {
			*out = revision_levels[i].layout;
			return VSMM_OK;
		}
	}
	return VSMM_E_LAYOUT;
}

/* Index of a field in its layout's area. */
static size_t field_index(const struct vsmm_layout_desc *layout,
			  const struct vsmm_field_desc *field)
{
	return (size_t)field->offset + MANUAL_BASE - layout->area_offset;
}

uint64_t vsmm_field_read(const struct vsmm_layout_desc *layout,
			 const struct vsmm_field_desc *field, const uint8_t *area)
{
	if (!layout || !field || !area)
		return 0;
	/* The descriptor may come from the caller: check it lies inside. */
	if (field->offset + MANUAL_BASE < layout->area_offset)
		return 0;
	if (field->size != 1 && field->size != 2 && field->size != 4 && field->size != 8)
		return 0;
	size_t index = field_index(layout, field);
	if (index + field->size > layout->area_size)
		return 0;
	return vsmm__ld(area + index, field->size);
}

int vsmm_field_write(const struct vsmm_layout_desc *layout,
		     const struct vsmm_field_desc *field, uint8_t *area, uint64_t value)
{
	if (!layout || !field || !area)
		return VSMM_E_INVAL;
	if (field->offset + MANUAL_BASE < layout->area_offset)
		return VSMM_E_INVAL;
	if (field->size != 1 && field->size != 2 && field->size != 4 && field->size != 8)
		return VSMM_E_INVAL;
	size_t index = field_index(layout, field);
	if (index + field->size > layout->area_size)
		return VSMM_E_INVAL;
	if (field->size < 8 && value >> (8u * field->size) != 0)
		return VSMM_E_INVAL;
	vsmm__st(area + index, field->size, value);
	return VSMM_OK;
}

const struct vsmm_field_desc *vsmm_layout_field(const struct vsmm_layout_desc *layout,
						const char *name)
{
	if (!layout || !name)
		return NULL;
	for (size_t i = 0; i < layout->nfields; i++)
		if (strcmp(layout->fields[i].name, name) == 0)
			return &layout->fields[i];
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Binding a row to a member of the state or the extras                   */
/* ---------------------------------------------------------------------- */

/* A member of the host-side structs, with its width in bytes; width 0 for
 * a row that has none.  Ask the width, a constant of the row, whether
 * there is a member: the address of a struct's first member is its
 * pointer, which the compiler cannot prove non-NULL and tests at run time
 * (RSM's extras: two instructions a decode). */
struct member {
	void *p;
	unsigned width;
};

#define MEMBER(m) ((struct member){ &(m), sizeof(m) })

/* The binding helpers are called with constant rows (see CODEC); inlining
 * them there is what turns their switches into nothing. */
#if defined(__GNUC__) || defined(__clang__)
#define ROW_INLINE static inline __attribute__((always_inline))
#else
#define ROW_INLINE static inline
#endif

ROW_INLINE struct member seg_member(struct vsmm_cpu_state *s, const struct vsmm__bind *b)
{
	struct vsmm_seg *seg = &s->seg[b->arg];
	struct vsmm_dtable *dt = b->arg == VSMM__DT_IDTR ? &s->idtr : &s->gdtr;

	switch (b->kind) {
	case VSMM__B_SEL: return MEMBER(seg->selector);
	case VSMM__B_ATTR:
	case VSMM__B_ATTR_P6: return MEMBER(seg->attr);
	case VSMM__B_LIMIT: return MEMBER(seg->limit);
	case VSMM__B_BASE:
	case VSMM__B_BASE_HI: return MEMBER(seg->base);
	case VSMM__B_DT_LIMIT: return MEMBER(dt->limit);
	case VSMM__B_DT_BASE:
	case VSMM__B_DT_BASE_HI: return MEMBER(dt->base);
	default: return (struct member){ NULL, 0 };
	}
}

ROW_INLINE struct member reg_member(struct vsmm_cpu_state *s, const struct vsmm__bind *b)
{
	switch (b->kind) {
	case VSMM__B_GPR: return MEMBER(s->gpr[b->arg]);
	case VSMM__B_RIP: return MEMBER(s->rip);
	case VSMM__B_RFLAGS: return MEMBER(s->rflags);
	case VSMM__B_CR0: return MEMBER(s->cr0);
	case VSMM__B_CR3: return MEMBER(s->cr3);
	case VSMM__B_CR4: return MEMBER(s->cr4);
	case VSMM__B_EFER: return MEMBER(s->efer);
	case VSMM__B_DR6: return MEMBER(s->dr6);
	case VSMM__B_DR7: return MEMBER(s->dr7);
	case VSMM__B_SMBASE: return MEMBER(s->smbase);
	case VSMM__B_INT_SHADOW: return MEMBER(s->int_shadow);
	default: return seg_member(s, b);
	}
}

ROW_INLINE struct member extras_member(struct vsmm_image_extras *x,
				       const struct vsmm__bind *b)
{
	switch (b->kind) {
#define EXTRAS_CASE(type, member, tag, text) \
	case VSMM__B_##tag: return MEMBER(x->member);
		VSMM_IMAGE_EXTRAS_MAP(EXTRAS_CASE)
#undef EXTRAS_CASE
	default: return (struct member){ NULL, 0 };
	}
}

/* Where the decoder puts a row of a register RSM loads through checked
 * writes; { NULL, 0 } for the other rows. */
ROW_INLINE struct member checked_member(struct vsmm__rsm_image *c,
					const struct vsmm__bind *b)
{
	switch (b->kind) {
	case VSMM__B_CR0: return MEMBER(c->cr0);
	case VSMM__B_CR3: return MEMBER(c->cr3);
	case VSMM__B_CR4: return MEMBER(c->cr4);
	case VSMM__B_EFER: return MEMBER(c->efer);
	default: return (struct member){ NULL, 0 };
	}
}

/* Where RSM's decoder puts a row of the extras: only those RSM reads
 * (layout.h); { NULL, 0 } for the others. */
ROW_INLINE struct member rsm_extras_member(struct vsmm__rsm_extras *x,
					   const struct vsmm__bind *b)
{
	switch (b->kind) {
#define RSM_EXTRAS_CASE(type, member, tag) \
	case VSMM__B_##tag: return MEMBER(x->member);
		VSMM__RSM_EXTRAS_MAP(RSM_EXTRAS_CASE)
#undef RSM_EXTRAS_CASE
	default: return (struct member){ NULL, 0 };
	}
}

#define RSM_EXTRAS_SAME_TYPE(type, member, tag) \
	_Static_assert(sizeof(((struct vsmm__rsm_extras *)0)->member) == \
			       sizeof(((struct vsmm_image_extras *)0)->member), \
		       "RSM's " #member " is the image's");
VSMM__RSM_EXTRAS_MAP(RSM_EXTRAS_SAME_TYPE)

/* The member a row holds; { NULL, 0 } for rows without one. */
ROW_INLINE struct member member_of(struct vsmm_cpu_state *s, struct vsmm_image_extras *x,
				   const struct vsmm__bind *b)
{
	struct member m = extras_member(x, b);

	return m.width ? m : reg_member(s, b);
}

ROW_INLINE uint64_t member_get(struct member m)
{
	switch (m.width) {
	case 1: return *(const uint8_t *)m.p;
	case 2: return *(const uint16_t *)m.p;
	case 4: return *(const uint32_t *)m.p;
	case 8: return *(const uint64_t *)m.p;
	default: return 0;
	}
}

/*
 * OR a value into a zeroed member (truncated to its width): for a 64-bit
 * base that comes from two rows (low and high dword in the Intel map).
 */
ROW_INLINE void member_or(struct member m, uint64_t v)
{
	switch (m.width) {
	case 1: *(uint8_t *)m.p |= (uint8_t)v; break;
	case 2: *(uint16_t *)m.p |= (uint16_t)v; break;
	case 4: *(uint32_t *)m.p |= (uint32_t)v; break;
	case 8: *(uint64_t *)m.p |= v; break;
	default: break;
	}
}

/* Store a value into a member (truncated to its width). */
ROW_INLINE void member_set(struct member m, uint64_t v)
{
	switch (m.width) {
	case 1: *(uint8_t *)m.p = (uint8_t)v; break;
	case 2: *(uint16_t *)m.p = (uint16_t)v; break;
	case 4: *(uint32_t *)m.p = (uint32_t)v; break;
	case 8: *(uint64_t *)m.p = v; break;
	default: break;
	}
}

/*
 * Does a row hold only part of its member?  Only a 64-bit base split into
 * a low and a high dword row (the Intel map; the P6 map's dword bases have
 * no high row, and OR on the zeroed member is a store there).  Every other
 * member has exactly one row in a table, which stores it whole.
 */
ROW_INLINE bool row_partial(const struct vsmm__bind *b, unsigned size)
{
	switch (b->kind) {
	case VSMM__B_BASE_HI:
	case VSMM__B_DT_BASE_HI: return true;
	case VSMM__B_BASE:
	case VSMM__B_DT_BASE: return size < 8;
	default: return false;
	}
}

/*
 * A row's value, as one the compiler does not see through.  Where a row
 * is stored byte by byte (vsmm__st on a host not known to be
 * little-endian), GCC 12 merges the bytes into one store, but where the
 * value is a shift or a mask of a member (the high dword of a base, the
 * P6 map's attributes) it re-computes each byte from the member and puts
 * them back together: up to 18 instructions a row instead of two.  An
 * empty asm makes the value a plain register; compilers without GNU asm
 * take it as it is.
 */
ROW_INLINE uint64_t row_value(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+r"(v));
#endif
	return v;
}

/*
 * Attribute packing.  The 64-bit maps hold the 16-bit access-rights form;
 * KVM's 32-bit map holds the same bits where the descriptor has them (bits
 * 8..23).  Bits 8..11 of the access-rights form (limit 19:16 in the
 * descriptor) are not attributes and never stored, as KVM never does.
 */
ROW_INLINE uint64_t to_image(const struct vsmm__bind *b, uint64_t v)
{
	switch (b->kind) {
	case VSMM__B_ATTR: return v & VSMM_SEG_ATTR_MASK;
	case VSMM__B_ATTR_P6: return (v & VSMM_SEG_ATTR_MASK) << 8;
	case VSMM__B_BASE_HI:
	case VSMM__B_DT_BASE_HI: return v >> 32;
	default: return v;
	}
}

ROW_INLINE uint64_t from_image(const struct vsmm__bind *b, uint64_t v)
{
	switch (b->kind) {
	case VSMM__B_ATTR: return v & VSMM_SEG_ATTR_MASK;
	case VSMM__B_ATTR_P6: return (v >> 8) & VSMM_SEG_ATTR_MASK;
	case VSMM__B_BASE_HI:
	case VSMM__B_DT_BASE_HI: return v << 32;
	default: return v;
	}
}

/* ---------------------------------------------------------------------- */
/* The codec                                                              */
/* ---------------------------------------------------------------------- */

ROW_INLINE uint64_t encode_value(const struct vsmm_cpu_state *s,
				 const struct vsmm_image_extras *x,
				 const struct vsmm__bind *b)
{
	switch (b->kind) {
	case VSMM__B_REVISION:
		/* As given: 0 is a revision too (decode -> encode must give
		 * back any image); NULL extras get the default below. */
		return x->revision;
	case VSMM__B_EXT_SIGNATURE: return VSMM__EXT_SIGNATURE;
	default: break;
	}
	/* The binding hands out writable members (decode fills them); encode
	 * only reads them, so the caller's structs are used without copies. */
	struct member m = member_of((struct vsmm_cpu_state *)s,
				    (struct vsmm_image_extras *)x, b);
	return m.width ? row_value(to_image(b, member_get(m))) : 0;
}

/* A row's binding as a constant the inlined helpers can fold. */
#define ROW_BIND(kind, arg) (&(const struct vsmm__bind){ VSMM__B_##kind, (arg) })
/*
 * Where a row sits: manual offsets count from SMBASE + 0x8000 and the area
 * starts at manual offset `first` (area_offset - 0x8000).  The index is
 * computed in integers: a pointer moved back to SMBASE + 0x8000, outside
 * the area, would be undefined behaviour (C11 6.5.6) even if never read.
 * `first` is the layout's constant (fields.h), not read from its
 * descriptor, so that every row's index folds into one constant.
 */
#define AREA_FIRST(area_offset) ((size_t)(area_offset)-MANUAL_BASE)
#define ROW_AT(area, first, off) ((area) + ((size_t)(off) - (first)))

/*
 * Segment records.  Two maps keep each segment register as a record whose
 * fields lie as in struct vsmm_seg {selector u16, attr u16, limit u32,
 * base u64} (asserted below), so that on a little-endian host one copy of
 * the register stores several rows at once:
 *
 *   AMD64   {selector u16, attr u16, limit u32, base u64}: the selector
 *           row stores the whole record, the register's 16 bytes but for
 *           the attribute bits no register holds (11:8, which to_image
 *           drops too); the attribute, limit and base rows store nothing.
 *           With SSE2 three instructions instead of seven.
 *   P6      {attr u32, limit u32, base u32}: the limit row stores the
 *           limit and the low dword of the base, the register's bytes 4
 *           to 11; the base row stores nothing.  Two instead of four.
 *
 * The decoders load the same units back (decode_record_row).
 *
 * The Intel 64 map's extension records {attr u16, reserved u16, limit
 * u32, base u64} lie as the register does but for the attribute word,
 * one word lower: the attribute row stores the whole record, the
 * attributes zero-extended over the reserved word and, for the LDTR,
 * whose base the map keeps in dword rows elsewhere, a zero base over the
 * reserved quadword, so that the encoder need not zero any of it first
 * (ZERO_AREA counts the row as 16 bytes, the limit and base rows as
 * none).  With SSE2 a word shuffle and an AND move it.
 *
 * tests/test_roundtrip.c (test_segment_records) checks that every
 * segment register's rows in those tables form such a record, and that
 * none of the AMD64 and P6 ones is a vsmm extension.
 */
enum seg_records {
	RECORDS_AMD64,
	RECORDS_P6,
	RECORDS_INTEL64,
};

/* The bytes a row's store fills in the area: its size, but for the Intel
 * 64 map's records (below), which its attribute row stores whole. */
#define STORED_SIZE(records, kind, size) \
	((int)(records) != (int)RECORDS_INTEL64		 ? (size) \
	 : VSMM__B_##kind == VSMM__B_ATTR		 ? 16u \
	 : VSMM__B_##kind == VSMM__B_LIMIT		 ? 0u \
	 : VSMM__B_##kind == VSMM__B_BASE && (size) == 8 ? 0u \
							 : (size))

_Static_assert(offsetof(struct vsmm_seg, selector) == 0 &&
		       offsetof(struct vsmm_seg, attr) == 2 &&
		       offsetof(struct vsmm_seg, limit) == 4 &&
		       offsetof(struct vsmm_seg, base) == 8,
	       "struct vsmm_seg lies as the segment records do");

/* The bits of an AMD64 record's first eight bytes that a register holds:
 * all but attribute bits 11:8. */
#define AMD64_RECORD_BITS (~((uint64_t)(~VSMM_SEG_ATTR_MASK & 0xffffu) << 16))

/* Limit and the low dword of the base, as a P6 record holds them. */
ROW_INLINE uint64_t p6_limit_base(const struct vsmm_seg *seg)
{
	uint64_t v;

	memcpy(&v, &seg->limit, sizeof(v));
	return v;
}

/*
 * A whole AMD64 record, the register's 16 bytes but for attribute bits
 * 11:8: with SSE2 one load, one AND and one store (five instructions as
 * two 8-byte units).
 */
ROW_INLINE void store_amd64_record(uint8_t *p, const struct vsmm_seg *seg)
{
#if VSMM__SSE2
	const __m128i bits = _mm_set_epi64x(-1, (long long)AMD64_RECORD_BITS);

	vsmm__st128(p, _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)seg),
				     bits));
#else
	vsmm__st16(p, seg->selector);
	vsmm__st16(p + 2, seg->attr & VSMM_SEG_ATTR_MASK);
	vsmm__st32(p + 4, seg->limit);
	vsmm__st64(p + 8, seg->base);
#endif
}

ROW_INLINE void load_amd64_record(const uint8_t *p, struct vsmm_seg *seg)
{
#if VSMM__SSE2
	const __m128i bits = _mm_set_epi64x(-1, (long long)AMD64_RECORD_BITS);

	_mm_storeu_si128((__m128i *)(void *)seg, _mm_and_si128(vsmm__ld128(p), bits));
#else
	seg->selector = vsmm__ld16(p);
	seg->attr = vsmm__ld16(p + 2) & VSMM_SEG_ATTR_MASK;
	seg->limit = vsmm__ld32(p + 4);
	seg->base = vsmm__ld64(p + 8);
#endif
}

/*
 * A whole Intel 64 extension record {attr u16, reserved u16, limit u32,
 * base u64}: the attributes zero-extended over the reserved word, and the
 * base, or zero where the map keeps the register's base elsewhere (LDTR:
 * its dword rows), so that no byte of the record is left to the zeroed
 * area.  With SSE2: the register's 16 bytes, its attribute word moved
 * down over the selector's, and one AND.
 */
ROW_INLINE void store_intel64_record(uint8_t *p, const struct vsmm_seg *seg, bool base)
{
#if VSMM__SSE2
	const __m128i keep = _mm_set_epi32(base ? -1 : 0, base ? -1 : 0, -1,
					   (int)VSMM_SEG_ATTR_MASK);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)seg);

	v = _mm_shufflelo_epi16(v, _MM_SHUFFLE(3, 2, 1, 1));
	vsmm__st128(p, _mm_and_si128(v, keep));
#else
	vsmm__st32(p, seg->attr & VSMM_SEG_ATTR_MASK);
	vsmm__st32(p + 4, seg->limit);
	vsmm__st64(p + 8, base ? seg->base : 0);
#endif
}

/*
 * The register from its Intel 64 record, or zero where the area lacks
 * vsmm's records (!ext), with its selector from the map's selector row at
 * sel (a dword, whose low word it is; NULL: the map has none, and it is
 * zero), so that the selector row stores nothing of its own (one word
 * insert instead of a load and a store);
 * the base is zero where the record has none (the base's dword rows,
 * later, store its halves).
 */
ROW_INLINE void load_intel64_record(const uint8_t *p, const uint8_t *sel, bool ext,
				    bool base, struct vsmm_seg *seg)
{
#if VSMM__SSE2
	const __m128i keep = _mm_set_epi32(base ? -1 : 0, base ? -1 : 0, -1,
					   (int)(VSMM_SEG_ATTR_MASK << 16));
	__m128i v = _mm_setzero_si128();

	if (ext)
		v = _mm_and_si128(
			_mm_shufflelo_epi16(vsmm__ld128(p), _MM_SHUFFLE(3, 2, 0, 0)),
			keep);
	_mm_storeu_si128((__m128i *)(void *)seg,
			 _mm_insert_epi16(v, sel ? vsmm__ld16(sel) : 0, 0));
#else
	seg->selector = sel ? vsmm__ld16(sel) : 0;
	seg->attr = ext ? (uint16_t)(vsmm__ld16(p) & VSMM_SEG_ATTR_MASK) : 0;
	seg->limit = ext ? vsmm__ld32(p + 4) : 0;
	seg->base = ext && base ? vsmm__ld64(p + 8) : 0;
#endif
}

/* Does a row belong to a segment record (stored or loaded whole by
 * another row of it) and store nothing of its own? */
ROW_INLINE bool row_in_record(enum seg_records records, unsigned size,
			      const struct vsmm__bind *b)
{
	switch (records) {
	case RECORDS_AMD64:
		return b->kind == VSMM__B_ATTR || b->kind == VSMM__B_LIMIT ||
		       b->kind == VSMM__B_BASE;
	case RECORDS_INTEL64:
		return b->kind == VSMM__B_LIMIT || (b->kind == VSMM__B_BASE && size == 8);
	default: return false;
	}
}

/*
 * The P6 attribute dword, the attributes at descriptor bits 8..23: the
 * register's bytes 1 to 4 (selector high, attributes, limit low) but for
 * the bits that are not attributes, one load and one AND instead of a
 * shift between them.
 */
ROW_INLINE uint32_t p6_attr(const struct vsmm_seg *seg)
{
	uint32_t v;

	memcpy(&v, (const char *)seg + offsetof(struct vsmm_seg, attr) - 1, sizeof(v));
	return v & (uint32_t)VSMM_SEG_ATTR_MASK << 8;
}

/*
 * Neighbouring rows of plain registers (8-byte members stored as they
 * are, whole or their low dword) that SSE2 stores together: two 8-byte
 * rows of one 16-byte unit of the state, in its order or swapped (the
 * AMD64 map has its GPRs from R15 down), with one load and one store (and
 * a shuffle); other two 8-byte rows from a 16-byte boundary of the area
 * on with two loads and one store (the Intel 64 map's DR6 to CR0); four
 * dword rows at a 16-byte boundary of the area (the P6 map's GPRs) with
 * a shuffle of the members' low dwords; four dword selector rows with
 * word inserts.  Which rows
 * those are is decided from the table: each encoder keeps, by area index,
 * the member and size of every plain row (PLAIN_ENTRY: (state offset + 1)
 * * 16 + size, 0 for other rows), a constant array the compiler reads at
 * compile time.  The rows' bytes are the same as one by one.
 */
enum row_group {
	G_SINGLE, /* stored by itself */
	G_SKIP,	  /* stored by the first row of its group */
	G_PAIR,	  /* this row and the next: one unit of the state, in order */
	G_SWAP,	  /* this row and the next: one unit, swapped */
	G_QUAD,	  /* this row and the next three dword rows */
	G_SELQ,	  /* this selector row and the next three (sel_quad) */
	G_LOOSE,  /* this 8-byte row and the next, of two units (loose_pair) */
};

/* The entry of a dword row of a 16-bit selector (its "size"). */
#define SEL_DWORD 2u

#define PLAIN_ENTRY_OF(at, size) ((unsigned)((at) + 1) * 16u + (size))

/* Four dword rows of plain registers from area index q on. */
ROW_INLINE bool plain_quad(const uint16_t *plain, size_t n, size_t q)
{
	if (q + 16 > n)
		return false;
	for (size_t k = 0; k < 16; k += 4)
		if (plain[q + k] == 0 || plain[q + k] % 16u != 4)
			return false;
	return true;
}

/*
 * Four dword selector rows from area index q on, of four registers from
 * one whose index is a multiple of 4 on, in order (the P6 and Intel 64
 * maps' ES, CS, SS, DS and FS, GS, LDTR, TR).
 */
ROW_INLINE bool sel_quad(const uint16_t *plain, size_t n, size_t q)
{
	if (q + 16 > n || plain[q] % 16u != SEL_DWORD || plain[q] == 0)
		return false;
	size_t at = plain[q] / 16u - 1;
	if ((at - offsetof(struct vsmm_cpu_state, seg)) / sizeof(struct vsmm_seg) % 4 !=
	    0)
		return false;
	for (size_t k = 1; k < 4; k++)
		if (plain[q + 4 * k] !=
		    PLAIN_ENTRY_OF(at + k * sizeof(struct vsmm_seg), SEL_DWORD))
			return false;
	return true;
}

/* Row i's group among 8-byte rows of one unit of the state (G_SINGLE for
 * the others). */
ROW_INLINE enum row_group unit_group(const uint16_t *plain, size_t n, size_t i)
{
	unsigned e = plain[i];

	if (e == 0 || e % 16u != 8)
		return G_SINGLE;
	size_t at = e / 16u - 1;
	unsigned next = i + 8 < n ? plain[i + 8] : 0;
	unsigned prev = i >= 8 ? plain[i - 8] : 0;

	if (at % 16 == 0 && next == PLAIN_ENTRY_OF(at + 8, 8))
		return G_PAIR;
	if (at % 16 == 8 && next == PLAIN_ENTRY_OF(at - 8, 8))
		return G_SWAP;
	if (at % 16 == 8 && prev == PLAIN_ENTRY_OF(at - 8, 8))
		return G_SKIP; /* the second of a G_PAIR */
	if (at % 16 == 0 && prev == PLAIN_ENTRY_OF(at + 8, 8))
		return G_SKIP; /* the second of a G_SWAP */
	return G_SINGLE;
}

/* Two 8-byte rows from a 16-byte boundary of the area on that no unit
 * group holds, of any two members (two loads, one store). */
ROW_INLINE bool loose_pair(const uint16_t *plain, size_t n, size_t q)
{
	return q % 16 == 0 && q + 16 <= n && plain[q] != 0 && plain[q] % 16u == 8 &&
	       plain[q + 8] != 0 && plain[q + 8] % 16u == 8 &&
	       unit_group(plain, n, q) == G_SINGLE &&
	       unit_group(plain, n, q + 8) == G_SINGLE;
}

ROW_INLINE enum row_group row_group(const uint16_t *plain, size_t n, size_t i)
{
	unsigned e = plain[i];

	if (!VSMM__SSE2 || e == 0)
		return G_SINGLE;
	size_t at = e / 16u - 1;
	if (e % 16u == 8) {
		enum row_group g = unit_group(plain, n, i);

		if (g != G_SINGLE)
			return g;
		if (loose_pair(plain, n, i))
			return G_LOOSE;
		if (i >= 8 && loose_pair(plain, n, i - 8))
			return G_SKIP; /* the second of a G_LOOSE */
		return G_SINGLE;
	}
	if (e % 16u == 4 && plain_quad(plain, n, i & ~(size_t)15))
		return i % 16 == 0 ? G_QUAD : G_SKIP;
	if (e % 16u == SEL_DWORD) {
		size_t k = (at - offsetof(struct vsmm_cpu_state, seg)) /
			   sizeof(struct vsmm_seg) % 4;

		if (i >= 4 * k && sel_quad(plain, n, i - 4 * k))
			return k == 0 ? G_SELQ : G_SKIP;
	}
	return G_SINGLE;
}

#if VSMM__SSE2
/* The members at state offsets a0 and a1 as one register. */
ROW_INLINE __m128i plain_pair(const struct vsmm_cpu_state *s, size_t a0, size_t a1)
{
	const char *m = (const char *)s;

	if (a1 == a0 + 8)
		return _mm_loadu_si128((const __m128i *)(const void *)(m + a0));
	__m128d v = _mm_castsi128_pd(
		_mm_loadl_epi64((const __m128i *)(const void *)(m + a0)));
	return _mm_castpd_si128(_mm_loadh_pd(v, (const double *)(const void *)(m + a1)));
}
#endif

/* Store row i's group (row_group says which). */
ROW_INLINE void store_group(enum row_group g, const uint16_t *plain, size_t i, uint8_t *p,
			    const struct vsmm_cpu_state *s)
{
#if VSMM__SSE2
	size_t at = plain[i] / 16u - 1;

	switch (g) {
	case G_PAIR: vsmm__st128(p, plain_pair(s, at, at + 8)); break;
	case G_LOOSE: vsmm__st128(p, plain_pair(s, at, plain[i + 8] / 16u - 1)); break;
	case G_SWAP:
		vsmm__st128(p, _mm_shuffle_epi32(plain_pair(s, at - 8, at),
						 _MM_SHUFFLE(1, 0, 3, 2)));
		break;
	case G_QUAD: {
		__m128 lo = _mm_castsi128_ps(plain_pair(s, at, plain[i + 4] / 16u - 1));
		__m128 hi = _mm_castsi128_ps(
			plain_pair(s, plain[i + 8] / 16u - 1, plain[i + 12] / 16u - 1));

		vsmm__st128(p, _mm_castps_si128(
				       _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))));
		break;
	}
	case G_SELQ: {
		/* the selectors zero-extended to dwords: words 0, 2, 4, 6 */
		const struct vsmm_seg *seg =
			(const struct vsmm_seg *)(const void *)((const char *)s +
								(at -
								 offsetof(struct vsmm_seg,
									  selector)));
		__m128i v = _mm_cvtsi32_si128(seg[0].selector);

		v = _mm_insert_epi16(v, seg[1].selector, 2);
		v = _mm_insert_epi16(v, seg[2].selector, 4);
		vsmm__st128(p, _mm_insert_epi16(v, seg[3].selector, 6));
		break;
	}
	default: break;
	}
#else
	(void)g, (void)plain, (void)i, (void)p, (void)s;
#endif
}

/*
 * Rows by the register they hold, for the rows that decode with another
 * one: reg_rows[slot] is the area index + 1 of the row, 0 where the table
 * has none (or one flagged a vsmm extension), a constant array the
 * compiler reads at compile time.  Slots: a segment register's selector
 * (the Intel 64 map's record loads it, ATTR_RECORD_BIT), a descriptor
 * table's limit and base (the P6 map's table records).  The entries of
 * other rows lie past these, each at its own index, so that no entry is
 * given twice.
 */
enum {
	SLOT_SEL = 0,
	SLOT_DT_LIMIT = VSMM_SREG_COUNT,
	SLOT_DT_BASE = VSMM_SREG_COUNT + 2,
	SLOTS = VSMM_SREG_COUNT + 4,
};
/*
 * The P6 map's descriptor-table records {limit u32, base u32}, with SSE2:
 * decoding, one 8-byte load and a dword shuffle store the whole struct
 * vsmm_dtable (the base zero-extended, the limit and zero padding);
 * encoding, a load, a shuffle and an 8-byte store the record; instead of a
 * load and a store of each row.  in_table_record says whether the row at area index
 * at is a limit row followed by its table's base row, or that base row
 * (reg_rows: the rows by register).
 */
ROW_INLINE bool in_table_record(enum seg_records records, const uint16_t *reg_rows,
				size_t at, const struct vsmm__bind *b)
{
	if (!(VSMM__SSE2 && VSMM__LE_HOST) || records != RECORDS_P6)
		return false;
	switch (b->kind) {
	case VSMM__B_DT_LIMIT: return reg_rows[SLOT_DT_BASE + b->arg] == at + 4 + 1;
	case VSMM__B_DT_BASE:
		return at >= 4 && reg_rows[SLOT_DT_LIMIT + b->arg] == at - 4 + 1;
	default: return false;
	}
}

_Static_assert(offsetof(struct vsmm_dtable, base) == 0 &&
		       offsetof(struct vsmm_dtable, limit) == 8 &&
		       sizeof(struct vsmm_dtable) == 16,
	       "struct vsmm_dtable is {base u64, limit u32, padding}");

ROW_INLINE void load_p6_table(const uint8_t *p, struct vsmm_dtable *dt)
{
#if VSMM__SSE2
	/* dwords {limit, base, 0, 0} to {base, 0, limit, 0} */
	_mm_storeu_si128(
		(__m128i *)(void *)dt,
		_mm_shuffle_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p),
				  _MM_SHUFFLE(3, 0, 2, 1)));
#else
	(void)p, (void)dt;	       /* only with SSE2 (in_table_record) */
#endif
}

ROW_INLINE void store_p6_table(uint8_t *p, const struct vsmm_dtable *dt)
{
#if VSMM__SSE2
	/* dwords {base, base high, limit, padding} to {limit, base} */
	_mm_storel_epi64(
		(__m128i *)(void *)p,
		_mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)dt),
				  _MM_SHUFFLE(3, 1, 0, 2)));
#else
	(void)p, (void)dt;	       /* only with SSE2 (in_table_record) */
#endif
}

/* One row of an encoder of a map with these records; record_bases is the
 * set of segment registers whose base an Intel 64 record holds. */
ROW_INLINE void encode_row(enum seg_records records, unsigned record_bases,
			   const uint16_t *reg_rows, const uint16_t *plain, size_t n,
			   size_t i, uint8_t *p, unsigned size,
			   const struct vsmm_cpu_state *s,
			   const struct vsmm_image_extras *x, const struct vsmm__bind *b)
{
	enum row_group g = row_group(plain, n, i);

	if (g != G_SINGLE) {
		store_group(g, plain, i, p, s);
		return;
	}
	if (records == RECORDS_AMD64 && b->kind == VSMM__B_SEL) {
		store_amd64_record(p, &s->seg[b->arg]);
		return;
	}
	if (records == RECORDS_INTEL64 && b->kind == VSMM__B_ATTR) {
		store_intel64_record(p, &s->seg[b->arg], (record_bases >> b->arg) & 1u);
		return;
	}
	if (row_in_record(records, size, b))
		return; /* stored with its record */
	if (VSMM__LE_HOST && records == RECORDS_P6) {
		switch (b->kind) {
		case VSMM__B_LIMIT: vsmm__st64(p, p6_limit_base(&s->seg[b->arg])); return;
		case VSMM__B_BASE: return; /* stored with the limit */
		case VSMM__B_ATTR_P6: vsmm__st32(p, p6_attr(&s->seg[b->arg])); return;
		case VSMM__B_DT_LIMIT:
			if (!in_table_record(records, reg_rows, i, b))
				break;
			store_p6_table(p, b->arg == VSMM__DT_IDTR ? &s->idtr : &s->gdtr);
			return;
		case VSMM__B_DT_BASE:
			if (in_table_record(records, reg_rows, i, b))
				return; /* stored with the limit */
			break;
		default: break;
		}
	}
	vsmm__st(p, size, encode_value(s, x, b));
}

#define ENCODE_ROW(name, off, size, flags, kind, arg, text) \
	encode_row(records, record_bases, reg_rows, plain, \
		   sizeof(plain) / sizeof(plain[0]), (size_t)(off)-first, \
		   ROW_AT(area, first, off), (size), s, x, ROW_BIND(kind, arg));

/*
 * Does a row hold a member of struct vsmm_image_extras other than the
 * revision?  (The extras' kinds follow VSMM__B_REVISION, the map's first
 * member, up to VSMM__B_EXT_SIGNATURE.)  Such rows are left as the zeroed
 * area has them by the encoder of extras that hold nothing else.
 */
#define ROW_OF_EXTRAS(kind) \
	(VSMM__B_##kind > VSMM__B_REVISION && VSMM__B_##kind < VSMM__B_EXT_SIGNATURE)

#define ENCODE_PLAIN_ROW(name, off, size, flags, kind, arg, text) \
	if (!ROW_OF_EXTRAS(kind)) \
		encode_row(records, record_bases, reg_rows, plain, \
			   sizeof(plain) / sizeof(plain[0]), (size_t)(off)-first, \
			   ROW_AT(area, first, off), (size), s, &rev_only, \
			   ROW_BIND(kind, arg));

/*
 * The P6 records with SSE2: the decoder builds each segment register whole
 * in one register and stores it as one 16-byte unit: the record's 16
 * bytes from its attribute dword on ({attr, limit, base, next}), the
 * attribute word (the dword's bytes 1 and 2) inserted as word 1 and the
 * selector row's low word as word 0, and one AND for the attribute bits
 * no register holds and for the dword after the record, the base's high
 * dword (that dword is the next row, or for GS and TR a reserved dword:
 * read inside the area, asserted below, and dropped).  Five instructions
 * where a store of each member took eight.  The attribute row decodes the
 * record; the selector, limit and base rows store nothing of their own.
 * Without SSE2 the limit row loads limit and base low dword into bytes 4
 * to 11, over the base CLEAR_PARTIAL_ROW zeroed, and every other row
 * stores its own.
 */
#define P6_RECORDS (VSMM__SSE2 && VSMM__LE_HOST)

ROW_INLINE void load_p6_record(const uint8_t *p, const uint8_t *sel, struct vsmm_seg *seg)
{
#if VSMM__SSE2
	const __m128i keep = _mm_set_epi32(
		0, -1, -1, (int)((uint32_t)VSMM_SEG_ATTR_MASK << 16 | 0xffffu));
	__m128i v = vsmm__ld128(p);

	v = _mm_insert_epi16(v, vsmm__ld16(p + 1), 1);
	v = _mm_insert_epi16(v, sel ? vsmm__ld16(sel) : 0, 0);
	_mm_storeu_si128((__m128i *)(void *)seg, _mm_and_si128(v, keep));
#else
	(void)p, (void)sel, (void)seg; /* only with SSE2 (P6_RECORDS) */
#endif
}

#define P6_RECORD_IN_AREA(name, off, size, flags, kind, arg, text) \
	_Static_assert(VSMM__B_##kind != VSMM__B_ATTR_P6 || \
			       (off) + 16u <= SMRAM_TOP - MANUAL_BASE, \
		       "the P6 record of " #name \
		       " is loaded as 16 bytes inside the area");
VSMM__P6_32_FIELDS(P6_RECORD_IN_AREA)

/*
 * The decoders read the records as the encoders write them: the AMD64
 * selector row loads the whole record into the register (attribute bits
 * 11:8 dropped, as from_image does), the P6 attribute row the whole
 * register with SSE2 (above).
 * Only rows no area can lack (not vsmm extensions) form records.
 * Returns whether the row was decoded so.
 */
ROW_INLINE bool decode_record_row(enum seg_records records, unsigned record_bases,
				  unsigned attr_records, const uint16_t *reg_rows,
				  const uint8_t *area, const uint8_t *p, unsigned size,
				  unsigned flags, bool ext, struct vsmm_cpu_state *s,
				  const struct vsmm__bind *b)
{
	if (records == RECORDS_INTEL64 && b->kind == VSMM__B_ATTR) {
		load_intel64_record(p,
				    reg_rows[SLOT_SEL + b->arg]
					    ? area + (reg_rows[SLOT_SEL + b->arg] - 1)
					    : NULL,
				    ext || !(flags & VSMM_FIELD_VSMM_EXT),
				    (record_bases >> b->arg) & 1u, &s->seg[b->arg]);
		return true;
	}
	if (records == RECORDS_INTEL64 && b->kind == VSMM__B_SEL &&
	    !(flags & VSMM_FIELD_VSMM_EXT) && ((attr_records >> b->arg) & 1u))
		return true; /* loaded with the register's record */
	if (records == RECORDS_AMD64 && !(flags & VSMM_FIELD_VSMM_EXT) &&
	    b->kind == VSMM__B_SEL) {
		load_amd64_record(p, &s->seg[b->arg]);
		return true;
	}
	if (row_in_record(records, size, b))
		return true; /* loaded with its record */
	if (!VSMM__LE_HOST || (flags & VSMM_FIELD_VSMM_EXT))
		return false;
	if (records == RECORDS_P6) {
		switch (b->kind) {
		case VSMM__B_LIMIT: {
			if (P6_RECORDS)
				return true; /* loaded with the register's record */
			uint64_t v = vsmm__ld64(p);

			memcpy((char *)&s->seg[b->arg] + offsetof(struct vsmm_seg, limit),
			       &v, sizeof(v));
			return true;
		}
		case VSMM__B_BASE: return true; /* loaded with the limit */
		case VSMM__B_SEL:
			/* loaded with the register's record */
			return P6_RECORDS && ((attr_records >> b->arg) & 1u);
		case VSMM__B_ATTR_P6:
			if (P6_RECORDS) {
				load_p6_record(
					p,
					reg_rows[SLOT_SEL + b->arg]
						? area + (reg_rows[SLOT_SEL + b->arg] - 1)
						: NULL,
					&s->seg[b->arg]);
				return true;
			}
			/* bits 8..23 of the dword: its bytes 1 and 2 */
			s->seg[b->arg].attr = vsmm__ld16(p + 1) & VSMM_SEG_ATTR_MASK;
			return true;
		case VSMM__B_DT_LIMIT:
			if (!in_table_record(records, reg_rows, (size_t)(p - area), b))
				return false;
			load_p6_table(p, b->arg == VSMM__DT_IDTR ? &s->idtr : &s->gdtr);
			return true;
		case VSMM__B_DT_BASE:
			/* loaded with the limit, or by itself */
			return in_table_record(records, reg_rows, (size_t)(p - area), b);
		default: return false;
		}
	}
	return false;
}

/*
 * Where a decoder puts a row: the checked registers into c, the extras
 * into x (the whole struct, vsmm_image_decode) or, for RSM's decoder (a
 * constant), into rx (those RSM reads), the rest into s.
 */
ROW_INLINE struct member decode_member(bool for_rsm, struct vsmm_cpu_state *s,
				       struct vsmm__rsm_image *c,
				       struct vsmm_image_extras *x,
				       struct vsmm__rsm_extras *rx,
				       const struct vsmm__bind *b)
{
	struct member m = checked_member(c, b);

	if (m.width)
		return m;
	if (b->kind >= VSMM__B_REVISION && b->kind < VSMM__B_EXT_SIGNATURE)
		return for_rsm ? rsm_extras_member(rx, b) : extras_member(x, b);
	return reg_member(s, b);
}

/*
 * What the decoders store of a descriptor table's limit: the limit and
 * zeroes over the padding after it, so that they need not copy the base's
 * unit of the state the GDTR's limit lies in (with the IDTR's base) for
 * those four bytes; on a little-endian host one store.  The padding of a
 * decoded state's tables is zero (tests/test_roundtrip.c).
 */
#define DT_LIMIT_BYTES (sizeof(struct vsmm_dtable) - offsetof(struct vsmm_dtable, limit))
_Static_assert(DT_LIMIT_BYTES == 8 && sizeof(((struct vsmm_dtable *)0)->limit) == 4,
	       "a table's limit and its padding are 8 bytes");

ROW_INLINE void store_dt_limit(void *limit, uint32_t v)
{
	if (VSMM__LE_HOST) {
		vsmm__st64((uint8_t *)limit, v);
	} else {
		*(uint32_t *)limit = v;
		memset((char *)limit + sizeof(v), 0, DT_LIMIT_BYTES - sizeof(v));
	}
}

/*
 * A base a table splits into a low and a high dword row (the Intel 64
 * map's LDTR, GDTR and IDTR): split_bases has bit arg for a segment
 * register's, bit VSMM_SREG_COUNT + arg for a descriptor table's, as
 * SPLIT_BIT sets them.  On a little-endian host each row stores its dword
 * as that half of the member: no zeroing first, no shift and OR.
 */
#define SPLIT_BIT(name, off, size, flags, kind, arg, text) \
	| (VSMM__B_##kind == VSMM__B_BASE_HI	  ? 1u << (arg) \
	   : VSMM__B_##kind == VSMM__B_DT_BASE_HI ? 1u << (VSMM_SREG_COUNT + (arg)) \
						  : 0u)
ROW_INLINE bool row_split(unsigned split_bases, unsigned size, const struct vsmm__bind *b)
{
	unsigned slot;

	switch (b->kind) {
	case VSMM__B_BASE:
	case VSMM__B_BASE_HI: slot = b->arg; break;
	case VSMM__B_DT_BASE:
	case VSMM__B_DT_BASE_HI: slot = VSMM_SREG_COUNT + b->arg; break;
	default: return false;
	}
	return VSMM__LE_HOST && size == 4 && ((split_bases >> slot) & 1u);
}

/* Rows flagged as vsmm extensions are not read when the area lacks them
 * (ext false): the bytes are then whatever a real processor kept there,
 * and the member reads as zero. */
ROW_INLINE void decode_row(enum seg_records records, unsigned record_bases,
			   unsigned attr_records, unsigned split_bases,
			   const uint16_t *reg_rows, bool for_rsm, const uint8_t *area,
			   const uint8_t *p, unsigned size, unsigned flags, bool ext,
			   struct vsmm_cpu_state *s, struct vsmm__rsm_image *c,
			   struct vsmm_image_extras *x, struct vsmm__rsm_extras *rx,
			   const struct vsmm__bind *b)
{
	if (decode_record_row(records, record_bases, attr_records, reg_rows, area, p,
			      size, flags, ext, s, b))
		return;
	struct member m = decode_member(for_rsm, s, c, x, rx, b);
	if (!m.width)
		return;
	bool read = ext || !(flags & VSMM_FIELD_VSMM_EXT);
	if (b->kind == VSMM__B_DT_LIMIT) {
		store_dt_limit(m.p, read ? (uint32_t)vsmm__ld(p, size) : 0);
		return;
	}
	if (row_split(split_bases, size, b)) {
		bool high = b->kind == VSMM__B_BASE_HI || b->kind == VSMM__B_DT_BASE_HI;

		vsmm__st32((uint8_t *)m.p + (high ? 4 : 0), read ? vsmm__ld32(p) : 0);
		return;
	}
	if (!read) {
		/* A member other rows hold part of keeps their parts
		 * (CLEAR_PARTIAL_ROW zeroed it before them). */
		if (!row_partial(b, size))
			member_set(m, 0);
		return;
	}
	uint64_t raw = vsmm__ld(p, size);
	if (row_partial(b, size))
		member_or(m, from_image(b, raw));
	else
		member_set(m, from_image(b, raw));
}

#define DECODE_ROW(name, off, size, flags, kind, arg, text) \
	decode_row(records, record_bases, attr_records, split_bases, reg_rows, for_rsm, \
		   area, ROW_AT(area, first, off), (size), (flags), ext, s, c, x, rx, \
		   ROW_BIND(kind, arg));

/* A member some rows hold only part of starts from zero: the rows OR
 * their parts into it, in any order (the Intel map has the high dwords
 * of its bases first), and a P6 dword base is zero-extended (but for the
 * records' tails, which store it whole). */
#define CLEAR_PARTIAL_ROW(name, off, size, flags, kind, arg, text) \
	if (row_partial(ROW_BIND(kind, arg), (size)) && \
	    !row_split(split_bases, (size), ROW_BIND(kind, arg)) && \
	    !(P6_RECORDS && (int)records == (int)RECORDS_P6 && \
	      VSMM__B_##kind == VSMM__B_BASE) && \
	    !in_table_record(records, reg_rows, (size_t)(off)-first, \
			     ROW_BIND(kind, arg))) \
		member_set(reg_member(s, ROW_BIND(kind, arg)), 0);

/*
 * Where the member a row decodes into lies in struct vsmm_cpu_state, and
 * how many of its bytes the decode writes, as constant expressions of the
 * row's kind and arg: SIZE_MAX for rows of the extras and of the checked
 * registers (checked_member).  A high-dword
 * row counts 0: its member is counted by the low row, and CLEAR_PARTIAL_ROW
 * writes it whole anyway.  Every member lies inside one 16-byte unit (the
 * struct's members are naturally aligned and at most 8 bytes).
 */
#define ST_AT(m) offsetof(struct vsmm_cpu_state, m)
#define ST_SEG_AT(arg, m) \
	(ST_AT(seg) + (size_t)(arg) * sizeof(struct vsmm_seg) + \
	 offsetof(struct vsmm_seg, m))
#define ST_DT_AT(arg, m) \
	(((arg) == VSMM__DT_IDTR ? ST_AT(idtr) : ST_AT(gdtr)) + \
	 offsetof(struct vsmm_dtable, m))
/* clang-format off */
#define STATE_AT(kind, arg) ( \
	VSMM__B_##kind == VSMM__B_GPR ? ST_AT(gpr) + 8u * (size_t)(arg) : \
	VSMM__B_##kind == VSMM__B_RIP ? ST_AT(rip) : \
	VSMM__B_##kind == VSMM__B_RFLAGS ? ST_AT(rflags) : \
	VSMM__B_##kind == VSMM__B_DR6 ? ST_AT(dr6) : \
	VSMM__B_##kind == VSMM__B_DR7 ? ST_AT(dr7) : \
	VSMM__B_##kind == VSMM__B_SMBASE ? ST_AT(smbase) : \
	VSMM__B_##kind == VSMM__B_INT_SHADOW ? ST_AT(int_shadow) : \
	VSMM__B_##kind == VSMM__B_SEL ? ST_SEG_AT(arg, selector) : \
	VSMM__B_##kind == VSMM__B_ATTR ? ST_SEG_AT(arg, attr) : \
	VSMM__B_##kind == VSMM__B_ATTR_P6 ? ST_SEG_AT(arg, attr) : \
	VSMM__B_##kind == VSMM__B_LIMIT ? ST_SEG_AT(arg, limit) : \
	VSMM__B_##kind == VSMM__B_BASE ? ST_SEG_AT(arg, base) : \
	VSMM__B_##kind == VSMM__B_DT_LIMIT ? ST_DT_AT(arg, limit) : \
	VSMM__B_##kind == VSMM__B_DT_BASE ? ST_DT_AT(arg, base) : \
	SIZE_MAX)
#define STATE_WIDTH(kind) ( \
	VSMM__B_##kind == VSMM__B_SMBASE ? 4u : \
	VSMM__B_##kind == VSMM__B_INT_SHADOW ? 1u : \
	VSMM__B_##kind == VSMM__B_SEL ? 2u : \
	VSMM__B_##kind == VSMM__B_ATTR ? 2u : \
	VSMM__B_##kind == VSMM__B_ATTR_P6 ? 2u : \
	VSMM__B_##kind == VSMM__B_LIMIT ? 4u : \
	VSMM__B_##kind == VSMM__B_DT_LIMIT ? DT_LIMIT_BYTES : \
	VSMM__B_##kind == VSMM__B_BASE_HI ? 0u : \
	VSMM__B_##kind == VSMM__B_DT_BASE_HI ? 0u : \
	8u)
/* clang-format on */
_Static_assert(sizeof(((struct vsmm_cpu_state *)0)->smbase) == 4 &&
		       sizeof(((struct vsmm_cpu_state *)0)->int_shadow) == 1 &&
		       sizeof(((struct vsmm_seg *)0)->selector) == 2 &&
		       sizeof(((struct vsmm_seg *)0)->attr) == 2 &&
		       sizeof(((struct vsmm_seg *)0)->limit) == 4 &&
		       sizeof(((struct vsmm_dtable *)0)->limit) == 4 &&
		       sizeof(((struct vsmm_cpu_state *)0)->gpr[0]) == 8,
	       "STATE_WIDTH has the members' widths");

/* The unit in which the decoders copy the state and the encoders zero the
 * area: one SSE2 store. */
#define UNIT 16

/* The bytes of unit unit_u of the state that a row writes. */
#define STATE_BYTES(name, off, size, flags, kind, arg, text) \
	+(STATE_AT(kind, arg) / UNIT == unit_u ? STATE_WIDTH(kind) : 0u)

/*
 * Decoding over a base state: the decoder copies from base the 16-byte
 * units of the state that its rows do not fill, then stores the rows.
 * Which units those are is a question about the table alone, asked here
 * as a constant expression (as for the encoders' zeroed area below), not
 * left to a dead-store pass: GCC 12 kept the copy of every unit in the
 * Intel 64 decoder, whose extension rows sit behind a branch.  The assert
 * catches a table with two rows of one member (the sum would overstate
 * what is filled).
 */
/* clang-format off */
#define COPY_UNIT(FIELDS, u) { \
		enum { unit_u = (u) }; \
		_Static_assert((0u FIELDS(STATE_BYTES)) <= UNIT, \
			       "no two rows decode into one member"); \
		if (UNIT * (u) < sizeof(*s) && (0u FIELDS(STATE_BYTES)) < UNIT) \
			memcpy((char *)s + UNIT * (u), (const char *)base + UNIT * (u), UNIT); \
	}
#define COPY_BLOCK(FIELDS, b) \
	COPY_UNIT(FIELDS, 8 * (b))     COPY_UNIT(FIELDS, 8 * (b) + 1) \
	COPY_UNIT(FIELDS, 8 * (b) + 2) COPY_UNIT(FIELDS, 8 * (b) + 3) \
	COPY_UNIT(FIELDS, 8 * (b) + 4) COPY_UNIT(FIELDS, 8 * (b) + 5) \
	COPY_UNIT(FIELDS, 8 * (b) + 6) COPY_UNIT(FIELDS, 8 * (b) + 7)
#define COPY_STATE(FIELDS) \
	COPY_BLOCK(FIELDS, 0) COPY_BLOCK(FIELDS, 1) COPY_BLOCK(FIELDS, 2) \
	COPY_BLOCK(FIELDS, 3) COPY_BLOCK(FIELDS, 4) COPY_BLOCK(FIELDS, 5) \
	COPY_BLOCK(FIELDS, 6) COPY_BLOCK(FIELDS, 7)
/* clang-format on */
_Static_assert(sizeof(struct vsmm_cpu_state) % UNIT == 0 &&
		       sizeof(struct vsmm_cpu_state) <= 64u * UNIT,
	       "the state is copied in at most 64 units of 16 bytes");

/*
 * RSM's extras (layout.h) that a table has no row for read as zero; the
 * others are stored by their rows.  kinds_held is the set of kinds of the
 * decoder's table (a constant); each member is zeroed only when it is not
 * in it, so that no store is left for a dead-store pass to remove.
 */
#define KIND_BIT(name, off, size, flags, kind, arg, text) \
	| (UINT64_C(1) << VSMM__B_##kind)
#define ZERO_RSM_EXTRA(type, member, tag) \
	if (!((kinds_held >> VSMM__B_##tag) & 1u)) \
		rx->member = 0;
_Static_assert(VSMM__B_EXT_SIGNATURE < 64, "the kinds fit one 64-bit set");
/* A checked register the table has no row for is the base's (P6: EFER). */
#define BASE_CHECKED(reg, tag) \
	if (!((kinds_held >> VSMM__B_##tag) & 1u)) \
		c->reg = base->reg;
/* clang-format off */
#define BASE_CHECKED_REGS() do { \
		BASE_CHECKED(cr0, CR0) BASE_CHECKED(cr3, CR3) \
		BASE_CHECKED(cr4, CR4) BASE_CHECKED(efer, EFER) \
	} while (0)
#define ZERO_RSM_EXTRAS() do { VSMM__RSM_EXTRAS_MAP(ZERO_RSM_EXTRA) } while (0)
/* clang-format on */

/*
 * Are the rows flagged as vsmm extensions meaningful in this area?  Yes
 * unless the layout has a signature row and the area lacks it.
 */
#define SIGNATURE_ROW(name, off, size, flags, kind, arg, text) \
	if (VSMM__B_##kind == VSMM__B_EXT_SIGNATURE) \
		return vsmm__ld(ROW_AT(area, first, off), (size)) == VSMM__EXT_SIGNATURE;

/*
 * Zeroing the area: the encoders zero only the 16-byte units of it that
 * the rows they store do not fill (the reserved ranges and, for
 * encode_plain, the rows of the extras: 13 stores in the AMD64 map
 * instead of a 512-byte memset), then store the rows.  Which units those
 * are is a question about the table alone, asked in ZERO_UNIT as a
 * constant expression (the bytes of the unit each row holds, summed over
 * the table), so that no compiler leaves the answer to a dead-store pass:
 * GCC 12 dropped the zero stores of filled units only as long as it could
 * prove that no row's load read the area, which the segment records'
 * loads above defeat.  An area ends at SMRAM_TOP; its size is a multiple
 * of 128 bytes of at most VSMM_IMAGE_MAX (asserted below).
 */
#define MIN_(a, b) ((a) < (b) ? (a) : (b))
#define MAX_(a, b) ((a) > (b) ? (a) : (b))
/* Bytes of unit u that a row of size bytes at area index at holds. */
#define BYTES_IN_UNIT(at, size, u) \
	(MIN_((at) + (size), UNIT * (u) + UNIT) > MAX_((at), UNIT * (u)) \
		 ? MIN_((at) + (size), UNIT * (u) + UNIT) - MAX_((at), UNIT * (u)) \
		 : 0)
/* A row's bytes in unit unit_u (those its store fills, STORED_SIZE), for
 * an encoder whose area starts at manual offset first_, whose segment
 * records are records_ and which stores no extras' row if plain_ (the
 * enum constants ZERO_AREA and ZERO_UNIT define). */
#define UNIT_BYTES(name, off, size, flags, kind, arg, text) \
	+(plain_ && ROW_OF_EXTRAS(kind) \
		  ? 0 \
		  : BYTES_IN_UNIT((off)-first_, STORED_SIZE(records_, kind, (size)), \
				  unit_u))

static const uint8_t zero_unit[UNIT];
/* clang-format off */
#define ZERO_UNIT(FIELDS, u) { \
		enum { unit_u = (u) }; \
		if ((0 FIELDS(UNIT_BYTES)) < UNIT) \
			memcpy(area + UNIT * (u), zero_unit, sizeof(zero_unit)); \
	}
#define ZERO_BLOCK(FIELDS, area_offset, b) \
	if (AREA_SIZE(area_offset) > 128u * (b)) { \
		ZERO_UNIT(FIELDS, 8 * (b))     ZERO_UNIT(FIELDS, 8 * (b) + 1) \
		ZERO_UNIT(FIELDS, 8 * (b) + 2) ZERO_UNIT(FIELDS, 8 * (b) + 3) \
		ZERO_UNIT(FIELDS, 8 * (b) + 4) ZERO_UNIT(FIELDS, 8 * (b) + 5) \
		ZERO_UNIT(FIELDS, 8 * (b) + 6) ZERO_UNIT(FIELDS, 8 * (b) + 7) \
	}
#define AREA_SIZE(area_offset) ((size_t)SMRAM_TOP - (area_offset))
/* The units of an encoder's area that its rows (FIELDS, but for the
 * extras' if plain) do not fill. */
#define ZERO_AREA(FIELDS, area_offset, plain, seg_records) { \
		enum { first_ = AREA_FIRST(area_offset), plain_ = (plain), \
		       records_ = (seg_records) }; \
		ZERO_BLOCK(FIELDS, area_offset, 0) ZERO_BLOCK(FIELDS, area_offset, 1) \
		ZERO_BLOCK(FIELDS, area_offset, 2) ZERO_BLOCK(FIELDS, area_offset, 3) \
		ZERO_BLOCK(FIELDS, area_offset, 4) ZERO_BLOCK(FIELDS, area_offset, 5) \
		ZERO_BLOCK(FIELDS, area_offset, 6) ZERO_BLOCK(FIELDS, area_offset, 7) \
	}
/* clang-format on */
#define AREA_FITS(area_offset) \
	(AREA_SIZE(area_offset) % 128u == 0 && AREA_SIZE(area_offset) <= VSMM_IMAGE_MAX)
_Static_assert(AREA_FITS(VSMM__P6_32_AREA_OFFSET),
	       "p6-32's area is zeroed in 128-byte blocks");
_Static_assert(AREA_FITS(VSMM__AMD64_AREA_OFFSET),
	       "amd64's area is zeroed in 128-byte blocks");
_Static_assert(AREA_FITS(VSMM__INTEL64_AREA_OFFSET),
	       "intel64's area is zeroed in 128-byte blocks");

/* The plain rows of a table by area index (row_group); the other rows'
 * entries are 0. */
/* clang-format off */
#define PLAIN_AT(kind, arg) ( \
	VSMM__B_##kind == VSMM__B_GPR ? ST_AT(gpr) + 8u * (size_t)(arg) : \
	VSMM__B_##kind == VSMM__B_RIP ? ST_AT(rip) : \
	VSMM__B_##kind == VSMM__B_RFLAGS ? ST_AT(rflags) : \
	VSMM__B_##kind == VSMM__B_CR0 ? ST_AT(cr0) : \
	VSMM__B_##kind == VSMM__B_CR3 ? ST_AT(cr3) : \
	VSMM__B_##kind == VSMM__B_CR4 ? ST_AT(cr4) : \
	VSMM__B_##kind == VSMM__B_EFER ? ST_AT(efer) : \
	VSMM__B_##kind == VSMM__B_DR6 ? ST_AT(dr6) : \
	VSMM__B_##kind == VSMM__B_DR7 ? ST_AT(dr7) : \
	SIZE_MAX)
/* clang-format on */
#define PLAIN_ENTRY(name, off, size, flags, kind, arg, text) \
	[(off)-plain_first] = PLAIN_AT(kind, arg) != SIZE_MAX \
				      ? (uint16_t)PLAIN_ENTRY_OF(PLAIN_AT(kind, arg), \
								 (size)) \
			      : VSMM__B_##kind == VSMM__B_SEL && (size) == 4 \
				      ? (uint16_t)PLAIN_ENTRY_OF( \
						ST_SEG_AT(arg, selector), SEL_DWORD) \
				      : 0u,
#define PLAIN_ROWS(FIELDS, area_offset) \
	enum { plain_first = AREA_FIRST(area_offset) }; \
	static const uint16_t plain[AREA_SIZE(area_offset)] = { FIELDS(PLAIN_ENTRY) }
_Static_assert(PLAIN_ENTRY_OF(sizeof(struct vsmm_cpu_state), 8) <= UINT16_MAX,
	       "a plain entry fits 16 bits");
_Static_assert(sizeof(((struct vsmm_cpu_state *)0)->gpr[0]) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->rip) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->rflags) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->cr0) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->cr3) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->cr4) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->efer) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->dr6) == 8 &&
		       sizeof(((struct vsmm_cpu_state *)0)->dr7) == 8,
	       "plain rows hold 8-byte members");

#define ROW_SLOT(kind, arg, off) \
	(VSMM__B_##kind == VSMM__B_SEL	      ? SLOT_SEL + (size_t)(arg) \
	 : VSMM__B_##kind == VSMM__B_DT_LIMIT ? SLOT_DT_LIMIT + (size_t)(arg) \
	 : VSMM__B_##kind == VSMM__B_DT_BASE  ? SLOT_DT_BASE + (size_t)(arg) \
					      : SIZE_MAX)
#define REG_ENTRY(name, off, size, flags, kind, arg, text) \
	[ROW_SLOT(kind, arg, off) != SIZE_MAX && !((flags)&VSMM_FIELD_VSMM_EXT) \
			? ROW_SLOT(kind, arg, off) \
			: SLOTS + ((size_t)(off)-reg_first)] = \
		ROW_SLOT(kind, arg, off) != SIZE_MAX && !((flags)&VSMM_FIELD_VSMM_EXT) \
			? (uint16_t)((off)-reg_first + 1) \
			: 0u,
#define REG_ROWS(FIELDS, area_offset) \
	enum { reg_first = AREA_FIRST(area_offset) }; \
	static const uint16_t reg_rows[SLOTS + AREA_SIZE(area_offset)] = { FIELDS( \
		REG_ENTRY) }
#define ATTR_RECORD_BIT(name, off, size, flags, kind, arg, text) \
	| (VSMM__B_##kind == VSMM__B_ATTR || VSMM__B_##kind == VSMM__B_ATTR_P6 \
		   ? 1u << (arg) \
		   : 0u)

/* The segment registers whose 8-byte base row a record holds (the Intel
 * 64 map's LDTR has dword rows elsewhere instead). */
#define RECORD_BASE_BIT(name, off, size, flags, kind, arg, text) \
	| (VSMM__B_##kind == VSMM__B_BASE && (size) == 8 ? 1u << (arg) : 0u)

/*
 * encode_ID, encode_plain_ID, extensions_present_ID, decode_ID and
 * decode_rsm_ID for one layout's table.  encode zeroes the area (above)
 * and stores the rows of the caller's s and x; encode_plain the rows of s
 * and the revision only (extras all zero but it).  decode starts the
 * caller's s from base (what the layout does not hold is base's) and
 * stores each row into its member, those of CR0, CR3, CR4 and EFER into c
 * (RSM's r->img, so that it needs no copies) and those of the extras into
 * x, which vsmm_image_decode has zeroed; decode_rsm is decode with only
 * the extras RSM reads, in rx (zero where the map has none): one
 * little-endian load and one store per row, and no copy of the whole
 * structs (decoding into zeroed locals and copying them out cost a third
 * of the decoder).
 */
/* The body both decoders share: they differ in where the extras go (x for
 * vsmm_image_decode, rx for RSM, the other NULL: for_rsm says which rows
 * store), and RSM's zeroes first the extras its map has no row for.  ext
 * is a constant of each copy: the decoders decode an area without vsmm's
 * records (intel64 written by a processor, the rare case) out of line
 * (decode_bare_ID), so that the common one is not compiled around it (its
 * selectors were kept in registers across both). */
#define DECODE_ROWS(id, FIELDS, AREA_OFFSET, SEG_RECORDS) \
	ROW_INLINE bool decode_rows_##id(const uint8_t *restrict area, \
					 const struct vsmm_cpu_state *restrict base, \
					 struct vsmm_cpu_state *restrict s, \
					 struct vsmm__rsm_image *restrict c, \
					 struct vsmm_image_extras *restrict x, \
					 struct vsmm__rsm_extras *restrict rx, \
					 const bool for_rsm, const bool ext) \
	{ \
		const enum seg_records records = SEG_RECORDS; \
		const unsigned record_bases = 0u FIELDS(RECORD_BASE_BIT); \
		const unsigned attr_records = 0u FIELDS(ATTR_RECORD_BIT); \
		const unsigned split_bases = 0u FIELDS(SPLIT_BIT); \
		REG_ROWS(FIELDS, AREA_OFFSET); \
		const size_t first = AREA_FIRST(AREA_OFFSET); \
		const uint64_t kinds_held = 0 FIELDS(KIND_BIT); \
		COPY_STATE(FIELDS) \
		BASE_CHECKED_REGS(); \
		if (for_rsm) \
			ZERO_RSM_EXTRAS(); \
		FIELDS(CLEAR_PARTIAL_ROW) \
		FIELDS(DECODE_ROW) \
		return ext; \
	} \
	static VSMM__COLD bool decode_bare_##id( \
		const uint8_t *restrict area, \
		const struct vsmm_cpu_state *restrict base, \
		struct vsmm_cpu_state *restrict s, struct vsmm__rsm_image *restrict c, \
		struct vsmm_image_extras *restrict x, \
		struct vsmm__rsm_extras *restrict rx, bool for_rsm) \
	{ \
		return decode_rows_##id(area, base, s, c, x, rx, for_rsm, false); \
	}
#define DECODE_BODY(id, for_rsm) \
	if (!extensions_present_##id(area)) \
		return decode_bare_##id(area, base, s, c, x, rx, (for_rsm)); \
	return decode_rows_##id(area, base, s, c, x, rx, (for_rsm), true)

#define CODEC(id, FIELDS, AREA_OFFSET, SEG_RECORDS) \
	static void encode_##id(const struct vsmm_cpu_state *restrict s, \
				const struct vsmm_image_extras *restrict x, \
				uint8_t *restrict area) \
	{ \
		const enum seg_records records = SEG_RECORDS; \
		const unsigned record_bases = 0u FIELDS(RECORD_BASE_BIT); \
		const size_t first = AREA_FIRST(AREA_OFFSET); \
		PLAIN_ROWS(FIELDS, AREA_OFFSET); \
		REG_ROWS(FIELDS, AREA_OFFSET); \
		ZERO_AREA(FIELDS, AREA_OFFSET, 0, SEG_RECORDS) \
		FIELDS(ENCODE_ROW) \
	} \
	static void encode_plain_##id(const struct vsmm_cpu_state *restrict s, \
				      uint32_t revision, uint8_t *restrict area) \
	{ \
		const enum seg_records records = SEG_RECORDS; \
		const unsigned record_bases = 0u FIELDS(RECORD_BASE_BIT); \
		const size_t first = AREA_FIRST(AREA_OFFSET); \
		const struct vsmm_image_extras rev_only = { \
			.revision = revision, \
		}; \
		PLAIN_ROWS(FIELDS, AREA_OFFSET); \
		REG_ROWS(FIELDS, AREA_OFFSET); \
		ZERO_AREA(FIELDS, AREA_OFFSET, 1, SEG_RECORDS) \
		FIELDS(ENCODE_PLAIN_ROW) \
	} \
	static bool extensions_present_##id(const uint8_t *area) \
	{ \
		const size_t first = AREA_FIRST(AREA_OFFSET); \
		(void)first; /* unused by layouts without a signature row */ \
		FIELDS(SIGNATURE_ROW) \
		return true; \
	} \
	DECODE_ROWS(id, FIELDS, AREA_OFFSET, SEG_RECORDS) \
	static bool decode_##id(const uint8_t *restrict area, \
				const struct vsmm_cpu_state *restrict base, \
				struct vsmm_cpu_state *restrict s, \
				struct vsmm__rsm_image *restrict c, \
				struct vsmm_image_extras *restrict x) \
	{ \
		struct vsmm__rsm_extras *const rx = NULL; \
		DECODE_BODY(id, false); \
	} \
	bool vsmm__decode_rsm_##id(const uint8_t *restrict area, \
				   const struct vsmm_cpu_state *restrict base, \
				   struct vsmm_cpu_state *restrict s, \
				   struct vsmm__rsm_image *restrict c, \
				   struct vsmm__rsm_extras *restrict rx) \
	{ \
		struct vsmm_image_extras *const x = NULL; \
		DECODE_BODY(id, true); \
	}

/* Only intel64's table has a signature row: its decoder alone can find an
 * area without the hidden segment state (vsmm__image_decode, layout.h). */
#define SIGNED_ROW(name, off, size, flags, kind, arg, text) \
	+(VSMM__B_##kind == VSMM__B_EXT_SIGNATURE)
_Static_assert((0 VSMM__P6_32_FIELDS(SIGNED_ROW)) == 0, "p6-32 is not signed");
_Static_assert((0 VSMM__AMD64_FIELDS(SIGNED_ROW)) == 0, "amd64 is not signed");
_Static_assert((0 VSMM__INTEL64_FIELDS(SIGNED_ROW)) == 1, "intel64 is signed");

CODEC(p6_32, VSMM__P6_32_FIELDS, VSMM__P6_32_AREA_OFFSET, RECORDS_P6)
CODEC(amd64, VSMM__AMD64_FIELDS, VSMM__AMD64_AREA_OFFSET, RECORDS_AMD64)
CODEC(intel64, VSMM__INTEL64_FIELDS, VSMM__INTEL64_AREA_OFFSET, RECORDS_INTEL64)

/* The decoders by layout.  The encoders are called through the switches
 * of vsmm__image_encode and vsmm__image_encode_plain, which inline them:
 * SMI pays one call for its image. */
static bool (*const decoders[VSMM_LAYOUT_COUNT])(const uint8_t *area,
						 const struct vsmm_cpu_state *base,
						 struct vsmm_cpu_state *state,
						 struct vsmm__rsm_image *checked,
						 struct vsmm_image_extras *extras) = {
	[VSMM_LAYOUT_P6_32] = decode_p6_32,
	[VSMM_LAYOUT_AMD64] = decode_amd64,
	[VSMM_LAYOUT_INTEL64] = decode_intel64,
};

int vsmm_image_encode(enum vsmm_layout layout, const struct vsmm_cpu_state *state,
		      const struct vsmm_image_extras *extras, uint8_t *area, size_t len)
{
	const struct vsmm__layout *l = find(layout); /* AUTO is no layout */

	if (!l || !state || !area)
		return VSMM_E_INVAL;
	if (len != l->desc.area_size)
		return VSMM_E_BUFSIZE;
	/* A NULL extras is all zero but for the layout's own revision
	 * (header); built only then, not zeroed on every SMI. */
	if (!extras) {
		struct vsmm_image_extras defaults = {
			.revision = l->desc.revision | VSMM_REV_SMBASE_RELOC,
		};
		return vsmm_image_encode(layout, state, &defaults, area, len);
	}

	vsmm__image_encode(layout, state, extras, area);
	return VSMM_OK;
}

int vsmm_image_decode(enum vsmm_layout layout, const uint8_t *area, size_t len,
		      struct vsmm_cpu_state *state, struct vsmm_image_extras *extras)
{
	const struct vsmm__layout *l = find(layout); /* AUTO is no layout */

	if (!l || !area || !state)
		return VSMM_E_INVAL;
	if (len != l->desc.area_size)
		return VSMM_E_BUFSIZE;
	/* What the layout does not hold reads as zero: the decoder starts
	 * the state from zero, and stores only the extras the map has. */
	static const struct vsmm_cpu_state zero;
	struct vsmm__rsm_image checked;
	struct vsmm_image_extras unused;
	if (extras)
		memset(extras, 0, sizeof(*extras));
	(void)decoders[layout](area, &zero, state, &checked, extras ? extras : &unused);
	state->cr0 = checked.cr0;
	state->cr3 = checked.cr3;
	state->cr4 = checked.cr4;
	state->efer = checked.efer;
	return VSMM_OK;
}

void vsmm__image_encode(enum vsmm_layout layout, const struct vsmm_cpu_state *state,
			const struct vsmm_image_extras *extras, uint8_t *area)
{
	switch (layout) {
	case VSMM_LAYOUT_P6_32: encode_p6_32(state, extras, area); break;
	case VSMM_LAYOUT_AMD64: encode_amd64(state, extras, area); break;
	case VSMM_LAYOUT_INTEL64: encode_intel64(state, extras, area); break;
	default: break; /* no layout: the callers have checked */
	}
}

void vsmm__image_encode_plain(enum vsmm_layout layout, const struct vsmm_cpu_state *state,
			      uint32_t revision, uint8_t *area)
{
	switch (layout) {
	case VSMM_LAYOUT_P6_32: encode_plain_p6_32(state, revision, area); break;
	case VSMM_LAYOUT_AMD64: encode_plain_amd64(state, revision, area); break;
	case VSMM_LAYOUT_INTEL64: encode_plain_intel64(state, revision, area); break;
	default: break; /* no layout: the callers have checked */
	}
}
