/* SPDX-License-Identifier: MIT */
/*
 * Memory map, devices and the vsmm platform callbacks of the `vsmm run`
 * machine (see machine.h).  All guest RAM lives in one host buffer mapped
 * into Unicorn with uc_mem_map_ptr, so the host-side accessors and the CPU
 * see the same bytes.
 */
#define _POSIX_C_SOURCE 200809L

#include "machine.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include <unicorn/x86.h>

#include "chipset_io.h"
#include "hpet.h"
#include "ich9fn.h"
#include "pflash.h"
#include "memmap.h"
#include "run_status.h"
#include "ucx86.h"

#define PAGE 0x1000ull
#define ONE_MIB 0x100000ull
#define FOUR_GIB 0x100000000ull

double machine_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* SMRAM visibility and the chipset at instruction boundaries          */
/* ------------------------------------------------------------------ */

/* The accessors (machine_phys_read/write) live in memmap.c, with the
 * map the chipset registers make. */
int machine_set_smram_visible(struct machine *m, bool visible)
{
	return memmap_set_smm(m, visible);
}

uint64_t machine_virtual_ns(const struct machine *m)
{
	return m->insns * MACHINE_NS_PER_INSN;
}

/* ------------------------------------------------------------------ */
/* vsmm platform callbacks                                             */
/* ------------------------------------------------------------------ */

/*
 * The CPU's own accesses for SMI delivery and RSM (the state-save area at
 * SMBASE + 0xFE00) follow PC bus semantics, as the DMA device does: a byte
 * that no RAM or ROM decodes reads as 0xFF and a write to it is dropped
 * (a master abort), so an SMBASE the guest moved beyond RAM is a guest
 * condition with a documented ending (docs/engine.md), never a failed
 * platform callback.  Accesses that hit memory entirely take one copy.
 */
