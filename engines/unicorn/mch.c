/* SPDX-License-Identifier: MIT */
/*
 * MCH registers (mch.h).  The facts follow QEMU 7.2's hw/pci-host/q35.c
 * and its register-level test tests/qtest/q35-test.c:
 *  - SMRAM resets to 0x02 (C_BASE_SEG hard-wired), D_OPEN, D_CLS, D_LCK
 *    and G_SMRAME writable; once D_LCK is set D_OPEN is cleared and only
 *    D_CLS stays writable, and ESMRAMC becomes read-only, until reset.
 *  - ESMRAMC resets to 0x38; H_SMRAME, TSEG_SZ and T_EN writable.
 *  - EXT_TSEG_MBYTES reads 0xFFFF after reset; writing 0xFFFF there
 *    (a query) makes it read the extended TSEG size in MiB.
 *  - F_SMBASE: writing 0xFF (a query) makes it read 0x01 and leaves only
 *    the lock bit writable; writing 0x02 then locks SMRAM at 0x30000
 *    (128 KiB, hidden outside SMM).  Without a query, writes are dropped.
 */
#include "mch.h"

#include <string.h>

#include "machine.h"
#include "memmap.h"
#include "pci.h"

#define SMRAM_RESET 0x02
#define SMRAM_WMASK (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)
#define SMRAM_WMASK_LCK SMRAM_D_CLS
#define ESMRAMC_RESET 0x38
#define ESMRAMC_WMASK (ESMRAMC_H_SMRAME | ESMRAMC_TSEG_SZ | ESMRAMC_T_EN)
#define PAM_COUNT 7

static bool overlaps(unsigned off, unsigned len, unsigned reg, unsigned n)
{
	return off < reg + n && reg < off + len;
}

static void update_smram(struct pci_fn *f)
{
	if (f->cfg[MCH_SMRAM] & SMRAM_D_LCK) {
		f->cfg[MCH_SMRAM] &= (uint8_t)~SMRAM_D_OPEN;
		f->wmask[MCH_SMRAM] = SMRAM_WMASK_LCK;
		f->wmask[MCH_ESMRAMC] = 0;
	}
}

static void update_ext_tseg(struct machine *m)
{
	uint8_t *r = m->chip.mch.cfg + MCH_EXT_TSEG_MBYTES;
	if (m->chip.ext_tseg_mbytes && pci_get16(r) == 0xffff)
		pci_put16(r, m->chip.ext_tseg_mbytes);
}

static void update_f_smbase(struct pci_fn *f)
{
	uint8_t *r = &f->cfg[MCH_F_SMBASE];
	if (*r == F_SMBASE_QUERY) {
		f->wmask[MCH_F_SMBASE] = F_SMBASE_LCK;
		*r = F_SMBASE_IN_RAM;
		return;
	}
	if (f->wmask[MCH_F_SMBASE] == 0xff)
		*r = 0; /* not negotiated: the write is discarded */
	if (*r & F_SMBASE_LCK) {
		f->wmask[MCH_F_SMBASE] &= (uint8_t)~F_SMBASE_LCK;
		*r = F_SMBASE_LCK;
	}
}

static void mch_written(struct machine *m, unsigned off, unsigned len)
{
	struct pci_fn *f = &m->chip.mch;
	bool map = false;
	if (overlaps(off, len, MCH_PAM0, PAM_COUNT))
		map = true;
	if (overlaps(off, len, MCH_PCIEXBAR, 8))
		pci_mmcfg_update(m);
	if (overlaps(off, len, MCH_SMRAM, 2)) {
		update_smram(f);
		map = true;
	}
	if (overlaps(off, len, MCH_EXT_TSEG_MBYTES, 2))
		update_ext_tseg(m);
	if (overlaps(off, len, MCH_F_SMBASE, 1)) {
		update_f_smbase(f);
		map = true;
	}
	if (map)
		memmap_changed(m);
}

void mch_reset(struct machine *m)
{
	struct pci_fn *f = &m->chip.mch;
	pci_fn_init(f, MCH_DEVFN, 0x8086, 0x29C0, 0x00, 0x060000);
	f->written = mch_written;
	pci_put32(f->cfg + MCH_PCIEXBAR, (uint32_t)PCI_MMCFG_BASE);
	f->cfg[MCH_SMRAM] = SMRAM_RESET;
	f->wmask[MCH_SMRAM] = SMRAM_WMASK;
	f->cfg[MCH_ESMRAMC] = ESMRAMC_RESET;
	f->wmask[MCH_ESMRAMC] = ESMRAMC_WMASK;
	m->chip.ext_tseg_mbytes = MCH_EXT_TSEG_DEFAULT;
	pci_put16(f->cfg + MCH_EXT_TSEG_MBYTES, 0xffff);
	f->cfg[MCH_F_SMBASE] = 0;
	f->wmask[MCH_F_SMBASE] = 0xff;
}
