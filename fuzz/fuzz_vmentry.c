/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target 5: every state RSM resumes is one a VMM can enter (issue
 * 15.2).
 *
 * Input: a 4-byte scenario header (fz_scenario_decode: model, layout,
 * semantics, interrupted context, events, SMI-handler mode, SMBASE), then
 * up to FZ_VE_EDITS edits of FZ_VE_EDIT_BYTES each, applied to the image
 * the SMI wrote, field by field as a handler would write them:
 *
 *   byte 0      which field of the layout's table (modulo its size)
 *   byte 1      how: set, xor, set a bit, clear a bit, or one of a list
 *               of values at the rules' edges (non-canonical addresses,
 *               bases above 4 GiB, limits either side of the G rule,
 *               segment attributes of every kind)
 *   bytes 2-9   the operand, little endian
 *
 * Whole bytes are fuzz_rsm's job; edits of whole fields reach the
 * segment, RIP, RFLAGS and event rules far more often.
 *
 * Invariants: RSM resumes or shuts down with a named reason and nothing
 * else changed; whatever it resumes passes the independent VM-entry
 * checker (tests/lib/vmentry.c, written from the SDM's guest-state checks and
 * the APM's VMRUN checks) and the architectural oracle (fz_oracle_resumed).
 * tests/test_vmentry.c drives this same entry point with random and
 * structured inputs (the property test).
 */
#include <stdio.h>
#include <string.h>

#include "testlib.h"
#include "vmentry.h"

#define FZ_VE_EDITS 8u
#define FZ_VE_EDIT_BYTES 10u

static struct fz_mem mem;

/* Values at the edges of the VM-entry rules. */
static const uint64_t edge_values[] = {
	0,
	1,
	0xffffffffffffffffull,
	0xffffffffu,
	0x100000000ull,
	0x7fffffffffff0000ull,
	0x00007fffffffffffull,
	0x0000800000000000ull,
	0xffff800000000000ull,
	0x00ff800000000000ull,
	0xffffffff81000000ull,
	0xfffu,
	0xffffu,
	0xfffffu,
	0x100000u,
	0xfffff000u,
	0x000fffffu,
	0x9bu,
	0x93u,
	0x8bu,
	0x89u,
	0x83u,
	0x82u,
	0xf3u,
	0x03u,
	0x99u,
	0xc09bu,
	0xc093u,
	0xa09bu,
	0xe09bu,
	0xc0fbu,
	0xc0f3u,
	0x809fu,
	0x0093u,
	0x0f9bu,
	0x20000u,
	0x20202u,
	0x3u,
	0x2u,
	0x7u,
};

#define N_EDGES (sizeof(edge_values) / sizeof(edge_values[0]))

static uint64_t ld_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void st_le(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One handler write: read the field from SMRAM, change it, write it back. */
static void edit(const struct vsmm_layout_desc *d, uint32_t smbase, const uint8_t *e)
{
	const struct vsmm_field_desc *f = &d->fields[e[0] % d->nfields];
	uint64_t gpa = (uint64_t)smbase + 0x8000u + f->offset;
	uint64_t op = ld_le(e + 2, 8), v;
	uint8_t buf[8];

	if (f->size == 0 || f->size > 8 || !fz_mem_peek(&mem, gpa, buf, f->size))
		return;
	v = ld_le(buf, f->size);
	switch (e[1] % 5) {
	case 0: v = op; break;
	case 1: v ^= op; break;
	case 2: v |= 1ull << (op % (8u * f->size)); break;
	case 3: v &= ~(1ull << (op % (8u * f->size))); break;
	default: v = edge_values[op % N_EDGES]; break;
	}
	st_le(buf, f->size, v);
	FZ_CHECK(fz_mem_poke(&mem, gpa, buf, f->size, true), "SMRAM poke failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_scenario sc;
	static struct vsmm_vcpu vcpu, before;
	struct fz_input in = { data, size };
	uint8_t e[FZ_VE_EDIT_BYTES];
	const struct vsmm_layout_desc *d;
	const char *why;
	int rc;

	d = fz_scenario_start(&in, &mem, &sc, &vcpu);
	snprintf(fz_context, sizeof(fz_context),
		 "vmentry %s long_mode=%d layout=%s semantics=%s state=%s "
		 "flags=%#x handler=%d",
		 sc.model.vendor == VSMM_VENDOR_INTEL ? "intel" : "amd",
		 sc.model.long_mode, d->name,
		 sc.semantics == VSMM_SEMANTICS_KVM ? "kvm" : "hardware",
		 fz_state_names[sc.kind], sc.flags, sc.handler);
	/* A forced layout that cannot carry the context refuses the SMI
	 * (fuzz_rsm checks how); nothing to resume. */
	if (vsmm_enter_smm(&vcpu) != VSMM_OK)
		return 0;
	fz_handler_apply(sc.handler, vcpu.model, &vcpu.state);
	for (unsigned k = 0; k < FZ_VE_EDITS && in.n > 0; k++) {
		for (unsigned i = 0; i < FZ_VE_EDIT_BYTES; i++)
			e[i] = fz_u8(&in);
		edit(d, vcpu.state.smbase, e);
	}

	before = vcpu;
	rc = vsmm_leave_smm(&vcpu);
	if (rc == VSMM_E_SHUTDOWN) {
		fz_check_shutdown(&before.state, &vcpu);
		return 0;
	}
	FZ_CHECK(rc == VSMM_OK, "RSM returned %s", vsmm_status_name(rc));
	why = vmentry_check(vcpu.model, &vcpu.state);
	FZ_CHECK(why == NULL, "RSM resumed a state no VM entry accepts: %s", why);
	why = fz_oracle_resumed(vcpu.model, &vcpu.state, &mem);
	FZ_CHECK(why == NULL, "resumed state fails a check: %s", why);
	return 0;
}
