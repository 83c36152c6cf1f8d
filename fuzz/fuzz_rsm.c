/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target 1: RSM on an arbitrary state-save image.
 *
 * Input: a 4-byte scenario header (fz_scenario_decode: model, layout,
 * semantics, interrupted context, events, SMI-handler mode, SMBASE), then
 * the bytes a hostile SMI handler leaves in the state-save area (they
 * overwrite the image the SMI wrote, from its first byte; a short input
 * changes only a prefix), then up to 4 KiB placed in normal memory at
 * address 0 (so CR3 in the image can point at fuzzer-made PDPTEs).
 *
 * Invariants (each a promise of include/vsmm/vsmm.h or the issue):
 *  - SMI from a valid context succeeds, writes the area once, in the SMM
 *    view, and loads the SMM environment; SMI then an untouched RSM gives
 *    back the context bit for bit (natural layouts).
 *  - RSM reads the area once from the SMM view, writes nothing, and ends
 *    either RESUMED with a state the independent oracle and the VM-entry
 *    checker (tests/lib/vmentry.c) accept, or in
 *    SHUTDOWN with a named reason and every other state field untouched,
 *    with no address-space switch or nested re-entry left behind.
 *  - vsmm_rsm_check() predicts leave_smm exactly, on the raw image and on
 *    its canonical re-encoding (decode -> encode): the image means no
 *    more than what the codec decodes.
 *  - A resumed state survives another SMI + RSM unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vmentry.h"

static struct fz_mem mem;

/* An exact-size heap copy of guest bytes, so a sanitizer flags any access
 * past the area. */
static uint8_t *area_copy(uint64_t gpa, size_t len)
{
	uint8_t *p = malloc(len);

	FZ_CHECK(p != NULL, "out of memory");
	FZ_CHECK(fz_mem_peek(&mem, gpa, p, len), "area at %#llx unreadable",
		 (unsigned long long)gpa);
	return p;
}

static void describe(const struct fz_scenario *sc, const char *layout)
{
	snprintf(fz_context, sizeof(fz_context),
		 "%s long_mode=%d layout=%s semantics=%s state=%s flags=%#x "
		 "handler=%d smbase=%#x",
		 sc->model.vendor == VSMM_VENDOR_INTEL ? "intel" : "amd",
		 sc->model.long_mode, layout,
		 sc->semantics == VSMM_SEMANTICS_KVM ? "kvm" : "hardware",
		 fz_state_names[sc->kind], sc->flags, sc->handler, sc->smbase);
}

/* Is the vCPU's layout the one the model would choose by itself?  Only
 * then must an arbitrary valid context round-trip (a forced 32-bit map
 * cannot carry a 64-bit context). */
static bool natural_layout(const struct vsmm_vcpu *vcpu)
{
	struct vsmm_model m = *vcpu->model;

	m.layout = VSMM_LAYOUT_AUTO;
	return vsmm_model_layout(&m, vcpu->semantics) == vsmm_vcpu_layout(vcpu);
}

static void check_smi(const struct fz_scenario *sc, const struct vsmm_vcpu *v,
		      const struct vsmm_layout_desc *d, uint64_t area_gpa)
{
	struct vsmm_cpu_state env = sc->pre;
	const char *diff;

	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_WRITE) == 1, "SMI made %u writes, not one",
		 fz_mem_count(&mem, FZ_CALL_WRITE));
	for (unsigned i = 0; i < mem.nlog; i++)
		if (mem.log[i].kind == FZ_CALL_WRITE)
			FZ_CHECK(mem.log[i].smm && mem.log[i].gpa == area_gpa &&
					 mem.log[i].len == d->area_size,
				 "SMI wrote %zu bytes at %#llx (smm=%d), not the area",
				 mem.log[i].len, (unsigned long long)mem.log[i].gpa,
				 mem.log[i].smm);
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_READ) == 0, "SMI read guest memory");
	FZ_CHECK(v->state.smm && !v->state.shutdown, "SMI did not enter SMM");
	FZ_CHECK(v->smi_count == 1, "smi_count %llu after one SMI",
		 (unsigned long long)v->smi_count);
	FZ_CHECK(v->state.smm_inside_nmi == sc->pre.nmi_masked && v->state.nmi_masked,
		 "NMI bookkeeping on SMI: masked=%d inside=%d (was masked=%d)",
		 v->state.nmi_masked, v->state.smm_inside_nmi, sc->pre.nmi_masked);
	vsmm_smm_entry_state(v->model, v->semantics, &env);
	diff = fz_state_diff(&env, &v->state, FZ_CMP_ARCH);
	FZ_CHECK(diff == NULL,
		 "SMM environment differs from "
		 "vsmm_smm_entry_state: %s",
		 diff);
	/* Paging is off in SMM, so long mode is (a VMM could not even enter
	 * the handler with LMA=1, PG=0). */
	FZ_CHECK(!(v->state.efer & VSMM_EFER_LMA) && !(v->state.cr0 & VSMM_CR0_PG),
		 "SMM environment with CR0=%#llx EFER=%#llx",
		 (unsigned long long)v->state.cr0, (unsigned long long)v->state.efer);
	FZ_CHECK(v->state.rip == VSMM_SMM_HANDLER_OFFSET &&
			 v->state.rflags == VSMM_RFLAGS_FIXED &&
			 v->state.seg[VSMM_CS].base == sc->smbase && v->state.cr4 == 0 &&
			 v->state.int_shadow == 0,
		 "not the SMM execution environment (spec 2.4)");
}

