/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg (fwcfg.h).  Facts from QEMU 7.2's hw/nvram/fw_cfg.c, its x86
 * machine set-up and docs/specs/fw_cfg.txt: keys 0x00 signature, 0x01 ID
 * (bit 0 traditional interface, bit 1 DMA), 0x03 RAM size (64-bit LE),
 * 0x05 CPUs present, 0x0E boot menu, 0x0F max CPUs, 0x19 the file
 * directory (BE32 count, then BE32 size, BE16 key, BE16 reserved, 56-byte
 * name per file, sorted by name, keys from 0x20), 0x8002 IRQ0 override;
 * reads past the end of an item return 0.  The SMI feature negotiation is
 * ICH9's: selecting etc/smi/features-ok accepts etc/smi/requested-features
 * if it is a subset of etc/smi/supported-features, and locks both.
 */
#define _POSIX_C_SOURCE 200809L

#include "fwcfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "machine.h"
#include "memmap.h"

#define KEY_SIGNATURE 0x00
#define KEY_ID 0x01
#define KEY_RAM_SIZE 0x03
#define KEY_NB_CPUS 0x05
#define KEY_BOOT_MENU 0x0E
#define KEY_MAX_CPUS 0x0F
#define KEY_FILE_DIR 0x19
#define KEY_FILE_FIRST 0x20
#define KEY_IRQ0_OVERRIDE 0x8002
#define ID_TRADITIONAL 0x01u
#define ID_DMA 0x02u
#define DMA_ERROR 0x01u
#define DMA_READ 0x02u
#define DMA_SKIP 0x04u
#define DMA_SELECT 0x08u
#define DMA_WRITE 0x10u
#define SMI_F_BROADCAST 0x01u
#define SMI_F_CPU_HOTPLUG 0x02u
#define SMI_F_CPU_HOT_UNPLUG 0x04u
#define OPTION_ROM_MAX (1u << 20)

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static struct fwcfg_file *add_file(struct machine *m, const char *name, uint32_t size,
				   bool writable)
{
	struct chipset *c = &m->chip;
	if (c->nfiles >= FWCFG_MAX_FILES || strlen(name) >= 56) {
		fprintf(m->cfg.log, "vsmm run: too many fw_cfg files (%s)\n", name);
		return NULL;
	}
	struct fwcfg_file *f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	f->data = calloc(1, size ? size : 1);
	if (!f->data) {
		fprintf(m->cfg.log, "vsmm run: out of memory\n");
		return NULL;
	}
	strcpy(f->name, name);
	f->size = size;
	f->writable = writable;
	c->nfiles++;
	return f;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct fwcfg_file *)a)->name,
		      ((const struct fwcfg_file *)b)->name);
}

