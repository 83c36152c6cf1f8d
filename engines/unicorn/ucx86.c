/* SPDX-License-Identifier: MIT */
/*
 * The CPU-state mirror for Unicorn 2.0.1 (see ucx86.h for why it exists).
 *
 * Offsets below are those of QEMU 5.0's CPUX86State for a 64-bit target,
 * as built into Debian's libunicorn 2.0.1:
 *
 *   uint64 regs[16] @0; eip @128; eflags @136; cc_dst, cc_src, cc_src2;
 *   uint32 cc_op @168; int32 df @172; uint32 hflags @176, hflags2 @180;
 *   SegmentCache segs[6] @184 (ES CS SS DS FS GS), ldt @328, tr @352,
 *   gdt @376, idt @400;  uint64 cr[5] @424;  ...  uint64 efer @560.
 *   SegmentCache = { uint32 selector; uint64 base @8; uint32 limit @16;
 *                    uint32 flags @20 } (24 bytes).
 *
 * The blob is host memory in host order (a copy of a C struct), not guest
 * bytes, so it is accessed with memcpy at these offsets.
 */
#include "ucx86.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicorn/x86.h>

/* uc_context = { size_t context_size; uc_mode mode; uc_arch arch; data[] } */
#define CTX_HEADER 16u
#define CTX_STATE_SIZE 5528u /* sizeof(CPUX86State) in the Debian build */

#define OFF_REGS 0u
#define OFF_EIP 128u
#define OFF_HFLAGS 176u
#define OFF_HFLAGS2 180u
#define OFF_SEGS 184u
#define OFF_LDT 328u
#define OFF_TR 352u
#define OFF_GDT 376u
#define OFF_IDT 400u
#define OFF_CR 424u
#define OFF_EFER 560u
/* int error_code, exception_is_int after the exception state (found by
 * probing: a #GP of MOV DS with selectors 0x1234 and 0x5678). */
#define OFF_ERROR_CODE 5352u
/* int old_exception: QEMU's "exception in flight", reset to -1 when its
 * do_interrupt finishes.  Unicorn never runs that, so the machine resets
 * it at every state load; else the next contributory fault after a #GP
 * would arrive as #DF (found by probing: it holds 13 after a #GP). */
#define OFF_OLD_EXCEPTION 5464u
#define SEGCACHE_SIZE 24u
#define SC_SELECTOR 0u
#define SC_BASE 8u
#define SC_LIMIT 16u
#define SC_FLAGS 20u

/* QEMU's hidden flags (target/i386/cpu.h), the ones the mirror derives. */
#define HF_CPL_MASK 0x3u
#define HF_CS32 (1u << 4)
#define HF_SS32 (1u << 5)
#define HF_ADDSEG (1u << 6)
#define HF_PE (1u << 7)
#define HF_MP_SHIFT 9u /* MP, EM, TS in bits 9..11, CR0 bits 1..3 */
#define HF_LMA (1u << 14)
#define HF_CS64 (1u << 15)
#define HF_SMM (1u << 19)
#define HF_SVME (1u << 20)
#define HF_OSFXSR (1u << 22)
#define HF_SMAP (1u << 23)
#define HF2_GIF 1u

/* QEMU descriptor flags (descriptor high dword positions). */
#define DESC_B (1u << 22)
#define DESC_L (1u << 21)
#define DESC_DPL_SHIFT 13u

/* QEMU's SegmentCache order for segs[] is ES CS SS DS FS GS, the same as
 * enum vsmm_sreg's first six; LDTR and TR have their own slots. */
static const unsigned sreg_offset[VSMM_SREG_COUNT] = {
	[VSMM_ES] = OFF_SEGS + 0 * SEGCACHE_SIZE,
	[VSMM_CS] = OFF_SEGS + 1 * SEGCACHE_SIZE,
	[VSMM_SS] = OFF_SEGS + 2 * SEGCACHE_SIZE,
	[VSMM_DS] = OFF_SEGS + 3 * SEGCACHE_SIZE,
	[VSMM_FS] = OFF_SEGS + 4 * SEGCACHE_SIZE,
	[VSMM_GS] = OFF_SEGS + 5 * SEGCACHE_SIZE,
	[VSMM_LDTR] = OFF_LDT,
	[VSMM_TR] = OFF_TR,
};

