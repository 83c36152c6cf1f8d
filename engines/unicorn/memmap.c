/* SPDX-License-Identifier: MIT */
/*
 * The memory map of memmap.h.  Both views (CPU in SMM, and everything
 * else: the CPU outside SMM and every device) are lists of spans cut at
 * the boundaries the registers can move, so a register change remaps only
 * the spans whose kind changed.  What each kind means follows QEMU 7.2's
 * q35 (hw/pci-host/q35.c and pam.c, read for the facts):
 *
 *  - PAM (MCH 0x90-0x96): segment 0 is 0xF0000-0xFFFFF (PAM0 bits 5:4),
 *    then twelve 16 KiB segments from 0xC0000 (odd ones the low nibble).
 *    00: PCI memory (pc.rom's zeros at 0xC0000-0xDFFFF, the ISA BIOS
 *    alias at the top); 01: RAM read-only (writes dropped); 10 and 11:
 *    RAM (QEMU 7.2 does not split reads from writes for 10 either).
 *  - 0xA0000-0xBFFFF: outside SMM the RAM only while D_OPEN and not
 *    H_SMRAME, else PCI memory (no VGA here: zeros); in SMM the RAM while
 *    G_SMRAME and not H_SMRAME.  D_CLS is not modelled (nor by QEMU).
 *  - TSEG (T_EN with G_SMRAME): the top 1/2/8 MiB of RAM below 4 GiB, or
 *    EXT_TSEG_MBYTES for size 11b; all ones outside SMM, RAM in SMM.
 *  - F_SMBASE locked: 0x30000-0x4FFFF as TSEG (QEMU's smbase-smram).
 */
#include "memmap.h"

#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define LEGACY_BASE 0xC0000ull
#define LEGACY_SIZE 0x40000ull
#define SMRAM_LOW_BASE 0xA0000ull
#define SMRAM_LOW_END 0xC0000ull
#define SMBASE_WIN_BASE 0x30000ull
#define SMBASE_WIN_END 0x50000ull
#define ONE_MIB 0x100000ull
#define FOUR_GIB 0x100000000ull

void memmap_tseg(const struct machine *m, uint64_t *base, uint64_t *size)
{
	const uint8_t *c = m->chip.mch.cfg;
	uint64_t s = 0;
	if ((c[MCH_ESMRAMC] & ESMRAMC_T_EN) && (c[MCH_SMRAM] & SMRAM_G_SMRAME)) {
		switch ((c[MCH_ESMRAMC] & ESMRAMC_TSEG_SZ) >> 1) {
		case 0: s = 1ull << 20; break;
		case 1: s = 2ull << 20; break;
		case 2: s = 8ull << 20; break;
		default: s = (uint64_t)m->chip.ext_tseg_mbytes << 20; break;
		}
	}
	if (s > m->cfg.ram_size)
		s = m->cfg.ram_size;
	*size = s;
	*base = m->cfg.ram_size - s;
}

static bool smbase_locked(const struct machine *m)
{
	return m->chip.mch.cfg[MCH_F_SMBASE] & F_SMBASE_LCK;
}

/* PAM attribute (0..3) of the segment holding gpa (0xC0000-0xFFFFF). */
static unsigned pam_attr(const struct machine *m, uint64_t gpa)
{
	const uint8_t *c = m->chip.mch.cfg;
	if (gpa >= 0xF0000)
		return (c[MCH_PAM0] >> 4) & 3;
	unsigned seg = (unsigned)((gpa - LEGACY_BASE) >> 14); /* 0..11 */
	uint8_t reg = c[MCH_PAM0 + 1 + seg / 2];
	return (seg & 1 ? reg >> 4 : reg) & 3;
}

