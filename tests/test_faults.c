/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (issue 5): a platform whose N-th callback fails.  For
 * every CPU model (vendor x long mode), every layout (natural or forced),
 * both semantics and every interrupted context of the state catalogue
 * (tests/lib/states.c: real mode ... PAE paging ... VMX/SVM nested
 * guests), N runs over every callback an SMI makes and every callback an
 * RSM makes.  Each run must end cleanly:
 *
 *  - SMI: VSMM_E_PLATFORM or VSMM_E_VENDOR, the vCPU exactly as before
 *    (no partial commit), no callback after the failed one, and the very
 *    same vCPU then takes the SMI and the RSM normally once the platform
 *    works again (it was left consistent);
 *  - RSM: shutdown with the reason that names the failed callback
 *    (SMRAM_READ, PDPTE_READ, NESTED_REENTRY, SMM_CHANGED), every other
 *    state field untouched, the address space not switched, and a nested
 *    guest re-entered before the failure forced out again.
 *
 * A last test checks that the runs really failed every kind of callback,
 * so the catalogue cannot silently stop reaching one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static struct fz_mem mem;
static struct fz_scenario sc;
static struct vsmm_vcpu vcpu;

/* Which kinds of callback were made to fail, over all runs. */
static unsigned failed_kinds[FZ_CALL_KIND_COUNT];
static unsigned failed_pdpte_reads, runs;

#define FAIL_MSG(...) \
	do { \
		print_error(__VA_ARGS__); \
		print_error("  (%s, fault at callback %u)\n", fz_context, mem.fail_at); \
		fail(); \
	} while (0)

#define EXPECT(cond, ...) \
	do { \
		if (!(cond)) \
			FAIL_MSG(__VA_ARGS__); \
	} while (0)

/* Scenario header bytes: config, context, flags, handler/SMBASE. */
static bool setup(uint8_t config, uint8_t kind, uint8_t flags)
{
	const uint8_t hdr[FZ_SCENARIO_BYTES] = { config, kind, flags, 0 };

	fz_mem_reset(&mem);
	if (!fz_scenario_decode(hdr, &mem, &sc))
		FAIL_MSG("preset model refused for config %#x\n", config);
	/* Only the catalogue's own kinds: the decoder moves an unsupported
	 * one on to the next, which another iteration covers. */
	if (sc.kind != kind)
		return false;
	if (fz_scenario_vcpu(&sc, &mem, &vcpu) != VSMM_OK)
		FAIL_MSG("vcpu_init refused\n");
	snprintf(fz_context, sizeof(fz_context), "config %#x state %s flags %#x", config,
		 fz_state_names[kind], flags);
	return true;
}

static void note_failure(void)
{
	runs++;
	for (unsigned i = 0; i < mem.nlog; i++) {
		if (!mem.log[i].failed)
			continue;
		failed_kinds[mem.log[i].kind]++;
		if (mem.log[i].kind == FZ_CALL_READ && !mem.log[i].smm)
			failed_pdpte_reads++;
	}
}

/* Is the vCPU's map the one its model chooses by itself? */
static bool natural_layout(void)
{
	struct vsmm_model m = sc.model;

	m.layout = VSMM_LAYOUT_AUTO;
	return vsmm_model_layout(&m, vcpu.semantics) == vsmm_vcpu_layout(&vcpu);
}

/* The index in the log of the call that failed. */
static unsigned failed_index(void)
{
	for (unsigned i = 0; i < mem.nlog; i++)
		if (mem.log[i].failed)
			return i;
	FAIL_MSG("no callback failed although fail_at=%u\n", mem.fail_at);
	return 0;
}

/* ------------------------------------------------------------------ */
/* SMI                                                                  */
/* ------------------------------------------------------------------ */

