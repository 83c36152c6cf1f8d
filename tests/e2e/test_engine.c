/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the Unicorn engine adapter (engines/unicorn): the CPU-state
 * mirror carries every hidden field through the engine, the machine's
 * host-side ("DMA") physical accessors honour SMRAM isolation, and the
 * run loop's limits end a run whatever state the engine holds.
 * Exit 77 (skipped) when the engine's self-check fails, as vsmm run does.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "apic.h"
#include "chipset_io.h"
#include "cpu.h"
#include "engine_test.h"
#include "machine.h"
#include "run.h"
#include "run_status.h"
#include "ucx86.h"

#define SMRAM_BASE 0x200000u
#define SMRAM_SIZE 0x10000u

static struct vsmm_seg seg(uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
	struct vsmm_seg s = {
		.selector = sel, .attr = attr, .limit = limit, .base = base
	};
	return s;
}

/* A 64-bit state with every hidden field unlike its neighbour. */
static void long_mode_state(struct vsmm_cpu_state *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		st->gpr[i] = 0x0101010101010101ull * (uint64_t)(i + 1);
	st->rip = 0x123456;
	st->rflags = 0x247; /* CF PF ZF IF and the fixed bit */
	st->cr0 = 0xe0000011;
	st->cr2 = 0xdead000;
	st->cr3 = 0x16000;
	st->cr4 = 0x6b0;
	st->efer = 0xd01; /* SCE LME LMA NXE: the guest's WRMSR cannot set SCE/NXE */
	st->dr6 = 0xffff0ff1;
	st->dr7 = 0x401;
	st->seg[VSMM_ES] = seg(0x10, 0, 0xffffffff, 0xc093);
	st->seg[VSMM_CS] = seg(0x20, 0, 0xffffffff, 0xa09b);
	st->seg[VSMM_SS] = seg(0x10, 0, 0xffffffff, 0xc093);
	st->seg[VSMM_DS] = seg(0x18, 0x100000, 0xfffff, 0x4093);
	st->seg[VSMM_FS] = seg(0x10, 0x200000, 0xffffffff, 0xc093);
	st->seg[VSMM_GS] = seg(0x0c, 0xffff800000001000ull, 0xffffffff, 0xc093);
	st->seg[VSMM_LDTR] = seg(0x30, 0x2000, 0xf, 0x82);
	st->seg[VSMM_TR] = seg(0x28, 0x3000, 0x67, 0x8b);
	st->gdtr.base = 0x1000;
	st->gdtr.limit = 0x4f;
	st->idtr.base = 0x4000;
	st->idtr.limit = 0xfff;
}

static void assert_same_arch(const struct vsmm_cpu_state *a,
			     const struct vsmm_cpu_state *b)
{
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		assert_int_equal(a->gpr[i], b->gpr[i]);
	assert_int_equal(a->rip, b->rip);
	assert_int_equal(a->rflags, b->rflags);
	assert_int_equal(a->cr0, b->cr0);
	assert_int_equal(a->cr2, b->cr2);
	assert_int_equal(a->cr3, b->cr3);
	assert_int_equal(a->cr4, b->cr4);
	assert_int_equal(a->efer, b->efer);
	assert_int_equal(a->dr6, b->dr6);
	assert_int_equal(a->dr7, b->dr7);
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		assert_int_equal(a->seg[i].selector, b->seg[i].selector);
		assert_int_equal(a->seg[i].base, b->seg[i].base);
		assert_int_equal(a->seg[i].limit, b->seg[i].limit);
		assert_int_equal(a->seg[i].attr, b->seg[i].attr);
	}
	assert_int_equal(a->gdtr.base, b->gdtr.base);
	assert_int_equal(a->gdtr.limit, b->gdtr.limit);
	assert_int_equal(a->idtr.base, b->idtr.base);
	assert_int_equal(a->idtr.limit, b->idtr.limit);
}

static void mirror_round_trip(void **unused)
{
	(void)unused;
	uc_engine *uc;
	char why[256];
	struct vsmm_cpu_state in, out;
	assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	assert_int_equal(ucx_selfcheck(uc, why, sizeof(why)), 0);
	uc_context *scratch;
	assert_int_equal(uc_context_alloc(uc, &scratch), UC_ERR_OK);
	long_mode_state(&in);
	assert_int_equal(ucx_set_state(uc, scratch, &in), UC_ERR_OK);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(ucx_get_state(uc, scratch, &out), UC_ERR_OK);
	assert_same_arch(&in, &out);

	/* And a real-mode SMM entry environment after it (mode switch). */
	vsmm_cpu_state_reset(&in);
	in.seg[VSMM_CS] = seg(0x3000, 0x30000, 0xffffffff, 0x8093);
	in.rip = 0x8000;
	assert_int_equal(ucx_set_state(uc, scratch, &in), UC_ERR_OK);
	assert_int_equal(ucx_get_state(uc, scratch, &out), UC_ERR_OK);
	assert_same_arch(&in, &out);
	uc_context_free(scratch);
	uc_close(uc);
}

static void attr_conversions(void **unused)
{
	(void)unused;
	/* vsmm's access-rights word is QEMU's descriptor flags >> 8. */
	assert_int_equal(ucx_attr_to_qemu(0xa09b), 0xa09b00);
	assert_int_equal(ucx_attr_from_qemu(0x00cf9300), 0xc093);
	/* Limit bits 19:16 in QEMU's flags are not attributes. */
	assert_int_equal(ucx_attr_from_qemu(0x000f9300), 0x0093);
}

