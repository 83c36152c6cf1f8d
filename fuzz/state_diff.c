/* SPDX-License-Identifier: MIT */
/*
 * The first difference between two vCPU states, named field by field: the
 * one comparison the fuzz targets and the cmocka suites (TP_ASSERT_SAME_STATE
 * in tests/test_platform.h) share.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fuzz.h"

static char diff_buf[256];

#define DIFF(name, x, y)                                                       \
	do {                                                                   \
		if ((uint64_t)(x) != (uint64_t)(y)) {                          \
			snprintf(diff_buf, sizeof(diff_buf),                   \
				 "%s: %#" PRIx64 " vs %#" PRIx64, name,        \
				 (uint64_t)(x), (uint64_t)(y));                \
			return diff_buf;                                       \
		}                                                              \
	} while (0)

static const char *diff_arch(const struct vsmm_cpu_state *a,
			     const struct vsmm_cpu_state *b)
{
	static const char *const sreg[VSMM_SREG_COUNT] = {
		"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr",
	};
	char name[32];

	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++) {
		snprintf(name, sizeof(name), "gpr[%u]", i);
		DIFF(name, a->gpr[i], b->gpr[i]);
	}
	DIFF("rip", a->rip, b->rip);
	DIFF("rflags", a->rflags, b->rflags);
	DIFF("cr0", a->cr0, b->cr0);
	DIFF("cr2", a->cr2, b->cr2);
	DIFF("cr3", a->cr3, b->cr3);
	DIFF("cr4", a->cr4, b->cr4);
	DIFF("efer", a->efer, b->efer);
	DIFF("dr6", a->dr6, b->dr6);
	DIFF("dr7", a->dr7, b->dr7);
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
	DIFF("gdtr.base", a->gdtr.base, b->gdtr.base);
	DIFF("gdtr.limit", a->gdtr.limit, b->gdtr.limit);
	DIFF("idtr.base", a->idtr.base, b->idtr.base);
	DIFF("idtr.limit", a->idtr.limit, b->idtr.limit);
	DIFF("smbase", a->smbase, b->smbase);
	return NULL;
}

static const char *diff_events(const struct vsmm_cpu_state *a,
			       const struct vsmm_cpu_state *b)
{
	DIFF("smm", a->smm, b->smm);
	DIFF("nmi_masked", a->nmi_masked, b->nmi_masked);
	DIFF("smm_inside_nmi", a->smm_inside_nmi, b->smm_inside_nmi);
	DIFF("smi_pending", a->smi_pending, b->smi_pending);
	DIFF("init_latched", a->init_latched, b->init_latched);
	DIFF("nmi_pending", a->nmi_pending, b->nmi_pending);
	DIFF("shutdown", a->shutdown, b->shutdown);
	DIFF("halted", a->halted, b->halted);
	DIFF("int_shadow", a->int_shadow, b->int_shadow);
	return NULL;
}

static const char *diff_nested(const struct vsmm_cpu_state *a,
			       const struct vsmm_cpu_state *b)
{
	DIFF("vmx_on", a->vmx_on, b->vmx_on);
	DIFF("guest_mode", a->guest_mode, b->guest_mode);
	DIFF("svm_vmcb12", a->svm_vmcb12, b->svm_vmcb12);
	return NULL;
}

const char *fz_state_diff(const struct vsmm_cpu_state *a,
			  const struct vsmm_cpu_state *b, unsigned groups)
{
	const char *d = NULL;

	if ((groups & FZ_CMP_ARCH) && (d = diff_arch(a, b)))
		return d;
	if ((groups & FZ_CMP_EVENTS) && (d = diff_events(a, b)))
		return d;
	if ((groups & FZ_CMP_NESTED) && (d = diff_nested(a, b)))
		return d;
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