static int op_read_phys(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;
	if (machine_phys_read(ctx, smm, gpa, buf, len) == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (machine_phys_read(ctx, smm, gpa + i, out + i, 1))
			out[i] = 0xff;
	return 0;
}

static int op_write_phys(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	if (machine_phys_write(ctx, smm, gpa, buf, len) == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		(void)machine_phys_write(ctx, smm, gpa + i, in + i, 1);
	return 0;
}

static int op_smm_changed(void *ctx, struct vsmm_vcpu *vcpu, bool entering)
{
	(void)vcpu;
	return machine_set_smram_visible(ctx, entering);
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

/*
 * Ask Unicorn to stop at the next instruction boundary.  Remember where
 * the request came from, because after such a stop Unicorn 2.0.1 reports
 * RIP in a way the run loop must correct (ucx_resume_at_linear).
 */
static void stop_engine(struct machine *m, bool in_insn)
{
	m->req_in_insn = in_insn;
	m->req_linear = m->last_pc;
	m->req_size = m->last_size;
	uc_emu_stop(m->uc);
}

void machine_stop_at_boundary(struct machine *m)
{
	if (m->stop == STOP_NONE)
		m->stop = STOP_EVENT;
	stop_engine(m, true);
}

/* Raise an SMI; true if it can be delivered at the next instruction
 * boundary (outside SMM), in which case the engine is asked to stop there.
 * In SMM vsmm keeps it pending (repeats collapse) until RSM. */
static bool request_smi(struct machine *m, enum machine_smi_source src, bool in_insn)
{
	if (vsmm_raise_smi(&m->vcpu) != VSMM_OK ||
	    vsmm_next_event(&m->vcpu) != VSMM_EVENT_SMI) {
		if (m->smi_source == SMI_SRC_NONE)
			m->smi_source = src;
		return false;
	}
	m->smi_source = src;
	if (m->stop == STOP_NONE)
		m->stop = STOP_EVENT;
	stop_engine(m, in_insn);
	return true;
}

/*
 * A bus-master device: it copies 4 bytes between guest-physical addresses
 * through the host-side accessors.  A device is never in SMM, so it sees
 * SMRAM as all ones and its writes there are dropped.  Unmapped addresses
 * read as all ones and ignore writes, as on a PCI bus.
 */
static void dma_copy(struct machine *m, uint32_t src, uint32_t dst)
{
	uint8_t buf[4];
	if (machine_phys_read(m, false, src, buf, sizeof(buf)))
		memset(buf, 0xff, sizeof(buf));
	(void)machine_phys_write(m, false, dst, buf, sizeof(buf));
	/* The CPU may have translated code from the bytes just written. */
	uc_ctl_remove_cache(m->uc, dst, (uint64_t)dst + sizeof(buf));
}

static void port_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *opaque)
{
	struct machine *m = opaque;
	(void)uc;
	if (chipset_io_out(m, (uint16_t)port, (unsigned)size, value))
		return;
	if (port == MACHINE_PORT_DEBUGCON || port == MACHINE_PORT_DEBUGCON_FW) {
		fputc((int)(value & 0xff), m->cfg.console);
	} else if (port >= MACHINE_PORT_EXIT &&
		   port < MACHINE_PORT_EXIT + MACHINE_PORT_EXIT_SIZE) {
		m->stop = STOP_EXIT;
		m->exit_value = value;
		stop_engine(m, true);
	} else if (port == MACHINE_PORT_APM_CNT) {
		m->apm_cnt = (uint8_t)value;
		/* The code hook saw this OUT last: its address and length. */
		m->io_linear = m->last_pc;
		m->io_size = m->last_size;
		m->io_port = (uint16_t)port;
		m->io_width = (uint8_t)size;
		/* ICH9: only with SMI_EN.APMC_EN (lpc.c). */
		if (lpc_apm_smi(m, (uint8_t)value))
			m->io_smi = request_smi(m, SMI_SRC_APM, true);
	} else if (port == MACHINE_PORT_APM_STS) {
		m->apm_sts = (uint8_t)value;
	} else if (port == MACHINE_PORT_SMI_TIMER) {
		m->smi_timer = value;
	} else if (port == MACHINE_PORT_DMA_SRC) {
		m->dma_src = value;
	} else if (port == MACHINE_PORT_DMA_DST) {
		dma_copy(m, m->dma_src, value);
	}
	/* Every other port ignores writes, as unclaimed ISA ports do. */
}

static uint32_t port_in(uc_engine *uc, uint32_t port, int size, void *opaque)
{
	struct machine *m = opaque;
	uint32_t v;
	if (chipset_io_in(m, (uint16_t)port, (unsigned)size, &v))
		return v;
	if (port == MACHINE_PORT_DEBUGCON)
		return MACHINE_PORT_DEBUGCON; /* isa-debugcon's read-back */
	if (port == MACHINE_PORT_DEBUGCON_FW)
		return MACHINE_PORT_DEBUGCON;
	if (port == MACHINE_PORT_APM_CNT)
		return m->apm_cnt;
	if (port == MACHINE_PORT_APM_STS)
		return m->apm_sts;
	if (port == MACHINE_PORT_SYNC) {
		/* KVM's smm_test stage report: AL names the stage; the run
		 * loop saves and restores the whole vCPU after the IN. */
		uint64_t rax = 0;
		uc_reg_read(uc, UC_X86_REG_RAX, &rax);
		m->sync_stage = (uint8_t)rax;
		m->stop = STOP_SYNC;
		stop_engine(m, true);
	}
	/* Unclaimed ports float high. */
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The local APIC page (apic.c): registers are aligned dwords. */
static uint64_t apic_mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct machine *m = opaque;
	(void)uc, (void)size;
	return apic_read(&m->apic, (unsigned)off);
}

static void apic_mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
			    void *opaque)
{
	struct machine *m = opaque;
	(void)uc, (void)size;
	switch (apic_write(&m->apic, (unsigned)off, (uint32_t)value)) {
	case APIC_IPI_SMI: request_smi(m, SMI_SRC_APIC, true); break;
	case APIC_IPI_NMI:
		if (vsmm_raise_nmi(&m->vcpu) == VSMM_OK)
			machine_intr_changed(m);
		break;
	default:
		/* EOI, TPR, a fixed self-IPI: priorities may have changed. */
		machine_intr_changed(m);
		break;
	}
}

bool machine_apic_enabled(const struct machine *m)
{
	return m->msrs.apic_base & (1ull << 11);
}

void machine_intr_changed(struct machine *m)
{
	m->intr_poll = true;
}

int machine_apic_remap(struct machine *m)
{
	uint64_t want = machine_apic_enabled(m) ? m->msrs.apic_base & ~0xfffull : 0;
	uc_err err = UC_ERR_OK;
	if (want == m->apic_mapped)
		return 0;
	if (m->apic_mapped)
		err = uc_mem_unmap(m->uc, m->apic_mapped, PAGE);
	/* A base over RAM or ROM is not mapped: RAM wins, as on QEMU's
	 * q35 for a base below TOLUD the APIC page does not decode there;
	 * over another device's page (the HPET, flash) that device wins. */
	uint8_t probe;
	if (!err && want && machine_phys_read(m, false, want, &probe, 1)) {
		err = uc_mmio_map(m->uc, want, PAGE, apic_mmio_read, m, apic_mmio_write,
				  m);
		if (err == UC_ERR_MAP) {
			err = UC_ERR_OK;
			want = 0;
		}
	} else if (want) {
		want = 0;
	}
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: moving the local APIC page failed: "
			"%s\n",
			uc_strerror(err));
		return -1;
	}
	m->apic_mapped = want;
	return 0;
}