static int machine_up_limited(struct machine *m, uint64_t max_insns, double timeout_s)
{
	struct machine_config cfg = {
		.bios_path = engine_test_bios,
		.ram_size = 16u << 20,
		.vendor = VSMM_VENDOR_INTEL,
		.max_insns = max_insns,
		.timeout_s = timeout_s,
		.console = stdout,
		.log = stderr,
	};
	return machine_init(m, &cfg);
}

static int machine_up(struct machine *m)
{
	struct machine_config cfg = {
		.bios_path = engine_test_bios,
		.ram_size = 16u << 20,
		.smram_base = SMRAM_BASE,
		.smram_size = SMRAM_SIZE,
		.vendor = VSMM_VENDOR_INTEL,
		.console = stdout,
		.log = stderr,
	};
	return machine_init(m, &cfg);
}

static void dma_respects_smram(void **unused)
{
	(void)unused;
	struct machine m;
	uint32_t v, secret = 0x5ec2e75a, bad = 0x0bad0bad;
	assert_int_equal(machine_up(&m), 0);

	/* SMM code plants a secret; a device outside SMM cannot see it... */
	assert_int_equal(machine_phys_write(&m, true, SMRAM_BASE + 0x100, &secret, 4), 0);
	assert_int_equal(machine_phys_read(&m, false, SMRAM_BASE + 0x100, &v, 4), 0);
	assert_int_equal(v, 0xffffffffu);
	/* ...nor change it; in SMM it is intact. */
	assert_int_equal(machine_phys_write(&m, false, SMRAM_BASE + 0x100, &bad, 4), 0);
	assert_int_equal(machine_phys_read(&m, true, SMRAM_BASE + 0x100, &v, 4), 0);
	assert_int_equal(v, secret);

	/* An access straddling the start of SMRAM: the RAM half works, the
	 * SMRAM half is hidden and left alone. */
	uint8_t buf[8], ones[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	assert_int_equal(machine_phys_write(&m, false, SMRAM_BASE - 4, ones, 8), 0);
	assert_int_equal(machine_phys_read(&m, true, SMRAM_BASE - 4, buf, 8), 0);
	assert_memory_equal(buf, ones, 4);
	assert_int_equal(buf[4], 0);
	assert_int_equal(machine_phys_read(&m, false, SMRAM_BASE - 4, buf, 8), 0);
	assert_memory_equal(buf, ones, 4);
	assert_int_equal(buf[4], 0xff);

	/* ROM ignores writes; nothing lives above RAM below the BIOS. */
	uint8_t rom_before, rom_after, zero = 0;
	assert_int_equal(machine_phys_read(&m, false, 0xffff0, &rom_before, 1), 0);
	assert_int_equal(machine_phys_write(&m, false, 0xffff0, &zero, 1), 0);
	assert_int_equal(machine_phys_read(&m, false, 0xffff0, &rom_after, 1), 0);
	assert_int_equal(rom_before, rom_after);
	assert_int_equal(machine_phys_read(&m, false, 0x40000000, buf, 4), -1);
	/* An access that wraps around the address space reaches nothing. */
	assert_int_equal(machine_phys_read(&m, true, ~0ull - 1, buf, 4), -1);
	assert_int_equal(machine_phys_write(&m, true, ~0ull - 1, buf, 4), -1);
	machine_destroy(&m);
}

static void cpu_sees_smram_only_in_smm(void **unused)
{
	(void)unused;
	struct machine m;
	uint32_t secret = 0x5ec2e75a, v = 0;
	assert_int_equal(machine_up(&m), 0);
	assert_int_equal(machine_phys_write(&m, true, SMRAM_BASE, &secret, 4), 0);
	/* Closed: the CPU's view is the all-ones window. */
	assert_int_equal(uc_mem_read(m.uc, SMRAM_BASE, &v, 4), UC_ERR_OK);
	assert_int_equal(v, 0xffffffffu);
	/* Open (SMM): the RAM behind it, shared with the host buffer. */
	assert_int_equal(machine_set_smram_visible(&m, true), 0);
	assert_int_equal(uc_mem_read(m.uc, SMRAM_BASE, &v, 4), UC_ERR_OK);
	assert_int_equal(v, secret);
	assert_int_equal(machine_set_smram_visible(&m, false), 0);
	assert_int_equal(uc_mem_read(m.uc, SMRAM_BASE, &v, 4), UC_ERR_OK);
	assert_int_equal(v, 0xffffffffu);
	machine_destroy(&m);
}

/*
 * A run that never ends would hang the test, not fail it: every run below
 * gets a wall-clock bound generous for a loaded machine, and overrunning
 * it fails the test.
 */
#define RUN_BOUND_S 30

static void overran(int sig)
{
	static const char msg[] = "test_engine: a run outlived its limits "
				  "(no --max-insns/--timeout stop)\n";
	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static int bounded_run(struct machine *m, const struct vsmm_cpu_state *st)
{
	m->vcpu.state = *st;
	assert_int_equal(ucx_set_state(m->uc, m->scratch, st), UC_ERR_OK);
	signal(SIGALRM, overran);
	alarm(RUN_BOUND_S);
	double t0 = machine_now_s();
	int rc = machine_run(m);
	alarm(0);
	assert_true(machine_now_s() - t0 < RUN_BOUND_S);
	return rc;
}

/* Real mode with CS.base + IP = 0x7FFFFFFFFFFFFFFF (what RSM of an edited
 * AMD64 map can resume, issue 15): the engine once used that very address
 * as its stop address, returned before the first instruction and retried
 * forever, under any limit.  Unicorn does not cut the linear address to
 * 32 bits, so the fetch hits no memory: status 4. */
static void high_cs_base_ends(void **unused)
{
	(void)unused;
	struct machine m;
	struct vsmm_cpu_state st;
	vsmm_cpu_state_reset(&st);
	st.seg[VSMM_CS] = seg(0xf000, 0x7fffffffffff0000ull, 0xffff, 0x9b);
	st.rip = 0xffff;
	assert_int_equal(machine_up_limited(&m, 1000, 2), 0);
	assert_int_equal(bounded_run(&m, &st), RUN_EXIT_GUEST_FAULT);
	machine_destroy(&m);
}

/* 64-bit mode at a non-canonical RIP: #GP on the fetch, which this engine
 * cannot deliver: status 4. */
static void noncanonical_rip_ends(void **unused)
{
	(void)unused;
	struct machine m;
	struct vsmm_cpu_state st;
	long_mode_state(&st);
	st.rip = 0x7fffffffffffffffull;
	assert_int_equal(machine_up_limited(&m, 1000, 2), 0);
	assert_int_equal(bounded_run(&m, &st), RUN_EXIT_GUEST_FAULT);
	machine_destroy(&m);
}

/* An endless JMP $ ends at --max-insns exactly, and at --timeout. */
static void endless_loop_ends_at_limits(void **unused)
{
	(void)unused;
	static const uint8_t jmp_self[] = { 0xeb, 0xfe };
	struct machine m;
	struct vsmm_cpu_state st;
	vsmm_cpu_state_reset(&st);
	st.seg[VSMM_CS] = seg(0, 0, 0xffff, 0x9b);
	st.rip = 0x7000;

	assert_int_equal(machine_up_limited(&m, 5000, 0), 0);
	assert_int_equal(machine_phys_write(&m, false, 0x7000, jmp_self, 2), 0);
	assert_int_equal(bounded_run(&m, &st), RUN_EXIT_LIMIT);
	assert_int_equal(m.insns, 5001);
	machine_destroy(&m);

	assert_int_equal(machine_up_limited(&m, 0, 1), 0);
	assert_int_equal(machine_phys_write(&m, false, 0x7000, jmp_self, 2), 0);
	assert_int_equal(bounded_run(&m, &st), RUN_EXIT_LIMIT);
	machine_destroy(&m);
}

/*
 * SMBASE beyond RAM (issue 16): SMI delivery writes the state-save area to
 * no memory, which a PC bus drops, and succeeds; RSM reads all ones there
 * and shuts down with a reason.  Neither is a failed platform callback.
 * An image straddling the end of RAM keeps its RAM half.
 */
static void smbase_beyond_ram(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up(&m), 0);
	m.vcpu.state.smbase = 0xf0000000u;
	assert_int_equal(vsmm_raise_smi(&m.vcpu), VSMM_OK);
	assert_int_equal(vsmm_enter_smm(&m.vcpu), VSMM_OK);
	assert_true(m.vcpu.state.smm);
	assert_int_equal(m.vcpu.state.seg[VSMM_CS].base, 0xf0000000u);
	assert_int_equal(vsmm_leave_smm(&m.vcpu), VSMM_E_SHUTDOWN);
	machine_destroy(&m);

	/* SMBASE + 0xFE00 .. + 0xFFFF across the end of the 16 MiB of RAM:
	 * the first 0x100 bytes land in RAM, the rest is dropped. */
	uint8_t ram[0x100], ones[0x100];
	uint64_t smbase = (16u << 20) - 0xff00;
	assert_int_equal(machine_up(&m), 0);
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(
		machine_phys_write(&m, true, smbase + 0xfe00, ones, sizeof(ones)), 0);
	m.vcpu.state.smbase = (uint32_t)smbase;
	assert_int_equal(vsmm_raise_smi(&m.vcpu), VSMM_OK);
	assert_int_equal(vsmm_enter_smm(&m.vcpu), VSMM_OK);
	assert_int_equal(machine_phys_read(&m, true, smbase + 0xfe00, ram, sizeof(ram)),
			 0);
	assert_memory_not_equal(ram, ones, sizeof(ram));
	machine_destroy(&m);
}

/* cpu.c's MSR rules (SDM Vol.4; KVM where the SDM leaves it to the VMM). */
static void msr_rules(void **unused)
{
	(void)unused;
	struct vsmm_model model;
	struct cpu_msrs msrs;
	struct vsmm_cpu_state st;
	uint64_t v = 0;
	assert_int_equal(vsmm_model_preset(&model, VSMM_VENDOR_INTEL, true), VSMM_OK);
	cpu_restrict_model(&model);
	cpu_msrs_reset(&msrs);
	memset(&st, 0, sizeof(st));

	/* EFER: SCE|LME|NXE stay, LMA is read only, SVME is AMD's. */
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_EFER, 0xd01), CPU_MSR_OK);
	assert_int_equal(st.efer, 0x901);
	assert_int_equal(
		cpu_wrmsr(&msrs, &model, &st, CPU_MSR_EFER, 0x901 | VSMM_EFER_SVME),
		CPU_MSR_GP);
	assert_int_equal(st.efer, 0x901);
	/* LME cannot change while paging is on. */
	st.cr0 = VSMM_CR0_PG | VSMM_CR0_PE;
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_EFER, 0x801), CPU_MSR_GP);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_EFER, &v), CPU_MSR_OK);
	assert_int_equal(v, 0x901);

	/* APIC base of the BSP; BSP read only, x2APIC bit reserved. */
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_APIC_BASE, &v),
			 CPU_MSR_OK);
	assert_int_equal(v, 0xfee00900u);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_APIC_BASE, 0xfee00c00u),
			 CPU_MSR_GP);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_APIC_BASE, 0xfed00800u),
			 CPU_MSR_OK);
	cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_APIC_BASE, &v);
	assert_int_equal(v, 0xfed00900u);

	/* MTRRs: storage, memory types and reserved bits checked. */
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, 0x200, 0x80000006), CPU_MSR_OK);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, 0x200, 0x80000002),
			 CPU_MSR_GP); /* type 2 is reserved */
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, 0x201, 1ull << CPU_MAXPHYADDR),
			 CPU_MSR_GP);
	cpu_rdmsr(&msrs, &model, &st, 0, 0x200, &v);
	assert_int_equal(v, 0x80000006);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, 0x258, 0x0606060606060603ull),
			 CPU_MSR_GP);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_PAT,
				   0x0007040600070406ull | (2ull << 56)),
			 CPU_MSR_GP);

	/* MSR_SMI_COUNT reads the machine's count and is not writable;
	 * IA32_SMBASE and unknown MSRs fault; the engine keeps FS_BASE. */
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 7, CPU_MSR_SMI_COUNT, &v),
			 CPU_MSR_OK);
	assert_int_equal(v, 7);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_SMI_COUNT, 0), CPU_MSR_GP);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_SMBASE, &v),
			 CPU_MSR_GP);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, 0x12345, &v), CPU_MSR_GP);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, 0x12345, 0), CPU_MSR_GP);

	/* The microcode MSRs answer as on KVM: platform ID 0 (read only),
	 * revision 1 in bits 63:32 whatever is written, loads ignored. */
	v = 1;
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_PLATFORM_ID, &v),
			 CPU_MSR_OK);
	assert_int_equal(v, 0);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_PLATFORM_ID, 0),
			 CPU_MSR_GP);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_UCODE_REV, 0), CPU_MSR_OK);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_UCODE_REV, &v),
			 CPU_MSR_OK);
	assert_int_equal(v, 1ull << 32);
	assert_int_equal(cpu_wrmsr(&msrs, &model, &st, CPU_MSR_UCODE_WRITE, 0x100000),
			 CPU_MSR_OK);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, CPU_MSR_UCODE_WRITE, &v),
			 CPU_MSR_GP);
	assert_int_equal(cpu_rdmsr(&msrs, &model, &st, 0, 0xc0000100u, &v),
			 CPU_MSR_ENGINE);
}

