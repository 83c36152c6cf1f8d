/* SPDX-License-Identifier: MIT */
/*
 * The machine `vsmm run` emulates on Unicorn: RAM from 0, a BIOS image
 * mapped as QEMU's -bios maps it, the debug console and exit ports, the APM
 * ports that raise SMIs, a local-APIC ICR that can send an SMI to self, and
 * an optional SMRAM range visible only in SMM.  The vCPU's SMM behaviour is
 * vsmm's (include/vsmm/vsmm.h); this file is the VMM side of it.
 */
#ifndef VSMM_ENGINE_MACHINE_H
#define VSMM_ENGINE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <unicorn/unicorn.h>

#include "vsmm/vsmm.h"

#include "apic.h"
#include "chipset.h"
#include "cpu.h"

/* Guest-visible devices (keep in step with docs/engine.md). */
#define MACHINE_PORT_DEBUGCON 0xE9u	/* QEMU isa-debugcon */
#define MACHINE_PORT_DEBUGCON_FW 0x402u /* the same, where SeaBIOS/OVMF write */
#define MACHINE_PORT_EXIT 0xF4u		/* QEMU isa-debug-exit, iosize 4 */
#define MACHINE_PORT_EXIT_SIZE 4u
#define MACHINE_PORT_APM_CNT 0xB2u   /* APM control: writing raises an SMI */
#define MACHINE_PORT_APM_STS 0xB3u   /* APM status: a scratch byte */
#define MACHINE_PORT_SMI_TIMER 0xB4u /* vsmm only: SMI after N instructions */
#define MACHINE_PORT_DMA_SRC 0xB8u   /* vsmm only: DMA source address */
#define MACHINE_PORT_DMA_DST 0xBCu   /* vsmm only: write = copy 4 bytes */
#define MACHINE_PORT_SYNC 0x0Eu	     /* vsmm only: IN = save/restore cycle */
#define MACHINE_APIC_BASE 0xFEE00000ull
/* The TPM TIS/CRB window, where firmware looks for a TPM; this machine has
 * none, and on q35 without one the range is unassigned: reads 0. */
#define MACHINE_TPM_BASE 0xFED40000ull
#define MACHINE_TPM_SIZE 0x5000ull
#define MACHINE_APIC_ICR_LO 0x300u
#define MACHINE_APIC_ICR_HI 0x310u
#define MACHINE_DEFAULT_RAM (128ull << 20)
#define MACHINE_MAX_RAM (2048ull << 20)
#define MACHINE_BIOS_GRANULE 0x10000u /* -bios images are multiples of 64 KiB */
#define MACHINE_ISA_BIOS_MAX 0x20000u /* last 128 KiB also sit below 1 MiB */
#define MACHINE_NS_PER_INSN 10u	      /* the virtual clock: 100 MHz (isa.h) */
#define MACHINE_MAX_OPTION_ROMS 8u

/* Why uc_emu_start returned, as seen from the hooks. */
enum machine_stop {
	STOP_NONE = 0,
	STOP_EVENT,	/* an SMI became pending: deliver it now */
	STOP_EXIT,	/* the guest wrote the exit port */
	STOP_RSM,	/* RSM (0F AA) is the next instruction */
	STOP_MSR,	/* RDMSR/WRMSR (0F 32 / 0F 30) is the next one */
	STOP_BAD_INSN,	/* an opcode the engine refused */
	STOP_INTR,	/* an exception or INT n: no IDT delivery here */
	STOP_MEM_FAULT, /* an access to unmapped or read-only memory */
	STOP_LIMIT,	/* --max-insns or --timeout reached */
	STOP_SYNC,	/* IN from the sync port: save and restore the vCPU */
};

/* Where the pending SMI came from, for the trace and for I/O restart. */
enum machine_smi_source {
	SMI_SRC_NONE = 0,
	SMI_SRC_APM,   /* OUT to port 0xB2 */
	SMI_SRC_APIC,  /* ICR write, delivery mode SMI */
	SMI_SRC_TIMER, /* the SMI timer expired */
};

struct machine_config {
	const char *bios_path;	 /* --bios, or CODE of --pflash */
	bool pflash;		 /* bios_path is a flash CODE unit */
	const char *pflash_vars; /* VARS of --pflash, or NULL */
	uint64_t ram_size;
	uint64_t smram_base, smram_size; /* size 0: no SMRAM range */
	enum vsmm_vendor vendor;
	enum vsmm_layout layout; /* AUTO unless --layout */
	enum vsmm_semantics semantics;
	uint64_t max_insns; /* 0: unlimited */
	double timeout_s;   /* 0: none */
	bool trace;
	const char *option_roms[MACHINE_MAX_OPTION_ROMS]; /* fw_cfg genroms/ */
	unsigned n_option_roms;
	FILE *console; /* debug-console bytes (stdout) */
	FILE *serial;  /* COM1's transmitted bytes (--serial), or NULL: no COM1 */
	FILE *log;     /* messages and trace (stderr) */
};