/* ------------------------------------------------------------------ */
/* CPU hooks                                                           */
/* ------------------------------------------------------------------ */

/* Is the two-byte instruction at this linear address RDMSR or WRMSR? */
static bool is_msr_insn(struct machine *m, uint64_t linear)
{
	uint8_t op[2];
	return machine_phys_read(m, m->vcpu.state.smm, linear, op, 2) == 0 &&
	       op[0] == 0x0f && (op[1] == 0x30 || op[1] == 0x32);
}

/* Is the instruction at this linear address RSM (0F AA)? */
static bool is_rsm(struct machine *m, uint64_t linear)
{
	uint8_t op[2];
	return machine_phys_read(m, m->vcpu.state.smm, linear, op, 2) == 0 &&
	       op[0] == 0x0f && op[1] == 0xaa;
}

/*
 * Installed over the whole address space: besides counting instructions
 * for --max-insns, --timeout and the SMI timer, its mere presence makes
 * Unicorn 2.0.1 stop exactly after the instruction that asked for a stop
 * (without it stops land at block boundaries; see ucx_resume_at_linear
 * for the RIP it leaves behind).  In SMM it also catches RSM before it
 * executes: Unicorn's invalid-instruction path proved unreliable for a
 * block it had already translated (it re-ran the #UD without calling the
 * hook again), so RSM in SMM never reaches it.
 */
/* Did the instruction before this boundary open an interrupt shadow (STI,
 * MOV SS, POP SS; SDM Vol.3A 6.8.3)?  Legacy prefixes are skipped. */
static bool in_shadow(struct machine *m, uint64_t pc, uint32_t size)
{
	uint8_t b[15];
	uint32_t i = 0;
	if (size == 0 || size > sizeof(b) ||
	    machine_phys_read(m, m->vcpu.state.smm, pc, b, size))
		return false;
	while (i < size && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0x2e ||
			    b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 ||
			    b[i] == 0x64 || b[i] == 0x65 || (b[i] & 0xf0) == 0x40))
		i++;
	if (i == size)
		return false;
	return b[i] == 0xfb || b[i] == 0x17 ||
	       (b[i] == 0x8e && i + 1 < size && ((b[i + 1] >> 3) & 7) == 2);
}

/* IRET, IRETD or IRETQ (CF after an operand-size or REX prefix). */
static bool is_iret(struct machine *m, uint64_t pc, uint32_t size)
{
	uint8_t b[2];
	if (size == 0 || size > 2 || machine_phys_read(m, m->vcpu.state.smm, pc, b, size))
		return false;
	return b[size - 1] == 0xcf &&
	       (size == 1 || b[0] == 0x66 || (b[0] & 0xf0) == 0x40);
}

/*
 * At this boundary, may an NMI or an external interrupt be taken?  NMI:
 * vsmm's event rules (not blocked, not in SMM's blocking, no shadow).
 * Interrupt: no shadow, RFLAGS.IF, and the APIC offers one.  With nothing
 * left to offer, the hook stops looking.
 */