/* CPUID follows the model: vendor, SVM only for AMD, LM/NX. */
static void cpuid_model(void **unused)
{
	(void)unused;
	struct vsmm_model intel, amd;
	uint32_t r[4];
	vsmm_model_preset(&intel, VSMM_VENDOR_INTEL, true);
	vsmm_model_preset(&amd, VSMM_VENDOR_AMD, false);
	cpu_restrict_model(&intel);
	cpu_restrict_model(&amd);
	cpu_cpuid(&intel, 0, 0, r);
	assert_int_equal(r[1], 0x756e6547u); /* "Genu" */
	cpu_cpuid(&intel, 1, 0, r);
	assert_int_equal(r[3], 0x078bfbfdu);
	cpu_cpuid(&intel, 0x80000001u, 0, r);
	assert_int_equal(r[3], 0x20100800u); /* LM NX SYSCALL */
	assert_int_equal(r[2], 1);	     /* LAHF_LM, no SVM */
	cpu_cpuid(&amd, 0x80000001u, 0, r);
	assert_int_equal(r[2] & 4, 4);		/* SVM */
	assert_int_equal(r[3] & (1u << 29), 0); /* no long mode */
}

/* ---- the q35 chipset, after QEMU's tests/qtest/q35-test.c ---------- */

static uint8_t cfg8(struct machine *m, unsigned off)
{
	return (uint8_t)pci_cfg_read(m, MCH_DEVFN, off, 1);
}

