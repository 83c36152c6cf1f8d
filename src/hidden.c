/* SPDX-License-Identifier: MIT */
/*
 * RSM of an image without hidden segment state: an Intel 64 map that a
 * processor or another tool wrote, without vsmm's records.  A processor
 * keeps the descriptor caches in its own reserved space, which no other
 * writer fills in; vsmm does what a segment load does instead: it reads
 * each selector's descriptor from the GDT or LDT (a linear address,
 * through the image's paging, read with read_phys from the normal address
 * space) and checks it as the load would.  What no table holds keeps the
 * vCPU's value: the GDTR and IDTR limits, and in IA-32e mode the FS and GS
 * bases (IA32_FS_BASE and IA32_GS_BASE, MSRs the map lacks).  Real mode
 * has no descriptors: a load there sets only the base (selector * 16).
 * docs/compat.md states the rule.
 */
#include "core.h"

#define NONE VSMM_REASON_NONE
#define TRY VSMM__TRY

#define PTE_P 0x1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

#define DESC_S (1u << 12) /* code/data (1) or system (0), high dword */
#define DESC_P (1u << 15)
#define DESC_G (1u << 23)

/* The attributes a virtual-8086 mode segment load gives (present,
 * DPL 3, read/write accessed data). */
#define V86_ATTR 0xf3u

static int read_pa(struct vsmm__rsm *r, uint64_t pa, uint8_t *buf, size_t len)
{
	const struct vsmm_vcpu *v = r->vcpu;

	return v->ops->read_phys(v->ctx, false, pa, buf, len);
}

/* 32-bit paging: a page directory, 4 MiB pages with CR4.PSE. */
static int translate_32(struct vsmm__rsm *r, uint32_t la, uint64_t *pa)
{
	uint8_t b[4];
	uint32_t e;

	if (read_pa(r, (r->img.cr3 & 0xfffff000u) + 4u * (la >> 22), b, 4))
		return -1;
	e = vsmm__ld32(b);
	if (!(e & PTE_P))
		return -1;
	if ((e & PTE_PS) && (r->img.cr4 & VSMM_CR4_PSE)) {
		*pa = (e & 0xffc00000u) | (la & 0x3fffffu);
		return 0;
	}
	if (read_pa(r, (e & 0xfffff000u) + 4u * ((la >> 12) & 0x3ffu), b, 4))
		return -1;
	e = vsmm__ld32(b);
	if (!(e & PTE_P))
		return -1;
	*pa = (e & 0xfffff000u) | (la & 0xfffu);
	return 0;
}

/*
 * A linear address of the interrupted context to a physical one, through
 * the image's CR0/CR4/EFER/CR3 (SDM Vol.3A "Paging"): none, 32-bit, PAE,
 * 4- or 5-level.  -1 for a failed read or an entry that is not present.
 */
