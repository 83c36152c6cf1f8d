/* SPDX-License-Identifier: MIT */
/*
 * The EFI_MM_CPU_PROTOCOL mirror (vsmm_mm_read_save_state /
 * vsmm_mm_write_save_state), checked against EDK2's three libraries.
 *
 * The oracle below is written from EDK2's sources, not from src/mmcpu.c:
 * the member offsets of the maps as MdePkg's SmramSaveStateMap.h headers
 * (Intel, AMD) and OvmfPkg's QemuSmramSaveStateMap.h (edk2-stable202302)
 * lay them out, the lookup entries of IntelMmSaveState.c,
 * AmdMmSaveState.c and OVMF's SmmCpuFeaturesLib.c (202302) spelled with
 * those member names, and the read/write steps of MmSaveStateCommon.c and
 * PiSmmCpuDxeSmm.  Every register number 0..600 is tried in all three
 * flavours with widths 0..9 (1, 2, 4, 8 and the odd ones), reading and
 * writing, and the whole image is compared after each write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsmm/vsmm.h"

/* EFI_STATUS codes (MdePkg UefiBaseType.h, without the error bit). */
enum { E_SUCCESS = 0, E_INVALID = 2, E_UNSUPPORTED = 3, E_NOT_FOUND = 14 };

/* ---------------------------------------------------------------------- */
/* The maps, as EDK2's headers lay them out (offsets 0x7C00-based)         */
/* ---------------------------------------------------------------------- */

/* SMRAM_SAVE_STATE_MAP32 (Intel) == QEMU_SMRAM_SAVE_STATE_MAP32 */
enum {
	X86_SMMRevId = 0x7EFC,
	X86_IOMemAddr = 0x7FA0,
	X86_IOMisc = 0x7FA4,
	X86_ES = 0x7FA8,
	X86_CS = 0x7FAC,
	X86_SS = 0x7FB0,
	X86_DS = 0x7FB4,
	X86_FS = 0x7FB8,
	X86_GS = 0x7FBC,
	X86_TR = 0x7FC4,
	X86_DR7 = 0x7FC8,
	X86_DR6 = 0x7FCC,
	X86_EAX = 0x7FD0,
	X86_ECX = 0x7FD4,
	X86_EDX = 0x7FD8,
	X86_EBX = 0x7FDC,
	X86_ESP = 0x7FE0,
	X86_EBP = 0x7FE4,
	X86_ESI = 0x7FE8,
	X86_EDI = 0x7FEC,
	X86_EIP = 0x7FF0,
	X86_EFLAGS = 0x7FF4,
	X86_CR3 = 0x7FF8,
	X86_CR0 = 0x7FFC,
};

/* SMRAM_SAVE_STATE_MAP64 (Intel) */
enum {
	I64_GdtBaseHiDword = 0x7DD0,
	I64_LdtBaseHiDword = 0x7DD4,
	I64_IdtBaseHiDword = 0x7DD8,
	I64_CR4 = 0x7E40,
	I64_GdtBaseLoDword = 0x7E8C,
	I64_IdtBaseLoDword = 0x7E94,
	I64_LdtBaseLoDword = 0x7E9C,
	I64_SMMRevId = 0x7EFC,
	I64_R15 = 0x7F1C,
	I64_R14 = I64_R15 + 8,
	I64_R13 = I64_R14 + 8,
	I64_R12 = I64_R13 + 8,
	I64_R11 = I64_R12 + 8,
	I64_R10 = I64_R11 + 8,
	I64_R9 = I64_R10 + 8,
	I64_R8 = I64_R9 + 8,
	I64_RAX = I64_R8 + 8,
	I64_RCX = I64_RAX + 8,
	I64_RDX = I64_RCX + 8,
	I64_RBX = I64_RDX + 8,
	I64_RSP = I64_RBX + 8,
	I64_RBP = I64_RSP + 8,
	I64_RSI = I64_RBP + 8,
	I64_RDI = I64_RSI + 8,
	I64_IOMemAddr = I64_RDI + 8, /* 7F9C */
	I64_IOMisc = 0x7FA4,
	I64_ES = 0x7FA8,
	I64_CS = 0x7FAC,
	I64_SS = 0x7FB0,
	I64_DS = 0x7FB4,
	I64_FS = 0x7FB8,
	I64_GS = 0x7FBC,
	I64_LDTR = 0x7FC0,
	I64_TR = 0x7FC4,
	I64_DR7 = 0x7FC8,
	I64_DR6 = 0x7FD0,
	I64_RIP = 0x7FD8,
	I64_EFER = 0x7FE0,
	I64_RFLAGS = 0x7FE8,
	I64_CR3 = 0x7FF0,
	I64_CR0 = 0x7FF8,
};

