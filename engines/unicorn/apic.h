/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of the `vsmm run` vCPU (issue 10, item 2): the xAPIC
 * register page (SDM Vol.3A 11.4.1, Table 11-1) at the base IA32_APIC_BASE
 * names, with ID 0, version 0x00050014 (QEMU's), TPR, EOI, SVR software
 * enable, IRR/ISR with the priority rules of 11.8.3 (a vector is taken
 * when its priority class is above PPR's), the ICR's self-IPIs (fixed,
 * SMI, NMI), the LVT timer (one-shot and periodic, divide configuration,
 * initial/current count) and LINT0 in ExtINT mode, which passes an 8259's
 * interrupt through.
 *
 * Time: the timer counts guest instructions, one bus clock each (divided
 * by the divide configuration), so a run is deterministic; while the vCPU
 * halts, time jumps to the next expiry.  Not modelled: x2APIC, TSC-deadline
 * mode, the thermal/performance/CMCI/error LVTs' sources, level-triggered
 * interrupts and TMR, logical destinations and IPIs to other CPUs, CR8.
 *
 * Plain data and pure functions: the machine maps the page, ticks the
 * timer from its code hook and delivers what apic_ack() returns.
 */
#ifndef VSMM_ENGINE_APIC_H
#define VSMM_ENGINE_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define APIC_REG_ID 0x020u
#define APIC_REG_VERSION 0x030u
#define APIC_REG_TPR 0x080u
#define APIC_REG_PPR 0x0A0u
#define APIC_REG_EOI 0x0B0u
#define APIC_REG_LDR 0x0D0u
#define APIC_REG_DFR 0x0E0u
#define APIC_REG_SVR 0x0F0u
#define APIC_REG_ISR 0x100u
#define APIC_REG_TMR 0x180u
#define APIC_REG_IRR 0x200u
#define APIC_REG_ESR 0x280u
#define APIC_REG_ICR_LO 0x300u
#define APIC_REG_ICR_HI 0x310u
#define APIC_REG_LVT_TIMER 0x320u
#define APIC_REG_LVT_LINT0 0x350u
#define APIC_REG_TIMER_INIT 0x380u
#define APIC_REG_TIMER_CUR 0x390u
#define APIC_REG_TIMER_DCR 0x3E0u

#define APIC_VERSION 0x00050014u /* version 0x14, 6 LVT entries (QEMU) */
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_LVT_COUNT 7 /* CMCI 0x2F0, then 0x320..0x370 */

/* What an ICR write asks of the machine. */
enum apic_ipi {
	APIC_IPI_NONE = 0, /* not for this CPU, or done (a fixed self-IPI) */
	APIC_IPI_SMI,
	APIC_IPI_NMI,
};

struct apic {
	uint32_t tpr, svr, ldr, dfr, esr;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[APIC_LVT_COUNT]; /* [0] CMCI, [1..6] 0x320..0x370 */
	uint32_t irr[8], isr[8];
	uint32_t timer_initial, timer_dcr;
	uint64_t timer_left;	/* bus clocks to the count reaching 0; 0: idle */
	struct intr_source pic; /* behind LINT0 (ExtINT); pending NULL: none */
};

/* Power-on state (SDM 11.4.7.1): everything 0 but LVTs masked, DFR all
 * ones, SVR 0xFF (software disabled). */
void apic_reset(struct apic *a);

/* Register reads and writes at this offset in the page (aligned dwords;
 * other offsets read 0 and ignore writes). */
uint32_t apic_read(struct apic *a, unsigned off);
enum apic_ipi apic_write(struct apic *a, unsigned off, uint32_t value);

/* One bus clock per guest instruction: call when timer_left reaches 0
 * (the count expired): raises the LVT timer vector and reloads in
 * periodic mode. */
void apic_timer_expired(struct apic *a);

/* Does the APIC offer an interrupt to the CPU now (a vector above PPR, or
 * an 8259 interrupt through LINT0)?  enabled: IA32_APIC_BASE.EN; with it
 * clear the APIC is off and only the 8259 passes. */
bool apic_pending(const struct apic *a, bool enabled);

/* The CPU takes it (INTA): the vector, moved from IRR to ISR (or the
 * 8259's), or -1. */
int apic_ack(struct apic *a, bool enabled);

#endif /* VSMM_ENGINE_APIC_H */