/* The untouched image must load back the interrupted context. */
static void check_genuine(const struct fz_scenario *sc, const struct vsmm_vcpu *v,
			  const struct vsmm_layout_desc *d, uint64_t area_gpa)
{
	struct vsmm_shutdown why;
	struct vsmm_cpu_state out;
	uint8_t *img = area_copy(area_gpa, d->area_size);
	int rc = vsmm_rsm_check(v, img, d->area_size, &why, &out);
	const char *diff;

	free(img);
	FZ_CHECK(rc == VSMM_OK,
		 "RSM would refuse the image SMI just wrote: "
		 "%s (offset %#x value %#llx)",
		 vsmm_reason_name(why.reason), why.offset, (unsigned long long)why.value);
	diff = fz_state_diff(&sc->pre, &out, FZ_CMP_ARCH | FZ_CMP_NESTED);
	FZ_CHECK(diff == NULL, "SMI + RSM does not restore the context: %s", diff);
	FZ_CHECK(out.int_shadow == sc->pre.int_shadow && !out.smm &&
			 out.nmi_masked == sc->pre.nmi_masked,
		 "SMI + RSM does not restore the events: shadow %#x/%#x smm=%d "
		 "nmi_masked %d/%d",
		 out.int_shadow, sc->pre.int_shadow, out.smm, out.nmi_masked,
		 sc->pre.nmi_masked);
}

/* What a hostile SMI handler does to the vCPU besides the image. */
static void run_handler(const struct fz_scenario *sc, struct vsmm_vcpu *v)
{
	fz_handler_apply(sc->handler, v->model, &v->state);
	if (sc->flags & FZ_SC_SMI_IN_SMM) {
		FZ_CHECK(vsmm_raise_smi(v) == VSMM_OK, "raise_smi in SMM failed");
		FZ_CHECK(vsmm_next_event(v) != VSMM_EVENT_SMI,
			 "an SMI is deliverable inside SMM");
	}
	if (sc->flags & FZ_SC_INIT_IN_SMM) {
		FZ_CHECK(vsmm_raise_init(v) == VSMM_OK, "raise_init in SMM failed");
		FZ_CHECK(vsmm_next_event(v) != VSMM_EVENT_INIT,
			 "an INIT is deliverable inside SMM");
	}
	if (sc->flags & FZ_SC_IRET_IN_SMM)
		v->state.nmi_masked = false;
}

/* decode -> encode writes vsmm's records into an intel64 area; an area
 * without them (a processor's) takes its hidden state from the descriptor
 * tables instead (src/hidden.c), so the re-encoding keeps the raw area's
 * signature word to stay the same kind of image. */
static void fz_keep_records(const struct vsmm_layout_desc *d, const uint8_t *raw,
			    uint8_t *canon)
{
	const struct vsmm_field_desc *sig = vsmm_layout_field(d, "vsmm_signature");

	if (sig)
		(void)vsmm_field_write(d, sig, canon, vsmm_field_read(d, sig, raw));
}

/* rsm_check on the raw image and on decode->encode of it must agree. */
static int predict(const struct vsmm_vcpu *v, const struct vsmm_layout_desc *d,
		   const uint8_t *raw, struct vsmm_shutdown *why,
		   struct vsmm_cpu_state *out)
{
	struct vsmm_cpu_state st, out2;
	struct vsmm_image_extras x;
	struct vsmm_shutdown why2;
	uint8_t *canon = malloc(d->area_size);
	int rc, rc2;

