/* SPDX-License-Identifier: MIT */
/*
 * What `vsmm run` asks of the engine per SMI round trip (issue 13.3): the
 * state is read once per stop and written once, the TLB is flushed only
 * where a translation may change (paging on before or after), and the
 * guest still sees every SMI.  The engine calls are counted through the
 * linker's --wrap (tests/e2e/meson.build), so the machine code under test
 * is the one `vsmm run` links.  The head-only context that makes a
 * transfer cheap must still move every field.
 * Exit 77 (skipped) when the engine's self-check fails, as vsmm run does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chipset_io.h"
#include "engine_test.h"
#include "machine.h"
#include "run.h"
#include "ucx86.h"

#define SMIS 3u
#define CODE 0x1000u
#define PML4 0x10000u
#define SMI_HANDLER 0x38000u /* default SMBASE + 0x8000 */

/* ------------------------------------------------------------------ */
/* Counted engine calls                                                */
/* ------------------------------------------------------------------ */

struct counts {
	unsigned saves, restores, starts, flushes, reg_calls;
};
static struct counts calls;

uc_err __real_uc_context_save(uc_engine *uc, uc_context *ctx);
uc_err __real_uc_context_restore(uc_engine *uc, uc_context *ctx);
uc_err __real_uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until,
			   uint64_t timeout, size_t count);
uc_err __real_uc_reg_read(uc_engine *uc, int regid, void *value);
uc_err __real_uc_reg_write(uc_engine *uc, int regid, const void *value);
uc_err __real_uc_reg_read_batch(uc_engine *uc, int *ids, void **vals, int count);
uc_err __real_uc_reg_write_batch(uc_engine *uc, int *ids, void *const *vals, int count);
/* Weak, as ucx86.c references it: a Unicorn without it links too. */
void __real_tcg_flush_softmmu_tlb_x86_64(uc_engine *uc) __attribute__((weak));

uc_err __wrap_uc_context_save(uc_engine *uc, uc_context *ctx)
{
	calls.saves++;
	return __real_uc_context_save(uc, ctx);
}

uc_err __wrap_uc_context_restore(uc_engine *uc, uc_context *ctx)
{
	calls.restores++;
	return __real_uc_context_restore(uc, ctx);
}

uc_err __wrap_uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until,
			   uint64_t timeout, size_t count)
{
	calls.starts++;
	return __real_uc_emu_start(uc, begin, until, timeout, count);
}

uc_err __wrap_uc_reg_read(uc_engine *uc, int regid, void *value)
{
	calls.reg_calls++;
	return __real_uc_reg_read(uc, regid, value);
}

uc_err __wrap_uc_reg_write(uc_engine *uc, int regid, const void *value)
{
	calls.reg_calls++;
	return __real_uc_reg_write(uc, regid, value);
}

uc_err __wrap_uc_reg_read_batch(uc_engine *uc, int *ids, void **vals, int count)
{
	calls.reg_calls++;
	return __real_uc_reg_read_batch(uc, ids, vals, count);
}

uc_err __wrap_uc_reg_write_batch(uc_engine *uc, int *ids, void *const *vals, int count)
{
	calls.reg_calls++;
	return __real_uc_reg_write_batch(uc, ids, vals, count);
}

void __wrap_tcg_flush_softmmu_tlb_x86_64(uc_engine *uc)
{
	calls.flushes++;
	if (__real_tcg_flush_softmmu_tlb_x86_64)
		__real_tcg_flush_softmmu_tlb_x86_64(uc);
	else /* the fallback ucx86.c would take: map and unmap a page */
		(void)(uc_mem_map(uc, 0x7ffffffff000ull, 0x1000, UC_PROT_READ) ||
		       uc_mem_unmap(uc, 0x7ffffffff000ull, 0x1000));
}

/* ------------------------------------------------------------------ */
/* The guest                                                           */
/* ------------------------------------------------------------------ */

static struct vsmm_seg seg(uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
	struct vsmm_seg s = {
		.selector = sel, .attr = attr, .limit = limit, .base = base
	};
	return s;
}

/*
 * At CODE: MOV AL,0, then SMIS times OUT 0xB2,AL (each an SMI), then
 * OUT 0xF4,AL (exit value 0: status 1).  The same bytes run in 16-bit
 * and in 64-bit code.  The SMI handler is RSM alone.
 */
