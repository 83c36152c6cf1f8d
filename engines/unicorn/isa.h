/* SPDX-License-Identifier: MIT */
/*
 * The ISA devices behind the LPC bridge: the 8259 PIC pair (0x20/0x21,
 * 0xA0/0xA1, ELCR 0x4D0/0x4D1; pic.c), the 8254 PIT (0x40-0x43) with
 * port 0x61 (pit.c), and the MC146818 RTC/CMOS (0x70/0x71; rtc.c).
 *
 * Time on this machine is virtual and deterministic: every instruction
 * the engine executes is MACHINE_NS_PER_INSN nanoseconds (machine.h), so
 * the PIT, the ACPI PM timer and the RTC's update cycle advance with the
 * instruction count, not with the host's clock (docs/engine.md).
 */
#ifndef VSMM_ENGINE_ISA_H
#define VSMM_ENGINE_ISA_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

void pic_reset(struct machine *m);
bool pic_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool pic_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);
/* Drive an ISA IRQ line (0-15). */
void pic_set_irq(struct machine *m, unsigned irq, bool level);
/* The vector the PIC pair would deliver now, or -1; pic_ack() is the
 * INTA cycle. */
int pic_pending_vector(struct machine *m);
int pic_ack(struct machine *m);
/* Wire the PIC pair to the local APIC's LINT0 (irq.h): the run loop then
 * takes its interrupts through apic_ack(), in any CPU mode. */
void pic_attach(struct machine *m);

void pit_reset(struct machine *m);
bool pit_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool pit_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);
/* Raise IRQ0 for channel 0 periods that passed; returns the instruction
 * count of the next one (UINT64_MAX: none scheduled). */
uint64_t pit_update(struct machine *m);

void rtc_reset(struct machine *m);
bool rtc_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool rtc_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

#endif /* VSMM_ENGINE_ISA_H */
