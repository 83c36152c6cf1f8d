/* SPDX-License-Identifier: MIT */
/*
 * The cmocka helpers of testlib.h: a vCPU bound to a preset model and the
 * platform, the catalogue's states for it, its image by field name, and
 * the one teardown.
 */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

/* Every vCPU tp_vcpu_init() bound, for tp_teardown(). */
#define TP_BOUND_MAX 16
static struct tp_vcpu *bound[TP_BOUND_MAX];
static unsigned nbound;

static void remember(struct tp_vcpu *v)
{
	for (unsigned i = 0; i < nbound; i++)
		if (bound[i] == v)
			return;
	if (nbound == TP_BOUND_MAX) {
		fprintf(stderr, "tp_vcpu_init: more than %d vCPUs\n", TP_BOUND_MAX);
		abort();
	}
	bound[nbound++] = v;
}

void tp_vcpu_init(struct tp_vcpu *v, enum vsmm_vendor vendor, bool long_mode,
		  enum vsmm_semantics semantics)
{
	if (!v->mem) {
		v->mem = malloc(sizeof(*v->mem));
		if (!v->mem) {
			fprintf(stderr, "tp_vcpu_init: out of memory\n");
			abort();
		}
	}
	fz_mem_reset(v->mem);
	remember(v);
	if (vsmm_model_preset(&v->model, vendor, long_mode) != VSMM_OK ||
	    vsmm_vcpu_init(&v->vcpu, &v->model, &fz_platform_ops, v->mem) != VSMM_OK ||
	    vsmm_vcpu_set_semantics(&v->vcpu, semantics) != VSMM_OK) {
		fprintf(stderr, "tp_vcpu_init: vsmm refused a preset\n");
		abort();
	}
}

void tp_state(struct tp_vcpu *v, enum fz_state_kind kind)
{
	if (!fz_state_build(kind, &v->model, v->mem, &v->vcpu.state)) {
		fprintf(stderr, "tp_state: the model cannot be in state %s\n",
			fz_state_names[kind]);
		abort();
	}
}

int tp_teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < nbound; i++) {
		free(bound[i]->mem);
		bound[i]->mem = NULL;
	}
	nbound = 0;
	return 0;
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

	fz_mem_read_view(v->mem, true, gpa, b, size);
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
	if (!fz_mem_poke(v->mem, gpa, b, size, true)) {
		fprintf(stderr, "tp_image_set: memory full\n");
		abort();
	}
}
