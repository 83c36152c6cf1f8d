/* SPDX-License-Identifier: MIT */
/*
 * COM1: a 16550A at 0x3F8-0x3FF that transmits into --serial's file
 * (uart.c).  Absent without --serial, as QEMU's `-serial none` leaves it.
 */
#ifndef VSMM_ENGINE_UART_H
#define VSMM_ENGINE_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3F8u

struct machine;

void uart_reset(struct machine *m);
bool uart_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value);
bool uart_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value);

#endif /* VSMM_ENGINE_UART_H */