/* AMD_SMRAM_SAVE_STATE_MAP64 == QEMU_SMRAM_SAVE_STATE_MAP64 */
enum {
	A64_ES = 0x7E00,
	A64_CS = 0x7E10,
	A64_SS = 0x7E20,
	A64_DS = 0x7E30,
	A64_FS = 0x7E40,
	A64_GS = 0x7E50,
	A64_GDTRLimit = 0x7E64,
	A64_GDTRBaseLoDword = 0x7E68,
	A64_GDTRBaseHiDword = 0x7E6C,
	A64_LDTR = 0x7E70,
	A64_LDTRLimit = 0x7E74,
	A64_LDTRBaseLoDword = 0x7E78,
	A64_LDTRBaseHiDword = 0x7E7C,
	A64_IDTRLimit = 0x7E84,
	A64_IDTRBaseLoDword = 0x7E88,
	A64_IDTRBaseHiDword = 0x7E8C,
	A64_TR = 0x7E90,
	A64_IO_DWord = 0x7EC0,
	A64_SMMRevId = 0x7EFC,
	A64_CR4 = 0x7F48,
	A64_CR3 = 0x7F50,
	A64_CR0 = 0x7F58,
	A64_DR7 = 0x7F60,
	A64_DR6 = 0x7F68,
	A64_RFLAGS = 0x7F70,
	A64_RIP = 0x7F78,
	A64_R15 = 0x7F80,
	A64_R14 = 0x7F88,
	A64_R13 = 0x7F90,
	A64_R12 = 0x7F98,
	A64_R11 = 0x7FA0,
	A64_R10 = 0x7FA8,
	A64_R9 = 0x7FB0,
	A64_R8 = 0x7FB8,
	A64_RDI = 0x7FC0,
	A64_RSI = 0x7FC8,
	A64_RBP = 0x7FD0,
	A64_RSP = 0x7FD8,
	A64_RBX = 0x7FE0,
	A64_RDX = 0x7FE8,
	A64_RCX = 0x7FF0,
	A64_RAX = 0x7FF8,
};

/* ---------------------------------------------------------------------- */
/* The lookup entries, as the three libraries write them                  */
/* ---------------------------------------------------------------------- */

/* CPU_MM_SAVE_STATE_LOOKUP_ENTRY */
struct entry {
	int width32, width64, offset32, offset64lo, offset64hi;
	bool writeable;
};

