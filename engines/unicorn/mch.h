/* SPDX-License-Identifier: MIT */
/*
 * The q35 MCH, PCI 00:00.0 (8086:29C0), as QEMU 7.2 models it with
 * smm=on: PCIEXBAR (0x60), PAM0-6 (0x90-0x96), F_SMBASE (0x9C), SMRAM
 * (0x9D), ESMRAMC (0x9E) and the extended TSEG size (0x50).  The register
 * values decide the memory map (memmap.c).
 */
#ifndef VSMM_ENGINE_MCH_H
#define VSMM_ENGINE_MCH_H

struct machine;

/* Power-on values (also what a reset through 0xCF9 restores). */
void mch_reset(struct machine *m);

#endif /* VSMM_ENGINE_MCH_H */
