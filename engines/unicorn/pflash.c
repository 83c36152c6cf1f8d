/* SPDX-License-Identifier: MIT */
/*
 * The VARS flash of --pflash (pflash.h), as QEMU 7.2's cfi.pflash01 on a
 * PC (hw/block/pflash_cfi01.c, hw/i386/pc_sysfw.c, for the facts): 4 KiB
 * sectors, width 1, IDs 0x89/0x18.  Commands: 0xFF read array, 0x50
 * clear status (back to read array), 0x70 read status (0x80: ready), 0x90
 * read ID, 0x10/0x40 program one byte, 0x20 then 0xD0 erase a sector to
 * 0xFF.  This is what OVMF's QemuFlashFvbServicesRuntimeDxe probes and
 * uses.  Not modelled: the CFI query (0x98), buffered writes (0xE8),
 * lock bits, the secure=on property (writes from SMM only), and writing
 * VARS back to its file (changes last for the run).
 */
#define _POSIX_C_SOURCE 200809L

#include "pflash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "machine.h"

#define SECTOR 0x1000u
#define FOUR_GIB 0x100000000ull
#define STATUS_READY 0x80u

enum { MODE_ARRAY, MODE_STATUS, MODE_ID, MODE_PROGRAM, MODE_ERASE };

static uint64_t flash_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct machine *m = opaque;
	struct chipset *c = &m->chip;
	uint64_t v = 0;
	(void)uc;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b;
		switch (c->flash_mode) {
		case MODE_ARRAY:
			b = off + i < c->flash_size ? c->flash[off + i] : 0xff;
			break;
		case MODE_ID: b = ((off + i) & 1) ? 0x18 : 0x89; break;
		default: b = STATUS_READY; break;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void flash_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
			void *opaque)
{
	struct machine *m = opaque;
	struct chipset *c = &m->chip;
	uint8_t cmd = (uint8_t)value;
	(void)uc;
	if (c->flash_mode == MODE_PROGRAM) {
		for (unsigned i = 0; i < size && off + i < c->flash_size; i++)
			c->flash[off + i] = (uint8_t)(value >> (8 * i));
		c->flash_mode = MODE_STATUS;
		return;
	}
	if (c->flash_mode == MODE_ERASE) {
		if (cmd == 0xD0 && off < c->flash_size)
			memset(c->flash + (off & ~(uint64_t)(SECTOR - 1)), 0xff, SECTOR);
		c->flash_mode = MODE_STATUS;
		return;
	}
	switch (cmd) {
	case 0x10:
	case 0x40: c->flash_mode = MODE_PROGRAM; break;
	case 0x20: c->flash_mode = MODE_ERASE; break;
	case 0x70: c->flash_mode = MODE_STATUS; break;
	case 0x90: c->flash_mode = MODE_ID; break;
	case 0x50:
	case 0xFF:
	default: c->flash_mode = MODE_ARRAY; break;
	}
}

int pflash_init(struct machine *m)
{
	const char *path = m->cfg.pflash_vars;
	struct chipset *c = &m->chip;
	struct stat st;
	if (!path)
		return 0;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size % SECTOR || (uint64_t)st.st_size > (16u << 20)) {
		fprintf(m->cfg.log, "vsmm run: --pflash VARS %s: %s\n", path,
			!f ? strerror(errno)
			   : "not a regular file of 4 KiB sectors, at most 16 MiB");
		if (f)
			fclose(f);
		return -1;
	}
	c->flash_size = (uint64_t)st.st_size;
	c->flash = malloc(c->flash_size);
	if (!c->flash || fread(c->flash, 1, c->flash_size, f) != c->flash_size) {
		fprintf(m->cfg.log, "vsmm run: cannot read %s\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	c->flash_base = FOUR_GIB - m->bios_size - c->flash_size;
	uc_err err = uc_mmio_map(m->uc, c->flash_base, c->flash_size, flash_read, m,
				 flash_write, m);
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: mapping the VARS flash failed: "
			"%s\n",
			uc_strerror(err));
		return -1;
	}
	return 0;
}

void pflash_destroy(struct machine *m)
{
	free(m->chip.flash);
	m->chip.flash = NULL;
}
