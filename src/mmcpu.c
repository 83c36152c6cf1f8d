/* SPDX-License-Identifier: MIT */
/*
 * EFI_MM_CPU_PROTOCOL.ReadSaveState / WriteSaveState over an image, as
 * EDK2's three save-state libraries answer them (flavours INTEL, AMD and
 * OVMF; see the header and docs/compat.md for the sources).
 *
 * Each flavour is data: a register table written like the libraries'
 * lookup tables (one row per register number of the ranges they index,
 * with its width and offsets in the 32-bit and the 64-bit map and whether
 * it may be written), plus how it decides the mode (LMA) and the IO
 * pseudo-register.  One reader and one writer walk those tables.
 *
 * Offsets are written as the manuals write them (0x7Exx: from SMBASE +
 * 0x8000); an area of len bytes ends at SMBASE + 0xFFFF.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define MANUAL_BASE 0x8000u
#define SMRAM_TOP 0x10000u

/* Fields the libraries read for themselves (not EFI registers). */
#define OFF_SMM_REVISION 0x7EFCu /* every map */
#define OFF_IOMISC 0x7FA4u	 /* Intel, both maps */
#define OFF_AMD_IO_DWORD 0x7EC0u /* AMD64 I/O trap dword */

/* Intel: IOMisc exists from this revision id on (compared whole). */
#define INTEL_MIN_REV_IOMISC 0x30004u

/*
 * One register of a flavour.  w32/off32: the 32-bit map; w64/lo/hi: the
 * 64-bit map, whose bytes 0..3 are at lo and bytes 4..7 at hi (the two
 * halves are not always adjacent).  A width of 0: the library knows the
 * register but this map has no such field.
 */
struct mm_row {
	uint16_t reg;
	uint8_t w32;
	uint16_t off32;
	uint8_t w64;
	uint16_t lo;
	uint16_t hi;
	bool writable;
};

#define RW true
#define RO false

/* The row of a register the library does not map in either mode. */
#define NONE(reg) \
	{ \
		VSMM_MM_REG_##reg, 0, 0, 0, 0, 0, RO \
	}
#define ROW(reg, w32, off32, w64, lo, hi, wr) \
	{ \
		VSMM_MM_REG_##reg, w32, off32, w64, lo, hi, wr \
	}

/*
 * IntelMmSaveStateLib: SMRAM_SAVE_STATE_MAP32 / SMRAM_SAVE_STATE_MAP64
 * (SDM Vol.3C "SMRAM State Save Map" tables).  The descriptor-table bases
 * are split far apart (low dwords at 7E8C.., high dwords at 7DD0..);
 * CR4 is a dword; LDTR's selector exists in the 64-bit map only.
 */
