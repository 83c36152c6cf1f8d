/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_platform.h"

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

static struct tp_page *page(struct tp *tp, bool smm, uint64_t gpa, bool create)
{
	uint64_t base = gpa & ~0xfffull;

	for (unsigned i = 0; i < tp->npages; i++) {
		if (tp->pages[i].smm == smm && tp->pages[i].base == base)
			return &tp->pages[i];
	}
	if (!create || tp->npages == TP_PAGES)
		return NULL;
	struct tp_page *p = &tp->pages[tp->npages++];
	p->smm = smm;
	p->base = base;
	memset(p->data, 0, sizeof(p->data));
	return p;
}

/* Copy in page-sized chunks; unbacked memory reads as zero. */
static void copy(struct tp *tp, bool smm, uint64_t gpa, uint8_t *buf,
		 size_t len, bool write)
{
	while (len) {
		size_t off = gpa & 0xfff, n = 4096 - off;
		if (n > len)
			n = len;
		struct tp_page *p = page(tp, smm, gpa, write);
		if (write && p)
			memcpy(p->data + off, buf, n);
		else if (!write && p)
			memcpy(buf, p->data + off, n);
		else if (!write)
			memset(buf, 0, n);
		gpa += n;
		buf += n;
		len -= n;
	}
}

void tp_poke(struct tp *tp, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	copy(tp, smm, gpa, (uint8_t *)(uintptr_t)buf, len, true);
}

void tp_peek(struct tp *tp, bool smm, uint64_t gpa, void *buf, size_t len)
{
	copy(tp, smm, gpa, buf, len, false);
}

/* ---------------------------------------------------------------------- */
/* Callbacks                                                               */
/* ---------------------------------------------------------------------- */

/* Log the call; return -1 if this call is meant to fail. */
static int record(struct tp *tp, enum tp_kind kind, bool smm, uint64_t gpa,
		  size_t len)
{
	unsigned index = tp->ncalls++;

	if (index < TP_LOG)
		tp->log[index] = (struct tp_call){ kind, smm, gpa, len };
	if ((int)index == tp->fail_call || (tp->fail_kinds & (1u << kind)))
		return -1;
	return 0;
}

static int tp_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	struct tp *tp = ctx;

	if (record(tp, TP_READ, smm, gpa, len))
		return -1;
	tp_peek(tp, smm, gpa, buf, len);
	return 0;
}

static int tp_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	struct tp *tp = ctx;

	if (record(tp, TP_WRITE, smm, gpa, len))
		return -1;
	tp_poke(tp, smm, gpa, buf, len);
	return 0;
}

static int tp_smm_changed(void *ctx, struct vsmm_vcpu *vcpu, bool entering)
{
	(void)vcpu;
	return record(ctx, TP_SMM_CHANGED, entering, 0, 0);
}

static int tp_nested_leave(void *ctx, struct vsmm_vcpu *vcpu)
{
	struct tp *tp = ctx;

	if (record(tp, TP_NESTED_LEAVE, false, 0, 0))
		return -1;
	if (tp->l1) {
		/* A VMM loads L1's registers; the event state is the vCPU's. */
		struct vsmm_cpu_state l1 = *tp->l1;
		l1.smi_pending = vcpu->state.smi_pending;
		l1.nmi_masked = vcpu->state.nmi_masked;
		l1.guest_mode = vcpu->state.guest_mode;
		vcpu->state = l1;
	}
	return 0;
}

static int tp_nested_enter(void *ctx, struct vsmm_vcpu *vcpu, uint64_t vmcb12)
{
	(void)vcpu;
	return record(ctx, TP_NESTED_ENTER, false, vmcb12, 0);
}

const struct vsmm_platform_ops tp_ops = {
	.read_phys = tp_read,
	.write_phys = tp_write,
	.smm_changed = tp_smm_changed,
	.nested_leave = tp_nested_leave,
	.nested_enter = tp_nested_enter,
};

struct tp *tp_new(void)
{
	struct tp *tp = calloc(1, sizeof(*tp));

	if (tp)
		tp_reset(tp);
	return tp;
}

void tp_free(struct tp *tp)
{
	free(tp);
}

void tp_reset(struct tp *tp)
{
	tp->npages = 0;
	tp->ncalls = 0;
	tp->fail_call = -1;
	tp->fail_kinds = 0;
	tp->l1 = NULL;
}

unsigned tp_count(const struct tp *tp, enum tp_kind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < tp->ncalls && i < TP_LOG; i++)
		n += tp->log[i].kind == kind;
	return n;
}

void tp_vcpu_init(struct tp_vcpu *v, enum vsmm_vendor vendor, bool long_mode,
		  enum vsmm_semantics semantics)
{
	if (!v->tp)
		v->tp = tp_new();
	else
		tp_reset(v->tp);
	vsmm_model_preset(&v->model, vendor, long_mode);
	vsmm_vcpu_init(&v->vcpu, &v->model, &tp_ops, v->tp);
	vsmm_vcpu_set_semantics(&v->vcpu, semantics);
}

