/* SPDX-License-Identifier: MIT */
/*
 * The two other ICH9 functions QEMU's q35 has built in, so that firmware
 * finds the same PCI bus 0 (ich9fn.h): the AHCI controller 00:1f.2
 * (8086:2922; BAR4 a 32-byte I/O index/data pair, BAR5 the 4 KiB HBA
 * registers) and the SMBus controller 00:1f.3 (8086:2930; BAR4 64 bytes
 * of I/O).  The AHCI HBA has QEMU's six ports with nothing attached: CAP
 * 0xC0141F05 (6 ports, 32 slots, Gen1, NCQ, AHCI only, 64-bit), PI 0x3F,
 * VS 1.0, SStatus "no device"; the other registers hold what is written.
 * No commands are executed and the SMBus has no devices (docs/engine.md).
 */
#include "ich9fn.h"

#include <string.h>

#include "machine.h"
#include "pci.h"

#define AHCI_CAP 0xC0141F05u
#define AHCI_PI 0x3Fu
#define AHCI_VS 0x00010000u
#define BAR4 0x20
#define BAR5 0x24
#define CMD_MEM 0x02

static void bar(struct pci_fn *f, unsigned off, uint32_t size, bool io)
{
	pci_put32(f->cfg + off, io ? 1u : 0u);
	pci_put32(f->wmask + off, ~(size - 1) & (io ? ~3u : ~0xfu));
}

static void sata_written(struct machine *m, unsigned off, unsigned len)
{
	if (off < BAR5 + 4 && BAR5 < off + len)
		m->chip.ahci_dirty = true;
	if (off < 0x06 && 0x04 < off + len)
		m->chip.ahci_dirty = true;
	if (m->chip.ahci_dirty && m->uc)
		machine_stop_at_boundary(m);
}

void ich9fn_reset(struct machine *m)
{
	struct pci_fn *s = &m->chip.sata, *b = &m->chip.smbus;
	pci_fn_init(s, SATA_DEVFN, 0x8086, 0x2922, 0x02, 0x010601);
	s->written = sata_written;
	bar(s, BAR4, 0x20, true);
	bar(s, BAR5, 0x1000, false);
	s->cfg[0x3D] = 1; /* INTA# */
	pci_fn_init(b, SMBUS_DEVFN, 0x8086, 0x2930, 0x02, 0x0C0500);
	bar(b, BAR4, 0x40, true);
	b->cfg[0x3D] = 2; /* INTB# */
	memset(m->chip.ahci_regs, 0, sizeof(m->chip.ahci_regs));
	m->chip.ahci_dirty = true;
}

static uint32_t ahci_reg(const struct machine *m, uint64_t off)
{
	switch (off) {
	case 0x00: return AHCI_CAP;
	case 0x0C: return AHCI_PI;
	case 0x10: return AHCI_VS;
	default:
		if (off >= 0x100 && off < 0x100 + 6 * 0x80 && (off & 0x7f) == 0x28)
			return 0; /* PxSSTS: no device detected */
		return off < sizeof(m->chip.ahci_regs)
			       ? pci_get32((const uint8_t *)m->chip.ahci_regs + off)
			       : 0;
	}
}

static uint64_t ahci_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	(void)uc;
	uint32_t v = ahci_reg(opaque, off & ~3ull) >> (8 * (off & 3));
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void ahci_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		       void *opaque)
{
	struct machine *m = opaque;
	uint8_t *r = (uint8_t *)m->chip.ahci_regs;
	(void)uc;
	if (off == 0x08) { /* IS: write 1 to clear */
		pci_put32(r + 8, pci_get32(r + 8) & ~(uint32_t)value);
		return;
	}
	for (unsigned i = 0; i < size && off + i < sizeof(m->chip.ahci_regs); i++)
		r[off + i] = (uint8_t)(value >> (8 * i));
}

int ich9fn_sync(struct machine *m)
{
	struct chipset *c = &m->chip;
	const uint8_t *cfg = c->sata.cfg;
	uint64_t want = pci_get32(cfg + BAR5) & ~0xfffu;
	bool on = (cfg[0x04] & CMD_MEM) && want && want < 0xFFFFF000u;
	uc_err err = UC_ERR_OK;
	c->ahci_dirty = false;
	if (c->ahci_mapped && (!on || want != c->ahci_base)) {
		err = uc_mem_unmap(m->uc, c->ahci_base, 0x1000);
		c->ahci_mapped = false;
	}
	if (!err && on && !c->ahci_mapped) {
		err = uc_mmio_map(m->uc, want, 0x1000, ahci_read, m, ahci_write, m);
		c->ahci_mapped = !err;
		c->ahci_base = want;
	}
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: mapping the AHCI BAR at 0x%llx "
			"failed: %s\n",
			(unsigned long long)want, uc_strerror(err));
		return -1;
	}
	return 0;
}