static const struct mm_row intel_rows[] = {
	/*   register   w32 off32   w64 lo      hi      */
	ROW(GDTBASE, 0, 0, 8, 0x7E8C, 0x7DD0, RO),
	ROW(IDTBASE, 0, 0, 8, 0x7E94, 0x7DD8, RO),
	ROW(LDTBASE, 0, 0, 8, 0x7E9C, 0x7DD4, RO),
	NONE(GDTLIMIT),
	NONE(IDTLIMIT),
	NONE(LDTLIMIT),
	NONE(LDTINFO),
	ROW(ES, 4, 0x7FA8, 4, 0x7FA8, 0, RO),
	ROW(CS, 4, 0x7FAC, 4, 0x7FAC, 0, RO),
	ROW(SS, 4, 0x7FB0, 4, 0x7FB0, 0, RO),
	ROW(DS, 4, 0x7FB4, 4, 0x7FB4, 0, RO),
	ROW(FS, 4, 0x7FB8, 4, 0x7FB8, 0, RO),
	ROW(GS, 4, 0x7FBC, 4, 0x7FBC, 0, RO),
	ROW(LDTR_SEL, 0, 0, 4, 0x7FC0, 0, RO),
	ROW(TR_SEL, 4, 0x7FC4, 4, 0x7FC4, 0, RO),
	ROW(DR7, 4, 0x7FC8, 8, 0x7FC8, 0x7FCC, RO),
	ROW(DR6, 4, 0x7FCC, 8, 0x7FD0, 0x7FD4, RO),
	ROW(R8, 0, 0, 8, 0x7F54, 0x7F58, RW),
	ROW(R9, 0, 0, 8, 0x7F4C, 0x7F50, RW),
	ROW(R10, 0, 0, 8, 0x7F44, 0x7F48, RW),
	ROW(R11, 0, 0, 8, 0x7F3C, 0x7F40, RW),
	ROW(R12, 0, 0, 8, 0x7F34, 0x7F38, RW),
	ROW(R13, 0, 0, 8, 0x7F2C, 0x7F30, RW),
	ROW(R14, 0, 0, 8, 0x7F24, 0x7F28, RW),
	ROW(R15, 0, 0, 8, 0x7F1C, 0x7F20, RW),
	ROW(RAX, 4, 0x7FD0, 8, 0x7F5C, 0x7F60, RW),
	ROW(RBX, 4, 0x7FDC, 8, 0x7F74, 0x7F78, RW),
	ROW(RCX, 4, 0x7FD4, 8, 0x7F64, 0x7F68, RW),
	ROW(RDX, 4, 0x7FD8, 8, 0x7F6C, 0x7F70, RW),
	ROW(RSP, 4, 0x7FE0, 8, 0x7F7C, 0x7F80, RW),
	ROW(RBP, 4, 0x7FE4, 8, 0x7F84, 0x7F88, RW),
	ROW(RSI, 4, 0x7FE8, 8, 0x7F8C, 0x7F90, RW),
	ROW(RDI, 4, 0x7FEC, 8, 0x7F94, 0x7F98, RW),
	ROW(RIP, 4, 0x7FF0, 8, 0x7FD8, 0x7FDC, RW),
	ROW(RFLAGS, 4, 0x7FF4, 8, 0x7FE8, 0x7FEC, RW),
	ROW(CR0, 4, 0x7FFC, 8, 0x7FF8, 0x7FFC, RO),
	ROW(CR3, 4, 0x7FF8, 8, 0x7FF0, 0x7FF4, RO),
	ROW(CR4, 0, 0, 4, 0x7E40, 0, RO),
};

/*
 * AmdMmSaveStateLib: AMD_SMRAM_SAVE_STATE_MAP (APM Vol.2 "SMRAM
 * State-Save Area"), 64-bit map only.  As in that library, the high
 * dwords of IDTBASE and LDTBASE are read from (and written to) their LOW
 * dwords (7E88, 7E78); docs/compat.md.  Selectors are words.
 */
