/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg device as the q35 machine has it: selector at port 0x510
 * (16-bit), data at 0x511 (byte reads, auto-increment), DMA at 0x514
 * (the descriptor's address as two big-endian 32-bit halves, the low half
 * at 0x518 starting the transfer).  Items: signature "QEMU", ID (DMA
 * supported), RAM size, CPU counts, boot menu off, the file directory and
 * the files of fwcfg.c's table; `genroms/NAME` for each --option-rom.
 */
#ifndef VSMM_ENGINE_FWCFG_H
#define VSMM_ENGINE_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* Build the items (machine_init); -1 with a message on failure. */
int fwcfg_init(struct machine *m, const char *const *option_roms, unsigned n_option_roms);
void fwcfg_destroy(struct machine *m);

bool fwcfg_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool fwcfg_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

#endif /* VSMM_ENGINE_FWCFG_H */