static void set8(struct machine *m, unsigned off, uint8_t v)
{
	pci_cfg_write(m, MCH_DEVFN, off, 1, v);
}

static uint8_t peek(struct machine *m, bool smm, uint64_t gpa)
{
	uint8_t b = 0x5a;
	assert_int_equal(machine_phys_read(m, smm, gpa, &b, 1), 0);
	return b;
}

static void poke(struct machine *m, bool smm, uint64_t gpa, uint8_t v)
{
	assert_int_equal(machine_phys_write(m, smm, gpa, &v, 1), 0);
}

static void mch_ids(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	assert_int_equal(pci_cfg_read(&m, MCH_DEVFN, 0, 4), 0x29C08086u);
	assert_int_equal(pci_cfg_read(&m, LPC_DEVFN, 0, 4), 0x29188086u);
	assert_int_equal(pci_cfg_read(&m, 0x08, 0, 4), 0xffffffffu); /* 00:01.0 */
	/* Mechanism #1 reaches the same registers, bytes at CFC+n. */
	uint32_t v = 0;
	assert_true(pci_io_out(&m, 0xCF8, 4, 0x80000000u | MCH_SMRAM));
	assert_true(pci_io_in(&m, 0xCFD, 1, &v));
	assert_int_equal(v, 0x02); /* SMRAM resets to C_BASE_SEG */
	assert_true(pci_io_in(&m, 0xCFE, 1, &v));
	assert_int_equal(v, 0x38); /* ESMRAMC */
	machine_destroy(&m);
}