#define R8_15(M, W) \
	[30] = { 0, 8, 0, M##_R8, M##_R8 + 4, W }, \
	[31] = { 0, 8, 0, M##_R9, M##_R9 + 4, W }, \
	[32] = { 0, 8, 0, M##_R10, M##_R10 + 4, W }, [33] = { 0,       8,	    0, \
							      M##_R11, M##_R11 + 4, W }, \
	[34] = { 0, 8, 0, M##_R12, M##_R12 + 4, W }, [35] = { 0,       8,	    0, \
							      M##_R13, M##_R13 + 4, W }, \
	[36] = { 0, 8, 0, M##_R14, M##_R14 + 4, W }, [37] = { 0,       8,	    0, \
							      M##_R15, M##_R15 + 4, W }

/* IntelMmSaveState.c mCpuWidthOffset[], by register number. */
static const struct entry intel_tab[55] = {
	[4] = { 0, 8, 0, I64_GdtBaseLoDword, I64_GdtBaseHiDword, false },
	[5] = { 0, 8, 0, I64_IdtBaseLoDword, I64_IdtBaseHiDword, false },
	[6] = { 0, 8, 0, I64_LdtBaseLoDword, I64_LdtBaseHiDword, false },
	[20] = { 4, 4, X86_ES, I64_ES, 0, false },
	[21] = { 4, 4, X86_CS, I64_CS, 0, false },
	[22] = { 4, 4, X86_SS, I64_SS, 0, false },
	[23] = { 4, 4, X86_DS, I64_DS, 0, false },
	[24] = { 4, 4, X86_FS, I64_FS, 0, false },
	[25] = { 4, 4, X86_GS, I64_GS, 0, false },
	[26] = { 0, 4, 0, I64_LDTR, 0, false },
	[27] = { 4, 4, X86_TR, I64_TR, 0, false },
	[28] = { 4, 8, X86_DR7, I64_DR7, I64_DR7 + 4, false },
	[29] = { 4, 8, X86_DR6, I64_DR6, I64_DR6 + 4, false },
	R8_15(I64, true),
	[38] = { 4, 8, X86_EAX, I64_RAX, I64_RAX + 4, true },
	[39] = { 4, 8, X86_EBX, I64_RBX, I64_RBX + 4, true },
	[40] = { 4, 8, X86_ECX, I64_RCX, I64_RCX + 4, true },
	[41] = { 4, 8, X86_EDX, I64_RDX, I64_RDX + 4, true },
	[42] = { 4, 8, X86_ESP, I64_RSP, I64_RSP + 4, true },
	[43] = { 4, 8, X86_EBP, I64_RBP, I64_RBP + 4, true },
	[44] = { 4, 8, X86_ESI, I64_RSI, I64_RSI + 4, true },
	[45] = { 4, 8, X86_EDI, I64_RDI, I64_RDI + 4, true },
	[46] = { 4, 8, X86_EIP, I64_RIP, I64_RIP + 4, true },
	[51] = { 4, 8, X86_EFLAGS, I64_RFLAGS, I64_RFLAGS + 4, true },
	[52] = { 4, 8, X86_CR0, I64_CR0, I64_CR0 + 4, false },
	[53] = { 4, 8, X86_CR3, I64_CR3, I64_CR3 + 4, false },
	[54] = { 0, 4, 0, I64_CR4, 0, false },
};

/* AmdMmSaveState.c mCpuWidthOffset[] (64-bit only; IDT/LDT hi = lo). */
static const struct entry amd_tab[55] = {
	[4] = { 0, 8, 0, A64_GDTRBaseLoDword, A64_GDTRBaseHiDword, false },
	[5] = { 0, 8, 0, A64_IDTRBaseLoDword, A64_IDTRBaseLoDword, false },
	[6] = { 0, 8, 0, A64_LDTRBaseLoDword, A64_LDTRBaseLoDword, false },
	[7] = { 0, 2, 0, A64_GDTRLimit, 0, false },
	[8] = { 0, 2, 0, A64_IDTRLimit, 0, false },
	[9] = { 0, 4, 0, A64_LDTRLimit, 0, false },
	[20] = { 0, 2, 0, A64_ES, 0, false },
	[21] = { 0, 2, 0, A64_CS, 0, false },
	[22] = { 0, 2, 0, A64_SS, 0, false },
	[23] = { 0, 2, 0, A64_DS, 0, false },
	[24] = { 0, 2, 0, A64_FS, 0, false },
	[25] = { 0, 2, 0, A64_GS, 0, false },
	[26] = { 0, 2, 0, A64_LDTR, 0, false },
	[27] = { 0, 2, 0, A64_TR, 0, false },
	[28] = { 0, 8, 0, A64_DR7, A64_DR7 + 4, false },
	[29] = { 0, 8, 0, A64_DR6, A64_DR6 + 4, false },
	R8_15(A64, true),
	[38] = { 0, 8, 0, A64_RAX, A64_RAX + 4, true },
	[39] = { 0, 8, 0, A64_RBX, A64_RBX + 4, true },
	[40] = { 0, 8, 0, A64_RCX, A64_RCX + 4, true },
	[41] = { 0, 8, 0, A64_RDX, A64_RDX + 4, true },
	[42] = { 0, 8, 0, A64_RSP, A64_RSP + 4, true },
	[43] = { 0, 8, 0, A64_RBP, A64_RBP + 4, true },
	[44] = { 0, 8, 0, A64_RSI, A64_RSI + 4, true },
	[45] = { 0, 8, 0, A64_RDI, A64_RDI + 4, true },
	[46] = { 0, 8, 0, A64_RIP, A64_RIP + 4, true },
	[51] = { 0, 8, 0, A64_RFLAGS, A64_RFLAGS + 4, true },
	[52] = { 0, 8, 0, A64_CR0, A64_CR0 + 4, false },
	[53] = { 0, 8, 0, A64_CR3, A64_CR3 + 4, false },
	[54] = { 0, 8, 0, A64_CR4, A64_CR4 + 4, false },
};

/* OVMF SmmCpuFeaturesLib.c (202302) mSmmCpuWidthOffset[] on QEMU's map. */
static const struct entry ovmf_tab[55] = {
	[4] = { 0, 8, 0, A64_GDTRBaseLoDword, A64_GDTRBaseLoDword + 4, false },
	[5] = { 0, 8, 0, A64_IDTRBaseLoDword, A64_IDTRBaseLoDword + 4, false },
	[6] = { 0, 8, 0, A64_LDTRBaseLoDword, A64_LDTRBaseLoDword + 4, false },
	[20] = { 4, 4, X86_ES, A64_ES, 0, false },
	[21] = { 4, 4, X86_CS, A64_CS, 0, false },
	[22] = { 4, 4, X86_SS, A64_SS, 0, false },
	[23] = { 4, 4, X86_DS, A64_DS, 0, false },
	[24] = { 4, 4, X86_FS, A64_FS, 0, false },
	[25] = { 4, 4, X86_GS, A64_GS, 0, false },
	[26] = { 0, 4, 0, A64_LDTR, 0, false },
	[27] = { 4, 4, X86_TR, A64_TR, 0, false },
	[28] = { 4, 8, X86_DR7, A64_DR7, A64_DR7 + 4, false },
	[29] = { 4, 8, X86_DR6, A64_DR6, A64_DR6 + 4, false },
	R8_15(A64, true),
	[38] = { 4, 8, X86_EAX, A64_RAX, A64_RAX + 4, true },
	[39] = { 4, 8, X86_EBX, A64_RBX, A64_RBX + 4, true },
	[40] = { 4, 8, X86_ECX, A64_RCX, A64_RCX + 4, true },
	[41] = { 4, 8, X86_EDX, A64_RDX, A64_RDX + 4, true },
	[42] = { 4, 8, X86_ESP, A64_RSP, A64_RSP + 4, true },
	[43] = { 4, 8, X86_EBP, A64_RBP, A64_RBP + 4, true },
	[44] = { 4, 8, X86_ESI, A64_RSI, A64_RSI + 4, true },
	[45] = { 4, 8, X86_EDI, A64_RDI, A64_RDI + 4, true },
	[46] = { 4, 8, X86_EIP, A64_RIP, A64_RIP + 4, true },
	[51] = { 4, 8, X86_EFLAGS, A64_RFLAGS, A64_RFLAGS + 4, true },
	[52] = { 4, 8, X86_CR0, A64_CR0, A64_CR0 + 4, false },
	[53] = { 4, 8, X86_CR3, A64_CR3, A64_CR3 + 4, false },
	[54] = { 0, 4, 0, A64_CR4, A64_CR4 + 4, false },
};

/* mCpuRegisterRanges[]: 4..10, 20..46, 51..54 have an entry. */
static bool indexed(uint32_t reg)
{
	return (reg >= 4 && reg <= 10) || (reg >= 20 && reg <= 46) ||
	       (reg >= 51 && reg <= 54);
}

/* ---------------------------------------------------------------------- */
/* The libraries' read and write steps, on a test image                   */
/* ---------------------------------------------------------------------- */

struct img {
	uint8_t b[1024];
	size_t len;	/* 512 or 1024 */
	unsigned first; /* 0x7C00 or 0x7E00 */
};

static uint8_t *at(struct img *m, int off)
{
	return &m->b[off - (int)m->first];
}

static uint32_t ld32(struct img *m, int off)
{
	uint8_t *p = at(m, off);

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static const struct entry *table_of(enum vsmm_mm_flavour f)
{
	return f == VSMM_MM_INTEL ? intel_tab : f == VSMM_MM_AMD ? amd_tab : ovmf_tab;
}

/* MmSaveStateGetRegisterLma() of each library. */
static int lma_of(enum vsmm_mm_flavour f, struct img *m, int caller_lma)
{
	if (f == VSMM_MM_AMD)
		return 64;
	if (f == VSMM_MM_OVMF)
		return (ld32(m, X86_SMMRevId) & 0xffff) == 0 ? 32 : 64;
	return caller_lma;
}

/* MmSaveStateReadRegisterByIndex / ReadSaveStateRegisterByIndex. */
static int oracle_read(enum vsmm_mm_flavour f, struct img *m, int lma, uint32_t reg,
		       size_t width, uint8_t *out)
{
	const struct entry *e;

	if (!indexed(reg))
		return E_NOT_FOUND;
	e = &table_of(f)[reg];
	if (lma == 32) {
		if (e->width32 == 0)
			return E_NOT_FOUND;
		if ((int)width > e->width32)
			return E_INVALID;
		memcpy(out, at(m, e->offset32), width);
		return E_SUCCESS;
	}
	if (e->width64 == 0)
		return E_NOT_FOUND;
	if ((int)width > e->width64)
		return E_INVALID;
	memcpy(out, at(m, e->offset64lo), width < 4 ? width : 4);
	if (width > 4)
		memcpy(out + 4, at(m, e->offset64hi), width - 4);
	return E_SUCCESS;
}

/* MmSaveStateWriteRegister (LMA, IO and PROCESSOR_ID are tested apart). */
static int oracle_write(enum vsmm_mm_flavour f, struct img *m, int lma, uint32_t reg,
			size_t width, const uint8_t *in)
{
	const struct entry *e;

	if (!indexed(reg))
		return E_NOT_FOUND;
	e = &table_of(f)[reg];
	if (!e->writeable)
		return E_UNSUPPORTED;
	if (lma == 32) {
		if (e->width32 == 0)
			return E_NOT_FOUND;
		if ((int)width > e->width32)
			return E_INVALID;
		memcpy(at(m, e->offset32), in, width);
		return E_SUCCESS;
	}
	if (e->width64 == 0)
		return E_NOT_FOUND;
	if ((int)width > e->width64)
		return E_INVALID;
	memcpy(at(m, e->offset64lo), in, width < 4 ? width : 4);
	if (width > 4)
		memcpy(at(m, e->offset64hi), in + 4, width - 4);
	return E_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static uint64_t rng_state;

static uint8_t rnd8(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint8_t)(z ^ (z >> 31));
}

static void fill(struct img *m, size_t len, uint32_t revision)
{
	m->len = len;
	m->first = 0x10000u - (unsigned)len - 0x8000u;
	for (size_t i = 0; i < len; i++)
		m->b[i] = rnd8();
	uint8_t *p = at(m, 0x7EFC);
	p[0] = (uint8_t)revision;
	p[1] = (uint8_t)(revision >> 8);
	p[2] = (uint8_t)(revision >> 16);
	p[3] = (uint8_t)(revision >> 24);
}

static const size_t widths[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16 };

/* One flavour/mode over every register number and width, both ways. */
static void sweep(enum vsmm_mm_flavour f, size_t len, uint32_t revision,
		  uint8_t caller_lma)
{
	struct vsmm_mm_cpu cpu = { .flavour = f, .lma = caller_lma };
	struct img m, want;
	int lma;

	fill(&m, len, revision);
	lma = lma_of(f, &m, caller_lma ? caller_lma : (len == 1024 ? 64 : 32));

	for (uint32_t reg = 0; reg <= 600; reg++) {
		if (reg == 512 || reg == 513 || reg == 514)
			continue; /* pseudo-registers: their own tests */
		const struct entry *e = indexed(reg) ? &table_of(f)[reg] : NULL;
		size_t natural = !e	     ? 0
				 : lma == 32 ? (size_t)e->width32
					     : (size_t)e->width64;
		if (vsmm_mm_register_width(&cpu, m.b, len, reg) != natural)
			fail_msg("width %s reg %u lma %d: got %zu, want %zu",
				 vsmm_mm_flavour_name(f), reg, lma,
				 vsmm_mm_register_width(&cpu, m.b, len, reg), natural);
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			size_t w = widths[wi];
			uint8_t got[16], exp[16], in[16];

			memset(got, 0xEE, sizeof(got));
			memset(exp, 0xEE, sizeof(exp));
			int st_exp = oracle_read(f, &m, lma, reg, w, exp);
			int st = vsmm_mm_read_save_state(&cpu, m.b, len, reg, w, got);
			if (st != st_exp || memcmp(got, exp, sizeof(got)) != 0)
				fail_msg(
					"read %s reg %u width %zu lma %d: got %s, want %s%s",
					vsmm_mm_flavour_name(f), reg, w, lma,
					vsmm_efi_status_name(st),
					vsmm_efi_status_name(st_exp),
					memcmp(got, exp, sizeof(got)) ? " (bytes differ)"
								      : "");

			for (size_t i = 0; i < sizeof(in); i++)
				in[i] = rnd8();
			want = m;
			struct img mine = m;
			st_exp = oracle_write(f, &want, lma, reg, w, in);
			st = vsmm_mm_write_save_state(&cpu, mine.b, len, reg, w, in);
			if (st != st_exp || memcmp(mine.b, want.b, len) != 0)
				fail_msg(
					"write %s reg %u width %zu lma %d: got %s, want %s%s",
					vsmm_mm_flavour_name(f), reg, w, lma,
					vsmm_efi_status_name(st),
					vsmm_efi_status_name(st_exp),
					memcmp(mine.b, want.b, len) ? " (image differs)"
								    : "");
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void test_intel_64(void **s)
{
	(void)s;
	rng_state = 1;
	sweep(VSMM_MM_INTEL, 1024, 0x00030101u, 0);
	sweep(VSMM_MM_INTEL, 1024, 0x00020101u, 64);
}

static void test_intel_32(void **s)
{
	(void)s;
	rng_state = 2;
	sweep(VSMM_MM_INTEL, 512, 0x00030000u, 0);
	sweep(VSMM_MM_INTEL, 1024, 0x00030101u, 32);
}

static void test_amd(void **s)
{
	(void)s;
	rng_state = 3;
	sweep(VSMM_MM_AMD, 512, 0x00020064u, 0);
	sweep(VSMM_MM_AMD, 1024, 0x00020064u, 0);
	/* AMD reads the 64-bit map whatever the revision says. */
	sweep(VSMM_MM_AMD, 512, 0x00020000u, 0);
}

static void test_ovmf(void **s)
{
	(void)s;
	rng_state = 4;
	sweep(VSMM_MM_OVMF, 512, 0x00020064u, 0);
	sweep(VSMM_MM_OVMF, 512, 0x00020000u, 0); /* 32-bit map */
	sweep(VSMM_MM_OVMF, 1024, 0x00030000u, 0);
}

/* Spot values, spelled out: the AMD library's IDT/LDT high dword quirk,
 * Intel's split GDT base, OVMF's dword "selector". */
static void test_spot_values(void **s)
{
	struct vsmm_mm_cpu amd = { .flavour = VSMM_MM_AMD };
	struct vsmm_mm_cpu intel = { .flavour = VSMM_MM_INTEL };
	struct vsmm_mm_cpu ovmf = { .flavour = VSMM_MM_OVMF };
	uint8_t a[512] = { 0 }, i64[1024] = { 0 };
	uint64_t v = 0;

	(void)s;
	/* AMD64 map, IDTR base 0x1122334455667788 at 7E88. */
	const uint8_t idt[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	memcpy(&a[0x7E88 - 0x7E00], idt, 8);
	a[0x7EFC - 0x7E00] = 0x64;
	a[0x7EFE - 0x7E00] = 0x02;
	assert_int_equal(
		vsmm_mm_read_save_state(&amd, a, 512, VSMM_MM_REG_IDTBASE, 8, &v),
		VSMM_EFI_SUCCESS);
	uint8_t *vb = (uint8_t *)&v;
	const uint8_t amd_want[8] = { 0x88, 0x77, 0x66, 0x55, 0x88, 0x77, 0x66, 0x55 };
	assert_memory_equal(vb, amd_want, 8);
	v = 0;
	assert_int_equal(
		vsmm_mm_read_save_state(&ovmf, a, 512, VSMM_MM_REG_IDTBASE, 8, &v),
		VSMM_EFI_SUCCESS);
	assert_memory_equal(vb, idt, 8);

	/* Intel: GDT base low dword at 7E8C, high dword at 7DD0. */
	const uint8_t lo[4] = { 1, 2, 3, 4 }, hi[4] = { 5, 6, 7, 8 };
	memcpy(&i64[0x7E8C - 0x7C00], lo, 4);
	memcpy(&i64[0x7DD0 - 0x7C00], hi, 4);
	v = 0;
	assert_int_equal(vsmm_mm_read_save_state(&intel, i64, 1024, 4, 8, &v),
			 VSMM_EFI_SUCCESS);
	const uint8_t gdt_want[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_memory_equal(vb, gdt_want, 8);
	/* Intel: GDTLIMIT exists in no map. */
	assert_int_equal(vsmm_mm_read_save_state(&intel, i64, 1024, 7, 2, &v),
			 VSMM_EFI_NOT_FOUND);
	assert_int_equal(vsmm_mm_write_save_state(&intel, i64, 1024, 7, 2, &v),
			 VSMM_EFI_UNSUPPORTED);
	/* Intel with LMA 64 needs the 1024-byte map. */
	assert_int_equal(
		vsmm_mm_read_save_state(
			&(struct vsmm_mm_cpu){ .flavour = VSMM_MM_INTEL, .lma = 64 }, a,
			512, VSMM_MM_REG_RAX, 8, &v),
		VSMM_EFI_INVALID_PARAMETER);
}

static void test_lma_and_processor_id(void **s)
{
	struct vsmm_mm_cpu cpu = { 0 };
	uint8_t a[1024] = { 0 }, lma = 0, before[1024];
	uint64_t id = 0;
	uint8_t idb[8];

	(void)s;
	/* Intel: the caller's mode; 0 picks from the area size. */
	cpu.flavour = VSMM_MM_INTEL;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 1024, 513, 1, &lma), 0);
	assert_int_equal(lma, 64);
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 512, 513, 1, &lma), 0);
	assert_int_equal(lma, 32);
	cpu.lma = 32;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 1024, 513, 1, &lma), 0);
	assert_int_equal(lma, 32);
	cpu.lma = 48;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 1024, 513, 1, &lma),
			 VSMM_EFI_INVALID_PARAMETER);
	cpu.lma = 0;
	for (size_t w = 0; w <= 9; w++)
		if (w != 1)
			assert_int_equal(
				vsmm_mm_read_save_state(&cpu, a, 1024, 513, w, idb),
				VSMM_EFI_INVALID_PARAMETER);
	/* AMD: always 64, even on a 32-bit revision. */
	cpu.flavour = VSMM_MM_AMD;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 512, 513, 1, &lma), 0);
	assert_int_equal(lma, 64);
	/* OVMF: from the revision id's low word. */
	cpu.flavour = VSMM_MM_OVMF;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 512, 513, 1, &lma), 0);
	assert_int_equal(lma, 32);
	a[512 + 0xFC] = 0x64;
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a + 512, 512, 513, 1, &lma), 0);
	assert_int_equal(lma, 64);

	for (int f = 0; f < VSMM_MM_FLAVOUR_COUNT; f++) {
		struct vsmm_mm_cpu c = { .flavour = (enum vsmm_mm_flavour)f };

		/* Without an id from the caller: not found; only width 8. */
		assert_int_equal(vsmm_mm_read_save_state(&c, a, 1024, 514, 8, idb),
				 VSMM_EFI_NOT_FOUND);
		c.processor_id_valid = true;
		c.processor_id = 0x0102030405060708ull;
		assert_int_equal(vsmm_mm_read_save_state(&c, a, 1024, 514, 8, idb), 0);
		const uint8_t want[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
		assert_memory_equal(idb, want, 8);
		assert_int_equal(vsmm_mm_read_save_state(&c, a, 1024, 514, 4, idb),
				 VSMM_EFI_INVALID_PARAMETER);
		assert_int_equal(vsmm_mm_register_width(&c, a, 1024, 514), 8);
		assert_int_equal(vsmm_mm_register_width(&c, a, 1024, 513), 1);
		assert_int_equal(vsmm_mm_register_width(&c, a, 1024, 512),
				 f == VSMM_MM_OVMF ? 0 : sizeof(struct vsmm_mm_io_info));
		assert_int_equal(vsmm_mm_register_width(&c, a, 600, 38), 0);
		/* Writes to LMA and PROCESSOR_ID succeed and change nothing;
		 * IO cannot be written. */
		memcpy(before, a, sizeof(a));
		id = ~0ull;
		assert_int_equal(vsmm_mm_write_save_state(&c, a, 1024, 514, 8, &id), 0);
		assert_int_equal(vsmm_mm_write_save_state(&c, a, 1024, 513, 3, &id), 0);
		assert_int_equal(vsmm_mm_write_save_state(&c, a, 1024, 512, 8, &id),
				 VSMM_EFI_NOT_FOUND);
		assert_memory_equal(a, before, sizeof(a));
		/* NULL buffer or area, bad length. */
		assert_int_equal(vsmm_mm_read_save_state(&c, a, 1024, 38, 8, NULL),
				 VSMM_EFI_INVALID_PARAMETER);
		assert_int_equal(vsmm_mm_read_save_state(&c, NULL, 1024, 38, 8, idb),
				 VSMM_EFI_INVALID_PARAMETER);
		assert_int_equal(vsmm_mm_read_save_state(&c, a, 600, 38, 8, idb),
				 VSMM_EFI_INVALID_PARAMETER);
		assert_int_equal(vsmm_mm_write_save_state(&c, a, 1024, 38, 8, NULL),
				 VSMM_EFI_INVALID_PARAMETER);
	}
}