static bool intr_window_open(struct machine *m, uint64_t prev_pc, uint32_t prev_size)
{
	bool shadow = in_shadow(m, prev_pc, prev_size);
	m->vcpu.state.int_shadow = shadow ? VSMM_SHADOW_STI : 0;
	bool nmi = vsmm_next_event(&m->vcpu) == VSMM_EVENT_NMI;
	m->vcpu.state.int_shadow = 0;
	if (nmi)
		return true;
	bool ext = apic_pending(&m->apic, machine_apic_enabled(m));
	if (!ext) {
		m->intr_poll = m->vcpu.state.nmi_pending;
		return false;
	}
	uint64_t rflags = 0;
	uc_reg_read(m->uc, UC_X86_REG_EFLAGS, &rflags);
	return !shadow && (rflags & VSMM_RFLAGS_IF);
}

/*
 * The code hook's interrupt work, only while something may be pending or
 * NMIs wait for an IRET.  True if it stopped the engine for delivery.
 */
static bool __attribute__((noinline))
intr_boundary(struct machine *m, uint64_t addr, uint32_t size, uint64_t prev_pc,
	      uint32_t prev_size)
{
	/* The IRET that ends an NMI handler has run: NMIs are unblocked
	 * (outside SMM; in SMM they stay blocked until RSM, vsmm's rule). */
	if (m->iret_done) {
		m->iret_done = false;
		m->vcpu.state.nmi_masked = false;
		m->intr_poll = true;
	}
	if (m->intr_poll && intr_window_open(m, prev_pc, prev_size)) {
		m->stop = STOP_EVENT;
		m->intr_window = true;
		stop_engine(m, false);
		return true;
	}
	if (m->vcpu.state.nmi_masked && !m->vcpu.state.smm && is_iret(m, addr, size))
		m->iret_done = true;
	return false;
}

static void code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct machine *m = opaque;
	uint64_t prev_pc = m->last_pc;
	uint32_t prev_size = m->last_size;
	(void)uc;
	m->last_pc = addr;
	m->last_size = size;
	if (m->chip.nundo)
		memmap_undo(m); /* a dropped write (memmap.h) */
	if (__builtin_expect((m->intr_poll | m->iret_done) ||
				     (m->vcpu.state.nmi_masked && !m->vcpu.state.smm),
			     0) &&
	    m->stop == STOP_NONE && intr_boundary(m, addr, size, prev_pc, prev_size))
		return;
	/* A stop asked for during the previous instruction (an IN or OUT
	 * hook) may be under way: this one then does not run now, and must
	 * not replace the reason (RSM right after the sync port's IN). */
	if (m->vcpu.state.smm && m->stop == STOP_NONE && is_rsm(m, addr)) {
		m->stop = STOP_RSM;
		stop_engine(m, false);
		return;
	}
	/* RDMSR/WRMSR are emulated by the machine (cpu.h); only two-byte
	 * instructions need the look at their bytes. */
	if (size == 2 && m->stop == STOP_NONE && is_msr_insn(m, addr)) {
		m->stop = STOP_MSR;
		stop_engine(m, false);
		return;
	}
	m->insns++;
	if (m->insns >= m->chip.next_event_insn)
		chipset_timer(m);
	if (m->smi_timer && --m->smi_timer == 0)
		request_smi(m, SMI_SRC_TIMER, false);
	/* The APIC timer counts instructions (apic.h). */
	if (m->apic.timer_left && --m->apic.timer_left == 0) {
		apic_timer_expired(&m->apic);
		m->intr_poll = true;
	}
	if ((m->cfg.max_insns && m->insns > m->cfg.max_insns) ||
	    (m->deadline > 0 && (m->insns & 0xfffff) == 0 &&
	     machine_now_s() > m->deadline)) {
		m->stop = STOP_LIMIT;
		stop_engine(m, false);
	}
}

/*
 * Invalid opcodes.  RSM outside SMM lands here too (the translator refuses
 * it because HF_SMM is never set in the engine); vsmm then reports #UD.
 * Returning true alone would make Unicorn retry the instruction, hence
 * the explicit stop.
 */
