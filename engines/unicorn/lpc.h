/* SPDX-License-Identifier: MIT */
/*
 * The ICH9 LPC bridge, PCI 00:1f.0 (8086:2918), as QEMU 7.2 models it:
 * PMBASE (0x40), ACPI_CNTL (0x44, ACPI_EN maps the PM I/O block),
 * GEN_PMCON_1 (0xA0, SMI_LOCK), RCBA (0xF0, register only), and in the
 * PM I/O block PM1_STS/EN/CNT, the ACPI PM timer (PMBASE+8), SMI_EN
 * (PMBASE+0x30: APMC_EN gates the SMIs of port 0xB2) and SMI_STS
 * (PMBASE+0x34); the reset control register at port 0xCF9.
 */
#ifndef VSMM_ENGINE_LPC_H
#define VSMM_ENGINE_LPC_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

void lpc_reset(struct machine *m);

/* PM I/O and port 0xCF9; true if the port belongs to the LPC bridge. */
bool lpc_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool lpc_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

/* A write to the APM control port 0xB2: true if it raises an SMI
 * (APMC_EN set; 2 and 3 are the ACPI enable/disable commands, which set
 * or clear PM1_CNT.SCI_EN instead). */
bool lpc_apm_smi(struct machine *m, uint8_t value);

/* The ACPI PM timer, 3.579545 MHz, 24 bits, from the virtual clock. */
uint32_t lpc_pm_timer(const struct machine *m);

#endif /* VSMM_ENGINE_LPC_H */