static void smi_fault_run(uint8_t config, uint8_t kind, uint8_t flags, unsigned n)
{
	static struct vsmm_vcpu before;
	const char *diff;
	unsigned at;
	int rc;

	setup(config, kind, flags);
	before = vcpu;
	mem.fail_at = n;
	rc = vsmm_enter_smm(&vcpu);
	note_failure();
	EXPECT(rc == VSMM_E_PLATFORM || rc == VSMM_E_VENDOR,
	       "SMI with a failing callback returned %s\n", vsmm_status_name(rc));
	diff = fz_vcpu_diff(&before, &vcpu);
	EXPECT(diff == NULL, "failed SMI changed the vCPU: %s\n", diff);
	EXPECT(memcmp(&before.io_smi, &vcpu.io_smi, sizeof(vcpu.io_smi)) == 0,
	       "failed SMI consumed the I/O SMI record\n");
	at = failed_index();
	/* The one call allowed after a failure: a failed write of the area
	 * puts the platform back in the normal address space (issue 14.2). */
	if (mem.log[at].kind == FZ_CALL_WRITE && at + 2 == mem.nlog) {
		EXPECT(mem.log[at + 1].kind == FZ_CALL_SMM_CHANGED &&
			       !mem.log[at + 1].smm,
		       "a failed SMI write was followed by callback kind %u\n",
		       (unsigned)mem.log[at + 1].kind);
	} else {
		EXPECT(at + 1 == mem.nlog,
		       "SMI went on after callback %u failed "
		       "(%u callbacks)\n",
		       at + 1, mem.nlog);
	}

	/* Consistent: the platform works again, the same vCPU takes the
	 * SMI and gives the context back on RSM. */
	mem.fail_at = 0;
	rc = vsmm_enter_smm(&vcpu);
	EXPECT(rc == VSMM_OK, "SMI retry after a failed SMI: %s\n", vsmm_status_name(rc));
	rc = vsmm_leave_smm(&vcpu);
	EXPECT(rc == VSMM_OK, "RSM after the retried SMI: %s (%s)\n",
	       vsmm_status_name(rc), vsmm_reason_name(vcpu.last_shutdown.reason));
	/* A forced map that cannot hold the context (p6-32 for a 64-bit
	 * one) loses it by design; the model's own map must not. */
	if (!natural_layout())
		return;
	diff = fz_state_diff(&before.state, &vcpu.state, FZ_CMP_ARCH | FZ_CMP_NESTED);
	EXPECT(diff == NULL, "SMI retry + RSM lost the context: %s\n", diff);
}

static void smi_faults(uint8_t config, uint8_t kind, uint8_t flags)
{
	unsigned calls;

	if (!setup(config, kind, flags))
		return;
	if (vsmm_enter_smm(&vcpu) != VSMM_OK)
		return; /* a forced layout this context cannot use */
	calls = mem.calls;
	EXPECT(calls >= 1, "an SMI made no callback\n");
	for (unsigned n = 1; n <= calls; n++)
		smi_fault_run(config, kind, flags, n);
}

/* ------------------------------------------------------------------ */
/* RSM                                                                  */
/* ------------------------------------------------------------------ */

static enum vsmm_reason reason_for(const struct fz_call *c)
{
	switch (c->kind) {
	case FZ_CALL_READ:
		return c->smm ? VSMM_REASON_SMRAM_READ : VSMM_REASON_PDPTE_READ;
	case FZ_CALL_NESTED_ENTER: return VSMM_REASON_NESTED_REENTRY;
	case FZ_CALL_SMM_CHANGED: return VSMM_REASON_SMM_CHANGED;
	default: return VSMM_REASON_COUNT; /* RSM never writes or leaves L2 */
	}
}

static void check_rsm_aftermath(unsigned at, bool reentered)
{
	bool forced_out = false;

	for (unsigned i = at + 1; i < mem.nlog; i++) {
		EXPECT(mem.log[i].kind == FZ_CALL_NESTED_LEAVE,
		       "RSM made callback kind %d after the failure\n",
		       (int)mem.log[i].kind);
		forced_out = true;
	}
	/* A guest re-entered before the failure must not stay in L2: the
	 * shutdown belongs to L1 (spec 3.2 step 7). */
	EXPECT(forced_out == reentered,
	       "nested guest re-entered=%d, forced "
	       "out again=%d\n",
	       reentered, forced_out);
	for (unsigned i = 0; i < at; i++)
		EXPECT(mem.log[i].kind != FZ_CALL_SMM_CHANGED,
		       "RSM switched the address space before failing\n");
}