static bool invalid_insn_hook(uc_engine *uc, void *opaque)
{
	struct machine *m = opaque;
	/* The code hook has just seen this instruction: last_pc is its linear
	 * address (RIP itself is unreliable here, see ucx_resume_at_linear). */
	m->stop = is_rsm(m, m->last_pc) ? STOP_RSM : STOP_BAD_INSN;
	uc_emu_stop(uc);
	return m->stop == STOP_RSM;
}

static void intr_hook(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct machine *m = opaque;
	(void)uc;
	m->stop = STOP_INTR;
	m->intno = intno;
	stop_engine(m, true);
}

/* CPUID answers from the machine's model (cpu.h), not Unicorn's. */
static int cpuid_hook(uc_engine *uc, void *opaque)
{
	struct machine *m = opaque;
	uint64_t rax = 0, rcx = 0;
	uint32_t out[4];
	static const int reg[4] = { UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX,
				    UC_X86_REG_RDX };
	uc_reg_read(uc, UC_X86_REG_RAX, &rax);
	uc_reg_read(uc, UC_X86_REG_RCX, &rcx);
	cpu_cpuid(&m->model, (uint32_t)rax, (uint32_t)rcx, out);
	for (int i = 0; i < 4; i++) {
		uint64_t v = out[i]; /* CPUID zero-extends into RAX..RDX */
		uc_reg_write(uc, reg[i], &v);
	}
	return 1; /* the instruction is done */
}

static bool mem_fault_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			   int64_t value, void *opaque)
{
	struct machine *m = opaque;
	(void)uc, (void)value;
	if (type == UC_MEM_WRITE_PROT && memmap_write_prot(m, addr, size))
		return true; /* ROM or read-only RAM: the write is dropped */
	m->stop = STOP_MEM_FAULT;
	m->fault_type = type;
	m->fault_addr = addr;
	return false;
}

static int install_hooks(struct machine *m)
{
	uc_hook h;
	uc_err err = uc_hook_add(m->uc, &h, UC_HOOK_CODE, code_hook, m, 1, 0);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_INSN, port_out, m, 1, 0,
				  UC_X86_INS_OUT);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_INSN, port_in, m, 1, 0,
				  UC_X86_INS_IN);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_INSN, cpuid_hook, m, 1, 0,
				  UC_X86_INS_CPUID);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID, invalid_insn_hook, m,
				  1, 0);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_INTR, intr_hook, m, 1, 0);
	if (!err)
		err = uc_hook_add(m->uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT,
				  mem_fault_hook, m, 1, 0);
	if (err)
		fprintf(m->cfg.log,
			"vsmm run: installing engine hooks failed: "
			"%s\n",
			uc_strerror(err));
	return err ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Memory map                                                          */
/* ------------------------------------------------------------------ */

static int load_bios(struct machine *m)
{
	FILE *f = fopen(m->cfg.bios_path, "rb");
	struct stat st;
	long size;
	if (!f) {
		fprintf(m->cfg.log, "vsmm run: cannot open %s image %s: %s\n",
			m->cfg.pflash ? "flash CODE" : "BIOS", m->cfg.bios_path,
			strerror(errno));
		return -1;
	}
	/* fopen() opens a directory for reading on Linux, and its "size"
	 * is then LONG_MAX: say what it is instead.  Anything else that is
	 * not a file (a FIFO, a terminal) has no size either. */
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(m->cfg.log, "vsmm run: BIOS image %s is %s\n", m->cfg.bios_path,
			S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		fclose(f);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(m->cfg.log, "vsmm run: cannot read %s\n", m->cfg.bios_path);
		fclose(f);
		return -1;
	}
	long granule = m->cfg.pflash ? 0x1000 : MACHINE_BIOS_GRANULE;
	if (size == 0 || size % granule || size > 16 * (long)ONE_MIB) {
		fprintf(m->cfg.log,
			"vsmm run: %s image %s is %ld bytes; it must be a "
			"non-zero multiple of %s, at most 16 MiB (as for "
			"QEMU's %s)\n",
			m->cfg.pflash ? "flash CODE" : "BIOS", m->cfg.bios_path, size,
			m->cfg.pflash ? "4 KiB" : "64 KiB",
			m->cfg.pflash ? "pflash" : "-bios");
		fclose(f);
		return -1;
	}
	m->bios_size = (uint64_t)size;
	m->bios = malloc((size_t)size);
	if (!m->bios || fread(m->bios, 1, (size_t)size, f) != (size_t)size) {
		fprintf(m->cfg.log, "vsmm run: cannot read %s\n", m->cfg.bios_path);
		fclose(f);
		return -1;
	}
	fclose(f);
	m->isa_bios_size = m->bios_size < MACHINE_ISA_BIOS_MAX ? m->bios_size
							       : MACHINE_ISA_BIOS_MAX;
	m->isa_bios_base = ONE_MIB - m->isa_bios_size;
	return 0;
}