static void load_guest(struct machine *m)
{
	uint8_t code[2 + 2 * SMIS + 2], *p = code;
	*p++ = 0xb0, *p++ = 0x00;
	for (unsigned i = 0; i < SMIS; i++)
		*p++ = 0xe6, *p++ = MACHINE_PORT_APM_CNT;
	*p++ = 0xe6, *p++ = MACHINE_PORT_EXIT;
	static const uint8_t rsm[2] = { 0x0f, 0xaa };
	assert_int_equal(machine_phys_write(m, false, CODE, code, sizeof(code)), 0);
	assert_int_equal(machine_phys_write(m, true, SMI_HANDLER, rsm, 2), 0);
	/* On q35 port 0xB2 raises an SMI only with the ICH9 LPC bridge's
	 * SMI_EN.APMC_EN, as Q35_ENABLE_APM_SMI sets it for the guests:
	 * PMBASE 0x600, ACPI_EN, then GBL_SMI_EN | APMC_EN. */
	pci_cfg_write(m, LPC_DEVFN, LPC_PMBASE, 4, 0x601);
	pci_cfg_write(m, LPC_DEVFN, LPC_ACPI_CNTL, 1, 0x80);
	assert_true(lpc_io_out(m, 0x630, 4, LPC_SMI_EN_GBL | LPC_SMI_EN_APMC));
}

/* Identity map of the first 16 MiB with 2 MiB pages (PML4, PDPT, PD). */
static void load_page_tables(struct machine *m)
{
	uint64_t e = (PML4 + 0x1000) | 3;
	assert_int_equal(machine_phys_write(m, false, PML4, &e, 8), 0);
	e = (PML4 + 0x2000) | 3;
	assert_int_equal(machine_phys_write(m, false, PML4 + 0x1000, &e, 8), 0);
	for (uint64_t i = 0; i < 8; i++) {
		e = (i << 21) | 0x83; /* P, RW, PS */
		assert_int_equal(
			machine_phys_write(m, false, PML4 + 0x2000 + 8 * i, &e, 8), 0);
	}
}

static void real_mode_state(struct vsmm_cpu_state *st)
{
	vsmm_cpu_state_reset(st);
	st->seg[VSMM_CS] = seg(0, 0, 0xffff, 0x9b);
	st->rip = CODE;
}

static void long_mode_state(struct vsmm_cpu_state *st)
{
	vsmm_cpu_state_reset(st);
	st->cr0 = 0x80000011; /* PG ET PE */
	st->cr3 = PML4;
	st->cr4 = 0x20;	  /* PAE */
	st->efer = 0x500; /* LME LMA */
	st->seg[VSMM_CS] = seg(0x08, 0, 0xffffffff, 0xa09b);
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		if (i != VSMM_CS && i != VSMM_LDTR && i != VSMM_TR)
			st->seg[i] = seg(0x10, 0, 0xffffffff, 0xc093);
	st->seg[VSMM_TR] = seg(0x18, 0x3000, 0x67, 0x8b); /* busy 64-bit TSS */
	st->gdtr.base = 0x2000;
	st->gdtr.limit = 0x1f;
	st->rip = CODE;
}

/* Run the guest from *st; returns the engine calls the run made. */
static struct counts run_guest(const struct vsmm_cpu_state *st)
{
	struct machine m;
	struct machine_config cfg = {
		.bios_path = engine_test_bios,
		.ram_size = 16u << 20,
		.vendor = VSMM_VENDOR_INTEL,
		.max_insns = 1000,
		.console = stdout,
		.log = stderr,
	};
	assert_int_equal(machine_init(&m, &cfg), 0);
	load_guest(&m);
	load_page_tables(&m);
	m.vcpu.state = *st;
	assert_int_equal(ucx_set_state(m.uc, m.scratch, st), UC_ERR_OK);
	memset(&calls, 0, sizeof(calls));
	assert_int_equal(machine_run(&m), 1); /* exit value 0 */
	struct counts c = calls;
	assert_int_equal(m.smis, SMIS);
	assert_int_equal(m.rsms, SMIS);
	assert_false(m.vcpu.state.smm);
	machine_destroy(&m);
	return c;
}

/*
 * Each SMI round trip stops the engine twice (after the OUT, at RSM); at
 * each stop the state is read once and written once.  The last run ends
 * at the exit port, which reads nothing.
 */
static void assert_one_transfer_per_stop(const struct counts *c)
{
	assert_int_equal(c->starts, 2 * SMIS + 1);
	assert_int_equal(c->saves, 2 * SMIS);
	assert_int_equal(c->restores, 2 * SMIS);
	print_message("starts %u saves %u restores %u flushes %u register calls %u\n",
		      c->starts, c->saves, c->restores, c->flushes, c->reg_calls);
	/* One call per stop for DR6/DR7 (and RIP once before the first
	 * run); before issue 13.3 there were about 40 per stop. */
	assert_int_equal(c->reg_calls, 2 * SMIS + 1);
}

