/* SPDX-License-Identifier: MIT */
/*
 * SMI delivery, step by step as KVM's enter_smm (arch/x86/kvm/smm.c) and
 * SDM Vol.3C "Entering SMM" have it: build the image from
 * the current state, let the vendor leave nested operation, switch to the
 * SMM address space, write the image in one access, do the NMI
 * bookkeeping, then load the SMM execution environment.  leave.c mirrors
 * it.  The vCPU changes only once every step that can fail succeeded:
 * until then the SMI keeps what it will commit in struct vsmm__smi.
 */
#include <string.h>

#include "core.h"
#include "cpu/vendor.h"

static bool vcpu_ready(const struct vsmm_vcpu *vcpu)
{
	return vcpu && vcpu->model && vcpu->ops && vcpu->ops->read_phys &&
	       vcpu->ops->write_phys && vsmm__vendor_get(vcpu->model);
}

/* The image starts as the current state, revision by layout. */
static void build_image(struct vsmm__smi *s, const struct vsmm_vcpu *vcpu,
			const struct vsmm_layout_desc *desc)
{
	s->rules = vsmm__rules_get(vcpu->semantics);
	s->img = &vcpu->state;
	s->ex.revision = desc->revision | VSMM_REV_SMBASE_RELOC;
	s->ex_used = false;
	s->priv = vcpu->priv;
	s->vmx_on = vcpu->state.vmx_on;
	s->guest_mode = vcpu->state.guest_mode;
	s->svm_vmcb12 = vcpu->state.svm_vmcb12;
}

struct vsmm_cpu_state *vsmm__smi_image(struct vsmm__smi *s)
{
	if (s->img != &s->img_copy) {
		s->img_copy = *s->img;
		s->img = &s->img_copy;
	}
	return &s->img_copy;
}

struct vsmm_image_extras *vsmm__smi_extras(struct vsmm__smi *s)
{
	if (!s->ex_used) {
		uint32_t revision = s->ex.revision;

		memset(&s->ex, 0, sizeof(s->ex));
		s->ex.revision = revision;
		s->ex_used = true;
	}
	return &s->ex;
}

/*
 * Hardware semantics (SDM Vol.3C 33.13.1): an SMI that interrupts HLT sets
 * the auto-HALT restart field; the processor remembers it for RSM.  (Here
 * and below the vCPU is asked first: most SMIs interrupt neither HLT nor an
 * I/O instruction, and then the semantics need not be asked.)
 */
static void save_auto_halt(struct vsmm__smi *s)
{
	if (!s->img->halted || !s->rules->auto_hlt_restart)
		return;
	vsmm__smi_extras(s)->auto_hlt_restart = 1;
	s->priv.smi_halted = true;
}

/*
 * I/O instruction restart (hardware semantics): record the I/O instruction
 * and describe it in whichever I/O fields the layout has; revision bit 16
 * says the feature is there.
 */
static void save_io_state(struct vsmm__smi *s, const struct vsmm_vcpu *vcpu)
{
	const struct vsmm_io_smi *io = &vcpu->io_smi;
	const struct vsmm_cpu_state *st = &vcpu->state;

	if (!io->valid || !s->rules->io_restart)
		return;
	struct vsmm_image_extras *ex = vsmm__smi_extras(s);
	s->priv.io_valid = true;
	s->priv.io_insn_rip = io->insn_rip;
	ex->revision |= VSMM_REV_IO_RESTART;
	ex->io_misc = vsmm__vmx_io_misc(io);
	ex->io_mem_addr = io->string ? io->mem_addr : 0;
	ex->io_restart_dword = vsmm__svm_io_trap(io);
	ex->io_restart_rip = io->insn_rip;
	ex->io_restart_rcx = st->gpr[VSMM_RCX];
	ex->io_restart_rsi = st->gpr[VSMM_RSI];
	ex->io_restart_rdi = st->gpr[VSMM_RDI];
}

/* Switch to the SMM address space, then one write of the area.
 * A failed SMI commits nothing (docs/api.md), so when the write fails the
 * platform is switched back to the normal address space it was in. */
static int write_image(struct vsmm__smi *s, struct vsmm_vcpu *vcpu,
		       const struct vsmm_layout_desc *desc)
{
	const struct vsmm_platform_ops *ops = vcpu->ops;
	uint8_t area[VSMM_IMAGE_MAX];
	if (s->ex_used)
		vsmm__image_encode(s->layout, s->img, &s->ex, area);
	else
		vsmm__image_encode_plain(s->layout, s->img, s->ex.revision, area);
	if (ops->smm_changed && ops->smm_changed(vcpu->ctx, vcpu, true) != 0)
		return VSMM_E_PLATFORM;
	uint64_t gpa = (uint64_t)s->img->smbase + desc->area_offset;
	if (ops->write_phys(vcpu->ctx, true, gpa, area, desc->area_size) != 0) {
		if (ops->smm_changed)
			(void)ops->smm_changed(vcpu->ctx, vcpu, false);
		return VSMM_E_PLATFORM;
	}
	return VSMM_OK;
}

/*
 * The SMM execution environment (KVM's enter_smm; SDM Vol.3C table
 * "Processor Register Initialization in SMM").  Here, beside the one
 * commit that loads it, so that the compiler folds it into the commit.
 */

/* Flat 4-GiB read/write data segment, 16-bit default size, G=1. */
static const struct vsmm_seg smm_data_seg = {
	.selector = 0,
	.attr = VSMM__SEG_DATA_RW_A | VSMM_SEG_G, /* 0x8093 */
	.limit = 0xffffffffu,
	.base = 0,
};