struct machine {
	struct machine_config cfg;
	uc_engine *uc;
	uc_context *scratch;  /* the state moves through it (ucx86.h) */
	uc_context *stop_ctx; /* the SMI/RSM path's, head only if it works */
	uint8_t *ram;
	uint8_t *bios;
	uint64_t bios_size;
	uint64_t isa_bios_base, isa_bios_size;
	struct chipset chip; /* q35 chipset and ISA devices (chipset.h) */

	struct vsmm_model model;
	struct vsmm_platform_ops ops;
	struct vsmm_vcpu vcpu;
	bool halted;
	/* The engine's state as read at this stop (run.c, read_stop_state):
	 * while held_valid, stop_ctx holds the engine's context, `held` is
	 * what was read from it (RIP located) and vcpu.state's architectural
	 * fields equal it, so the SMI and RSM paths read the engine once per
	 * stop and write it once (ucx_put_state).  Cleared before the engine
	 * runs; whatever else changes the engine's state must clear it. */
	struct vsmm_cpu_state held;
	bool held_valid;
	struct cpu_msrs msrs; /* the MSRs the machine keeps (cpu.h) */

	/* Devices. */
	uint8_t apm_cnt, apm_sts;
	struct apic apic;     /* local APIC (apic.h) */
	uint64_t apic_mapped; /* where its page is mapped; 0: not mapped */
	uint64_t smi_timer;   /* instructions left; 0: disarmed */
	uint32_t dma_src;

	/* Filled by the hooks during one uc_emu_start. */
	enum machine_stop stop;
	enum machine_smi_source smi_source;
	uint32_t exit_value;
	uint8_t sync_stage; /* AL of the last IN from the sync port */
	uint64_t syncs;	    /* save/restore cycles done */
	bool io_smi;	    /* the SMI came from this OUT instruction */
	uint64_t io_linear; /* linear address of the OUT that raised it */
	uint32_t io_size;   /* its length */
	uint16_t io_port;
	uint8_t io_width;
	bool req_in_insn;    /* the stop was asked for during an instruction */
	uint64_t req_linear; /* that instruction (or the next, from the code hook) */
	uint32_t req_size;
	uint32_t intno;
	uc_mem_type fault_type;
	uint64_t fault_addr;
	uint64_t last_pc;   /* linear address of the last instruction */
	uint32_t last_size; /* 0 after the loop loaded a new state */
	bool intr_poll;	    /* an NMI or interrupt may be deliverable:
				  * the code hook looks at every boundary */
	bool intr_window;   /* the code hook stopped at an open window */
	bool iret_done;	    /* an IRET ran with NMIs blocked: unblock */
	uint64_t insns;	    /* instructions executed */
	double deadline;    /* monotonic seconds, 0: none */
	uint64_t smis, rsms;
};

/* Build the machine: Unicorn instance, self-check, memory, devices, vCPU at
 * reset.  On failure returns the `vsmm run` exit status to use (and has
 * printed why); 0 on success. */
int machine_init(struct machine *m, const struct machine_config *cfg);
void machine_destroy(struct machine *m);

/* Physical memory as a device (DMA) or the host sees it.  smm selects the
 * SMM view; outside it SMRAM reads as 0xFF and ignores writes.  Return 0,
 * or -1 for an address outside RAM and ROM. */
int machine_phys_read(struct machine *m, bool smm, uint64_t gpa, void *buf, size_t len);
int machine_phys_write(struct machine *m, bool smm, uint64_t gpa, const void *buf,
		       size_t len);

/* Monotonic seconds, the clock of --timeout. */
double machine_now_s(void);

/* Map the local APIC page where IA32_APIC_BASE says (after WRMSR), or
 * unmap it when the APIC is disabled there.  0, or -1 (and a message). */
int machine_apic_remap(struct machine *m);

/* Is the APIC on (IA32_APIC_BASE.EN)? */
bool machine_apic_enabled(const struct machine *m);

/* A source of external interrupts changed (the APIC, or the 8259 behind
 * LINT0 through m->apic.pic): look for a window at the next boundary. */
void machine_intr_changed(struct machine *m);

/* Give the CPU the SMM view of memory or the other one (SMM entry and
 * RSM): SMRAM, TSEG and the SMBASE window as the chipset decides. */
int machine_set_smram_visible(struct machine *m, bool visible);

/* Ask the engine to stop at the next instruction boundary (a device
 * changed the memory map, or asked for a reset). */
void machine_stop_at_boundary(struct machine *m);

/* What the run loop does at an instruction boundary for the chipset:
 * apply memory-map changes, a reset through port 0xCF9.  0, or the
 * `vsmm run` exit status to end with. */
int machine_boundary(struct machine *m);

/* The virtual clock: MACHINE_NS_PER_INSN per instruction executed. */
uint64_t machine_virtual_ns(const struct machine *m);

#endif /* VSMM_ENGINE_MACHINE_H */
