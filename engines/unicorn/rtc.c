/* SPDX-License-Identifier: MIT */
/*
 * The MC146818 RTC and CMOS RAM (isa.h), filled as QEMU 7.2's q35 fills
 * it (hw/i386/pc.c pc_cmos_init, read for the facts): base memory 640
 * KiB (0x15/0x16), extended memory in KiB (0x17/0x18 = 0x30/0x31, at most
 * 65535), memory above 16 MiB in 64 KiB units (0x34/0x35), above 4 GiB
 * (0x5B-0x5D), CPUs - 1 (0x5F), equipment (0x14: FPU, PS/2 mouse), the
 * boot order "cad" (0x3D, 0x38), century 0x20 (0x32).  The clock starts
 * at the host's UTC time, BCD, 24-hour, and advances with the virtual
 * clock; UIP is set in the last 244 us of each second.  Alarms, the
 * periodic interrupt and IRQ8 are not modelled.
 */
#define _POSIX_C_SOURCE 200809L

#include "isa.h"

#include <time.h>

#include "machine.h"

#define REG_A 0x0A
#define REG_B 0x0B
#define REG_C 0x0C
#define REG_D 0x0D
#define REG_B_24H 0x02
#define REG_B_DM 0x04 /* binary, not BCD */
#define UIP_NS 244000ull

static uint8_t bcd(unsigned v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

static void put16(uint8_t *cmos, unsigned reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	cmos[reg] = (uint8_t)v;
	cmos[reg + 1] = (uint8_t)(v >> 8);
}

void rtc_reset(struct machine *m)
{
	uint8_t *c = m->chip.cmos;
	uint64_t ram = m->cfg.ram_size; /* all below 4 GiB (at most 2 GiB) */
	for (unsigned i = 0; i < sizeof(m->chip.cmos); i++)
		c[i] = 0;
	c[REG_A] = 0x26;
	c[REG_B] = REG_B_24H;
	c[REG_D] = 0x80;
	put16(c, 0x15, 640);
	put16(c, 0x17, ram > (1u << 20) ? (ram - (1u << 20)) / 1024 : 0);
	put16(c, 0x30, ram > (1u << 20) ? (ram - (1u << 20)) / 1024 : 0);
	put16(c, 0x34, ram > (16u << 20) ? (ram - (16u << 20)) >> 16 : 0);
	c[0x5B] = c[0x5C] = c[0x5D] = 0;
	c[0x5F] = 0;	/* one CPU */
	c[0x14] = 0x06; /* FPU, PS/2 mouse */
	c[0x3D] = 0x12; /* boot order c, a */
	c[0x38] = 0x30; /* then d; floppy signature check on */
	c[0x32] = 0x20; /* century */
	m->chip.rtc_base = (uint64_t)time(NULL);
}

static uint8_t time_reg(const struct machine *m, unsigned reg)
{
	time_t t = (time_t)(m->chip.rtc_base + machine_virtual_ns(m) / 1000000000ull);
	struct tm tm;
	unsigned v;
	gmtime_r(&t, &tm);
	switch (reg) {
	case 0: v = (unsigned)tm.tm_sec; break;
	case 2: v = (unsigned)tm.tm_min; break;
	case 4: v = (unsigned)tm.tm_hour; break;
	case 6: v = (unsigned)tm.tm_wday + 1; break;
	case 7: v = (unsigned)tm.tm_mday; break;
	case 8: v = (unsigned)tm.tm_mon + 1; break;
	case 9: v = (unsigned)tm.tm_year % 100; break;
	default: return m->chip.cmos[reg]; /* the alarm bytes */
	}
	return m->chip.cmos[REG_B] & REG_B_DM ? (uint8_t)v : bcd(v);
}

bool rtc_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	(void)size;
	if (port == 0x70) {
		m->chip.cmos_index = (uint8_t)(value & 0x7f);
		m->chip.nmi_disabled = value & 0x80;
		return true;
	}
	if (port != 0x71)
		return false;
	unsigned r = m->chip.cmos_index;
	if (r == REG_C || r == REG_D)
		return true; /* read only */
	if (r == REG_A)
		value = (value & 0x7f) | (m->chip.cmos[REG_A] & 0x80);
	m->chip.cmos[r] = (uint8_t)value;
	return true;
}

bool rtc_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	(void)size;
	if (port == 0x70) {
		*value = 0xff; /* write only on the PC */
		return true;
	}
	if (port != 0x71)
		return false;
	unsigned r = m->chip.cmos_index;
	if (r < 10)
		*value = time_reg(m, r);
	else if (r == REG_A)
		*value = (m->chip.cmos[REG_A] & 0x7f) |
			 (machine_virtual_ns(m) % 1000000000ull >= 1000000000ull - UIP_NS
				  ? 0x80
				  : 0);
	else if (r == REG_C) {
		*value = m->chip.cmos[REG_C];
		m->chip.cmos[REG_C] = 0; /* read clears the flags */
	} else
		*value = m->chip.cmos[r];
	return true;
}