static int translate(struct vsmm__rsm *r, uint64_t la, uint64_t *pa)
{
	const struct vsmm__rsm_image *img = &r->img;
	bool lma = (img->efer & VSMM_EFER_LMA) != 0;
	uint64_t table, e;
	uint8_t b[8];
	int levels;

	if (!(img->cr0 & VSMM_CR0_PG)) {
		*pa = lma ? la : la & 0xffffffffu;
		return 0;
	}
	if (lma) {
		levels = (img->cr4 & VSMM_CR4_LA57) ? 5 : 4;
		table = img->cr3 & PTE_ADDR;
	} else if (img->cr4 & VSMM_CR4_PAE) {
		la &= 0xffffffffu;
		if (read_pa(r, (img->cr3 & 0xffffffe0u) + 8 * ((la >> 30) & 3), b, 8))
			return -1;
		e = vsmm__ld64(b);
		if (!(e & PTE_P))
			return -1;
		table = e & PTE_ADDR;
		levels = 2;
	} else {
		return translate_32(r, (uint32_t)la, pa);
	}
	for (int l = levels; l >= 1; l--) {
		unsigned shift = 12 + 9 * (unsigned)(l - 1);

		if (read_pa(r, table + 8 * ((la >> shift) & 511), b, 8))
			return -1;
		e = vsmm__ld64(b);
		if (!(e & PTE_P))
			return -1;
		/* A large page at the PDPT (1 GiB) or PD (2 MiB) level. */
		if (l == 1 || (l <= 3 && (e & PTE_PS))) {
			uint64_t off = (1ull << shift) - 1;

			*pa = (e & PTE_ADDR & ~off) | (la & off);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -1;
}

/* len bytes at a linear address, one page at a time. */
static int read_linear(struct vsmm__rsm *r, uint64_t la, uint8_t *buf, size_t len)
{
	while (len) {
		size_t n = 0x1000 - (size_t)(la & 0xfff);
		uint64_t pa;

		if (n > len)
			n = len;
		if (translate(r, la, &pa) || read_pa(r, pa, buf, n))
			return -1;
		la += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static enum vsmm_reason reject_sel(struct vsmm__rsm *r, enum vsmm_reason why,
				   unsigned sreg)
{
	return vsmm__reject(r, why, VSMM__REG_FIELD(SEL, sreg),
			    r->next.state.seg[sreg].selector);
}

/*
 * The descriptor of a segment register's selector, as a segment load
 * reads it: from the LDT if the selector's TI bit says so (LDTR must be
 * usable), else from the GDT; inside the table's limit; present.  A
 * system descriptor (LDT, TSS) in IA-32e mode is 16 bytes: its base has
 * 64 bits.
 */
static enum vsmm_reason load_desc(struct vsmm__rsm *r, unsigned sreg)
{
	struct vsmm_seg *g = &r->next.state.seg[sreg];
	bool lma = (r->img.efer & VSMM_EFER_LMA) != 0;
	bool ldt = (g->selector & 4) && sreg != VSMM_LDTR && sreg != VSMM_TR;
	const struct vsmm_seg *ldtr = &r->next.state.seg[VSMM_LDTR];
	uint64_t table = ldt ? ldtr->base : r->next.state.gdtr.base;
	uint64_t limit = ldt ? ldtr->limit : r->next.state.gdtr.limit;
	uint64_t off = g->selector & ~7u;
	uint8_t d[16];

	if ((ldt && !(ldtr->attr & VSMM_SEG_P)) || off + 7 > limit)
		return reject_sel(r, VSMM_REASON_DESC_LIMIT, sreg);
	if (read_linear(r, table + off, d, 8))
		return reject_sel(r, VSMM_REASON_DESC_READ, sreg);
	uint32_t lo = vsmm__ld32(d), hi = vsmm__ld32(d + 4);
	if (!(hi & DESC_P))
		return reject_sel(r, VSMM_REASON_DESC_NOT_PRESENT, sreg);
	uint32_t raw = (lo & 0xffffu) | (hi & 0xf0000u);
	g->attr = (uint16_t)((hi >> 8) & VSMM_SEG_ATTR_MASK);
	g->limit = (hi & DESC_G) ? raw << 12 | 0xfffu : raw;
	uint64_t base = (lo >> 16) | (hi & 0xffu) << 16 | (hi & 0xff000000u);
	if (lma && !(hi & DESC_S)) {
		if (off + 15 > limit)
			return reject_sel(r, VSMM_REASON_DESC_LIMIT, sreg);
		if (read_linear(r, table + off + 8, d + 8, 8))
			return reject_sel(r, VSMM_REASON_DESC_READ, sreg);
		base |= (uint64_t)vsmm__ld32(d + 8) << 32;
	}
	/* The map holds the LDT base itself: it wins over the descriptor. */
	if (sreg != VSMM_LDTR)
		g->base = base;
	return NONE;
}

/* A null selector (index 0 in the GDT) loads an unusable segment; SS
 * keeps its RPL as DPL, the CPL (IA-32e mode allows a null SS). */
static bool load_null(struct vsmm__rsm *r, unsigned sreg)
{
	struct vsmm_seg *g = &r->next.state.seg[sreg];

	if (g->selector & ~3u)
		return false;
	g->attr = sreg == VSMM_SS ? (uint16_t)((g->selector & 3u) << VSMM_SEG_DPL_SHIFT)
				  : 0;
	g->limit = 0;
	if (sreg != VSMM_LDTR)
		g->base = 0;
	return true;
}

static enum vsmm_reason load_protected(struct vsmm__rsm *r)
{
	bool v86 = (r->next.state.rflags & VSMM_RFLAGS_VM) &&
		   !(r->img.efer & VSMM_EFER_LMA);

	/* LDTR first: selectors with TI=1 are looked up in its table. */
	if (!load_null(r, VSMM_LDTR))
		TRY(load_desc(r, VSMM_LDTR));
	TRY(load_desc(r, VSMM_TR));
	for (unsigned i = VSMM_ES; i <= VSMM_GS; i++) {
		struct vsmm_seg *g = &r->next.state.seg[i];

		if (v86) {
			*g = (struct vsmm_seg){ g->selector, V86_ATTR, 0xffff,
						(uint64_t)g->selector << 4 };
			continue;
		}
		if (!load_null(r, i))
			TRY(load_desc(r, i));
	}
	if (r->img.efer & VSMM_EFER_LMA) {
		r->next.state.seg[VSMM_FS].base = r->vcpu->state.seg[VSMM_FS].base;
		r->next.state.seg[VSMM_GS].base = r->vcpu->state.seg[VSMM_GS].base;
	}
	return NONE;
}

/* Real mode: a segment load sets the base only; the limits and attributes
 * stay what the vCPU has, and so do LDTR and TR (no LLDT/LTR there). */
static void load_real(struct vsmm__rsm *r)
{
	const struct vsmm_cpu_state *now = &r->vcpu->state;

	for (unsigned i = VSMM_ES; i <= VSMM_GS; i++) {
		struct vsmm_seg *g = &r->next.state.seg[i];

		g->base = (uint64_t)g->selector << 4;
		g->limit = now->seg[i].limit;
		g->attr = now->seg[i].attr;
	}
	r->next.state.seg[VSMM_LDTR].attr = now->seg[VSMM_LDTR].attr;
	r->next.state.seg[VSMM_LDTR].limit = now->seg[VSMM_LDTR].limit;
	r->next.state.seg[VSMM_TR].attr = now->seg[VSMM_TR].attr;
	r->next.state.seg[VSMM_TR].limit = now->seg[VSMM_TR].limit;
	r->next.state.seg[VSMM_TR].base = now->seg[VSMM_TR].base;
}

int vsmm__rsm_hidden_state(struct vsmm__rsm *r)
{
	if (!vsmm__rsm_can_read(r))
		return VSMM_E_NO_MEMORY;
	r->next.state.gdtr.limit = r->vcpu->state.gdtr.limit;
	r->next.state.idtr.limit = r->vcpu->state.idtr.limit;
	if (!(r->img.cr0 & VSMM_CR0_PE)) {
		load_real(r);
		return VSMM_OK;
	}
	return load_protected(r) == NONE ? VSMM_OK : VSMM_E_SHUTDOWN;
}
