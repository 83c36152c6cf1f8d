/* SPDX-License-Identifier: MIT */
/*
 * The 8259A pair of the PC (isa.h): ICW1-4 initialisation, OCW1 (IMR),
 * OCW2 (non-specific and specific EOI), OCW3 (IRR/ISR read select),
 * fixed priority, the slave cascaded on master IRQ2, and the ELCR's
 * level/edge choice per line.  Special mask mode, rotation and polling
 * are not modelled (docs/engine.md).
 */
#include "isa.h"

#include "machine.h"

static struct pic_chip *chip_of(struct machine *m, uint16_t port)
{
	return &m->chip.pic[(port & 0x80) ? 1 : 0];
}

void pic_reset(struct machine *m)
{
	for (int i = 0; i < 2; i++) {
		struct pic_chip *p = &m->chip.pic[i];
		uint8_t elcr = p->elcr;
		*p = (struct pic_chip){ 0 };
		p->elcr = elcr;
		p->vector_base = i ? 0x70 : 0x08;
	}
	m->chip.pic[0].elcr = m->chip.pic[1].elcr = 0;
}

static void icw1(struct pic_chip *p, uint8_t v)
{
	p->imr = 0;
	p->isr = 0;
	p->irr = 0;
	p->read_isr = 0;
	p->auto_eoi = 0;
	p->single = v & 0x02;
	p->icw4_needed = v & 0x01;
	p->icw_step = 2;
}

static int highest(uint8_t bits)
{
	for (int i = 0; i < 8; i++)
		if (bits & (1u << i))
			return i;
	return -1;
}

static void ocw2(struct pic_chip *p, uint8_t v)
{
	unsigned cmd = v >> 5;
	if (cmd == 1) { /* non-specific EOI: the highest in service */
		int i = highest(p->isr);
		if (i >= 0)
			p->isr &= (uint8_t) ~(1u << i);
	} else if (cmd == 3) { /* specific EOI */
		p->isr &= (uint8_t) ~(1u << (v & 7));
	}
}

bool pic_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	uint8_t v = (uint8_t)value;
	(void)size;
	if (port == 0x4D0 || port == 0x4D1) {
		/* IRQ 0, 1, 2, 8 and 13 are always edge triggered. */
		m->chip.pic[port & 1].elcr = v & (port & 1 ? 0xDE : 0xF8);
		return true;
	}
	if (port != 0x20 && port != 0x21 && port != 0xA0 && port != 0xA1)
		return false;
	struct pic_chip *p = chip_of(m, port);
	if (!(port & 1)) {
		if (v & 0x10)
			icw1(p, v);
		else if (v & 0x08)
			p->read_isr = (v & 3) == 3 ? 1 : (v & 3) == 2 ? 0 : p->read_isr;
		else
			ocw2(p, v);
		return true;
	}
	switch (p->icw_step) {
	case 2:
		p->vector_base = v & 0xf8;
		p->icw_step = p->single ? (p->icw4_needed ? 4 : 0) : 3;
		break;
	case 3: p->icw_step = p->icw4_needed ? 4 : 0; break;
	case 4:
		p->auto_eoi = v & 0x02;
		p->icw_step = 0;
		break;
	default: p->imr = v; break;
	}
	return true;
}

bool pic_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	(void)size;
	if (port == 0x4D0 || port == 0x4D1) {
		*value = m->chip.pic[port & 1].elcr;
		return true;
	}
	if (port != 0x20 && port != 0x21 && port != 0xA0 && port != 0xA1)
		return false;
	struct pic_chip *p = chip_of(m, port);
	if (port & 1)
		*value = p->imr;
	else
		*value = p->read_isr ? p->isr : p->irr;
	return true;
}

void pic_set_irq(struct machine *m, unsigned irq, bool level)
{
	struct pic_chip *p = &m->chip.pic[irq >= 8];
	uint8_t bit = (uint8_t)(1u << (irq & 7));
	bool was = p->level & bit;
	if (level)
		p->level |= bit;
	else
		p->level &= (uint8_t)~bit;
	if (p->elcr & bit) {
		if (level)
			p->irr |= bit;
		else
			p->irr &= (uint8_t)~bit;
	} else if (level && !was) {
		p->irr |= bit;
	}
}

/* The line a chip would raise: its highest-priority request that is not
 * masked and not below one in service, or -1. */
static int chip_request(const struct pic_chip *p, uint8_t extra_irr)
{
	uint8_t req = (uint8_t)((p->irr | extra_irr) & ~p->imr);
	int r = highest(req), s = highest(p->isr);
	if (r < 0 || (s >= 0 && s <= r))
		return -1;
	return r;
}

static uint8_t slave_line(struct machine *m)
{
	return chip_request(&m->chip.pic[1], 0) >= 0 ? 0x04 : 0;
}

int pic_pending_vector(struct machine *m)
{
	struct pic_chip *mp = &m->chip.pic[0];
	int r = chip_request(mp, slave_line(m));
	if (r < 0)
		return -1;
	if (r == 2 && slave_line(m)) {
		int s = chip_request(&m->chip.pic[1], 0);
		return m->chip.pic[1].vector_base + s;
	}
	return mp->vector_base + r;
}

static void ack_chip(struct pic_chip *p, int line)
{
	uint8_t bit = (uint8_t)(1u << line);
	if (!(p->elcr & bit))
		p->irr &= (uint8_t)~bit;
	if (!p->auto_eoi)
		p->isr |= bit;
}

int pic_ack(struct machine *m)
{
	struct pic_chip *mp = &m->chip.pic[0], *sp = &m->chip.pic[1];
	int v = pic_pending_vector(m);
	if (v < 0)
		return -1;
	int r = chip_request(mp, slave_line(m));
	if (r == 2 && slave_line(m)) {
		int s = chip_request(sp, 0);
		ack_chip(sp, s);
		if (!mp->auto_eoi)
			mp->isr |= 0x04;
	} else {
		ack_chip(mp, r);
	}
	return v;
}

static bool source_pending(void *ctx)
{
	return pic_pending_vector(ctx) >= 0;
}

static int source_ack(void *ctx)
{
	return pic_ack(ctx);
}

void pic_attach(struct machine *m)
{
	m->apic.pic = (struct intr_source){ source_pending, source_ack, m };
}
