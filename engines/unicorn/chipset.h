/* SPDX-License-Identifier: MIT */
/*
 * The q35 chipset of the `vsmm run` machine (issue 10, item 3), modelled
 * on what QEMU 7.2's `-machine q35,smm=on` shows a guest: PCI configuration
 * mechanism #1 and MMCONFIG, the MCH at 00:00.0 (PAM shadow RAM, SMRAM,
 * ESMRAMC/TSEG, the extended TSEG and F_SMBASE registers), the ICH9 LPC
 * bridge at 00:1f.0 (PM I/O, SMI_EN, the ACPI PM timer, reset), and the
 * ISA devices behind it.  Each device is a file of its own; this header
 * holds their state, kept in struct machine as `chip`.
 *
 * The memory map the CPU and the platform's host-side accessors see is
 * derived from these registers in one place (memmap.c), so that the CPU,
 * SMI delivery/RSM and DMA agree on what is RAM, ROM or hidden SMRAM.
 */
#ifndef VSMM_ENGINE_CHIPSET_H
#define VSMM_ENGINE_CHIPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

/* ---- PCI (pci.c) ---------------------------------------------------- */
#define PCI_CFG_SIZE 256u
#define PCI_MMCFG_BASE 0xB0000000ull /* PCIEXBAR's reset base, as QEMU */

struct pci_fn {
	uint8_t devfn;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	/* Called after a write of len bytes at off was stored. */
	void (*written)(struct machine *m, unsigned off, unsigned len);
};

/* ---- MCH registers (mch.c), QEMU's hw/pci-host/q35.h names ---------- */
#define MCH_DEVFN 0x00
#define MCH_EXT_TSEG_MBYTES 0x50
#define MCH_PCIEXBAR 0x60
#define MCH_PAM0 0x90
#define MCH_F_SMBASE 0x9C
#define MCH_SMRAM 0x9D
#define MCH_ESMRAMC 0x9E
#define MCH_TOLUD 0xB0

#define SMRAM_D_OPEN 0x40
#define SMRAM_D_CLS 0x20
#define SMRAM_D_LCK 0x10
#define SMRAM_G_SMRAME 0x08
#define ESMRAMC_H_SMRAME 0x80
#define ESMRAMC_TSEG_SZ 0x06
#define ESMRAMC_T_EN 0x01
#define F_SMBASE_QUERY 0xFF
#define F_SMBASE_IN_RAM 0x01
#define F_SMBASE_LCK 0x02
#define MCH_EXT_TSEG_DEFAULT 16u /* MiB: QEMU 7.2's extended-tseg-mbytes */

/* ---- ICH9 LPC (lpc.c) ---------------------------------------------- */
#define LPC_DEVFN 0xF8 /* 00:1f.0 */
#define LPC_PMBASE 0x40
#define LPC_ACPI_CNTL 0x44
#define LPC_GEN_PMCON_1 0xA0
#define LPC_RCBA 0xF0
#define LPC_SMI_EN_APMC 0x20u
#define LPC_SMI_EN_GBL 0x01u
#define LPC_SMI_EN_EOS 0x02u
#define LPC_GEN_PMCON_1_SMI_LOCK 0x10u

/* Memory kinds a span of guest-physical addresses can have. */
enum mem_kind {
	MK_NONE = 0, /* nothing decodes it */
	MK_RAM,	     /* read and write the RAM behind it */
	MK_RAM_RO,   /* read the RAM, writes dropped (PAM read-only) */
	MK_ROM,	     /* read ROM (the BIOS / pc.rom), writes dropped */
	MK_ONES,     /* reads all ones, writes dropped (closed TSEG) */
	MK_ZERO,     /* reads zero, writes dropped (unclaimed PCI memory) */
};

struct mem_span {
	uint64_t start, end;
	enum mem_kind kind;
	uint8_t *host; /* RAM/ROM bytes of start, or NULL */
};

#define MEM_MAX_SPANS 40
#define MEM_MAX_PENDING 8

/* A write Unicorn stored into a read-only page, to be undone. */
struct mem_undo {
	uint8_t *host;
	unsigned len;
	uint8_t old[8];
};