/* ES to GS flat (SS, DS, ES, FS, GS: CS is set apart below).  With
 * SSE2 each register is one 16-byte store of the constant, where GCC
 * stores it as two 8-byte immediates. */
static void set_data_segs(struct vsmm_cpu_state *s)
{
#if VSMM__SSE2
	const __m128i flat = _mm_loadu_si128(
		(const __m128i *)(const void *)&smm_data_seg);

	for (int i = VSMM_ES; i <= VSMM_GS; i++)
		_mm_storeu_si128((__m128i *)(void *)&s->seg[i], flat);
#else
	for (int i = VSMM_ES; i <= VSMM_GS; i++)
		s->seg[i] = smm_data_seg;
#endif
}

void vsmm__smm_entry_state(const struct vsmm__rules *rules, bool wide,
			   struct vsmm_cpu_state *s)
{
	s->rflags = VSMM_RFLAGS_FIXED;
	s->rip = VSMM_SMM_HANDLER_OFFSET;
	s->int_shadow = 0;
	s->cr0 &= ~(VSMM_CR0_PE | VSMM_CR0_EM | VSMM_CR0_TS | VSMM_CR0_PG);
	/* Paging off means long mode off, even where EFER is kept below. */
	s->efer &= ~VSMM_EFER_LMA;
	s->cr4 = 0;
	s->dr7 = VSMM_DR7_FIXED_1;
	if (rules->idtr_zeroed)
		s->idtr = (struct vsmm_dtable){ 0, 0 };
	set_data_segs(s);
	s->seg[VSMM_CS].selector = (uint16_t)((s->smbase >> 4) & 0xffff);
	s->seg[VSMM_CS].base = s->smbase;
	/* A vCPU whose map carries EFER leaves long mode; the 32-bit map has
	 * no EFER, so KVM keeps it ("Don't clear EFER during SMM transitions
	 * for 32-bit vCPU"). */
	if (wide)
		s->efer = 0;
	s->halted = false;
}

/* NMIs are blocked in SMM; remember whether they already were so
 * that RSM does not unblock an NMI handler's blocking (KVM:
 * HF_SMM_INSIDE_NMI_MASK). */
static void block_nmi(struct vsmm_cpu_state *st)
{
	if (st->nmi_masked)
		st->smm_inside_nmi = true;
	else
		st->nmi_masked = true;
}

/* Once nothing can fail: the bookkeeping, the NMI blocking and
 * the SMM execution environment, in place. */
static void commit(const struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	struct vsmm_cpu_state *st = &vcpu->state;

	vcpu->priv = s->priv;
	vcpu->io_smi.valid = false; /* consumed by this SMI */
	st->vmx_on = s->vmx_on;
	st->guest_mode = s->guest_mode;
	st->svm_vmcb12 = s->svm_vmcb12;
	st->smm = true;
	block_nmi(st);
	vsmm__smm_entry_state(s->rules, vsmm__layout_wide(s->layout), st);
	st->smi_pending = false; /* this SMI is the pending one */
	vcpu->smi_count++;
}

int vsmm_enter_smm(struct vsmm_vcpu *vcpu)
{
	if (!vcpu_ready(vcpu))
		return VSMM_E_INVAL;
	if (vcpu->state.smm || vcpu->state.shutdown)
		return VSMM_E_STATE;
	const struct vsmm__vendor_ops *vendor = vsmm__vendor_get(vcpu->model);
	enum vsmm_layout layout = vsmm__model_layout(
		vcpu->model, vsmm__rules_get(vcpu->semantics), vendor);
	const struct vsmm_layout_desc *desc = vsmm__layout_desc(layout);
	if (!desc) /* every layout's area fits area[] (asserted in src/layout/) */
		return VSMM_E_LAYOUT;

	/* The steps in KVM's enter_smm order; RSM (leave.c, rsm()) undoes
	 * them in the mirror order. */
	struct vsmm__smi s;
	s.layout = layout;
	/* 1. The image from the current state. */
	build_image(&s, vcpu, desc);
	/* 2-3. Hardware semantics: auto-HALT and I/O instruction restart. */
	save_auto_halt(&s);
	save_io_state(&s, vcpu);
	/* 4. The vendor leaves nested operation (KVM's enter_smm hook). */
	int rc = vendor->smi(&s, vcpu);
	if (rc != VSMM_OK)
		return rc;
	/* 5. The SMM address space, then one write of the area. */
	rc = write_image(&s, vcpu, desc);
	if (rc != VSMM_OK)
		return rc;
	/* 6-7. NMI blocking and the SMM execution environment, in place. */
	commit(&s, vcpu);
	return VSMM_OK;
}

int vsmm__smi_nested_exit(struct vsmm__smi *s, struct vsmm_vcpu *vcpu)
{
	const struct vsmm_platform_ops *ops = vcpu->ops;

	(void)vsmm__smi_image(s); /* the image is L2's, whatever the VMM loads */
	if (!ops->nested_leave || ops->nested_leave(vcpu->ctx, vcpu) != 0)
		return VSMM_E_VENDOR;
	/* The registers the VMM left are L1's now; delivery goes on from
	 * them, with the vendor's view of VMX operation taken anew. */
	s->vmx_on = vcpu->state.vmx_on;
	s->svm_vmcb12 = vcpu->state.svm_vmcb12;
	s->guest_mode = false;
	return VSMM_OK;
}
