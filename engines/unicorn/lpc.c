/* SPDX-License-Identifier: MIT */
/* The ICH9 LPC bridge (lpc.h); facts from QEMU 7.2's hw/isa/lpc_ich9.c
 * and hw/acpi/ich9.c. */
#include "lpc.h"

#include "machine.h"
#include "pci.h"

#define PMBASE_MASK 0xFF80u /* bits 15:7: a 128-byte block */
#define PMBASE_RTE 0x01u    /* "I/O space", read only */
#define ACPI_CNTL_ACPI_EN 0x80u
#define RCBA_WMASK 0xFFFFC001u
#define PM_SIZE 0x80u
#define PM1_CNT_SCI_EN 0x0001u
#define APM_ACPI_ENABLE 0x02
#define APM_ACPI_DISABLE 0x03
#define RST_CNT_SYS_RST 0x02u
#define RST_CNT_RST_CPU 0x04u
#define PM_TIMER_HZ 3579545ull

static void lpc_written(struct machine *m, unsigned off, unsigned len)
{
	struct pci_fn *f = &m->chip.lpc;
	(void)len;
	if (off <= LPC_GEN_PMCON_1 && LPC_GEN_PMCON_1 < off + len &&
	    (f->cfg[LPC_GEN_PMCON_1] & LPC_GEN_PMCON_1_SMI_LOCK)) {
		/* SMI_LOCK sticks until reset and freezes GBL_SMI_EN. */
		f->wmask[LPC_GEN_PMCON_1] &= (uint8_t)~LPC_GEN_PMCON_1_SMI_LOCK;
		m->chip.smi_en_wmask &= ~LPC_SMI_EN_GBL;
	}
}

void lpc_reset(struct machine *m)
{
	struct pci_fn *f = &m->chip.lpc;
	pci_fn_init(f, LPC_DEVFN, 0x8086, 0x2918, 0x02, 0x060100);
	f->written = lpc_written;
	f->cfg[0x0E] = 0x80; /* multi-function, as on QEMU (1f.2, 1f.3) */
	pci_put32(f->cfg + LPC_PMBASE, PMBASE_RTE);
	pci_put32(f->wmask + LPC_PMBASE, PMBASE_MASK);
	pci_put32(f->wmask + LPC_RCBA, RCBA_WMASK);
	/* PIRQ[A-H] routing: disabled (bit 7) after reset. */
	for (unsigned i = 0; i < 4; i++)
		f->cfg[0x60 + i] = f->cfg[0x68 + i] = 0x80;
	m->chip.pm1_sts = m->chip.pm1_en = m->chip.pm1_cnt = 0;
	m->chip.smi_en = m->chip.smi_sts = 0;
	m->chip.smi_en_wmask = 0xffffffffu;
	m->chip.rst_cnt = 0;
}

/* The PM I/O block's base, or 0 while ACPI_EN is clear. */
static uint16_t pm_base(const struct machine *m)
{
	const struct pci_fn *f = &m->chip.lpc;
	if (!(f->cfg[LPC_ACPI_CNTL] & ACPI_CNTL_ACPI_EN))
		return 0;
	return (uint16_t)(pci_get16(f->cfg + LPC_PMBASE) & PMBASE_MASK);
}

uint32_t lpc_pm_timer(const struct machine *m)
{
	uint64_t ns = machine_virtual_ns(m);
	/* ticks = ns * 3.579545e6 / 1e9, without overflow for ~2^44 ns */
	return (uint32_t)((ns / 1000000000ull) * PM_TIMER_HZ +
			  (ns % 1000000000ull) * PM_TIMER_HZ / 1000000000ull) &
	       0xffffffu;
}

/* Read len bytes at off of a little-endian register of width w. */
static uint32_t reg_part(uint32_t reg, unsigned off, unsigned len)
{
	uint32_t v = reg >> (8 * off);
	return len >= 4 ? v : v & ((1u << (8 * len)) - 1);
}

static uint32_t merge(uint32_t reg, unsigned off, unsigned len, uint32_t v)
{
	uint32_t mask = (len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1) << (8 * off);
	return (reg & ~mask) | ((v << (8 * off)) & mask);
}

bool lpc_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	struct chipset *c = &m->chip;
	uint16_t base = pm_base(m);
	if (port == 0xCF9 && size == 1) {
		c->rst_cnt = (uint8_t)(value & ~RST_CNT_RST_CPU);
		if (value & RST_CNT_RST_CPU) {
			c->reset_requested = true;
			machine_stop_at_boundary(m);
		}
		return true;
	}
	if (!base || port < base || port >= base + PM_SIZE)
		return false;
	unsigned off = port - base;
	if (off < 2) {
		c->pm1_sts &= (uint16_t)~reg_part(merge(0, off, size, value), 0, 2);
	} else if (off >= 2 && off < 4) {
		c->pm1_en = (uint16_t)merge(c->pm1_en, off - 2, size, value);
	} else if (off >= 4 && off < 8) {
		c->pm1_cnt = (uint16_t)merge(c->pm1_cnt, off - 4, size, value);
	} else if (off >= 0x30 && off < 0x34) {
		uint32_t v = merge(c->smi_en, off - 0x30, size, value);
		c->smi_en = (c->smi_en & ~c->smi_en_wmask) | (v & c->smi_en_wmask);
	} else if (off >= 0x34 && off < 0x38) {
		c->smi_sts &= ~merge(0, off - 0x34, size, value);
	}
	return true;
}

bool lpc_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	const struct chipset *c = &m->chip;
	uint16_t base = pm_base(m);
	if (port == 0xCF9 && size == 1) {
		*value = c->rst_cnt;
		return true;
	}
	if (!base || port < base || port >= base + PM_SIZE)
		return false;
	unsigned off = port - base;
	uint32_t v = 0;
	if (off < 4)
		v = reg_part((uint32_t)c->pm1_en << 16 | c->pm1_sts, off, size);
	else if (off < 8)
		v = reg_part(c->pm1_cnt, off - 4, size);
	else if (off < 0x0C)
		v = reg_part(lpc_pm_timer(m), off - 8, size);
	else if (off >= 0x30 && off < 0x34)
		v = reg_part(c->smi_en, off - 0x30, size);
	else if (off >= 0x34 && off < 0x38)
		v = reg_part(c->smi_sts, off - 0x34, size);
	*value = v;
	return true;
}

bool lpc_apm_smi(struct machine *m, uint8_t value)
{
	struct chipset *c = &m->chip;
	if (value == APM_ACPI_ENABLE || value == APM_ACPI_DISABLE) {
		if (value == APM_ACPI_ENABLE)
			c->pm1_cnt |= PM1_CNT_SCI_EN;
		else
			c->pm1_cnt &= (uint16_t)~PM1_CNT_SCI_EN;
		return false;
	}
	return c->smi_en & LPC_SMI_EN_APMC;
}
