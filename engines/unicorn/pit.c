/* SPDX-License-Identifier: MIT */
/*
 * The 8254 PIT (isa.h) on the virtual clock: 1.193182 MHz.  Modes 0
 * (interrupt on terminal count), 2 (rate generator) and 3 (square wave)
 * are modelled; 1, 4 and 5 count like 0.  Channel 0 drives IRQ0, channel
 * 2's gate and output are bits 0 and 5 of port 0x61 (with the refresh
 * toggle in bit 4, every 15.085 us as on QEMU).  BCD counting and the
 * read-back status byte are not modelled.
 */
#include "isa.h"

#include "machine.h"

#define PIT_HZ 1193182ull
#define REFRESH_NS 15085ull

static uint64_t pit_now(const struct machine *m)
{
	uint64_t ns = machine_virtual_ns(m);
	return (ns / 1000000000ull) * PIT_HZ +
	       (ns % 1000000000ull) * PIT_HZ / 1000000000ull;
}

/* Instruction count at which the PIT reaches tick t. */
static uint64_t insn_of_tick(uint64_t t)
{
	uint64_t ns = (t / PIT_HZ) * 1000000000ull +
		      ((t % PIT_HZ) * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
	return (ns + MACHINE_NS_PER_INSN - 1) / MACHINE_NS_PER_INSN;
}

static uint64_t period(const struct pit_channel *c)
{
	return c->reload ? c->reload : 0x10000u;
}

static uint16_t count_of(const struct machine *m, const struct pit_channel *c)
{
	if (!c->loaded)
		return c->reload;
	uint64_t e = pit_now(m) - c->start, p = period(c);
	if (c->mode == 2 || c->mode == 3)
		return (uint16_t)(p - e % p);
	return (uint16_t)(p - e); /* mode 0: wraps on past terminal count */
}

static bool out_of(const struct machine *m, const struct pit_channel *c)
{
	if (!c->loaded)
		return c->mode != 0;
	uint64_t e = pit_now(m) - c->start, p = period(c);
	switch (c->mode) {
	case 2: return e % p != p - 1;
	case 3: return e % p < (p + 1) / 2;
	default: return e >= p;
	}
}

void pit_reset(struct machine *m)
{
	for (int i = 0; i < 3; i++) {
		m->chip.pit[i] = (struct pit_channel){ 0 };
		m->chip.pit[i].gate = i != 2;
	}
	m->chip.port61 = 0;
}

static void load(struct machine *m, struct pit_channel *c)
{
	c->loaded = true;
	c->start = pit_now(m);
	c->irq_done = false;
	c->irqs = 0;
}

static void control(struct machine *m, uint8_t v)
{
	unsigned ch = v >> 6;
	if (ch == 3) { /* read-back: latch the counts asked for */
		for (unsigned i = 0; i < 3; i++)
			if (!(v & 0x20) && (v & (2u << i))) {
				struct pit_channel *c = &m->chip.pit[i];
				c->latched = true;
				c->latch = count_of(m, c);
				c->latch_lsb = 1;
			}
		return;
	}
	struct pit_channel *c = &m->chip.pit[ch];
	unsigned rw = (v >> 4) & 3;
	if (rw == 0) { /* counter latch */
		c->latched = true;
		c->latch = count_of(m, c);
		c->latch_lsb = 1;
		return;
	}
	c->rw = (uint8_t)rw;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode &= 3; /* 6 and 7 are 2 and 3 */
	c->bcd = v & 1;
	c->loaded = false;
	c->write_lsb = 1;
	c->read_lsb = 1;
}

static void data_write(struct machine *m, struct pit_channel *c, uint8_t v)
{
	if (c->rw == 1) {
		c->reload = v;
		load(m, c);
	} else if (c->rw == 2) {
		c->reload = (uint16_t)(v << 8);
		load(m, c);
	} else if (c->write_lsb) {
		c->pending_lsb = v;
		c->write_lsb = 0;
	} else {
		c->reload = (uint16_t)(c->pending_lsb | v << 8);
		c->write_lsb = 1;
		load(m, c);
	}
}

static uint8_t data_read(struct machine *m, struct pit_channel *c)
{
	uint16_t v;
	if (c->latched) {
		v = c->latch;
		if (c->rw == 3 && c->latch_lsb) {
			c->latch_lsb = 0;
			return (uint8_t)v;
		}
		c->latched = false;
		return (uint8_t)(c->rw == 1 ? v : v >> 8);
	}
	v = count_of(m, c);
	if (c->rw == 1)
		return (uint8_t)v;
	if (c->rw == 2)
		return (uint8_t)(v >> 8);
	c->read_lsb ^= 1;
	return (uint8_t)(c->read_lsb ? v >> 8 : v);
}

bool pit_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	(void)size;
	if (port == 0x61) {
		struct pit_channel *c2 = &m->chip.pit[2];
		bool gate = value & 1;
		if (gate && !c2->gate && c2->loaded)
			load(m, c2); /* a rising gate restarts the count */
		c2->gate = gate;
		m->chip.port61 = (uint8_t)(value & 0x0f);
		return true;
	}
	if (port < 0x40 || port > 0x43)
		return false;
	if (port == 0x43)
		control(m, (uint8_t)value);
	else
		data_write(m, &m->chip.pit[port - 0x40], (uint8_t)value);
	return true;
}

bool pit_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	(void)size;
	if (port == 0x61) {
		const struct pit_channel *c2 = &m->chip.pit[2];
		bool refresh = (machine_virtual_ns(m) / REFRESH_NS) & 1;
		bool out = c2->gate && out_of(m, c2);
		*value = (m->chip.port61 & 0x0f) | (refresh ? 0x10 : 0) |
			 (out ? 0x20 : 0);
		return true;
	}
	if (port < 0x40 || port > 0x43)
		return false;
	*value = port == 0x43 ? 0xff : data_read(m, &m->chip.pit[port - 0x40]);
	return true;
}

uint64_t pit_update(struct machine *m)
{
	struct pit_channel *c = &m->chip.pit[0];
	if (!c->loaded || (c->mode != 2 && c->mode != 3 && c->mode != 0))
		return UINT64_MAX;
	uint64_t now = pit_now(m), p = period(c);
	uint64_t done = (now - c->start) / p; /* periods completed */
	if (c->mode == 0) {
		if (done && !c->irq_done) {
			c->irq_done = true;
			pic_set_irq(m, 0, true);
			pic_set_irq(m, 0, false);
		}
		return c->irq_done ? UINT64_MAX : insn_of_tick(c->start + p);
	}
	if (done > c->irqs) {
		c->irqs = done;
		pic_set_irq(m, 0, true);
		pic_set_irq(m, 0, false);
	}
	return insn_of_tick(c->start + (c->irqs + 1) * p);
}