/* Unicorn register ids of the GPRs in enum vsmm_gpr order. */
static const int gpr_id[VSMM_GPR_COUNT] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8,	UC_X86_REG_R9,	UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static uint8_t *blob(uc_context *ctx)
{
	return (uint8_t *)ctx + CTX_HEADER;
}

static uint32_t get32(const uint8_t *b, unsigned off)
{
	uint32_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *b, unsigned off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put64(uint8_t *b, unsigned off, uint64_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

unsigned ucx_attr_to_qemu(uint16_t attr)
{
	return (unsigned)(attr & VSMM_SEG_ATTR_MASK) << 8;
}

uint16_t ucx_attr_from_qemu(unsigned flags)
{
	return (uint16_t)((flags >> 8) & VSMM_SEG_ATTR_MASK);
}

/* ------------------------------------------------------------------ */
/* Self-check                                                          */
/* ------------------------------------------------------------------ */

struct probe {
	const char *what;
	unsigned offset;
	unsigned size; /* 4 or 8 */
	uint64_t want;
};

static int check_probes(const uint8_t *b, const struct probe *p, size_t n, char *why,
			size_t whylen)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t got = p[i].size == 4 ? get32(b, p[i].offset)
					      : get64(b, p[i].offset);
		if (got != p[i].want) {
			snprintf(why, whylen,
				 "%s at context offset %u holds 0x%llx, the "
				 "public API wrote 0x%llx",
				 p[i].what, p[i].offset, (unsigned long long)got,
				 (unsigned long long)p[i].want);
			return -1;
		}
	}
	return 0;
}

static uc_err write_mmr(uc_engine *uc, int id, uint16_t sel, uint64_t base,
			uint32_t limit, uint32_t flags)
{
	uc_x86_mmr m = { .selector = sel, .base = base, .limit = limit, .flags = flags };
	return uc_reg_write(uc, id, &m);
}

/* Write distinctive values through the public API. */
static uc_err selfcheck_write(uc_engine *uc)
{
	uc_err err = UC_ERR_OK;
	for (int i = 0; i < VSMM_GPR_COUNT && !err; i++) {
		uint64_t v = 0x1111111111111111ull * (uint64_t)(i + 1) + 0x55;
		err = uc_reg_write(uc, gpr_id[i], &v);
	}
	uint64_t rip = 0x123456789aull, cr3 = 0x7000, cr4 = 0x620;
	uint64_t fsb = 0xabcdef00ull, gsb = 0x12340000ull;
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_RIP, &rip);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_CR3, &cr3);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_FS_BASE, &fsb);
	if (!err)
		err = uc_reg_write(uc, UC_X86_REG_GS_BASE, &gsb);
	if (!err)
		err = write_mmr(uc, UC_X86_REG_GDTR, 0, 0x11223344ull, 0x3ff, 0);
	if (!err)
		err = write_mmr(uc, UC_X86_REG_IDTR, 0, 0x55667788ull, 0x7ff, 0);
	if (!err)
		err = write_mmr(uc, UC_X86_REG_LDTR, 0x28, 0x9abc0000ull, 0x5f, 0x8200);
	if (!err)
		err = write_mmr(uc, UC_X86_REG_TR, 0x30, 0xdef00000ull, 0x67, 0x8b00);
	return err;
}

