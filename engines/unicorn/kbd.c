/* SPDX-License-Identifier: MIT */
/*
 * The i8042 keyboard controller QEMU's q35 has at ports 0x60/0x64, with
 * a PS/2 keyboard and mouse that answer the commands firmware sends
 * during POST (hw/input/pckbd.c and ps2.c for the facts): controller
 * self test 0xAA -> 0x55, interface tests 0xAB/0xA9 -> 0x00, the command
 * byte (0x20/0x60), enable/disable (0xAD/0xAE/0xA7/0xA8), the output port
 * (0xD0/0xD1, A20), 0xD4 (to the mouse) and pulse-reset 0xFE (a system
 * reset, as 0xCF9).  The devices acknowledge every command with 0xFA;
 * reset (0xFF) answers 0xAA (the mouse also its ID 0x00), get-ID 0xF2
 * answers 0xAB 0x41 (keyboard, translated) or 0x00 (mouse).  No keys are
 * ever pressed; IRQ1/IRQ12 follow the output buffer when enabled.
 */
#include "kbd.h"

#include "isa.h"
#include "machine.h"

#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_CMD 0x08
#define ST_UNLOCKED 0x10
#define ST_AUX 0x20
#define CTR_KBD_INT 0x01
#define CTR_AUX_INT 0x02
#define CTR_SYS 0x04

static void push(struct machine *m, uint8_t v, bool aux)
{
	struct kbd_state *k = &m->chip.kbd;
	if (k->n < sizeof(k->q)) {
		k->q[k->n] = v;
		k->aux[k->n] = aux;
		k->n++;
	}
}

static void update_irq(struct machine *m)
{
	struct kbd_state *k = &m->chip.kbd;
	bool aux = k->n && k->aux[0];
	pic_set_irq(m, 1, k->n && !aux && (k->ctr & CTR_KBD_INT));
	pic_set_irq(m, 12, k->n && aux && (k->ctr & CTR_AUX_INT));
}

void kbd_reset(struct machine *m)
{
	struct kbd_state *k = &m->chip.kbd;
	*k = (struct kbd_state){ 0 };
	k->ctr = CTR_KBD_INT | CTR_SYS | 0x40; /* translate */
	k->outport = 0x03;		       /* A20 on, not in reset */
}

static void device_cmd(struct machine *m, uint8_t v, bool aux)
{
	struct kbd_state *k = &m->chip.kbd;
	uint8_t *pending = aux ? &k->aux_arg : &k->kbd_arg;
	if (*pending) { /* the argument of 0xF0, 0xED, 0xF3, 0xE8, 0xF3 */
		*pending = 0;
		push(m, 0xFA, aux);
		return;
	}
	push(m, 0xFA, aux);
	switch (v) {
	case 0xFF:
		push(m, 0xAA, aux);
		if (aux)
			push(m, 0x00, aux);
		break;
	case 0xF2:
		if (aux) {
			push(m, 0x00, aux);
		} else {
			push(m, 0xAB, aux);
			push(m, 0x41, aux);
		}
		break;
	case 0xF0:
	case 0xED:
	case 0xF3:
	case 0xE8: *pending = v; break;
	default: break;
	}
}

bool kbd_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	struct kbd_state *k = &m->chip.kbd;
	uint8_t v = (uint8_t)value;
	(void)size;
	if (port == 0x64) {
		k->status_cmd = true;
		k->write_cmd = 0;
		switch (v) {
		case 0x20: push(m, k->ctr, false); break;
		case 0x60:
		case 0xD1:
		case 0xD4:
		case 0xD2:
		case 0xD3: k->write_cmd = v; break;
		case 0xAA:
			push(m, 0x55, false);
			k->ctr |= CTR_SYS;
			break;
		case 0xAB:
		case 0xA9: push(m, 0x00, false); break;
		case 0xAD: k->ctr |= 0x10; break;
		case 0xAE: k->ctr &= (uint8_t)~0x10; break;
		case 0xA7: k->ctr |= 0x20; break;
		case 0xA8: k->ctr &= (uint8_t)~0x20; break;
		case 0xD0: push(m, k->outport, false); break;
		case 0xFE:
			m->chip.reset_requested = true;
			machine_stop_at_boundary(m);
			break;
		default: break;
		}
		update_irq(m);
		return true;
	}
	if (port != 0x60)
		return false;
	k->status_cmd = false;
	switch (k->write_cmd) {
	case 0x60: k->ctr = v; break;
	case 0xD1: k->outport = v; break;
	case 0xD2: push(m, v, false); break;
	case 0xD3: push(m, v, true); break;
	case 0xD4: device_cmd(m, v, true); break;
	default: device_cmd(m, v, false); break;
	}
	k->write_cmd = 0;
	update_irq(m);
	return true;
}

bool kbd_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	struct kbd_state *k = &m->chip.kbd;
	(void)size;
	if (port == 0x64) {
		uint8_t st = ST_UNLOCKED;
		if (k->ctr & CTR_SYS)
			st |= ST_SYS;
		if (k->status_cmd)
			st |= ST_CMD;
		if (k->n)
			st |= ST_OBF | (k->aux[0] ? ST_AUX : 0);
		*value = st;
		return true;
	}
	if (port != 0x60)
		return false;
	if (k->n) {
		k->last = k->q[0];
		for (unsigned i = 1; i < k->n; i++) {
			k->q[i - 1] = k->q[i];
			k->aux[i - 1] = k->aux[i];
		}
		k->n--;
	}
	*value = k->last; /* an empty buffer reads the last byte again */
	update_irq(m);
	return true;
}