/* RAM and everything below 1 MiB is memmap.c's (chipset registers);
 * here the BIOS below 4 GiB, the local APIC page, the HPET and the VARS
 * flash.  0 or the exit status (a flash or option ROM it cannot use is a
 * bad image). */
static int map_memory(struct machine *m)
{
	uint64_t ram = m->cfg.ram_size;
	uc_err err;

	m->ram = calloc(1, (size_t)ram);
	if (!m->ram) {
		fprintf(m->cfg.log,
			"vsmm run: cannot allocate %llu bytes of "
			"guest RAM\n",
			(unsigned long long)ram);
		return RUN_EXIT_INTERNAL;
	}
	err = uc_mem_map_ptr(m->uc, FOUR_GIB - m->bios_size, m->bios_size,
			     UC_PROT_READ | UC_PROT_EXEC, m->bios);
	if (!err)
		err = uc_mmio_map(m->uc, MACHINE_APIC_BASE, PAGE, apic_mmio_read, m,
				  apic_mmio_write, m);
	if (!err)
		m->apic_mapped = MACHINE_APIC_BASE;
	if (!err && memmap_map_unassigned(m, MACHINE_TPM_BASE, MACHINE_TPM_SIZE))
		err = UC_ERR_MAP;
	if (!err && hpet_map(m))
		err = UC_ERR_MAP;
	if (!err && pflash_init(m))
		return RUN_EXIT_BAD_IMAGE;
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: building the memory map failed: "
			"%s\n",
			uc_strerror(err));
		return RUN_EXIT_INTERNAL;
	}
	chipset_reset(m);
	if (fwcfg_init(m, m->cfg.option_roms, m->cfg.n_option_roms))
		return RUN_EXIT_BAD_IMAGE; /* an --option-rom it cannot use */
	return memmap_init(m) ? RUN_EXIT_INTERNAL : 0;
}

/* SMRAM must be RAM the machine can switch page by page. */
static int check_smram(struct machine *m)
{
	uint64_t b = m->cfg.smram_base, s = m->cfg.smram_size;
	if (!s)
		return 0;
	if (b % PAGE || s % PAGE || b + s > m->cfg.ram_size || b + s < b ||
	    (b < m->isa_bios_base + m->isa_bios_size && b + s > m->isa_bios_base)) {
		fprintf(m->cfg.log,
			"vsmm run: --smram 0x%llx:0x%llx must be 4 KiB aligned, "
			"inside RAM and clear of the BIOS window 0x%llx-0xfffff\n",
			(unsigned long long)b, (unsigned long long)s,
			(unsigned long long)m->isa_bios_base);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */
/* ------------------------------------------------------------------ */

static int init_vcpu(struct machine *m)
{
	enum vsmm_layout layout = m->cfg.layout;
	bool long_mode = layout != VSMM_LAYOUT_P6_32;
	int rc = vsmm_model_preset(&m->model, m->cfg.vendor, long_mode);
	if (rc == VSMM_OK) {
		m->model.layout = layout;
		cpu_restrict_model(&m->model); /* what CPUID reports */
	}
	cpu_msrs_reset(&m->msrs);
	apic_reset(&m->apic);
	m->ops.read_phys = op_read_phys;
	m->ops.write_phys = op_write_phys;
	m->ops.smm_changed = op_smm_changed;
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_init(&m->vcpu, &m->model, &m->ops, m);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&m->vcpu, m->cfg.semantics);
	if (rc != VSMM_OK) {
		fprintf(m->cfg.log, "vsmm run: setting up the vCPU failed: %s\n",
			vsmm_strerror(rc));
		return -1;
	}
	uc_err err = ucx_set_state(m->uc, m->scratch, &m->vcpu.state);
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: loading the reset state into the "
			"engine failed: %s\n",
			uc_strerror(err));
		return -1;
	}
	return 0;
}