static const struct mm_row amd_rows[] = {
	/*   register   w32 off32   w64 lo      hi      */
	ROW(GDTBASE, 0, 0, 8, 0x7E68, 0x7E6C, RO),
	ROW(IDTBASE, 0, 0, 8, 0x7E88, 0x7E88, RO),
	ROW(LDTBASE, 0, 0, 8, 0x7E78, 0x7E78, RO),
	ROW(GDTLIMIT, 0, 0, 2, 0x7E64, 0, RO),
	ROW(IDTLIMIT, 0, 0, 2, 0x7E84, 0, RO),
	ROW(LDTLIMIT, 0, 0, 4, 0x7E74, 0, RO),
	NONE(LDTINFO),
	ROW(ES, 0, 0, 2, 0x7E00, 0, RO),
	ROW(CS, 0, 0, 2, 0x7E10, 0, RO),
	ROW(SS, 0, 0, 2, 0x7E20, 0, RO),
	ROW(DS, 0, 0, 2, 0x7E30, 0, RO),
	ROW(FS, 0, 0, 2, 0x7E40, 0, RO),
	ROW(GS, 0, 0, 2, 0x7E50, 0, RO),
	ROW(LDTR_SEL, 0, 0, 2, 0x7E70, 0, RO),
	ROW(TR_SEL, 0, 0, 2, 0x7E90, 0, RO),
	ROW(DR7, 0, 0, 8, 0x7F60, 0x7F64, RO),
	ROW(DR6, 0, 0, 8, 0x7F68, 0x7F6C, RO),
	ROW(R8, 0, 0, 8, 0x7FB8, 0x7FBC, RW),
	ROW(R9, 0, 0, 8, 0x7FB0, 0x7FB4, RW),
	ROW(R10, 0, 0, 8, 0x7FA8, 0x7FAC, RW),
	ROW(R11, 0, 0, 8, 0x7FA0, 0x7FA4, RW),
	ROW(R12, 0, 0, 8, 0x7F98, 0x7F9C, RW),
	ROW(R13, 0, 0, 8, 0x7F90, 0x7F94, RW),
	ROW(R14, 0, 0, 8, 0x7F88, 0x7F8C, RW),
	ROW(R15, 0, 0, 8, 0x7F80, 0x7F84, RW),
	ROW(RAX, 0, 0, 8, 0x7FF8, 0x7FFC, RW),
	ROW(RBX, 0, 0, 8, 0x7FE0, 0x7FE4, RW),
	ROW(RCX, 0, 0, 8, 0x7FF0, 0x7FF4, RW),
	ROW(RDX, 0, 0, 8, 0x7FE8, 0x7FEC, RW),
	ROW(RSP, 0, 0, 8, 0x7FD8, 0x7FDC, RW),
	ROW(RBP, 0, 0, 8, 0x7FD0, 0x7FD4, RW),
	ROW(RSI, 0, 0, 8, 0x7FC8, 0x7FCC, RW),
	ROW(RDI, 0, 0, 8, 0x7FC0, 0x7FC4, RW),
	ROW(RIP, 0, 0, 8, 0x7F78, 0x7F7C, RW),
	ROW(RFLAGS, 0, 0, 8, 0x7F70, 0x7F74, RW),
	ROW(CR0, 0, 0, 8, 0x7F58, 0x7F5C, RO),
	ROW(CR3, 0, 0, 8, 0x7F50, 0x7F54, RO),
	ROW(CR4, 0, 0, 8, 0x7F48, 0x7F4C, RO),
};

/*
 * OVMF's SmmCpuFeaturesLib (to edk2-stable202302) on QEMU's maps: the
 * AMD64 map, or the 32-bit map when the revision id's low word is 0.  No
 * descriptor-table limits; a "selector" is read as a dword (selector and
 * attributes together in the 64-bit map); CR4 is a dword at 7F48.
 */
