/* SPDX-License-Identifier: MIT */
/*
 * The test library (tests/lib/) of the cmocka suites (tests/test_*.c) and
 * the fuzz targets (fuzz/fuzz_*.c): one guest-memory platform that logs
 * every callback and injects faults, one catalogue of valid vCPU states and
 * CPU models, an independent oracle for "this state passes every
 * architectural check", one field-by-field state comparison, and the
 * cmocka helpers that bind a vCPU to all of that (tp_*).  The VM-entry
 * checker is beside it (vmentry.h).
 *
 * The oracle is written from the manuals, not from src/checks.c, so a test
 * that asks "does the state RSM resumed pass the checks?" asks a second
 * opinion, not the same code twice.
 *
 * Names: fz_* for the platform, the catalogue, the oracle and the diff
 * (they began as the fuzz targets' support), tp_* for the cmocka helpers.
 * Everything but tp_* uses only the public header: a fuzz target exercises
 * vsmm exactly as an embedding VMM would.
 */
#ifndef VSMM_TESTLIB_H
#define VSMM_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsmm/vsmm.h"

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------ */
/* Failing loudly                                                       */
/* ------------------------------------------------------------------ */

/*
 * An invariant does not hold: print where and why, then abort() so that
 * libFuzzer records the input as a crash and the replay program fails.
 */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn, format(printf, 4, 5)))
#endif
void fz_fail(const char *file, int line, const char *expr, const char *fmt, ...);

