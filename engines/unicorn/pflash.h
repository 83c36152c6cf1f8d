/* SPDX-License-Identifier: MIT */
/*
 * `--pflash CODE[,VARS]`: QEMU's split firmware flash (two cfi.pflash01
 * devices).  CODE is the read-only top unit, mapped like a -bios image
 * (machine.c); VARS is the writable unit directly below it, an Intel CFI
 * flash with 4 KiB sectors and 1-byte width (pflash.c).
 */
#ifndef VSMM_ENGINE_PFLASH_H
#define VSMM_ENGINE_PFLASH_H

#include <stdint.h>

struct machine;

/* Load VARS (if given) and map it below CODE; -1 with a message. */
int pflash_init(struct machine *m);
void pflash_destroy(struct machine *m);

#endif /* VSMM_ENGINE_PFLASH_H */