/* IOMisc (Intel): SmiFlag bit 0, Length bits 3:1, Type bits 7:4, Port 31:16. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void test_io_intel(void **s)
{
	struct vsmm_mm_cpu cpu = { .flavour = VSMM_MM_INTEL };
	uint8_t a[1024] = { 0 };
	struct vsmm_mm_io_info io;
	/* EDK2's mSmmCpuIoType[] and mSmmCpuIoWidth[] */
	static const uint32_t type_of[16] = { 2, 1, 4, 4, 0, 0, 8, 8, 2, 1 };
	static const int bytes_of[8] = { 0, 1, 2, 0, 4, 0, 0, 0 };
	static const uint32_t wenum_of[8] = { 0, 0, 1, 0, 2, 0, 0, 0 };

	(void)s;
	/* RAX = 0x8877665544332211 at 7F5C */
	for (int i = 0; i < 8; i++)
		a[0x7F5C - 0x7C00 + i] = (uint8_t)(0x11 * (i + 1));

	put32(&a[0x7EFC - 0x7C00], 0x00030003u); /* below 0x30004 */
	put32(&a[0x7FA4 - 0x7C00], 0x00b2u << 16 | 0x1u << 4 | 1u << 1 | 1u);
	assert_int_equal(vsmm_mm_read_save_state(&cpu, a, 1024, 512, sizeof(io), &io),
			 VSMM_EFI_NOT_FOUND);
	put32(&a[0x7EFC - 0x7C00], 0x00030004u);

	for (uint32_t type = 0; type < 16; type++) {
		for (uint32_t len = 0; len < 8; len++) {
			for (uint32_t flag = 0; flag < 2; flag++) {
				uint32_t misc = 0x00b2u << 16 | type << 4 | len << 1 |
						flag;
				bool ok = flag &&
					  (type_of[type] == 1 || type_of[type] == 2) &&
					  bytes_of[len] != 0;

				put32(&a[0x7FA4 - 0x7C00], misc);
				memset(&io, 0xAA, sizeof(io));
				int st = vsmm_mm_read_save_state(&cpu, a, 1024, 512,
								 sizeof(io), &io);
				assert_int_equal(st, ok ? VSMM_EFI_SUCCESS
							: VSMM_EFI_NOT_FOUND);
				if (!ok)
					continue;
				assert_int_equal(io.io_port, 0xb2);
				assert_int_equal(io.io_type, type_of[type]);
				assert_int_equal(io.io_width, wenum_of[len]);
				uint64_t data = 0x8877665544332211ull &
						(bytes_of[len] == 4   ? 0xffffffffull
						 : bytes_of[len] == 2 ? 0xffffull
								      : 0xffull);
				assert_int_equal(io.io_data, data);
				/* The buffer must hold the whole structure. */
				assert_int_equal(
					vsmm_mm_read_save_state(&cpu, a, 1024, 512,
								sizeof(io) - 1, &io),
					VSMM_EFI_INVALID_PARAMETER);
			}
		}
	}
}

