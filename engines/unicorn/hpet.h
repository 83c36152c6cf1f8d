/* SPDX-License-Identifier: MIT */
/* The HPET of the q35 machine at 0xFED00000 (hpet.c). */
#ifndef VSMM_ENGINE_HPET_H
#define VSMM_ENGINE_HPET_H

#define HPET_BASE 0xFED00000ull
#define HPET_SIZE 0x1000ull /* 1 KiB decoded, mapped as a page */

struct machine;

/* Map the HPET page (machine_init); -1 on failure. */
int hpet_map(struct machine *m);

#endif /* VSMM_ENGINE_HPET_H */
