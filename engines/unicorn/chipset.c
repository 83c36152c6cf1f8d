/* SPDX-License-Identifier: MIT */
/* Reset, port dispatch and timer of the q35 chipset (chipset_io.h). */
#include "chipset_io.h"

#include "ich9fn.h"
#include "kbd.h"
#include "machine.h"
#include "uart.h"

void chipset_reset(struct machine *m)
{
	mch_reset(m);
	lpc_reset(m);
	ich9fn_reset(m);
	pic_reset(m);
	pit_reset(m);
	rtc_reset(m);
	kbd_reset(m);
	uart_reset(m);
	m->chip.cf8 = 0;
	m->chip.fw_key = 0;
	m->chip.fw_off = 0;
	m->chip.next_event_insn = UINT64_MAX;
}

typedef bool (*io_out_fn)(struct machine *, uint16_t, unsigned, uint32_t);
typedef bool (*io_in_fn)(struct machine *, uint16_t, unsigned, uint32_t *);

static const io_out_fn outs[] = {
	pci_io_out, lpc_io_out,	  pic_io_out, pit_io_out,
	rtc_io_out, fwcfg_io_out, kbd_io_out, uart_io_out,
};
static const io_in_fn ins[] = {
	pci_io_in, lpc_io_in,	pic_io_in, pit_io_in,
	rtc_io_in, fwcfg_io_in, kbd_io_in, uart_io_in,
};

/* PIT programming may move the next timer event; a device that raised
 * an interrupt line has the code hook look for a window (irq.h). */
static void reschedule(struct machine *m)
{
	m->chip.next_event_insn = pit_update(m);
	if (pic_pending_vector(m) >= 0)
		machine_intr_changed(m);
}

bool chipset_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		if (outs[i](m, port, size, value)) {
			reschedule(m);
			return true;
		}
	return false;
}

bool chipset_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++)
		if (ins[i](m, port, size, value)) {
			reschedule(m);
			return true;
		}
	return false;
}

void chipset_timer(struct machine *m)
{
	reschedule(m);
}