/* ---------------------------------------------------------------------- */
/* States                                                                  */
/* ---------------------------------------------------------------------- */

/* A flat segment: 4 GiB with G=1; 64 KiB without (a limit the G bit
 * cannot express is no state a CPU holds). */
static struct vsmm_seg flat(uint16_t sel, uint16_t attr)
{
	return (struct vsmm_seg){ .selector = sel, .attr = attr,
				  .limit = (attr & VSMM_SEG_G) ? 0xffffffffu : 0xffffu,
				  .base = 0 };
}

#define CODE32 (VSMM_SEG_P | VSMM_SEG_S | 0xbu | VSMM_SEG_DB | VSMM_SEG_G)
#define DATA32 (VSMM_SEG_P | VSMM_SEG_S | 0x3u | VSMM_SEG_DB | VSMM_SEG_G)
#define CODE64 (VSMM_SEG_P | VSMM_SEG_S | 0xbu | VSMM_SEG_L | VSMM_SEG_G)
#define CODE16 (VSMM_SEG_P | VSMM_SEG_S | 0xbu)
#define DATA16 (VSMM_SEG_P | VSMM_SEG_S | 0x3u)

/* Protected-mode descriptor tables and TR/LDTR every mode shares. */
static void prot_tables(struct vsmm_cpu_state *st)
{
	st->gdtr = (struct vsmm_dtable){ 0x1000, 0x7f };
	st->idtr = (struct vsmm_dtable){ 0x2000, 0xfff };
	st->seg[VSMM_TR] = (struct vsmm_seg){ 0x28, VSMM_SEG_P | 0xbu, 0x67, 0x3000 };
	st->seg[VSMM_LDTR] = (struct vsmm_seg){ 0x30, VSMM_SEG_P | 0x2u, 0xff, 0x4000 };
}

void tp_state_mode(struct vsmm_cpu_state *st, enum tp_mode mode)
{
	uint16_t code = CODE32, data = DATA32;

	vsmm_cpu_state_reset(st);
	st->cr0 = VSMM_CR0_ET | VSMM_CR0_NE;
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		st->gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1) & 0xffffffffu;
	st->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF;
	if (mode == TP_REAL) {
		st->rip = 0x1234;
		st->seg[VSMM_CS] = (struct vsmm_seg){ 0x1000, CODE16, 0xffff, 0x10000 };
		return;
	}
	prot_tables(st);
	st->cr0 |= VSMM_CR0_PE;
	st->rip = 0x00401000;
	if (mode == TP_PROT16) {
		code = CODE16;
		data = DATA16;
	}
	if (mode == TP_PAE) {
		st->cr0 |= VSMM_CR0_PG;
		st->cr4 = VSMM_CR4_PAE;
		st->cr3 = 0x00105000 | 0x18; /* PWT|PCD in the low bits */
	}
	if (mode == TP_LONG || mode == TP_LONG_PCID) {
		st->cr0 |= VSMM_CR0_PG;
		st->cr4 = VSMM_CR4_PAE | VSMM_CR4_PGE;
		st->cr3 = 0x00106000;
		st->efer = VSMM_EFER_LME | VSMM_EFER_LMA | VSMM_EFER_NXE | VSMM_EFER_SCE;
		st->rip = 0xffffffff81000000ull;
		for (int i = 0; i < VSMM_GPR_COUNT; i++)
			st->gpr[i] |= (uint64_t)(i + 0x10) << 40;
		code = CODE64;
		st->seg[VSMM_FS].base = 0x00007f0012345000ull;
	}
	if (mode == TP_LONG_PCID) {
		st->cr4 |= VSMM_CR4_PCIDE;
		st->cr3 |= 0x5a;
	}
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		uint64_t base = st->seg[i].base;
		st->seg[i] = flat(0x10, data);
		st->seg[i].base = base;
	}
	st->seg[VSMM_CS] = flat(0x08, code);
}

static uint64_t field_gpa(struct tp_vcpu *v, const char *name, unsigned *size)
{
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&v->vcpu));
	const struct vsmm_field_desc *f = vsmm_layout_field(d, name);

	if (!f) {
		fprintf(stderr, "layout %s has no field %s\n", d ? d->name : "?", name);
		abort();
	}
	*size = f->size;
	return (uint64_t)v->vcpu.state.smbase + 0x8000 + f->offset;
}

uint64_t tp_image_get(struct tp_vcpu *v, const char *name)
{
	unsigned size;
	uint64_t gpa = field_gpa(v, name, &size);
	uint8_t b[8] = { 0 };
	uint64_t value = 0;

	tp_peek(v->tp, true, gpa, b, size);
	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)b[i] << (8 * i);
	return value;
}

void tp_image_set(struct tp_vcpu *v, const char *name, uint64_t value)
{
	unsigned size;
	uint64_t gpa = field_gpa(v, name, &size);
	uint8_t b[8];

	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(value >> (8 * i));
	tp_poke(v->tp, true, gpa, b, size);
}
