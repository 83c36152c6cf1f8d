/* SPDX-License-Identifier: MIT */
/* The i8042 keyboard controller at 0x60/0x64 (kbd.c). */
#ifndef VSMM_ENGINE_KBD_H
#define VSMM_ENGINE_KBD_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

void kbd_reset(struct machine *m);
bool kbd_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool kbd_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

#endif /* VSMM_ENGINE_KBD_H */