static void rsm_fault_run(uint8_t config, uint8_t kind, uint8_t flags, unsigned n)
{
	static struct vsmm_vcpu before;
	struct vsmm_cpu_state want;
	bool reentered = false;
	const char *diff;
	unsigned at;
	int rc;

	setup(config, kind, flags);
	EXPECT(vsmm_enter_smm(&vcpu) == VSMM_OK, "SMI failed without faults\n");
	before = vcpu;
	fz_mem_clear_log(&mem);
	mem.fail_at = n;
	rc = vsmm_leave_smm(&vcpu);
	note_failure();
	EXPECT(rc == VSMM_E_SHUTDOWN, "RSM with a failing callback returned %s\n",
	       vsmm_status_name(rc));
	at = failed_index();
	EXPECT(vcpu.last_shutdown.reason == reason_for(&mem.log[at]),
	       "callback kind %d (smm=%d) failed, shutdown reason %s\n",
	       (int)mem.log[at].kind, mem.log[at].smm,
	       vsmm_reason_name(vcpu.last_shutdown.reason));
	want = before.state;
	want.shutdown = true;
	diff = fz_state_diff(&want, &vcpu.state, FZ_CMP_ALL);
	EXPECT(diff == NULL, "shutdown changed the state: %s\n", diff);
	for (unsigned i = 0; i < at; i++)
		if (mem.log[i].kind == FZ_CALL_NESTED_ENTER)
			reentered = true;
	check_rsm_aftermath(at, reentered);
}

static void rsm_faults(uint8_t config, uint8_t kind, uint8_t flags)
{
	unsigned calls;
	int rc;

	if (!setup(config, kind, flags))
		return;
	if (vsmm_enter_smm(&vcpu) != VSMM_OK)
		return; /* a forced layout this context cannot use */
	fz_mem_clear_log(&mem);
	rc = vsmm_leave_smm(&vcpu);
	EXPECT(rc == VSMM_OK, "RSM of an untouched image: %s (%s)\n",
	       vsmm_status_name(rc), vsmm_reason_name(vcpu.last_shutdown.reason));
	calls = mem.calls;
	EXPECT(calls >= 1, "an RSM made no callback\n");
	for (unsigned n = 1; n <= calls; n++)
		rsm_fault_run(config, kind, flags, n);
}

/* ------------------------------------------------------------------ */
/* The sweep                                                            */
/* ------------------------------------------------------------------ */

/* Flag sets: plain; and NMI-masked + halted + I/O SMI + NMI pending (the
 * paths that record more for RSM). */
static const uint8_t flag_sets[] = {
	0,
	FZ_SC_NMI_MASKED | FZ_SC_HALTED | FZ_SC_IO_SMI | FZ_SC_NMI_PENDING,
};

static void sweep(void (*fn)(uint8_t, uint8_t, uint8_t))
{
	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c++)
		for (unsigned k = 0; k < FZ_ST_COUNT; k++)
			for (size_t f = 0; f < sizeof(flag_sets); f++)
				fn((uint8_t)c, (uint8_t)k, flag_sets[f]);
}

static void test_smi_faults(void **unused)
{
	(void)unused;
	sweep(smi_faults);
}

static void test_rsm_faults(void **unused)
{
	(void)unused;
	sweep(rsm_faults);
}

/* The sweep must have failed every kind of callback at least once. */
static void test_every_callback_failed(void **unused)
{
	(void)unused;
	print_message("%u fault-injection runs\n", runs);
	for (unsigned k = 0; k < FZ_CALL_KIND_COUNT; k++)
		EXPECT(failed_kinds[k] > 0, "no run failed callback kind %u\n", k);
	EXPECT(failed_pdpte_reads > 0, "no run failed a PDPTE read\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smi_faults),
		cmocka_unit_test(test_rsm_faults),
		cmocka_unit_test(test_every_callback_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