	FZ_CHECK(canon != NULL, "out of memory");
	rc = vsmm_rsm_check(v, raw, d->area_size, why, out);
	FZ_CHECK(rc == VSMM_OK || rc == VSMM_E_SHUTDOWN, "rsm_check returned %s",
		 vsmm_status_name(rc));
	FZ_CHECK(vsmm_image_decode(d->layout, raw, d->area_size, &st, &x) == VSMM_OK,
		 "decode refused an area of the right size");
	FZ_CHECK(vsmm_image_encode(d->layout, &st, &x, canon, d->area_size) == VSMM_OK,
		 "encode refused what decode produced");
	fz_keep_records(d, raw, canon);
	rc2 = vsmm_rsm_check(v, canon, d->area_size, &why2, &out2);
	free(canon);
	FZ_CHECK(rc2 == rc, "raw image: %s, its re-encoding: %s", vsmm_status_name(rc),
		 vsmm_status_name(rc2));
	if (rc == VSMM_OK) {
		const char *diff = fz_state_diff(out, &out2, FZ_CMP_ALL);

		FZ_CHECK(diff == NULL,
			 "raw and re-encoded image resume "
			 "differently: %s",
			 diff);
	} else {
		FZ_CHECK(why->reason == why2.reason && why->offset == why2.offset &&
				 why->value == why2.value,
			 "raw image: %s@%#x=%#llx, re-encoded: %s@%#x=%#llx",
			 vsmm_reason_name(why->reason), why->offset,
			 (unsigned long long)why->value, vsmm_reason_name(why2.reason),
			 why2.offset, (unsigned long long)why2.value);
	}
	return rc;
}

static void check_rsm_io(const struct vsmm_layout_desc *d, uint64_t area_gpa)
{
	FZ_CHECK(mem.nlog >= 1 && mem.log[0].kind == FZ_CALL_READ && mem.log[0].smm &&
			 mem.log[0].gpa == area_gpa && mem.log[0].len == d->area_size,
		 "RSM did not start with one read of the area in the SMM view");
	for (unsigned i = 1; i < mem.nlog; i++)
		FZ_CHECK(!(mem.log[i].kind == FZ_CALL_READ && mem.log[i].smm),
			 "RSM read the SMM view again (%zu bytes at %#llx)",
			 mem.log[i].len, (unsigned long long)mem.log[i].gpa);
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_WRITE) == 0, "RSM wrote guest memory");
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_NESTED_LEAVE) == 0,
		 "RSM asked to leave a nested guest");
}

static void check_resumed(const struct vsmm_vcpu *before, const struct vsmm_vcpu *v,
			  const struct vsmm_cpu_state *predicted)
{
	const struct vsmm_cpu_state *b = &before->state, *s = &v->state;
	const char *why = fz_oracle_resumed(v->model, s, &mem);
	const char *diff = fz_state_diff(predicted, s, FZ_CMP_ALL);

	FZ_CHECK(diff == NULL, "leave_smm and rsm_check disagree: %s", diff);
	FZ_CHECK(why == NULL, "resumed state fails a check: %s", why);
	why = vmentry_check(v->model, s);
	FZ_CHECK(why == NULL, "RSM resumed a state no VM entry accepts: %s", why);
	fz_check_rsm_events(b, s);
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_SMM_CHANGED) == 1,
		 "RSM switched the address space %u times",
		 fz_mem_count(&mem, FZ_CALL_SMM_CHANGED));
	for (unsigned i = 0; i < mem.nlog; i++)
		FZ_CHECK(mem.log[i].kind != FZ_CALL_SMM_CHANGED || !mem.log[i].smm,
			 "RSM called smm_changed(entering)");
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_NESTED_ENTER) == (s->guest_mode ? 1u : 0u),
		 "nested_enter called %u times, guest_mode=%d",
		 fz_mem_count(&mem, FZ_CALL_NESTED_ENTER), s->guest_mode);
	FZ_CHECK(v->smi_count == before->smi_count, "RSM changed smi_count");
}

static void check_shutdown(const struct vsmm_vcpu *before, const struct vsmm_vcpu *v,
			   const struct vsmm_layout_desc *d,
			   const struct vsmm_shutdown *predicted)
{
	const struct vsmm_shutdown *why = &v->last_shutdown;

	fz_check_shutdown(&before->state, v);
	FZ_CHECK(why->reason == predicted->reason && why->offset == predicted->offset &&
			 why->value == predicted->value,
		 "leave_smm shut down for %s@%#x, rsm_check predicted %s@%#x",
		 vsmm_reason_name(why->reason), why->offset,
		 vsmm_reason_name(predicted->reason), predicted->offset);
	FZ_CHECK(why->offset == 0 ||
			 (why->offset >= 0x8000 - d->area_size && why->offset < 0x8000),
		 "shutdown offset %#x outside the %s area", why->offset, d->name);
	FZ_CHECK(fz_mem_count(&mem, FZ_CALL_SMM_CHANGED) == 0 &&
			 fz_mem_count(&mem, FZ_CALL_NESTED_ENTER) == 0,
		 "shutdown after switching the address space or re-entering L2");
}

/* SMI again, then RSM of the untouched image: nothing may change. */
/* The 32-byte PAE PDPT of a state as the normal view sees it; false if
 * it cannot be read (e.g. it lies in SMRAM). */