/* test_smram_lock: D_LCK clears D_OPEN and keeps it clear. */
static void smram_lock(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_D_OPEN);
	assert_true(cfg8(&m, MCH_SMRAM) & SMRAM_D_OPEN);
	/* Open: the RAM behind 0xA0000 is visible outside SMM. */
	poke(&m, false, 0xA0000, 0x77);
	assert_int_equal(peek(&m, false, 0xA0000), 0x77);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) & ~SMRAM_D_OPEN);
	assert_false(cfg8(&m, MCH_SMRAM) & SMRAM_D_OPEN);
	/* Closed and G_SMRAME: outside SMM the (absent) VGA window reads
	 * zero and drops writes; in SMM the RAM is there. */
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_G_SMRAME);
	assert_int_equal(peek(&m, false, 0xA0000), 0);
	poke(&m, false, 0xA0000, 0x11);
	assert_int_equal(peek(&m, true, 0xA0000), 0x77);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_D_OPEN);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_D_LCK);
	assert_false(cfg8(&m, MCH_SMRAM) & SMRAM_D_OPEN);
	assert_true(cfg8(&m, MCH_SMRAM) & SMRAM_D_LCK);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_D_OPEN);
	assert_false(cfg8(&m, MCH_SMRAM) & SMRAM_D_OPEN);
	assert_int_equal(peek(&m, false, 0xA0000), 0);
	/* ESMRAMC is read-only once locked. */
	set8(&m, MCH_ESMRAMC, ESMRAMC_T_EN);
	assert_int_equal(cfg8(&m, MCH_ESMRAMC), 0x38);
	/* A reset unlocks. */
	chipset_reset(&m);
	set8(&m, MCH_SMRAM, cfg8(&m, MCH_SMRAM) | SMRAM_D_OPEN);
	assert_true(cfg8(&m, MCH_SMRAM) & SMRAM_D_OPEN);
	machine_destroy(&m);
}

/* test_tseg_size: the byte below TSEG is RAM, the first TSEG byte reads
 * 0xFF and drops writes outside SMM; in SMM it is RAM. */
static void check_tseg(uint8_t esmramc, uint64_t mbytes)
{
	struct machine m;
	struct machine_config cfg = {
		.bios_path = engine_test_bios,
		.ram_size = 64u << 20, /* room below the 16 MiB extended TSEG */
		.vendor = VSMM_VENDOR_INTEL,
		.console = stdout,
		.log = stderr,
	};
	assert_int_equal(machine_init(&m, &cfg), 0);
	uint64_t top = m.cfg.ram_size, base = top - (mbytes << 20);
	poke(&m, true, base, 0x42);
	poke(&m, false, base - 1, 0x24);
	set8(&m, MCH_ESMRAMC, esmramc);
	set8(&m, MCH_SMRAM, SMRAM_G_SMRAME);
	assert_int_equal(peek(&m, false, base - 1), 0x24);
	assert_int_equal(peek(&m, false, base), 0xff);
	assert_int_equal(peek(&m, false, top - 1), 0xff);
	poke(&m, false, base, 0x99);
	assert_int_equal(peek(&m, true, base), 0x42);
	/* The CPU's view follows at the next instruction boundary: outside
	 * SMM all ones, in SMM the RAM. */
	uint8_t v = 0;
	assert_int_equal(machine_boundary(&m), 0);
	assert_int_equal(uc_mem_read(m.uc, base, &v, 1), UC_ERR_OK);
	assert_int_equal(v, 0xff);
	assert_int_equal(uc_mem_read(m.uc, base - 1, &v, 1), UC_ERR_OK);
	assert_int_equal(v, 0x24);
	assert_int_equal(machine_set_smram_visible(&m, true), 0);
	assert_int_equal(uc_mem_read(m.uc, base, &v, 1), UC_ERR_OK);
	assert_int_equal(v, 0x42);
	assert_int_equal(machine_set_smram_visible(&m, false), 0);
	/* Without G_SMRAME there is no TSEG. */
	set8(&m, MCH_SMRAM, 0);
	assert_int_equal(peek(&m, false, base), 0x42);
	machine_destroy(&m);
}

static void tseg_sizes(void **unused)
{
	(void)unused;
	check_tseg(ESMRAMC_T_EN | 0 << 1, 1);
	check_tseg(ESMRAMC_T_EN | 1 << 1, 2);
	check_tseg(ESMRAMC_T_EN | 2 << 1, 8);
	check_tseg(ESMRAMC_T_EN | 3 << 1, MCH_EXT_TSEG_DEFAULT);
}

/* test_mch_ext_tseg_mbytes: 0xFFFF after reset, the size after a query. */
static void ext_tseg_query(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	assert_int_equal(pci_cfg_read(&m, MCH_DEVFN, MCH_EXT_TSEG_MBYTES, 2), 0xffff);
	pci_cfg_write(&m, MCH_DEVFN, MCH_EXT_TSEG_MBYTES, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&m, MCH_DEVFN, MCH_EXT_TSEG_MBYTES, 2),
			 MCH_EXT_TSEG_DEFAULT);
	machine_destroy(&m);
}