static void test_io_amd_ovmf(void **s)
{
	struct vsmm_mm_cpu amd = { .flavour = VSMM_MM_AMD };
	struct vsmm_mm_cpu ovmf = { .flavour = VSMM_MM_OVMF };
	uint8_t a[512] = { 0 };
	struct vsmm_mm_io_info io;

	(void)s;
	for (int i = 0; i < 8; i++)
		a[0x7FF8 - 0x7E00 + i] = (uint8_t)(0x11 * (i + 1)); /* RAX */
	a[0x7EFC - 0x7E00] = 0x64;
	for (uint32_t low = 0; low < 128; low++) {
		uint32_t d = 0x0cf8u << 16 | low;

		put32(&a[0x7EC0 - 0x7E00], d);
		memset(&io, 0xAA, sizeof(io));
		int st = vsmm_mm_read_save_state(&amd, a, 512, 512, sizeof(io), &io);
		if (!(d & 2)) {
			assert_int_equal(st, VSMM_EFI_NOT_FOUND);
			continue;
		}
		assert_int_equal(st, VSMM_EFI_SUCCESS);
		assert_int_equal(io.io_port, 0x0cf8);
		assert_int_equal(io.io_type, (d & 1) ? 1 : 2);
		uint32_t wenum = (d & 0x10) ? 0 : (d & 0x20) ? 1 : 2;
		assert_int_equal(io.io_width, wenum);
		uint64_t mask = wenum == 0 ? 0xff : wenum == 1 ? 0xffff : 0xffffffffull;
		assert_int_equal(io.io_data, 0x8877665544332211ull & mask);
		/* OVMF (202302) never reports IO. */
		assert_int_equal(
			vsmm_mm_read_save_state(&ovmf, a, 512, 512, sizeof(io), &io),
			VSMM_EFI_NOT_FOUND);
	}
}

