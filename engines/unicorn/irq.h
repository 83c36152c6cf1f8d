/* SPDX-License-Identifier: MIT */
/*
 * The interface between a source of external interrupts and the vCPU's
 * delivery path (intr.h): the local APIC takes an 8259 PIC's interrupts
 * through LINT0 in ExtINT mode (apic.h, struct apic's pic), and the run
 * loop delivers the vector apic_ack() hands it, through the IVT or the
 * IDT.  A source calls machine_intr_changed() when what it asserts may
 * have changed, so that the code hook looks for a window.
 */
#ifndef VSMM_ENGINE_IRQ_H
#define VSMM_ENGINE_IRQ_H

#include <stdbool.h>

/*
 * A source of external interrupts (the local APIC, or the 8259 PIC behind
 * the APIC's LINT0 in ExtINT mode).  pending() says whether it asserts an
 * interrupt now (without side effects); ack() is the CPU's INTA cycle: it
 * returns the vector to deliver and updates the source (IRR to ISR), or
 * -1 if nothing is pending any more.
 */
struct intr_source {
	bool (*pending)(void *ctx);
	int (*ack)(void *ctx);
	void *ctx;
};

#endif /* VSMM_ENGINE_IRQ_H */