/* The kind of [a, ...) up to the next boundary, in one view. */
static enum mem_kind kind_at(const struct machine *m, bool smm, uint64_t a,
			     uint8_t **host)
{
	const uint8_t *c = m->chip.mch.cfg;
	uint64_t tb, ts;
	memmap_tseg(m, &tb, &ts);
	*host = m->ram + a;
	if (smbase_locked(m) && a >= SMBASE_WIN_BASE && a < SMBASE_WIN_END)
		return smm ? MK_RAM : MK_ONES;
	if (ts && a >= tb && a < tb + ts)
		return smm ? MK_RAM : MK_ONES;
	if (m->cfg.smram_size && a >= m->cfg.smram_base &&
	    a - m->cfg.smram_base < m->cfg.smram_size)
		return smm ? MK_RAM : MK_ONES;
	if (a >= SMRAM_LOW_BASE && a < SMRAM_LOW_END) {
		bool h = c[MCH_ESMRAMC] & ESMRAMC_H_SMRAME;
		if (smm && (c[MCH_SMRAM] & SMRAM_G_SMRAME) && !h)
			return MK_RAM;
		if ((c[MCH_SMRAM] & SMRAM_D_OPEN) && !h)
			return MK_RAM;
		*host = NULL;
		return MK_ZERO;
	}
	if (a >= LEGACY_BASE && a < ONE_MIB) {
		switch (pam_attr(m, a)) {
		case 0: *host = m->chip.legacy + (a - LEGACY_BASE); return MK_ROM;
		case 1: return MK_RAM_RO;
		default: return MK_RAM;
		}
	}
	if (a < m->cfg.ram_size)
		return MK_RAM;
	*host = NULL;
	return MK_NONE;
}

static void add_cut(uint64_t *cuts, unsigned *n, uint64_t v, uint64_t top)
{
	if (v < top && *n < MEM_MAX_SPANS)
		cuts[(*n)++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void build_view(struct machine *m, bool smm)
{
	uint64_t cuts[MEM_MAX_SPANS], tb, ts;
	uint64_t top = m->cfg.ram_size > ONE_MIB ? m->cfg.ram_size : ONE_MIB;
	unsigned n = 0, k = 0;
	memmap_tseg(m, &tb, &ts);
	add_cut(cuts, &n, 0, top);
	add_cut(cuts, &n, SMBASE_WIN_BASE, top);
	add_cut(cuts, &n, SMBASE_WIN_END, top);
	add_cut(cuts, &n, SMRAM_LOW_BASE, top);
	for (uint64_t a = LEGACY_BASE; a < 0xF0000; a += 0x4000)
		add_cut(cuts, &n, a, top);
	add_cut(cuts, &n, 0xF0000, top);
	add_cut(cuts, &n, ONE_MIB, top);
	if (ts)
		add_cut(cuts, &n, tb, top);
	if (m->cfg.smram_size) {
		add_cut(cuts, &n, m->cfg.smram_base, top);
		add_cut(cuts, &n, m->cfg.smram_base + m->cfg.smram_size, top);
	}
	qsort(cuts, n, sizeof(cuts[0]), cmp_u64);
	struct mem_span *v = m->chip.view[smm];
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = cuts[i], b = i + 1 < n ? cuts[i + 1] : top;
		if (b == a)
			continue;
		v[k].start = a;
		v[k].end = b;
		v[k].kind = kind_at(m, smm, a, &v[k].host);
		k++;
	}
	m->chip.nview[smm] = k;
	m->chip.last_span[smm] = 0;
}

static void rebuild(struct machine *m)
{
	struct chipset *c = &m->chip;
	build_view(m, false);
	build_view(m, true);
	/* Most of the time SMM sees what everyone else sees: then SMM entry
	 * and RSM need not look at the map at all (the SMI path's cost). */
	c->views_equal = c->nview[0] == c->nview[1];
	for (unsigned i = 0; c->views_equal && i < c->nview[0]; i++) {
		const struct mem_span *a = &c->view[0][i], *b = &c->view[1][i];
		c->views_equal = a->start == b->start && a->end == b->end &&
				 a->kind == b->kind && a->host == b->host;
	}
}

/* ------------------------------------------------------------------ */
/* The engine's mapping                                                */
/* ------------------------------------------------------------------ */

static uint64_t ones_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	(void)uc, (void)off, (void)opaque;
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t zero_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	(void)uc, (void)off, (void)size, (void)opaque;
	return 0;
}

static void drop_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value,
		       void *opaque)
{
	(void)uc, (void)off, (void)size, (void)value, (void)opaque;
}

int memmap_map_unassigned(struct machine *m, uint64_t base, uint64_t size)
{
	return uc_mmio_map(m->uc, base, size, zero_read, m, drop_write, m) ? -1 : 0;
}

