/* SPDX-License-Identifier: MIT */
/* The chipset's entry points for machine.c: reset, port I/O dispatch to
 * the devices of chipset.h, and the timer check of the code hook. */
#ifndef VSMM_ENGINE_CHIPSET_IO_H
#define VSMM_ENGINE_CHIPSET_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "fwcfg.h"
#include "isa.h"
#include "lpc.h"
#include "mch.h"
#include "pci.h"

struct machine;

/* Power-on state of every chipset device (not fw_cfg's items). */
void chipset_reset(struct machine *m);

/* Port I/O; true if a chipset device decodes the port. */
bool chipset_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool chipset_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

/* The instruction count reached chip.next_event_insn: update the PIT
 * and, if the PIC has an interrupt to deliver, have the code hook look
 * for a window (machine_intr_changed). */
void chipset_timer(struct machine *m);

#endif /* VSMM_ENGINE_CHIPSET_IO_H */