/* Real mode and SMM both run without paging: no flush at all. */
static void real_mode_round_trips(void **unused)
{
	(void)unused;
	struct vsmm_cpu_state st;
	real_mode_state(&st);
	struct counts c = run_guest(&st);
	assert_one_transfer_per_stop(&c);
	assert_int_equal(c.flushes, 0);
}

/* SMI turns paging off and RSM turns it back on: both flush. */
static void long_mode_round_trips(void **unused)
{
	(void)unused;
	struct vsmm_cpu_state st;
	long_mode_state(&st);
	struct counts c = run_guest(&st);
	assert_one_transfer_per_stop(&c);
	assert_int_equal(c.flushes, 2 * SMIS);
}

/*
 * The head context the SMI path uses carries every field the mirror
 * edits, in both directions, and leaves the rest of the engine's state
 * (here the STAR MSR and DR7's neighbour DR0) alone.
 */
static void head_context_moves_the_state(void **unused)
{
	(void)unused;
	uc_engine *uc;
	uc_context *head, *full;
	char why[256];
	struct vsmm_cpu_state in, out;
	assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	assert_int_equal(ucx_selfcheck(uc, why, sizeof(why)), 0);
	assert_int_equal(uc_context_alloc(uc, &head), UC_ERR_OK);
	assert_int_equal(uc_context_alloc(uc, &full), UC_ERR_OK);
	assert_true(ucx_head_context(uc, head, full));
	uc_x86_msr star = { .rid = 0xc0000081u, .value = 0x0023001000000000ull };
	uint64_t dr0 = 0x1000, got = 0;
	assert_int_equal(uc_reg_write(uc, UC_X86_REG_MSR, &star), UC_ERR_OK);
	assert_int_equal(uc_reg_write(uc, UC_X86_REG_DR0, &dr0), UC_ERR_OK);

	long_mode_state(&in);
	in.rflags = 0xcd7; /* CF PF AF ZF SF DF OF and the fixed bit */
	in.dr7 = 0x401;
	in.seg[VSMM_GS] = seg(0x10, 0xffff800000001000ull, 0xffffffff, 0xc093);
	assert_int_equal(ucx_set_state(uc, head, &in), UC_ERR_OK);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(ucx_get_state(uc, full, &out), UC_ERR_OK);
	assert_memory_equal(out.gpr, in.gpr, sizeof(in.gpr));
	assert_int_equal(out.rip, in.rip);
	assert_int_equal(out.rflags, in.rflags);
	assert_int_equal(out.cr0, in.cr0);
	assert_int_equal(out.cr3, in.cr3);
	assert_int_equal(out.cr4, in.cr4);
	assert_int_equal(out.efer, in.efer);
	assert_int_equal(out.dr7, in.dr7);
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		assert_int_equal(out.seg[i].selector, in.seg[i].selector);
		assert_int_equal(out.seg[i].base, in.seg[i].base);
		assert_int_equal(out.seg[i].limit, in.seg[i].limit);
		assert_int_equal(out.seg[i].attr, in.seg[i].attr);
	}
	assert_int_equal(out.gdtr.base, in.gdtr.base);
	assert_int_equal(out.gdtr.limit, in.gdtr.limit);

	/* And back out through the head context. */
	real_mode_state(&in);
	assert_int_equal(ucx_set_state(uc, full, &in), UC_ERR_OK);
	assert_int_equal(ucx_get_state(uc, head, &out), UC_ERR_OK);
	assert_int_equal(out.rip, in.rip);
	assert_int_equal(out.rflags, in.rflags);
	assert_int_equal(out.cr0, in.cr0);
	assert_int_equal(out.seg[VSMM_CS].base, in.seg[VSMM_CS].base);

	star.value = 0;
	assert_int_equal(uc_reg_read(uc, UC_X86_REG_MSR, &star), UC_ERR_OK);
	assert_int_equal(star.value, 0x0023001000000000ull);
	assert_int_equal(uc_reg_read(uc, UC_X86_REG_DR0, &got), UC_ERR_OK);
	assert_int_equal(got, dr0);
	uc_context_free(head);
	uc_context_free(full);
	uc_close(uc);
}

int main(void)
{
	int start = engine_test_start("test_smi_path");
	if (start >= 0)
		return start;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_mode_round_trips),
		cmocka_unit_test(long_mode_round_trips),
		cmocka_unit_test(head_context_moves_the_state),
	};
	return engine_test_end(cmocka_run_group_tests(tests, NULL, NULL));
}
