/* SPDX-License-Identifier: MIT */
/* PCI configuration mechanism #1 and MMCONFIG (pci.h). */
#include "pci.h"

#include <string.h>

#include "machine.h"
#include "memmap.h"

#define PCIEXBAR_EN 1ull
#define CF8_ENABLE 0x80000000u

void pci_fn_init(struct pci_fn *f, uint8_t devfn, uint16_t vendor, uint16_t device,
		 uint8_t revision, uint32_t class_prog)
{
	memset(f->cfg, 0, sizeof(f->cfg));
	memset(f->wmask, 0, sizeof(f->wmask));
	f->devfn = devfn;
	pci_put16(f->cfg + 0x00, vendor);
	pci_put16(f->cfg + 0x02, device);
	f->cfg[0x08] = revision;
	f->cfg[0x09] = (uint8_t)class_prog;
	pci_put16(f->cfg + 0x0A, (uint16_t)(class_prog >> 8));
	/* QEMU's subsystem IDs (Red Hat, "QEMU virtual machine"): SeaBIOS
	 * looks for them to know it runs on QEMU. */
	pci_put16(f->cfg + 0x2C, 0x1AF4);
	pci_put16(f->cfg + 0x2E, 0x1100);
	/* Command: I/O, memory, bus master, SERR, INTx disable writable. */
	pci_put16(f->wmask + 0x04, 0x0547);
	f->wmask[0x0C] = 0xff; /* cache line size */
	f->wmask[0x0D] = 0xff; /* latency timer */
	f->wmask[0x3C] = 0xff; /* interrupt line */
	memset(f->wmask + 0x40, 0xff, PCI_CFG_SIZE - 0x40);
}

static struct pci_fn *find_fn(struct machine *m, uint8_t devfn)
{
	if (devfn == m->chip.mch.devfn)
		return &m->chip.mch;
	if (devfn == m->chip.lpc.devfn)
		return &m->chip.lpc;
	if (devfn == m->chip.sata.devfn)
		return &m->chip.sata;
	if (devfn == m->chip.smbus.devfn)
		return &m->chip.smbus;
	return NULL;
}

uint32_t pci_cfg_read(struct machine *m, uint8_t devfn, unsigned off, unsigned len)
{
	struct pci_fn *f = find_fn(m, devfn);
	uint32_t v = 0;
	if (!f)
		return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
	for (unsigned i = 0; i < len; i++)
		if (off + i < PCI_CFG_SIZE)
			v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_write(struct machine *m, uint8_t devfn, unsigned off, unsigned len,
		   uint32_t value)
{
	struct pci_fn *f = find_fn(m, devfn);
	if (!f || off >= PCI_CFG_SIZE)
		return;
	if (off + len > PCI_CFG_SIZE)
		len = PCI_CFG_SIZE - off;
	for (unsigned i = 0; i < len; i++) {
		uint8_t w = f->wmask[off + i], b = (uint8_t)(value >> (8 * i));
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~w) | (b & w));
	}
	if (f->written)
		f->written(m, off, len);
}

bool pci_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	struct chipset *c = &m->chip;
	if (port == 0xCF8 && size == 4) {
		c->cf8 = value & 0x80FFFFFCu;
		return true;
	}
	if (port < 0xCFC || port > 0xCFF)
		return false;
	if ((c->cf8 & CF8_ENABLE) && ((c->cf8 >> 16) & 0xff) == 0)
		pci_cfg_write(m, (uint8_t)(c->cf8 >> 8),
			      (c->cf8 & 0xfc) + (port - 0xCFCu), size, value);
	return true;
}

bool pci_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	struct chipset *c = &m->chip;
	if (port == 0xCF8 && size == 4) {
		*value = c->cf8;
		return true;
	}
	if (port < 0xCFC || port > 0xCFF)
		return false;
	if ((c->cf8 & CF8_ENABLE) && ((c->cf8 >> 16) & 0xff) == 0)
		*value = pci_cfg_read(m, (uint8_t)(c->cf8 >> 8),
				      (c->cf8 & 0xfc) + (port - 0xCFCu), size);
	else
		*value = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return true;
}

/* MMCONFIG: offset = bus << 20 | devfn << 12 | register. */
static uint64_t mmcfg_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct machine *m = opaque;
	(void)uc;
	if (size > 4 || (off >> 20) != 0)
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (!find_fn(m, (uint8_t)(off >> 12)))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if ((off & 0xfff) >= PCI_CFG_SIZE)
		return 0; /* a conventional function's extended space */
	return pci_cfg_read(m, (uint8_t)(off >> 12), off & 0xff, size);
}

static void mmcfg_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
			void *opaque)
{
	(void)uc;
	if (size <= 4 && (off >> 20) == 0 && (off & 0xfff) < PCI_CFG_SIZE)
		pci_cfg_write(opaque, (uint8_t)(off >> 12), off & 0xff, size,
			      (uint32_t)value);
}

/* Where PCIEXBAR wants the window (size 0: disabled). */
static void mmcfg_want(const struct machine *m, uint64_t *base, uint64_t *size)
{
	const uint8_t *c = m->chip.mch.cfg + MCH_PCIEXBAR;
	uint64_t bar = pci_get32(c) | (uint64_t)pci_get32(c + 4) << 32;
	uint64_t mask = 0xff0000000ull;
	*size = 0;
	*base = 0;
	if (!(bar & PCIEXBAR_EN))
		return;
	switch ((bar >> 1) & 3) {
	case 0: *size = 256ull << 20; break;
	case 1: *size = 128ull << 20, mask |= 1ull << 27; break;
	case 2: *size = 64ull << 20, mask |= 3ull << 26; break;
	default: return; /* reserved: QEMU leaves the window as it was */
	}
	*base = bar & mask;
}

void pci_mmcfg_update(struct machine *m)
{
	uint64_t b, s;
	mmcfg_want(m, &b, &s);
	if (b == m->chip.mmcfg_base && s == m->chip.mmcfg_size &&
	    (s != 0) == m->chip.mmcfg_mapped)
		return;
	m->chip.mmcfg_dirty = true;
	if (m->uc)
		machine_stop_at_boundary(m);
}

int pci_mmcfg_sync(struct machine *m)
{
	struct chipset *c = &m->chip;
	uint64_t b, s;
	uc_err err = UC_ERR_OK;
	c->mmcfg_dirty = false;
	mmcfg_want(m, &b, &s);
	if (c->mmcfg_mapped && (b != c->mmcfg_base || s != c->mmcfg_size)) {
		err = uc_mem_unmap(m->uc, c->mmcfg_base, c->mmcfg_size);
		c->mmcfg_mapped = false;
	}
	if (!err && s && !c->mmcfg_mapped) {
		err = uc_mmio_map(m->uc, b, s, mmcfg_read, m, mmcfg_write, m);
		c->mmcfg_mapped = !err;
		c->mmcfg_base = b;
		c->mmcfg_size = s;
	}
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: mapping MMCONFIG at 0x%llx "
			"failed: %s\n",
			(unsigned long long)b, uc_strerror(err));
		return -1;
	}
	return 0;
}