static bool same_span(const struct mem_span *a, const struct mem_span *b)
{
	return a->start == b->start && a->end == b->end && a->kind == b->kind &&
	       a->host == b->host;
}

static bool in_list(const struct mem_span *s, const struct mem_span *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (same_span(s, &l[i]))
			return true;
	return false;
}

static uc_err map_span(struct machine *m, const struct mem_span *s)
{
	uint64_t len = s->end - s->start;
	switch (s->kind) {
	case MK_RAM: return uc_mem_map_ptr(m->uc, s->start, len, UC_PROT_ALL, s->host);
	case MK_RAM_RO:
	case MK_ROM:
		return uc_mem_map_ptr(m->uc, s->start, len, UC_PROT_READ | UC_PROT_EXEC,
				      s->host);
	case MK_ONES:
		return uc_mmio_map(m->uc, s->start, len, ones_read, m, drop_write, m);
	case MK_ZERO:
		return uc_mmio_map(m->uc, s->start, len, zero_read, m, drop_write, m);
	default: return UC_ERR_OK;
	}
}

/* Make the engine's mapping the view of the CPU's current mode. */
static int apply(struct machine *m)
{
	struct chipset *c = &m->chip;
	const struct mem_span *want = c->view[c->cpu_smm];
	unsigned nwant = c->nview[c->cpu_smm];
	uc_err err = UC_ERR_OK;
	memmap_undo(m);
	for (unsigned i = 0; i < c->napplied && !err; i++) {
		const struct mem_span *s = &c->applied[i];
		if (in_list(s, want, nwant) || s->kind == MK_NONE)
			continue;
		err = uc_mem_unmap(m->uc, s->start, s->end - s->start);
		if (!err)
			err = uc_ctl_remove_cache(m->uc, s->start, s->end);
	}
	for (unsigned i = 0; i < nwant && !err; i++)
		if (!in_list(&want[i], c->applied, c->napplied))
			err = map_span(m, &want[i]);
	if (err) {
		fprintf(m->cfg.log,
			"vsmm run: remapping guest memory failed: "
			"%s\n",
			uc_strerror(err));
		return -1;
	}
	memcpy(c->applied, want, nwant * sizeof(*want));
	c->napplied = nwant;
	c->map_dirty = false;
	return 0;
}

void memmap_changed(struct machine *m)
{
	rebuild(m);
	m->chip.map_dirty = true;
	if (m->uc)
		machine_stop_at_boundary(m);
}

int memmap_sync(struct machine *m)
{
	return m->chip.map_dirty ? apply(m) : 0;
}

int memmap_set_smm(struct machine *m, bool smm)
{
	if ((m->chip.cpu_smm == smm || m->chip.views_equal) && !m->chip.map_dirty) {
		m->chip.cpu_smm = smm;
		return 0;
	}
	m->chip.cpu_smm = smm;
	return apply(m);
}

int memmap_init(struct machine *m)
{
	struct chipset *c = &m->chip;
	c->legacy = calloc(1, LEGACY_SIZE);
	if (!c->legacy) {
		fprintf(m->cfg.log, "vsmm run: out of memory\n");
		return -1;
	}
	/* PCI memory below 1 MiB: pc.rom (zeros) at 0xC0000-0xDFFFF, the
	 * last 128 KiB of the BIOS (all of it if smaller) ending at 1 MiB. */
	memcpy(c->legacy + LEGACY_SIZE - m->isa_bios_size,
	       m->bios + m->bios_size - m->isa_bios_size, m->isa_bios_size);
	rebuild(m);
	return apply(m);
}

void memmap_destroy(struct machine *m)
{
	free(m->chip.legacy);
	m->chip.legacy = NULL;
}

/* ------------------------------------------------------------------ */
/* Dropped writes                                                      */
/* ------------------------------------------------------------------ */

/* The firmware image below 4 GiB, which no view lists (it never changes
 * mapping): filled into *bios when gpa is in it, else NULL. */
