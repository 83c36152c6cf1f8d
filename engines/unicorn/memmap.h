/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical memory of the q35 machine as the chipset registers make
 * it (chipset.h): RAM, the PAM segments at 0xC0000-0xFFFFF, the SMRAM
 * window at 0xA0000, TSEG, QEMU's SMRAM at SMBASE, --smram, and the BIOS
 * below 4 GiB.  One description serves the CPU (the spans mapped into
 * Unicorn) and the platform's host-side accessors (SMI delivery, RSM, DMA).
 */
#ifndef VSMM_ENGINE_MEMMAP_H
#define VSMM_ENGINE_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

struct machine;

/* Allocate the legacy ROM view and map everything (machine_init). */
int memmap_init(struct machine *m);
/* Map [base, base + size) as PCI memory no device decodes, fixed for the
 * whole run: reads 0 and writes are dropped, as on QEMU 7.2's q35. */
int memmap_map_unassigned(struct machine *m, uint64_t base, uint64_t size);
void memmap_destroy(struct machine *m);

/* The registers changed: recompute both views and ask the engine to stop
 * at the next instruction boundary, where memmap_sync() remaps. */
void memmap_changed(struct machine *m);

/* Apply a pending change to the engine (between uc_emu_start calls);
 * 0 or -1 with a message. */
int memmap_sync(struct machine *m);

/* Switch the CPU's view (SMM entry and RSM). */
int memmap_set_smm(struct machine *m, bool smm);

/* UC_HOOK_MEM_WRITE_PROT: a write to ROM or to read-only RAM.  Returns
 * true if the span drops writes (the bytes are put back before the next
 * instruction), false for a real fault. */
bool memmap_write_prot(struct machine *m, uint64_t addr, int size);

/* Put back what dropped writes stored (code hook, host-side reads). */
void memmap_undo(struct machine *m);

/* TSEG as the registers set it (size 0: none). */
void memmap_tseg(const struct machine *m, uint64_t *base, uint64_t *size);

#endif /* VSMM_ENGINE_MEMMAP_H */
