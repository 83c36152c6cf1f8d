/* SPDX-License-Identifier: MIT */
/*
 * embed.c: the smallest useful VMM-side use of vsmm.
 *
 * A VMM owns guest memory and the vCPU registers; vsmm owns the SMM rules.
 * This program plays the VMM: 1 MiB of guest RAM in a host buffer (the
 * SMM and normal address spaces are the same here, as on a machine whose
 * SMRAM is not closed), one vCPU in 32-bit protected mode.  It raises an
 * SMI, lets "SMI handler" code scribble on the state-save area, and
 * executes RSM twice: once with a sane edit (resumes), once with a bad one
 * (shutdown, with the reason a person can read).
 *
 * Build against an installed vsmm:
 *   cc -std=c11 embed.c $(pkg-config --cflags --libs vsmm) -o embed
 */
#include <stdio.h>
#include <string.h>

#include <vsmm/vsmm.h>

#define RAM_SIZE (1u << 20)

struct vm {
	unsigned char ram[RAM_SIZE];
};

/* Guest-physical access.  A real VMM would pick the SMM or the normal
 * memory map from `smm`; here both views are the same RAM. */
static int ram_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = ctx;

	(void)smm;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return -1; /* vsmm turns this into VSMM_E_PLATFORM or a shutdown */
	memcpy(buf, vm->ram + gpa, len);
	return 0;
}

static int ram_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	struct vm *vm = ctx;

	(void)smm;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return -1;
	memcpy(vm->ram + gpa, buf, len);
	return 0;
}

static const struct vsmm_platform_ops ops = {
	.read_phys = ram_read,
	.write_phys = ram_write,
};

/* A flat 32-bit protected-mode context, as an OS would have it. */
static void protected_mode(struct vsmm_cpu_state *s)
{
	static const uint16_t code = 0x9b | VSMM_SEG_S | VSMM_SEG_DB | VSMM_SEG_G;
	static const uint16_t data = 0x93 | VSMM_SEG_S | VSMM_SEG_DB | VSMM_SEG_G;

	s->cr0 = VSMM_CR0_PE | VSMM_CR0_ET | VSMM_CR0_NE;
	s->rip = 0x1234;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF;
	s->gpr[VSMM_RAX] = 0xcafe;
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		s->seg[i] = (struct vsmm_seg){ .selector = 0x10,
					       .attr = data,
					       .limit = 0xffffffff };
	}
	s->seg[VSMM_CS] = (struct vsmm_seg){ .selector = 0x08,
					     .attr = code,
					     .limit = 0xffffffff };
	s->seg[VSMM_TR] = (struct vsmm_seg){
		.selector = 0x18, .attr = 0x8b, .limit = 0x67, .base = 0x5000
	};
	s->gdtr = (struct vsmm_dtable){ .base = 0x6000, .limit = 0x1f };
}

/* What an SMI handler might do to the saved image (P6 32-bit map, 0x7Exx
 * offsets from SMBASE + 0x8000). */
static void handler_edits(struct vm *vm, uint32_t smbase, uint16_t offset, uint32_t value)
{
	unsigned char *p = vm->ram + smbase + 0x8000 + offset;

	p[0] = (unsigned char)value;
	p[1] = (unsigned char)(value >> 8);
	p[2] = (unsigned char)(value >> 16);
	p[3] = (unsigned char)(value >> 24);
}

static int smi_then_rsm(struct vm *vm, struct vsmm_vcpu *vcpu, uint16_t offset,
			uint32_t value)
{
	int rc = vsmm_enter_smm(vcpu);

	if (rc != VSMM_OK) {
		fprintf(stderr, "SMI failed: %s\n", vsmm_strerror(rc));
		return 1;
	}
	printf("in SMM: cs.base=0x%llx rip=0x%llx\n",
	       (unsigned long long)vcpu->state.seg[VSMM_CS].base,
	       (unsigned long long)vcpu->state.rip);

	handler_edits(vm, vcpu->state.smbase, offset, value);

	rc = vsmm_leave_smm(vcpu);
	if (rc == VSMM_OK) {
		printf("RSM resumed: rip=0x%llx eax=0x%llx\n",
		       (unsigned long long)vcpu->state.rip,
		       (unsigned long long)vcpu->state.gpr[VSMM_RAX]);
	} else if (rc == VSMM_E_SHUTDOWN) {
		const struct vsmm_shutdown *why = &vcpu->last_shutdown;

		printf("RSM shut down: %s (%s) field %s at 0x%04x = 0x%llx\n",
		       vsmm_reason_name(why->reason), vsmm_reason_text(why->reason),
		       why->field ? why->field : "-", why->offset,
		       (unsigned long long)why->value);
	} else {
		fprintf(stderr, "RSM: %s\n", vsmm_strerror(rc));
		return 1;
	}
	return 0;
}

int main(void)
{
	static struct vm vm; /* 1 MiB: not on the stack */
	struct vsmm_model model;
	struct vsmm_vcpu vcpu;

	/* An Intel CPU without long mode: the P6 32-bit map, as KVM picks it. */
	if (vsmm_model_preset(&model, VSMM_VENDOR_INTEL, false) != VSMM_OK ||
	    vsmm_vcpu_init(&vcpu, &model, &ops, &vm) != VSMM_OK)
		return 1;
	protected_mode(&vcpu.state);

	/* The handler moves the return address: EIP is at 0x7FF0. */
	if (smi_then_rsm(&vm, &vcpu, 0x7ff0, 0x4321))
		return 1;
	/* The handler sets CR0.NW without CD (CR0 is at 0x7FFC). */
	if (smi_then_rsm(&vm, &vcpu, 0x7ffc,
			 (uint32_t)(VSMM_CR0_PE | VSMM_CR0_ET | VSMM_CR0_NW)))
		return 1;
	return vcpu.state.shutdown ? 0 : 1;
}