/* ---- 8259 PIC pair (pic.c) ------------------------------------------ */
struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t icw_step; /* 0: ready; 2..4: the ICW expected next */
	uint8_t icw4_needed, single;
	uint8_t vector_base;
	uint8_t read_isr; /* OCW3: the next read of the command port */
	uint8_t auto_eoi;
	uint8_t elcr;
	uint8_t level; /* line levels, for edge detection */
};

/* ---- 8254 PIT (pit.c) ----------------------------------------------- */
struct pit_channel {
	uint8_t mode, rw, bcd;
	uint16_t reload; /* 0 counts as 65536 */
	uint64_t start;	 /* PIT tick the count was loaded at */
	bool loaded;
	uint8_t write_lsb; /* next write is the LSB (rw == 3) */
	uint8_t read_lsb;  /* next read is the LSB */
	bool latched;
	uint16_t latch;
	uint8_t latch_lsb;
	uint8_t pending_lsb;
	bool gate;
	bool irq_done; /* mode 0: IRQ0 raised at terminal count */
	uint64_t irqs; /* periods for which IRQ0 was raised */
};

/* ---- fw_cfg (fwcfg.c) ----------------------------------------------- */
#define FWCFG_MAX_FILES 16
struct fwcfg_file {
	char name[56];
	uint16_t key;
	uint8_t *data;
	uint32_t size;
	bool writable;
};

/* ---- i8042 (kbd.c) -------------------------------------------------- */
struct kbd_state {
	uint8_t q[16];
	bool aux[16];
	unsigned n;
	uint8_t last, ctr, outport, write_cmd, kbd_arg, aux_arg;
	bool status_cmd;
};

/* ---- COM1 (uart.c) -------------------------------------------------- */
struct uart_state {
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thri_pending; /* THR-empty interrupt not yet taken through IIR */
};

struct chipset {
	/* PCI */
	uint32_t cf8;
	struct pci_fn mch, lpc, sata, smbus;
	uint32_t ahci_regs[0x100 / 4 + 6 * 0x80 / 4]; /* HBA + 6 ports */
	bool ahci_mapped, ahci_dirty;
	uint64_t ahci_base;
	bool mmcfg_mapped, mmcfg_dirty;
	uint64_t mmcfg_base, mmcfg_size;

	/* MCH derived state */
	uint16_t ext_tseg_mbytes;
	bool f_smbase_locked_wmask; /* F_SMBASE answered a query */

	/* Memory map (memmap.c): two views, CPU in SMM and not. */
	struct mem_span view[2][MEM_MAX_SPANS];
	unsigned nview[2];
	unsigned last_span[2]; /* the span a look-up found last, tried first */
	struct mem_span applied[MEM_MAX_SPANS];
	unsigned napplied;
	bool cpu_smm;	  /* which view the engine has mapped */
	bool views_equal; /* the SMM view is the other one */
	bool map_dirty;	  /* registers changed: re-apply at the boundary */
	uint8_t *legacy;  /* 0xC0000-0xFFFFF as PCI memory: pc.rom, ISA BIOS */
	struct mem_undo undo[MEM_MAX_PENDING];
	unsigned nundo;

	/* LPC / PM */
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint32_t smi_en, smi_sts;
	uint32_t smi_en_wmask;
	uint8_t rst_cnt; /* port 0xCF9 */
	bool reset_requested;

	/* ISA devices */
	struct pic_chip pic[2];
	struct pit_channel pit[3];
	uint8_t port61;
	struct kbd_state kbd;
	struct uart_state uart;
	uint8_t cmos_index;
	bool nmi_disabled;
	uint8_t cmos[128];
	uint64_t rtc_base; /* host UTC seconds at reset */

	/* Timer events (chipset.c): the instruction count of the next one. */
	uint64_t next_event_insn;

	/* HPET (hpet.c) */
	uint64_t hpet_cfg, hpet_counter, hpet_start_ns;
	uint64_t hpet_timer[12];

	/* --pflash VARS (pflash.c) */
	uint8_t *flash;
	uint64_t flash_base, flash_size;
	int flash_mode;

	/* fw_cfg */
	uint16_t fw_key;
	uint32_t fw_off;
	uint32_t fw_dma_hi;
	struct fwcfg_file files[FWCFG_MAX_FILES];
	unsigned nfiles;
	uint64_t smi_features; /* negotiated (etc/smi/features-ok) */
	bool smi_features_locked;
};

#endif /* VSMM_ENGINE_CHIPSET_H */
