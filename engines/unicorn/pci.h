/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space of the q35 machine: mechanism #1 (the address
 * latch at 0xCF8, data at 0xCFC-0xCFF in byte, word and dword accesses)
 * and the PCIe MMCONFIG window PCIEXBAR enables (256 MiB at 0xB0000000
 * after reset, as QEMU).  Bus 0 holds the MCH (00:00.0, mch.c) and the
 * ICH9 LPC bridge (00:1f.0, lpc.c); every other function reads all ones.
 */
#ifndef VSMM_ENGINE_PCI_H
#define VSMM_ENGINE_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "chipset.h"

struct machine;

/* Reset the header of a function: IDs, class, the writable command bits,
 * device-specific registers writable (QEMU's pci_init_wmask). */
void pci_fn_init(struct pci_fn *f, uint8_t devfn, uint16_t vendor, uint16_t device,
		 uint8_t revision, uint32_t class_prog);

/* Configuration access to bus 0 (len 1, 2 or 4; off aligned to len). */
uint32_t pci_cfg_read(struct machine *m, uint8_t devfn, unsigned off, unsigned len);
void pci_cfg_write(struct machine *m, uint8_t devfn, unsigned off, unsigned len,
		   uint32_t value);

/* Ports 0xCF8-0xCFF; true if the port is one of them. */
bool pci_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool pci_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

/* PCIEXBAR changed (MCH register 0x60): map or unmap MMCONFIG. */
void pci_mmcfg_update(struct machine *m);
int pci_mmcfg_sync(struct machine *m);

static inline uint16_t pci_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pci_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void pci_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static inline void pci_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif /* VSMM_ENGINE_PCI_H */