#define FZ_CHECK(cond, ...) \
	((cond) ? (void)0 : fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* A short human description of the configuration under test, printed by
 * fz_fail() so a crash report says which model/layout/state it was. */
extern char fz_context[256];
/* The file being replayed (set by the replay driver), or NULL. */
extern const char *fz_input_name;

/* ------------------------------------------------------------------ */
/* Reading the fuzzer's bytes                                           */
/* ------------------------------------------------------------------ */

struct fz_input {
	const uint8_t *p;
	size_t n;
};

/* The next byte, or 0 once the input is exhausted (so every input,
 * however short, is a complete test case). */
uint8_t fz_u8(struct fz_input *in);
uint16_t fz_u16(struct fz_input *in);
uint32_t fz_u32(struct fz_input *in);
uint64_t fz_u64(struct fz_input *in);

/* ------------------------------------------------------------------ */
/* The test platform                                                    */
/* ------------------------------------------------------------------ */

enum fz_call_kind {
	FZ_CALL_READ,
	FZ_CALL_WRITE,
	FZ_CALL_SMM_CHANGED,
	FZ_CALL_NESTED_LEAVE,
	FZ_CALL_NESTED_ENTER,
	FZ_CALL_KIND_COUNT
};

struct fz_call {
	enum fz_call_kind kind;
	bool smm;     /* read/write: address space; smm_changed: entering */
	bool failed;  /* this call was made to fail */
	uint64_t gpa; /* read/write: address; nested_enter: vmcb12 */
	size_t len;
};

#define FZ_PAGE_SIZE 4096u
#define FZ_NPAGES 40u
#define FZ_LOG_MAX 64u

struct fz_page {
	uint64_t addr; /* page-aligned guest-physical address */
	bool smram;    /* first written through the SMM view: hidden from
			  * the normal view (SMRAM isolation) */
	uint8_t bytes[FZ_PAGE_SIZE];
};

/*
 * Guest memory: pages are created on first write (zero-filled); a page
 * never written reads as zero.  Addresses at or above `limit` do not exist
 * (reads and writes fail).  A page created through the SMM view is SMRAM:
 * the normal view can neither read nor write it.
 */
struct fz_mem {
	struct fz_page page[FZ_NPAGES];
	unsigned npages;
	uint64_t limit;

	/*
	 * Fault injection, the one convention of the library: callback
	 * number fail_at returns -1, counted from 1 over every callback
	 * since the last fz_mem_reset() or fz_mem_clear_log(); 0 never
	 * fails.  So the next callback is calls + 1, and fail_at = calls + 1
	 * fails it.  Besides, every callback of a kind in fail_kinds
	 * (1u << enum fz_call_kind) fails.  A failed callback is logged
	 * with .failed set and changes nothing.
	 */
	unsigned fail_at;
	unsigned fail_kinds;
	unsigned calls; /* callbacks so far (also beyond FZ_LOG_MAX) */

	/* If set, nested_leave loads this state (a VMM loading L1's
	 * registers), keeping the vCPU's event state. */
	const struct vsmm_cpu_state *l1;

	/* Every callback, in order (the first FZ_LOG_MAX). */
	struct fz_call log[FZ_LOG_MAX];
	unsigned nlog;
	unsigned count[FZ_CALL_KIND_COUNT];
};

extern const struct vsmm_platform_ops fz_platform_ops;

/* Forget every page, the log and the counters; fail nothing; no l1. */
void fz_mem_reset(struct fz_mem *mem);
/* Forget the log and counters only (memory stays). */
void fz_mem_clear_log(struct fz_mem *mem);
/* Host-side access that bypasses the views, logging and fault injection
 * (what the VMM or a test does to set up or inspect guest memory).
 * Return false if the range cannot be held. */
bool fz_mem_poke(struct fz_mem *mem, uint64_t gpa, const void *buf, size_t len,
		 bool smram);
bool fz_mem_peek(const struct fz_mem *mem, uint64_t gpa, void *buf, size_t len);
/* A read through one view (SMM or normal), as the guest would see it, but
 * without logging or fault injection. */
bool fz_mem_read_view(const struct fz_mem *mem, bool smm, uint64_t gpa, void *buf,
		      size_t len);

/* The calls of one kind in the log since the last clear. */
unsigned fz_mem_count(const struct fz_mem *mem, enum fz_call_kind kind);

/* ------------------------------------------------------------------ */
/* Models and states                                                    */
/* ------------------------------------------------------------------ */

/*
 * A configuration: vendor, long mode, forced layout (or AUTO) and
 * semantics, decoded from one byte so that every byte value is a valid
 * configuration: bit 0 vendor, bit 1 long mode, bits 2-3 layout, bit 4
 * semantics.  Returns false if vsmm refuses the model (a bug: presets
 * must always work).
 */
bool fz_config(uint8_t byte, struct vsmm_model *model, enum vsmm_semantics *semantics);
#define FZ_CONFIG_COUNT 32u

/* Valid interrupted contexts (the state at the SMI). */
enum fz_state_kind {
	FZ_ST_RESET,	 /* the architectural reset state */
	FZ_ST_REAL,	 /* real mode, odd segment bases */
	FZ_ST_PM16,	 /* 16-bit protected mode, no paging */
	FZ_ST_PM32,	 /* 32-bit flat, 4 KiB/4 MiB paging */
	FZ_ST_PAE,	 /* PAE paging without long mode (PDPTEs checked) */
	FZ_ST_V86,	 /* virtual-8086 mode */
	FZ_ST_LONG,	 /* 64-bit mode */
	FZ_ST_COMPAT,	 /* long mode, 32-bit compatibility code segment */
	FZ_ST_LONG_PCID, /* 64-bit mode with CR4.PCIDE and a PCID in CR3 */
	FZ_ST_VMX_ROOT,	 /* Intel: in VMX operation (CR4.VMXE=1) */
	FZ_ST_VMX_GUEST, /* Intel: VMX non-root (a nested guest runs) */
	FZ_ST_SVM_HOST,	 /* AMD: EFER.SVME=1 */
	FZ_ST_SVM_GUEST, /* AMD: a nested SVM guest runs */
	FZ_ST_COUNT
};

extern const char *const fz_state_names[FZ_ST_COUNT];

/*
 * Fill *s with state `kind` for this model, and write into mem what the
 * state needs (PAE page-directory-pointer table).  Returns false if the
 * model cannot be in that state (e.g. long mode without LM, VMX on AMD).
 */
bool fz_state_build(enum fz_state_kind kind, const struct vsmm_model *model,
		    struct fz_mem *mem, struct vsmm_cpu_state *s);

/*
 * What an SMI handler may have done to the SMM environment before RSM:
 * nothing, switched to 32-bit protected mode, or to long mode (EDK2's SMM
 * core runs 64-bit), optionally with PCIDE.  Returns false if the model
 * cannot.
 */
enum fz_handler_mode {
	FZ_HANDLER_NONE,
	FZ_HANDLER_PM32,
	FZ_HANDLER_LONG,
	FZ_HANDLER_LONG_PCID,
	FZ_HANDLER_COUNT
};
bool fz_handler_apply(enum fz_handler_mode mode, const struct vsmm_model *model,
		      struct vsmm_cpu_state *s);

/*
 * An SMI/RSM scenario decoded from four bytes (the header of fuzz_rsm's
 * inputs, also used by the corpus generator), so that every header is a
 * valid scenario:
 *   byte 0  fz_config() byte (vendor, long mode, layout, semantics);
 *   byte 1  interrupted context: fz_state_kind modulo FZ_ST_COUNT, moved
 *           on to the next kind the model supports;
 *   byte 2  FZ_SC_* event flags;
 *   byte 3  bits 0-1 handler mode, bits 4-5 SMBASE choice.
 */
#define FZ_SC_NMI_MASKED 0x01u	/* NMIs blocked at the SMI (inside NMI) */
#define FZ_SC_HALTED 0x02u	/* the SMI interrupted HLT */
#define FZ_SC_STI_SHADOW 0x04u	/* the SMI hit an STI shadow */
#define FZ_SC_IO_SMI 0x08u	/* the SMI came from an OUT to port 0xB2 */
#define FZ_SC_NMI_PENDING 0x10u /* an NMI waits */
#define FZ_SC_SMI_IN_SMM 0x20u	/* another SMI arrives in SMM */
#define FZ_SC_INIT_IN_SMM 0x40u /* an INIT arrives in SMM */
#define FZ_SC_IRET_IN_SMM 0x80u /* the handler executes IRET (NMIs unblocked) */

struct fz_scenario {
	struct vsmm_model model;
	enum vsmm_semantics semantics;
	enum fz_state_kind kind;
	uint8_t flags;
	enum fz_handler_mode handler;
	uint32_t smbase;
	struct vsmm_cpu_state pre; /* the interrupted context */
};

#define FZ_SCENARIO_BYTES 4u

/* Decode a header and build the interrupted context (writing what it
 * needs into mem).  Returns false only if vsmm refuses a preset model. */
bool fz_scenario_decode(const uint8_t hdr[FZ_SCENARIO_BYTES], struct fz_mem *mem,
			struct fz_scenario *sc);

/*
 * Bind vcpu to the scenario (model, semantics, platform over mem), load
 * the interrupted context and the I/O-SMI record.  Returns the status of
 * vsmm_vcpu_init/vsmm_vcpu_set_semantics.
 */
int fz_scenario_vcpu(const struct fz_scenario *sc, struct fz_mem *mem,
		     struct vsmm_vcpu *vcpu);

/*
 * The start of every scenario-driven target: read the header from in,
 * reset mem, decode the scenario and bind vcpu to it (fz_scenario_decode
 * and fz_scenario_vcpu, failing loudly if vsmm refuses a preset).  Returns
 * the layout the vCPU uses.
 */
const struct vsmm_layout_desc *fz_scenario_start(struct fz_input *in, struct fz_mem *mem,
						 struct fz_scenario *sc,
						 struct vsmm_vcpu *vcpu);

/* ------------------------------------------------------------------ */
/* The oracle and comparisons                                           */
/* ------------------------------------------------------------------ */

/*
 * Does a state RSM resumed pass every architectural check of spec section
 * 5 for this model?  Re-derived from the manuals; mem (may be NULL) is used
 * to re-read PAE PDPTEs.  Returns NULL if so, else a sentence naming the
 * broken rule (in a static buffer).
 */
const char *fz_oracle_resumed(const struct vsmm_model *model,
			      const struct vsmm_cpu_state *s, const struct fz_mem *mem);

/* Groups of struct vsmm_cpu_state fields for fz_state_diff(). */
#define FZ_CMP_ARCH (1u << 0)	/* registers, segments, tables, SMBASE */
#define FZ_CMP_EVENTS (1u << 1) /* smm, NMI/SMI/INIT flags, halted, shadow */
#define FZ_CMP_NESTED (1u << 2) /* vmx_on, guest_mode, svm_vmcb12 */
#define FZ_CMP_ALL (FZ_CMP_ARCH | FZ_CMP_EVENTS | FZ_CMP_NESTED)

/* NULL if a and b agree on every field of the groups, else "field: a=...
 * b=..." for the first that differs (static buffer). */
const char *fz_state_diff(const struct vsmm_cpu_state *a, const struct vsmm_cpu_state *b,
			  unsigned groups);

/* Same for everything vsmm keeps in a vCPU beside state: the private
 * record, semantics, last_shutdown, smi_count. */
const char *fz_vcpu_diff(const struct vsmm_vcpu *a, const struct vsmm_vcpu *b);

/* RSM shut down from the vCPU state `before`: nothing but the shutdown
 * flag changed, and last_shutdown names a reason of the table.  Fails
 * loudly (fz_fail) otherwise. */
void fz_check_shutdown(const struct vsmm_cpu_state *before, const struct vsmm_vcpu *v);
/* RSM resumed s from the SMM state b: the pending events are kept and NMIs
 * are blocked again only if the SMI came inside an NMI handler and the
 * handler did not unblock them.  Fails loudly otherwise. */
void fz_check_rsm_events(const struct vsmm_cpu_state *b, const struct vsmm_cpu_state *s);

/* Is this status one of VSMM_STATUS_MAP? */
bool fz_status_known(int status);

/* ------------------------------------------------------------------ */
/* cmocka helpers                                                       */
/* ------------------------------------------------------------------ */

/* A vCPU bound to a preset model and the platform. */
struct tp_vcpu {
	struct vsmm_model model;
	struct vsmm_vcpu vcpu;
	struct fz_mem *mem;
};

/*
 * (Re)bind v: a fresh platform (allocated on first use, else reset), the
 * preset model, the semantics.  The vCPU's state is the reset state;
 * tp_state() loads one of the catalogue.  Aborts if vsmm refuses.
 */
void tp_vcpu_init(struct tp_vcpu *v, enum vsmm_vendor vendor, bool long_mode,
		  enum vsmm_semantics semantics);

/* The catalogue's state `kind` for v's model (fz_state_build), writing
 * what it needs into v's memory; aborts if the model cannot hold it. */
void tp_state(struct tp_vcpu *v, enum fz_state_kind kind);

/* The one cmocka teardown: frees the platform of every vCPU that
 * tp_vcpu_init() bound and unbinds them (their mem becomes NULL). */
int tp_teardown(void **state);

/* Read / write one field of the vCPU's image in SMRAM by its manual name
 * (aborts if the layout has no such field). */
uint64_t tp_image_get(struct tp_vcpu *v, const char *name);
void tp_image_set(struct tp_vcpu *v, const char *name, uint64_t value);

/* The first difference between two states (every field), or NULL. */
#define tp_state_diff(a, b) fz_state_diff((a), (b), FZ_CMP_ALL)

/* Fail the cmocka test with the first difference between two states.  A
 * macro, so that the library needs no cmocka and the failure names the
 * test's own line; include <cmocka.h> before using it. */
#define TP_ASSERT_SAME_STATE(want, got) \
	do { \
		const char *tp_d_ = tp_state_diff((want), (got)); \
		if (tp_d_) \
			fail_msg("state differs: %s", tp_d_); \
	} while (0)

#endif /* VSMM_TESTLIB_H */