/* A reset through port 0xCF9 (RST_CPU): the chipset and the vCPU go back
 * to their power-on state, RAM and fw_cfg keep theirs, as on QEMU. */
static int machine_reset(struct machine *m)
{
	chipset_reset(m);
	memmap_changed(m);
	m->chip.cpu_smm = false;
	m->halted = false;
	if (pci_mmcfg_sync(m) || memmap_sync(m) || ich9fn_sync(m) || init_vcpu(m) ||
	    machine_apic_remap(m))
		return RUN_EXIT_INTERNAL;
	return 0;
}

int machine_boundary(struct machine *m)
{
	if (m->chip.reset_requested) {
		m->chip.reset_requested = false;
		return machine_reset(m);
	}
	if (m->chip.mmcfg_dirty && pci_mmcfg_sync(m))
		return RUN_EXIT_INTERNAL;
	if (m->chip.map_dirty && memmap_sync(m))
		return RUN_EXIT_INTERNAL;
	if (m->chip.ahci_dirty && ich9fn_sync(m))
		return RUN_EXIT_INTERNAL;
	return 0;
}

int machine_init(struct machine *m, const struct machine_config *cfg)
{
	char why[256];
	uc_err err;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (!m->cfg.ram_size)
		m->cfg.ram_size = MACHINE_DEFAULT_RAM;
	if (load_bios(m))
		return RUN_EXIT_BAD_IMAGE;
	if (check_smram(m))
		return RUN_EXIT_USAGE;
	err = uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc);
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: the CPU engine (Unicorn) could not "
			"start: %s\n",
			uc_strerror(err));
		return RUN_EXIT_ENGINE_UNAVAILABLE;
	}
	if (ucx_selfcheck(m->uc, why, sizeof(why))) {
		unsigned major, minor;
		uc_version(&major, &minor);
		fprintf(m->cfg.log,
			"vsmm run: engine self-check failed: %s.\n"
			"vsmm run: this Unicorn (%u.%u) does not match the "
			"CPU-state mirror vsmm was written for (Unicorn 2.0.1 as "
			"in Debian 12); refusing to run rather than run wrongly.\n",
			why, major, minor);
		return RUN_EXIT_ENGINE_UNAVAILABLE;
	}
	/* No address ends a run: with the exits mechanism on and no exits,
	 * uc_emu_start ignores its "until" argument.  Without it, "until" is
	 * a linear address the guest can reach (CS base + IP can be any
	 * 64-bit number after RSM), and a run starting there would return
	 * before the first instruction, again and again (issue 15). */
	err = uc_ctl_exits_enable(m->uc);
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: the CPU engine (Unicorn) cannot "
			"run without a stop address: %s\n",
			uc_strerror(err));
		return RUN_EXIT_ENGINE_UNAVAILABLE;
	}
	err = uc_context_alloc(m->uc, &m->scratch);
	if (!err)
		err = uc_context_alloc(m->uc, &m->stop_ctx);
	if (!err)
		(void)ucx_head_context(m->uc, m->stop_ctx, m->scratch);
	if (err) {
		fprintf(m->cfg.log, "vsmm run: uc_context_alloc failed: %s\n",
			uc_strerror(err));
		return RUN_EXIT_INTERNAL;
	}
	int rc = map_memory(m);
	if (rc)
		return rc;
	pic_attach(m);
	if (install_hooks(m) || init_vcpu(m))
		return RUN_EXIT_INTERNAL;
	if (m->cfg.timeout_s > 0)
		m->deadline = machine_now_s() + m->cfg.timeout_s;
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (m->scratch)
		uc_context_free(m->scratch);
	if (m->stop_ctx)
		uc_context_free(m->stop_ctx);
	if (m->uc)
		uc_close(m->uc);
	fwcfg_destroy(m);
	memmap_destroy(m);
	pflash_destroy(m);
	free(m->ram);
	free(m->bios);
	m->uc = NULL;
	m->scratch = m->stop_ctx = NULL;
	m->ram = m->bios = NULL;
}