/* test_smram_smbase_lock: without a query writes are dropped; after it
 * only the lock bit is writable, and locking hides 0x30000-0x4FFFF. */
static void f_smbase_lock(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	set8(&m, MCH_F_SMBASE, F_SMBASE_LCK);
	assert_int_equal(cfg8(&m, MCH_F_SMBASE), 0);
	poke(&m, false, 0x30000, 0x33);
	set8(&m, MCH_F_SMBASE, F_SMBASE_QUERY);
	assert_int_equal(cfg8(&m, MCH_F_SMBASE), F_SMBASE_IN_RAM);
	set8(&m, MCH_F_SMBASE, F_SMBASE_LCK);
	assert_int_equal(cfg8(&m, MCH_F_SMBASE), F_SMBASE_LCK);
	assert_int_equal(peek(&m, false, 0x30000), 0xff);
	assert_int_equal(peek(&m, false, 0x4ffff), 0xff);
	assert_int_equal(peek(&m, true, 0x30000), 0x33);
	set8(&m, MCH_F_SMBASE, 0);
	assert_int_equal(cfg8(&m, MCH_F_SMBASE), F_SMBASE_LCK);
	machine_destroy(&m);
}

/* PAM: 00 reads the BIOS (writes dropped), 11 is RAM, 01 read-only RAM. */
static void pam_modes(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	uint8_t rom = peek(&m, false, 0xFFFF0);
	assert_int_equal(rom, m.bios[m.bios_size - 0x10]);
	poke(&m, false, 0xFFFF0, rom ^ 0xff);
	assert_int_equal(peek(&m, false, 0xFFFF0), rom);
	set8(&m, MCH_PAM0, 0x30);
	assert_int_equal(peek(&m, false, 0xFFFF0), 0); /* RAM, still zero */
	poke(&m, false, 0xFFFF0, 0xab);
	assert_int_equal(peek(&m, false, 0xFFFF0), 0xab);
	set8(&m, MCH_PAM0, 0x10);
	poke(&m, false, 0xFFFF0, 0xcd);
	assert_int_equal(peek(&m, false, 0xFFFF0), 0xab);
	set8(&m, MCH_PAM0, 0x00);
	assert_int_equal(peek(&m, false, 0xFFFF0), rom);
	/* PAM1's low nibble is 0xC0000-0xC3FFF, its high one 0xC4000. */
	set8(&m, MCH_PAM0 + 1, 0x03);
	poke(&m, false, 0xC0000, 0x11);
	poke(&m, false, 0xC4000, 0x22);
	assert_int_equal(peek(&m, false, 0xC0000), 0x11);
	assert_int_equal(peek(&m, false, 0xC4000), 0); /* pc.rom */
	machine_destroy(&m);
}

/* --pflash VARS: OVMF's QemuFlashDetected probe sees a flash, and the
 * program/erase commands change the array. */
