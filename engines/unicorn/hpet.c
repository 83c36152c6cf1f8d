/* SPDX-License-Identifier: MIT */
/*
 * The HPET QEMU's q35 has at 0xFED00000 (1 KiB; hw/timer/hpet.c for the
 * facts): capabilities 0x8086A201 (vendor 8086, legacy route capable,
 * 64-bit counter, 3 timers) with a 10 ns period, a main counter that runs
 * on the virtual clock while ENABLE_CNF is set, and the timer registers as
 * storage.  Timer interrupts are not modelled (docs/engine.md).
 */
#include "hpet.h"

#include "machine.h"

#define HPET_CAP 0x8086A201ull
#define HPET_PERIOD_FS 10000000ull /* 10 ns */
#define HPET_ENABLE 1ull

static uint64_t counter(const struct machine *m)
{
	const struct chipset *c = &m->chip;
	if (!(c->hpet_cfg & HPET_ENABLE))
		return c->hpet_counter;
	return c->hpet_counter + (machine_virtual_ns(m) - c->hpet_start_ns) / 10;
}

static uint64_t reg64(struct machine *m, uint64_t off)
{
	struct chipset *c = &m->chip;
	switch (off & ~7ull) {
	case 0x000: return HPET_CAP | HPET_PERIOD_FS << 32;
	case 0x010: return c->hpet_cfg;
	case 0x020: return 0;
	case 0x0F0: return counter(m);
	default:
		if (off >= 0x100 && off < 0x160)
			return c->hpet_timer[(off - 0x100) / 8];
		return 0;
	}
}

static uint64_t hpet_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	(void)uc;
	uint64_t v = reg64(opaque, off) >> (8 * (off & 7));
	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void hpet_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		       void *opaque)
{
	struct machine *m = opaque;
	struct chipset *c = &m->chip;
	uint64_t shift = 8 * (off & 7);
	uint64_t mask = (size >= 8 ? ~0ull : (1ull << (8 * size)) - 1) << shift;
	uint64_t old = reg64(m, off);
	uint64_t v = (old & ~mask) | ((value << shift) & mask);
	(void)uc;
	switch (off & ~7ull) {
	case 0x010:
		if ((v ^ c->hpet_cfg) & HPET_ENABLE) {
			c->hpet_counter = counter(m);
			c->hpet_start_ns = machine_virtual_ns(m);
		}
		c->hpet_cfg = v & 3;
		break;
	case 0x0F0:
		c->hpet_counter = v;
		c->hpet_start_ns = machine_virtual_ns(m);
		break;
	default:
		if (off >= 0x100 && off < 0x160)
			c->hpet_timer[(off - 0x100) / 8] = v;
		break;
	}
}

int hpet_map(struct machine *m)
{
	return uc_mmio_map(m->uc, HPET_BASE, HPET_SIZE, hpet_read, m, hpet_write, m) ? -1
										     : 0;
}