int ucx_selfcheck(uc_engine *uc, char *why, size_t whylen)
{
	size_t size = uc_context_size(uc);
	if (size != CTX_HEADER + CTX_STATE_SIZE) {
		snprintf(why, whylen,
			 "the CPU context is %zu bytes, the mirror expects %u "
			 "(a different Unicorn build?)",
			 size, CTX_HEADER + CTX_STATE_SIZE);
		return -1;
	}
	uc_context *ctx;
	if (uc_context_alloc(uc, &ctx) != UC_ERR_OK) {
		snprintf(why, whylen, "uc_context_alloc failed");
		return -1;
	}
	int rc = -1;
	/* A fresh 64-bit instance starts in long mode with GIF set: this
	 * pins the hflags words before anything else is trusted. */
	if (uc_context_save(uc, ctx) != UC_ERR_OK) {
		snprintf(why, whylen, "uc_context_save failed");
		goto out;
	}
	uint32_t hf = get32(blob(ctx), OFF_HFLAGS);
	if ((hf & (HF_PE | HF_LMA | HF_CS64)) != (HF_PE | HF_LMA | HF_CS64) ||
	    (hf & HF_SMM) || !(get32(blob(ctx), OFF_HFLAGS2) & HF2_GIF)) {
		snprintf(why, whylen,
			 "hflags at offset %u (0x%x) do not describe the 64-bit "
			 "reset state",
			 OFF_HFLAGS, hf);
		goto out;
	}
	/* No exception in flight at reset (QEMU: old_exception = -1). */
	if (get32(blob(ctx), OFF_OLD_EXCEPTION) != 0xffffffffu) {
		snprintf(why, whylen,
			 "old_exception at offset %u is not -1 at "
			 "reset",
			 OFF_OLD_EXCEPTION);
		goto out;
	}
	uc_x86_msr efer = { .rid = 0xc0000080u };
	if (selfcheck_write(uc) != UC_ERR_OK ||
	    uc_reg_read(uc, UC_X86_REG_MSR, &efer) != UC_ERR_OK ||
	    uc_context_save(uc, ctx) != UC_ERR_OK) {
		snprintf(why, whylen, "writing probe registers failed");
		goto out;
	}
	struct probe p[] = {
		{ "RAX", OFF_REGS + 0, 8, 0x1111111111111111ull + 0x55 },
		{ "RBX", OFF_REGS + 24, 8, 0x4444444444444444ull + 0x55 },
		{ "R15", OFF_REGS + 120, 8, 0x1111111111111111ull * 16 + 0x55 },
		{ "RIP", OFF_EIP, 8, 0x123456789aull },
		{ "FS base", sreg_offset[VSMM_FS] + SC_BASE, 8, 0xabcdef00ull },
		{ "GS base", sreg_offset[VSMM_GS] + SC_BASE, 8, 0x12340000ull },
		{ "LDTR selector", OFF_LDT + SC_SELECTOR, 4, 0x28 },
		{ "LDTR base", OFF_LDT + SC_BASE, 8, 0x9abc0000ull },
		{ "LDTR limit", OFF_LDT + SC_LIMIT, 4, 0x5f },
		{ "LDTR flags", OFF_LDT + SC_FLAGS, 4, 0x8200 },
		{ "TR selector", OFF_TR + SC_SELECTOR, 4, 0x30 },
		{ "TR base", OFF_TR + SC_BASE, 8, 0xdef00000ull },
		{ "TR limit", OFF_TR + SC_LIMIT, 4, 0x67 },
		{ "TR flags", OFF_TR + SC_FLAGS, 4, 0x8b00 },
		{ "GDTR base", OFF_GDT + SC_BASE, 8, 0x11223344ull },
		{ "GDTR limit", OFF_GDT + SC_LIMIT, 4, 0x3ff },
		{ "IDTR base", OFF_IDT + SC_BASE, 8, 0x55667788ull },
		{ "IDTR limit", OFF_IDT + SC_LIMIT, 4, 0x7ff },
		{ "CR3", OFF_CR + 3 * 8, 8, 0x7000 },
		{ "CR4", OFF_CR + 4 * 8, 8, 0x620 },
		{ "EFER", OFF_EFER, 8, efer.value },
	};
	if (check_probes(blob(ctx), p, sizeof(p) / sizeof(p[0]), why, whylen))
		goto out;
	rc = 0;
out:
	uc_context_free(ctx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* A context that moves only the head                                  */
/* ------------------------------------------------------------------ */

/* What the mirror reads and writes: regs[] .. efer (the a20 mask and the
 * MPX registers in between ride along). */
#define HEAD_SIZE (OFF_EFER + 8u)

static size_t ctx_size_field(const uc_context *ctx)
{
	size_t n;
	memcpy(&n, ctx, sizeof(n));
	return n;
}

static void set_ctx_size_field(uc_context *ctx, size_t n)
{
	memcpy(ctx, &n, sizeof(n));
}

/*
 * Does a context whose size field says HEAD_SIZE save and restore exactly
 * the head?  A witness beyond it (DR7) must survive a restore of a
 * context whose tail is garbage, and a save must leave that tail alone.
 * The engine's whole state is put back from `full` afterwards.
 */
static bool head_context_works(uc_engine *uc, uc_context *head, uc_context *full)
{
	uint8_t *hb = blob(head), *fb = blob(full);
	uint64_t dr7 = 0x455, rax = 0x1234567890abcdefull, got_dr7 = 0, got_rax = 0;
	bool ok = uc_reg_write(uc, UC_X86_REG_DR7, &dr7) == UC_ERR_OK &&
		  uc_context_save(uc, full) == UC_ERR_OK;
	if (!ok)
		return false;
	memset(hb, 0xa5, CTX_STATE_SIZE);
	ok = uc_context_save(uc, head) == UC_ERR_OK && memcmp(hb, fb, HEAD_SIZE) == 0 &&
	     hb[HEAD_SIZE] == 0xa5 && hb[CTX_STATE_SIZE - 1] == 0xa5;
	put64(hb, OFF_REGS, rax);
	ok = ok && uc_context_restore(uc, head) == UC_ERR_OK &&
	     uc_reg_read(uc, UC_X86_REG_RAX, &got_rax) == UC_ERR_OK &&
	     uc_reg_read(uc, UC_X86_REG_DR7, &got_dr7) == UC_ERR_OK && got_rax == rax &&
	     got_dr7 == dr7;
	return uc_context_restore(uc, full) == UC_ERR_OK && ok;
}

bool ucx_head_context(uc_engine *uc, uc_context *ctx, uc_context *full)
{
	if (ctx_size_field(ctx) != CTX_STATE_SIZE)
		return false;
	set_ctx_size_field(ctx, HEAD_SIZE);
	if (head_context_works(uc, ctx, full))
		return true;
	set_ctx_size_field(ctx, CTX_STATE_SIZE);
	return false;
}

/* ------------------------------------------------------------------ */
/* State in and out                                                    */
/* ------------------------------------------------------------------ */

static void get_seg(const uint8_t *b, unsigned off, struct vsmm_seg *s)
{
	s->selector = (uint16_t)get32(b, off + SC_SELECTOR);
	s->base = get64(b, off + SC_BASE);
	s->limit = get32(b, off + SC_LIMIT);
	s->attr = ucx_attr_from_qemu(get32(b, off + SC_FLAGS));
}

static void put_seg(uint8_t *b, unsigned off, const struct vsmm_seg *s)
{
	put32(b, off + SC_SELECTOR, s->selector);
	put64(b, off + SC_BASE, s->base);
	put32(b, off + SC_LIMIT, s->limit);
	put32(b, off + SC_FLAGS, ucx_attr_to_qemu(s->attr));
}

uc_err ucx_get_state(uc_engine *uc, uc_context *scratch, struct vsmm_cpu_state *st)
{
	uc_err err = uc_context_save(uc, scratch);
	if (!err) {
		const uint8_t *b = blob(scratch);
		memcpy(st->gpr, b + OFF_REGS, sizeof(st->gpr));
		st->rip = get64(b, OFF_EIP);
		for (int i = 0; i < VSMM_SREG_COUNT; i++)
			get_seg(b, sreg_offset[i], &st->seg[i]);
		st->gdtr.base = get64(b, OFF_GDT + SC_BASE);
		st->gdtr.limit = get32(b, OFF_GDT + SC_LIMIT);
		st->idtr.base = get64(b, OFF_IDT + SC_BASE);
		st->idtr.limit = get32(b, OFF_IDT + SC_LIMIT);
		st->cr0 = get64(b, OFF_CR + 0 * 8);
		st->cr2 = get64(b, OFF_CR + 2 * 8);
		st->cr3 = get64(b, OFF_CR + 3 * 8);
		st->cr4 = get64(b, OFF_CR + 4 * 8);
		st->efer = get64(b, OFF_EFER);
		/* RFLAGS through the context's own accessor: it combines
		 * QEMU's lazily kept arithmetic flags and DF with the rest. */
		err = uc_context_reg_read(scratch, UC_X86_REG_RFLAGS, &st->rflags);
	}
	if (!err) {
		/* DR6 and DR7 lie far beyond the head the mirror edits; the
		 * engine stores and loads them as plain numbers. */
		int ids[2] = { UC_X86_REG_DR6, UC_X86_REG_DR7 };
		void *dr[2] = { &st->dr6, &st->dr7 };
		err = uc_reg_read_batch(uc, ids, dr, 2);
	}
	return err;
}

/*
 * QEMU's hflags for a state, derived the way QEMU's cpu_x86_update_cr0,
 * cpu_load_efer and cpu_x86_load_seg_cache derive them.  HF_SMM stays
 * clear: Unicorn has no SMM address space and aborts the process when a
 * memory access carries SMM attributes; vsmm tracks SMM itself.
 */
static uint32_t derive_hflags(const struct vsmm_cpu_state *st, uint32_t old)
{
	const struct vsmm_seg *cs = &st->seg[VSMM_CS], *ss = &st->seg[VSMM_SS];
	bool pe = st->cr0 & VSMM_CR0_PE;
	bool vm = st->rflags & VSMM_RFLAGS_VM;
	bool lma = st->efer & VSMM_EFER_LMA;
	bool cs64 = lma && (cs->attr & VSMM_SEG_L);
	/* Keep only what the mirror does not model (MPX, I/O breakpoints). */
	uint32_t hf = old & ~(HF_CPL_MASK | HF_CS32 | HF_SS32 | HF_ADDSEG | HF_PE |
			      (7u << HF_MP_SHIFT) | HF_LMA | HF_CS64 | HF_SMM | HF_SVME |
			      HF_OSFXSR | HF_SMAP | (1u << 3) /* INHIBIT_IRQ */);

	if (pe)
		hf |= HF_PE;
	hf |= (uint32_t)((st->cr0 >> 1) & 7u) << HF_MP_SHIFT;
	if (lma)
		hf |= HF_LMA;
	if (cs64)
		hf |= HF_CS32 | HF_CS64;
	else if (cs->attr & VSMM_SEG_DB)
		hf |= HF_CS32;
	if (ss->attr & VSMM_SEG_DB)
		hf |= HF_SS32;
	if (!cs64) {
		if (!pe || vm || !(hf & HF_CS32))
			hf |= HF_ADDSEG;
		else if (st->seg[VSMM_DS].base | st->seg[VSMM_ES].base |
			 st->seg[VSMM_SS].base)
			hf |= HF_ADDSEG;
	}
	if (pe && vm)
		hf |= 3u;
	else if (pe)
		hf |= (ss->attr & VSMM_SEG_DPL_MASK) >> VSMM_SEG_DPL_SHIFT;
	if (st->efer & VSMM_EFER_SVME)
		hf |= HF_SVME;
	if (st->cr4 & VSMM_CR4_OSFXSR)
		hf |= HF_OSFXSR;
	if (st->cr4 & VSMM_CR4_SMAP)
		hf |= HF_SMAP;
	return hf;
}

/*
 * Unicorn's own TLB flush: tlb_flush() of the engine's vCPU, the function
 * 2.0.2 exposes as uc_ctl_flush_tlb (UC_CTL_TLB_FLUSH).  Debian's 2.0.1
 * exports it but declares it in no header, so it is referenced weakly: a
 * build without it leaves the address NULL and the fallback below runs.
 */
extern void tcg_flush_softmmu_tlb_x86_64(uc_engine *uc) __attribute__((weak));

/*
 * Flush QEMU's TLB.  Needed whenever CR0/CR3/CR4/EFER change behind the
 * guest's back, or stale translations survive.  Without the direct call,
 * mapping and unmapping a page does a full tlb_flush too, but it also
 * rebuilds the engine's whole physical memory map twice: ~120 us, nearly
 * all of an SMI + RSM round trip (docs/performance.md).
 */
static uc_err flush_tlb(uc_engine *uc)
{
	if (tcg_flush_softmmu_tlb_x86_64) {
		tcg_flush_softmmu_tlb_x86_64(uc);
		return UC_ERR_OK;
	}
	/* A page in the non-canonical hole: never guest memory. */
	const uint64_t scratch = 0x0000800000000000ull - 0x1000;
	uc_err err = uc_mem_map(uc, scratch, 0x1000, UC_PROT_READ);
	if (err)
		return err;
	return uc_mem_unmap(uc, scratch, 0x1000);
}

/*
 * Can the engine's TLB hold a translation that differs between the two
 * states?  With CR0.PG clear QEMU maps every linear page to the same
 * physical page with all rights (outside long mode truncated to 32 bits),
 * whatever CR3, CR4, EFER.NXE, CR0.WP, the CPL or the mode: between two
 * such states the TLB stays right.  Any transition that has paging on
 * either side may change a translation or its rights, and is flushed (as
 * QEMU flushes on every CR3 load and every CR0.PG change).  Switching
 * SMRAM in or out changes the memory map, which Unicorn flushes itself.
 */
static bool tlb_may_differ(const struct vsmm_cpu_state *held,
			   const struct vsmm_cpu_state *st)
{
	return ((held->cr0 | st->cr0) & VSMM_CR0_PG) ||
	       ((held->efer | st->efer) & VSMM_EFER_LMA);
}

uc_err ucx_put_state(uc_engine *uc, uc_context *scratch,
		     const struct vsmm_cpu_state *held, const struct vsmm_cpu_state *st)
{
	uint8_t *b = blob(scratch);
	memcpy(b + OFF_REGS, st->gpr, sizeof(st->gpr));
	put64(b, OFF_EIP, st->rip);
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		put_seg(b, sreg_offset[i], &st->seg[i]);
	put64(b, OFF_GDT + SC_BASE, st->gdtr.base);
	put32(b, OFF_GDT + SC_LIMIT, st->gdtr.limit);
	put64(b, OFF_IDT + SC_BASE, st->idtr.base);
	put32(b, OFF_IDT + SC_LIMIT, st->idtr.limit);
	put64(b, OFF_CR + 0 * 8, st->cr0);
	put64(b, OFF_CR + 2 * 8, st->cr2);
	put64(b, OFF_CR + 3 * 8, st->cr3);
	put64(b, OFF_CR + 4 * 8, st->cr4);
	put64(b, OFF_EFER, st->efer);
	put32(b, OFF_HFLAGS, derive_hflags(st, get32(b, OFF_HFLAGS)));
	/* Splits RFLAGS into QEMU's lazy flags and DF. */
	uc_err err = uc_context_reg_write(scratch, UC_X86_REG_RFLAGS, &st->rflags);
	if (!err)
		err = uc_context_restore(uc, scratch);
	if (!err && (st->dr6 != held->dr6 || st->dr7 != held->dr7)) {
		int ids[2] = { UC_X86_REG_DR6, UC_X86_REG_DR7 };
		void *dr[2] = { (void *)&st->dr6, (void *)&st->dr7 };
		err = uc_reg_write_batch(uc, ids, dr, 2);
	}
	if (!err && tlb_may_differ(held, st))
		err = flush_tlb(uc);
	return err;
}

uc_err ucx_set_state(uc_engine *uc, uc_context *scratch, const struct vsmm_cpu_state *st)
{
	struct vsmm_cpu_state held;
	uc_err err = ucx_get_state(uc, scratch, &held);
	/* Loading a state ends any exception delivery in progress: QEMU's
	 * old_exception would otherwise turn the next #GP into #DF (scratch
	 * is a whole context here; the SMI path's head context never holds
	 * a delivery). */
	if (!err)
		put32(blob(scratch), OFF_OLD_EXCEPTION, 0xffffffffu);
	if (!err)
		err = ucx_put_state(uc, scratch, &held, st);
	return err;
}

static bool names_linear(const struct vsmm_cpu_state *st, uint64_t rip, uint64_t linear,
			 bool code64)
{
	uint64_t off = linear - st->seg[VSMM_CS].base;
	if (!code64)
		off &= 0xffffffffu;
	return rip == linear || rip == off;
}

bool ucx_locate(struct vsmm_cpu_state *st, uint64_t linear, uint64_t cut_short)
{
	bool code64 = (st->efer & VSMM_EFER_LMA) && (st->seg[VSMM_CS].attr & VSMM_SEG_L);
	if (!names_linear(st, st->rip, linear, code64) &&
	    !names_linear(st, st->rip, cut_short, code64))
		return false;
	st->rip = linear - st->seg[VSMM_CS].base;
	if (!code64)
		st->rip &= 0xffffffffu;
	return true;
}

uc_err ucx_resume_at_linear(uc_engine *uc, uc_context *scratch, uint64_t linear,
			    uint64_t cut_short, struct vsmm_cpu_state *st)
{
	uc_err err = ucx_get_state(uc, scratch, st);
	if (err)
		return err;
	if (!ucx_locate(st, linear, cut_short))
		return UC_ERR_EXCEPTION;
	return uc_reg_write(uc, UC_X86_REG_RIP, &st->rip);
}

uint32_t ucx_saved_error_code(const uc_context *scratch)
{
	return get32((const uint8_t *)scratch + CTX_HEADER, OFF_ERROR_CODE);
}
