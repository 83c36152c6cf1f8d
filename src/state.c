/* SPDX-License-Identifier: MIT */
/*
 * The architectural reset state, CPU model presets and vCPU binding.
 */
#include <string.h>

#include "core.h"
#include "cpu/vendor.h"

/* Segment attribute words used below (VSMM_SEG_* bits). */
#define ATTR_CODE_RX_A (VSMM_SEG_P | VSMM_SEG_S | 0xbu) /* 0x9b */
#define ATTR_LDT (VSMM_SEG_P | 0x2u)			/* 0x82 */
#define ATTR_TSS_BUSY (VSMM_SEG_P | 0xbu)		/* 0x8b */

static struct vsmm_seg seg(uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
	return (struct vsmm_seg){
		.selector = sel, .attr = attr, .limit = limit, .base = base
	};
}

/* SDM Vol.3A 10.1.1, table "IA-32 and Intel 64 Processor States Following
 * Power-up, Reset, or INIT". */
void vsmm_cpu_state_reset(struct vsmm_cpu_state *state)
{
	if (!state)
		return;
	memset(state, 0, sizeof(*state));
	state->rip = 0xfff0;
	state->rflags = VSMM_RFLAGS_FIXED;
	state->cr0 = 0x60000010u; /* CD, NW, ET */
	state->dr6 = VSMM_DR6_FIXED_1;
	state->dr7 = VSMM_DR7_FIXED_1;
	for (int i = VSMM_ES; i <= VSMM_GS; i++)
		state->seg[i] = seg(0, 0, 0xffff, VSMM__SEG_DATA_RW_A);
	state->seg[VSMM_CS] = seg(0xf000, 0xffff0000u, 0xffff, ATTR_CODE_RX_A);
	state->seg[VSMM_LDTR] = seg(0, 0, 0xffff, ATTR_LDT);
	state->seg[VSMM_TR] = seg(0, 0, 0xffff, ATTR_TSS_BUSY);
	state->gdtr.limit = 0xffff;
	state->idtr.limit = 0xffff;
	state->smbase = VSMM_DEFAULT_SMBASE;
}

/* ---------------------------------------------------------------------- */
/* CPU models                                                              */
/* ---------------------------------------------------------------------- */

#define FEAT_COMMON \
	(VSMM_FEAT_VME | VSMM_FEAT_DE | VSMM_FEAT_PSE | VSMM_FEAT_TSC | VSMM_FEAT_PAE | \
	 VSMM_FEAT_MCE | VSMM_FEAT_PGE | VSMM_FEAT_FXSR | VSMM_FEAT_SSE | \
	 VSMM_FEAT_UMIP | VSMM_FEAT_FSGSBASE | VSMM_FEAT_PCID | VSMM_FEAT_XSAVE | \
	 VSMM_FEAT_SMEP | VSMM_FEAT_SMAP | VSMM_FEAT_PKU | VSMM_FEAT_NX | \
	 VSMM_FEAT_SYSCALL | VSMM_FEAT_PCE)

/* The vendor tables (src/cpu/) carry the names: one place for them. */
static const struct vsmm__vendor_ops *vendor_ops(enum vsmm_vendor vendor)
{
	const struct vsmm_model m = { .vendor = vendor };
	return vsmm__vendor_get(&m);
}

const char *vsmm_vendor_name(enum vsmm_vendor vendor)
{
	const struct vsmm__vendor_ops *v = vendor_ops(vendor);
	return v ? v->name : NULL;
}

int vsmm_vendor_from_name(const char *name, enum vsmm_vendor *out)
{
	static const enum vsmm_vendor all[] = { VSMM_VENDOR_INTEL, VSMM_VENDOR_AMD };
	if (!name || !out)
		return VSMM_E_INVAL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, vsmm_vendor_name(all[i])) == 0) {
			*out = all[i];
			return VSMM_OK;
		}
	}
	return VSMM_E_INVAL;
}

int vsmm_model_preset(struct vsmm_model *model, enum vsmm_vendor vendor, bool long_mode)
{
	if (!model)
		return VSMM_E_INVAL;
	struct vsmm_model m = { .vendor = vendor,
				.long_mode = long_mode,
				.layout = VSMM_LAYOUT_AUTO,
				.features = FEAT_COMMON };
	switch (vendor) {
	case VSMM_VENDOR_INTEL:
		m.maxphyaddr = 46;
		m.features |= VSMM_FEAT_VMX;
		break;
	case VSMM_VENDOR_AMD:
		m.maxphyaddr = 48;
		m.features |= VSMM_FEAT_SVM | VSMM_FEAT_FFXSR;
		break;
	default: return VSMM_E_INVAL;
	}
	/* PCIDE can only be set in IA-32e mode: KVM hides PCID without LM. */
	if (!long_mode)
		m.features &= ~VSMM_FEAT_PCID;
	*model = m;
	return VSMM_OK;
}

enum vsmm_layout vsmm_model_layout(const struct vsmm_model *model,
				   enum vsmm_semantics semantics)
{
	if (!model)
		return VSMM_LAYOUT_AUTO;
	return vsmm__model_layout(model, vsmm__rules_get(semantics),
				  vsmm__vendor_get(model));
}

static bool model_valid(const struct vsmm_model *model)
{
	return vsmm__vendor_get(model) && model->maxphyaddr >= 32 &&
	       model->maxphyaddr <= 52 && (unsigned)model->layout < VSMM_LAYOUT_COUNT;
}

/* ---------------------------------------------------------------------- */
/* The vCPU                                                                */
/* ---------------------------------------------------------------------- */

int vsmm_vcpu_init(struct vsmm_vcpu *vcpu, const struct vsmm_model *model,
		   const struct vsmm_platform_ops *ops, void *ctx)
{
	if (!vcpu || !model || !model_valid(model))
		return VSMM_E_INVAL;
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->model = model;
	vcpu->ops = ops;
	vcpu->ctx = ctx;
	vcpu->semantics = VSMM_SEMANTICS_KVM;
	vsmm_cpu_state_reset(&vcpu->state);
	return VSMM_OK;
}

int vsmm_vcpu_set_semantics(struct vsmm_vcpu *vcpu, enum vsmm_semantics semantics)
{
	if (!vcpu || (unsigned)semantics >= VSMM_SEMANTICS_COUNT)
		return VSMM_E_INVAL;
	/* The records of one semantics mean nothing to the other, and the
	 * layout may change: switching inside SMM would strand them. */
	if (vcpu->state.smm && semantics != vcpu->semantics)
		return VSMM_E_STATE;
	vcpu->semantics = semantics;
	return VSMM_OK;
}

enum vsmm_layout vsmm_vcpu_layout(const struct vsmm_vcpu *vcpu)
{
	if (!vcpu || !vcpu->model)
		return VSMM_LAYOUT_AUTO;
	return vsmm_model_layout(vcpu->model, vcpu->semantics);
}

/* The SMM execution environment on its own: SMI delivery's last step
 * (vsmm__smm_entry_state, enter.c). */
void vsmm_smm_entry_state(const struct vsmm_model *model, enum vsmm_semantics semantics,
			  struct vsmm_cpu_state *s)
{
	if (!model || !s)
		return;
	vsmm__smm_entry_state(vsmm__rules_get(semantics),
			      vsmm__layout_wide(vsmm_model_layout(model, semantics)), s);
}