static const struct mem_span *bios_span(const struct machine *m, uint64_t gpa,
					struct mem_span *bios)
{
	if (gpa < FOUR_GIB - m->bios_size || gpa >= FOUR_GIB)
		return NULL;
	bios->start = FOUR_GIB - m->bios_size;
	bios->end = FOUR_GIB;
	bios->kind = MK_ROM;
	bios->host = m->bios;
	return bios;
}

/* The span of the CPU's current view (or the BIOS) holding addr. */
static const struct mem_span *cpu_span(struct machine *m, uint64_t addr,
				       struct mem_span *bios)
{
	const struct chipset *c = &m->chip;
	for (unsigned i = 0; i < c->napplied; i++)
		if (addr >= c->applied[i].start && addr < c->applied[i].end)
			return &c->applied[i];
	return bios_span(m, addr, bios);
}

/*
 * Unicorn 2.0.1 stores the bytes into the mapped buffer when this hook
 * returns true (it has no "ignore the write" answer), so the old bytes are
 * saved here and put back before the next instruction runs (the code hook
 * calls memmap_undo), which makes the write a dropped one as on QEMU.
 */
bool memmap_write_prot(struct machine *m, uint64_t addr, int size)
{
	struct mem_span bios;
	const struct mem_span *s = cpu_span(m, addr, &bios);
	struct chipset *c = &m->chip;
	if (!s || (s->kind != MK_ROM && s->kind != MK_RAM_RO) || size <= 0 || size > 8 ||
	    addr + (uint64_t)size > s->end || c->nundo >= MEM_MAX_PENDING)
		return false;
	struct mem_undo *u = &c->undo[c->nundo++];
	u->host = s->host + (addr - s->start);
	u->len = (unsigned)size;
	memcpy(u->old, u->host, u->len);
	return true;
}

void memmap_undo(struct machine *m)
{
	struct chipset *c = &m->chip;
	while (c->nundo) {
		struct mem_undo *u = &c->undo[--c->nundo];
		memcpy(u->host, u->old, u->len);
	}
}

/* ------------------------------------------------------------------ */
/* Host-side accessors                                                 */
/* ------------------------------------------------------------------ */

/* The span of gpa in one view.  The last one found is tried first: the
 * code hook reads the bytes of nearly every instruction it looks at (RSM,
 * RDMSR/WRMSR, the interrupt shadow) from the same few spans. */
static const struct mem_span *view_span(struct machine *m, bool smm, uint64_t gpa,
					struct mem_span *bios)
{
	struct chipset *c = &m->chip;
	const struct mem_span *v = c->view[smm];
	unsigned h = c->last_span[smm];
	if (h < c->nview[smm] && gpa >= v[h].start && gpa < v[h].end)
		return &v[h];
	for (unsigned i = 0; i < c->nview[smm]; i++)
		if (gpa >= v[i].start && gpa < v[i].end) {
			c->last_span[smm] = i;
			return &v[i];
		}
	return bios_span(m, gpa, bios);
}

int machine_phys_read(struct machine *m, bool smm, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;
	memmap_undo(m);
	if (gpa + len < gpa)
		return -1; /* wraps around the address space */
	while (len) {
		struct mem_span bios;
		const struct mem_span *s = view_span(m, smm, gpa, &bios);
		if (!s || s->kind == MK_NONE)
			return -1;
		size_t n = s->end - gpa < len ? (size_t)(s->end - gpa) : len;
		if (s->kind == MK_ONES)
			memset(out, 0xff, n);
		else if (s->kind == MK_ZERO)
			memset(out, 0, n);
		else
			memcpy(out, s->host + (gpa - s->start), n);
		out += n, gpa += n, len -= n;
	}
	return 0;
}

int machine_phys_write(struct machine *m, bool smm, uint64_t gpa, const void *buf,
		       size_t len)
{
	const uint8_t *in = buf;
	memmap_undo(m);
	if (gpa + len < gpa)
		return -1;
	while (len) {
		struct mem_span bios;
		const struct mem_span *s = view_span(m, smm, gpa, &bios);
		if (!s || s->kind == MK_NONE)
			return -1;
		size_t n = s->end - gpa < len ? (size_t)(s->end - gpa) : len;
		if (s->kind == MK_RAM)
			memcpy(s->host + (gpa - s->start), in, n);
		in += n, gpa += n, len -= n;
	}
	return 0;
}