static const struct mm_row ovmf_rows[] = {
	/*   register   w32 off32   w64 lo      hi      */
	ROW(GDTBASE, 0, 0, 8, 0x7E68, 0x7E6C, RO),
	ROW(IDTBASE, 0, 0, 8, 0x7E88, 0x7E8C, RO),
	ROW(LDTBASE, 0, 0, 8, 0x7E78, 0x7E7C, RO),
	NONE(GDTLIMIT),
	NONE(IDTLIMIT),
	NONE(LDTLIMIT),
	NONE(LDTINFO),
	ROW(ES, 4, 0x7FA8, 4, 0x7E00, 0, RO),
	ROW(CS, 4, 0x7FAC, 4, 0x7E10, 0, RO),
	ROW(SS, 4, 0x7FB0, 4, 0x7E20, 0, RO),
	ROW(DS, 4, 0x7FB4, 4, 0x7E30, 0, RO),
	ROW(FS, 4, 0x7FB8, 4, 0x7E40, 0, RO),
	ROW(GS, 4, 0x7FBC, 4, 0x7E50, 0, RO),
	ROW(LDTR_SEL, 0, 0, 4, 0x7E70, 0, RO),
	ROW(TR_SEL, 4, 0x7FC4, 4, 0x7E90, 0, RO),
	ROW(DR7, 4, 0x7FC8, 8, 0x7F60, 0x7F64, RO),
	ROW(DR6, 4, 0x7FCC, 8, 0x7F68, 0x7F6C, RO),
	ROW(R8, 0, 0, 8, 0x7FB8, 0x7FBC, RW),
	ROW(R9, 0, 0, 8, 0x7FB0, 0x7FB4, RW),
	ROW(R10, 0, 0, 8, 0x7FA8, 0x7FAC, RW),
	ROW(R11, 0, 0, 8, 0x7FA0, 0x7FA4, RW),
	ROW(R12, 0, 0, 8, 0x7F98, 0x7F9C, RW),
	ROW(R13, 0, 0, 8, 0x7F90, 0x7F94, RW),
	ROW(R14, 0, 0, 8, 0x7F88, 0x7F8C, RW),
	ROW(R15, 0, 0, 8, 0x7F80, 0x7F84, RW),
	ROW(RAX, 4, 0x7FD0, 8, 0x7FF8, 0x7FFC, RW),
	ROW(RBX, 4, 0x7FDC, 8, 0x7FE0, 0x7FE4, RW),
	ROW(RCX, 4, 0x7FD4, 8, 0x7FF0, 0x7FF4, RW),
	ROW(RDX, 4, 0x7FD8, 8, 0x7FE8, 0x7FEC, RW),
	ROW(RSP, 4, 0x7FE0, 8, 0x7FD8, 0x7FDC, RW),
	ROW(RBP, 4, 0x7FE4, 8, 0x7FD0, 0x7FD4, RW),
	ROW(RSI, 4, 0x7FE8, 8, 0x7FC8, 0x7FCC, RW),
	ROW(RDI, 4, 0x7FEC, 8, 0x7FC0, 0x7FC4, RW),
	ROW(RIP, 4, 0x7FF0, 8, 0x7F78, 0x7F7C, RW),
	ROW(RFLAGS, 4, 0x7FF4, 8, 0x7F70, 0x7F74, RW),
	ROW(CR0, 4, 0x7FFC, 8, 0x7F58, 0x7F5C, RO),
	ROW(CR3, 4, 0x7FF8, 8, 0x7F50, 0x7F54, RO),
	ROW(CR4, 0, 0, 4, 0x7F48, 0x7F4C, RO),
};

#undef ROW
#undef NONE

/* How a library decides the mode, i.e. which of a row's maps applies. */
enum mm_lma_rule {
	LMA_FROM_CALLER,   /* Intel: CPUID long-mode support of the processor */
	LMA_ALWAYS_64,	   /* AMD: "AMD64 processors support 64-bit only" */
	LMA_FROM_REVISION, /* OVMF: revision id low word 0 -> 32-bit map */
};

/* Where the IO pseudo-register comes from. */
enum mm_io_rule {
	IO_INTEL_IOMISC, /* IOMisc at 7FA4, from revision 0x30004 on */
	IO_AMD_DWORD,	 /* the I/O trap dword at 7EC0 */
	IO_NONE,	 /* always EFI_NOT_FOUND */
};

struct mm_flavour {
	const char *name;
	const struct mm_row *rows;
	size_t nrows;
	enum mm_lma_rule lma;
	enum mm_io_rule io;
};

static const struct mm_flavour flavours[VSMM_MM_FLAVOUR_COUNT] = {
	[VSMM_MM_INTEL] = { "intel", intel_rows, VSMM__ARRAY_SIZE(intel_rows),
			    LMA_FROM_CALLER, IO_INTEL_IOMISC },
	[VSMM_MM_AMD] = { "amd", amd_rows, VSMM__ARRAY_SIZE(amd_rows), LMA_ALWAYS_64,
			  IO_AMD_DWORD },
	[VSMM_MM_OVMF] = { "ovmf", ovmf_rows, VSMM__ARRAY_SIZE(ovmf_rows),
			   LMA_FROM_REVISION, IO_NONE },
};

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

struct reg_name {
	uint32_t number;
	const char *name;
};

