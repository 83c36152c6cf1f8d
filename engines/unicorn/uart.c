/* SPDX-License-Identifier: MIT */
/*
 * COM1 as a 16550A UART that only transmits, which is what firmware uses
 * it for: OVMF's RELEASE builds print their exception dumps and boot
 * messages there and nowhere else.  The register file follows the
 * National Semiconductor PC16550D data sheet (and QEMU's hw/char/serial.c
 * for what a PC guest sees):
 *
 *  - a byte written to THR goes to the file at once, so the transmitter
 *    is always empty: LSR reads THRE|TEMT, never DR (nothing is received;
 *    RBR reads 0);
 *  - the THR-empty interrupt is reported in IIR while IER enables it and
 *    reading IIR has not taken it (SeaBIOS's probe enables it and expects
 *    IIR 0x02); IRQ4 itself is not raised: guests here poll;
 *  - DLAB (LCR bit 7) puts the divisor latch at offsets 0 and 1;
 *  - MSR reports DCD, DSR and CTS (a cable that is always ready), or in
 *    loopback mode (MCR bit 4) the MCR outputs wired back as the data
 *    sheet wires them.
 */
#include "uart.h"

#include "machine.h"

#define LCR_DLAB 0x80u
#define MCR_LOOP 0x10u
#define IER_THRI 0x02u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u
#define IIR_NONE 0x01u
#define IIR_THRI 0x02u
#define IIR_FIFO 0xC0u
#define MSR_READY 0xB0u /* DCD DSR CTS */

void uart_reset(struct machine *m)
{
	struct uart_state *u = &m->chip.uart;
	*u = (struct uart_state){ .thri_pending = true };
}

/* The reset offset of port, or -1 when it is not COM1's (or no --serial). */
static int offset(const struct machine *m, uint16_t port)
{
	if (!m->cfg.serial || port < UART_COM1_BASE || port > UART_COM1_BASE + 7)
		return -1;
	return port - UART_COM1_BASE;
}

/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static uint8_t modem_status(const struct uart_state *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_READY;
	return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
			 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
}

bool uart_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	struct uart_state *u = &m->chip.uart;
	int off = offset(m, port);
	uint8_t v = (uint8_t)value;
	(void)size;
	if (off < 0)
		return false;
	switch (off) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
		} else if (!(u->mcr & MCR_LOOP)) {
			fputc(v, m->cfg.serial);
			u->thri_pending = true; /* sent, THR empty again */
		}
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
		} else {
			/* Enabling the THR-empty interrupt with THR empty
			 * raises it at once, as on the 16550. */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thri_pending = true;
			u->ier = v & 0x0f;
		}
		break;
	case 2: u->fcr = v & 0xc9; break;
	case 3: u->lcr = v; break;
	case 4: u->mcr = v & 0x1f; break;
	case 7: u->scr = v; break;
	default: break; /* LSR and MSR are read only */
	}
	return true;
}

bool uart_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	struct uart_state *u = &m->chip.uart;
	int off = offset(m, port);
	uint8_t v = 0;
	(void)size;
	if (off < 0)
		return false;
	switch (off) {
	case 0: v = (u->lcr & LCR_DLAB) ? u->dll : 0; break;
	case 1: v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier; break;
	case 2:
		v = (u->fcr & 0x01) ? IIR_FIFO : 0;
		if ((u->ier & IER_THRI) && u->thri_pending) {
			v |= IIR_THRI;
			u->thri_pending = false; /* reading IIR takes it */
		} else {
			v |= IIR_NONE;
		}
		break;
	case 3: v = u->lcr; break;
	case 4: v = u->mcr; break;
	case 5: v = LSR_THRE | LSR_TEMT; break;
	case 6: v = modem_status(u); break;
	case 7: v = u->scr; break;
	default: break;
	}
	*value = v;
	return true;
}