static void test_names(void **s)
{
	uint32_t r = 0;
	enum vsmm_mm_flavour f;

	(void)s;
	assert_int_equal(vsmm_mm_register_parse("RAX", &r), VSMM_OK);
	assert_int_equal(r, 38);
	assert_int_equal(vsmm_mm_register_parse("gdtbase", &r), VSMM_OK);
	assert_int_equal(r, 4);
	assert_int_equal(vsmm_mm_register_parse("PROCESSOR_ID", &r), VSMM_OK);
	assert_int_equal(r, 514);
	assert_int_equal(vsmm_mm_register_parse("XMM15", &r), VSMM_OK);
	assert_int_equal(r, 287);
	assert_int_equal(vsmm_mm_register_parse("0x200", &r), VSMM_OK);
	assert_int_equal(r, 512);
	assert_int_equal(vsmm_mm_register_parse("47", &r), VSMM_OK);
	assert_int_equal(r, 47);
	assert_int_equal(vsmm_mm_register_parse("4294967296", &r), VSMM_E_INVAL);
	assert_int_equal(vsmm_mm_register_parse("RAXX", &r), VSMM_E_INVAL);
	assert_int_equal(vsmm_mm_register_parse("", &r), VSMM_E_INVAL);
	assert_int_equal(vsmm_mm_register_parse("0x", &r), VSMM_E_INVAL);
	assert_string_equal(vsmm_mm_register_name(46), "RIP");
	assert_string_equal(vsmm_mm_register_name(513), "LMA");
	assert_null(vsmm_mm_register_name(47));

	assert_string_equal(vsmm_efi_status_name(VSMM_EFI_NOT_FOUND), "EFI_NOT_FOUND");
	assert_string_equal(vsmm_efi_status_name(VSMM_EFI_UNSUPPORTED),
			    "EFI_UNSUPPORTED");
	assert_string_equal(vsmm_efi_status_name(VSMM_EFI_INVALID_PARAMETER),
			    "EFI_INVALID_PARAMETER");
	assert_string_equal(vsmm_efi_status_name(VSMM_EFI_SUCCESS), "EFI_SUCCESS");
	assert_string_equal(vsmm_efi_status_name(99), "EFI_UNKNOWN");
	assert_int_equal(VSMM_EFI_NOT_FOUND, 14);
	assert_int_equal(VSMM_EFI_UNSUPPORTED, 3);

	assert_int_equal(vsmm_mm_flavour_from_name("ovmf", &f), VSMM_OK);
	assert_int_equal(f, VSMM_MM_OVMF);
	assert_int_equal(vsmm_mm_flavour_from_name("intel64", &f), VSMM_E_INVAL);
	assert_int_equal(vsmm_mm_flavour_for_layout(VSMM_LAYOUT_INTEL64), VSMM_MM_INTEL);
	assert_int_equal(vsmm_mm_flavour_for_layout(VSMM_LAYOUT_AMD64), VSMM_MM_OVMF);
	assert_string_equal(vsmm_version(), VSMM_VERSION_STRING);
}

