/* SPDX-License-Identifier: MIT */
/*
 * The first difference between two vCPU states, named field by field: the
 * one comparison the fuzz targets and the cmocka suites (TP_ASSERT_SAME_STATE
 * in testlib.h) share.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static char diff_buf[256];

#define DIFF(name, x, y) \
	do { \
		if ((uint64_t)(x) != (uint64_t)(y)) { \
			snprintf(diff_buf, sizeof(diff_buf), \
				 "%s: %#" PRIx64 " vs %#" PRIx64, name, (uint64_t)(x), \
				 (uint64_t)(y)); \
			return diff_buf; \
		} \
	} while (0)

/* The scalar members of struct vsmm_cpu_state, each in its group (the
 * GPRs and segments, arrays, are walked in diff_arrays). */
struct member {
	const char *name;
	size_t offset, size;
	unsigned group;
};

#define M(group, m) \
	{ \
#m, offsetof(struct vsmm_cpu_state, m), \
			sizeof(((struct vsmm_cpu_state *)0)->m), group \
	}

static const struct member members[] = {
	M(FZ_CMP_ARCH, rip),
	M(FZ_CMP_ARCH, rflags),
	M(FZ_CMP_ARCH, cr0),
	M(FZ_CMP_ARCH, cr2),
	M(FZ_CMP_ARCH, cr3),
	M(FZ_CMP_ARCH, cr4),
	M(FZ_CMP_ARCH, efer),
	M(FZ_CMP_ARCH, dr6),
	M(FZ_CMP_ARCH, dr7),
	M(FZ_CMP_ARCH, gdtr.base),
	M(FZ_CMP_ARCH, gdtr.limit),
	M(FZ_CMP_ARCH, idtr.base),
	M(FZ_CMP_ARCH, idtr.limit),
	M(FZ_CMP_ARCH, smbase),
	M(FZ_CMP_EVENTS, smm),
	M(FZ_CMP_EVENTS, nmi_masked),
	M(FZ_CMP_EVENTS, smm_inside_nmi),
	M(FZ_CMP_EVENTS, smi_pending),
	M(FZ_CMP_EVENTS, init_latched),
	M(FZ_CMP_EVENTS, nmi_pending),
	M(FZ_CMP_EVENTS, shutdown),
	M(FZ_CMP_EVENTS, halted),
	M(FZ_CMP_EVENTS, int_shadow),
	M(FZ_CMP_NESTED, vmx_on),
	M(FZ_CMP_NESTED, guest_mode),
	M(FZ_CMP_NESTED, svm_vmcb12),
};

/* A member's value, whatever its width (bool, uint8_t ... uint64_t). */
static uint64_t member_value(const struct vsmm_cpu_state *s, const struct member *m)
{
	const unsigned char *p = (const unsigned char *)s + m->offset;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (m->size) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	default: memcpy(&v64, p, 8); return v64;
	}
}

static const char *diff_arrays(const struct vsmm_cpu_state *a,
			       const struct vsmm_cpu_state *b)
{
	static const char *const sreg[VSMM_SREG_COUNT] = VSMM_SREG_NAMES;
	char name[32];

	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++) {
		snprintf(name, sizeof(name), "gpr[%u]", i);
		DIFF(name, a->gpr[i], b->gpr[i]);
	}
	for (unsigned r = 0; r < VSMM_SREG_COUNT; r++) {
		snprintf(name, sizeof(name), "%s.selector", sreg[r]);
		DIFF(name, a->seg[r].selector, b->seg[r].selector);
		snprintf(name, sizeof(name), "%s.attr", sreg[r]);
		DIFF(name, a->seg[r].attr, b->seg[r].attr);
		snprintf(name, sizeof(name), "%s.limit", sreg[r]);
		DIFF(name, a->seg[r].limit, b->seg[r].limit);
		snprintf(name, sizeof(name), "%s.base", sreg[r]);
		DIFF(name, a->seg[r].base, b->seg[r].base);
	}
	return NULL;
}

const char *fz_state_diff(const struct vsmm_cpu_state *a, const struct vsmm_cpu_state *b,
			  unsigned groups)
{
	const char *d;

	if ((groups & FZ_CMP_ARCH) && (d = diff_arrays(a, b)))
		return d;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const struct member *m = &members[i];

		if (groups & m->group)
			DIFF(m->name, member_value(a, m), member_value(b, m));
	}
	return NULL;
}

const char *fz_vcpu_diff(const struct vsmm_vcpu *a, const struct vsmm_vcpu *b)
{
	const char *d = fz_state_diff(&a->state, &b->state, FZ_CMP_ALL);

	if (d)
		return d;
	DIFF("semantics", a->semantics, b->semantics);
	DIFF("smi_count", a->smi_count, b->smi_count);
	DIFF("last_shutdown.reason", a->last_shutdown.reason, b->last_shutdown.reason);
	DIFF("last_shutdown.offset", a->last_shutdown.offset, b->last_shutdown.offset);
	DIFF("last_shutdown.value", a->last_shutdown.value, b->last_shutdown.value);
	DIFF("priv.smm_vmxon", a->priv.smm_vmxon, b->priv.smm_vmxon);
	DIFF("priv.smm_guest_mode", a->priv.smm_guest_mode, b->priv.smm_guest_mode);
	DIFF("priv.hw_vmxe", a->priv.hw_vmxe, b->priv.hw_vmxe);
	DIFF("priv.smi_halted", a->priv.smi_halted, b->priv.smi_halted);
	DIFF("priv.io_valid", a->priv.io_valid, b->priv.io_valid);
	DIFF("priv.io_insn_rip", a->priv.io_insn_rip, b->priv.io_insn_rip);
	return NULL;
}

void fz_check_shutdown(const struct vsmm_cpu_state *before, const struct vsmm_vcpu *v)
{
	struct vsmm_cpu_state expect = *before;
	enum vsmm_reason reason = v->last_shutdown.reason;
	const char *diff;

	expect.shutdown = true;
	diff = fz_state_diff(&expect, &v->state, FZ_CMP_ALL);
	FZ_CHECK(diff == NULL, "shutdown changed the state: %s", diff);
	FZ_CHECK(reason > VSMM_REASON_NONE && reason < VSMM_REASON_COUNT &&
			 strcmp(vsmm_reason_name(reason), "UNKNOWN") != 0,
		 "shutdown without a reason (%d)", (int)reason);
}

void fz_check_rsm_events(const struct vsmm_cpu_state *b, const struct vsmm_cpu_state *s)
{
	FZ_CHECK(s->smi_pending == b->smi_pending && s->init_latched == b->init_latched &&
			 s->nmi_pending == b->nmi_pending,
		 "RSM changed pending events");
	FZ_CHECK(s->nmi_masked == (b->smm_inside_nmi && b->nmi_masked),
		 "NMI mask after RSM %d (inside_nmi=%d, mask in SMM=%d)", s->nmi_masked,
		 b->smm_inside_nmi, b->nmi_masked);
}