static void pflash_cfi(void **unused)
{
	(void)unused;
	char vars[] = "/tmp/vsmm-test-vars-XXXXXX";
	int fd = mkstemp(vars);
	uint8_t buf[0x2000];
	memset(buf, 0x3c, sizeof(buf));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	struct machine m;
	struct machine_config cfg = {
		.bios_path = engine_test_bios,
		.pflash = true,
		.pflash_vars = vars,
		.ram_size = 16u << 20,
		.vendor = VSMM_VENDOR_INTEL,
		.console = stdout,
		.log = stderr,
	};
	assert_int_equal(machine_init(&m, &cfg), 0);
	uint64_t base = 0x100000000ull - m.bios_size - sizeof(buf);
	uint8_t b = 0, cmd;
	assert_int_equal(uc_mem_read(m.uc, base, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0x3c);
	cmd = 0x50; /* clear status: still reads the array */
	assert_int_equal(uc_mem_write(m.uc, base, &cmd, 1), UC_ERR_OK);
	assert_int_equal(uc_mem_read(m.uc, base, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0x3c);
	cmd = 0x70; /* read status: ready */
	assert_int_equal(uc_mem_write(m.uc, base, &cmd, 1), UC_ERR_OK);
	assert_int_equal(uc_mem_read(m.uc, base, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0x80);
	cmd = 0x10; /* program a byte */
	assert_int_equal(uc_mem_write(m.uc, base + 5, &cmd, 1), UC_ERR_OK);
	cmd = 0x5a;
	assert_int_equal(uc_mem_write(m.uc, base + 5, &cmd, 1), UC_ERR_OK);
	cmd = 0xff;
	assert_int_equal(uc_mem_write(m.uc, base, &cmd, 1), UC_ERR_OK);
	assert_int_equal(uc_mem_read(m.uc, base + 5, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0x5a);
	cmd = 0x20; /* erase the second sector only */
	assert_int_equal(uc_mem_write(m.uc, base + 0x1000, &cmd, 1), UC_ERR_OK);
	cmd = 0xd0;
	assert_int_equal(uc_mem_write(m.uc, base + 0x1000, &cmd, 1), UC_ERR_OK);
	cmd = 0xff;
	assert_int_equal(uc_mem_write(m.uc, base, &cmd, 1), UC_ERR_OK);
	assert_int_equal(uc_mem_read(m.uc, base + 0x1fff, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0xff);
	assert_int_equal(uc_mem_read(m.uc, base + 0xfff, &b, 1), UC_ERR_OK);
	assert_int_equal(b, 0x3c);
	machine_destroy(&m);
	remove(vars);
}

/* The 8259 pair as SeaBIOS programs it, and the interrupt source the run
 * loop takes vectors from. */
static void pic_pair(void **unused)
{
	(void)unused;
	struct machine m;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	static const uint16_t port[] = { 0x20, 0x21, 0x21, 0x21, 0xA0, 0xA1, 0xA1, 0xA1 };
	static const uint8_t val[] = { 0x11, 0x08, 0x04, 0x01, 0x11, 0x70, 0x02, 0x01 };
	for (unsigned i = 0; i < 8; i++)
		assert_true(pic_io_out(&m, port[i], 1, val[i]));
	assert_true(pic_io_out(&m, 0x21, 1, 0xFA)); /* IRQ0 and IRQ2 open */
	assert_true(pic_io_out(&m, 0xA1, 1, 0xFE)); /* IRQ8 open */
	assert_int_equal(pic_pending_vector(&m), -1);
	pic_set_irq(&m, 1, true); /* masked */
	assert_int_equal(pic_pending_vector(&m), -1);
	pic_set_irq(&m, 8, true);
	pic_set_irq(&m, 0, true);
	assert_int_equal(pic_pending_vector(&m), 0x08); /* IRQ0 first */
	/* The run loop's INTA: through the APIC's LINT0 (ExtINT). */
	assert_true(apic_pending(&m.apic, machine_apic_enabled(&m)));
	assert_int_equal(apic_ack(&m.apic, machine_apic_enabled(&m)), 0x08);
	/* IRQ0 in service blocks the slave's IRQ8 (behind IRQ2). */
	assert_int_equal(pic_pending_vector(&m), -1);
	assert_true(pic_io_out(&m, 0x20, 1, 0x20)); /* EOI */
	assert_int_equal(pic_ack(&m), 0x70);
	uint32_t isr = 0;
	assert_true(pic_io_out(&m, 0xA0, 1, 0x0B)); /* read ISR */
	assert_true(pic_io_in(&m, 0xA0, 1, &isr));
	assert_int_equal(isr, 0x01);
	machine_destroy(&m);
}

/* PIT channel 2 through port 0x61 on the virtual clock (SeaBIOS's TSC
 * calibration), and channel 0 raising IRQ0 each period. */
static void pit_channels(void **unused)
{
	(void)unused;
	struct machine m;
	uint32_t v = 0;
	assert_int_equal(machine_up_limited(&m, 0, 0), 0);
	assert_true(pit_io_out(&m, 0x61, 1, 0x01)); /* gate 2 on */
	assert_true(pit_io_out(&m, 0x43, 1, 0xB0)); /* ch2, lo/hi, mode 0 */
	assert_true(pit_io_out(&m, 0x42, 1, 0x00));
	assert_true(pit_io_out(&m, 0x42, 1, 0x08)); /* 0x800 ticks */
	assert_true(pit_io_in(&m, 0x61, 1, &v));
	assert_false(v & 0x20);
	/* 0x800 ticks of 1.193182 MHz are 1716 us: 171,600 instructions. */
	m.insns += 171000;
	assert_true(pit_io_in(&m, 0x61, 1, &v));
	assert_false(v & 0x20);
	m.insns += 1000;
	assert_true(pit_io_in(&m, 0x61, 1, &v));
	assert_true(v & 0x20);
	/* Channel 0, mode 2, period 1000 ticks: IRQ0 edges. */
	assert_true(pic_io_out(&m, 0x20, 1, 0x11));
	assert_true(pic_io_out(&m, 0x21, 1, 0x08));
	assert_true(pic_io_out(&m, 0x21, 1, 0x04));
	assert_true(pic_io_out(&m, 0x21, 1, 0x01));
	assert_true(pic_io_out(&m, 0x21, 1, 0xFE));
	assert_true(pit_io_out(&m, 0x43, 1, 0x34));
	assert_true(pit_io_out(&m, 0x40, 1, 0xE8));
	assert_true(pit_io_out(&m, 0x40, 1, 0x03));
	uint64_t next = pit_update(&m);
	assert_true(next > m.insns);
	assert_int_equal(pic_pending_vector(&m), -1);
	m.insns = next;
	pit_update(&m);
	assert_int_equal(pic_pending_vector(&m), 0x08);
	machine_destroy(&m);
}

/* The local APIC's rules (apic.h): priority classes against TPR and ISR,
 * EOI, illegal vectors, the timer's divide configuration and reload. */
static void apic_rules(void **unused)
{
	(void)unused;
	struct apic a = { 0 };
	apic_reset(&a);
	assert_int_equal(apic_read(&a, APIC_REG_VERSION), 0x00050014u);
	assert_int_equal(apic_read(&a, APIC_REG_LVT_LINT0), 0x700u);
	/* Software disabled: nothing offered, LVT writes stay masked. */
	apic_write(&a, APIC_REG_ICR_LO, 0x00040000u | 0x51);
	assert_false(apic_pending(&a, true));
	apic_write(&a, APIC_REG_LVT_TIMER, 0x40);
	assert_true(apic_read(&a, APIC_REG_LVT_TIMER) & APIC_LVT_MASKED);
	apic_write(&a, APIC_REG_SVR, 0x1ff);
	assert_true(apic_pending(&a, true));
	assert_false(apic_pending(&a, false)); /* IA32_APIC_BASE.EN clear */
	/* TPR 0x50 holds back class 5, not class 6. */
	apic_write(&a, APIC_REG_TPR, 0x5f);
	assert_false(apic_pending(&a, true));
	apic_write(&a, APIC_REG_ICR_LO, 0x00040000u | 0x61);
	assert_int_equal(apic_ack(&a, true), 0x61);
	/* In service 0x61: PPR 0x60, so 0x51 still waits after TPR 0. */
	apic_write(&a, APIC_REG_TPR, 0);
	assert_int_equal(apic_read(&a, APIC_REG_PPR), 0x60u);
	assert_false(apic_pending(&a, true));
	apic_write(&a, APIC_REG_EOI, 0);
	assert_int_equal(apic_ack(&a, true), 0x51);
	apic_write(&a, APIC_REG_EOI, 0);
	assert_int_equal(apic_ack(&a, true), -1);
	/* Vectors 0-15 are illegal: ESR bit 6, nothing raised. */
	apic_write(&a, APIC_REG_ICR_LO, 0x00040000u | 0x0e);
	assert_false(apic_pending(&a, true));
	assert_int_equal(apic_read(&a, APIC_REG_ESR), 1u << 6);
	/* SMI and NMI to self; to APIC ID 5, nothing. */
	assert_int_equal(apic_write(&a, APIC_REG_ICR_LO, 0x00040200u), APIC_IPI_SMI);
	assert_int_equal(apic_write(&a, APIC_REG_ICR_LO, 0x00040400u), APIC_IPI_NMI);
	apic_write(&a, APIC_REG_ICR_HI, 5u << 24);
	assert_int_equal(apic_write(&a, APIC_REG_ICR_LO, 0x400u), APIC_IPI_NONE);
	/* Timer: divide by 8 (DCR 2), 10 counts = 80 bus clocks. */
	apic_write(&a, APIC_REG_TIMER_DCR, 2);
	apic_write(&a, APIC_REG_LVT_TIMER, APIC_LVT_PERIODIC | 0x40);
	apic_write(&a, APIC_REG_TIMER_INIT, 10);
	assert_int_equal(a.timer_left, 80);
	a.timer_left -= 9;
	assert_int_equal(apic_read(&a, APIC_REG_TIMER_CUR), 9);
	a.timer_left = 0;
	apic_timer_expired(&a);
	assert_int_equal(a.timer_left, 80); /* periodic reload */
	assert_int_equal(apic_ack(&a, true), 0x40);
	apic_write(&a, APIC_REG_TIMER_DCR, 0xb);  /* divide by 1 */
	apic_write(&a, APIC_REG_LVT_TIMER, 0x40); /* one-shot */
	apic_write(&a, APIC_REG_TIMER_INIT, 3);
	assert_int_equal(a.timer_left, 3);
	a.timer_left = 0;
	apic_timer_expired(&a);
	assert_int_equal(a.timer_left, 0);
	assert_int_equal(apic_read(&a, APIC_REG_TIMER_CUR), 0);
}

/* IA32_APIC_BASE moves the page, and EN clear removes it. */
static void apic_page_follows_base(void **unused)
{
	(void)unused;
	struct machine m;
	uint32_t v = 0;
	assert_int_equal(machine_up(&m), 0);
	assert_int_equal(uc_mem_read(m.uc, 0xfee00030, &v, 4), UC_ERR_OK);
	assert_int_equal(v, 0x00050014u);
	m.msrs.apic_base = 0xfec10000ull | 0x900;
	assert_int_equal(machine_apic_remap(&m), 0);
	assert_int_equal(m.apic_mapped, 0xfec10000ull);
	assert_int_equal(uc_mem_read(m.uc, 0xfec10030, &v, 4), UC_ERR_OK);
	assert_int_equal(v, 0x00050014u);
	assert_int_not_equal(uc_mem_read(m.uc, 0xfee00030, &v, 4), UC_ERR_OK);
	m.msrs.apic_base = 0xfec10000ull | 0x100;
	assert_int_equal(machine_apic_remap(&m), 0);
	assert_int_equal(m.apic_mapped, 0);
	machine_destroy(&m);
}

int main(void)
{
	int start = engine_test_start("test_engine");
	if (start >= 0)
		return start;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attr_conversions),
		cmocka_unit_test(mirror_round_trip),
		cmocka_unit_test(dma_respects_smram),
		cmocka_unit_test(cpu_sees_smram_only_in_smm),
		cmocka_unit_test(high_cs_base_ends),
		cmocka_unit_test(noncanonical_rip_ends),
		cmocka_unit_test(endless_loop_ends_at_limits),
		cmocka_unit_test(smbase_beyond_ram),
		cmocka_unit_test(msr_rules),
		cmocka_unit_test(cpuid_model),
		cmocka_unit_test(mch_ids),
		cmocka_unit_test(smram_lock),
		cmocka_unit_test(tseg_sizes),
		cmocka_unit_test(ext_tseg_query),
		cmocka_unit_test(f_smbase_lock),
		cmocka_unit_test(pam_modes),
		cmocka_unit_test(pflash_cfi),
		cmocka_unit_test(pic_pair),
		cmocka_unit_test(pit_channels),
		cmocka_unit_test(apic_rules),
		cmocka_unit_test(apic_page_follows_base),
	};
	return engine_test_end(cmocka_run_group_tests(tests, NULL, NULL));
}