/* vsmm_field_write: the general counterpart of vsmm_field_read. */
static void test_field_write(void **s)
{
	const struct vsmm_layout_desc *d = vsmm_layout_get(VSMM_LAYOUT_AMD64);
	const struct vsmm_field_desc *cr0 = vsmm_layout_field(d, "cr0");
	const struct vsmm_field_desc *es = vsmm_layout_field(d, "es_selector");
	uint8_t a[512] = { 0 }, before[512];
	struct vsmm_field_desc bogus;

	(void)s;
	assert_non_null(cr0);
	assert_non_null(es);
	assert_int_equal(vsmm_field_write(d, cr0, a, 0x80000011ull), VSMM_OK);
	assert_int_equal(a[0x7F58 - 0x7E00], 0x11);
	assert_int_equal(a[0x7F5B - 0x7E00], 0x80);
	assert_int_equal(vsmm_field_read(d, cr0, a), 0x80000011ull);
	assert_int_equal(vsmm_field_write(d, es, a, 0xffff), VSMM_OK);
	assert_int_equal(vsmm_field_read(d, es, a), 0xffff);
	memcpy(before, a, sizeof(a));
	assert_int_equal(vsmm_field_write(d, es, a, 0x10000), VSMM_E_INVAL);
	assert_int_equal(vsmm_field_write(NULL, es, a, 1), VSMM_E_INVAL);
	assert_int_equal(vsmm_field_write(d, NULL, a, 1), VSMM_E_INVAL);
	assert_int_equal(vsmm_field_write(d, es, NULL, 1), VSMM_E_INVAL);
	bogus = *cr0;
	bogus.offset = 0x7FFC; /* 8 bytes from 7FFC run past the area */
	assert_int_equal(vsmm_field_write(d, &bogus, a, 1), VSMM_E_INVAL);
	bogus.offset = 0x7D00; /* before the area */
	assert_int_equal(vsmm_field_write(d, &bogus, a, 1), VSMM_E_INVAL);
	bogus = *cr0;
	bogus.size = 3;
	assert_int_equal(vsmm_field_write(d, &bogus, a, 1), VSMM_E_INVAL);
	assert_memory_equal(a, before, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_64),
		cmocka_unit_test(test_intel_32),
		cmocka_unit_test(test_amd),
		cmocka_unit_test(test_ovmf),
		cmocka_unit_test(test_spot_values),
		cmocka_unit_test(test_lma_and_processor_id),
		cmocka_unit_test(test_io_intel),
		cmocka_unit_test(test_io_amd_ovmf),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_field_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