static bool read_pdpt(const struct vsmm_cpu_state *s, uint8_t pdpt[32])
{
	return fz_mem_read_view(&mem, false, s->cr3 & 0xffffffe0u, pdpt, 32);
}

static void check_again(const struct vsmm_vcpu *v)
{
	static struct vsmm_vcpu again;
	uint8_t pdpt[32], pdpt_after[32];
	bool pdpt_ok;
	const char *diff;
	int rc;

	again = *v;
	again.state.smi_pending = false; /* the VMM delivers it: enter_smm */
	again.io_smi.valid = false;
	bool pae = (v->state.cr0 & VSMM_CR0_PG) && (v->state.cr4 & VSMM_CR4_PAE) &&
		   !(v->state.efer & VSMM_EFER_LMA);

	pdpt_ok = !pae || read_pdpt(&v->state, pdpt);
	rc = vsmm_enter_smm(&again);
	FZ_CHECK(rc == VSMM_OK, "SMI from a resumed state: %s", vsmm_status_name(rc));
	/* An image that relocated SMBASE onto the context's own PAE PDPT:
	 * this SMI's save area overwrote (or hid) it, and the next RSM may
	 * rightly refuse it.  Nothing left to compare. */
	if (pae && (!pdpt_ok || !read_pdpt(&v->state, pdpt_after) ||
		    memcmp(pdpt, pdpt_after, sizeof(pdpt)) != 0))
		return;
	rc = vsmm_leave_smm(&again);
	FZ_CHECK(rc == VSMM_OK, "RSM after SMI from a resumed state: %s (%s)",
		 vsmm_status_name(rc), vsmm_reason_name(again.last_shutdown.reason));
	diff = fz_state_diff(&v->state, &again.state, FZ_CMP_ARCH | FZ_CMP_NESTED);
	FZ_CHECK(diff == NULL, "resumed state does not survive SMI + RSM: %s", diff);
	FZ_CHECK(again.state.int_shadow == v->state.int_shadow &&
			 again.state.nmi_masked == v->state.nmi_masked,
		 "resumed events do not survive SMI + RSM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_scenario sc;
	static struct vsmm_vcpu vcpu, before;
	struct fz_input in = { data, size };
	const struct vsmm_layout_desc *d;
	struct vsmm_shutdown why;
	struct vsmm_cpu_state out;
	uint64_t area_gpa;
	uint8_t *raw;
	size_t n;
	int rc;

	d = fz_scenario_start(&in, &mem, &sc, &vcpu);
	describe(&sc, d->name);
	area_gpa = (uint64_t)sc.smbase + d->area_offset;

	before = vcpu;
	rc = vsmm_enter_smm(&vcpu);
	if (rc != VSMM_OK && !natural_layout(&vcpu)) {
		/* A forced layout that cannot hold this context (e.g. SVM
		 * guest state in a map without SVM fields): refused, and
		 * refused cleanly. */
		const char *diff = fz_vcpu_diff(&before, &vcpu);

		FZ_CHECK(rc == VSMM_E_UNSUPPORTED || rc == VSMM_E_VENDOR,
			 "SMI with a forced layout failed with %s", vsmm_status_name(rc));
		FZ_CHECK(diff == NULL, "refused SMI changed the vCPU: %s", diff);
		return 0;
	}
	FZ_CHECK(rc == VSMM_OK, "SMI from a valid context failed: %s",
		 vsmm_status_name(rc));
	check_smi(&sc, &vcpu, d, area_gpa);
	if (natural_layout(&vcpu))
		check_genuine(&sc, &vcpu, d, area_gpa);
	run_handler(&sc, &vcpu);

	/* The hostile handler's bytes, then fuzzer-made normal memory. */
	n = in.n < d->area_size ? in.n : d->area_size;
	FZ_CHECK(fz_mem_poke(&mem, area_gpa, in.p, n, true), "SMRAM poke failed");
	in.p += n;
	in.n -= n;
	n = in.n < FZ_PAGE_SIZE ? in.n : FZ_PAGE_SIZE;
	FZ_CHECK(fz_mem_poke(&mem, 0, in.p, n, false), "memory poke failed");

	raw = area_copy(area_gpa, d->area_size);
	rc = predict(&vcpu, d, raw, &why, &out);
	free(raw);

	before = vcpu;
	fz_mem_clear_log(&mem);
	FZ_CHECK(vsmm_leave_smm(&vcpu) == rc,
		 "leave_smm and rsm_check disagree "
		 "on the outcome (%s predicted)",
		 vsmm_status_name(rc));
	check_rsm_io(d, area_gpa);
	if (rc == VSMM_OK) {
		check_resumed(&before, &vcpu, &out);
		if (natural_layout(&vcpu))
			check_again(&vcpu);
	} else {
		check_shutdown(&before, &vcpu, d, &why);
	}
	return 0;
}