static const struct reg_name reg_names[] = {
#define REG_NAME(name, number) { number, #name },
	VSMM_MM_REGISTER_MAP(REG_NAME)
#undef REG_NAME
};

const char *vsmm_mm_register_name(uint32_t reg)
{
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(reg_names); i++)
		if (reg_names[i].number == reg)
			return reg_names[i].name;
	return NULL;
}

static char ascii_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool name_equal(const char *table, const char *text)
{
	while (*table && ascii_upper(*text) == *table) {
		table++;
		text++;
	}
	return *table == '\0' && *text == '\0';
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_upper(c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A decimal or 0x-hex number below 2^32, nothing around it. */
static int parse_number(const char *text, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (*text == '\0')
		return VSMM_E_INVAL;
	for (; *text; text++) {
		int d = digit_value(*text);

		if (d < 0 || (unsigned)d >= base)
			return VSMM_E_INVAL;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return VSMM_E_INVAL;
	}
	*out = (uint32_t)v;
	return VSMM_OK;
}

int vsmm_mm_register_parse(const char *text, uint32_t *out)
{
	if (!text || !out || *text == '\0')
		return VSMM_E_INVAL;
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(reg_names); i++) {
		if (name_equal(reg_names[i].name, text)) {
			*out = reg_names[i].number;
			return VSMM_OK;
		}
	}
	return parse_number(text, out);
}

const char *vsmm_mm_flavour_name(enum vsmm_mm_flavour flavour)
{
	if ((unsigned)flavour >= VSMM_MM_FLAVOUR_COUNT)
		return NULL;
	return flavours[flavour].name;
}

int vsmm_mm_flavour_from_name(const char *name, enum vsmm_mm_flavour *out)
{
	if (!name || !out)
		return VSMM_E_INVAL;
	for (unsigned i = 0; i < VSMM_MM_FLAVOUR_COUNT; i++) {
		const char *n = flavours[i].name;
		const char *t = name;

		while (*n && *t == *n) {
			n++;
			t++;
		}
		if (*n == '\0' && *t == '\0') {
			*out = (enum vsmm_mm_flavour)i;
			return VSMM_OK;
		}
	}
	return VSMM_E_INVAL;
}

enum vsmm_mm_flavour vsmm_mm_flavour_for_layout(enum vsmm_layout layout)
{
	return layout == VSMM_LAYOUT_INTEL64 ? VSMM_MM_INTEL : VSMM_MM_OVMF;
}

/* ------------------------------------------------------------------------ */
/* Access                                                                    */
/* ------------------------------------------------------------------------ */

/* One request with everything decided that does not depend on the
 * register: the flavour, the mode, and the area's first manual offset. */
struct mm_view {
	const struct mm_flavour *fl;
	uint8_t lma;
	uint32_t first; /* manual offset of area[0] */
	size_t len;
};

static size_t area_index(const struct mm_view *v, uint32_t off)
{
	return (size_t)(off - v->first);
}

/* Does [off, off+n) lie inside the area?  (Tables are constant, but the
 * area may be the short one.) */
static bool inside(const struct mm_view *v, uint32_t off, size_t n)
{
	return off >= v->first && area_index(v, off) + n <= v->len;
}

static uint32_t area_ld32(const struct mm_view *v, const uint8_t *area, uint32_t off)
{
	return vsmm__ld32(area + area_index(v, off));
}

static enum vsmm_efi_status view_init(struct mm_view *v, const struct vsmm_mm_cpu *cpu,
				      const uint8_t *area, size_t len)
{
	if (!cpu || !area || (len != 512 && len != 1024))
		return VSMM_EFI_INVALID_PARAMETER;
	if ((unsigned)cpu->flavour >= VSMM_MM_FLAVOUR_COUNT)
		return VSMM_EFI_INVALID_PARAMETER;
	v->fl = &flavours[cpu->flavour];
	v->len = len;
	v->first = SMRAM_TOP - (uint32_t)len - MANUAL_BASE;
	switch (v->fl->lma) {
	case LMA_FROM_CALLER:
		if (cpu->lma == 0)
			v->lma = len == 1024 ? VSMM_MM_LMA_64BIT : VSMM_MM_LMA_32BIT;
		else if (cpu->lma == VSMM_MM_LMA_32BIT || cpu->lma == VSMM_MM_LMA_64BIT)
			v->lma = cpu->lma;
		else
			return VSMM_EFI_INVALID_PARAMETER;
		break;
	case LMA_ALWAYS_64: v->lma = VSMM_MM_LMA_64BIT; break;
	case LMA_FROM_REVISION:
		v->lma = (area_ld32(v, area, OFF_SMM_REVISION) & 0xffffu) == 0
				 ? VSMM_MM_LMA_32BIT
				 : VSMM_MM_LMA_64BIT;
		break;
	default: /* no flavour has another rule; GCC -O3 cannot see that */
		return VSMM_EFI_INVALID_PARAMETER;
	}
	/* Every offset of the mode's map must be inside the area. */
	for (size_t i = 0; i < v->fl->nrows; i++) {
		const struct mm_row *r = &v->fl->rows[i];
		bool ok = v->lma == VSMM_MM_LMA_32BIT
				  ? (r->w32 == 0 || inside(v, r->off32, r->w32))
				  : (r->w64 == 0 ||
				     (inside(v, r->lo, r->w64 < 4 ? r->w64 : 4) &&
				      (r->w64 <= 4 || inside(v, r->hi, 4))));
		if (!ok)
			return VSMM_EFI_INVALID_PARAMETER;
	}
	return VSMM_EFI_SUCCESS;
}

static const struct mm_row *find_row(const struct mm_flavour *fl, uint32_t reg)
{
	for (size_t i = 0; i < fl->nrows; i++)
		if (fl->rows[i].reg == reg)
			return &fl->rows[i];
	return NULL;
}

/* The width check both directions share, once the row is known. */
static enum vsmm_efi_status check_width(const struct mm_view *v, const struct mm_row *r,
					size_t width)
{
	uint8_t w = v->lma == VSMM_MM_LMA_32BIT ? r->w32 : r->w64;

	if (w == 0)
		return VSMM_EFI_NOT_FOUND;
	if (width > w)
		return VSMM_EFI_INVALID_PARAMETER;
	return VSMM_EFI_SUCCESS;
}

/* The manual offset of byte i (< width) of a register in this mode. */
static uint32_t byte_offset(const struct mm_view *v, const struct mm_row *r, size_t i)
{
	if (v->lma == VSMM_MM_LMA_32BIT)
		return r->off32 + (uint32_t)i;
	return i < 4 ? r->lo + (uint32_t)i : r->hi + (uint32_t)(i - 4);
}

static enum vsmm_efi_status read_row(const struct mm_view *v, const uint8_t *area,
				     uint32_t reg, size_t width, uint8_t *out)
{
	const struct mm_row *r = find_row(v->fl, reg);
	enum vsmm_efi_status st;

	if (!r)
		return VSMM_EFI_NOT_FOUND;
	st = check_width(v, r, width);
	if (st != VSMM_EFI_SUCCESS)
		return st;
	for (size_t i = 0; i < width; i++)
		out[i] = area[area_index(v, byte_offset(v, r, i))];
	return VSMM_EFI_SUCCESS;
}

/* RAX's low `width` bytes, for IoData. */
static uint64_t io_data(const struct mm_view *v, const uint8_t *area, unsigned width)
{
	uint8_t b[4] = { 0 };
	uint64_t x = 0;

	if (read_row(v, area, VSMM_MM_REG_RAX, width, b) != VSMM_EFI_SUCCESS)
		return 0;
	for (unsigned i = 0; i < width; i++)
		x |= (uint64_t)b[i] << (8 * i);
	return x;
}

/*
 * Intel IOMisc: bit 0 SMI flag, bits 3:1 length (1, 2 or 4 bytes), bits
 * 7:4 type, bits 31:16 port.  Only IN/OUT (by DX or immediate) are
 * reported; string and REP forms are EFI_NOT_FOUND, as in the library.
 */
static enum vsmm_efi_status io_intel(const struct mm_view *v, const uint8_t *area,
				     struct vsmm_mm_io_info *io)
{
	static const uint8_t length_bytes[8] = { 0, 1, 2, 0, 4, 0, 0, 0 };
	uint32_t misc, type, bytes;

	if (area_ld32(v, area, OFF_SMM_REVISION) < INTEL_MIN_REV_IOMISC)
		return VSMM_EFI_NOT_FOUND;
	misc = area_ld32(v, area, OFF_IOMISC);
	if ((misc & 1u) == 0)
		return VSMM_EFI_NOT_FOUND;
	bytes = length_bytes[(misc >> 1) & 7u];
	type = (misc >> 4) & 0xfu;
	if (type == 0 || type == 8)
		io->io_type = VSMM_MM_IO_TYPE_OUTPUT;
	else if (type == 1 || type == 9)
		io->io_type = VSMM_MM_IO_TYPE_INPUT;
	else
		return VSMM_EFI_NOT_FOUND;
	if (bytes == 0)
		return VSMM_EFI_NOT_FOUND;
	io->io_width = bytes == 1   ? VSMM_MM_IO_WIDTH_UINT8
		       : bytes == 2 ? VSMM_MM_IO_WIDTH_UINT16
				    : VSMM_MM_IO_WIDTH_UINT32;
	io->io_port = (uint16_t)(misc >> 16);
	io->io_data = io_data(v, area, bytes);
	return VSMM_EFI_SUCCESS;
}

/*
 * AMD I/O trap dword: bit 0 IN (1) or OUT, bit 1 valid, bit 4 byte, bit 5
 * word (else dword), bits 31:16 port.  String and REP bits are ignored,
 * as in the library.
 */
static enum vsmm_efi_status io_amd(const struct mm_view *v, const uint8_t *area,
				   struct vsmm_mm_io_info *io)
{
	uint32_t d = area_ld32(v, area, OFF_AMD_IO_DWORD);
	unsigned bytes;

	if ((d & 2u) == 0)
		return VSMM_EFI_NOT_FOUND;
	io->io_port = (uint16_t)(d >> 16);
	if (d & 0x10u) {
		io->io_width = VSMM_MM_IO_WIDTH_UINT8;
		bytes = 1;
	} else if (d & 0x20u) {
		io->io_width = VSMM_MM_IO_WIDTH_UINT16;
		bytes = 2;
	} else {
		io->io_width = VSMM_MM_IO_WIDTH_UINT32;
		bytes = 4;
	}
	io->io_type = (d & 1u) ? VSMM_MM_IO_TYPE_INPUT : VSMM_MM_IO_TYPE_OUTPUT;
	io->io_data = io_data(v, area, bytes);
	return VSMM_EFI_SUCCESS;
}

static enum vsmm_efi_status read_io(const struct mm_view *v, const uint8_t *area,
				    size_t width, void *buffer)
{
	struct vsmm_mm_io_info io = { 0 };
	enum vsmm_efi_status st;

	switch (v->fl->io) {
	case IO_INTEL_IOMISC: st = io_intel(v, area, &io); break;
	case IO_AMD_DWORD: st = io_amd(v, area, &io); break;
	default: return VSMM_EFI_NOT_FOUND;
	}
	if (st != VSMM_EFI_SUCCESS)
		return st;
	/* Intel checks the buffer after decoding; AMD does not check it at
	 * all, which vsmm cannot follow (docs/compat.md). */
	if (width < sizeof(io))
		return VSMM_EFI_INVALID_PARAMETER;
	uint8_t *dst = buffer;
	const uint8_t *src = (const uint8_t *)&io;
	for (size_t i = 0; i < sizeof(io); i++)
		dst[i] = src[i];
	return VSMM_EFI_SUCCESS;
}

enum vsmm_efi_status vsmm_mm_read_save_state(const struct vsmm_mm_cpu *cpu,
					     const uint8_t *area, size_t len,
					     uint32_t reg, size_t width, void *buffer)
{
	struct mm_view v;
	enum vsmm_efi_status st;

	if (!buffer)
		return VSMM_EFI_INVALID_PARAMETER;
	st = view_init(&v, cpu, area, len);
	if (st != VSMM_EFI_SUCCESS)
		return st;

	/* PiSmmCpuDxeSmm answers this one before any library. */
	if (reg == VSMM_MM_REG_PROCESSOR_ID) {
		if (width != 8)
			return VSMM_EFI_INVALID_PARAMETER;
		if (!cpu->processor_id_valid)
			return VSMM_EFI_NOT_FOUND;
		vsmm__st64(buffer, cpu->processor_id);
		return VSMM_EFI_SUCCESS;
	}
	if (reg == VSMM_MM_REG_LMA) {
		if (width != 1)
			return VSMM_EFI_INVALID_PARAMETER;
		*(uint8_t *)buffer = v.lma;
		return VSMM_EFI_SUCCESS;
	}
	if (reg == VSMM_MM_REG_IO)
		return read_io(&v, area, width, buffer);

	/* Read into a scratch buffer so a refusal leaves the caller's alone;
	 * read_row() checks the width (at most 8) before it writes. */
	uint8_t tmp[8];
	st = read_row(&v, area, reg, width, tmp);
	if (st != VSMM_EFI_SUCCESS)
		return st;
	for (size_t i = 0; i < width; i++)
		((uint8_t *)buffer)[i] = tmp[i];
	return VSMM_EFI_SUCCESS;
}

enum vsmm_efi_status vsmm_mm_write_save_state(const struct vsmm_mm_cpu *cpu,
					      uint8_t *area, size_t len, uint32_t reg,
					      size_t width, const void *buffer)
{
	struct mm_view v;
	enum vsmm_efi_status st;
	const struct mm_row *r;

	if (!buffer)
		return VSMM_EFI_INVALID_PARAMETER;
	st = view_init(&v, cpu, area, len);
	if (st != VSMM_EFI_SUCCESS)
		return st;

	/* Ignored, in this order: PiSmmCpuDxeSmm, then every library. */
	if (reg == VSMM_MM_REG_PROCESSOR_ID || reg == VSMM_MM_REG_LMA)
		return VSMM_EFI_SUCCESS;
	if (reg == VSMM_MM_REG_IO)
		return VSMM_EFI_NOT_FOUND;
	r = find_row(v.fl, reg);
	if (!r)
		return VSMM_EFI_NOT_FOUND;
	if (!r->writable)
		return VSMM_EFI_UNSUPPORTED;
	st = check_width(&v, r, width);
	if (st != VSMM_EFI_SUCCESS)
		return st;
	for (size_t i = 0; i < width; i++)
		area[area_index(&v, byte_offset(&v, r, i))] = ((
			const uint8_t *)buffer)[i];
	return VSMM_EFI_SUCCESS;
}

size_t vsmm_mm_register_width(const struct vsmm_mm_cpu *cpu, const uint8_t *area,
			      size_t len, uint32_t reg)
{
	struct mm_view v;
	const struct mm_row *r;

	if (view_init(&v, cpu, area, len) != VSMM_EFI_SUCCESS)
		return 0;
	if (reg == VSMM_MM_REG_PROCESSOR_ID)
		return 8;
	if (reg == VSMM_MM_REG_LMA)
		return 1;
	if (reg == VSMM_MM_REG_IO)
		return v.fl->io == IO_NONE ? 0 : sizeof(struct vsmm_mm_io_info);
	r = find_row(v.fl, reg);
	if (!r)
		return 0;
	return v.lma == VSMM_MM_LMA_32BIT ? r->w32 : r->w64;
}