static int add_option_rom(struct machine *m, const char *path)
{
	const char *base = strrchr(path, '/');
	char name[64];
	struct stat st;
	FILE *f = fopen(path, "rb");
	base = base ? base + 1 : path;
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (off_t)OPTION_ROM_MAX) {
		fprintf(m->cfg.log, "vsmm run: --option-rom %s: %s\n", path,
			!f ? strerror(errno) : "not a regular file of 1 byte to 1 MiB");
		if (f)
			fclose(f);
		return -1;
	}
	if (snprintf(name, sizeof(name), "genroms/%s", base) >= 56) {
		fprintf(m->cfg.log,
			"vsmm run: --option-rom %s: the name is "
			"too long for fw_cfg (at most 47 bytes)\n",
			path);
		fclose(f);
		return -1;
	}
	for (unsigned i = 0; i < m->chip.nfiles; i++)
		if (!strcmp(m->chip.files[i].name, name)) {
			fprintf(m->cfg.log,
				"vsmm run: --option-rom %s: a ROM "
				"named %s is already given\n",
				path, base);
			fclose(f);
			return -1;
		}
	struct fwcfg_file *ff = add_file(m, name, (uint32_t)st.st_size, false);
	if (!ff || fread(ff->data, 1, ff->size, f) != ff->size) {
		if (ff)
			fprintf(m->cfg.log, "vsmm run: cannot read %s\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int fwcfg_init(struct machine *m, const char *const *roms, unsigned nroms)
{
	struct chipset *c = &m->chip;
	struct fwcfg_file *f;
	c->nfiles = 0;
	/* One RAM entry: all RAM lies below 4 GiB here (at most 2 GiB).  With
	 * an AMD CPU QEMU 7.2 also reserves the HyperTransport range below
	 * 1 TiB (0xFD00000000, 12 GiB). */
	bool amd = m->cfg.vendor == VSMM_VENDOR_AMD;
	if (!(f = add_file(m, "etc/e820", amd ? 40 : 20, false)))
		return -1;
	le(f->data, 0, 8);
	le(f->data + 8, m->cfg.ram_size, 8);
	le(f->data + 16, 1, 4);
	if (amd) {
		le(f->data + 20, 0xFD00000000ull, 8);
		le(f->data + 28, 0x300000000ull, 8);
		le(f->data + 36, 2, 4);
	}
	if (!add_file(m, "bootorder", 0, false))
		return -1;
	/* QEMU's -boot reboot-timeout default: -1, never retry. */
	if (!(f = add_file(m, "etc/boot-fail-wait", 4, false)))
		return -1;
	le(f->data, 0xffffffffu, 4);
	if (!(f = add_file(m, "etc/boot-cpus", 2, false)))
		return -1;
	le(f->data, 1, 2);
	if (!(f = add_file(m, "etc/smi/supported-features", 8, false)))
		return -1;
	le(f->data, SMI_F_BROADCAST | SMI_F_CPU_HOTPLUG | SMI_F_CPU_HOT_UNPLUG, 8);
	if (!add_file(m, "etc/smi/requested-features", 8, true) ||
	    !add_file(m, "etc/smi/features-ok", 1, false))
		return -1;
	/* vsmm's own (issue 10 lists it; QEMU 7.2 has no such file): the
	 * extended TSEG size MCH register 0x50 answers after a query. */
	if (!(f = add_file(m, "etc/tseg-mbytes", 2, false)))
		return -1;
	le(f->data, c->ext_tseg_mbytes, 2);
	/* QEMU's bytes for S0-S5 with S3 and S4 enabled (ICH9-LPC
	 * disable_s3=0, disable_s4=0, s4_val 2): bit 7 enabled, the low bits
	 * the SLP_TYP value. */
	if (!(f = add_file(m, "etc/system-states", 6, false)))
		return -1;
	static const uint8_t states[6] = { 0x80, 0, 0, 0x81, 0x82, 0x80 };
	memcpy(f->data, states, sizeof(states));
	for (unsigned i = 0; i < nroms; i++)
		if (add_option_rom(m, roms[i]))
			return -1;
	qsort(c->files, c->nfiles, sizeof(c->files[0]), cmp_file);
	for (unsigned i = 0; i < c->nfiles; i++)
		c->files[i].key = (uint16_t)(KEY_FILE_FIRST + i);
	return 0;
}

void fwcfg_destroy(struct machine *m)
{
	for (unsigned i = 0; i < m->chip.nfiles; i++)
		free(m->chip.files[i].data);
	m->chip.nfiles = 0;
}

static struct fwcfg_file *file_of(struct machine *m, uint16_t key)
{
	if (key < KEY_FILE_FIRST || key - KEY_FILE_FIRST >= (int)m->chip.nfiles)
		return NULL;
	return &m->chip.files[key - KEY_FILE_FIRST];
}

static struct fwcfg_file *find_file(struct machine *m, const char *name)
{
	for (unsigned i = 0; i < m->chip.nfiles; i++)
		if (!strcmp(m->chip.files[i].name, name))
			return &m->chip.files[i];
	return NULL;
}

/* Byte off of the selected item (0 past its end). */
static uint8_t item_byte(struct machine *m, uint16_t key, uint32_t off)
{
	uint8_t b[8] = { 0 };
	const struct fwcfg_file *f;
	switch (key) {
	case KEY_SIGNATURE: return off < 4 ? (uint8_t) "QEMU"[off] : 0;
	case KEY_ID: return off == 0 ? ID_TRADITIONAL | ID_DMA : 0;
	case KEY_RAM_SIZE: le(b, m->cfg.ram_size, 8); return off < 8 ? b[off] : 0;
	case KEY_NB_CPUS:
	case KEY_MAX_CPUS: return off == 0 ? 1 : 0;
	case KEY_IRQ0_OVERRIDE: return off == 0 ? 1 : 0;
	case KEY_BOOT_MENU: return 0;
	case KEY_FILE_DIR: {
		uint32_t n = m->chip.nfiles;
		if (off < 4) {
			be32(b, n);
			return b[off];
		}
		off -= 4;
		if (off >= n * 64)
			return 0;
		f = &m->chip.files[off / 64];
		off %= 64;
		if (off < 4) {
			be32(b, f->size);
			return b[off];
		}
		if (off < 6)
			return (uint8_t)(off == 4 ? f->key >> 8 : f->key);
		if (off < 8)
			return 0;
		return (uint8_t)f->name[off - 8];
	}
	default: f = file_of(m, key); return f && off < f->size ? f->data[off] : 0;
	}
}

/* Selecting etc/smi/features-ok runs ICH9's negotiation once. */
static void select_key(struct machine *m, uint16_t key)
{
	struct fwcfg_file *ok = find_file(m, "etc/smi/features-ok");
	m->chip.fw_key = key;
	m->chip.fw_off = 0;
	if (ok && key == ok->key && !m->chip.smi_features_locked) {
		struct fwcfg_file *req = find_file(m, "etc/smi/requested-features");
		struct fwcfg_file *sup = find_file(m, "etc/smi/supported-features");
		bool subset = true;
		for (unsigned i = 0; i < 8; i++)
			if (req->data[i] & ~sup->data[i])
				subset = false;
		ok->data[0] = subset;
		m->chip.smi_features = 0;
		for (unsigned i = 0; subset && i < 8; i++)
			m->chip.smi_features |= (uint64_t)req->data[i] << (8 * i);
		m->chip.smi_features_locked = subset;
		req->writable = !subset;
	}
}

static void dma_transfer(struct machine *m, uint64_t desc)
{
	uint8_t d[16];
	uint32_t status = 0;
	if (machine_phys_read(m, false, desc, d, sizeof(d)))
		return;
	uint32_t ctl = rd_be32(d), len = rd_be32(d + 4);
	uint64_t addr = (uint64_t)rd_be32(d + 8) << 32 | rd_be32(d + 12);
	if (ctl & DMA_SELECT)
		select_key(m, (uint16_t)(ctl >> 16));
	struct fwcfg_file *f = file_of(m, m->chip.fw_key);
	if (ctl & DMA_READ) {
		for (uint32_t i = 0; i < len; i++) {
			uint8_t b = item_byte(m, m->chip.fw_key, m->chip.fw_off + i);
			if (machine_phys_write(m, false, addr + i, &b, 1))
				status = DMA_ERROR;
		}
		uc_ctl_remove_cache(m->uc, addr, addr + len);
		m->chip.fw_off += len;
	} else if (ctl & DMA_WRITE) {
		if (!f || !f->writable || m->chip.fw_off + (uint64_t)len > f->size)
			status = DMA_ERROR;
		else if (machine_phys_read(m, false, addr, f->data + m->chip.fw_off, len))
			status = DMA_ERROR;
		else
			m->chip.fw_off += len;
	} else if (ctl & DMA_SKIP) {
		m->chip.fw_off += len;
	}
	be32(d, status);
	(void)machine_phys_write(m, false, desc, d, 4);
}

bool fwcfg_io_out(struct machine *m, uint16_t port, unsigned size, uint32_t value)
{
	if (port == 0x510 && size == 2) {
		select_key(m, (uint16_t)value);
		return true;
	}
	if (port == 0x511)
		return true; /* writes through the data port are ignored */
	if (port == 0x514 && size == 4) {
		m->chip.fw_dma_hi = bswap32(value);
		return true;
	}
	if (port == 0x518 && size == 4) {
		dma_transfer(m, (uint64_t)m->chip.fw_dma_hi << 32 | bswap32(value));
		m->chip.fw_dma_hi = 0;
		return true;
	}
	return port >= 0x510 && port <= 0x51B;
}

bool fwcfg_io_in(struct machine *m, uint16_t port, unsigned size, uint32_t *value)
{
	if (port == 0x511) {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)item_byte(m, m->chip.fw_key, m->chip.fw_off++)
			     << (8 * i);
		*value = v;
		return true;
	}
	if (port == 0x514 && size == 4) {
		*value = bswap32(0x51454d55); /* "QEMU" */
		return true;
	}
	if (port == 0x518 && size == 4) {
		*value = bswap32(0x20434647); /* " CFG" */
		return true;
	}
	if (port >= 0x510 && port <= 0x51B) {
		*value = 0;
		return true;
	}
	return false;
}
